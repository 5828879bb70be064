import Foundation
#if canImport(Glibc)
import Glibc
#endif
import CSluiceSystem

/// A command to run as a child process in its own process group.
public struct ChildProcessSpec: Sendable {
    /// A path, or a bare name looked up on PATH.
    public var executable: String
    public var arguments: [String]
    public var environment: [String: String]
    public var workingDirectory: String?
    /// Seconds before the process group is sent SIGTERM (then SIGKILL after `killGrace`).
    public var timeout: Double?
    public var killGrace: Double
    /// Bytes written to the child's stdin (then closed); nil connects stdin to /dev/null.
    public var standardInput: [UInt8]?
    /// Gives the child a pipe on file descriptor 3 that receives one line ("go") once `onSpawn`
    /// has returned; a child that reads it first does no work before its pid is recorded. If
    /// the parent dies before that, the child reads end-of-file instead.
    public var startGate: Bool = false
    /// Also hands the log's descriptor to the child as file descriptor 4 (for status lines that
    /// must reach the log even if the command redirects its own output).
    public var logOnFD4: Bool = false

    public init(executable: String, arguments: [String] = [], environment: [String: String] = [:],
                workingDirectory: String? = nil, timeout: Double? = nil, killGrace: Double = 5,
                standardInput: [UInt8]? = nil) {
        self.executable = executable
        self.arguments = arguments
        self.environment = environment
        self.workingDirectory = workingDirectory
        self.timeout = timeout
        self.killGrace = killGrace
        self.standardInput = standardInput
    }
}

/// How a child process ended.
public struct ChildProcessOutcome: Sendable, Equatable {
    /// Exit status when it exited normally.
    public var exitCode: Int32?
    /// The signal that ended it, when one did.
    public var signal: Int32?
    public var timedOut: Bool
    public var cancelled: Bool
    /// The start gate stayed shut (the try could not be recorded), so the command never ran.
    public var gateRefused: Bool = false
}

/// Runs child processes for operators: stdout and stderr go, interleaved, to the task log; the
/// child leads a new process group so a timeout or cancellation stops everything it started,
/// and anything it left running in the background is stopped when it exits.
public enum ChildProcess {
    /// Runs the child to completion. When the log is a file, the child writes to it directly;
    /// otherwise its output is read through a pipe and passed to the log. With a start gate,
    /// `onSpawn` decides whether the child may proceed: on `false` the gate closes unopened and
    /// the child stops before doing anything (the outcome says so).
    public static func run(_ spec: ChildProcessSpec, log: any TaskLogSink,
                           onSpawn: (@Sendable (pid_t) async -> Bool)? = nil) async throws(TaskFailure) -> ChildProcessOutcome {
        // Descriptors 0-4 are the child's stdin/stdout/stderr, gate and status: sources must not
        // sit there, or one dup2 would overwrite another's source.
        let logFD = log.fileDescriptor.map(highDescriptor)
        defer { if let logFD, logFD != log.fileDescriptor { close(logFD) } }
        var created: [(read: Int32, write: Int32)] = []
        func closeAll() { for p in created { close(p.read); close(p.write) } }
        func pipe() throws(TaskFailure) -> (read: Int32, write: Int32) {
            do {
                let p = try makePipe()
                created.append(p)
                return p
            } catch {
                closeAll()
                throw error
            }
        }
        let output = logFD == nil ? try pipe() : nil
        let input = spec.standardInput == nil ? nil : try pipe()
        let gate = spec.startGate ? try pipe() : nil
        let pid: pid_t
        do {
            pid = try spawn(spec, outputWrite: output?.write ?? logFD!, inputRead: input?.read, gateRead: gate?.read,
                            statusWrite: spec.logOnFD4 ? logFD : nil)
        } catch {
            closeAll()
            throw error
        }
        if let output { close(output.write) }
        var gateRefused = false
        if let gate {
            close(gate.read)
            if await onSpawn?(pid) ?? true {
                writeAll(gate.write, Array("go\n".utf8))
            } else {
                gateRefused = true
            }
            close(gate.write)
        } else {
            _ = await onSpawn?(pid)
        }
        if let input {
            close(input.read)
            let bytes = spec.standardInput ?? []
            let writeEnd = input.write
            Thread.detachNewThread { writeAll(writeEnd, bytes); close(writeEnd) }
        }

        let state = ProcessWatch(pid: pid)
        let readDone = output.map { startReader(fd: $0.read, log: log) }
        let timer = spec.timeout.map { seconds in
            scheduleAfter(seconds) { state.stop(timedOut: true, grace: spec.killGrace) }
        }
        let status: Int32 = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                Thread.detachNewThread {
                    var status: Int32 = 0
                    while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
                    continuation.resume(returning: status)
                }
            }
        } onCancel: {
            state.stop(timedOut: false, grace: spec.killGrace, cancelled: true)
        }
        timer?.cancel()
        state.markExited()
        // Stop what the child left behind in its group; otherwise it would hold the pipe open.
        if kill(-pid, 0) == 0 {
            kill(-pid, SIGTERM)
            let deadline = Date().addingTimeInterval(min(spec.killGrace, 2))
            while kill(-pid, 0) == 0 && Date() < deadline { try? await Task.sleep(nanoseconds: 10_000_000) }
            kill(-pid, SIGKILL)
        }
        await readDone?.value

        let exited = (status & 0x7f) == 0
        let outcome = ChildProcessOutcome(
            exitCode: exited ? (status >> 8) & 0xff : nil,
            signal: exited ? nil : status & 0x7f,
            timedOut: state.timedOut,
            cancelled: state.cancelled,
            gateRefused: gateRefused)
        return outcome
    }

    private static func makePipe() throws(TaskFailure) -> (read: Int32, write: Int32) {
        var fds: [Int32] = [0, 0]
        guard sluice_pipe_cloexec(&fds) == 0 else { throw TaskFailure("cannot create a pipe: \(String(cString: strerror(errno)))") }
        return (fds[0], fds[1])
    }

    private static func spawn(_ spec: ChildProcessSpec, outputWrite: Int32, inputRead: Int32?, gateRead: Int32?,
                              statusWrite: Int32?) throws(TaskFailure) -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if let inputRead {
            posix_spawn_file_actions_adddup2(&actions, inputRead, 0)
        } else {
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        }
        posix_spawn_file_actions_adddup2(&actions, outputWrite, 1)
        posix_spawn_file_actions_adddup2(&actions, outputWrite, 2)
        if let gateRead { posix_spawn_file_actions_adddup2(&actions, gateRead, 3) }
        if let statusWrite { posix_spawn_file_actions_adddup2(&actions, statusWrite, 4) }
        if let cwd = spec.workingDirectory {
            guard FileManager.default.fileExists(atPath: cwd) else {
                throw TaskFailure("working directory '\(cwd)' does not exist")
            }
            sluice_spawn_file_actions_addchdir(&actions, cwd)
        }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        posix_spawnattr_setpgroup(&attributes, 0)
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGPIPE, SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGCHLD] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)

        let argv = [spec.executable] + spec.arguments
        let envp = spec.environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        var cArgs = argv.map { strdup($0) } + [nil]
        var cEnv = envp.map { strdup($0) } + [nil]
        defer {
            for p in cArgs { free(p) }
            for p in cEnv { free(p) }
        }
        var pid: pid_t = 0
        let rc = spec.executable.contains("/")
            ? posix_spawn(&pid, spec.executable, &actions, &attributes, &cArgs, &cEnv)
            : posix_spawnp(&pid, spec.executable, &actions, &attributes, &cArgs, &cEnv)
        guard rc == 0 else {
            throw TaskFailure("cannot start '\(spec.executable)': \(String(cString: strerror(rc)))")
        }
        return pid
    }

    private static func startReader(fd: Int32, log: any TaskLogSink) -> Task<Void, Never> {
        let done = Task.detached {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                Thread.detachNewThread {
                    var buffer = [UInt8](repeating: 0, count: 65_536)
                    while true {
                        let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                        if n > 0 {
                            buffer.withUnsafeBytes { log.write(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
                        } else if n == 0 || errno != EINTR {
                            break
                        }
                    }
                    close(fd)
                    continuation.resume()
                }
            }
        }
        return done
    }

    private static func writeAll(_ fd: Int32, _ bytes: [UInt8]) {
        var offset = 0
        bytes.withUnsafeBytes { raw in
            while offset < raw.count {
                let n = write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n > 0 { offset += n } else if errno != EINTR { return }
            }
        }
    }

    private static func scheduleAfter(_ seconds: Double, _ work: @escaping @Sendable () -> Void) -> DispatchWorkItem {
        let item = DispatchWorkItem(block: work)
        DispatchQueue.global().asyncAfter(deadline: .now() + Durations.clamped(seconds), execute: item)
        return item
    }

    /// A duplicate of `fd` numbered 10 or above when `fd` is one of the child's fixed slots (0-4).
    private static func highDescriptor(_ fd: Int32) -> Int32 {
        guard fd <= 4 else { return fd }
        let high = fcntl(fd, F_DUPFD_CLOEXEC, 10)
        return high >= 0 ? high : fd
    }
}

/// Shared state between the waiter, the timeout timer and the cancellation handler.
private final class ProcessWatch: @unchecked Sendable {
    private let lock = NSLock()
    private let pid: pid_t
    private var exited = false
    private var _timedOut = false
    private var _cancelled = false

    init(pid: pid_t) { self.pid = pid }

    var timedOut: Bool { lock.withLock { _timedOut } }
    var cancelled: Bool { lock.withLock { _cancelled } }

    func markExited() { lock.withLock { exited = true } }

    /// SIGTERM to the whole group now, SIGKILL after `grace` if it is still there.
    func stop(timedOut: Bool, grace: Double, cancelled: Bool = false) {
        let shouldSignal: Bool = lock.withLock {
            guard !exited else { return false }
            if timedOut { _timedOut = true }
            if cancelled { _cancelled = true }
            return true
        }
        guard shouldSignal else { return }
        kill(-pid, SIGTERM)
        let pid = self.pid
        DispatchQueue.global().asyncAfter(deadline: .now() + Durations.clamped(grace)) { [self] in
            let stillRunning = lock.withLock { !exited }
            if stillRunning { kill(-pid, SIGKILL) }
        }
    }
}

/// Turning user-supplied durations into sleeps and deadlines without trapping.
public enum Durations {
    /// Seconds clamped to 0...10 years (a NaN becomes 0), safe to turn into nanoseconds.
    public static func clamped(_ seconds: Double) -> Double {
        guard seconds.isFinite else { return seconds > 0 ? 315_360_000 : 0 }
        return min(max(seconds, 0), 315_360_000)
    }

    public static func nanoseconds(_ seconds: Double) -> UInt64 { UInt64(clamped(seconds) * 1e9) }
}
