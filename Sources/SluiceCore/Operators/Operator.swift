import Foundation

/// What a task produced when it finished without failing.
public enum TaskResult: Sendable, Equatable {
    /// Finished; the value (if any) is pushed as the task's `return_value` XCom.
    case success(Value?)
    /// The task decided not to run (e.g. a condition); downstream tasks follow their trigger rules.
    case skipped(reason: String)
}

/// A failed try, with a message that goes to the task log and the try's exit reason.
public struct TaskFailure: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var exitCode: Int32?
    /// True when the try was stopped for exceeding its execution timeout.
    public var timedOut: Bool

    public init(_ message: String, exitCode: Int32? = nil, timedOut: Bool = false) {
        self.message = message
        self.exitCode = exitCode
        self.timedOut = timedOut
    }

    public var description: String { message }
}

/// Where a running task writes its log (a file per try in production, memory in tests).
public protocol TaskLogSink: Sendable {
    /// Appends raw output bytes (process stdout/stderr).
    func write(_ bytes: UnsafeRawBufferPointer)
    /// Appends a line of Sluice's own commentary.
    func line(_ text: String)
    /// An open file descriptor of the log file, when the log is a file: child processes then
    /// write to it directly, so their output survives a scheduler that dies before they do.
    var fileDescriptor: Int32? { get }
    /// The log file's path, when there is one.
    var path: String? { get }
}

extension TaskLogSink {
    public var fileDescriptor: Int32? { nil }
    public var path: String? { nil }
}

/// Everything a task sees when it runs: identity, dates, rendered arguments, log and XCom.
public struct TaskRunContext: Sendable {
    public var dagID: String
    public var taskID: String
    public var runID: String
    public var tryNumber: Int
    public var logicalDate: Date
    public var dataIntervalStart: Date
    public var dataIntervalEnd: Date
    /// Arguments after template rendering and type coercion, defaults applied.
    public var arguments: OperatorArguments
    /// Wall-clock limit of this try, in seconds (the task's `execution_timeout`).
    public var executionTimeout: Double?
    public var log: any TaskLogSink
    /// Environment variables describing the context (`SLUICE_DAG_ID`, ...), for child processes.
    public var environment: [String: String]
    /// Called when an operator has started a child process, before the child may do any work;
    /// the executor records the pid so a restarted scheduler can find the process.
    /// Returns false when the try is no longer current: the child must then not start.
    public var processStarted: (@Sendable (_ pid: Int32) async -> Bool)?
    /// When set, a child process appends `MARKER STATUS` (its exit status, or `not-started`) to
    /// the log as it ends, so the outcome is known even if the scheduler was not there to see it.
    public var exitStatusMarker: String?

    public init(dagID: String, taskID: String, runID: String, tryNumber: Int, logicalDate: Date,
                dataIntervalStart: Date, dataIntervalEnd: Date, arguments: OperatorArguments,
                executionTimeout: Double?, log: any TaskLogSink, environment: [String: String] = [:]) {
        self.dagID = dagID
        self.taskID = taskID
        self.runID = runID
        self.tryNumber = tryNumber
        self.logicalDate = logicalDate
        self.dataIntervalStart = dataIntervalStart
        self.dataIntervalEnd = dataIntervalEnd
        self.arguments = arguments
        self.executionTimeout = executionTimeout
        self.log = log
        self.environment = environment
    }
}

/// The executable part of an operator. Cancellation of the surrounding Swift task must stop it.
public protocol TaskRunner: Sendable {
    func run(_ context: TaskRunContext) async throws -> TaskResult
}

/// An operator: its name, documentation, typed argument schema and the code that runs it.
/// Built-in operators and plugins both register one of these.
public struct OperatorDescriptor: Sendable {
    public var name: String
    /// One line shown by `sluice operators list`.
    public var summary: String
    /// Longer help shown by `sluice operators show`.
    public var details: String
    public var arguments: [ArgumentSpec]
    /// Where it comes from: `builtin` or the plugin's manifest path.
    public var origin: String
    /// True when a try's work happens in a child process that reports itself through
    /// `TaskRunContext.processStarted` (and so can outlive a crashed scheduler).
    public var runsChildProcess: Bool
    /// True for operators that do nothing (`empty`): the scheduler records their try as a
    /// success directly instead of sending it to an executor, as Airflow does for EmptyOperator.
    public var isNoOp: Bool = false
    public var runner: any TaskRunner

    public init(name: String, summary: String, details: String = "", arguments: [ArgumentSpec],
                origin: String = "builtin", runsChildProcess: Bool = false, runner: any TaskRunner) {
        self.name = name
        self.summary = summary
        self.details = details
        self.arguments = arguments
        self.origin = origin
        self.runsChildProcess = runsChildProcess
        self.runner = runner
    }

    public func argument(_ name: String) -> ArgumentSpec? { arguments.first { $0.name == name } }
}

/// Rendered, typed operator arguments, read by name.
public struct OperatorArguments: Sendable {
    public var values: [String: Value]

    public init(_ values: [String: Value]) { self.values = values }

    public subscript(_ name: String) -> Value? {
        guard let v = values[name], !v.isNull else { return nil }
        return v
    }

    public func string(_ name: String) -> String? { self[name]?.stringValue }
    public func int(_ name: String) -> Int? { self[name]?.intValue.map(Int.init) }
    public func double(_ name: String) -> Double? { self[name]?.doubleValue }
    public func bool(_ name: String) -> Bool? { self[name]?.boolValue }
    /// Durations are stored as seconds after coercion.
    public func seconds(_ name: String) -> Double? { self[name]?.doubleValue }
    public func stringMap(_ name: String) -> [(key: String, value: String)] {
        (self[name]?.mapValue ?? []).map { ($0.key, $0.value.renderedText) }
    }
    public func stringList(_ name: String) -> [String] { (self[name]?.listValue ?? []).map(\.renderedText) }
}
