import Foundation
import GRDB
import SluiceCore

extension MetadataStore {
    /// Creates a run (state `queued`) and a task instance (state `none`) for each of its tasks, in
    /// one transaction. Fails with `runExists` if the DAG already has that run id or logical date.
    public func createRun(dag: DagDefinition, runID: String, type: DagRunType, interval: DataInterval,
                          conf: Value = .map([]), backfillID: Int64? = nil, now: Date = Date()) throws(MetadataError) -> DagRunRow {
        try write { db in
            if let clash = try DagRunRow.filter(sql: "dag_id = ? AND (run_id = ? OR logical_date = ?)",
                                                arguments: [dag.dagID, runID, interval.start.timeIntervalSince1970]).fetchOne(db) {
                throw MetadataError.runExists(dagID: dag.dagID, existing: clash.runID)
            }
            var run = DagRunRow(id: nil, dagID: dag.dagID, runID: runID, runType: type, state: .queued,
                                logicalDate: interval.start, dataIntervalStart: interval.start, dataIntervalEnd: interval.end,
                                conf: conf.jsonText(), backfillID: backfillID, dagHash: dag.contentHash, queuedAt: now)
            try run.insert(db)
            for task in dag.tasks {
                var ti = TaskInstanceRow(id: nil, runPK: run.id!, dagID: dag.dagID, runID: runID, taskID: task.id, state: .noState,
                                         tryNumber: 0, maxTries: task.policy.retries + 1, nextRetryAt: nil, pool: task.policy.pool,
                                         poolSlots: task.policy.poolSlots, priorityWeight: task.policy.priorityWeight,
                                         queue: task.policy.queue)
                try ti.insert(db)
            }
            return run
        }
    }

    public func run(dagID: String, runID: String) throws(MetadataError) -> DagRunRow? {
        try read { db in
            try DagRunRow.fetchOne(db.cachedStatement(sql: "SELECT * FROM dag_run WHERE dag_id = ? AND run_id = ?"), arguments: [dagID, runID])
        }
    }

    public func run(pk: Int64) throws(MetadataError) -> DagRunRow? {
        try read { db in try DagRunRow.fetchOne(db.cachedStatement(sql: "SELECT * FROM dag_run WHERE id = ?"), arguments: [pk]) }
    }

    public func run(dagID: String, logicalDate: Date) throws(MetadataError) -> DagRunRow? {
        try read { db in
            try DagRunRow.filter(sql: "dag_id = ? AND logical_date = ?", arguments: [dagID, logicalDate.timeIntervalSince1970]).fetchOne(db)
        }
    }

    /// Runs filtered by DAG and state, newest logical date first; no limit when `limit` is nil.
    public func runs(dagID: String? = nil, states: [DagRunState] = [], limit: Int? = nil, offset: Int = 0) throws(MetadataError) -> [DagRunRow] {
        try read { db in
            let (filter, arguments) = Self.runFilter(dagID: dagID, states: states)
            var sql = "SELECT * FROM dag_run" + filter + " ORDER BY logical_date DESC, id DESC"
            if limit != nil || offset > 0 { sql += " LIMIT \(limit ?? -1) OFFSET \(max(0, offset))" }
            return try DagRunRow.fetchAll(db, sql: sql, arguments: arguments)
        }
    }

    /// How many runs `runs(dagID:states:)` would list without a limit.
    public func runCount(dagID: String? = nil, states: [DagRunState] = []) throws(MetadataError) -> Int {
        try read { db in
            let (filter, arguments) = Self.runFilter(dagID: dagID, states: states)
            return try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM dag_run" + filter, arguments: arguments) ?? 0
        }
    }

    private static func runFilter(dagID: String?, states: [DagRunState]) -> (String, StatementArguments) {
        var clauses: [String] = []
        var arguments: [any DatabaseValueConvertible] = []
        if let dagID { clauses.append("dag_id = ?"); arguments.append(dagID) }
        if !states.isEmpty {
            clauses.append("state IN (\(states.map { _ in "?" }.joined(separator: ",")))")
            arguments += states.map(\.rawValue)
        }
        return (clauses.isEmpty ? "" : " WHERE " + clauses.joined(separator: " AND "), StatementArguments(arguments))
    }

    /// The latest run the scheduler created on its own (not manual, not backfill): the point from
    /// which the next scheduled interval is computed.
    public func latestScheduledRun(dagID: String) throws(MetadataError) -> DagRunRow? {
        try read { db in
            try DagRunRow.filter(sql: "dag_id = ? AND run_type = 'scheduled'", arguments: [dagID])
                .order(sql: "data_interval_end DESC").fetchOne(db)
        }
    }

    /// Moves a run to `state`, stamping its start or end time.
    public func setRunState(pk: Int64, _ state: DagRunState, now: Date = Date()) throws(MetadataError) {
        try write { db in
            switch state {
            case .running:
                try db.execute(sql: "UPDATE dag_run SET state = 'running', start_date = COALESCE(start_date, ?), end_date = NULL WHERE id = ?",
                               arguments: [now.timeIntervalSince1970, pk])
            case .queued:
                try db.execute(sql: "UPDATE dag_run SET state = 'queued', end_date = NULL, queued_at = ? WHERE id = ?",
                               arguments: [now.timeIntervalSince1970, pk])
            case .success, .failed:
                try db.execute(sql: "UPDATE dag_run SET state = ?, end_date = ? WHERE id = ?",
                               arguments: [state.rawValue, now.timeIntervalSince1970, pk])
            }
        }
    }
}

extension MetadataError {
    static func runExists(dagID: String, existing: String) -> MetadataError {
        MetadataError("DAG '\(dagID)' already has a run for that run id or logical date ('\(existing)')", isConflict: true)
    }
}
