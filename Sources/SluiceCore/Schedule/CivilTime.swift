import Foundation

/// A calendar date without a time zone (proleptic Gregorian), e.g. a logical date's day.
public struct CivilDate: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public var year: Int
    public var month: Int
    public var day: Int

    public init(year: Int, month: Int, day: Int) {
        self.year = year
        self.month = month
        self.day = day
    }

    /// Parses `YYYY-MM-DD` strictly (the day must exist).
    public init?(iso text: some StringProtocol) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]),
              (1...12).contains(m), d >= 1, d <= CivilDate.daysInMonth(year: y, month: m)
        else { return nil }
        self.init(year: y, month: m, day: d)
    }

    /// Days since 1970-01-01 (negative before).
    public var daysSinceEpoch: Int {
        // Howard Hinnant's days_from_civil.
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    public init(daysSinceEpoch z0: Int) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        self.init(year: yoe + era * 400 + (m <= 2 ? 1 : 0), month: m, day: d)
    }

    /// 0 = Sunday ... 6 = Saturday, as cron counts.
    public var weekday: Int {
        let z = daysSinceEpoch
        return z >= -4 ? (z + 4) % 7 : (z + 5) % 7 + 6
    }

    public func adding(days: Int) -> CivilDate { CivilDate(daysSinceEpoch: daysSinceEpoch + days) }

    public static func isLeap(_ y: Int) -> Bool { (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 }

    public static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: return isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    public static func < (a: CivilDate, b: CivilDate) -> Bool { (a.year, a.month, a.day) < (b.year, b.month, b.day) }

    /// `YYYY-MM-DD`.
    public var description: String {
        let y = String(year), m = month < 10 ? "0\(month)" : "\(month)", d = day < 10 ? "0\(day)" : "\(day)"
        return String(repeating: "0", count: max(0, 4 - y.count)) + y + "-" + m + "-" + d
    }

    /// `YYYYMMDD`.
    public var compact: String { description.replacingOccurrences(of: "-", with: "") }
}

/// A wall-clock date and time without a zone, to minute-and-second precision.
public struct LocalDateTime: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var date: CivilDate
    public var hour: Int
    public var minute: Int
    public var second: Int

    public init(date: CivilDate, hour: Int = 0, minute: Int = 0, second: Int = 0) {
        self.date = date
        self.hour = hour
        self.minute = minute
        self.second = second
    }

    /// Seconds since 1970-01-01T00:00:00 as if the wall clock were UTC.
    public var secondsSinceEpoch: Int64 {
        Int64(date.daysSinceEpoch) * 86_400 + Int64(hour * 3600 + minute * 60 + second)
    }

    public init(secondsSinceEpoch s: Int64) {
        let days = Int((s >= 0 ? s : s - 86_399) / 86_400)
        let rem = Int(s - Int64(days) * 86_400)
        self.init(date: CivilDate(daysSinceEpoch: days), hour: rem / 3600, minute: rem % 3600 / 60, second: rem % 60)
    }

    /// The wall-clock time of `instant` in `zone`.
    public init(_ instant: Date, in zone: TimeZone) {
        // Clamp to years 1..9999 so a hostile or corrupt timestamp cannot trap the conversion.
        let raw = instant.timeIntervalSince1970
        let clamped = raw.isFinite ? min(max(raw, -62_135_596_800), 253_402_300_799) : 0
        let utc = Int64(floor(clamped))
        self.init(secondsSinceEpoch: utc + Int64(zone.secondsFromGMT(for: instant)))
    }

    public static func < (a: LocalDateTime, b: LocalDateTime) -> Bool { a.secondsSinceEpoch < b.secondsSinceEpoch }

    /// `YYYY-MM-DDTHH:MM:SS`.
    public var description: String {
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return "\(date)T\(two(hour)):\(two(minute)):\(two(second))"
    }
}

extension TimeZone {
    /// The instants at which the wall clock of this zone shows `local`: one normally, two in a
    /// fall-back overlap (earlier first), none in a spring-forward gap.
    public func instants(for local: LocalDateTime) -> [Date] {
        let naive = local.secondsSinceEpoch
        // Offsets in force a day and a half either side; zones change offset at most once in that span.
        let before = secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(naive - 129_600)))
        let after = secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(naive + 129_600)))
        var result: [Date] = []
        for offset in Set([before, after]) {
            let candidate = Date(timeIntervalSince1970: TimeInterval(naive - Int64(offset)))
            if secondsFromGMT(for: candidate) == offset { result.append(candidate) }
        }
        return result.sorted()
    }

    /// The instant for `local`, resolving a gap by reading the wall time with the offset in force
    /// before the gap (02:30 in a 02:00->03:00 jump becomes 03:30) and an overlap by the earlier instant.
    public func resolvedInstant(for local: LocalDateTime) -> Date {
        if let first = instants(for: local).first { return first }
        let naive = local.secondsSinceEpoch
        let before = secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(naive - 129_600)))
        return Date(timeIntervalSince1970: TimeInterval(naive - Int64(before)))
    }
}

extension Date {
    /// `YYYY-MM-DDTHH:MM:SS.ffffffZ`, or without the fraction: the one UTC text form logs, run
    /// environments and `--json` output share.
    public func utcText(microseconds: Bool = true) -> String {
        let seconds = timeIntervalSince1970
        let whole = seconds.isFinite ? seconds.rounded(.down) : 0
        let base = LocalDateTime(Date(timeIntervalSince1970: whole), in: TimeZone(identifier: "UTC")!).description
        guard microseconds else { return base + "Z" }
        let micros = String(min(999_999, Int(((seconds - whole) * 1_000_000).rounded())))
        return base + "." + String(repeating: "0", count: 6 - micros.count) + micros + "Z"
    }
}
