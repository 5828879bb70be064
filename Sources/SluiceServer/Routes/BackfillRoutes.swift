import Foundation
import SluiceCore
import SluiceMetadata
import SluiceScheduler

/// Backfills: list, create (like `sluice dags backfill`), one with its progress, and
/// pause / unpause / cancel (like `sluice backfills ...`).
enum BackfillRoutes {
    static func register(_ table: RouteTable, _ context: ServerContext) {
        let store = context.store

        table.add(.get, "/api/v1/backfills", role: .viewer) { request in
            let page = try Page(request)
            var backfills = try wrap { () throws(MetadataError) in try store.backfills() }
            if let dagID = request.query("dag_id") { backfills = backfills.filter { $0.dagID == dagID } }
            if let state = request.query("state") {
                guard let wanted = BackfillRow.State(rawValue: state) else {
                    throw APIError.badRequest("query parameter 'state' must be running, paused, cancelled or completed, got '\(state)'")
                }
                backfills = backfills.filter { $0.state == wanted }
            }
            var items: [Value] = []
            for backfill in page.slice(backfills) { items.append(try json(backfill, store: store, masker: context.masker)) }
            return page.reply(items, total: backfills.count)
        }

        table.add(.post, "/api/v1/backfills", role: .operator_) { request in
            let body = try await request.json()
            try body.only(["dag_id", "from", "to", "reprocess", "max_active_runs", "conf"])
            let dagID = try body.string("dag_id", required: true)!
            let dag = try Lookup(store: store).activeDag(named: dagID)
            let from = try body.date("from", zone: dag.zone, required: true)!
            let toText = try body.string("to", required: true)!
            guard let to = ManualRuns.backfillEnd(toText, zone: dag.zone) else {
                throw APIError.badRequest("field 'to' must be a date (YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS][Z|±HH:MM]), got '\(toText)'")
            }
            guard from <= to else { throw APIError.badRequest("field 'from' (\(from.utcText())) is after field 'to' (\(to.utcText()))") }
            let reprocessText = try body.string("reprocess") ?? "none"
            guard let reprocess = BackfillRow.Reprocess(rawValue: reprocessText) else {
                throw APIError.badRequest("field 'reprocess' must be none, failed or all, got '\(reprocessText)'")
            }
            let maxActiveRuns = try body.int("max_active_runs", range: 1 ... 10_000).map { Int($0) }
            let conf = try body.object("conf") ?? .map([])
            let backfill = try perform {
                try ManualRuns(store: store).createBackfill(dag: dag, start: from, end: to, reprocess: reprocess,
                                                            maxActiveRuns: maxActiveRuns, conf: conf)
            }
            return .json(try json(backfill, store: store, masker: context.masker), status: .created)
        }

        table.add(.get, "/api/v1/backfills/{backfill_id}", role: .viewer) { request in
            let id = try request.intParameter("backfill_id")
            guard let backfill = try wrap({ () throws(MetadataError) in try store.backfill(id: id) }) else {
                throw APIError.notFound("no backfill \(id)")
            }
            return .json(try json(backfill, store: store, masker: context.masker))
        }

        for action in BackfillAction.allCases {
            table.add(.post, "/api/v1/backfills/{backfill_id}/\(action.rawValue)", role: .operator_) { request in
                let id = try request.intParameter("backfill_id")
                _ = try await request.json()
                let backfill = try perform { try RunSteering(store: store).steerBackfill(id: id, action) }
                return .json(try json(backfill, store: store, masker: context.masker))
            }
        }
    }

    /// A backfill as `sluice backfills list --json` shows it, plus its progress and conf.
    static func json(_ backfill: BackfillRow, store: MetadataStore, masker: SecretMasker) throws(APIError) -> Value {
        let counts = try wrap { () throws(MetadataError) in try store.backfillRunCounts(id: backfill.id!) }
        guard case var .map(pairs) = backfill.json(runCounts: counts) else { return .null }
        let total = backfill.dates.count
        pairs += [
            ("total", .int(Int64(total))), ("done", .int(Int64((counts[.success] ?? 0) + (counts[.failed] ?? 0)))),
            ("succeeded", .int(Int64(counts[.success] ?? 0))), ("running", .int(Int64(counts[.running] ?? 0))),
            ("failed", .int(Int64(counts[.failed] ?? 0))), ("queued", .int(Int64(counts[.queued] ?? 0))),
            ("conf", masker.masked((try? Value.parseJSON(backfill.conf)) ?? .map([]))),
        ]
        return .map(pairs)
    }
}
