import Foundation
import Testing
@testable import SluiceCore

@Suite("Schedules and timetables")
struct TimetableTests {
    typealias F = ScheduleFixtures

    static func timetable(_ schedule: String?, _ zoneID: String = "UTC") throws -> Timetable {
        Timetable(schedule: try Schedule(parsing: schedule), zone: try F.zone(zoneID))
    }

    /// An interval as `start ..< end` in the timetable's wall time.
    static func show(_ interval: DataInterval?, _ timetable: Timetable) -> String? {
        interval.map { F.local($0.start, timetable.zone) + " ..< " + F.local($0.end, timetable.zone) }
    }

    /// The intervals a scheduler would create one after another, with fixed start date, end date and clock.
    static func sequence(
        _ timetable: Timetable, earliest: String?, latest: String? = nil, catchup: Bool = true,
        now: String = "2030-01-01T00:00Z", count: Int
    ) -> [String] {
        var result: [String] = []
        var last: DataInterval?
        while result.count < count,
              let next = timetable.nextDataInterval(after: last, earliest: earliest.map(F.instant),
                                                    latest: latest.map(F.instant), catchup: catchup, now: F.instant(now)) {
            result.append(show(next, timetable) ?? "")
            last = next
        }
        return result
    }

    // MARK: Schedule parsing

    @Test("presets stand for their cron expressions and print back as written")
    func presets() throws {
        let table: [(String, String)] = [
            ("@hourly", "0 * * * *"), ("@daily", "0 0 * * *"), ("@midnight", "0 0 * * *"), ("@weekly", "0 0 * * 0"),
            ("@monthly", "0 0 1 * *"), ("@yearly", "0 0 1 1 *"), ("@annually", "0 0 1 1 *"),
        ]
        for (preset, expression) in table {
            let schedule = try Schedule(parsing: preset)
            #expect(schedule == .cron(try CronExpression(parsing: expression), preset: preset))
            #expect(schedule.text == preset)
        }
        #expect(try Schedule(parsing: nil) == .manual)
        #expect(try Schedule(parsing: nil).text == nil)
        #expect(try Schedule(parsing: "@once") == .once)
        #expect(try Schedule(parsing: " @weekdays ").text == "@weekdays")
        #expect(try Schedule(parsing: "*/10 * * * *").text == "*/10 * * * *")
    }

    @Test("@weekly fires at Sunday midnight")
    func weekly() throws {
        let timetable = try Self.timetable("@weekly", "Europe/London")
        #expect(timetable.fireTimes(after: F.instant("2024-03-20T12:00Z"), count: 3).map { F.local($0, timetable.zone) }
            == ["2024-03-24T00:00+00:00", "2024-03-31T00:00+00:00", "2024-04-07T00:00+01:00"])
    }

    @Test("an unknown preset suggests the nearest one, or lists them all")
    func unknownPreset() {
        do {
            _ = try Schedule(parsing: "  @dialy")
            Issue.record("expected an error")
        } catch {
            #expect(error.message == "unknown schedule preset '@dialy' (did you mean '@daily'?)")
            #expect(error.column == 2)
        }
        do {
            _ = try Schedule(parsing: "@fortnightly")
            Issue.record("expected an error")
        } catch {
            #expect(error.message == "unknown schedule preset '@fortnightly'; expected one of @once, @hourly, @daily, "
                + "@midnight, @weekly, @monthly, @yearly, @annually, @weekdays")
        }
    }

    @Test("cron errors in a schedule keep their columns")
    func cronErrorInSchedule() {
        do {
            _ = try Schedule(parsing: "0 25 * * *")
            Issue.record("expected an error")
        } catch {
            #expect(error.column == 2)
            #expect(error.message == "hour value 25 is out of range 0-23")
        }
    }

    // MARK: Cron timetables

    @Test("with catchup every interval from the start date is returned, whatever the clock says")
    func catchupSequence() throws {
        let timetable = try Self.timetable("@daily")
        #expect(Self.sequence(timetable, earliest: "2024-01-01T00:00Z", now: "2023-06-01T00:00Z", count: 3) == [
            "2024-01-01T00:00+00:00 ..< 2024-01-02T00:00+00:00",
            "2024-01-02T00:00+00:00 ..< 2024-01-03T00:00+00:00",
            "2024-01-03T00:00+00:00 ..< 2024-01-04T00:00+00:00",
        ])
    }

    @Test("an unaligned start date starts at the first fire time after it")
    func unalignedStart() throws {
        #expect(Self.sequence(try Self.timetable("@daily"), earliest: "2024-01-01T10:30Z", count: 1)
            == ["2024-01-02T00:00+00:00 ..< 2024-01-03T00:00+00:00"])
        #expect(Self.sequence(try Self.timetable("@hourly"), earliest: "2024-01-01T10:30Z", count: 1)
            == ["2024-01-01T11:00+00:00 ..< 2024-01-01T12:00+00:00"])
    }

    @Test("without catchup the first run is the latest complete interval")
    func noCatchupFirstRun() throws {
        let timetable = try Self.timetable("@daily")
        let between = timetable.nextDataInterval(after: nil, earliest: F.instant("2024-01-01T00:00Z"), latest: nil,
                                                 catchup: false, now: F.instant("2024-01-10T05:00Z"))
        #expect(Self.show(between, timetable) == "2024-01-09T00:00+00:00 ..< 2024-01-10T00:00+00:00")
        let onBoundary = timetable.nextDataInterval(after: nil, earliest: F.instant("2024-01-01T00:00Z"), latest: nil,
                                                    catchup: false, now: F.instant("2024-01-10T00:00Z"))
        #expect(Self.show(onBoundary, timetable) == "2024-01-09T00:00+00:00 ..< 2024-01-10T00:00+00:00")
        // No start date at all: the clock alone decides.
        let noStart = timetable.nextDataInterval(after: nil, earliest: nil, latest: nil, catchup: false,
                                                 now: F.instant("2024-01-10T05:00Z"))
        #expect(Self.show(noStart, timetable) == "2024-01-09T00:00+00:00 ..< 2024-01-10T00:00+00:00")
        #expect(timetable.nextDataInterval(after: nil, earliest: nil, latest: nil, catchup: true, now: F.instant("2024-01-10T05:00Z")) == nil)
    }

    @Test("without catchup a stale last run skips ahead, but an up-to-date one continues normally")
    func noCatchupAfterLastRun() throws {
        let timetable = try Self.timetable("@daily")
        let now = F.instant("2024-01-10T05:00Z")
        let stale = DataInterval(start: F.instant("2024-01-02T00:00Z"), end: F.instant("2024-01-03T00:00Z"))
        #expect(Self.show(timetable.nextDataInterval(after: stale, earliest: F.instant("2024-01-01T00:00Z"), latest: nil,
                                                     catchup: false, now: now), timetable)
            == "2024-01-09T00:00+00:00 ..< 2024-01-10T00:00+00:00")
        let current = DataInterval(start: F.instant("2024-01-09T00:00Z"), end: F.instant("2024-01-10T00:00Z"))
        #expect(Self.show(timetable.nextDataInterval(after: current, earliest: F.instant("2024-01-01T00:00Z"), latest: nil,
                                                     catchup: false, now: now), timetable)
            == "2024-01-10T00:00+00:00 ..< 2024-01-11T00:00+00:00")
    }

    @Test("without catchup a future start date still wins over the clock")
    func noCatchupFutureStart() throws {
        #expect(Self.sequence(try Self.timetable("@daily"), earliest: "2024-02-01T06:00Z", catchup: false,
                              now: "2024-01-10T05:00Z", count: 1)
            == ["2024-02-02T00:00+00:00 ..< 2024-02-03T00:00+00:00"])
    }

    @Test("the end date admits a run whose logical date equals it and stops after")
    func endDateCutoff() throws {
        let timetable = try Self.timetable("@daily")
        #expect(Self.sequence(timetable, earliest: "2024-01-01T00:00Z", latest: "2024-01-03T00:00Z", count: 10).count == 3)
        #expect(Self.sequence(timetable, earliest: "2024-01-01T00:00Z", latest: "2024-01-03T12:00Z", count: 10).last
            == "2024-01-03T00:00+00:00 ..< 2024-01-04T00:00+00:00")
        #expect(Self.sequence(timetable, earliest: "2024-01-01T00:00Z", latest: "2023-12-31T00:00Z", count: 10).isEmpty)
    }

    @Test("a last run from an older schedule re-aligns backwards, as Airflow does")
    func changedSchedule() throws {
        let timetable = try Self.timetable("@daily")
        let hourlyRun = DataInterval(start: F.instant("2024-01-05T10:00Z"), end: F.instant("2024-01-05T11:00Z"))
        #expect(Self.show(timetable.nextDataInterval(after: hourlyRun, earliest: nil, latest: nil, catchup: true,
                                                     now: F.instant("2024-02-01T00:00Z")), timetable)
            == "2024-01-05T00:00+00:00 ..< 2024-01-06T00:00+00:00")
    }

    @Test("cron intervals stretch and shrink with DST: 23-hour day, hourly through the repeated hour")
    func intervalsAcrossDST() throws {
        let daily = try Self.timetable("@daily", "America/New_York")
        #expect(Self.sequence(daily, earliest: "2024-03-09T00:00-05:00", count: 2) == [
            "2024-03-09T00:00-05:00 ..< 2024-03-10T00:00-05:00",
            "2024-03-10T00:00-05:00 ..< 2024-03-11T00:00-04:00",
        ])
        let hourly = try Self.timetable("@hourly", "America/New_York")
        #expect(Self.sequence(hourly, earliest: "2024-11-03T00:00-04:00", count: 3) == [
            "2024-11-03T00:00-04:00 ..< 2024-11-03T01:00-04:00",
            "2024-11-03T01:00-04:00 ..< 2024-11-03T01:00-05:00",
            "2024-11-03T01:00-05:00 ..< 2024-11-03T02:00-05:00",
        ])
    }

    @Test("fire times are the interval ends, strictly after the given instant")
    func cronFireTimes() throws {
        let timetable = try Self.timetable("@daily")
        #expect(timetable.fireTimes(after: F.instant("2024-01-01T00:00Z"), count: 3)
            == [F.instant("2024-01-02T00:00Z"), F.instant("2024-01-03T00:00Z"), F.instant("2024-01-04T00:00Z")])
        #expect(timetable.fireTimes(after: F.instant("2024-01-01T00:00Z"), count: 0).isEmpty)
    }

    @Test("a manual run covers the latest complete interval before it")
    func manualRunInterval() throws {
        let timetable = try Self.timetable("@daily")
        #expect(Self.show(timetable.manualDataInterval(runAfter: F.instant("2024-01-25T01:00Z")), timetable)
            == "2024-01-24T00:00+00:00 ..< 2024-01-25T00:00+00:00")
        #expect(Self.show(timetable.manualDataInterval(runAfter: F.instant("2024-01-25T00:00Z")), timetable)
            == "2024-01-24T00:00+00:00 ..< 2024-01-25T00:00+00:00")
    }

    @Test("a logical date maps to the scheduled interval containing it")
    func logicalDateInterval() throws {
        let daily = try Self.timetable("@daily")
        #expect(Self.show(daily.dataInterval(forLogicalDate: F.instant("2024-01-05T00:00Z")), daily)
            == "2024-01-05T00:00+00:00 ..< 2024-01-06T00:00+00:00")
        #expect(Self.show(daily.dataInterval(forLogicalDate: F.instant("2024-01-05T10:30Z")), daily)
            == "2024-01-05T00:00+00:00 ..< 2024-01-06T00:00+00:00")
        let hourly = try Self.timetable("@hourly")
        #expect(Self.show(hourly.dataInterval(forLogicalDate: F.instant("2024-01-05T10:30Z")), hourly)
            == "2024-01-05T10:00+00:00 ..< 2024-01-05T11:00+00:00")
    }

    // MARK: @once and manual

    @Test("@once yields one zero-length interval at the start date, catchup or not")
    func once() throws {
        let timetable = try Self.timetable("@once")
        let start = F.instant("2024-01-01T10:30Z")
        for catchup in [true, false] {
            #expect(timetable.nextDataInterval(after: nil, earliest: start, latest: nil, catchup: catchup,
                                               now: F.instant("2025-01-01T00:00Z")) == .exact(start))
        }
        #expect(timetable.nextDataInterval(after: .exact(start), earliest: start, latest: nil, catchup: true, now: start) == nil)
        #expect(timetable.nextDataInterval(after: nil, earliest: start, latest: F.instant("2024-01-01T00:00Z"),
                                           catchup: true, now: start) == nil)
        #expect(timetable.nextDataInterval(after: nil, earliest: nil, latest: nil, catchup: true, now: start) == nil)
        #expect(timetable.fireTimes(after: start, count: 3).isEmpty)
    }

    @Test("a manual DAG is never scheduled and its runs have zero-length intervals")
    func manual() throws {
        let timetable = try Self.timetable(nil)
        let instant = F.instant("2024-01-25T01:00Z")
        #expect(timetable.nextDataInterval(after: nil, earliest: instant, latest: nil, catchup: true, now: instant) == nil)
        #expect(timetable.manualDataInterval(runAfter: instant) == .exact(instant))
        #expect(timetable.dataInterval(forLogicalDate: instant) == .exact(instant))
        #expect(timetable.fireTimes(after: instant, count: 3).isEmpty)
        #expect(try Self.timetable("@once").manualDataInterval(runAfter: instant) == .exact(instant))
    }

    // MARK: @weekdays

    @Test("@weekdays covers each weekday's local day and skips the weekend, across a DST change")
    func weekdaysOverWeekend() throws {
        let timetable = try Self.timetable("@weekdays", "America/New_York")
        #expect(Self.sequence(timetable, earliest: "2024-03-07T00:00-05:00", count: 4) == [
            "2024-03-07T00:00-05:00 ..< 2024-03-08T00:00-05:00",
            "2024-03-08T00:00-05:00 ..< 2024-03-09T00:00-05:00",
            "2024-03-11T00:00-04:00 ..< 2024-03-12T00:00-04:00",
            "2024-03-12T00:00-04:00 ..< 2024-03-13T00:00-04:00",
        ])
    }

    @Test("@weekdays runs are created at midnight after each weekday, so Friday's fires Saturday")
    func weekdaysFireTimes() throws {
        let timetable = try Self.timetable("@weekdays", "America/New_York")
        #expect(timetable.fireTimes(after: F.instant("2024-03-08T10:00-05:00"), count: 3).map { F.local($0, timetable.zone) }
            == ["2024-03-09T00:00-05:00", "2024-03-12T00:00-04:00", "2024-03-13T00:00-04:00"])
    }

    @Test("@weekdays with an unaligned or weekend start date begins at the next weekday")
    func weekdaysUnalignedStart() throws {
        let timetable = try Self.timetable("@weekdays", "America/New_York")
        #expect(Self.sequence(timetable, earliest: "2024-03-09T08:00-05:00", count: 1)
            == ["2024-03-11T00:00-04:00 ..< 2024-03-12T00:00-04:00"])
        #expect(Self.sequence(timetable, earliest: "2024-03-06T10:00-05:00", count: 1)
            == ["2024-03-07T00:00-05:00 ..< 2024-03-08T00:00-05:00"])
    }

    @Test("@weekdays without catchup over a weekend picks Friday until Monday's day is complete")
    func weekdaysNoCatchup() throws {
        let timetable = try Self.timetable("@weekdays", "America/New_York")
        let friday = "2024-03-08T00:00-05:00 ..< 2024-03-09T00:00-05:00"
        for now in ["2024-03-10T12:00-04:00", "2024-03-11T10:00-04:00"] {
            #expect(Self.sequence(timetable, earliest: "2024-01-01T00:00-05:00", catchup: false, now: now, count: 1) == [friday])
        }
        #expect(Self.sequence(timetable, earliest: "2024-01-01T00:00-05:00", catchup: false, now: "2024-03-12T00:00-04:00", count: 1)
            == ["2024-03-11T00:00-04:00 ..< 2024-03-12T00:00-04:00"])
    }

    @Test("@weekdays manual runs and logical dates fall back to the previous weekday")
    func weekdaysManualAndLogical() throws {
        let timetable = try Self.timetable("@weekdays", "America/New_York")
        let friday = "2024-03-08T00:00-05:00 ..< 2024-03-09T00:00-05:00"
        #expect(Self.show(timetable.manualDataInterval(runAfter: F.instant("2024-03-11T09:00-04:00")), timetable) == friday)
        #expect(Self.show(timetable.dataInterval(forLogicalDate: F.instant("2024-03-09T12:00-05:00")), timetable) == friday)
        #expect(Self.show(timetable.dataInterval(forLogicalDate: F.instant("2024-03-11T00:00-04:00")), timetable)
            == "2024-03-11T00:00-04:00 ..< 2024-03-12T00:00-04:00")
    }

    @Test("data intervals encode and decode unchanged")
    func intervalCodable() throws {
        let interval = DataInterval(start: F.instant("2024-01-01T00:00Z"), end: F.instant("2024-01-02T00:00Z"))
        let data = try JSONEncoder().encode(interval)
        #expect(try JSONDecoder().decode(DataInterval.self, from: data) == interval)
    }
}
