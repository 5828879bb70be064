import Foundation
import SluiceCore
import SluiceMetadata

/// Runs tries on a bounded number of concurrent tasks inside the scheduler process. Operators
/// that start processes (bash, plugins) run them in their own process groups with output
/// straight to the try's log file; their pids are recorded before they may start working, so a
/// restarted scheduler can adopt them.
public final class LocalExecutor: Executor, @unchecked Sendable {
    public let events: AsyncStream<ExecutorEvent>
    private let continuation: AsyncStream<ExecutorEvent>.Continuation
    private let registry: OperatorRegistry
    private let store: MetadataStore
    private let parallelism: Int
    private let hostname = ProcessProbe.hostname
    private let lock = NSLock()
    private var running: [Int64: Task<Void, Never>] = [:]
    private var accepting = true

    public init(registry: OperatorRegistry, store: MetadataStore, parallelism: Int) {
        (events, continuation) = AsyncStream.makeStream(of: ExecutorEvent.self)
        self.registry = registry
        self.store = store
        self.parallelism = max(1, parallelism)
    }

    public var freeSlots: Int { lock.withLock { accepting ? parallelism - running.count : 0 } }

    public func start() async throws {}

    public func submit(_ workload: Workload) {
        lock.withLock {
            let task = Task.detached { [self] in await execute(workload) }
            running[workload.tryID] = task
        }
    }

    public func cancel(tryID: Int64) {
        lock.withLock { running[tryID] }?.cancel()
    }

    public func shutdown(graceful: Bool) async {
        let tasks = lock.withLock { () -> [Task<Void, Never>] in
            accepting = false
            return Array(running.values)
        }
        if !graceful { for task in tasks { task.cancel() } }
        for task in tasks { await task.value }
        continuation.finish()
    }

    private func execute(_ workload: Workload) async {
        let startedAt = Date()
        let result = await runTry(workload, startedAt: startedAt)
        lock.withLock { _ = running.removeValue(forKey: workload.tryID) }
        continuation.yield(.finished(tryID: workload.tryID, result: result, startedAt: startedAt, at: Date()))
    }

    private func runTry(_ workload: Workload, startedAt: Date) async -> TryResult {
        let store = self.store, hostname = self.hostname, tryID = workload.tryID, continuation = self.continuation
        return await TryExecution.run(workload, registry: registry, hostname: hostname, onStart: { descriptor in
            if !descriptor.runsChildProcess {
                _ = try? store.markTryRunning(tryID: tryID, hostname: hostname, pid: nil, pidStartTicks: nil, now: startedAt)
            }
            // Process-based tries are marked running by `processStarted`, with their pid, before the
            // child may start working; until then a crash leaves them queued, i.e. never started.
            continuation.yield(.started(tryID: tryID, at: startedAt))
        }, processStarted: { pid in
            // Only a try that is still current, with its pid on record, may start working.
            (try? store.markTryRunning(tryID: tryID, hostname: hostname, pid: pid,
                                       pidStartTicks: ProcessProbe.startTicks(of: pid))) ?? false
        })
    }

    /// Runs `body`, cancelling it when `seconds` pass; a timeout reads as a timed-out failure.
    ///
    /// The deadline is a Dispatch timer, not a `Task.sleep`: when the cooperative pool is busy
    /// (in-process operators computing, many tries at once) a sleeping task would wake late, and a
    /// timeout must stop the try on time. Cancelling the body runs its cancellation handlers at
    /// once on the timer's thread (a child process group is signalled from there).
    static func withTimeout(_ seconds: Double?, _ body: @escaping @Sendable () async throws -> TaskResult) async -> Result<TaskResult, any Error> {
        guard let seconds else {
            do { return .success(try await body()) } catch { return .failure(error) }
        }
        let task = Task { try await body() }
        let expired = TimeoutFlag()
        let timer = DispatchWorkItem {
            expired.set()
            task.cancel()
        }
        DispatchQueue.global().asyncAfter(deadline: .now() + Durations.clamped(seconds), execute: timer)
        let result = await withTaskCancellationHandler {
            await task.result
        } onCancel: {
            task.cancel()
        }
        timer.cancel()
        if expired.isSet {
            return .failure(TaskFailure("timed out after \(DurationText.format(seconds)) (execution_timeout)", timedOut: true))
        }
        switch result {
        case .success(let value): return .success(value)
        case .failure(let error): return .failure(error)
        }
    }
}

/// Set once by a timeout timer, read by the waiting task.
final class TimeoutFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false

    func set() { lock.withLock { value = true } }
    var isSet: Bool { lock.withLock { value } }
}
