import Foundation
import GRDB
import SluiceCore

extension MetadataStore {
    /// Clears task instances so they run again (Airflow's "clear"): each goes back to `none`
    /// with a fresh retry budget, its try history kept; the run returns to `queued` so the
    /// scheduler picks it up. Running tries are left alone (they finish and are then superseded).
    /// Returns the task ids cleared.
    @discardableResult
    public func clear(runPK: Int64, taskIDs: [String], retries: [String: Int], now: Date = Date()) throws(MetadataError) -> [String] {
        try write { db in try Self.clear(db, runPK: runPK, taskIDs: taskIDs, retries: retries, now: now) }
    }

    static func clear(_ db: Database, runPK: Int64, taskIDs: [String], retries: [String: Int], now: Date) throws -> [String] {
        var cleared: [String] = []
        for taskID in taskIDs {
            guard var ti = try TaskInstanceRow.filter(sql: "run_pk = ? AND task_id = ?", arguments: [runPK, taskID]).fetchOne(db) else { continue }
            if ti.state == .running || ti.state == .queued { continue }
            ti.maxTries = ti.tryNumber + (retries[taskID] ?? 0) + 1
            ti.state = .noState
            ti.nextRetryAt = nil
            ti.endDate = nil
            try ti.update(db)
            try db.execute(sql: "DELETE FROM xcom WHERE run_pk = ? AND task_id = ?", arguments: [runPK, taskID])
            cleared.append(taskID)
        }
        if !cleared.isEmpty {
            try db.execute(sql: "UPDATE dag_run SET state = 'queued', start_date = NULL, end_date = NULL, queued_at = ? WHERE id = ? AND state IN ('success','failed','running','queued')",
                           arguments: [now.timeIntervalSince1970, runPK])
        }
        return cleared
    }

    /// Sets a task instance's state by hand (`sluice tasks state`): success, failed or skipped.
    public func markTask(runPK: Int64, taskID: String, state: TaskInstanceState, now: Date = Date()) throws(MetadataError) {
        guard [.success, .failed, .skipped].contains(state) else {
            throw MetadataError("a task can be marked success, failed or skipped, not \(state.rawValue)")
        }
        try write { db in
            guard let ti = try TaskInstanceRow.filter(sql: "run_pk = ? AND task_id = ?", arguments: [runPK, taskID]).fetchOne(db) else {
                throw MetadataError("no task '\(taskID)' in that run")
            }
            if ti.state == .running || ti.state == .queued {
                throw MetadataError("task '\(taskID)' is \(ti.state.rawValue); wait for it to finish or clear it", isConflict: true)
            }
            try db.execute(sql: "UPDATE task_instance SET state = ?, end_date = ?, next_retry_at = NULL WHERE id = ?",
                           arguments: [state.rawValue, now.timeIntervalSince1970, ti.id])
            try db.execute(sql: "UPDATE dag_run SET state = 'running', end_date = NULL WHERE id = ? AND state IN ('success','failed')", arguments: [runPK])
        }
    }

    // MARK: Backfills

    /// Records a backfill over `dates` (already computed from the DAG's timetable).
    public func createBackfill(dagID: String, from: Date, to: Date, dates: [Date], reprocess: BackfillRow.Reprocess,
                               maxActiveRuns: Int, conf: Value, now: Date = Date()) throws(MetadataError) -> BackfillRow {
        try write { db in
            var row = BackfillRow(id: nil, dagID: dagID, fromDate: from, toDate: to, reprocess: reprocess, maxActiveRuns: maxActiveRuns,
                                  conf: conf.jsonText(), state: .running,
                                  logicalDates: Value.list(dates.map { .double($0.timeIntervalSince1970) }).jsonText(),
                                  createdAt: now, completedAt: nil)
            try row.insert(db)
            return row
        }
    }

    public func backfills(states: [BackfillRow.State] = []) throws(MetadataError) -> [BackfillRow] {
        try read { db in
            if states.isEmpty { return try BackfillRow.order(sql: "id DESC").fetchAll(db) }
            let marks = states.map { _ in "?" }.joined(separator: ",")
            return try BackfillRow.filter(sql: "state IN (\(marks))", arguments: StatementArguments(states.map(\.rawValue)))
                .order(sql: "id").fetchAll(db)
        }
    }

    public func backfill(id: Int64) throws(MetadataError) -> BackfillRow? {
        try read { db in try BackfillRow.fetchOne(db, key: id) }
    }

    public func setBackfillState(id: Int64, _ state: BackfillRow.State, now: Date = Date()) throws(MetadataError) {
        try write { db in
            let done: Double? = (state == .completed || state == .cancelled) ? now.timeIntervalSince1970 : nil
            try db.execute(sql: "UPDATE backfill SET state = ?, completed_at = ? WHERE id = ?", arguments: [state.rawValue, done, id])
            if db.changesCount == 0 { throw MetadataError("no backfill \(id)") }
        }
    }

    /// Makes a backfill re-run an existing run: attaches the run and clears all its tasks, in one
    /// transaction (a crash between the two would otherwise leave the date "done" but not re-run).
    public func reprocessRun(pk: Int64, forBackfill backfillID: Int64, taskIDs: [String], retries: [String: Int],
                             now: Date = Date()) throws(MetadataError) {
        try write { db in
            try db.execute(sql: "UPDATE dag_run SET backfill_id = ? WHERE id = ?", arguments: [backfillID, pk])
            _ = try Self.clear(db, runPK: pk, taskIDs: taskIDs, retries: retries, now: now)
        }
    }

    /// Cancels a backfill: it creates no more runs, and its runs that have not started are marked
    /// failed so they never start; running ones finish.
    public func cancelBackfill(id: Int64, now: Date = Date()) throws(MetadataError) {
        try write { db in
            try db.execute(sql: "UPDATE backfill SET state = 'cancelled', completed_at = ? WHERE id = ?", arguments: [now.timeIntervalSince1970, id])
            if db.changesCount == 0 { throw MetadataError("no backfill \(id)") }
            try db.execute(sql: "UPDATE dag_run SET state = 'failed', end_date = ? WHERE backfill_id = ? AND state = 'queued'",
                           arguments: [now.timeIntervalSince1970, id])
        }
    }

    /// Runs of a backfill, by state.
    public func backfillRunCounts(id: Int64) throws(MetadataError) -> [DagRunState: Int] {
        try read { db in
            var result: [DagRunState: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT state, COUNT(*) AS n FROM dag_run WHERE backfill_id = ? GROUP BY state", arguments: [id]) {
                if let s = DagRunState(rawValue: row["state"]) { result[s] = row["n"] }
            }
            return result
        }
    }
}
