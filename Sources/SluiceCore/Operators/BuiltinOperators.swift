import Foundation

/// `empty`: does nothing and succeeds; a join point or placeholder (Airflow's EmptyOperator).
public enum EmptyOperator {
    public static let descriptor: OperatorDescriptor = {
        var d = OperatorDescriptor(
            name: "empty",
            summary: "Does nothing and succeeds; use it to group or join branches.",
            details: "The scheduler records its try as a success without sending it to an executor, so it writes no log.",
            arguments: [],
            runner: Runner())
        d.isNoOp = true
        return d
    }()

    struct Runner: TaskRunner {
        func run(_ context: TaskRunContext) async throws -> TaskResult { .success(nil) }
    }
}

/// `sleep`: waits for a duration, then succeeds; useful for tests and pacing.
public enum SleepOperator {
    public static let descriptor = OperatorDescriptor(
        name: "sleep",
        summary: "Waits for a duration, then succeeds.",
        arguments: [ArgumentSpec("duration", .duration, required: true, doc: "How long to wait, e.g. 30s or PT1M.")],
        runner: Runner())

    struct Runner: TaskRunner {
        func run(_ context: TaskRunContext) async throws -> TaskResult {
            let seconds = context.arguments.seconds("duration") ?? 0
            context.log.line("sleeping \(DurationText.format(seconds))")
            do {
                try await Task.sleep(nanoseconds: Durations.nanoseconds(seconds))
            } catch {
                throw TaskFailure("cancelled while sleeping")
            }
            return .success(nil)
        }
    }
}

/// `bash`: runs a shell command; non-zero exit fails the try, exit code 99 (by default) skips it.
public enum BashOperator {
    /// This process's environment, read once (building it per task is measurable at 1,000s of tasks).
    static let inheritedEnvironment = ProcessInfo.processInfo.environment

    public static let descriptor = OperatorDescriptor(
        name: "bash",
        summary: "Runs a bash command; its output goes to the task log.",
        details: """
        The command runs as `bash -c COMMAND` in its own process group with the environment of the
        worker plus `env` and SLUICE_* variables describing the run. Exit code 0 succeeds, the
        `skip_exit_code` (99 by default, as in Airflow) marks the task skipped, anything else fails the
        try. On timeout the whole process group gets SIGTERM, then SIGKILL after 5 seconds. The last
        line of output is pushed as the task's XCom when `push_last_line` is true.
        """,
        arguments: [
            ArgumentSpec("command", .string, required: true, doc: "The bash command (templated)."),
            ArgumentSpec("env", .map(.string), doc: "Extra environment variables (templated)."),
            ArgumentSpec("append_env", .bool, default: .bool(true), templated: false,
                         doc: "Keep the worker's environment and add `env` to it; false runs with `env` only."),
            ArgumentSpec("cwd", .string, doc: "Working directory (templated); must exist."),
            ArgumentSpec("timeout", .duration, doc: "Stop the command after this long (in addition to execution_timeout)."),
            ArgumentSpec("skip_exit_code", .int, default: .int(99), templated: false,
                         doc: "Exit code that marks the task skipped instead of failed."),
            ArgumentSpec("push_last_line", .bool, default: .bool(false), templated: false,
                         doc: "Push the last line of output as the task's return_value XCom."),
        ],
        runsChildProcess: true,
        runner: Runner())

    struct Runner: TaskRunner {
        func run(_ context: TaskRunContext) async throws -> TaskResult {
            let args = context.arguments
            guard let command = args.string("command") else { throw TaskFailure("bash: 'command' is required") }
            var environment: [String: String] = [:]
            if args.bool("append_env") ?? true { environment = BashOperator.inheritedEnvironment }
            for (k, v) in context.environment { environment[k] = v }
            for (k, v) in args.stringMap("env") { environment[k] = v }

            let pushLastLine = args.bool("push_last_line") ?? false
            let limits = [args.seconds("timeout"), context.executionTimeout].compactMap { $0 }
            var spec = ChildProcessSpec(executable: "/bin/bash", arguments: ["-c", command], environment: environment,
                                        workingDirectory: args.string("cwd"), timeout: limits.min())
            if let marker = context.exitStatusMarker, context.log.fileDescriptor != nil {
                // Wait for the go-ahead (our pid is on record by then), then record the exit status
                // in the log on the way out, so a scheduler restarted after a crash still learns it.
                environment["SLUICE_EXIT_MARKER"] = marker
                spec.environment = environment
                spec.startGate = true
                spec.logOnFD4 = true
                spec.arguments = ["-c", Self.supervisedScript(command)]
            }
            let capture = LastLineCapture(forwardingTo: context.log)
            let sink: any TaskLogSink = pushLastLine && context.log.fileDescriptor == nil ? capture : context.log
            let logStart = context.log.path.flatMap { (try? FileManager.default.attributesOfItem(atPath: $0)[.size] as? Int) ?? 0 }
            let outcome = try await ChildProcess.run(spec, log: sink, onSpawn: context.processStarted)
            if outcome.timedOut {
                throw TaskFailure("command timed out after \(DurationText.format(limits.min() ?? 0))", timedOut: true)
            }
            if outcome.cancelled { throw TaskFailure("command was cancelled") }
            if outcome.gateRefused { throw TaskFailure("this try is no longer current (its start could not be recorded); the command did not run") }
            if let signal = outcome.signal { throw TaskFailure("command was killed by signal \(signal)") }
            let code = outcome.exitCode ?? -1
            if code == 0 {
                guard pushLastLine else { return .success(nil) }
                if let path = context.log.path {
                    let line = Self.lastLine(ofFile: path, from: logStart ?? 0, skipping: context.exitStatusMarker)
                    return .success(line.map(Value.string))
                }
                return .success(capture.lastLine.map(Value.string))
            }
            return try Self.result(forExitCode: code, skipExitCode: args.int("skip_exit_code") ?? 99)
        }

        /// Maps an exit status to the try's result (shared with crash recovery).
        static func result(forExitCode code: Int32, skipExitCode: Int) throws -> TaskResult {
            if code == 0 { return .success(nil) }
            if code == Int32(skipExitCode) { return .skipped(reason: "command exited with \(code)") }
            throw TaskFailure("command exited with status \(code)", exitCode: code)
        }

        /// The user's command, unchanged, after a start gate and an exit-status trap.
        static func supervisedScript(_ command: String) -> String {
            """
            IFS= read -r _sluice_go <&3 || { printf '%s not-started\\n' "$SLUICE_EXIT_MARKER" >&4; exit 0; }
            exec 3<&-
            unset _sluice_go
            trap 'exit 143' TERM; trap 'exit 129' HUP; trap 'exit 130' INT
            trap 'printf "\\n%s %s\\n" "$SLUICE_EXIT_MARKER" "$?" >&4' EXIT
            \(command)
            """
        }

        /// The last non-empty line written to a log file after `offset`, ignoring our exit-status line.
        static func lastLine(ofFile path: String, from offset: Int, skipping marker: String?) -> String? {
            guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
            defer { try? handle.close() }
            let size = (try? handle.seekToEnd()).map(Int.init) ?? 0
            let start = max(offset, size - 65_536)
            try? handle.seek(toOffset: UInt64(max(0, start)))
            let data = (try? handle.readToEnd()) ?? Data()
            return String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline)
                .last { line in marker.map { !line.contains($0) } ?? true }.map(String.init)
        }
    }
}

/// Forwards output to a log while remembering the last non-empty line.
final class LastLineCapture: TaskLogSink, @unchecked Sendable {
    private let forward: any TaskLogSink
    private let lock = NSLock()
    private var tail: [UInt8] = []

    init(forwardingTo forward: any TaskLogSink) { self.forward = forward }

    func write(_ bytes: UnsafeRawBufferPointer) {
        forward.write(bytes)
        lock.withLock {
            tail.append(contentsOf: bytes)
            if tail.count > 65_536 { tail.removeFirst(tail.count - 65_536) }
        }
    }

    func line(_ text: String) { forward.line(text) }

    var lastLine: String? {
        let text = lock.withLock { String(decoding: tail, as: UTF8.self) }
        return text.split(whereSeparator: \.isNewline).last.map(String.init)
    }
}

/// A log that keeps everything in memory, for tests and `sluice tasks test`-style runs.
public final class MemoryLogSink: TaskLogSink, @unchecked Sendable {
    private let lock = NSLock()
    private var bytes: [UInt8] = []

    public init() {}

    public func write(_ buffer: UnsafeRawBufferPointer) { lock.withLock { bytes.append(contentsOf: buffer) } }
    public func line(_ text: String) { lock.withLock { bytes.append(contentsOf: Array((text + "\n").utf8)) } }
    public var text: String { lock.withLock { String(decoding: bytes, as: UTF8.self) } }
}
