import Foundation
import GRDB
import SluiceCore

/// One XCom value as stored: its key, value and the try that pushed it.
public struct XComRecord: Sendable {
    public var key: String
    public var value: Value
    public var tryNumber: Int
    public var createdAt: Date
}

/// How a try ended, as recorded in the metadata database.
public enum TryOutcome: Sendable, Equatable {
    case success
    case skipped(reason: String)
    /// Failed; `retryAt` is set when another try is allowed.
    case failed(reason: String, retryAt: Date?)
}

extension MetadataStore {
    public func taskInstances(runPK: Int64) throws(MetadataError) -> [TaskInstanceRow] {
        try read { db in try TaskInstanceRow.filter(sql: "run_pk = ?", arguments: [runPK]).order(sql: "id").fetchAll(db) }
    }

    /// How many task instances of a run are not finished yet.
    public func unfinishedCount(runPK: Int64) throws(MetadataError) -> Int {
        try read { db in
            try Int.fetchOne(db.cachedStatement(sql: """
                SELECT COUNT(*) FROM task_instance
                WHERE run_pk = ? AND state IN ('none', 'scheduled', 'queued', 'running', 'up_for_retry')
                """), arguments: [runPK]) ?? 0
        }
    }

    public func taskInstance(id: Int64) throws(MetadataError) -> TaskInstanceRow? {
        try read { db in try TaskInstanceRow.fetchOne(db.cachedStatement(sql: "SELECT * FROM task_instance WHERE id = ?"), arguments: [id]) }
    }

    /// States of some tasks of a run, by task id.
    public func taskStates(runPK: Int64, taskIDs: [String]) throws(MetadataError) -> [String: TaskInstanceState] {
        try read { db in
            var result: [String: TaskInstanceState] = [:]
            let marks = taskIDs.map { _ in "?" }.joined(separator: ",")
            let rows = try Row.fetchAll(db.cachedStatement(sql: "SELECT task_id, state FROM task_instance WHERE run_pk = ? AND task_id IN (\(marks))"),
                                        arguments: StatementArguments([runPK] + taskIDs))
            for row in rows { result[row["task_id"]] = TaskInstanceState(rawValue: row["state"]) ?? .noState }
            return result
        }
    }

    /// Applies dependency decisions: each task moves to its new state only if it is still in
    /// `from` (so a concurrent change is never overwritten). Returns the ids actually changed.
    @discardableResult
    public func transition(runPK: Int64, _ changes: [(taskID: String, to: TaskInstanceState)], from: TaskInstanceState,
                           now: Date = Date()) throws(MetadataError) -> [String] {
        guard !changes.isEmpty else { return [] }
        return try write { db in
            var changed: [String] = []
            for change in changes {
                let ends = change.to.isFinished ? now.timeIntervalSince1970 : nil
                try db.cachedStatement(sql: """
                    UPDATE task_instance SET state = ?, end_date = COALESCE(?, end_date)
                    WHERE run_pk = ? AND task_id = ? AND state = ?
                    """).execute(arguments: [change.to.rawValue, ends, runPK, change.taskID, from.rawValue])
                if db.changesCount > 0 { changed.append(change.taskID) }
            }
            return changed
        }
    }

    /// A try with its task instance and run, read together.
    public struct TryContext: Sendable {
        public var attempt: TaskTryRow
        public var instance: TaskInstanceRow
        public var run: DagRunRow
    }

    /// A try, its task instance and its run in one read.
    public func tryContext(tryID: Int64) throws(MetadataError) -> TryContext? {
        try read { db in
            guard let attempt = try TaskTryRow.fetchOne(db.cachedStatement(sql: "SELECT * FROM task_try WHERE id = ?"), arguments: [tryID]),
                  let ti = try TaskInstanceRow.fetchOne(db.cachedStatement(sql: "SELECT * FROM task_instance WHERE id = ?"), arguments: [attempt.tiID]),
                  let run = try DagRunRow.fetchOne(db.cachedStatement(sql: "SELECT * FROM dag_run WHERE id = ?"), arguments: [ti.runPK])
            else { return nil }
            return TryContext(attempt: attempt, instance: ti, run: run)
        }
    }

    /// Claims a scheduled task instance for a new try (see `claimTry`), returning the new try with
    /// its instance and run.
    public func claim(tiID: Int64, jobID: String, logFolder: String, now: Date = Date()) throws(MetadataError) -> TryContext? {
        try write { db in
            guard let attempt = try claimTry(db, tiID: tiID, jobID: jobID, logFolder: logFolder, now: now),
                  let ti = try TaskInstanceRow.fetchOne(db.cachedStatement(sql: "SELECT * FROM task_instance WHERE id = ?"), arguments: [tiID]),
                  let run = try DagRunRow.fetchOne(db.cachedStatement(sql: "SELECT * FROM dag_run WHERE id = ?"), arguments: [ti.runPK])
            else { return nil }
            return TryContext(attempt: attempt, instance: ti, run: run)
        }
    }

    /// Claims a scheduled task instance for a new try: the instance becomes `queued`, its try
    /// number goes up by one, and a `task_try` row is created. Returns nil if it was no longer
    /// scheduled (someone else claimed or changed it).
    public func claimTry(tiID: Int64, jobID: String, logFolder: String, now: Date = Date()) throws(MetadataError) -> TaskTryRow? {
        try write { db in try claimTry(db, tiID: tiID, jobID: jobID, logFolder: logFolder, now: now) }
    }

    private func claimTry(_ db: Database, tiID: Int64, jobID: String, logFolder: String, now: Date) throws -> TaskTryRow? {
        try db.cachedStatement(sql: "UPDATE task_instance SET state = 'queued', try_number = try_number + 1 WHERE id = ? AND state = 'scheduled'")
            .execute(arguments: [tiID])
        guard db.changesCount > 0,
              let ti = try TaskInstanceRow.fetchOne(db.cachedStatement(sql: "SELECT * FROM task_instance WHERE id = ?"), arguments: [tiID])
        else { return nil }
        let logPath = "\(logFolder)/\(ti.dagID)/\(ti.runID)/\(ti.taskID)/try-\(ti.tryNumber).log"
        var row = TaskTryRow(id: nil, tiID: tiID, dagID: ti.dagID, runID: ti.runID, taskID: ti.taskID, tryNumber: ti.tryNumber,
                             state: .queued, jobID: jobID, hostname: nil, pid: nil, pidStartTicks: nil, queuedAt: now,
                             startDate: nil, endDate: nil, exitReason: nil, logPath: logPath)
        try db.cachedStatement(sql: """
            INSERT INTO task_try (ti_id, dag_id, run_id, task_id, try_number, state, job_id, queued_at, log_path)
            VALUES (?, ?, ?, ?, ?, 'queued', ?, ?, ?)
            """).execute(arguments: [tiID, ti.dagID, ti.runID, ti.taskID, ti.tryNumber, jobID, now.timeIntervalSince1970, logPath])
        row.id = db.lastInsertedRowID
        return row
    }

    /// Marks a claimed try as running (with its process, when it has one). Fenced: only the
    /// instance's current try may move it.
    @discardableResult
    public func markTryRunning(tryID: Int64, hostname: String, pid: Int32?, pidStartTicks: Int64?, now: Date = Date()) throws(MetadataError) -> Bool {
        try write { db in
            guard let attempt = try TaskTryRow.fetchOne(db.cachedStatement(sql: "SELECT * FROM task_try WHERE id = ?"), arguments: [tryID]) else { return false }
            try db.cachedStatement(sql: "UPDATE task_instance SET state = 'running', start_date = ?, end_date = NULL WHERE id = ? AND try_number = ? AND state IN ('queued', 'running')")
                .execute(arguments: [now.timeIntervalSince1970, attempt.tiID, attempt.tryNumber])
            guard db.changesCount > 0 else { return false }
            try db.cachedStatement(sql: "UPDATE task_try SET state = 'running', hostname = ?, pid = ?, pid_start_ticks = ?, start_date = COALESCE(start_date, ?) WHERE id = ?")
                .execute(arguments: [hostname, pid, pidStartTicks, now.timeIntervalSince1970, tryID])
            return true
        }
    }

    /// Records how a try ended and moves its task instance on (success, skipped, failed or
    /// up_for_retry), storing the XCom it returned. Fenced by try number: a report from a try
    /// that is no longer current changes nothing and returns nil. Returns the updated instance.
    @discardableResult
    public func recordTryFinished(tryID: Int64, outcome: TryOutcome, returnValue: Value? = nil, startedAt: Date? = nil,
                                  now: Date = Date()) throws(MetadataError) -> TaskInstanceRow? {
        try write { db in
            guard let attempt = try TaskTryRow.fetchOne(db.cachedStatement(sql: "SELECT * FROM task_try WHERE id = ?"), arguments: [tryID]),
                  var ti = try TaskInstanceRow.fetchOne(db.cachedStatement(sql: "SELECT * FROM task_instance WHERE id = ?"), arguments: [attempt.tiID]),
                  ti.tryNumber == attempt.tryNumber, ti.state == .queued || ti.state == .running
            else { return nil }
            let tryState: TaskInstanceState
            let reason: String?
            switch outcome {
            case .success:
                tryState = .success; reason = nil; ti.state = .success; ti.nextRetryAt = nil
            case let .skipped(why):
                tryState = .skipped; reason = why; ti.state = .skipped; ti.nextRetryAt = nil
            case let .failed(why, retryAt):
                tryState = .failed; reason = why
                ti.state = retryAt == nil ? .failed : .upForRetry
                ti.nextRetryAt = retryAt
            }
            let start = attempt.startDate ?? startedAt ?? now
            ti.startDate = ti.startDate ?? start
            ti.endDate = now
            try db.cachedStatement(sql: "UPDATE task_instance SET state = ?, next_retry_at = ?, start_date = ?, end_date = ? WHERE id = ?")
                .execute(arguments: [ti.state.rawValue, ti.nextRetryAt?.timeIntervalSince1970, ti.startDate?.timeIntervalSince1970,
                                     ti.endDate?.timeIntervalSince1970, ti.id])
            try db.cachedStatement(sql: "UPDATE task_try SET state = ?, exit_reason = ?, start_date = COALESCE(start_date, ?), end_date = ? WHERE id = ?")
                .execute(arguments: [tryState.rawValue, reason, start.timeIntervalSince1970, now.timeIntervalSince1970, tryID])
            if let returnValue, case .success = outcome {
                // One value, or several keys pushed together (plugins), each under its own key.
                for entry in XComBundle.entries(of: returnValue) {
                    try db.execute(sql: """
                        INSERT INTO xcom (run_pk, task_id, key, value, try_number, created_at) VALUES (?, ?, ?, ?, ?, ?)
                        ON CONFLICT (run_pk, task_id, key) DO UPDATE SET value = excluded.value, try_number = excluded.try_number, created_at = excluded.created_at
                        """, arguments: [ti.runPK, ti.taskID, entry.key, entry.value.jsonText(), attempt.tryNumber, now.timeIntervalSince1970])
                }
            }
            return ti
        }
    }

    /// Tries of a task instance, oldest first.
    public func tries(tiID: Int64) throws(MetadataError) -> [TaskTryRow] {
        try read { db in try TaskTryRow.filter(sql: "ti_id = ?", arguments: [tiID]).order(sql: "try_number").fetchAll(db) }
    }

    public func attempt(id: Int64) throws(MetadataError) -> TaskTryRow? {
        try read { db in try TaskTryRow.fetchOne(db.cachedStatement(sql: "SELECT * FROM task_try WHERE id = ?"), arguments: [id]) }
    }

    /// Retries whose delay has passed become `scheduled` again. Returns how many.
    @discardableResult
    public func promoteDueRetries(now: Date = Date()) throws(MetadataError) -> [(runPK: Int64, taskID: String)] {
        try write { db in
            let rows = try Row.fetchAll(db, sql: "SELECT id, run_pk, task_id FROM task_instance WHERE state = 'up_for_retry' AND next_retry_at <= ?",
                                        arguments: [now.timeIntervalSince1970])
            for row in rows {
                try db.execute(sql: "UPDATE task_instance SET state = 'scheduled', next_retry_at = NULL WHERE id = ?", arguments: [row["id"] as Int64])
            }
            return rows.map { ($0["run_pk"], $0["task_id"]) }
        }
    }

    /// The earliest pending retry time, so the scheduler knows when to wake up.
    public func nextRetryTime() throws(MetadataError) -> Date? {
        try read { db in
            try Double.fetchOne(db, sql: "SELECT MIN(next_retry_at) FROM task_instance WHERE state = 'up_for_retry'")
                .map { Date(timeIntervalSince1970: $0) }
        }
    }

    /// Every XCom a task pushed in a run, by key.
    public func xcoms(runPK: Int64, taskID: String) throws(MetadataError) -> [XComRecord] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT key, value, try_number, created_at FROM xcom WHERE run_pk = ? AND task_id = ? ORDER BY key",
                             arguments: [runPK, taskID]).map { row in
                XComRecord(key: row["key"], value: (try? Value.parseJSON(row["value"])) ?? .null, tryNumber: row["try_number"],
                           createdAt: Date(timeIntervalSince1970: row["created_at"]))
            }
        }
    }

    /// A task's XCom value under `key` in a run.
    public func xcom(runPK: Int64, taskID: String, key: String = "return_value") throws(MetadataError) -> Value? {
        try read { db in
            try String.fetchOne(db, sql: "SELECT value FROM xcom WHERE run_pk = ? AND task_id = ? AND key = ?",
                                arguments: [runPK, taskID, key]).flatMap { try? Value.parseJSON($0) }
        }
    }
}
