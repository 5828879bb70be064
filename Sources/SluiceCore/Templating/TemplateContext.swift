import Foundation

/// Everything a template can read while rendering the arguments of one task try.
///
/// Dates are rendered in `timeZone`, not UTC as Airflow does: a 09:30 America/New_York run's
/// `ds` is that day's New York (trading) date, which is what users of local-time schedules expect.
public struct TemplateContext: Sendable {
    public var dagID: String
    public var taskID: String
    public var runID: String
    public var tryNumber: Int
    public var logicalDate: Date
    public var dataIntervalStart: Date
    public var dataIntervalEnd: Date
    public var timeZone: TimeZone
    /// The previous / next scheduled logical dates; `prev_ds`/`next_ds` are null when absent.
    public var prevLogicalDate: Date?
    public var nextLogicalDate: Date?
    public var params: [String: Value]
    public var conf: [String: Value]
    /// Reads an XCom value; nil when the task pushed nothing under that key.
    public var xcom: @Sendable (_ taskID: String, _ key: String) -> Value?

    public init(
        dagID: String,
        taskID: String,
        runID: String,
        tryNumber: Int = 1,
        logicalDate: Date,
        dataIntervalStart: Date,
        dataIntervalEnd: Date,
        timeZone: TimeZone,
        prevLogicalDate: Date? = nil,
        nextLogicalDate: Date? = nil,
        params: [String: Value] = [:],
        conf: [String: Value] = [:],
        xcom: @escaping @Sendable (_ taskID: String, _ key: String) -> Value? = { _, _ in nil }
    ) {
        self.dagID = dagID
        self.taskID = taskID
        self.runID = runID
        self.tryNumber = tryNumber
        self.logicalDate = logicalDate
        self.dataIntervalStart = dataIntervalStart
        self.dataIntervalEnd = dataIntervalEnd
        self.timeZone = timeZone
        self.prevLogicalDate = prevLogicalDate
        self.nextLogicalDate = nextLogicalDate
        self.params = params
        self.conf = conf
        self.xcom = xcom
    }

    /// The value of a plain (non-namespace) variable, or nil for names that are not variables.
    func variable(_ name: String) -> Value? {
        switch name {
        case "ds": return .string(localDay(logicalDate).description)
        case "ds_nodash": return .string(localDay(logicalDate).compact)
        case "ts", "logical_date": return .string(isoTimestamp(logicalDate))
        case "ts_nodash": return .string(compactTimestamp(logicalDate))
        case "data_interval_start": return .string(isoTimestamp(dataIntervalStart))
        case "data_interval_end": return .string(isoTimestamp(dataIntervalEnd))
        case "prev_ds": return prevLogicalDate.map { .string(localDay($0).description) } ?? .null
        case "next_ds": return nextLogicalDate.map { .string(localDay($0).description) } ?? .null
        case "prev_ds_nodash": return prevLogicalDate.map { .string(localDay($0).compact) } ?? .null
        case "next_ds_nodash": return nextLogicalDate.map { .string(localDay($0).compact) } ?? .null
        case "run_id": return .string(runID)
        case "try_number": return .int(Int64(tryNumber))
        case "dag": return .map([("dag_id", .string(dagID))])
        case "task": return .map([("task_id", .string(taskID)), ("id", .string(taskID))])
        // Dictionaries have no order; sorting keeps `{{ params }}` output stable between runs.
        case "params": return .map(params.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
        case "conf": return .map(conf.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
        default: return nil
        }
    }

    private func localDay(_ date: Date) -> CivilDate { LocalDateTime(date, in: timeZone).date }

    /// `2024-03-15T09:30:00-04:00`: whole seconds, the zone's offset at that instant.
    func isoTimestamp(_ date: Date) -> String {
        let local = LocalDateTime(date, in: timeZone)
        let offset = timeZone.secondsFromGMT(for: date)
        let magnitude = abs(offset)
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        var zone = (offset < 0 ? "-" : "+") + two(magnitude / 3600) + ":" + two(magnitude % 3600 / 60)
        // Historical zones (local mean time) can have second offsets; Python prints them too.
        if magnitude % 60 != 0 { zone += ":" + two(magnitude % 60) }
        return local.description + zone
    }

    /// `20240315T093000`, Airflow's `ts_nodash` (no offset).
    func compactTimestamp(_ date: Date) -> String {
        let local = LocalDateTime(date, in: timeZone)
        return local.description.replacingOccurrences(of: "-", with: "").replacingOccurrences(of: ":", with: "")
    }
}
