import Foundation
import GRDB
import SluiceCore

/// A DAG as stored: its file, content hash, serialized definition and paused flag.
public struct DagRow: Codable, Sendable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "dag"
    public var dagID: String
    public var file: String
    public var contentHash: String
    public var serialized: String
    public var isPaused: Bool
    public var isActive: Bool
    public var lastParsedAt: Date

    enum CodingKeys: String, CodingKey {
        case dagID = "dag_id", file, contentHash = "content_hash", serialized, isPaused = "is_paused"
        case isActive = "is_active", lastParsedAt = "last_parsed_at"
    }

    /// The stored definition.
    public func definition() throws -> DagDefinition {
        try JSONDecoder().decode(DagDefinition.self, from: Data(serialized.utf8))
    }
}

/// One DAG run.
public struct DagRunRow: Codable, Sendable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "dag_run"
    public var id: Int64?
    public var dagID: String
    public var runID: String
    public var runType: DagRunType
    public var state: DagRunState
    public var logicalDate: Date
    public var dataIntervalStart: Date
    public var dataIntervalEnd: Date
    public var conf: String
    public var backfillID: Int64?
    public var dagHash: String
    public var queuedAt: Date
    public var startDate: Date?
    public var endDate: Date?

    enum CodingKeys: String, CodingKey {
        case id, dagID = "dag_id", runID = "run_id", runType = "run_type", state, logicalDate = "logical_date"
        case dataIntervalStart = "data_interval_start", dataIntervalEnd = "data_interval_end", conf
        case backfillID = "backfill_id", dagHash = "dag_hash", queuedAt = "queued_at", startDate = "start_date", endDate = "end_date"
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    public var dataInterval: DataInterval { DataInterval(start: dataIntervalStart, end: dataIntervalEnd) }

    /// The run's conf as a value (an empty mapping when unparsable, which inserts never produce).
    public var confValue: Value { (try? Value.parseJSON(conf)) ?? .map([]) }
}

/// One task in one run: its current state and try counter.
public struct TaskInstanceRow: Codable, Sendable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "task_instance"
    public var id: Int64?
    public var runPK: Int64
    public var dagID: String
    public var runID: String
    public var taskID: String
    public var state: TaskInstanceState
    public var tryNumber: Int
    public var maxTries: Int
    public var nextRetryAt: Date?
    public var pool: String
    public var poolSlots: Int
    public var priorityWeight: Int
    public var queue: String
    public var startDate: Date?
    public var endDate: Date?

    enum CodingKeys: String, CodingKey {
        case id, runPK = "run_pk", dagID = "dag_id", runID = "run_id", taskID = "task_id", state
        case tryNumber = "try_number", maxTries = "max_tries", nextRetryAt = "next_retry_at", pool
        case poolSlots = "pool_slots", priorityWeight = "priority_weight", queue, startDate = "start_date", endDate = "end_date"
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// One try of one task instance: who ran it, when, how it ended, where its log is.
public struct TaskTryRow: Codable, Sendable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "task_try"
    public var id: Int64?
    public var tiID: Int64
    public var dagID: String
    public var runID: String
    public var taskID: String
    public var tryNumber: Int
    public var state: TaskInstanceState
    public var jobID: String?
    public var hostname: String?
    public var pid: Int32?
    public var pidStartTicks: Int64?
    public var queuedAt: Date
    public var startDate: Date?
    public var endDate: Date?
    public var exitReason: String?
    public var logPath: String

    enum CodingKeys: String, CodingKey {
        case id, tiID = "ti_id", dagID = "dag_id", runID = "run_id", taskID = "task_id", tryNumber = "try_number", state
        case jobID = "job_id", hostname, pid, pidStartTicks = "pid_start_ticks", queuedAt = "queued_at"
        case startDate = "start_date", endDate = "end_date", exitReason = "exit_reason", logPath = "log_path"
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// A pool: a named number of slots tasks occupy while running.
public struct PoolRow: Codable, Sendable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "pool"
    public var name: String
    public var slots: Int
    public var description: String
}

/// A backfill: a range of logical dates the scheduler runs, with its reprocess policy.
public struct BackfillRow: Codable, Sendable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "backfill"
    /// Backfill lifecycle.
    public enum State: String, Codable, Sendable { case running, paused, cancelled, completed }
    /// Which already-existing runs a backfill re-runs.
    public enum Reprocess: String, Codable, Sendable, CaseIterable { case none, failed, all }

    public var id: Int64?
    public var dagID: String
    public var fromDate: Date
    public var toDate: Date
    public var reprocess: Reprocess
    public var maxActiveRuns: Int
    public var conf: String
    public var state: State
    public var logicalDates: String
    public var createdAt: Date
    public var completedAt: Date?

    enum CodingKeys: String, CodingKey {
        case id, dagID = "dag_id", fromDate = "from_date", toDate = "to_date", reprocess, maxActiveRuns = "max_active_runs"
        case conf, state, logicalDates = "logical_dates", createdAt = "created_at", completedAt = "completed_at"
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    public var dates: [Date] {
        (try? Value.parseJSON(logicalDates))?.listValue?.compactMap { $0.doubleValue.map { Date(timeIntervalSince1970: $0) } } ?? []
    }
}

/// A scheduler process and its heartbeat.
public struct JobRow: Codable, Sendable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "job"
    public var id: String
    public var kind: String
    public var hostname: String
    public var pid: Int32
    public var state: String
    public var startedAt: Date
    public var latestHeartbeat: Date
    /// /proc start time of the job's process, so a reused pid is not mistaken for it.
    public var pidStartTicks: Int64?

    enum CodingKeys: String, CodingKey {
        case id, kind, hostname, pid, state, startedAt = "started_at", latestHeartbeat = "latest_heartbeat"
        case pidStartTicks = "pid_start_ticks"
    }
}

extension TaskInstanceState: DatabaseValueConvertible {}
extension DagRunState: DatabaseValueConvertible {}
extension DagRunType: DatabaseValueConvertible {}
extension BackfillRow.State: DatabaseValueConvertible {}
extension BackfillRow.Reprocess: DatabaseValueConvertible {}

/// Every metadata record stores dates as seconds since 1970 (REAL), keeping microseconds.
public protocol EpochDates {}

extension EpochDates where Self: EncodableRecord {
    public static func databaseDateEncodingStrategy(for column: String) -> DatabaseDateEncodingStrategy { .timeIntervalSince1970 }
}

extension EpochDates where Self: FetchableRecord {
    public static func databaseDateDecodingStrategy(for column: String) -> DatabaseDateDecodingStrategy { .timeIntervalSince1970 }
}

extension DagRow: EpochDates {}
extension DagRunRow: EpochDates {}
extension TaskInstanceRow: EpochDates {}
extension TaskTryRow: EpochDates {}
extension BackfillRow: EpochDates {}
extension JobRow: EpochDates {}
