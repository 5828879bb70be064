import Foundation
import SluiceCore
import SluiceMetadata

/// Settings of the remote executor.
public struct RemoteExecutorOptions: Sendable {
    /// Most tries handed out and not yet finished.
    public var parallelism: Int
    /// A leased try whose worker has not heartbeated for this long is failed (and retried per its policy).
    public var heartbeatTimeout: Double
    /// Longest wait between two looks at the database for reports.
    public var pollInterval: Double

    public init(parallelism: Int, heartbeatTimeout: Double = 30, pollInterval: Double = 0.05) {
        self.parallelism = max(1, parallelism)
        self.heartbeatTimeout = heartbeatTimeout
        self.pollInterval = pollInterval
    }
}

/// Runs tries on `sluice worker` processes: each submitted try becomes a workload row in the
/// metadata database; workers lease workloads through the API server, heartbeat them and report
/// how they ended; this executor turns reports into events, fails tries whose heartbeats stopped,
/// and withdraws workloads whose try was superseded (cleared, marked, retried). Leases fence
/// everything a worker says: a superseded try's heartbeat or report is refused.
public final class RemoteExecutor: Executor, @unchecked Sendable {
    public let events: AsyncStream<ExecutorEvent>
    private let continuation: AsyncStream<ExecutorEvent>.Continuation
    private let store: MetadataStore
    private let options: RemoteExecutorOptions
    /// Notified when work is queued (long-polling fetches in the same process wake on it).
    public let workQueued: ChangeSignal
    /// Notified by the API server when a report is stored (the executor wakes on it).
    public let reportsArrived: ChangeSignal
    private let lock = NSLock()
    private var outstanding: Set<Int64> = []
    private var accepting = true
    private var watcher: Task<Void, Never>?
    private var stopping = false

    public init(store: MetadataStore, options: RemoteExecutorOptions, workQueued: ChangeSignal = ChangeSignal(),
                reportsArrived: ChangeSignal = ChangeSignal()) {
        (events, continuation) = AsyncStream.makeStream(of: ExecutorEvent.self)
        self.store = store
        self.options = options
        self.workQueued = workQueued
        self.reportsArrived = reportsArrived
    }

    public var triesOutliveScheduler: Bool { true }

    public var freeSlots: Int { lock.withLock { accepting ? max(0, options.parallelism - outstanding.count) : 0 } }

    /// Adopts the workloads a previous scheduler left (their reports are recorded as they come)
    /// and starts watching for reports and silent workers.
    public func start() async throws {
        let left = try store.workloads(states: [.queued, .running, .reported])
        lock.withLock { outstanding.formUnion(left.map(\.tryID)) }
        // Outcomes a previous scheduler took but did not record (it stopped in between).
        let decoder = RemoteJSON.decoder()
        for workload in try store.unrecordedWorkloads() {
            let result: TryResult
            if workload.state == .lost {
                result = .failed("worker \(workload.workerID ?? "?") stopped heartbeating", timedOut: false)
            } else {
                result = (try? decoder.decode(TryReport.self, from: Data((workload.result ?? "{}").utf8)))?.result
                    ?? .failed("the worker's report could not be read", timedOut: false)
            }
            continuation.yield(.finished(tryID: workload.tryID, result: result, startedAt: workload.startedAt, at: Date()))
        }
        watcher = Task.detached { [self] in await watch() }
    }

    public func submit(_ workload: Workload) {
        let payload = (try? RemoteJSON.encoder().encode(WorkloadPayload(workload))).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        do {
            try store.enqueueWorkload(tryID: workload.tryID, queue: workload.queue, priority: workload.priority, payload: payload)
        } catch {
            continuation.yield(.finished(tryID: workload.tryID, result: .failed("cannot queue for remote workers: \(error.message)", timedOut: false),
                                         startedAt: nil, at: Date()))
            return
        }
        lock.withLock { _ = outstanding.insert(workload.tryID) }
        workQueued.notify()
    }

    /// Withdraws a queued try, or asks the worker running it to stop (at its next heartbeat).
    public func cancel(tryID: Int64) {
        _ = try? store.cancelWorkload(tryID: tryID)
    }

    /// Stops watching. Tries on workers go on either way (the scheduler waits for its own before
    /// calling this when stopping gracefully); later reports wait in the database for the next
    /// scheduler, which adopts them.
    public func shutdown(graceful: Bool) async {
        lock.withLock {
            accepting = false
            stopping = true
        }
        reportsArrived.notify()
        await watcher?.value
        continuation.finish()
    }

    private var isStopping: Bool { lock.withLock { stopping } }

    private func watch() async {
        var lastSweep = Date.distantPast
        let sweepEvery = min(0.5, max(0.05, options.heartbeatTimeout / 4))
        while !isStopping {
            let seen = reportsArrived.current
            collectReports()
            if Date().timeIntervalSince(lastSweep) >= sweepEvery {
                lastSweep = Date()
                sweep()
            }
            await reportsArrived.wait(since: seen, timeout: options.pollInterval)
        }
        collectReports()
    }

    /// Turns stored reports into `finished` events.
    private func collectReports() {
        guard let reports = try? store.collectReportedWorkloads(), !reports.isEmpty else { return }
        let decoder = RemoteJSON.decoder()
        for report in reports {
            let parsed = try? decoder.decode(TryReport.self, from: Data(report.result.utf8))
            let result = parsed?.result ?? .failed("the worker's report could not be read: \(report.result.prefix(200))", timedOut: false)
            lock.withLock { _ = outstanding.remove(report.tryID) }
            continuation.yield(.finished(tryID: report.tryID, result: result, startedAt: report.startedAt, at: Date()))
        }
    }

    /// Fails tries whose workers went silent; withdraws workloads whose try is no longer current.
    private func sweep() {
        let now = Date()
        if let lost = try? store.expireWorkloads(heartbeatBefore: now.addingTimeInterval(-options.heartbeatTimeout), now: now) {
            for workload in lost {
                let silent = workload.heartbeatAt.map { DurationText.format(now.timeIntervalSince($0)) } ?? "ever"
                let reason = "worker \(workload.workerID ?? "?") stopped heartbeating (silent for \(silent), timeout \(DurationText.format(options.heartbeatTimeout)))"
                lock.withLock { _ = outstanding.remove(workload.tryID) }
                continuation.yield(.finished(tryID: workload.tryID, result: .failed(reason, timedOut: false), startedAt: workload.startedAt, at: now))
            }
        }
        _ = try? store.cancelStaleWorkloads(now: now)
        // Withdrawn workloads (cancelled, or their try superseded) end here; recording them is
        // fenced, so a superseded try changes nothing.
        let cancelled = ((try? store.cancelledWorkloads(since: now.addingTimeInterval(-60))) ?? []).filter { workload in
            lock.withLock { outstanding.remove(workload.tryID) != nil }
        }
        for workload in cancelled {
            continuation.yield(.finished(tryID: workload.tryID, result: .failed("withdrawn from the remote workers (cancelled or superseded)", timedOut: false),
                                         startedAt: workload.startedAt, at: now))
        }
        // Workloads gone from the table (their unstarted try released by crash recovery) free
        // their slots. Only ids counted before the read: a submit racing with it is not lost.
        let counted = lock.withLock { outstanding }
        if let present = try? store.existingWorkloads(counted) {
            let gone = counted.subtracting(present)
            if !gone.isEmpty { lock.withLock { outstanding.subtract(gone) } }
        }
    }
}
