import Foundation
import SluiceCore
import SluiceMetadata
import SluiceScheduler

/// Task instances of a run: list, one with every try and its XCom, clear (with downstream) and
/// mark, with the semantics of `sluice tasks clear` and `sluice tasks state --set`.
enum TaskInstanceRoutes {
    /// The states a task may be marked with by hand.
    static let markable: [TaskInstanceState] = [.success, .failed, .skipped]

    static func register(_ table: RouteTable, _ context: ServerContext) {
        let store = context.store, lookup = Lookup(store: store)
        let base = "/api/v1/dags/{dag_id}/runs/{run_id}/tasks"

        table.add(.get, base, role: .viewer) { request in
            let run = try lookup.run(request)
            let page = try Page(request)
            let instances = try wrap { () throws(MetadataError) in try store.taskInstances(runPK: run.id!) }
            return page.reply(page.slice(instances).map { $0.json() }, total: instances.count)
        }

        table.add(.get, base + "/{task_id}", role: .viewer) { request in
            let run = try lookup.run(request)
            let ti = try lookup.taskInstance(request, in: run)
            return .json(try detail(ti, run: run, store: store, masker: context.masker))
        }

        table.add(.post, base + "/{task_id}/clear", role: .operator_) { request in
            let run = try lookup.run(request)
            let ti = try lookup.taskInstance(request, in: run)
            let body = try await request.json()
            try body.only(["downstream"])
            let downstream = try body.bool("downstream") ?? false
            let (_, dag) = try lookup.dag(request)
            let outcome = try perform { try RunSteering(store: store).clear(dag: dag, run: run, taskIDs: [ti.taskID], downstream: downstream) }
            return .json(.map([
                ("cleared", .list(outcome.cleared.map(Value.string))),
                ("left_alone", .list(outcome.leftAlone.map(Value.string))),
            ]))
        }

        table.add(.post, base + "/{task_id}/mark", role: .operator_) { request in
            let run = try lookup.run(request)
            let ti = try lookup.taskInstance(request, in: run)
            let body = try await request.json()
            try body.only(["state"])
            let text = try body.string("state", required: true)!
            let names = markable.map(\.rawValue)
            guard let state = TaskInstanceState(rawValue: text), markable.contains(state) else {
                throw APIError.badRequest("field 'state' must be one of \(names.joined(separator: ", ")), got '\(text)'\(Spelling.didYouMean(text, among: names))")
            }
            try wrap { () throws(MetadataError) in try store.markTask(runPK: run.id!, taskID: ti.taskID, state: state) }
            let updated = try wrap { () throws(MetadataError) in try store.taskInstance(id: ti.id!) } ?? ti
            return .json(updated.json())
        }
    }

    /// A task instance with every try (who ran it, for how long, how it ended, what the
    /// scheduler rendered for a remote worker) and the XCom values it pushed in the run.
    static func detail(_ ti: TaskInstanceRow, run: DagRunRow, store: MetadataStore, masker: SecretMasker) throws(APIError) -> Value {
        let tries = try wrap { () throws(MetadataError) in try store.tries(tiID: ti.id!) }
        var tryItems: [Value] = []
        for attempt in tries {
            guard case var .map(pairs) = attempt.json else { continue }
            pairs.append(("job_id", attempt.jobID.map(Value.string) ?? .null))
            pairs.append(("duration_seconds", attempt.durationSeconds.map(Value.double) ?? .null))
            let payload = try wrap { () throws(MetadataError) in try store.workload(tryID: attempt.id!) }
                .flatMap { try? Value.parseJSON($0.payload) }
            pairs.append(("rendered_arguments", masker.masked(payload?["arguments"] ?? .null)))
            pairs.append(("environment", masker.masked(payload?["environment"] ?? .null)))
            tryItems.append(.map(pairs))
        }
        let xcoms = try wrap { () throws(MetadataError) in try store.xcoms(runPK: run.id!, taskID: ti.taskID) }
        let xcomItems: [Value] = xcoms.map { x in
            .map([("key", .string(x.key)), ("value", SecretMasker.isSensitive(x.key) ? .string(SecretMasker.mask) : masker.masked(x.value)),
                  ("try_number", .int(Int64(x.tryNumber))), ("created_at", x.createdAt.jsonValue)])
        }
        guard case var .map(pairs) = ti.json() else { return .null }
        pairs.insert(("run_id", .string(run.runID)), at: 0)
        pairs.insert(("dag_id", .string(run.dagID)), at: 0)
        pairs += [("tries", .list(tryItems)), ("xcom", .list(xcomItems))]
        return .map(pairs)
    }
}
