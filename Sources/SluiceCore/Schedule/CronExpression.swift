import Foundation

/// Why a cron expression or schedule string was rejected, and where.
public struct CronParseError: Error, Sendable, Hashable, CustomStringConvertible {
    /// 0-based offset, in Unicode scalars, of the offending token within the parsed text.
    public let column: Int
    public let message: String

    public init(column: Int, message: String) {
        self.column = column
        self.message = message
    }

    public var description: String { message }
}

/// A standard 5-field cron expression (minute hour day-of-month month day-of-week), Vixie-cron semantics.
///
/// Fire times are found by matching local wall-clock time in a zone. DST rules:
/// - A matching wall time that does not exist (spring-forward gap) fires at `zone.resolvedInstant(for:)`,
///   i.e. read with the pre-gap offset (02:30 in a 02:00->03:00 jump fires at 03:30).
/// - Fire times are a strictly increasing set of instants, so two wall times that resolve to the same
///   instant fire once: hourly `0 * * * *` runs 01:00, 03:00, 04:00 on spring-forward day, because the
///   missing 02:00 resolves to 03:00, which is also the real 03:00.
/// - A matching wall time that occurs twice (fall-back overlap) fires at both instants only when the hour
///   field covers all 24 hours (the job runs every hour, so skipping the repeated hour would leave a hole);
///   otherwise it fires only at the earlier instant, so a daily `30 1 * * *` still runs once that day.
/// Searches give up (return nil) after `searchYears` years, which still covers Feb 29 across 2100.
public struct CronExpression: Sendable, Hashable, CustomStringConvertible {
    /// The expression as written; `description` prints it back unchanged.
    public let text: String
    let minutes: CronBits
    let hours: CronBits
    let daysOfMonth: CronBits
    let months: CronBits
    let daysOfWeek: CronBits
    /// Vixie cron's DOM_STAR/DOW_STAR: a field starting with `*` does not take part in the OR rule.
    let dayOfMonthIsStar: Bool
    let dayOfWeekIsStar: Bool

    /// How far `next`/`previous` look before concluding the expression never fires again.
    static let searchYears = 8

    public var description: String { text }

    public init(parsing text: String) throws(CronParseError) {
        self.text = text
        let scalars = Array(text.unicodeScalars)
        var fields: [(start: Int, end: Int)] = []
        var index = 0
        while index < scalars.count {
            if CronExpression.isSpace(scalars[index]) { index += 1; continue }
            let start = index
            while index < scalars.count, !CronExpression.isSpace(scalars[index]) { index += 1 }
            fields.append((start, index))
        }
        let shape = "5 fields (minute hour day-of-month month day-of-week)"
        guard !fields.isEmpty else { throw CronParseError(column: 0, message: "cron expression is empty; expected \(shape)") }
        guard fields.count == 5 else {
            // Point at the first surplus field (often a seconds or year field); a short expression has no better spot.
            let column = fields.count > 5 ? fields[5].start : 0
            throw CronParseError(column: column, message: "expected \(shape), found \(fields.count)")
        }
        func parse(_ i: Int, _ spec: CronFieldSpec) throws(CronParseError) -> CronBits {
            try spec.parse(scalars, from: fields[i].start, to: fields[i].end)
        }
        minutes = try parse(0, .minute)
        hours = try parse(1, .hour)
        daysOfMonth = try parse(2, .dayOfMonth)
        months = try parse(3, .month)
        daysOfWeek = try parse(4, .dayOfWeek)
        dayOfMonthIsStar = scalars[fields[2].start] == "*"
        dayOfWeekIsStar = scalars[fields[4].start] == "*"
        if let problem = impossibleDayMessage() { throw CronParseError(column: fields[2].start, message: problem) }
    }

    static func isSpace(_ s: Unicode.Scalar) -> Bool { s.properties.isWhitespace }

    /// Explains why no day can ever match, when the days of month exist in none of the allowed months.
    /// Only the AND rule can make that happen: under the OR rule the weekday field still fires.
    private func impossibleDayMessage() -> String? {
        guard dayOfMonthIsStar || dayOfWeekIsStar else { return nil }
        let allowedMonths = (1...12).filter { months.contains($0) }
        let firstDay = daysOfMonth.first(atOrAfter: 1) ?? 32
        // Use a leap year: Feb 29 is possible, just rare.
        if allowedMonths.contains(where: { firstDay <= CivilDate.daysInMonth(year: 2000, month: $0) }) { return nil }
        let days = (1...31).filter { daysOfMonth.contains($0) }.map(String.init)
        let names = allowedMonths.map { CronFieldSpec.monthNames[$0 - 1] }
        let dayList = CronExpression.join(days, "and"), monthList = CronExpression.join(names, "or")
        return days.count == 1 ? "day \(dayList) never occurs in \(monthList)" : "days \(dayList) never occur in \(monthList)"
    }

    static func join(_ items: [String], _ conjunction: String) -> String {
        guard let last = items.last, items.count > 1 else { return items.first ?? "" }
        return items.dropLast().joined(separator: ", ") + " \(conjunction) " + last
    }

    /// Whether the job runs in every hour of the day, which decides if a repeated (fall-back) hour runs twice.
    var firesEveryHour: Bool { hours.bits == (1 << 24) - 1 }

    func matches(day date: CivilDate) -> Bool {
        let dom = daysOfMonth.contains(date.day), dow = daysOfWeek.contains(date.weekday)
        return dayOfMonthIsStar || dayOfWeekIsStar ? dom && dow : dom || dow
    }

    // MARK: Wall-clock search, field by field.

    /// The first matching wall time at or after `start` (seconds ignored), up to the end of `lastYear`.
    func firstMatch(atOrAfter start: LocalDateTime, throughYear lastYear: Int) -> LocalDateTime? {
        var date = start.date, hour = start.hour, minute = start.minute
        while date.year <= lastYear {
            if !months.contains(date.month) {
                date = date.month == 12 ? CivilDate(year: date.year + 1, month: 1, day: 1)
                    : CivilDate(year: date.year, month: date.month + 1, day: 1)
                hour = 0; minute = 0
                continue
            }
            if matches(day: date), let h = hours.first(atOrAfter: hour) {
                if h != hour { hour = h; minute = 0 }
                if let m = minutes.first(atOrAfter: minute) { return LocalDateTime(date: date, hour: hour, minute: m) }
                if hour < 23 { hour += 1; minute = 0; continue }
            }
            date = date.adding(days: 1); hour = 0; minute = 0
        }
        return nil
    }

    /// The last matching wall time at or before `start` (seconds ignored), down to the start of `firstYear`.
    func lastMatch(atOrBefore start: LocalDateTime, downToYear firstYear: Int) -> LocalDateTime? {
        var date = start.date, hour = start.hour, minute = start.minute
        while date.year >= firstYear {
            if !months.contains(date.month) {
                date = CivilDate(year: date.year, month: date.month, day: 1).adding(days: -1)
                hour = 23; minute = 59
                continue
            }
            if matches(day: date), let h = hours.last(atOrBefore: hour) {
                if h != hour { hour = h; minute = 59 }
                if let m = minutes.last(atOrBefore: minute) { return LocalDateTime(date: date, hour: hour, minute: m) }
                if hour > 0 { hour -= 1; minute = 59; continue }
            }
            date = date.adding(days: -1); hour = 23; minute = 59
        }
        return nil
    }

    // MARK: Instants.

    /// The instants a matching wall time fires at, by the DST rules in the type's doc comment.
    func fireInstants(at local: LocalDateTime, in zone: TimeZone) -> [Date] {
        let instants = zone.instants(for: local)
        if instants.isEmpty { return [zone.resolvedInstant(for: local)] }
        return firesEveryHour ? instants : [instants[0]]
    }

    /// How far the UTC offset moves within a day and a half of `naive`; wall times further apart than
    /// this are in the same order as their instants, which bounds how far a search must look around.
    static func offsetSpread(near naive: Int64, in zone: TimeZone) -> Int64 {
        let offsets = [-129_600, 0, 129_600].map {
            zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(naive + $0)))
        }
        return Int64((offsets.max() ?? 0) - (offsets.min() ?? 0))
    }

    static func floorToMinute(_ seconds: Int64) -> Int64 { seconds - ((seconds % 60) + 60) % 60 }

    /// The first fire instant strictly after `instant`, or nil if there is none within `searchYears`.
    public func next(after instant: Date, in zone: TimeZone) -> Date? {
        let local = LocalDateTime(instant, in: zone)
        let spread = CronExpression.offsetSpread(near: local.secondsSinceEpoch, in: zone)
        // A wall time up to `spread` before `local` can still fire after `instant` (gap or repeated hour).
        var cursor = LocalDateTime(secondsSinceEpoch: CronExpression.floorToMinute(local.secondsSinceEpoch - spread))
        let lastYear = local.date.year + CronExpression.searchYears
        var best: Date?
        var stopAfter: Int64?
        while let match = firstMatch(atOrAfter: cursor, throughYear: lastYear) {
            let naive = match.secondsSinceEpoch
            if let stopAfter, naive > stopAfter { break }
            for fire in fireInstants(at: match, in: zone) where fire > instant {
                if best.map({ fire < $0 }) ?? true { best = fire }
            }
            // Later wall times within the offset spread may still map to earlier instants.
            if best != nil, stopAfter == nil { stopAfter = naive + CronExpression.offsetSpread(near: naive, in: zone) }
            cursor = LocalDateTime(secondsSinceEpoch: naive + 60)
        }
        return best
    }

    /// The last fire instant strictly before `instant`, or nil if there is none within `searchYears`.
    public func previous(before instant: Date, in zone: TimeZone) -> Date? {
        let local = LocalDateTime(instant, in: zone)
        let spread = CronExpression.offsetSpread(near: local.secondsSinceEpoch, in: zone)
        var cursor = LocalDateTime(secondsSinceEpoch: CronExpression.floorToMinute(local.secondsSinceEpoch + spread))
        let firstYear = local.date.year - CronExpression.searchYears
        var best: Date?
        var stopBefore: Int64?
        while let match = lastMatch(atOrBefore: cursor, downToYear: firstYear) {
            let naive = match.secondsSinceEpoch
            if let stopBefore, naive < stopBefore { break }
            for fire in fireInstants(at: match, in: zone) where fire < instant {
                if best.map({ fire > $0 }) ?? true { best = fire }
            }
            if best != nil, stopBefore == nil { stopBefore = naive - CronExpression.offsetSpread(near: naive, in: zone) }
            cursor = LocalDateTime(secondsSinceEpoch: naive - 60)
        }
        return best
    }

    /// The first fire instant at or after `instant`. Fire instants fall on whole seconds, so "at or after t"
    /// is "strictly after the whole second before t rounded up".
    func firstFire(atOrAfter instant: Date, in zone: TimeZone) -> Date? {
        next(after: Date(timeIntervalSince1970: instant.timeIntervalSince1970.rounded(.up) - 1), in: zone)
    }

    /// The last fire instant at or before `instant`.
    func lastFire(atOrBefore instant: Date, in zone: TimeZone) -> Date? {
        previous(before: Date(timeIntervalSince1970: instant.timeIntervalSince1970.rounded(.down) + 1), in: zone)
    }
}

/// A set of small integers (cron field values) as a bit mask.
struct CronBits: Sendable, Hashable {
    var bits: UInt64 = 0

    func contains(_ value: Int) -> Bool { (0..<64).contains(value) && bits & (1 << UInt64(value)) != 0 }

    mutating func insert(_ value: Int) { bits |= 1 << UInt64(value) }

    func first(atOrAfter value: Int) -> Int? {
        guard value < 64 else { return nil }
        let masked = bits & (~0 << UInt64(max(value, 0)))
        return masked == 0 ? nil : masked.trailingZeroBitCount
    }

    func last(atOrBefore value: Int) -> Int? {
        guard value >= 0 else { return nil }
        let masked = value >= 63 ? bits : bits & ((1 << UInt64(value + 1)) - 1)
        return masked == 0 ? nil : 63 - masked.leadingZeroBitCount
    }
}

/// How one cron field is spelled: its name in messages, its values, and the names it accepts.
struct CronFieldSpec {
    let name: String
    let range: ClosedRange<Int>
    /// What `*` and the open end of `a/n` stand for; narrower than `range` for day-of-week (7 is Sunday again).
    let starRange: ClosedRange<Int>
    let names: [String]
    let namesKind: String

    static let monthNames = ["January", "February", "March", "April", "May", "June", "July",
                             "August", "September", "October", "November", "December"]
    static let minute = CronFieldSpec(name: "minute", range: 0...59, starRange: 0...59, names: [], namesKind: "")
    static let hour = CronFieldSpec(name: "hour", range: 0...23, starRange: 0...23, names: [], namesKind: "")
    static let dayOfMonth = CronFieldSpec(name: "day-of-month", range: 1...31, starRange: 1...31, names: [], namesKind: "")
    static let month = CronFieldSpec(name: "month", range: 1...12, starRange: 1...12,
                                     names: monthNames.map { String($0.prefix(3)).uppercased() }, namesKind: "month")
    static let dayOfWeek = CronFieldSpec(name: "day-of-week", range: 0...7, starRange: 0...6,
                                         names: ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"], namesKind: "weekday")

    typealias Scalars = [Unicode.Scalar]

    /// Parses the field occupying `scalars[from..<to]`: a comma-separated list of `*`, `a`, `a-b`, each with optional `/step`.
    func parse(_ scalars: Scalars, from: Int, to: Int) throws(CronParseError) -> CronBits {
        var bits = CronBits()
        var itemStart = from
        while itemStart <= to {
            var itemEnd = itemStart
            while itemEnd < to, scalars[itemEnd] != "," { itemEnd += 1 }
            guard itemEnd > itemStart else {
                throw CronParseError(column: itemStart, message: "empty list item in \(name) field")
            }
            try parseItem(scalars, from: itemStart, to: itemEnd, into: &bits)
            itemStart = itemEnd + 1
        }
        return bits
    }

    private func parseItem(_ scalars: Scalars, from: Int, to: Int, into bits: inout CronBits) throws(CronParseError) {
        let slash = scalars[from..<to].firstIndex(of: "/")
        let baseEnd = slash ?? to
        var step = 1
        if let slash {
            let token = String(String.UnicodeScalarView(scalars[(slash + 1)..<to]))
            guard !token.isEmpty else {
                throw CronParseError(column: slash, message: "missing step after '/' in \(name) field; step must be a positive integer")
            }
            guard token.unicodeScalars.allSatisfy({ ("0"..."9").contains($0) }), let value = Int(token), value > 0 else {
                throw CronParseError(column: slash + 1, message: "step must be a positive integer, found '\(token)'")
            }
            step = value
        }
        let lower: Int, upper: Int
        if baseEnd - from == 1, scalars[from] == "*" {
            (lower, upper) = (starRange.lowerBound, starRange.upperBound)
        } else if let dash = scalars[from..<baseEnd].firstIndex(of: "-") {
            lower = try value(scalars, from: from, to: dash, missing: "missing range start before '-'")
            upper = try value(scalars, from: dash + 1, to: baseEnd, missing: "missing range end after '-'")
            guard lower <= upper else {
                throw CronParseError(column: from, message: "range start \(lower) is after end \(upper) in \(name) field")
            }
        } else {
            lower = try value(scalars, from: from, to: baseEnd, missing: "missing value before '/'")
            // `a/n` means a, a+n, ... up to the field's maximum.
            upper = slash == nil ? lower : max(lower, starRange.upperBound)
        }
        for v in stride(from: lower, through: upper, by: step) {
            bits.insert(v == 7 && range.upperBound == 7 ? 0 : v)
        }
    }

    private func value(_ scalars: Scalars, from: Int, to: Int, missing: String) throws(CronParseError) -> Int {
        guard to > from else { throw CronParseError(column: from, message: "\(missing) in \(name) field") }
        let token = String(String.UnicodeScalarView(scalars[from..<to]))
        let rangeText = "\(range.lowerBound)-\(range.upperBound)"
        if token.unicodeScalars.allSatisfy({ ("0"..."9").contains($0) }) {
            // Int() fails only on overflow here; such a number is out of range anyway.
            guard let v = Int(token), range.contains(v) else {
                throw CronParseError(column: from, message: "\(name) value \(token) is out of range \(rangeText)")
            }
            return v
        }
        let isWord = token.unicodeScalars.allSatisfy { $0.properties.isAlphabetic }
        if isWord, !names.isEmpty {
            if let i = names.firstIndex(of: token.uppercased()) { return range.lowerBound + i }
            throw CronParseError(column: from, message: "unknown \(namesKind) name '\(token)'"
                + Spelling.didYouMean(token.uppercased(), among: names))
        }
        let expected = names.isEmpty ? "a number \(rangeText)"
            : "a number \(rangeText) or a \(namesKind) name \(names[0])-\(names[names.count - 1])"
        throw CronParseError(column: from, message: "invalid \(name) value '\(token)'; expected \(expected)")
    }
}
