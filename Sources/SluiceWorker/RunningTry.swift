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
    let payloadPath: String
    let logPath: String
    let resultPath: String
    private let lock = NSLock()
    private var stopReason: StopReason?
    private var child: Task<Result<ChildProcessOutcome, TaskFailure>, Never>?

    init(tryID: Int64, lease: String, payload: String, folder: String) {
        self.tryID = tryID
        self.lease = lease
        self.payload = payload
        payloadPath = "\(folder)/try-\(tryID).json"
        logPath = "\(folder)/try-\(tryID).log"
        resultPath = "\(folder)/try-\(tryID).result.json"
    }

    var isStopping: Bool { lock.withLock { stopReason != nil } }

    /// Set when the server said another try replaced this one: nothing is reported.
    var supersededReason: String? {
        lock.withLock { if case let .superseded(why) = stopReason { return why }; return nil }
    }

    /// Stops the child (SIGTERM to its group; it stops what it started, then exits).
    func stop(_ reason: StopReason) {
        let task: Task<Result<ChildProcessOutcome, TaskFailure>, Never>? = lock.withLock {
            if stopReason == nil { stopReason = reason }
            return child
        }
        task?.cancel()
    }

    /// Runs `executable worker-task` on the payload and returns what to report.
    func run(executable: String) async -> TryReport {
        do {
            try Data(payload.utf8).write(to: URL(fileURLWithPath: payloadPath))
        } catch {
            return TryReport(state: "failed", reason: "the worker cannot write \(payloadPath): \(error.localizedDescription)")
        }
        let log: TaskLogFile
        do { log = try TaskLogFile(path: logPath) } catch {
            return TryReport(state: "failed", reason: error.message)
        }
        let spec = ChildProcessSpec(executable: executable,
                                    arguments: ["worker-task", "--payload", payloadPath, "--log", logPath, "--result", resultPath],
                                    environment: ProcessInfo.processInfo.environment, killGrace: 10)
        let task: Task<Result<ChildProcessOutcome, TaskFailure>, Never> = Task.detached {
            do { return .success(try await ChildProcess.run(spec, log: log)) } catch { return .failure(error as? TaskFailure ?? TaskFailure("\(error)")) }
        }
        let stopNow = lock.withLock { () -> Bool in
            child = task
            return stopReason != nil
        }
        if stopNow { task.cancel() }
        let outcome = await task.value
        if let reason = lock.withLock({ stopReason }) {
            switch reason {
            case .cancelled: return TryReport(state: "failed", reason: "stopped on request (the try was cancelled)")
            case let .superseded(why): return TryReport(state: "failed", reason: "superseded: \(why)")
            case .workerStopping: return TryReport(state: "failed", reason: "the worker was stopped before the try finished")
            }
        }
        if let data = FileManager.default.contents(atPath: resultPath),
           let report = try? RemoteJSON.decoder().decode(TryReport.self, from: data) {
            return report
        }
        switch outcome {
        case let .failure(error):
            return TryReport(state: "failed", reason: "cannot start the task process: \(error.message)")
        case let .success(ended):
            if let signal = ended.signal { return TryReport(state: "failed", reason: "the task process was killed by signal \(signal)") }
            return TryReport(state: "failed", reason: "the task process exited with status \(ended.exitCode ?? -1) without a result")
        }
    }

    func cleanUp() {
        for path in [payloadPath, logPath, resultPath] { unlink(path) }
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
                // The server has a different length (a resend after a lost answer) or the try is superseded.
                if let size = reply.message.split(separator: " ").last.flatMap({ Int($0) }) {
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
