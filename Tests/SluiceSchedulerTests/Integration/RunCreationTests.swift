import Foundation
import SluiceCore
import SluiceMetadata
import Testing
@testable import SluiceScheduler

@Suite("run creation: catchup, end_date, pause, max_active_runs")
struct RunCreationTests {
    func daily(_ extra: String = "") -> String {
        """
        dag_id: daily
        schedule: "@daily"
        start_date: 2024-01-01
        \(extra)
        tasks:
          - id: a
            operator: empty
        """
    }

    @Test("catchup creates a run for every missed interval, each at its interval's end")
    func catchupOn() async throws {
        let h = try SchedulerHarness(dags: [daily("catchup: true")], now: utc("2024-01-05T12:00:00Z"))
        try await h.start()
        try await h.runUntilIdle()
        let runs = try h.store.runs(dagID: "daily").reversed().map { ($0.runID, $0.state, $0.dataIntervalEnd) }
        #expect(runs.map(\.0) == ["scheduled__2024-01-01T00:00:00Z", "scheduled__2024-01-02T00:00:00Z",
                                  "scheduled__2024-01-03T00:00:00Z", "scheduled__2024-01-04T00:00:00Z"])
        #expect(runs.allSatisfy { $0.1 == .success })
        #expect(runs.last?.2 == utc("2024-01-05"))
        // The clock moves past the next interval's end: exactly one more run appears.
        h.clock.set(utc("2024-01-06T00:00:01Z"))
        try await h.runUntilIdle()
        #expect(try h.store.runs(dagID: "daily").count == 5)
        await h.stop()
    }

    @Test("without catchup only the latest complete interval runs")
    func catchupOff() async throws {
        let h = try SchedulerHarness(dags: [daily("catchup: false")], now: utc("2024-01-05T12:00:00Z"))
        try await h.start()
        try await h.runUntilIdle()
        #expect(try h.store.runs(dagID: "daily").map(\.runID) == ["scheduled__2024-01-04T00:00:00Z"])
        await h.stop()
    }

    @Test("end_date stops run creation after its logical date")
    func endDate() async throws {
        let h = try SchedulerHarness(dags: [daily("catchup: true\nend_date: 2024-01-02")], now: utc("2024-01-10T00:00:00Z"))
        try await h.start()
        try await h.runUntilIdle()
        #expect(try h.store.runs(dagID: "daily").count == 2)
        await h.stop()
    }

    @Test("a paused DAG creates nothing; unpausing catches up")
    func pause() async throws {
        let h = try SchedulerHarness(dags: [daily("catchup: true")], now: utc("2024-01-03T12:00:00Z"))
        try h.store.setPaused("daily", true)
        try await h.start()
        for _ in 0..<5 { try await h.scheduler.step(waitingUpTo: 0.01) }
        #expect(try h.store.runs(dagID: "daily").isEmpty)
        try h.store.setPaused("daily", false)
        try await h.runUntilIdle()
        #expect(try h.store.runs(dagID: "daily").count == 2)
        await h.stop()
    }

    @Test("max_active_runs bounds how many runs are active at once")
    func maxActiveRuns() async throws {
        let dag = """
        dag_id: slow
        schedule: "@daily"
        start_date: 2024-01-01
        catchup: true
        max_active_runs: 2
        tasks:
          - id: wait
            operator: bash
            with: {command: "sleep 0.2"}
        """
        let h = try SchedulerHarness(dags: [dag], now: utc("2024-01-07T00:00:00Z"))
        try await h.start()
        var peak = 0
        try await h.run(until: {
            let active = try h.store.runs(dagID: "slow", states: [.queued, .running]).count
            let running = try h.store.runs(dagID: "slow", states: [.running]).count
            peak = max(peak, running)
            #expect(active <= 2)
            return try h.store.runs(dagID: "slow", states: [.success]).count == 6
        }, limit: 2000)
        #expect(peak == 2)
        await h.stop()
    }

    @Test("@once runs exactly once")
    func once() async throws {
        let dag = "dag_id: one\nschedule: \"@once\"\nstart_date: 2024-01-01\ntasks: [{id: a, operator: empty}]\n"
        let h = try SchedulerHarness(dags: [dag], now: utc("2024-02-01T00:00:00Z"))
        try await h.start()
        try await h.runUntilIdle()
        h.clock.set(utc("2024-03-01T00:00:00Z"))
        for _ in 0..<3 { try await h.scheduler.step(waitingUpTo: 0.01) }
        #expect(try h.store.runs(dagID: "one").count == 1)
        await h.stop()
    }

    @Test("a manual trigger validates conf against params and renders it into templates")
    func manualTrigger() async throws {
        let dag = """
        dag_id: manual
        params:
          n: {type: int, default: 1, min: 1, max: 10}
        tasks:
          - id: show
            operator: bash
            with:
              command: echo "n={{ params.n }} who={{ conf.who | default('nobody') }} ds={{ ds }}"
        """
        let h = try SchedulerHarness(dags: [dag], now: utc("2024-05-01T10:00:00Z"))
        #expect(throws: SchedulerError.self) { try h.trigger("manual", conf: .map([("n", .int(11))])) }
        #expect(throws: SchedulerError.self) { try h.trigger("manual", conf: .list([])) }
        let run = try h.trigger("manual", at: utc("2024-04-30"), conf: .map([("n", .int(7)), ("who", .string("ana"))]))
        try await h.start()
        try await h.runUntilIdle()
        #expect(try h.refreshed(run).state == .success)
        #expect(h.log(run, "show").contains("n=7 who=ana ds=2024-04-30\n"))
        await h.stop()
    }
}
