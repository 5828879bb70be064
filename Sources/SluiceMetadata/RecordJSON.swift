import Foundation
import SluiceCore

// The stable JSON forms of records, shared by `--json` output (docs/cli.md) and the REST API so
// both describe a run or a task instance the same way. Timestamps are ISO-8601 UTC with microseconds.

extension Date {
    /// The date as a JSON string in `utcText()` form.
    public var jsonValue: Value { .string(utcText()) }
}

extension Optional where Wrapped == Date {
    /// The date as a JSON string, or null.
    public var jsonValue: Value { map { .string($0.utcText()) } ?? .null }
}

extension DagRunRow {
    /// The run as JSON: ids, type, state, dates, conf and backfill.
    public var json: Value {
        .map([
            ("dag_id", .string(dagID)), ("run_id", .string(runID)), ("run_type", .string(runType.rawValue)),
            ("state", .string(state.rawValue)), ("logical_date", logicalDate.jsonValue),
            ("data_interval_start", dataIntervalStart.jsonValue), ("data_interval_end", dataIntervalEnd.jsonValue),
            ("conf", confValue), ("backfill_id", backfillID.map { .int($0) } ?? .null),
            ("queued_at", queuedAt.jsonValue), ("start_date", startDate.jsonValue), ("end_date", endDate.jsonValue),
        ])
    }
}

extension TaskTryRow {
    /// The try as JSON: number, state, where it ran, when, how it ended and its log.
    public var json: Value {
        .map([("try_number", .int(Int64(tryNumber))), ("state", .string(state.rawValue)),
              ("hostname", hostname.map(Value.string) ?? .null), ("pid", pid.map { .int(Int64($0)) } ?? .null),
              ("queued_at", queuedAt.jsonValue), ("start", startDate.jsonValue), ("end", endDate.jsonValue),
              ("exit_reason", exitReason.map(Value.string) ?? .null), ("log_path", .string(logPath))])
    }

    /// Seconds from start to end, when both are known.
    public var durationSeconds: Double? { startDate.flatMap { start in endDate.map { $0.timeIntervalSince(start) } } }
}

extension TaskInstanceRow {
    /// The task instance as JSON, with its tries when given.
    public func json(tries: [TaskTryRow]? = nil) -> Value {
        var pairs: [(key: String, value: Value)] = [
            ("task_id", .string(taskID)), ("state", .string(state.rawValue)), ("try_number", .int(Int64(tryNumber))),
            ("max_tries", .int(Int64(maxTries))), ("start", startDate.jsonValue), ("end", endDate.jsonValue),
            ("duration_seconds", startDate.flatMap { s in endDate.map { .double($0.timeIntervalSince(s)) } } ?? .null),
            ("next_retry_at", nextRetryAt.jsonValue), ("pool", .string(pool)), ("queue", .string(queue)),
            ("priority_weight", .int(Int64(priorityWeight))),
        ]
        if let tries { pairs.append(("tries", .list(tries.map(\.json)))) }
        return .map(pairs)
    }
}

extension BackfillRow {
    /// The backfill as JSON, with its runs counted by state.
    public func json(runCounts counts: [DagRunState: Int]) -> Value {
        .map([
            ("id", .int(id ?? 0)), ("dag_id", .string(dagID)), ("state", .string(state.rawValue)),
            ("from", fromDate.jsonValue), ("to", toDate.jsonValue), ("reprocess", .string(reprocess.rawValue)),
            ("max_active_runs", .int(Int64(maxActiveRuns))), ("dates", .int(Int64(dates.count))),
            ("runs", .map(DagRunState.allCases.map { ($0.rawValue, .int(Int64(counts[$0] ?? 0))) })),
            ("created_at", createdAt.jsonValue), ("completed_at", completedAt.jsonValue),
        ])
    }
}
