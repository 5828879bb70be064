import Foundation
import SluiceCore

/// Everything an executor needs to run one try of one task.
public struct Workload: Sendable {
    public var tryID: Int64
    public var tiID: Int64
    public var runPK: Int64
    public var dagID: String
    public var runID: String
    public var taskID: String
    public var tryNumber: Int
    public var operatorName: String
    /// Rendered and coerced.
    public var arguments: OperatorArguments
    public var logicalDate: Date
    public var dataInterval: DataInterval
    public var executionTimeout: Double?
    public var logPath: String
    public var queue: String
    /// Environment for child processes (`SLUICE_DAG_ID`, `SLUICE_RUN_ID`, ...).
    public var environment: [String: String]
    /// The task's priority weight (remote workers lease higher ones first).
    public var priority: Int = 0

    /// The prefix of the line a child process of this try appends to its log when it ends.
    public var exitStatusMarker: String { Self.exitStatusMarker(tryID: tryID) }

    public static func exitStatusMarker(tryID: Int64) -> String { "[sluice] try \(tryID) exit status:" }
}

/// How a try ended, as an executor reports it.
public enum TryResult: Sendable, Equatable {
    case success(Value?)
    case skipped(String)
    case failed(String, timedOut: Bool)
}

/// What an executor tells the scheduler.
public enum ExecutorEvent: Sendable {
    /// The try is running (its process, if any, is on record).
    case started(tryID: Int64, at: Date)
    case finished(tryID: Int64, result: TryResult, startedAt: Date?, at: Date)
}

/// Runs workloads somewhere (threads here, remote workers later) and reports their progress.
/// One contract for every executor: start, submit, a stream of events, cancel, shut down.
public protocol Executor: AnyObject, Sendable {
    /// Events in the order they happened; the stream ends after `shutdown`.
    var events: AsyncStream<ExecutorEvent> { get }
    /// How many more workloads it accepts right now.
    var freeSlots: Int { get }
    func start() async throws
    /// Starts a try; the executor reports `.started` and then `.finished`.
    func submit(_ workload: Workload)
    /// Stops a running try (it finishes as failed).
    func cancel(tryID: Int64)
    /// Stops accepting work; `graceful` waits for running tries, otherwise they are cancelled.
    func shutdown(graceful: Bool) async
    /// True when tries go on without this process (remote workers): a stopping scheduler need not
    /// wait for them, the next one records their outcomes.
    var triesOutliveScheduler: Bool { get }
}

extension Executor {
    public var triesOutliveScheduler: Bool { false }
}
