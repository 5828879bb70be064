import Dispatch
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import SluiceCore
import SluiceScheduler

/// The child side of remote tries (`sluice worker-task --serve`): one process of a worker's pool,
/// running workloads' operators one at a time. It dies with its worker (even one killed by `kill -9`:
/// it watches for being re-parented), and SIGTERM stops the operator and everything it started
/// before the process exits.
public enum WorkerTask {
    /// Serves tries one after another for a worker's process pool: a request per line on stdin
    /// (`{"log": PATH, "payload": WORKLOAD}`), the result as a JSON line on descriptor 3. During a
    /// try, stdout and stderr go to its log. SIGTERM stops the current try (it is answered) and
    /// ends the process; end of input ends it too.
    public static func serve(registry: OperatorRegistry) async -> Int32 {
        let state = ServeState()
        ParentWatch.start { state.terminate() }
        // The results go out on a private descriptor: commands the operators start must not inherit it.
        let results = fcntl(3, F_DUPFD_CLOEXEC, 10)
        guard results >= 0 else { return 2 }
        close(3)
        signal(SIGTERM, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGTERM, queue: .global())
        source.setEventHandler { state.terminate() }
        source.resume()
        defer { source.cancel() }
        let hostname = ProcessInfo.processInfo.hostName
        let devNull = open("/dev/null", O_WRONLY | O_CLOEXEC)
        var input = LineReader(fd: 0)
        while !state.terminating, let line = input.next() {
            let request = (try? Value.parseJSON(String(decoding: line, as: UTF8.self))) ?? .null
            let report: TryReport
            if let logPath = request["log"]?.stringValue, let payloadValue = request["payload"],
               let payload = try? RemoteJSON.decoder().decode(WorkloadPayload.self, from: Data(payloadValue.jsonText().utf8)) {
                let logFD = open(logPath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
                fflush(nil)
                if logFD >= 0 {
                    dup2(logFD, 1)
                    dup2(logFD, 2)
                    close(logFD)
                }
                let workload = payload.workload(logPath: logPath)
                let execution = Task {
                    await TryExecution.run(workload, registry: registry, hostname: hostname, processStarted: { _ in true })
                }
                state.running(execution)
                report = TryReport(await execution.value)
                state.running(nil)
                fflush(nil)
                dup2(devNull, 1)
                dup2(devNull, 2)
            } else {
                report = TryReport(state: "failed", reason: "the worker sent an unreadable request: \(String(decoding: line.prefix(200), as: UTF8.self))")
            }
            guard var data = try? RemoteJSON.encoder().encode(report) else { return 2 }
            data.append(UInt8(ascii: "\n"))
            let sent = data.withUnsafeBytes { raw -> Bool in
                var offset = 0
                while offset < raw.count {
                    let n = Glibc.write(results, raw.baseAddress! + offset, raw.count - offset)
                    if n < 0 { if errno == EINTR { continue }; return false }
                    offset += n
                }
                return true
            }
            if !sent { return 2 }
        }
        return 0
    }
}

/// The serving process's current try and whether SIGTERM arrived.
private final class ServeState: @unchecked Sendable {
    private let lock = NSLock()
    private var current: Task<TryResult, Never>?
    private var stop = false

    var terminating: Bool { lock.withLock { stop } }

    func running(_ task: Task<TryResult, Never>?) { lock.withLock { current = task } }

    func terminate() {
        let task: Task<TryResult, Never>? = lock.withLock {
            stop = true
            return current
        }
        task?.cancel()
        // Idle (blocked reading the next request): nothing to stop, just leave.
        if task == nil { exit(0) }
    }
}

/// Reads newline-terminated lines from a descriptor.
struct LineReader {
    let fd: Int32
    private var buffer: [UInt8] = []

    init(fd: Int32) { self.fd = fd }

    mutating func next() -> [UInt8]? {
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            if let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = Array(buffer[..<newline])
                buffer.removeSubrange(...newline)
                return line
            }
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return nil }
            buffer.append(contentsOf: chunk[..<n])
        }
    }
}

/// Notices that the worker is gone (the process was re-parented) and calls `gone` once. Polling
/// getppid() rather than PR_SET_PDEATHSIG, which fires when the *thread* that spawned the process
/// exits, and the worker spawns from pooled threads that come and go.
enum ParentWatch {
    static func start(_ gone: @escaping @Sendable () -> Void) {
        let parent = getppid()
        if parent == 1 {
            gone()
            return
        }
        Thread.detachNewThread {
            while getppid() == parent { usleep(200_000) }
            gone()
        }
    }
}
