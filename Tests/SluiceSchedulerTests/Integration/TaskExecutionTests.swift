import Foundation
import SluiceCore
import SluiceMetadata
import Testing
@testable import SluiceScheduler

@Suite("task execution: trigger rules, retries, timeouts, pools, priorities, clear")
struct TaskExecutionTests {
    @Test("every trigger rule resolves as in Airflow against success + failed + skipped upstreams")
    func everyTriggerRule() async throws {
        // The skip lands last on purpose: as in Airflow, all_success becomes skipped instead of
        // upstream_failed when it sees a skip before the failure.
        var yaml = """
        dag_id: rules
        tasks:
          - {id: ok, operator: bash, with: {command: "exit 0"}}
          - {id: bad, operator: bash, with: {command: "exit 1"}}
          - {id: skip, operator: bash, with: {command: "sleep 0.3; exit 99"}}

        """
        for rule in TriggerRule.allCases {
            yaml += "  - {id: \(rule.rawValue), operator: empty, depends_on: [ok, bad, skip], trigger_rule: \(rule.rawValue)}\n"
        }
        let h = try SchedulerHarness(dags: [yaml], now: utc("2024-01-01T00:00:00Z"))
        let run = try h.trigger("rules")
        try await h.start()
        try await h.runUntilIdle()
        #expect(try h.states(run) == [
            "ok": "success", "bad": "failed", "skip": "skipped",
            "all_success": "upstream_failed", "all_failed": "skipped", "all_done": "success",
            "one_success": "success", "one_failed": "success", "one_done": "success",
            "none_failed": "upstream_failed", "none_failed_min_one_success": "upstream_failed",
            "none_skipped": "skipped", "always": "success",
        ])
        // Leaves decide the run: upstream_failed leaves fail it.
        #expect(try h.refreshed(run).state == .failed)
        await h.stop()
    }

    @Test("skips propagate through all_success chains and stop at none_failed_min_one_success joins")
    func skipPropagation() async throws {
        let yaml = """
        dag_id: skips
        tasks:
          - {id: gate, operator: bash, with: {command: "exit 99"}}
          - {id: branch, operator: empty, depends_on: [gate]}
          - {id: after_branch, operator: empty, depends_on: [branch]}
          - {id: other, operator: empty}
          - {id: join, operator: empty, depends_on: [after_branch, other], trigger_rule: none_failed_min_one_success}
        """
        let h = try SchedulerHarness(dags: [yaml], now: utc("2024-01-01T00:00:00Z"))
        let run = try h.trigger("skips")
        try await h.start()
        try await h.runUntilIdle()
        #expect(try h.states(run) == ["gate": "skipped", "branch": "skipped", "after_branch": "skipped", "other": "success", "join": "success"])
        #expect(try h.refreshed(run).state == .success)
        await h.stop()
    }

    @Test("a failing task is retried with exponential backoff on the scheduler's clock, each try with its own log")
    func retriesWithBackoff() async throws {
        let h0 = NSTemporaryDirectory() + "sluice-retry-\(UUID().uuidString)"
        let yaml = """
        dag_id: flaky
        default_args:
          retries: 3
          retry_delay: 10s
          retry_exponential_backoff: true
          max_retry_delay: 15s
        tasks:
          - id: flaky
            operator: bash
            with:
              command: 'n=$(cat \(h0) 2>/dev/null || echo 0); n=$((n+1)); echo $n > \(h0); echo "attempt $n"; [ $n -ge 3 ]'
        """
        let h = try SchedulerHarness(dags: [yaml], now: utc("2024-01-01T00:00:00Z"))
        defer { try? FileManager.default.removeItem(atPath: h0) }
        let run = try h.trigger("flaky")
        try await h.start()
        func ti() throws -> TaskInstanceRow { try h.store.taskInstances(runPK: run.id!)[0] }
        try await h.run(until: { try ti().state == .upForRetry })
        let first = try ti()
        let delay1 = first.nextRetryAt!.timeIntervalSince(first.endDate!)
        #expect(delay1 >= 10 && delay1 < 11, "first retry waits retry_delay plus at most 10% jitter")
        // Nothing happens until the clock reaches the retry time.
        for _ in 0..<5 { try await h.scheduler.step(waitingUpTo: 0.02) }
        #expect(try ti().tryNumber == 1)
        h.clock.advance(by: 11)
        try await h.run(until: { try ti().tryNumber == 2 && ti().state == .upForRetry })
        let second = try ti()
        let delay2 = second.nextRetryAt!.timeIntervalSince(second.endDate!)
        #expect(delay2 == 15, "the doubled delay (20s+) is capped by max_retry_delay")
        h.clock.advance(by: 16)
        try await h.runUntilIdle()
        #expect(try ti().state == .success && ti().tryNumber == 3)
        let tries = try h.store.tries(tiID: try ti().id!)
        #expect(tries.map(\.state) == [.failed, .failed, .success])
        #expect(tries.map(\.exitReason) == ["command exited with status 1", "command exited with status 1", nil])
        #expect(h.log(run, "flaky", try: 1).contains("attempt 1"))
        #expect(h.log(run, "flaky", try: 3).contains("attempt 3"))
        await h.stop()
    }

    @Test("execution_timeout stops the try (and its whole process group) and fails it")
    func timeout() async throws {
        let yaml = """
        dag_id: slow
        tasks:
          - id: sleepy
            operator: bash
            execution_timeout: 1s
            with: {command: "sleep 60 & sleep 60"}
        """
        let h = try SchedulerHarness(dags: [yaml], now: utc("2024-01-01T00:00:00Z"))
        let run = try h.trigger("slow")
        try await h.start()
        let started = Date()
        try await h.runUntilIdle(limit: 2000)
        // Far below the 60 s the command would take; loose enough for a loaded CI machine.
        #expect(Date().timeIntervalSince(started) < 25)
        let ti = try h.store.taskInstances(runPK: run.id!)[0]
        #expect(ti.state == .failed)
        #expect(try h.store.tries(tiID: ti.id!).first?.exitReason?.contains("timed out") == true)
        await h.stop()
    }

    @Test("a pool with one slot runs its tasks one at a time; other tasks are not held back")
    func pools() async throws {
        var yaml = "dag_id: pooled\ntasks:\n"
        for i in 0..<3 { yaml += "  - {id: p\(i), operator: bash, pool: narrow, with: {command: 'sleep 0.2'}}\n" }
        yaml += "  - {id: free, operator: bash, with: {command: 'sleep 0.2'}}\n"
        let h = try SchedulerHarness(dags: [yaml], now: utc("2024-01-01T00:00:00Z"))
        try h.store.setPool("narrow", slots: 1)
        let run = try h.trigger("pooled")
        try await h.start()
        try await h.runUntilIdle(limit: 2000)
        var spans: [(Date, Date)] = []
        for ti in try h.store.taskInstances(runPK: run.id!) where ti.taskID.hasPrefix("p") {
            spans.append((ti.startDate!, ti.endDate!))
        }
        spans.sort { $0.0 < $1.0 }
        for (a, b) in zip(spans, spans.dropFirst()) { #expect(a.1 <= b.0, "pool tasks overlapped") }
        #expect(try h.refreshed(run).state == .success)
        await h.stop()
    }

    @Test("max_active_tasks bounds a DAG's concurrent tries across its runs")
    func maxActiveTasks() async throws {
        var yaml = "dag_id: wide\nmax_active_tasks: 2\ntasks:\n"
        for i in 0..<6 { yaml += "  - {id: t\(i), operator: bash, with: {command: 'sleep 0.1'}}\n" }
        let h = try SchedulerHarness(dags: [yaml], now: utc("2024-01-01T00:00:00Z"))
        let first = try h.trigger("wide", at: utc("2024-01-01"))
        let second = try h.trigger("wide", at: utc("2024-01-02"))
        try await h.start()
        try await h.run(until: {
            #expect(try h.store.slotUsage().byDag["wide", default: 0] <= 2)
            return try h.store.runs(states: [.queued, .running]).isEmpty && !h.scheduler.hasWorkInFlight
        }, limit: 3000)
        #expect(try h.refreshed(first).state == .success && h.refreshed(second).state == .success)
        await h.stop()
    }

    @Test("a task in a pool that does not exist fails with a clear reason")
    func missingPool() async throws {
        let h = try SchedulerHarness(dags: ["dag_id: nopool\ntasks: [{id: a, operator: empty, pool: ghost}]\n"], now: utc("2024-01-01T00:00:00Z"))
        let run = try h.trigger("nopool")
        try await h.start()
        try await h.runUntilIdle()
        let ti = try h.store.taskInstances(runPK: run.id!)[0]
        #expect(ti.state == .failed)
        #expect(try h.store.tries(tiID: ti.id!).first?.exitReason == "pool 'ghost' does not exist (create it with 'sluice pools set')")
        await h.stop()
    }

    @Test("with one slot, higher priority_weight runs first")
    func priority() async throws {
        let yaml = """
        dag_id: prio
        tasks:
          - {id: low, operator: bash, priority_weight: 1, with: {command: "true"}}
          - {id: high, operator: bash, priority_weight: 10, with: {command: "true"}}
          - {id: mid, operator: bash, priority_weight: 5, with: {command: "true"}}
        """
        let h = try SchedulerHarness(dags: [yaml], now: utc("2024-01-01T00:00:00Z"), parallelism: 1)
        let run = try h.trigger("prio")
        try await h.start()
        try await h.runUntilIdle()
        let order = try h.store.taskInstances(runPK: run.id!).sorted { $0.startDate! < $1.startDate! }.map(\.taskID)
        #expect(order == ["high", "mid", "low"])
        await h.stop()
    }

    @Test("clearing a task and its downstream reruns them with new try numbers and logs")
    func clearAndRerun() async throws {
        let yaml = """
        dag_id: clearme
        tasks:
          - {id: a, operator: bash, with: {command: "echo run-a"}}
          - {id: b, operator: bash, depends_on: [a], with: {command: "echo run-b {{ xcom('a') | default('none') }}"}}
          - {id: c, operator: empty}
        """
        let h = try SchedulerHarness(dags: [yaml], now: utc("2024-01-01T00:00:00Z"))
        let run = try h.trigger("clearme")
        try await h.start()
        try await h.runUntilIdle()
        #expect(try h.refreshed(run).state == .success)
        let cleared = try h.store.clear(runPK: run.id!, taskIDs: ["a", "b"], retries: ["a": 0, "b": 0])
        #expect(cleared == ["a", "b"])
        #expect(try h.refreshed(run).state == .queued)
        try await h.runUntilIdle()
        let tis = Dictionary(uniqueKeysWithValues: try h.store.taskInstances(runPK: run.id!).map { ($0.taskID, $0) })
        #expect(tis["a"]?.tryNumber == 2 && tis["b"]?.tryNumber == 2 && tis["c"]?.tryNumber == 1)
        #expect(h.log(run, "b", try: 2).contains("run-b none"))
        #expect(try h.refreshed(run).state == .success)
        await h.stop()
    }

    @Test("a report from a superseded try changes nothing (fencing by try number)")
    func fencing() async throws {
        let h = try SchedulerHarness(dags: ["dag_id: f\ntasks: [{id: a, operator: empty}]\n"], now: utc("2024-01-01T00:00:00Z"))
        let run = try h.trigger("f")
        try await h.start()
        try await h.runUntilIdle()
        let ti = try h.store.taskInstances(runPK: run.id!)[0]
        let firstTry = try h.store.tries(tiID: ti.id!)[0]
        try h.store.clear(runPK: run.id!, taskIDs: ["a"], retries: ["a": 0])
        try await h.runUntilIdle()
        #expect(try h.store.recordTryFinished(tryID: firstTry.id!, outcome: .failed(reason: "late", retryAt: nil)) == nil)
        #expect(try h.store.taskInstances(runPK: run.id!)[0].state == .success)
        await h.stop()
    }

    @Test("a template that fails to render fails the try with the reason in its log")
    func renderFailure() async throws {
        let yaml = "dag_id: r\ntasks: [{id: a, operator: bash, with: {command: \"echo {{ conf.missing }}\"}}]\n"
        let h = try SchedulerHarness(dags: [yaml], now: utc("2024-01-01T00:00:00Z"))
        let run = try h.trigger("r")
        try await h.start()
        try await h.runUntilIdle()
        #expect(try h.states(run)["a"] == "failed")
        #expect(h.log(run, "a").contains("cannot start: argument 'command'"))
        await h.stop()
    }
}
