import Foundation
import GRDB
import SluiceCore

/// A scheduled task instance waiting for a slot, with what the queueing decision needs.
public struct QueueCandidate: Sendable {
    public var tiID: Int64
    public var runPK: Int64
    public var dagID: String
    public var taskID: String
    public var pool: String
    public var poolSlots: Int
    public var priorityWeight: Int
}

/// What is occupied right now: tries queued or running, by DAG and by pool.
public struct SlotUsage: Sendable {
    public var total = 0
    public var byDag: [String: Int] = [:]
    public var byPool: [String: Int] = [:]
}

extension MetadataStore {
    /// Scheduled instances of running runs, highest priority first, then oldest logical date.
    public func queueCandidates(limit: Int) throws(MetadataError) -> [QueueCandidate] {
        try read { db in try Self.queueCandidates(db, limit: limit) }
    }

    /// What is occupied and what waits, read in one transaction.
    public func queueSnapshot(limit: Int) throws(MetadataError) -> (usage: SlotUsage, candidates: [QueueCandidate]) {
        try read { db in (try Self.slotUsage(db), try Self.queueCandidates(db, limit: limit)) }
    }

    /// The next page of candidates after the first `offset`.
    public func queueCandidates(limit: Int, offset: Int) throws(MetadataError) -> [QueueCandidate] {
        try read { db in try Self.queueCandidates(db, limit: limit, offset: offset) }
    }

    public func slotUsage() throws(MetadataError) -> SlotUsage {
        try read { db in try Self.slotUsage(db) }
    }

    static func queueCandidates(_ db: Database, limit: Int, offset: Int = 0) throws -> [QueueCandidate] {
        try Row.fetchAll(db.cachedStatement(sql: """
            SELECT ti.id, ti.run_pk, ti.dag_id, ti.task_id, ti.pool, ti.pool_slots, ti.priority_weight
            FROM task_instance ti JOIN dag_run r ON r.id = ti.run_pk
            WHERE ti.state = 'scheduled' AND r.state = 'running'
            ORDER BY ti.priority_weight DESC, r.logical_date ASC, ti.id ASC
            LIMIT ? OFFSET ?
            """), arguments: [limit, offset]).map {
            QueueCandidate(tiID: $0["id"], runPK: $0["run_pk"], dagID: $0["dag_id"], taskID: $0["task_id"],
                           pool: $0["pool"], poolSlots: $0["pool_slots"], priorityWeight: $0["priority_weight"])
        }
    }

    static func slotUsage(_ db: Database) throws -> SlotUsage {
        var usage = SlotUsage()
        for row in try Row.fetchAll(db.cachedStatement(sql: """
            SELECT dag_id, pool, COUNT(*) AS n, SUM(pool_slots) AS slots FROM task_instance
            WHERE state IN ('queued', 'running') GROUP BY dag_id, pool
            """)) {
            let n: Int = row["n"], slots: Int = row["slots"]
            usage.total += n
            usage.byDag[row["dag_id"], default: 0] += n
            usage.byPool[row["pool"], default: 0] += slots
        }
        return usage
    }

    // MARK: Pools

    public func pools() throws(MetadataError) -> [PoolRow] {
        try read { db in try PoolRow.order(sql: "name").fetchAll(db) }
    }

    /// Creates or resizes a pool.
    public func setPool(_ name: String, slots: Int, description: String? = nil) throws(MetadataError) {
        guard slots >= 0 else { throw MetadataError("a pool needs 0 or more slots, got \(slots)") }
        try write { db in
            try db.execute(sql: """
                INSERT INTO pool (name, slots, description) VALUES (?, ?, ?)
                ON CONFLICT (name) DO UPDATE SET slots = excluded.slots, description = COALESCE(?, pool.description)
                """, arguments: [name, slots, description ?? "", description])
        }
    }

    /// Deletes a pool (not the default pool, nor one with tasks running in it).
    public func deletePool(_ name: String) throws(MetadataError) {
        guard name != "default_pool" else { throw MetadataError("the default pool cannot be deleted", isConflict: true) }
        try write { db in
            let busy = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM task_instance WHERE pool = ? AND state IN ('queued','running')", arguments: [name]) ?? 0
            if busy > 0 { throw MetadataError("pool '\(name)' has \(busy) task(s) running", isConflict: true) }
            try db.execute(sql: "DELETE FROM pool WHERE name = ?", arguments: [name])
            if db.changesCount == 0 { throw MetadataError("no pool '\(name)'") }
        }
    }

    // MARK: Jobs (scheduler heartbeats)

    public func registerJob(id: String, kind: String, hostname: String, pid: Int32, pidStartTicks: Int64? = nil,
                            now: Date = Date()) throws(MetadataError) {
        try write { db in
            try JobRow(id: id, kind: kind, hostname: hostname, pid: pid, state: "running", startedAt: now, latestHeartbeat: now,
                       pidStartTicks: pidStartTicks).insert(db)
        }
    }

    public func heartbeat(jobID: String, now: Date = Date()) throws(MetadataError) {
        try write { db in
            try db.execute(sql: "UPDATE job SET latest_heartbeat = ? WHERE id = ?", arguments: [now.timeIntervalSince1970, jobID])
        }
    }

    public func setJobState(_ jobID: String, _ state: String) throws(MetadataError) {
        try write { db in try db.execute(sql: "UPDATE job SET state = ? WHERE id = ?", arguments: [state, jobID]) }
    }

    public func jobs(state: String? = nil) throws(MetadataError) -> [JobRow] {
        try read { db in
            if let state { return try JobRow.filter(sql: "state = ?", arguments: [state]).fetchAll(db) }
            return try JobRow.fetchAll(db)
        }
    }

    /// Unfinished tries owned by no running job (its scheduler stopped, died, or was never recorded).
    public func orphanedTries() throws(MetadataError) -> [TaskTryRow] {
        try read { db in
            try TaskTryRow.filter(sql: """
                state IN ('queued','running') AND (job_id IS NULL OR job_id NOT IN (SELECT id FROM job WHERE state = 'running'))
                """).fetchAll(db)
        }
    }

    /// Undoes a claimed try that never did any work (never started, or its process was stopped at
    /// the start gate): the row goes, the try number goes back down, and the instance is
    /// scheduled again, so no retry is consumed.
    public func releaseUnstartedTry(tryID: Int64) throws(MetadataError) {
        try write { db in
            guard let attempt = try TaskTryRow.fetchOne(db, key: tryID), attempt.state == .queued || attempt.state == .running,
                  attempt.jobID?.hasPrefix("worker-") != true else { return }
            // Compare and set: a worker that leased the try meanwhile owns it now.
            try db.execute(sql: "DELETE FROM task_try WHERE id = ? AND state = ? AND job_id IS ?",
                           arguments: [tryID, attempt.state.rawValue, attempt.jobID])
            guard db.changesCount > 0 else { return }
            try db.execute(sql: "UPDATE task_instance SET state = 'scheduled', try_number = try_number - 1 WHERE id = ? AND try_number = ? AND state IN ('queued','running')",
                           arguments: [attempt.tiID, attempt.tryNumber])
        }
    }

    /// Hands an unfinished try over to another job (a restarted scheduler adopting a live process).
    public func adoptTry(tryID: Int64, jobID: String) throws(MetadataError) {
        try write { db in try db.execute(sql: "UPDATE task_try SET job_id = ? WHERE id = ?", arguments: [jobID, tryID]) }
    }
}
