import Foundation
import SluiceCore
import SluiceMetadata
import Testing
@testable import SluiceScheduler

@Suite("backfills and crash recovery")
struct BackfillAndRecoveryTests {
    static let daily = """
    dag_id: bf
    schedule: "@daily"
    start_date: 2024-01-01
    end_date: 2024-01-05
    tasks:
      - id: a
        operator: bash
        with: {command: 'if [ "{{ ds }}" = "{{ params.fail_on }}" ]; then exit 1; fi'}
    params:
      fail_on: {type: string, default: none}
    """

    /// Runs for 01-02 (success) and 01-03 (failed) exist before the backfill over 01-01..01-04.
    func prepared() async throws -> SchedulerHarness {
        let h = try SchedulerHarness(dags: [Self.daily], now: utc("2024-01-01T00:00:00Z"))
        try h.store.setPaused("bf", true)
        _ = try h.trigger("bf", at: utc("2024-01-02"))
        _ = try h.trigger("bf", at: utc("2024-01-03"), conf: .map([("fail_on", .string("2024-01-03"))]))
        try await h.start()
        try await h.runUntilIdle()
        return h
    }

    func backfill(_ h: SchedulerHarness, _ policy: BackfillRow.Reprocess) throws -> BackfillRow {
        try ManualRuns(store: h.store).createBackfill(dag: h.dags["bf"]!, start: utc("2024-01-01"), end: utc("2024-01-04"),
                                                      reprocess: policy, maxActiveRuns: 2, conf: .map([]), now: h.clock.now)
    }

    /// Runs attached to the backfill, by logical date.
    func attached(_ h: SchedulerHarness, _ id: Int64) throws -> [String] {
        try h.store.runs(dagID: "bf").filter { $0.backfillID == id }.map { LocalDateTime($0.logicalDate, in: TimeZone(identifier: "UTC")!).date.description }.sorted()
    }

    @Test("reprocess none runs only the dates without a run")
    func reprocessNone() async throws {
        let h = try await prepared()
        let b = try backfill(h, .none)
        #expect(b.dates.count == 4)
        try await h.runUntilIdle()
        #expect(try attached(h, b.id!) == ["2024-01-01", "2024-01-04"])
        #expect(try h.store.backfill(id: b.id!)?.state == .completed)
        #expect(try h.store.run(dagID: "bf", logicalDate: utc("2024-01-03"))?.state == .failed, "the failed run is left alone")
        await h.stop()
    }

    @Test("reprocess failed also re-runs the failed date (the run keeps its own conf)")
    func reprocessFailed() async throws {
        let h = try await prepared()
        let b = try backfill(h, .failed)
        try await h.runUntilIdle()
        #expect(try attached(h, b.id!) == ["2024-01-01", "2024-01-03", "2024-01-04"])
        let rerun = try #require(try h.store.run(dagID: "bf", logicalDate: utc("2024-01-03")))
        // The re-run keeps the run's own conf, so it fails again: reprocessing is visible in its tries.
        #expect(try h.store.taskInstances(runPK: rerun.id!)[0].tryNumber == 2)
        #expect(try h.store.backfill(id: b.id!)?.state == .completed)
        await h.stop()
    }

    @Test("reprocess all re-runs every finished date")
    func reprocessAll() async throws {
        let h = try await prepared()
        let b = try backfill(h, .all)
        try await h.runUntilIdle()
        #expect(try attached(h, b.id!) == ["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04"])
        #expect(try h.store.taskInstances(runPK: try h.store.run(dagID: "bf", logicalDate: utc("2024-01-02"))!.id!)[0].tryNumber == 2)
        await h.stop()
    }

    @Test("a backfill never has more runs active than its max_active_runs, and a paused one starts none")
    func limitsAndPause() async throws {
        let h = try SchedulerHarness(dags: [Self.daily.replacingOccurrences(of: "with: {command:", with: "with: {command: 'sleep 0.1'} #")],
                                     now: utc("2024-01-01T00:00:00Z"))
        try h.store.setPaused("bf", true)
        let b = try ManualRuns(store: h.store).createBackfill(dag: h.dags["bf"]!, start: utc("2024-01-01"), end: utc("2024-01-05"),
                                                               reprocess: .none, maxActiveRuns: 2, conf: .map([]), now: h.clock.now)
        try h.store.setBackfillState(id: b.id!, .paused)
        try await h.start()
        for _ in 0..<3 { try await h.scheduler.step(waitingUpTo: 0.01) }
        #expect(try h.store.runs(dagID: "bf").isEmpty)
        try h.store.setBackfillState(id: b.id!, .running)
        try await h.run(until: {
            let active = try h.store.runs(dagID: "bf", states: [.queued, .running]).count
            #expect(active <= 2)
            return try h.store.backfill(id: b.id!)?.state == .completed
        }, limit: 2000)
        #expect(try h.store.runs(dagID: "bf", states: [.success]).count == 5)
        await h.stop()
    }

    @Test("dry-run dates follow the schedule and the range is inclusive")
    func backfillDates() throws {
        let dag = DagFileLoader().load(text: Self.daily, file: "bf.yaml").dag!
        let dates = ManualRuns(store: try MetadataStore(path: NSTemporaryDirectory() + "bf-\(UUID().uuidString).db"))
            .backfillIntervals(dag: dag, start: utc("2024-01-02"), end: utc("2024-01-04"))
        #expect(dates.map(\.start) == [utc("2024-01-02"), utc("2024-01-03"), utc("2024-01-04")])
        #expect(dates.map(\.end) == [utc("2024-01-03"), utc("2024-01-04"), utc("2024-01-05")])
    }

    @Test("a try whose process ran on another host is failed and retried, never probed locally")
    func foreignHost() async throws {
        let h = try SchedulerHarness(dags: ["dag_id: fh\ndefault_args: {retries: 1, retry_delay: 0s}\ntasks: [{id: a, operator: bash, with: {command: 'true'}}]\n"],
                                     now: utc("2024-01-01T00:00:00Z"))
        let run = try h.trigger("fh")
        try h.store.registerJob(id: "far", kind: "scheduler", hostname: "far-away", pid: 1, now: utc("2023-12-31T00:00:00Z"))
        try h.store.setRunState(pk: run.id!, .running)
        let ti = try h.store.taskInstances(runPK: run.id!)[0]
        try h.store.transition(runPK: run.id!, [("a", .scheduled)], from: .noState)
        let attempt = try #require(try h.store.claimTry(tiID: ti.id!, jobID: "far", logFolder: h.root + "/logs"))
        try h.store.markTryRunning(tryID: attempt.id!, hostname: "far-away", pid: getpid(), pidStartTicks: nil)
        try await h.start()
        try await h.runUntilIdle()
        let tries = try h.store.tries(tiID: ti.id!)
        #expect(tries.map(\.state) == [.failed, .success])
        #expect(tries.first?.exitReason == "lost with its scheduler on host far-away")
        await h.stop()
    }

    @Test("a try claimed by a dead scheduler but never started is given back without consuming a retry")
    func releaseUnstarted() async throws {
        let h = try SchedulerHarness(dags: ["dag_id: r\ntasks: [{id: a, operator: bash, with: {command: 'true'}}]\n"], now: utc("2024-01-01T00:00:00Z"))
        let run = try h.trigger("r")
        // A scheduler that died right after claiming the try.
        try h.store.registerJob(id: "dead", kind: "scheduler", hostname: "elsewhere", pid: 1, now: utc("2023-12-31T00:00:00Z"))
        try h.store.setRunState(pk: run.id!, .running)
        let ti = try h.store.taskInstances(runPK: run.id!)[0]
        try h.store.transition(runPK: run.id!, [("a", .scheduled)], from: .noState)
        _ = try h.store.claimTry(tiID: ti.id!, jobID: "dead", logFolder: h.root + "/logs")
        try await h.start()
        try await h.runUntilIdle()
        let after = try h.store.taskInstance(id: ti.id!)!
        #expect(after.state == .success)
        #expect(after.tryNumber == 1, "the abandoned claim did not count as a try")
        #expect(try h.store.tries(tiID: ti.id!).count == 1)
        #expect(try h.store.jobs().first { $0.id == "dead" }?.state == "dead")
        await h.stop()
    }

    @Test("a process that outlived its scheduler is adopted and its outcome recorded from its log")
    func adoptOrphan() async throws {
        let h = try SchedulerHarness(dags: ["dag_id: o\ntasks: [{id: a, operator: bash, with: {command: 'true'}}, {id: b, operator: empty, depends_on: [a]}]\n"],
                                     now: utc("2024-01-01T00:00:00Z"))
        let run = try h.trigger("o")
        try h.store.registerJob(id: "gone", kind: "scheduler", hostname: ProcessProbe.hostname, pid: 999_999, now: utc("2023-12-31T00:00:00Z"))
        try h.store.setRunState(pk: run.id!, .running)
        let ti = try h.store.taskInstances(runPK: run.id!).first { $0.taskID == "a" }!
        try h.store.transition(runPK: run.id!, [("a", .scheduled)], from: .noState)
        let attempt = try #require(try h.store.claimTry(tiID: ti.id!, jobID: "gone", logFolder: h.root + "/logs"))
        // The orphan: a process that runs a little longer than the restart, then records exit 0 in its log.
        try FileManager.default.createDirectory(atPath: (attempt.logPath as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let marker = Workload.exitStatusMarker(tryID: attempt.id!)
        let orphan = Process()
        orphan.executableURL = URL(fileURLWithPath: "/bin/bash")
        orphan.arguments = ["-c", "sleep 0.5; echo '\(marker) 0' >> '\(attempt.logPath)'"]
        try orphan.run()
        // The dead scheduler ran on this host (its process is gone), so its orphan can be watched here.
        try h.store.markTryRunning(tryID: attempt.id!, hostname: ProcessProbe.hostname, pid: orphan.processIdentifier,
                                   pidStartTicks: ProcessProbe.startTicks(of: orphan.processIdentifier))
        try await h.start()
        try await h.scheduler.step(waitingUpTo: 0.01)
        #expect(try h.store.taskInstance(id: ti.id!)?.state == .running, "still running: adopted, not failed")
        try await h.runUntilIdle(limit: 1000)
        orphan.waitUntilExit()
        #expect(try h.states(run) == ["a": "success", "b": "success"])
        #expect(try h.store.tries(tiID: ti.id!).count == 1)
        await h.stop()
    }
}
