import Foundation
import SluiceCore
import SluiceMetadata

/// Creates DAG runs: scheduled ones from each DAG's timetable (catchup, end_date, pause and
/// max_active_runs honoured), manual triggers, and the runs a backfill asks for.
struct RunCreator {
    let store: MetadataStore

    static func runID(_ type: DagRunType, _ logicalDate: Date) -> String {
        let iso = ISO8601DateFormatter()
        iso.formatOptions = [.withInternetDateTime]
        return "\(type.rawValue)__\(iso.string(from: logicalDate))"
    }

    /// Creates the scheduled runs that are due for `dag`, returns how many.
    @discardableResult
    func createScheduledRuns(row: DagSummary, dag: DagDefinition, activeRuns: Int, now: Date) throws -> Int {
        guard !row.isPaused, dag.scheduleText != nil else { return 0 }
        let timetable = dag.timetable
        var last = try store.latestScheduledRun(dagID: dag.dagID)?.dataInterval
        var active = activeRuns
        var created = 0
        while active < dag.maxActiveRuns {
            guard let next = timetable.nextDataInterval(after: last, earliest: dag.startDate, latest: dag.endDate,
                                                        catchup: dag.catchup, now: now),
                  next.end <= now || (next.start == next.end && next.start <= now)
            else { break }
            if let existing = try store.run(dagID: dag.dagID, logicalDate: next.start) {
                // A manual or backfill run already covers this date: step past it.
                if existing.runType == .scheduled { break }
                last = next
                continue
            }
            do {
                _ = try store.createRun(dag: dag, runID: Self.runID(.scheduled, next.start), type: .scheduled, interval: next, now: now)
            } catch {
                guard error.isConflict else { throw error }
                break  // another scheduler created it first
            }
            created += 1
            active += 1
            last = next
            if next.start == next.end { break }  // @once
        }
        return created
    }

    /// A manual run (`sluice dags trigger`), conf checked against the DAG's params. Its logical
    /// date is the one given (default: now); its data interval runs from there to the end of the
    /// schedule interval containing it, so triggering a daily DAG for 2024-03-05 processes the
    /// same interval the scheduled run of that day would. Manual-only DAGs get [date, date].
    func trigger(dag: DagDefinition, logicalDate: Date?, conf: Value, runID: String?, now: Date) throws -> DagRunRow {
        guard case let .map(pairs) = conf else { throw SchedulerError("conf must be a JSON object, got \(conf.typeName)") }
        let problems = ParamSpec.resolve(dag.params, conf: pairs).problems
        if !problems.isEmpty { throw SchedulerError("invalid conf for DAG '\(dag.dagID)': " + problems.joined(separator: "; ")) }
        let date = logicalDate ?? now
        var end = date
        if dag.scheduleText != nil, let containing = dag.timetable.dataInterval(forLogicalDate: date) { end = max(date, containing.end) }
        return try store.createRun(dag: dag, runID: runID ?? Self.runID(.manual, date), type: .manual,
                                   interval: DataInterval(start: date, end: end), conf: conf, now: now)
    }

    /// The logical dates a backfill from `start` to `end` (inclusive) covers.
    static func backfillDates(dag: DagDefinition, start: Date, end: Date) -> [DataInterval] {
        let timetable = dag.timetable
        var result: [DataInterval] = []
        var last: DataInterval?
        while result.count < 100_000 {
            guard let next = timetable.nextDataInterval(after: last, earliest: start, latest: end, catchup: true, now: .distantFuture),
                  next.start <= end else { break }
            if let last, next.start <= last.start { break }
            result.append(next)
            last = next
            if next.start == next.end { break }
        }
        return result
    }
}

/// A scheduler operation that cannot proceed, with a message for the user.
public struct SchedulerError: Error, CustomStringConvertible, Sendable {
    /// What went wrong, so an API can answer with the right status.
    public enum Kind: Sendable, Equatable {
        /// The request itself is wrong (bad conf, bad dates, bad ids).
        case invalid
        /// Something it names does not exist.
        case notFound
        /// It is valid but clashes with the current state (e.g. a backfill already cancelled).
        case conflict
    }

    public var message: String
    public var kind: Kind
    public init(_ message: String, kind: Kind = .invalid) {
        self.message = message
        self.kind = kind
    }
    public var description: String { message }
}

/// Manual runs and backfill records, for the CLI and the API.
public struct ManualRuns {
    let store: MetadataStore

    public init(store: MetadataStore) { self.store = store }

    /// Creates a manual run after checking `conf` against the DAG's params and `runID` (see `runIDProblem`).
    public func trigger(dag: DagDefinition, logicalDate: Date?, conf: Value, runID: String?, now: Date = Date()) throws -> DagRunRow {
        if let runID, let problem = Self.runIDProblem(runID) { throw SchedulerError("run id '\(runID)' \(problem)") }
        return try RunCreator(store: store).trigger(dag: dag, logicalDate: logicalDate, conf: conf, runID: runID, now: now)
    }

    /// Why `runID` cannot name a run, or nil. Run ids become folder names of task logs, so only
    /// letters, digits and `_ . ~ : + -` are allowed, and never `..`.
    public static func runIDProblem(_ runID: String) -> String? {
        if runID.isEmpty || runID.count > 250 { return "must be 1-250 characters" }
        if runID.contains("..") { return "must not contain '..'" }
        let allowed = runID.unicodeScalars.allSatisfy { ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) || "_.~:+-".unicodeScalars.contains($0) }
        return allowed ? nil : "may contain only letters, digits and _ . ~ : + -"
    }

    /// The end of a backfill range read in `zone`: a bare date (`2024-01-31`) means that whole
    /// day, so a 06:30 run on the end date is included. Nil when `text` is not a date.
    public static func backfillEnd(_ text: String, zone: TimeZone) -> Date? {
        guard let date = DateTimeText.parse(text, zone: zone) else { return nil }
        return text.trimmingCharacters(in: .whitespaces).count == 10 ? date.addingTimeInterval(86_399.999) : date
    }

    /// The intervals a backfill over [start, end] would run, for `--dry-run` and for creation.
    public func backfillIntervals(dag: DagDefinition, start: Date, end: Date) -> [DataInterval] {
        RunCreator.backfillDates(dag: dag, start: start, end: end)
    }

    /// Records a backfill for the scheduler to drive; `maxActiveRuns` defaults to the DAG's.
    public func createBackfill(dag: DagDefinition, start: Date, end: Date, reprocess: BackfillRow.Reprocess,
                               maxActiveRuns: Int?, conf: Value, now: Date = Date()) throws -> BackfillRow {
        guard start <= end else { throw SchedulerError("the backfill's start (\(start.utcText())) is after its end (\(end.utcText()))") }
        guard dag.scheduleText != nil else { throw SchedulerError("DAG '\(dag.dagID)' has no schedule, so it has no dates to backfill") }
        let maxActiveRuns = maxActiveRuns ?? dag.maxActiveRuns
        guard maxActiveRuns >= 1 else { throw SchedulerError("max_active_runs must be at least 1, got \(maxActiveRuns)") }
        guard case let .map(pairs) = conf else { throw SchedulerError("conf must be a JSON object, got \(conf.typeName)") }
        let problems = ParamSpec.resolve(dag.params, conf: pairs).problems
        if !problems.isEmpty { throw SchedulerError("invalid conf: " + problems.joined(separator: "; ")) }
        let dates = backfillIntervals(dag: dag, start: start, end: end).map(\.start)
        guard !dates.isEmpty else { throw SchedulerError("no scheduled logical dates between the given start and end") }
        return try store.createBackfill(dagID: dag.dagID, from: start, to: end, dates: dates, reprocess: reprocess,
                                        maxActiveRuns: maxActiveRuns, conf: conf, now: now)
    }
}
