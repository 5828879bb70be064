import Foundation
import SluiceCore
import SluiceMetadata
import SluiceScheduler

/// `limit` (default 100, at most 1000) and `offset` of a list endpoint, and its answer
/// `{"items": [...], "total": N}`.
struct Page {
    let limit: Int
    let offset: Int

    init(_ request: APIRequest) throws(APIError) {
        limit = try request.intQuery("limit", default: 100, range: 1 ... 1000)
        offset = try request.intQuery("offset", default: 0, range: 0 ... Int(Int32.max))
    }

    /// The part of `items` this page shows.
    func slice<T>(_ items: [T]) -> ArraySlice<T> {
        let start = min(offset, items.count)
        return items[start ..< min(items.count, start + limit)]
    }

    func reply(_ items: [Value], total: Int) -> APIReply {
        .json(.map([("items", .list(items)), ("total", .int(Int64(total)))]))
    }
}

/// Runs a call into the scheduler or the store, answering its errors with the right status:
/// bad input 400, unknown things 404, clashes 409, an unavailable database 503.
func perform<T>(_ body: () throws -> T) throws(APIError) -> T {
    do { return try body() } catch let error as APIError {
        throw error
    } catch let error as SchedulerError {
        switch error.kind {
        case .invalid: throw APIError.badRequest(error.message)
        case .notFound: throw APIError.notFound(error.message)
        case .conflict: throw APIError.conflict(error.message)
        }
    } catch let error as MetadataError {
        throw error.isConflict ? APIError.conflict(error.message) : APIError(.serviceUnavailable, error.message)
    } catch {
        throw APIError(.internalServerError, "\(error)")
    }
}

/// Finds the DAGs, runs and task instances that paths name, with one-line 404s that suggest
/// close matches the way the CLI does.
struct Lookup {
    let store: MetadataStore

    /// A path parameter that names a DAG, run or task: ids become folder names of task logs, so
    /// a `/`, `..` or NUL in one is refused before anything is looked up.
    static func identifier(_ request: APIRequest, _ name: String) throws(APIError) -> String {
        let value = request.parameter(name)
        guard !value.isEmpty, !value.contains("/"), !value.contains(".."), !value.contains("\0") else {
            throw APIError.badRequest("path parameter '\(name)' must be a plain identifier (no '/' or '..'), got '\(value)'")
        }
        return value
    }

    /// The DAG named by `{dag_id}` with its stored definition.
    func dag(_ request: APIRequest) throws(APIError) -> (row: DagRow, dag: DagDefinition) {
        try dag(named: try Self.identifier(request, "dag_id"))
    }

    /// The DAG `dagID` with its stored definition (404 with a suggestion when unknown).
    func dag(named dagID: String) throws(APIError) -> (row: DagRow, dag: DagDefinition) {
        guard let row = try wrap({ () throws(MetadataError) in try store.dag(dagID) }) else {
            let known = (try? store.dags().map(\.dagID)) ?? []
            throw APIError.notFound("no DAG '\(dagID)'\(Spelling.didYouMean(dagID, among: known))")
        }
        do { return (row, try row.definition()) } catch {
            throw APIError(.internalServerError, "the stored definition of DAG '\(dagID)' cannot be read: \(error)")
        }
    }

    /// An active DAG (one whose file still loads): only those get new runs and backfills.
    func activeDag(named dagID: String) throws(APIError) -> DagDefinition {
        let (row, dag) = try dag(named: dagID)
        guard row.isActive else {
            throw APIError.conflict("DAG '\(row.dagID)' is not active (its file is gone or fails to load; see /api/v1/import-errors)")
        }
        return dag
    }

    /// The run named by `{dag_id}` and `{run_id}`.
    func run(_ request: APIRequest) throws(APIError) -> DagRunRow {
        let dagID = try Self.identifier(request, "dag_id")
        let runID = try Self.identifier(request, "run_id")
        if let run = try wrap({ () throws(MetadataError) in try store.run(dagID: dagID, runID: runID) }) { return run }
        _ = try dag(named: dagID)
        let known = (try? store.runs(dagID: dagID, limit: 50).map(\.runID)) ?? []
        throw APIError.notFound("DAG '\(dagID)' has no run '\(runID)'\(Spelling.didYouMean(runID, among: known))")
    }

    /// The task instance named by `{task_id}` in `run`.
    func taskInstance(_ request: APIRequest, in run: DagRunRow) throws(APIError) -> TaskInstanceRow {
        let taskID = try Self.identifier(request, "task_id")
        let instances = try wrap { () throws(MetadataError) in try store.taskInstances(runPK: run.id!) }
        guard let ti = instances.first(where: { $0.taskID == taskID }) else {
            throw APIError.notFound("run '\(run.runID)' of DAG '\(run.dagID)' has no task '\(taskID)'\(Spelling.didYouMean(taskID, among: instances.map(\.taskID)))")
        }
        return ti
    }
}

extension JSONObject {
    /// A date-time field read in `zone` (`YYYY-MM-DD` or `YYYY-MM-DDTHH:MM[:SS][Z|±HH:MM]`).
    func date(_ key: String, zone: TimeZone, required: Bool = false) throws(APIError) -> Date? {
        guard let text = try string(key, required: required) else { return nil }
        guard let date = DateTimeText.parse(text, zone: zone) else {
            throw APIError.badRequest("field '\(key)' must be a date (YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS][Z|±HH:MM]), got '\(text)'")
        }
        return date
    }
}
