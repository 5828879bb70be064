import Foundation
import Testing
@testable import SluiceCore

/// Shared helpers for schedule tests: instants written as `2024-03-10T03:00-04:00` (or `Z`) and back.
enum ScheduleFixtures {
    /// Parses `YYYY-MM-DDTHH:MM[:SS](Z|±HH:MM)`; fixtures are literals, so a typo is a test bug and traps.
    static func instant(_ text: String) -> Date {
        let scalars = Array(text.unicodeScalars)
        guard let timeStart = scalars.firstIndex(of: "T"),
              let zoneStart = scalars[timeStart...].firstIndex(where: { $0 == "Z" || $0 == "+" || $0 == "-" })
        else { preconditionFailure("bad fixture instant \(text)") }
        let stamp = String(String.UnicodeScalarView(scalars[..<zoneStart]))
        let offsetText = String(String.UnicodeScalarView(scalars[zoneStart...]))
        let halves = stamp.split(separator: "T")
        let clock = halves.count == 2 ? halves[1].split(separator: ":").compactMap { Int($0) } : []
        guard halves.count == 2, let date = CivilDate(iso: halves[0]), clock.count >= 2 else {
            preconditionFailure("bad fixture instant \(text)")
        }
        var offset = 0
        if offsetText != "Z" {
            let parts = offsetText.dropFirst().split(separator: ":").compactMap { Int($0) }
            guard parts.count == 2 else { preconditionFailure("bad fixture offset \(text)") }
            offset = (offsetText.hasPrefix("-") ? -1 : 1) * (parts[0] * 3600 + parts[1] * 60)
        }
        let local = LocalDateTime(date: date, hour: clock[0], minute: clock[1], second: clock.count > 2 ? clock[2] : 0)
        return Date(timeIntervalSince1970: TimeInterval(local.secondsSinceEpoch - Int64(offset)))
    }

    /// `2024-03-10T03:00-04:00`: wall time plus offset, so a test shows which instant of a repeated hour it means.
    static func local(_ date: Date, _ zone: TimeZone) -> String {
        let wall = LocalDateTime(date, in: zone)
        let offset = zone.secondsFromGMT(for: date)
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        let sign = offset < 0 ? "-" : "+"
        let time = "\(wall.date)T\(two(wall.hour)):\(two(wall.minute))" + (wall.second == 0 ? "" : ":\(two(wall.second))")
        return time + sign + two(abs(offset) / 3600) + ":" + two(abs(offset) % 3600 / 60)
    }

    static func zone(_ identifier: String) throws -> TimeZone {
        try #require(TimeZone(identifier: identifier))
    }

    /// The next `count` fire times of `expression` after `after`, written in `zoneID`'s wall time.
    static func fires(_ expression: String, in zoneID: String, after: String, count: Int) throws -> [String] {
        let cron = try CronExpression(parsing: expression)
        let zone = try zone(zoneID)
        var result: [String] = []
        var cursor = instant(after)
        while result.count < count, let next = cron.next(after: cursor, in: zone) {
            result.append(local(next, zone))
            cursor = next
        }
        return result
    }

    /// The previous `count` fire times of `expression` before `before`, latest first.
    static func firesBackwards(_ expression: String, in zoneID: String, before: String, count: Int) throws -> [String] {
        let cron = try CronExpression(parsing: expression)
        let zone = try zone(zoneID)
        var result: [String] = []
        var cursor = instant(before)
        while result.count < count, let previous = cron.previous(before: cursor, in: zone) {
            result.append(local(previous, zone))
            cursor = previous
        }
        return result
    }

    static func parseError(_ text: String) -> CronParseError? {
        do {
            _ = try CronExpression(parsing: text)
            return nil
        } catch {
            return error
        }
    }
}

@Suite("Cron expressions")
struct CronExpressionTests {
    typealias F = ScheduleFixtures

    // MARK: Matching

    @Test("every-5-minutes fires on each multiple of five minutes")
    func everyFiveMinutes() throws {
        #expect(try F.fires("*/5 * * * *", in: "UTC", after: "2024-01-15T10:02Z", count: 4)
            == ["2024-01-15T10:05+00:00", "2024-01-15T10:10+00:00", "2024-01-15T10:15+00:00", "2024-01-15T10:20+00:00"])
        #expect(try F.fires("*/5 * * * *", in: "UTC", after: "2024-12-31T23:57Z", count: 2)
            == ["2025-01-01T00:00+00:00", "2025-01-01T00:05+00:00"])
    }

    @Test("a stepped range fires at its start and every step up to its end")
    func steppedRange() throws {
        #expect(try F.fires("0 9-17/4 * * *", in: "UTC", after: "2024-01-15T08:00Z", count: 4)
            == ["2024-01-15T09:00+00:00", "2024-01-15T13:00+00:00", "2024-01-15T17:00+00:00", "2024-01-16T09:00+00:00"])
    }

    @Test("a/n runs from a to the end of the field")
    func openEndedStep() throws {
        #expect(try F.fires("50/3 * * * *", in: "UTC", after: "2024-01-15T10:00Z", count: 5)
            == ["2024-01-15T10:50+00:00", "2024-01-15T10:53+00:00", "2024-01-15T10:56+00:00",
                "2024-01-15T10:59+00:00", "2024-01-15T11:50+00:00"])
    }

    @Test("lists mix single values and ranges")
    func lists() throws {
        #expect(try F.fires("0,30 8,20-21 * * *", in: "UTC", after: "2024-01-15T08:10Z", count: 6)
            == ["2024-01-15T08:30+00:00", "2024-01-15T20:00+00:00", "2024-01-15T20:30+00:00",
                "2024-01-15T21:00+00:00", "2024-01-15T21:30+00:00", "2024-01-16T08:00+00:00"])
    }

    @Test("month and weekday names are case-insensitive and mean their numbers")
    func names() throws {
        let named = try F.fires("0 12 * jan,Mar MON-fri", in: "UTC", after: "2024-01-01T00:00Z", count: 40)
        let numbered = try F.fires("0 12 * 1,3 1-5", in: "UTC", after: "2024-01-01T00:00Z", count: 40)
        #expect(named == numbered)
        #expect(named.first == "2024-01-01T12:00+00:00")
        #expect(named.last == "2024-03-25T12:00+00:00")  // 23 January weekdays, then 17 in March
    }

    @Test("day-of-week 7 is Sunday, alone and at the end of a range")
    func sundayAsSeven() throws {
        #expect(try F.fires("0 0 * * 7", in: "UTC", after: "2024-06-01T00:00Z", count: 3)
            == F.fires("0 0 * * 0", in: "UTC", after: "2024-06-01T00:00Z", count: 3))
        // 2024-06-07 is a Friday.
        #expect(try F.fires("0 0 * * 5-7", in: "UTC", after: "2024-06-06T12:00Z", count: 4)
            == ["2024-06-07T00:00+00:00", "2024-06-08T00:00+00:00", "2024-06-09T00:00+00:00", "2024-06-14T00:00+00:00"])
    }

    @Test("when both day fields are restricted a day matches if either matches")
    func dayOrRule() throws {
        // Fridays, and the 13th whatever its weekday (2024-10-13 is a Sunday).
        #expect(try F.fires("0 0 13 * 5", in: "UTC", after: "2024-09-01T00:00Z", count: 8)
            == ["2024-09-06T00:00+00:00", "2024-09-13T00:00+00:00", "2024-09-20T00:00+00:00", "2024-09-27T00:00+00:00",
                "2024-10-04T00:00+00:00", "2024-10-11T00:00+00:00", "2024-10-13T00:00+00:00", "2024-10-18T00:00+00:00"])
    }

    @Test("a day field starting with * makes both day fields required")
    func dayAndRuleForStarredField() throws {
        // Days 1, 11, 21, 31 that are also Mondays.
        #expect(try F.fires("0 0 */10 * 1", in: "UTC", after: "2023-12-31T00:00Z", count: 5)
            == ["2024-01-01T00:00+00:00", "2024-03-11T00:00+00:00", "2024-04-01T00:00+00:00",
                "2024-07-01T00:00+00:00", "2024-10-21T00:00+00:00"])
    }

    @Test("the 31st fires only in 31-day months")
    func thirtyFirst() throws {
        #expect(try F.fires("0 0 31 * *", in: "UTC", after: "2024-01-01T00:00Z", count: 7)
            == ["2024-01-31T00:00+00:00", "2024-03-31T00:00+00:00", "2024-05-31T00:00+00:00", "2024-07-31T00:00+00:00",
                "2024-08-31T00:00+00:00", "2024-10-31T00:00+00:00", "2024-12-31T00:00+00:00"])
    }

    @Test("February 29 fires only in leap years, forwards and backwards")
    func leapDay() throws {
        #expect(try F.fires("0 0 29 2 *", in: "UTC", after: "2023-01-01T00:00Z", count: 3)
            == ["2024-02-29T00:00+00:00", "2028-02-29T00:00+00:00", "2032-02-29T00:00+00:00"])
        #expect(try F.firesBackwards("0 0 29 2 *", in: "UTC", before: "2024-02-29T00:00Z", count: 2)
            == ["2020-02-29T00:00+00:00", "2016-02-29T00:00+00:00"])
        // 2100 is not a leap year, so the gap is eight years and the search still finds it.
        #expect(try F.fires("0 0 29 2 *", in: "UTC", after: "2096-03-01T00:00Z", count: 1) == ["2104-02-29T00:00+00:00"])
    }

    @Test("next and previous give up with nil when nothing fires within the search window")
    func boundedSearch() throws {
        // February 1st on a Monday: 2027, then not until 2038.
        let cron = try CronExpression(parsing: "0 0 */31 2 1")
        let utc = try F.zone("UTC")
        #expect(cron.next(after: F.instant("2026-01-01T00:00Z"), in: utc) == F.instant("2027-02-01T00:00Z"))
        #expect(cron.next(after: F.instant("2028-01-01T00:00Z"), in: utc) == nil)
        #expect(cron.previous(before: F.instant("2037-01-01T00:00Z"), in: utc) == nil)
    }

    @Test("next is strictly after and previous strictly before, also for fractional seconds")
    func strictness() throws {
        let cron = try CronExpression(parsing: "0 * * * *")
        let utc = try F.zone("UTC")
        let ten = F.instant("2024-05-01T10:00Z")
        #expect(cron.next(after: ten, in: utc) == F.instant("2024-05-01T11:00Z"))
        #expect(cron.previous(before: ten, in: utc) == F.instant("2024-05-01T09:00Z"))
        #expect(cron.next(after: ten.addingTimeInterval(-0.5), in: utc) == ten)
        #expect(cron.previous(before: ten.addingTimeInterval(0.5), in: utc) == ten)
    }

    // MARK: Time zones and DST

    @Test("hourly job on New York spring-forward day skips the missing 02:00 without firing twice at 03:00")
    func newYorkSpringForwardHourly() throws {
        #expect(try F.fires("0 * * * *", in: "America/New_York", after: "2024-03-09T23:30-05:00", count: 5)
            == ["2024-03-10T00:00-05:00", "2024-03-10T01:00-05:00", "2024-03-10T03:00-04:00",
                "2024-03-10T04:00-04:00", "2024-03-10T05:00-04:00"])
    }

    @Test("daily job at a missing wall time runs later that day at the shifted time")
    func newYorkSpringForwardDaily() throws {
        #expect(try F.fires("30 2 * * *", in: "America/New_York", after: "2024-03-09T00:00-05:00", count: 3)
            == ["2024-03-09T02:30-05:00", "2024-03-10T03:30-04:00", "2024-03-11T02:30-04:00"])
    }

    @Test("hourly job on New York fall-back day runs in both 01:00 hours")
    func newYorkFallBackHourly() throws {
        #expect(try F.fires("0 * * * *", in: "America/New_York", after: "2024-11-02T23:30-04:00", count: 5)
            == ["2024-11-03T00:00-04:00", "2024-11-03T01:00-04:00", "2024-11-03T01:00-05:00",
                "2024-11-03T02:00-05:00", "2024-11-03T03:00-05:00"])
    }

    @Test("daily job in the repeated hour runs once, at the first occurrence")
    func newYorkFallBackDaily() throws {
        #expect(try F.fires("30 1 * * *", in: "America/New_York", after: "2024-11-02T00:00-04:00", count: 3)
            == ["2024-11-02T01:30-04:00", "2024-11-03T01:30-04:00", "2024-11-04T01:30-05:00"])
    }

    @Test("sub-hourly job runs through the repeated hour twice only when it runs every hour")
    func subHourlyFallBack() throws {
        #expect(try F.fires("*/30 * * * *", in: "America/New_York", after: "2024-11-03T00:15-04:00", count: 6)
            == ["2024-11-03T00:30-04:00", "2024-11-03T01:00-04:00", "2024-11-03T01:30-04:00",
                "2024-11-03T01:00-05:00", "2024-11-03T01:30-05:00", "2024-11-03T02:00-05:00"])
        #expect(try F.fires("*/30 1 * * *", in: "America/New_York", after: "2024-11-03T00:15-04:00", count: 3)
            == ["2024-11-03T01:00-04:00", "2024-11-03T01:30-04:00", "2024-11-04T01:00-05:00"])
    }

    @Test("London spring-forward: hourly skips 01:00, daily 01:30 runs at 02:30 BST")
    func londonSpringForward() throws {
        #expect(try F.fires("0 * * * *", in: "Europe/London", after: "2024-03-30T23:30Z", count: 3)
            == ["2024-03-31T00:00+00:00", "2024-03-31T02:00+01:00", "2024-03-31T03:00+01:00"])
        #expect(try F.fires("30 1 * * *", in: "Europe/London", after: "2024-03-30T00:00Z", count: 3)
            == ["2024-03-30T01:30+00:00", "2024-03-31T02:30+01:00", "2024-04-01T01:30+01:00"])
    }

    @Test("London fall-back: hourly runs both 01:00s, daily 01:30 runs once")
    func londonFallBack() throws {
        #expect(try F.fires("0 * * * *", in: "Europe/London", after: "2024-10-26T23:30+01:00", count: 4)
            == ["2024-10-27T00:00+01:00", "2024-10-27T01:00+01:00", "2024-10-27T01:00+00:00", "2024-10-27T02:00+00:00"])
        #expect(try F.fires("30 1 * * *", in: "Europe/London", after: "2024-10-26T12:00+01:00", count: 2)
            == ["2024-10-27T01:30+01:00", "2024-10-28T01:30+00:00"])
    }

    @Test("half-hour offset zones: Kolkata daily and Adelaide across both DST changes")
    func halfHourZones() throws {
        #expect(try F.fires("0 9 * * *", in: "Asia/Kolkata", after: "2024-01-01T00:00Z", count: 2)
            == ["2024-01-01T09:00+05:30", "2024-01-02T09:00+05:30"])
        #expect(try F.fires("0 9 * * *", in: "Asia/Kolkata", after: "2024-01-01T00:00Z", count: 1).map(F.instant)
            == [F.instant("2024-01-01T03:30Z")])
        #expect(try F.fires("0 * * * *", in: "Australia/Adelaide", after: "2024-10-05T23:30+09:30", count: 4)
            == ["2024-10-06T00:00+09:30", "2024-10-06T01:00+09:30", "2024-10-06T03:00+10:30", "2024-10-06T04:00+10:30"])
        #expect(try F.fires("30 2 * * *", in: "Australia/Adelaide", after: "2024-04-06T00:00+10:30", count: 2)
            == ["2024-04-06T02:30+10:30", "2024-04-07T02:30+10:30"])
    }

    @Test("walking back with previous retraces next exactly, across DST changes")
    func previousMirrorsNext() throws {
        let cases: [(String, String, String)] = [
            ("0 * * * *", "America/New_York", "2024-03-09T22:00-05:00"),
            ("0 * * * *", "America/New_York", "2024-11-02T22:00-04:00"),
            ("*/20 * * * *", "Europe/London", "2024-10-26T23:00+01:00"),
            ("30 1-2 * * *", "Europe/London", "2024-03-29T00:00Z"),
            ("15 2 * * 0", "Australia/Adelaide", "2024-03-01T00:00+10:30"),
            ("0 0 13 * 5", "Asia/Kolkata", "2024-01-01T00:00+05:30"),
        ]
        for (expression, zoneID, start) in cases {
            let cron = try CronExpression(parsing: expression)
            let zone = try F.zone(zoneID)
            var forward: [Date] = []
            var cursor = F.instant(start)
            while forward.count < 30, let next = cron.next(after: cursor, in: zone) {
                forward.append(next)
                cursor = next
            }
            var backward: [Date] = []
            cursor = forward.last?.addingTimeInterval(1) ?? cursor
            while backward.count < forward.count, let previous = cron.previous(before: cursor, in: zone) {
                backward.append(previous)
                cursor = previous
            }
            #expect(forward.count == 30)
            #expect(backward.reversed() == forward, "\(expression) in \(zoneID)")
        }
    }

    @Test("description prints the expression exactly as written")
    func descriptionRoundTrip() throws {
        #expect(try CronExpression(parsing: " 0  9 * * mon-FRI").description == " 0  9 * * mon-FRI")
    }

    // MARK: Parse errors

    @Test("a wrong number of fields names the expected shape; surplus fields are pointed at")
    func fieldCount() {
        let short = F.parseError("0 0 * *")
        #expect(short?.message == "expected 5 fields (minute hour day-of-month month day-of-week), found 4")
        #expect(short?.column == 0)
        let long = F.parseError("0 0 0 * * * 2024")
        #expect(long?.message == "expected 5 fields (minute hour day-of-month month day-of-week), found 7")
        #expect(long?.column == 10)
        #expect(F.parseError("   ")?.message == "cron expression is empty; expected 5 fields (minute hour day-of-month month day-of-week)")
    }

    @Test("out-of-range values name the field, the value and the range, at the value's column")
    func outOfRange() {
        let cases: [(String, Int, String)] = [
            ("61 * * * *", 0, "minute value 61 is out of range 0-59"),
            ("0 24 * * *", 2, "hour value 24 is out of range 0-23"),
            ("0 0 0 * *", 4, "day-of-month value 0 is out of range 1-31"),
            ("0 0 1 1-13 *", 8, "month value 13 is out of range 1-12"),
            ("0 0 * * 1,8", 10, "day-of-week value 8 is out of range 0-7"),
            ("99999999999999999999 * * * *", 0, "minute value 99999999999999999999 is out of range 0-59"),
        ]
        for (text, column, message) in cases {
            let error = F.parseError(text)
            #expect(error?.message == message, "\(text)")
            #expect(error?.column == column, "\(text)")
        }
    }

    @Test("unknown names suggest the closest valid name")
    func unknownNames() {
        let month = F.parseError("0 0 1 JNA *")
        #expect(month?.message == "unknown month name 'JNA' (did you mean 'JAN'?)")
        #expect(month?.column == 6)
        let weekday = F.parseError("0 0 * * MON-FRY")
        #expect(weekday?.message == "unknown weekday name 'FRY' (did you mean 'FRI'?)")
        #expect(weekday?.column == 12)
        let hour = F.parseError("0 noon * * *")
        #expect(hour?.message == "invalid hour value 'noon'; expected a number 0-23")
        #expect(hour?.column == 2)
    }

    @Test("steps must be positive integers")
    func badSteps() {
        let zero = F.parseError("*/0 * * * *")
        #expect(zero?.message == "step must be a positive integer, found '0'")
        #expect(zero?.column == 2)
        let word = F.parseError("0 1-5/x * * *")
        #expect(word?.message == "step must be a positive integer, found 'x'")
        #expect(word?.column == 6)
        let missing = F.parseError("0 0 */ * *")
        #expect(missing?.message == "missing step after '/' in day-of-month field; step must be a positive integer")
        #expect(missing?.column == 5)
    }

    @Test("backwards ranges and malformed lists are rejected where they occur")
    func badRangesAndLists() {
        let backwards = F.parseError("0 10-5 * * *")
        #expect(backwards?.message == "range start 10 is after end 5 in hour field")
        #expect(backwards?.column == 2)
        let empty = F.parseError("0,,5 * * * *")
        #expect(empty?.message == "empty list item in minute field")
        #expect(empty?.column == 2)
        let openRange = F.parseError("0 0 * * 1-")
        #expect(openRange?.message == "missing range end after '-' in day-of-week field")
        #expect(openRange?.column == 10)
    }

    @Test("columns count Unicode scalars, so text before the error may be non-ASCII")
    func scalarColumns() {
        // "é" is one scalar; the tab separates fields like a space.
        let error = F.parseError("0\t0 1 1 Ünd")
        #expect(error?.message == "unknown weekday name 'Ünd'")
        #expect(error?.column == 8)
        #expect(F.parseError("0 0 1 é *")?.column == 6)
    }

    @Test("a day that never occurs in the chosen months is an error at the day-of-month field")
    func impossibleDays() {
        let february = F.parseError("0 0 30 2 *")
        #expect(february?.message == "day 30 never occurs in February")
        #expect(february?.column == 4)
        #expect(F.parseError("0 0 31 4,6 *")?.message == "day 31 never occurs in April or June")
        #expect(F.parseError("0 0 30,31 feb *")?.message == "days 30 and 31 never occur in February")
        #expect(F.parseError("0 0 31 4,6,9,11 *")?.message == "day 31 never occurs in April, June, September or November")
        // Still fine: Feb 29 exists in leap years, and under the OR rule the weekday can fire.
        #expect(F.parseError("0 0 29 2 *") == nil)
        #expect(F.parseError("0 0 30 2 1") == nil)
        #expect(F.parseError("0 0 31 2,3 *") == nil)
    }
}
