import Foundation

/// The span of data one run covers, [start, end); a scheduled run is created at `end`, its logical date is `start`.
public struct DataInterval: Sendable, Hashable, Codable {
    public var start: Date
    public var end: Date

    public init(start: Date, end: Date) {
        self.start = start
        self.end = end
    }

    /// A zero-length interval, as manual and `@once` runs have.
    public static func exact(_ instant: Date) -> DataInterval { DataInterval(start: instant, end: instant) }
}

/// Turns a schedule and a zone into data intervals, with Airflow's timetable semantics.
///
/// - Cron: consecutive fire times bound the intervals, [previous fire, fire); runs are created at `end`.
/// - `@weekdays`: weekday D covers [D 00:00, D+1 00:00) in `zone`; weekends have no interval, so
///   Friday's run is created at Saturday 00:00 and the next interval starts Monday 00:00.
/// - `@once`: one interval [start date, start date). Manual: no automatic runs.
public struct Timetable: Sendable, Hashable {
    public let schedule: Schedule
    public let zone: TimeZone

    public init(schedule: Schedule, zone: TimeZone) {
        self.schedule = schedule
        self.zone = zone
    }

    /// The next interval to schedule, mirroring Airflow's `next_dagrun_info`.
    ///
    /// - `last`: the previous scheduled (not manual) run's interval, if any.
    /// - `earliest`: the start date; the first interval starts at the first interval start at or after it.
    /// - `latest`: the end date; nil is returned when the interval's start (its logical date) is after it.
    /// - `catchup`: when false, intervals older than the latest one complete as of `now` are skipped
    ///   (but never to before `earliest`). `now` is used for nothing else: the interval returned may end
    ///   in the future, and the caller creates the run once `end <= now`.
    /// `@once` yields its single interval regardless of `catchup`, as in Airflow.
    public func nextDataInterval(
        after last: DataInterval?, earliest: Date?, latest: Date?, catchup: Bool, now: Date
    ) -> DataInterval? {
        switch schedule {
        case .manual:
            return nil
        case .once:
            guard last == nil, let earliest else { return nil }
            if let latest, earliest > latest { return nil }
            return .exact(earliest)
        case .cron, .weekdays:
            break
        }
        var earliestStart: Date?
        if let earliest {
            guard let aligned = firstStart(atOrAfter: earliest) else { return nil }
            earliestStart = aligned
        }
        if !catchup, let latestComplete = latestCompleteStart(asOf: now) {
            earliestStart = max(latestComplete, earliestStart ?? latestComplete)
        }
        let start: Date
        if let last {
            guard let resumed = resumeStart(after: last) else { return nil }
            start = max(resumed, earliestStart ?? resumed)
        } else {
            guard let earliestStart else { return nil }
            start = earliestStart
        }
        if let latest, start > latest { return nil }
        guard let end = end(ofIntervalStartingAt: start) else { return nil }
        return DataInterval(start: start, end: end)
    }

    /// The scheduled interval for a logical date: the one starting at the latest interval start at or
    /// before it (so an unaligned date maps to the interval that contains it, or for `@weekdays` on a
    /// weekend to Friday's). Manual and `@once` DAGs get [date, date).
    public func dataInterval(forLogicalDate logicalDate: Date) -> DataInterval? {
        switch schedule {
        case .manual, .once:
            return .exact(logicalDate)
        case .cron, .weekdays:
            guard let start = lastStart(atOrBefore: logicalDate),
                  let end = end(ofIntervalStartingAt: start) else { return nil }
            return DataInterval(start: start, end: end)
        }
    }

    /// The interval of a manually triggered run (Airflow's `infer_manual_data_interval`): the latest
    /// complete interval ending at or before `runAfter`; [runAfter, runAfter) for manual and `@once`.
    public func manualDataInterval(runAfter: Date) -> DataInterval {
        guard let start = latestCompleteStart(asOf: runAfter), let end = end(ofIntervalStartingAt: start) else {
            return .exact(runAfter)
        }
        return DataInterval(start: start, end: end)
    }

    /// The next `count` instants strictly after `after` at which scheduled runs would be created (interval ends).
    public func fireTimes(after: Date, count: Int) -> [Date] {
        var result: [Date] = []
        switch schedule {
        case .manual, .once:
            break
        case .cron(let expression, _):
            var cursor = after
            while result.count < count, let fire = expression.next(after: cursor, in: zone) {
                result.append(fire)
                cursor = fire
            }
        case .weekdays:
            // Start a day early: yesterday's interval may end after `after`.
            var day = LocalDateTime(after, in: zone).date.adding(days: -1)
            while result.count < count {
                let end = midnight(day.adding(days: 1))
                if Timetable.isWeekday(day), end > after { result.append(end) }
                day = day.adding(days: 1)
            }
        }
        return result
    }

    // MARK: Interval starts. Only meaningful for `.cron` and `.weekdays`; nil otherwise.

    private func firstStart(atOrAfter instant: Date) -> Date? {
        switch schedule {
        case .manual, .once: return nil
        case .cron(let expression, _): return expression.firstFire(atOrAfter: instant, in: zone)
        case .weekdays:
            var day = LocalDateTime(instant, in: zone).date
            // At most two weekend days, plus today if its midnight has passed.
            for _ in 0..<4 {
                if Timetable.isWeekday(day), midnight(day) >= instant { return midnight(day) }
                day = day.adding(days: 1)
            }
            return nil
        }
    }

    private func lastStart(atOrBefore instant: Date) -> Date? {
        switch schedule {
        case .manual, .once: return nil
        case .cron(let expression, _): return expression.lastFire(atOrBefore: instant, in: zone)
        case .weekdays:
            var day = LocalDateTime(instant, in: zone).date
            for _ in 0..<4 {
                if Timetable.isWeekday(day), midnight(day) <= instant { return midnight(day) }
                day = day.adding(days: -1)
            }
            return nil
        }
    }

    private func end(ofIntervalStartingAt start: Date) -> Date? {
        switch schedule {
        case .manual, .once: return nil
        case .cron(let expression, _): return expression.next(after: start, in: zone)
        case .weekdays: return midnight(LocalDateTime(start, in: zone).date.adding(days: 1))
        }
    }

    /// The start of the latest interval that has ended by `now` (Airflow's `_skip_to_latest` without a start date).
    private func latestCompleteStart(asOf now: Date) -> Date? {
        switch schedule {
        case .manual, .once: return nil
        case .cron(let expression, _):
            guard let end = expression.lastFire(atOrBefore: now, in: zone) else { return nil }
            return expression.previous(before: end, in: zone)
        case .weekdays:
            var day = LocalDateTime(now, in: zone).date
            for _ in 0..<5 {
                if Timetable.isWeekday(day), midnight(day.adding(days: 1)) <= now { return midnight(day) }
                day = day.adding(days: -1)
            }
            return nil
        }
    }

    /// Where scheduling resumes after the last scheduled run.
    private func resumeStart(after last: DataInterval) -> Date? {
        switch schedule {
        case .manual, .once: return nil
        // Airflow aligns the previous end backwards, so a DAG whose schedule changed re-covers the partial interval.
        case .cron(let expression, _): return expression.lastFire(atOrBefore: last.end, in: zone)
        // Intervals have holes (weekends), so the next one is the first start at or after the last end.
        case .weekdays: return firstStart(atOrAfter: last.end)
        }
    }

    private func midnight(_ day: CivilDate) -> Date { zone.resolvedInstant(for: LocalDateTime(date: day)) }

    private static func isWeekday(_ day: CivilDate) -> Bool { (1...5).contains(day.weekday) }
}
