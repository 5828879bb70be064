import Foundation
#if canImport(Glibc)
import Glibc
#endif
import SluiceCore
import SluiceScheduler

/// One try on this worker: its files, its child process and why it was stopped, if it was.
final class RunningTry: @unchecked Sendable {
    /// Why a try was stopped before it ended by itself.
    enum StopReason: Sendable {
        case cancelled
        case superseded(String)
        case workerStopping
    }

    let tryID: Int64
    let lease: String
    let payload: String
    let logPath: String
    private let lock = NSLock()
    private var stopReason: StopReason?
    private var process: TaskProcess?

    init(tryID: Int64, lease: String, payload: String, folder: String) {
        self.tryID = tryID
        self.lease = lease
        self.payload = payload
        logPath = "\(folder)/try-\(tryID).log"
    }

    var isStopping: Bool { lock.withLock { stopReason != nil } }

    /// Set when the server said another try replaced this one: nothing is reported.
    var supersededReason: String? {
        lock.withLock { if case let .superseded(why) = stopReason { return why }; return nil }
    }

    /// Stops the try: its pool process gets SIGTERM (the operator stops what it started, then
    /// the process ends).
    func stop(_ reason: StopReason) {
        // Under the lock: once `run` has taken the process back, a late stop must not reach
        // the next try that process serves.
        lock.withLock {
            if stopReason == nil { stopReason = reason }
            self.process?.stop()
        }
    }

    /// Runs the try in a pool process and returns what to report.
    func run(pool: TaskProcessPool) async -> TryReport {
        let process: TaskProcess
        do { process = try pool.acquire() } catch {
            return TryReport(state: "failed", reason: "cannot start a task process: \(error.message)")
        }
        let stopNow = lock.withLock { () -> Bool in
            self.process = process
            return stopReason != nil
        }
        if stopNow { process.stop() }
        // The task process enforces execution_timeout itself; an operator that ignores
        // cancellation is stopped from here a little later.
        let timeout = (try? Value.parseJSON(payload))?["execution_timeout"]?.doubleValue
        let deadline = timeout.map { seconds in
            DispatchWorkItem { [self] in
                lock.withLock { if self.process === process { process.stop(grace: 5) } }
            }
        }
        if let deadline, let timeout { DispatchQueue.global().asyncAfter(deadline: .now() + Durations.clamped(timeout + 30), execute: deadline) }
        let answer = await process.run(payload: payload, logPath: logPath)
        deadline?.cancel()
        lock.withLock { self.process = nil }
        pool.release(process)
        if let reason = lock.withLock({ stopReason }) {
            switch reason {
            case .cancelled: return TryReport(state: "failed", reason: "stopped on request (the try was cancelled)")
            case let .superseded(why): return TryReport(state: "failed", reason: "superseded: \(why)")
            case .workerStopping: return TryReport(state: "failed", reason: "the worker was stopped before the try finished")
            }
        }
        return answer ?? TryReport(state: "failed", reason: "the task process \(process.pid) died while running the try (crashed or was killed)")
    }

    func cleanUp() {
        unlink(logPath)
    }
}

/// Uploads a try's local log to the server in chunks, from the offset the server has.
final class LogShipper: @unchecked Sendable {
    private let client: WorkerClient
    private let entry: RunningTry
    private let lock = NSLock()
    private var offset = 0
    static let chunkLimit = 256 * 1024

    init(client: WorkerClient, entry: RunningTry) {
        self.client = client
        self.entry = entry
    }

    func loop() async {
        while !Task.isCancelled {
            try? await Task.sleep(nanoseconds: 500_000_000)
            if Task.isCancelled { return }
            await ship()
        }
    }

    /// Sends what the log has beyond the uploaded offset.
    func ship() async {
        while true {
            let start = lock.withLock { offset }
            guard let handle = FileHandle(forReadingAtPath: entry.logPath) else { return }
            try? handle.seek(toOffset: UInt64(start))
            let chunk = ((try? handle.read(upToCount: Self.chunkLimit)) ?? nil) ?? Data()
            try? handle.close()
            guard !chunk.isEmpty else { return }
            let answer = await client.send("POST", "api/v1/workloads/\(entry.tryID)/logs",
                                           query: [("lease", entry.lease), ("offset", String(start))], body: chunk)
            switch answer {
            case let .success(reply) where reply.ok:
                let size = reply.json["size"]?.intValue.map(Int.init) ?? (start + chunk.count)
                lock.withLock { offset = size }
            case let .success(reply) where reply.status == 409:
                // The log on the server is shorter than our offset (it names its size: resend from
                // there), or the try was superseded (no size: stop shipping).
                if let size = reply.json["size"]?.intValue.map(Int.init) {
                    lock.withLock { offset = size }
                    continue
                }
                return
            default:
                return
            }
        }
    }
}
