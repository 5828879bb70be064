import Foundation
import SluiceCore
import SluiceMetadata
import SluiceScheduler

/// DAG runs: list (by state), trigger with conf (validated like `sluice dags trigger`), one run.
enum RunRoutes {
    static func register(_ table: RouteTable, _ context: ServerContext) {
        let store = context.store, lookup = Lookup(store: store)

        table.add(.get, "/api/v1/dags/{dag_id}/runs", role: .viewer) { request in
            let (row, _) = try lookup.dag(request)
            let page = try Page(request)
            let states = try stateFilter(request)
            let (runs, total) = try wrap { () throws(MetadataError) in
                (try store.runs(dagID: row.dagID, states: states, limit: page.limit, offset: page.offset),
                 try store.runCount(dagID: row.dagID, states: states))
            }
            return page.reply(runs.map { runJSON($0, context.masker) }, total: total)
        }

        table.add(.post, "/api/v1/dags/{dag_id}/runs", role: .operator_) { request in
            let dag = try lookup.activeDag(named: try Lookup.identifier(request, "dag_id"))
            let body = try await request.json()
            try body.only(["logical_date", "run_id", "conf"])
            let date = try body.date("logical_date", zone: dag.zone)
            let runID = try body.string("run_id")
            let conf = try body.object("conf") ?? .map([])
            let run = try perform { try ManualRuns(store: store).trigger(dag: dag, logicalDate: date, conf: conf, runID: runID) }
            return .json(runJSON(run, context.masker), status: .created)
        }

        table.add(.get, "/api/v1/dags/{dag_id}/runs/{run_id}", role: .viewer) { request in
            let run = try lookup.run(request)
            let instances = try wrap { () throws(MetadataError) in try store.taskInstances(runPK: run.id!) }
            var counts: [TaskInstanceState: Int] = [:]
            for ti in instances { counts[ti.state, default: 0] += 1 }
            guard case var .map(pairs) = runJSON(run, context.masker) else { return .json(.null) }
            pairs.append(("task_states", .map(TaskInstanceState.allCases.compactMap { state in
                counts[state].map { (state.rawValue, .int(Int64($0))) }
            })))
            return .json(.map(pairs))
        }
    }

    /// The `state` query parameter: one state or several separated by commas.
    static func stateFilter(_ request: APIRequest) throws(APIError) -> [DagRunState] {
        guard let text = request.query("state"), !text.isEmpty else { return [] }
        var states: [DagRunState] = []
        for name in text.split(separator: ",").map({ String($0).trimmingCharacters(in: .whitespaces) }) {
            guard let state = DagRunState(rawValue: name) else {
                let known = DagRunState.allCases.map(\.rawValue)
                throw APIError.badRequest("query parameter 'state': unknown run state '\(name)'\(Spelling.didYouMean(name, among: known)) (expected: \(known.joined(separator: ", ")))")
            }
            states.append(state)
        }
        return states
    }

    /// A run as the CLI's `--json` shows it, with secrets in its conf masked.
    static func runJSON(_ run: DagRunRow, _ masker: SecretMasker) -> Value {
        masker.masked(run.json)
    }
}
