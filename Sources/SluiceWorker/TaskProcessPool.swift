import CSluiceSystem
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import SluiceCore
import SluiceScheduler

/// Long-lived child processes (`sluice worker-task --serve`) that run one try at a time, like a
/// prefork pool: starting a process per try would cost more than a short try itself. A crash
/// takes down only its process (the try fails, a new process replaces it); a try that must stop
/// (cancelled, superseded, worker stopping) is stopped by ending its process. Each process runs
/// at most `triesPerProcess` tries, so leaks in operators cannot accumulate.
final class TaskProcessPool: @unchecked Sendable {
    private let executable: String
    private let triesPerProcess: Int
    private let lock = NSLock()
    private var idle: [TaskProcess] = []

    init(executable: String, triesPerProcess: Int = 500) {
        self.executable = executable
        self.triesPerProcess = triesPerProcess
    }

    /// An idle process, or a new one.
    func acquire() throws(TaskFailure) -> TaskProcess {
        while let process = lock.withLock({ idle.popLast() }) {
            if process.isUsable && process.isAlive { return process }
            process.end()
        }
        return try TaskProcess.spawn(executable: executable)
    }

    /// Returns a process after a try; one that ran its share, died or was stopped is ended instead.
    func release(_ process: TaskProcess) {
        guard process.isUsable, process.triesRun < triesPerProcess else {
            process.end()
            return
        }
        lock.withLock { idle.append(process) }
    }

    /// Ends every idle process (running ones end when their try does).
    func shutdown() {
        for process in lock.withLock({ defer { idle.removeAll() }; return idle }) { process.end() }
    }
}

/// One pool process: requests go to its stdin as JSON lines, results come back on its fd 3.
final class TaskProcess: @unchecked Sendable {
    let pid: pid_t
    private let requests: Int32
    private let results: Int32
    private let lock = NSLock()
    private var broken = false
    private var ended = false
    private var reaped = false
    private(set) var triesRun = 0
    private var lines: LineReader

    private init(pid: pid_t, requests: Int32, results: Int32) {
        self.pid = pid
        self.requests = requests
        self.results = results
        lines = LineReader(fd: results)
    }

    var isUsable: Bool { lock.withLock { !broken && !ended } }

    /// False once the process has exited (an idle process can die too: killed, out of memory).
    var isAlive: Bool {
        var status: Int32 = 0
        let done = waitpid(pid, &status, WNOHANG)
        guard done == pid else { return done == 0 }
        lock.withLock {
            reaped = true
            broken = true
        }
        return false
    }

    static func spawn(executable: String) throws(TaskFailure) -> TaskProcess {
        var input: [Int32] = [0, 0], output: [Int32] = [0, 0]
        guard sluice_pipe_cloexec(&input) == 0 else { throw TaskFailure("cannot create a pipe: \(String(cString: strerror(errno)))") }
        guard sluice_pipe_cloexec(&output) == 0 else {
            close(input[0]); close(input[1])
            throw TaskFailure("cannot create a pipe: \(String(cString: strerror(errno)))")
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, input[0], 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, output[1], 3)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // Its own process group, default signal handling, nothing blocked.
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        posix_spawnattr_setpgroup(&attributes, 0)
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attributes, &none)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for sig in [SIGPIPE, SIGTERM, SIGINT, SIGHUP, SIGCHLD] { sigaddset(&defaults, sig) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        let argv = [executable, "worker-task", "--serve"]
        var cArgs = argv.map { strdup($0) } + [nil]
        // The worker's token is the worker's: tasks (and their logs) never see it.
        var cEnv = ProcessInfo.processInfo.environment.filter { $0.key != "SLUICE_WORKER_TOKEN" }
            .map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for p in cArgs { free(p) }
            for p in cEnv { free(p) }
        }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, executable, &actions, &attributes, &cArgs, &cEnv)
        close(input[0])
        close(output[1])
        guard rc == 0 else {
            close(input[1]); close(output[0])
            throw TaskFailure("cannot start '\(executable) worker-task': \(String(cString: strerror(rc)))")
        }
        return TaskProcess(pid: pid, requests: input[1], results: output[0])
    }

    /// Runs one try: sends the request and waits for its result line. Nil when the process died
    /// (or was stopped) before answering.
    func run(payload: String, logPath: String) async -> TryReport? {
        lock.withLock { triesRun += 1 }
        let request = Value.map([("log", .string(logPath)), ("payload", (try? Value.parseJSON(payload)) ?? .null)]).jsonText() + "\n"
        let sent = Array(request.utf8).withUnsafeBytes { raw -> Bool in
            var offset = 0
            while offset < raw.count {
                let n = write(requests, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 { if errno == EINTR { continue }; return false }
                offset += n
            }
            return true
        }
        guard sent else {
            lock.withLock { broken = true }
            return nil
        }
        let line: [UInt8]? = await withCheckedContinuation { continuation in
            Thread.detachNewThread { [self] in continuation.resume(returning: readLine()) }
        }
        guard let line, let report = try? RemoteJSON.decoder().decode(TryReport.self, from: Data(line)) else {
            lock.withLock { broken = true }
            return nil
        }
        return report
    }

    /// Reads up to the next newline from the results pipe (nil at end of file).
    private func readLine() -> [UInt8]? { lines.next() }

    /// Stops the try it runs: SIGTERM (it stops what the operator started, answers, exits),
    /// SIGKILL after `grace` seconds. The process is not reused.
    func stop(grace: Double = 10) {
        lock.withLock { broken = true }
        kill(pid, SIGTERM)
        let pid = self.pid
        DispatchQueue.global().asyncAfter(deadline: .now() + grace) { [self] in
            if !lock.withLock({ reaped }) { kill(-pid, SIGKILL) }
        }
    }

    /// Closes its stdin (it exits at end of input) and reaps it.
    func end() {
        let first: Bool = lock.withLock {
            defer { ended = true }
            return !ended
        }
        guard first else { return }
        close(requests)
        let pid = self.pid, results = self.results
        let alreadyReaped = lock.withLock { reaped }
        Thread.detachNewThread { [self] in
            var status: Int32 = 0
            if !alreadyReaped { while waitpid(pid, &status, 0) == -1 && errno == EINTR {} }
            lock.withLock { reaped = true }
            close(results)
        }
    }
}
