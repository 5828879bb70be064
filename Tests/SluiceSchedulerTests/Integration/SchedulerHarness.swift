import Foundation
import SluiceCore
import SluiceMetadata
@testable import SluiceScheduler

/// A scheduler on a temporary database with a manual clock, driven pass by pass.
final class SchedulerHarness: @unchecked Sendable {
    let root: String
    let store: MetadataStore
    let clock: ManualClock
    let scheduler: Scheduler
    var dags: [String: DagDefinition] = [:]

    /// `dags` are YAML texts; `now` is where the clock starts.
    /// `remote`: use a remote executor with this heartbeat timeout instead of local threads.
    init(dags yamlTexts: [String], now: Date, parallelism: Int = 8, registry: OperatorRegistry = .builtin,
         remoteHeartbeatTimeout: Double? = nil) throws {
        root = NSTemporaryDirectory() + "sluice-sched-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        store = try MetadataStore(path: root + "/sluice.db")
        clock = ManualClock(now)
        var bag = DagBag()
        for (i, text) in yamlTexts.enumerated() {
            let result = DagFileLoader(registry: registry).load(text: text, file: "dag\(i).yaml")
            guard let dag = result.dag else { throw SchedulerError("test DAG \(i) is invalid: \(result.diagnostics)") }
            bag.dags[dag.dagID] = dag
            dags[dag.dagID] = dag
        }
        try store.syncDags(bag, now: now)
        let store = self.store
        let executor: any Executor
        if let timeout = remoteHeartbeatTimeout {
            executor = RemoteExecutor(store: store, options: RemoteExecutorOptions(parallelism: parallelism, heartbeatTimeout: timeout, pollInterval: 0.02))
        } else {
            executor = LocalExecutor(registry: registry, store: store, parallelism: parallelism)
        }
        scheduler = Scheduler(store: store, executor: executor, registry: registry,
                              options: SchedulerOptions(parallelism: parallelism, logFolder: root + "/logs", idleWait: 0.05),
                              clock: clock)
    }

    deinit { try? FileManager.default.removeItem(atPath: root) }

    func start() async throws { try await scheduler.prepare() }

    /// Steps until `done` holds (or fails after `limit` steps), waiting for events between passes.
    func run(until done: () throws -> Bool, limit: Int = 400) async throws {
        for _ in 0..<limit {
            try await scheduler.step(waitingUpTo: 0.05)
            if try done() { return }
        }
        if try done() { return }
        throw SchedulerError("condition not reached after \(limit) steps; runs: \(try store.runs().map { "\($0.runID)=\($0.state.rawValue)" })")
    }

    /// Steps until no run is queued or running and nothing is in flight.
    func runUntilIdle(limit: Int = 400) async throws {
        try await run(until: {
            try store.runs(states: [.queued, .running]).isEmpty && !scheduler.hasWorkInFlight
                && store.backfills(states: [.running]).isEmpty
        }, limit: limit)
    }

    func stop() async { await scheduler.finish() }

    func trigger(_ dagID: String, at date: Date? = nil, conf: Value = .map([])) throws -> DagRunRow {
        try ManualRuns(store: store).trigger(dag: dags[dagID]!, logicalDate: date, conf: conf, runID: nil, now: clock.now)
    }

    func states(_ run: DagRunRow) throws -> [String: String] {
        Dictionary(uniqueKeysWithValues: try store.taskInstances(runPK: run.id!).map { ($0.taskID, $0.state.rawValue) })
    }

    func refreshed(_ run: DagRunRow) throws -> DagRunRow { try store.run(pk: run.id!)! }

    func log(_ run: DagRunRow, _ task: String, try number: Int = 1) -> String {
        (try? String(contentsOfFile: "\(root)/logs/\(run.dagID)/\(run.runID)/\(task)/try-\(number).log", encoding: .utf8)) ?? ""
    }
}

/// `2024-01-02T00:00:00Z`-style instants for readable tests.
func utc(_ text: String) -> Date {
    DateTimeText.parse(text, zone: TimeZone(identifier: "UTC")!)!
}
