import Foundation
import SluiceCore
import SluiceMetadata

/// DAGs: list with their latest runs and next run, one DAG with its tasks and typed params,
/// pausing, and the files that failed to load.
enum DagRoutes {
    /// How many recent runs a DAG listing shows.
    static let recentRuns = 5

    static func register(_ table: RouteTable, _ context: ServerContext) {
        let store = context.store, lookup = Lookup(store: store)

        table.add(.get, "/api/v1/dags", role: .viewer) { request in
            let page = try Page(request)
            let onlyActive = try boolQuery(request, "only_active") ?? true
            let paused = try boolQuery(request, "paused")
            let rows = try wrap { () throws(MetadataError) in try store.dags() }
                .filter { (!onlyActive || $0.isActive) && (paused == nil || $0.isPaused == paused) }
            var items: [Value] = []
            for row in page.slice(rows) {
                guard let dag = try? row.definition() else { continue }
                items.append(try summary(row, dag, store: store, masker: context.masker))
            }
            return page.reply(items, total: rows.count)
        }

        table.add(.get, "/api/v1/dags/{dag_id}", role: .viewer) { request in
            let (row, dag) = try lookup.dag(request)
            return .json(try detail(row, dag, store: store, masker: context.masker))
        }

        table.add(.patch, "/api/v1/dags/{dag_id}", role: .operator_) { request in
            let (row, dag) = try lookup.dag(request)
            let body = try await request.json()
            try body.only(["is_paused"])
            guard let paused = try body.bool("is_paused") else { throw APIError.badRequest("field 'is_paused' is required (true or false)") }
            try wrap { () throws(MetadataError) in _ = try store.setPaused(row.dagID, paused) }
            var updated = row
            updated.isPaused = paused
            return .json(try summary(updated, dag, store: store, masker: context.masker))
        }

        table.add(.get, "/api/v1/import-errors", role: .viewer) { request in
            let page = try Page(request)
            let errors = try wrap { () throws(MetadataError) in try store.importErrors() }
            let items: [Value] = page.slice(errors).map { .map([("file", .string($0.file)), ("message", .string($0.message))]) }
            return page.reply(items, total: errors.count)
        }
    }

    /// A boolean query parameter (`true`/`false`), nil when absent.
    static func boolQuery(_ request: APIRequest, _ name: String) throws(APIError) -> Bool? {
        guard let text = request.query(name) else { return nil }
        switch text.lowercased() {
        case "true", "1": return true
        case "false", "0": return false
        default: throw APIError.badRequest("query parameter '\(name)' must be true or false, got '\(text)'")
        }
    }

    /// A DAG as listed: identity, schedule, flags, its latest runs and the next scheduled run.
    static func summary(_ row: DagRow, _ dag: DagDefinition, store: MetadataStore, masker: SecretMasker) throws(APIError) -> Value {
        let runs = try wrap { () throws(MetadataError) in try store.runs(dagID: row.dagID, limit: recentRuns) }
        let latest: [Value] = runs.map { run in
            .map([("run_id", .string(run.runID)), ("state", .string(run.state.rawValue)), ("run_type", .string(run.runType.rawValue)),
                  ("logical_date", run.logicalDate.jsonValue)])
        }
        return .map([
            ("dag_id", .string(row.dagID)), ("file", .string(row.file)), ("description", dag.description.map(Value.string) ?? .null),
            ("schedule", dag.scheduleText.map(Value.string) ?? .null), ("timezone", .string(dag.timezone)),
            ("tags", .list(dag.tags.map(Value.string))), ("is_paused", .bool(row.isPaused)), ("is_active", .bool(row.isActive)),
            ("task_count", .int(Int64(dag.tasks.count))), ("last_parsed_at", row.lastParsedAt.jsonValue),
            ("latest_runs", .list(latest)), ("next_run", try nextRun(row, dag, store: store)),
        ])
    }

    /// The next run the scheduler would create (catchup, start and end dates honoured), or null
    /// for manual-only and inactive DAGs and when the DAG has ended.
    static func nextRun(_ row: DagRow, _ dag: DagDefinition, store: MetadataStore) throws(APIError) -> Value {
        guard row.isActive, dag.scheduleText != nil else { return .null }
        let last = try wrap { () throws(MetadataError) in try store.latestScheduledRun(dagID: dag.dagID) }
        guard let next = dag.timetable.nextDataInterval(after: last?.dataInterval, earliest: dag.startDate, latest: dag.endDate,
                                                        catchup: dag.catchup, now: Date()) else { return .null }
        return .map([("logical_date", next.start.jsonValue), ("data_interval_start", next.start.jsonValue),
                     ("data_interval_end", next.end.jsonValue), ("runs_at", next.end.jsonValue)])
    }

    /// A DAG with its settings, typed params and tasks (arguments as written, secrets masked).
    static func detail(_ row: DagRow, _ dag: DagDefinition, store: MetadataStore, masker: SecretMasker) throws(APIError) -> Value {
        let downstream = dag.downstream
        let tasks: [Value] = dag.tasks.map { t in
            .map([
                ("task_id", .string(t.id)), ("operator", .string(t.operatorName)),
                ("depends_on", .list(t.dependsOn.map(Value.string))), ("downstream", .list((downstream[t.id] ?? []).map(Value.string))),
                ("arguments", masker.masked(t.arguments)), ("doc", t.doc.map(Value.string) ?? .null),
                ("queue", .string(t.policy.queue)), ("pool", .string(t.policy.pool)), ("pool_slots", .int(Int64(t.policy.poolSlots))),
                ("priority_weight", .int(Int64(t.policy.priorityWeight))), ("retries", .int(Int64(t.policy.retries))),
                ("retry_delay_seconds", .double(t.policy.retryDelay)),
                ("retry_exponential_backoff", .bool(t.policy.retryExponentialBackoff)),
                ("max_retry_delay_seconds", t.policy.maxRetryDelay.map(Value.double) ?? .null),
                ("execution_timeout_seconds", t.policy.executionTimeout.map(Value.double) ?? .null),
                ("trigger_rule", .string(t.policy.triggerRule.rawValue)),
            ])
        }
        let params: [Value] = dag.params.map { p in
            let hidden = SecretMasker.isSensitive(p.name) && p.defaultValue != nil
            return .map([
                ("name", .string(p.name)), ("type", .string(p.type.rawValue)), ("required", .bool(p.defaultValue == nil)),
                ("default", hidden ? .string(SecretMasker.mask) : masker.masked(p.defaultValue ?? .null)),
                ("description", p.description.map(Value.string) ?? .null), ("allowed", p.allowed.map { .list($0) } ?? .null),
                ("minimum", p.minimum.map(Value.double) ?? .null), ("maximum", p.maximum.map(Value.double) ?? .null),
                ("items", p.items.map { .string($0.rawValue) } ?? .null),
            ])
        }
        guard case var .map(pairs) = try summary(row, dag, store: store, masker: masker) else { return .null }
        pairs += [
            ("start_date", dag.startDate.jsonValue), ("end_date", dag.endDate.jsonValue), ("catchup", .bool(dag.catchup)),
            ("max_active_runs", .int(Int64(dag.maxActiveRuns))), ("max_active_tasks", .int(Int64(dag.maxActiveTasks))),
            ("content_hash", .string(row.contentHash)), ("params", .list(params)), ("tasks", .list(tasks)),
        ]
        return .map(pairs)
    }
}
