import Foundation
#if canImport(Glibc)
import Glibc
#endif
import SluiceCore
import SluiceScheduler

/// Settings of one `sluice worker` process.
public struct WorkerOptions: Sendable {
    /// The API server, e.g. `http://10.0.0.5:8080`.
    public var api: URL
    public var token: String
    public var name: String
    public var queues: [String]
    /// Tries run at once.
    public var concurrency: Int
    /// The `sluice` binary that runs each try (`sluice worker-task`).
    public var executable: String
    /// Where tries' local logs, payloads and results live while they run.
    public var workFolder: String
    /// Longest long poll, in seconds.
    public var fetchWait: Double

    public init(api: URL, token: String, name: String, queues: [String], concurrency: Int, executable: String,
                workFolder: String, fetchWait: Double = 10) {
        self.api = api
        self.token = token
        self.name = name
        self.queues = queues
        self.concurrency = max(1, concurrency)
        self.executable = executable
        self.workFolder = workFolder
        self.fetchWait = fetchWait
    }
}

/// Why the worker could not start or had to stop.
public struct WorkerError: Error, CustomStringConvertible, Sendable {
    public var description: String
}

/// A remote worker: registers with the API server, long-polls for tries of its queues while it
/// has free slots, runs each try in a child process (`sluice worker-task`, so a crashing task
/// cannot take the worker down), heartbeats every running try, uploads logs in chunks and
/// reports the outcome. A 409 on a heartbeat means the try was superseded: it is stopped and not
/// reported. The first `requestStop` drains (no new fetches, running tries finish); the second
/// stops running tries and reports them failed so they are retried.
public final class Worker: @unchecked Sendable {
    let options: WorkerOptions
    let client: WorkerClient
    private let pool: TaskProcessPool
    private let lock = NSLock()
    private var running: [Int64: RunningTry] = [:]
    private var stopRequests = 0
    private let slotFreed = ChangeSignal()
    private var registeredID = ""
    /// The id the server gave at (the latest) registration.
    private var workerID: String {
        get { lock.withLock { registeredID } }
        set { lock.withLock { registeredID = newValue } }
    }
    private var heartbeatInterval = 5.0
    private var heartbeatTimeout = 30.0
    let hostname = ProcessInfo.processInfo.hostName

    /// Progress lines (registration, tries, refusals) for the worker's own output.
    public var say: @Sendable (String) -> Void = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }

    public init(options: WorkerOptions) {
        self.options = options
        self.client = WorkerClient(base: options.api, token: options.token)
        self.pool = TaskProcessPool(executable: options.executable)
    }

    /// Asks the worker to stop: the first time it drains, the second time it stops running tries.
    public func requestStop() {
        let (count, tries) = lock.withLock { () -> (Int, [RunningTry]) in
            stopRequests += 1
            return (stopRequests, Array(running.values))
        }
        if count == 1 {
            say("stopping: no new tries; waiting for \(tries.count) running tr\(tries.count == 1 ? "y" : "ies") to finish (signal again to stop them)")
        } else {
            say("stopping now: ending \(tries.count) running tr\(tries.count == 1 ? "y" : "ies"); they will be reported failed and retried")
            for entry in tries { entry.stop(.workerStopping) }
        }
        slotFreed.notify()
    }

    private var draining: Bool { lock.withLock { stopRequests > 0 } }

    /// Registers, works until stopped, deregisters. Throws when it cannot register.
    public func run() async throws(WorkerError) {
        try FileManager.default.createDirectoryIfNeeded(options.workFolder)
        try await register()
        let beats = Task.detached { [self] in await heartbeatLoop() }
        while !draining {
            let free = options.concurrency - lock.withLock { running.count }
            if free <= 0 {
                let seen = slotFreed.current
                if options.concurrency - lock.withLock({ running.count }) <= 0 { await slotFreed.wait(since: seen, timeout: 1) }
                continue
            }
            await fetch(free: free)
        }
        // Drain: wait for running tries (a second stop request ends them).
        while lock.withLock({ !running.isEmpty }) {
            let seen = slotFreed.current
            if lock.withLock({ running.isEmpty }) { break }
            await slotFreed.wait(since: seen, timeout: 1)
        }
        beats.cancel()
        pool.shutdown()
        _ = await client.send("DELETE", "api/v1/workers/\(workerID)")
        say("worker \(workerID) stopped")
    }

    private func register() async throws(WorkerError) {
        let body = Value.map([
            ("name", .string(options.name)), ("hostname", .string(hostname)),
            ("queues", .list(options.queues.map(Value.string))), ("capacity", .int(Int64(options.concurrency))),
            ("pid", .int(Int64(getpid()))),
        ])
        var delay = 0.5
        for attempt in 1 ... 8 {
            switch await client.send("POST", "api/v1/workers", json: body) {
            case let .success(answer) where answer.ok:
                let json = answer.json
                workerID = json["worker_id"]?.stringValue ?? ""
                heartbeatInterval = min(60, max(0.1, json["heartbeat_interval"]?.doubleValue ?? 5))
                heartbeatTimeout = min(3600, max(1, json["heartbeat_timeout"]?.doubleValue ?? 30))
                say("worker \(workerID) registered with \(options.api.absoluteString): queues \(options.queues.joined(separator: ",")), concurrency \(options.concurrency)")
                return
            case let .success(answer):
                throw WorkerError(description: "the API server refused registration: \(answer.status) \(answer.message)")
            case let .failure(error):
                if attempt == 8 { throw WorkerError(description: "cannot reach the API server at \(options.api.absoluteString): \(error.description)") }
                try? await Task.sleep(nanoseconds: UInt64(delay * 1e9))
                delay = min(delay * 2, 10)
            }
        }
    }

    /// One long poll; starts every try it returns.
    private func fetch(free: Int) async {
        let answer = await client.send("POST", "api/v1/workers/\(workerID)/fetch",
                                        json: .map([("free_slots", .int(Int64(free))), ("wait", .double(options.fetchWait))]),
                                        timeout: options.fetchWait + 30)
        switch answer {
        case let .success(answer) where answer.ok:
            for item in answer.json["workloads"]?.listValue ?? [] { start(item) }
        case let .success(answer):
            say("fetch refused: \(answer.status) \(answer.message)")
            if answer.status == 404 || answer.status == 409 {
                // Declared gone (e.g. after a long pause): register again, keeping running tries.
                try? await register()
            } else {
                try? await Task.sleep(nanoseconds: 1_000_000_000)
            }
        case let .failure(error):
            say("fetch failed: \(error.description); retrying")
            try? await Task.sleep(nanoseconds: 1_000_000_000)
        }
    }

    private func start(_ item: Value) {
        guard let tryID = item["try_id"]?.intValue, let lease = item["lease"]?.stringValue, let workload = item["workload"] else {
            say("ignoring a malformed workload: \(item.jsonText().prefix(200))")
            return
        }
        let entry = RunningTry(tryID: tryID, lease: lease, payload: workload.jsonText(), folder: options.workFolder)
        lock.withLock { running[tryID] = entry }
        let label = "\(workload["dag_id"]?.stringValue ?? "?").\(workload["task_id"]?.stringValue ?? "?") try \(workload["try_number"]?.intValue ?? 0)"
        say("running \(label) (try id \(tryID))")
        Task.detached { [self] in
            await execute(entry, label: label)
            lock.withLock { _ = running.removeValue(forKey: tryID) }
            slotFreed.notify()
        }
    }

    private func execute(_ entry: RunningTry, label: String) async {
        let shipper = LogShipper(client: client, entry: entry)
        let shipping = Task.detached { await shipper.loop() }
        let report = await entry.run(pool: pool)
        shipping.cancel()
        await shipping.value
        await shipper.ship()
        defer { entry.cleanUp() }
        if let why = entry.supersededReason {
            say("\(label): superseded (\(why)); not reported")
            return
        }
        await sendReport(entry, report, label: label)
    }

    /// Reports the outcome, retrying while the server is unreachable; a 409 means a newer try
    /// (or a timeout) already replaced this one.
    private func sendReport(_ entry: RunningTry, _ report: TryReport, label: String) async {
        var body: [(key: String, value: Value)] = [("lease", .string(entry.lease)), ("state", .string(report.state))]
        if let reason = report.reason { body.append(("reason", .string(reason))) }
        if let timedOut = report.timedOut { body.append(("timed_out", .bool(timedOut))) }
        if let value = report.returnValue { body.append(("return_value", value)) }
        var delay = 0.5
        let giveUp = Date().addingTimeInterval(max(120, heartbeatTimeout * 4))
        while true {
            switch await client.send("POST", "api/v1/workloads/\(entry.tryID)/result", json: .map(body)) {
            case let .success(answer) where answer.ok:
                say("\(label): \(report.state)")
                return
            case let .success(answer) where answer.status == 409 || answer.status == 404:
                say("\(label): report refused (\(answer.status)): \(answer.message)")
                return
            case let .success(answer):
                say("\(label): report failed (\(answer.status) \(answer.message)); retrying")
            case let .failure(error):
                say("\(label): report failed (\(error.description)); retrying")
            }
            if Date() > giveUp {
                say("\(label): giving up the report; the scheduler fails the try when its heartbeats stop")
                return
            }
            try? await Task.sleep(nanoseconds: UInt64(delay * 1e9))
            delay = min(delay * 2, 5)
        }
    }

    private func heartbeat(_ entry: RunningTry) async {
        switch await client.send("PUT", "api/v1/workloads/\(entry.tryID)/heartbeat", json: .map([("lease", .string(entry.lease))]),
                                 timeout: max(1, heartbeatTimeout / 2)) {
        case let .success(answer) where answer.ok:
            if answer.json["cancel"]?.boolValue == true { entry.stop(.cancelled) }
        case let .success(answer) where answer.status == 409 || answer.status == 404:
            say("try \(entry.tryID): heartbeat refused (\(answer.status)): \(answer.message); stopping it")
            entry.stop(.superseded(answer.message))
        case .success, .failure:
            // Unreachable or a server error: keep running; the server decides when silence is too long.
            break
        }
    }

    /// Heartbeats the worker and each running try; stops tries the server says are superseded or cancelled.
    private func heartbeatLoop() async {
        while !Task.isCancelled {
            try? await Task.sleep(nanoseconds: UInt64(heartbeatInterval * 1e9))
            if Task.isCancelled { return }
            _ = await client.send("POST", "api/v1/workers/\(workerID)/heartbeat")
            // All tries at once: one slow answer must not delay the others' heartbeats.
            await withTaskGroup(of: Void.self) { group in
                for entry in lock.withLock({ Array(running.values) }) where !entry.isStopping {
                    group.addTask { [self] in await heartbeat(entry) }
                }
            }
        }
    }
}

extension FileManager {
    func createDirectoryIfNeeded(_ path: String) throws(WorkerError) {
        do { try createDirectory(atPath: path, withIntermediateDirectories: true) } catch {
            throw WorkerError(description: "cannot create the work folder \(path): \(error.localizedDescription)")
        }
    }
}
