import Foundation
import SluiceCore
import SluiceMetadata
import Testing
@testable import SluiceScheduler

/// The remote executor against the store's side of the worker protocol (what the API server
/// calls for workers): queues, leases, reports, heartbeat timeouts and fencing.
@Suite("Remote executor: workloads, leases and fencing")
struct RemoteExecutorTests {
    static let dag = """
    dag_id: routed
    schedule: null
    tasks:
      - id: cpu
        operator: bash
        with: {command: "true"}
      - id: gpu
        operator: bash
        queue: gpu
        retries: 1
        retry_delay: 0s
        with: {command: "true"}
    """

    /// Steps the scheduler until `condition` holds.
    func drive(_ h: SchedulerHarness, _ what: String, _ condition: () throws -> Bool) async throws {
        for _ in 0 ..< 200 {
            try await h.scheduler.step(waitingUpTo: 0.02)
            if try condition() { return }
        }
        Issue.record("not reached: \(what)")
    }

    @Test("tries reach only workers of their queue; a report with the lease is recorded, one without it is refused")
    func queuesAndReports() async throws {
        let h = try SchedulerHarness(dags: [Self.dag], now: utc("2024-03-01T00:00:00Z"), remoteHeartbeatTimeout: 30)
        try await h.start()
        let run = try h.trigger("routed")
        try await drive(h, "both tries queued for workers") { try h.store.workloads(states: [.queued]).count == 2 }
        // A worker of the default queue gets only the cpu task.
        let leasedCPU = try h.store.leaseWorkloads(workerID: "worker-a", hostname: "a", queues: ["default"], limit: 8)
        #expect(leasedCPU.count == 1)
        #expect(leasedCPU.first?.payload.contains("\"task_id\":\"cpu\"") == true)
        #expect(try h.store.leaseWorkloads(workerID: "worker-a", hostname: "a", queues: ["default"], limit: 8).isEmpty)
        let leasedGPU = try h.store.leaseWorkloads(workerID: "worker-g", hostname: "g", queues: ["gpu", "highmem"], limit: 8)
        #expect(leasedGPU.count == 1 && leasedGPU.first?.payload.contains("\"task_id\":\"gpu\"") == true)
        #expect(try h.states(run) == ["cpu": "running", "gpu": "running"])
        // Leases fence: a wrong lease is refused, the right one recorded.
        let cpu = leasedCPU[0]
        #expect(try h.store.heartbeatWorkload(tryID: cpu.tryID, lease: "forged") != .current(cancel: false))
        #expect(try h.store.heartbeatWorkload(tryID: cpu.tryID, lease: cpu.lease) == .current(cancel: false))
        let report = String(decoding: try RemoteJSON.encoder().encode(TryReport(state: "success", returnValue: .int(42))), as: UTF8.self)
        #expect(try h.store.reportWorkload(tryID: cpu.tryID, lease: "forged", result: report) != .current(cancel: false))
        #expect(try h.store.reportWorkload(tryID: cpu.tryID, lease: cpu.lease, result: report) == .current(cancel: false))
        // A second report of the same try is refused: it has reported.
        if case let .superseded(why) = try h.store.reportWorkload(tryID: cpu.tryID, lease: cpu.lease, result: report) {
            #expect(why.contains("already reported"))
        } else {
            Issue.record("a second report was accepted")
        }
        try await drive(h, "the cpu report recorded") { try h.states(run)["cpu"] == "success" }
        #expect(try h.store.xcom(runPK: run.id!, taskID: "cpu") == .int(42))
        await h.stop()
    }

    @Test("a leased try whose heartbeats stop is failed and retried; the old lease is then refused everywhere")
    func heartbeatTimeout() async throws {
        let h = try SchedulerHarness(dags: [Self.dag], now: utc("2024-03-01T00:00:00Z"), remoteHeartbeatTimeout: 0.3)
        try await h.start()
        let run = try h.trigger("routed")
        try await drive(h, "the gpu try queued") { try h.store.workloads(states: [.queued]).contains { $0.queue == "gpu" } }
        let first = try h.store.leaseWorkloads(workerID: "worker-g", hostname: "g", queues: ["gpu"], limit: 1)[0]
        // Silence past the timeout: failed, retried as try 2 with a new workload.
        try await drive(h, "the retry queued") {
            try h.store.workloads(states: [.queued]).contains { $0.queue == "gpu" && $0.tryID != first.tryID }
        }
        let tries = try h.store.tries(tiID: try h.store.taskInstances(runPK: run.id!).first { $0.taskID == "gpu" }!.id!)
        #expect(tries.map(\.state) == [.failed, .queued])
        #expect(tries.first?.exitReason?.contains("stopped heartbeating") == true, "\(tries.first?.exitReason ?? "")")
        for check in [try h.store.heartbeatWorkload(tryID: first.tryID, lease: first.lease),
                      try h.store.reportWorkload(tryID: first.tryID, lease: first.lease, result: "{\"state\":\"success\"}"),
                      try h.store.pushXCom(tryID: first.tryID, lease: first.lease, key: "k", value: .int(1))] {
            guard case let .superseded(why) = check else {
                Issue.record("the lost try's lease still holds: \(check)")
                continue
            }
            #expect(why.contains("stopped heartbeating"))
        }
        // The retry runs normally on another worker.
        let second = try h.store.leaseWorkloads(workerID: "worker-h", hostname: "h", queues: ["gpu"], limit: 1)[0]
        #expect(second.payload.contains("\"try_number\":2"))
        let report = String(decoding: try RemoteJSON.encoder().encode(TryReport(state: "success")), as: UTF8.self)
        #expect(try h.store.reportWorkload(tryID: second.tryID, lease: second.lease, result: report) == .current(cancel: false))
        try await drive(h, "the retry recorded") { try h.states(run)["gpu"] == "success" }
        await h.stop()
    }

    @Test("cancelling a leased try tells its worker at the next heartbeat; cancelling a queued one withdraws it")
    func cancellation() async throws {
        let h = try SchedulerHarness(dags: [Self.dag], now: utc("2024-03-01T00:00:00Z"), remoteHeartbeatTimeout: 30)
        try await h.start()
        let run = try h.trigger("routed")
        try await drive(h, "both tries queued") { try h.store.workloads(states: [.queued]).count == 2 }
        let leased = try h.store.leaseWorkloads(workerID: "worker-a", hostname: "a", queues: ["default"], limit: 1)[0]
        h.scheduler.executor.cancel(tryID: leased.tryID)
        #expect(try h.store.heartbeatWorkload(tryID: leased.tryID, lease: leased.lease) == .current(cancel: true))
        let queued = try h.store.workloads(states: [.queued])[0]
        h.scheduler.executor.cancel(tryID: queued.tryID)
        // Withdrawn before any worker took it: the try fails (and is retried per its policy).
        try await drive(h, "the withdrawn try recorded") { try h.states(run)["gpu"] == "up_for_retry" }
        #expect(try h.store.leaseWorkloads(workerID: "worker-g", hostname: "g", queues: ["gpu"], limit: 1).isEmpty)
        await h.stop()
    }
}
