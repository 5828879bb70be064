import Foundation
import GRDB
import SluiceCore

/// A try handed to the remote executor: queued until a worker fetches it, then leased to that
/// worker until it reports, stops heartbeating, or is superseded.
public struct WorkloadRow: Sendable, Equatable {
    /// Where a workload is in its life.
    public enum State: String, Sendable, CaseIterable {
        case queued, running, reported, done, lost, cancelled
    }

    public var tryID: Int64
    public var queue: String
    public var priority: Int
    public var payload: String
    public var state: State
    public var workerID: String?
    public var lease: String?
    public var queuedAt: Date
    public var startedAt: Date?
    public var heartbeatAt: Date?
    public var finishedAt: Date?
    public var result: String?
    public var cancelRequested: Bool

    init(row: Row) {
        tryID = row["try_id"]
        queue = row["queue"]
        priority = row["priority"]
        payload = row["payload"]
        state = State(rawValue: row["state"]) ?? .lost
        workerID = row["worker_id"]
        lease = row["lease"]
        queuedAt = Date(timeIntervalSince1970: row["queued_at"])
        startedAt = (row["started_at"] as Double?).map(Date.init(timeIntervalSince1970:))
        heartbeatAt = (row["heartbeat_at"] as Double?).map(Date.init(timeIntervalSince1970:))
        finishedAt = (row["finished_at"] as Double?).map(Date.init(timeIntervalSince1970:))
        result = row["result"]
        cancelRequested = row["cancel_requested"]
    }
}

/// A workload granted to a worker by `leaseWorkloads`.
public struct LeasedWorkload: Sendable {
    public var tryID: Int64
    public var payload: String
    public var lease: String
    public var queuedAt: Date
}

/// What a heartbeat or a report for a leased try learns.
public enum LeaseCheck: Sendable, Equatable {
    /// The lease holds; `cancel` asks the worker to stop the try.
    case current(cancel: Bool)
    /// The try is no longer this lease's (a newer try, a timeout, a clear): stop it, report nothing.
    case superseded(String)
    /// No such workload.
    case unknown
}

/// A registered remote worker with its liveness.
public struct WorkerRecord: Sendable {
    public var id: String
    public var name: String
    public var hostname: String
    public var queues: [String]
    public var capacity: Int
    public var state: String
    public var registeredAt: Date
    public var lastSeen: Date
    /// Tries it holds leases on now.
    public var running: Int
}

extension MetadataStore {
    // MARK: Workloads (the remote executor's queue)

    /// Queues a try for remote workers (replacing an earlier workload of the same try).
    public func enqueueWorkload(tryID: Int64, queue: String, priority: Int, payload: String, now: Date = Date()) throws(MetadataError) {
        try write { db in
            try db.cachedStatement(sql: """
                INSERT OR REPLACE INTO workload (try_id, queue, priority, payload, state, queued_at) VALUES (?, ?, ?, ?, 'queued', ?)
                """).execute(arguments: [tryID, queue, priority, payload, now.timeIntervalSince1970])
        }
    }

    /// Leases up to `limit` queued workloads of `queues` (highest priority, then oldest first) to a
    /// worker: each gets a fresh lease, its try becomes running on the worker's host and owned by
    /// the worker's job. A workload whose try is no longer current is cancelled instead.
    public func leaseWorkloads(workerID: String, hostname: String, queues: [String], limit: Int,
                               now: Date = Date()) throws(MetadataError) -> [LeasedWorkload] {
        guard limit > 0, !queues.isEmpty else { return [] }
        return try write { db in
            let marks = Array(repeating: "?", count: queues.count).joined(separator: ", ")
            var arguments = StatementArguments(queues)
            arguments += [limit]
            let rows = try Row.fetchAll(db, sql: """
                SELECT try_id, payload, queued_at FROM workload WHERE state = 'queued' AND queue IN (\(marks))
                ORDER BY priority DESC, queued_at, try_id LIMIT ?
                """, arguments: arguments)
            var leased: [LeasedWorkload] = []
            let stamp = now.timeIntervalSince1970
            for row in rows {
                let tryID: Int64 = row["try_id"]
                guard let attempt = try TaskTryRow.fetchOne(db.cachedStatement(sql: "SELECT * FROM task_try WHERE id = ?"), arguments: [tryID]) else {
                    try db.execute(sql: "UPDATE workload SET state = 'cancelled', finished_at = ? WHERE try_id = ?", arguments: [stamp, tryID])
                    continue
                }
                try db.cachedStatement(sql: """
                    UPDATE task_instance SET state = 'running', start_date = ?, end_date = NULL
                    WHERE id = ? AND try_number = ? AND state IN ('queued', 'running')
                    """).execute(arguments: [stamp, attempt.tiID, attempt.tryNumber])
                guard db.changesCount > 0, attempt.state == .queued else {
                    try db.execute(sql: "UPDATE workload SET state = 'cancelled', finished_at = ? WHERE try_id = ?", arguments: [stamp, tryID])
                    continue
                }
                try db.cachedStatement(sql: """
                    UPDATE task_try SET state = 'running', job_id = ?, hostname = ?, pid = NULL, pid_start_ticks = NULL,
                    start_date = COALESCE(start_date, ?) WHERE id = ?
                    """).execute(arguments: [workerID, hostname, stamp, tryID])
                let lease = Self.randomHex(bytes: 16)
                try db.cachedStatement(sql: """
                    UPDATE workload SET state = 'running', worker_id = ?, lease = ?, started_at = ?, heartbeat_at = ? WHERE try_id = ?
                    """).execute(arguments: [workerID, lease, stamp, stamp, tryID])
                leased.append(LeasedWorkload(tryID: tryID, payload: row["payload"], lease: lease,
                                             queuedAt: Date(timeIntervalSince1970: row["queued_at"])))
            }
            return leased
        }
    }

    /// True when a workload of one of `queues` waits (a read, so idle long-polls do not take the write lock).
    public func hasQueuedWorkload(queues: [String]) throws(MetadataError) -> Bool {
        guard !queues.isEmpty else { return false }
        return try read { db in
            let marks = Array(repeating: "?", count: queues.count).joined(separator: ", ")
            return try Bool.fetchOne(db, sql: "SELECT 1 FROM workload WHERE state = 'queued' AND queue IN (\(marks)) LIMIT 1",
                                     arguments: StatementArguments(queues)) ?? false
        }
    }

    /// Stores an XCom value pushed by a leased try (fenced by its lease).
    public func pushXCom(tryID: Int64, lease: String, key: String, value: Value, now: Date = Date()) throws(MetadataError) -> LeaseCheck {
        try write { db in
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM workload WHERE try_id = ? AND lease = ? AND state = 'running'", arguments: [tryID, lease]) == true,
                  let attempt = try TaskTryRow.fetchOne(db, key: tryID),
                  let runPK = try Int64.fetchOne(db, sql: "SELECT run_pk FROM task_instance WHERE id = ?", arguments: [attempt.tiID])
            else { return try Self.whySuperseded(db, tryID: tryID, lease: lease) }
            try db.execute(sql: """
                INSERT INTO xcom (run_pk, task_id, key, value, try_number, created_at) VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT (run_pk, task_id, key) DO UPDATE SET value = excluded.value, try_number = excluded.try_number, created_at = excluded.created_at
                """, arguments: [runPK, attempt.taskID, key, value.jsonText(), attempt.tryNumber, now.timeIntervalSince1970])
            return .current(cancel: false)
        }
    }

    /// The run of a try (for XCom pulls within it).
    public func runPK(ofTry tryID: Int64) throws(MetadataError) -> Int64? {
        try read { db in
            try Int64.fetchOne(db, sql: "SELECT i.run_pk FROM task_try t JOIN task_instance i ON i.id = t.ti_id WHERE t.id = ?", arguments: [tryID])
        }
    }

    /// Records a heartbeat of a leased try; tells whether the lease still holds.
    public func heartbeatWorkload(tryID: Int64, lease: String, now: Date = Date()) throws(MetadataError) -> LeaseCheck {
        try write { db in
            try db.cachedStatement(sql: "UPDATE workload SET heartbeat_at = ? WHERE try_id = ? AND lease = ? AND state = 'running'")
                .execute(arguments: [now.timeIntervalSince1970, tryID, lease])
            if db.changesCount > 0 {
                let cancel = try Bool.fetchOne(db, sql: "SELECT cancel_requested FROM workload WHERE try_id = ?", arguments: [tryID]) ?? false
                return .current(cancel: cancel)
            }
            return try Self.whySuperseded(db, tryID: tryID, lease: lease)
        }
    }

    /// Stores a leased try's outcome for the executor to record; fenced by the lease.
    public func reportWorkload(tryID: Int64, lease: String, result: String, now: Date = Date()) throws(MetadataError) -> LeaseCheck {
        try write { db in
            try db.cachedStatement(sql: """
                UPDATE workload SET state = 'reported', result = ?, finished_at = ? WHERE try_id = ? AND lease = ? AND state = 'running'
                """).execute(arguments: [result, now.timeIntervalSince1970, tryID, lease])
            if db.changesCount > 0 { return .current(cancel: false) }
            return try Self.whySuperseded(db, tryID: tryID, lease: lease)
        }
    }

    /// True when `lease` is the current lease of a running try (log uploads and XCom are fenced by it).
    public func leaseHolds(tryID: Int64, lease: String) throws(MetadataError) -> LeaseCheck {
        try read { db in
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM workload WHERE try_id = ? AND lease = ? AND state = 'running'", arguments: [tryID, lease]) == true {
                return .current(cancel: false)
            }
            return try Self.whySuperseded(db, tryID: tryID, lease: lease)
        }
    }

    private static func whySuperseded(_ db: Database, tryID: Int64, lease: String) throws -> LeaseCheck {
        guard let row = try Row.fetchOne(db, sql: "SELECT state, lease FROM workload WHERE try_id = ?", arguments: [tryID]) else { return .unknown }
        let state: String = row["state"]
        if (row["lease"] as String?) != lease { return .superseded("try \(tryID) is leased to another fetch") }
        switch state {
        case "lost": return .superseded("try \(tryID) stopped heartbeating and was failed")
        case "cancelled": return .superseded("try \(tryID) was cancelled")
        case "reported", "done": return .superseded("try \(tryID) has already reported")
        default: return .superseded("try \(tryID) is \(state)")
        }
    }

    /// Workloads in the given states.
    public func workloads(states: [WorkloadRow.State]) throws(MetadataError) -> [WorkloadRow] {
        try read { db in
            let marks = Array(repeating: "?", count: max(1, states.count)).joined(separator: ", ")
            return try Row.fetchAll(db, sql: "SELECT * FROM workload WHERE state IN (\(marks)) ORDER BY try_id",
                                    arguments: StatementArguments(states.map(\.rawValue))).map(WorkloadRow.init(row:))
        }
    }

    /// Workloads cancelled at or after `since`.
    public func cancelledWorkloads(since: Date) throws(MetadataError) -> [WorkloadRow] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM workload WHERE state = 'cancelled' AND finished_at >= ?",
                             arguments: [since.timeIntervalSince1970]).map(WorkloadRow.init(row:))
        }
    }

    public func workload(tryID: Int64) throws(MetadataError) -> WorkloadRow? {
        try read { db in try Row.fetchOne(db, sql: "SELECT * FROM workload WHERE try_id = ?", arguments: [tryID]).map(WorkloadRow.init(row:)) }
    }

    /// Takes the reported outcomes not yet recorded (each returned once).
    public func collectReportedWorkloads() throws(MetadataError) -> [(tryID: Int64, result: String, startedAt: Date?)] {
        try write { db in
            let rows = try Row.fetchAll(db, sql: "SELECT try_id, result, started_at FROM workload WHERE state = 'reported'")
            guard !rows.isEmpty else { return [] }
            try db.execute(sql: "UPDATE workload SET state = 'done' WHERE state = 'reported'")
            return rows.map { ($0["try_id"], $0["result"] ?? "{}", ($0["started_at"] as Double?).map(Date.init(timeIntervalSince1970:))) }
        }
    }

    /// Workloads taken (`done`) or expired (`lost`) whose try was never recorded: a scheduler
    /// stopped between the two. The next one records them again.
    public func unrecordedWorkloads() throws(MetadataError) -> [WorkloadRow] {
        try read { db in
            try Row.fetchAll(db, sql: """
                SELECT w.* FROM workload w JOIN task_try t ON t.id = w.try_id
                WHERE w.state IN ('done', 'lost') AND t.state IN ('queued', 'running')
                """).map(WorkloadRow.init(row:))
        }
    }

    /// Which of `tryIDs` still have a workload row.
    public func existingWorkloads(_ tryIDs: Set<Int64>) throws(MetadataError) -> Set<Int64> {
        guard !tryIDs.isEmpty else { return [] }
        return try read { db in
            let marks = Array(repeating: "?", count: tryIDs.count).joined(separator: ", ")
            return Set(try Int64.fetchAll(db, sql: "SELECT try_id FROM workload WHERE try_id IN (\(marks))", arguments: StatementArguments(Array(tryIDs))))
        }
    }

    /// Running workloads whose last heartbeat is older than `cutoff` become lost (their leases no
    /// longer hold). Returns them, for the executor to fail and retry.
    public func expireWorkloads(heartbeatBefore cutoff: Date, now: Date = Date()) throws(MetadataError) -> [WorkloadRow] {
        try write { db in
            let rows = try Row.fetchAll(db, sql: "SELECT * FROM workload WHERE state = 'running' AND heartbeat_at < ?",
                                        arguments: [cutoff.timeIntervalSince1970]).map(WorkloadRow.init(row:))
            for row in rows {
                try db.execute(sql: "UPDATE workload SET state = 'lost', finished_at = ? WHERE try_id = ? AND state = 'running'",
                               arguments: [now.timeIntervalSince1970, row.tryID])
            }
            return rows
        }
    }

    /// Ends the workload of a try: a queued one is withdrawn, a running one is asked to stop
    /// (its worker learns it at the next heartbeat). Returns the state it was in.
    @discardableResult
    public func cancelWorkload(tryID: Int64, now: Date = Date()) throws(MetadataError) -> WorkloadRow.State? {
        try write { db in
            guard let state = try String.fetchOne(db, sql: "SELECT state FROM workload WHERE try_id = ?", arguments: [tryID]) else { return nil }
            if state == "queued" {
                try db.execute(sql: "UPDATE workload SET state = 'cancelled', finished_at = ? WHERE try_id = ?", arguments: [now.timeIntervalSince1970, tryID])
            } else if state == "running" {
                try db.execute(sql: "UPDATE workload SET cancel_requested = 1 WHERE try_id = ?", arguments: [tryID])
            }
            return WorkloadRow.State(rawValue: state)
        }
    }

    /// Running workloads whose try is no longer current (cleared, marked, or retried meanwhile):
    /// they are cancelled so their workers stop them at the next heartbeat.
    @discardableResult
    public func cancelStaleWorkloads(now: Date = Date()) throws(MetadataError) -> Int {
        try write { db in
            try db.execute(sql: """
                UPDATE workload SET state = 'cancelled', finished_at = ? WHERE state IN ('queued', 'running') AND try_id IN (
                    SELECT w.try_id FROM workload w JOIN task_try t ON t.id = w.try_id JOIN task_instance i ON i.id = t.ti_id
                    WHERE i.try_number != t.try_number OR i.state NOT IN ('queued', 'running'))
                """, arguments: [now.timeIntervalSince1970])
            return db.changesCount
        }
    }

    /// Queued workloads per queue.
    public func workloadCounts() throws(MetadataError) -> [(queue: String, state: String, count: Int)] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT queue, state, COUNT(*) AS n FROM workload WHERE state IN ('queued', 'running') GROUP BY queue, state")
                .map { ($0["queue"], $0["state"], $0["n"]) }
        }
    }

    // MARK: Workers

    /// Records a worker (as a job of kind `worker`, so crash recovery sees its tries' owner).
    public func registerWorker(id: String, name: String, hostname: String, pid: Int32, queues: [String], capacity: Int,
                               tokenID: Int64?, now: Date = Date()) throws(MetadataError) {
        try write { db in
            try JobRow(id: id, kind: "worker", hostname: hostname, pid: pid, state: "running", startedAt: now, latestHeartbeat: now,
                       pidStartTicks: nil).insert(db)
            try db.execute(sql: """
                INSERT INTO remote_worker (id, name, hostname, queues, capacity, token_id, registered_at) VALUES (?, ?, ?, ?, ?, ?, ?)
                """, arguments: [id, name, hostname, Value.list(queues.map(Value.string)).jsonText(), capacity, tokenID, now.timeIntervalSince1970])
        }
    }

    /// Records that a worker called in (a worker declared dead that calls again is alive again;
    /// its old tries stay settled). Returns false for an unknown or deregistered worker.
    @discardableResult
    public func touchWorker(id: String, now: Date = Date()) throws(MetadataError) -> Bool {
        try write { db in
            try db.execute(sql: "UPDATE job SET latest_heartbeat = ?, state = 'running' WHERE id = ? AND kind = 'worker' AND state != 'stopped'",
                           arguments: [now.timeIntervalSince1970, id])
            return db.changesCount > 0
        }
    }

    /// A worker leaving cleanly.
    public func deregisterWorker(id: String) throws(MetadataError) {
        try write { db in try db.execute(sql: "UPDATE job SET state = 'stopped' WHERE id = ? AND kind = 'worker'", arguments: [id]) }
    }

    /// The token a worker registered with.
    public func workerTokenID(id: String) throws(MetadataError) -> Int64?? {
        try read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT token_id FROM remote_worker WHERE id = ?", arguments: [id]) else { return nil }
            return .some(row["token_id"] as Int64?)
        }
    }

    /// The worker, if registered.
    public func worker(id: String) throws(MetadataError) -> WorkerRecord? {
        try workers(sql: "WHERE w.id = ?", arguments: [id]).first
    }

    /// Every worker, newest first.
    public func workers(includeGone: Bool = true) throws(MetadataError) -> [WorkerRecord] {
        try workers(sql: includeGone ? "" : "WHERE j.state = 'running'", arguments: [])
    }

    private func workers(sql: String, arguments: StatementArguments) throws(MetadataError) -> [WorkerRecord] {
        try read { db in
            try Row.fetchAll(db, sql: """
                SELECT w.*, j.state AS job_state, j.latest_heartbeat,
                       (SELECT COUNT(*) FROM workload l WHERE l.worker_id = w.id AND l.state = 'running') AS running
                FROM remote_worker w JOIN job j ON j.id = w.id \(sql) ORDER BY w.registered_at DESC
                """, arguments: arguments).map { row in
                let queues = ((try? Value.parseJSON(row["queues"]))?.listValue ?? []).compactMap(\.stringValue)
                return WorkerRecord(id: row["id"], name: row["name"], hostname: row["hostname"], queues: queues, capacity: row["capacity"],
                                    state: row["job_state"], registeredAt: Date(timeIntervalSince1970: row["registered_at"]),
                                    lastSeen: Date(timeIntervalSince1970: row["latest_heartbeat"]), running: row["running"])
            }
        }
    }

    static func randomHex(bytes: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        return (0 ..< bytes).map { _ in String(format: "%02x", UInt8.random(in: 0 ... 255, using: &generator)) }.joined()
    }
}
