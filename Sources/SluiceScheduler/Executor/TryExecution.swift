import Foundation
import SluiceCore

/// Runs one try of a workload in this process: opens its log, finds its operator, applies the
/// execution timeout and turns what the operator did into a `TryResult`. The local executor and
/// a remote worker's task process share it.
public enum TryExecution {
    /// `onStart` runs once the operator is known, before it starts; `processStarted` is the
    /// start gate of operators that start child processes.
    public static func run(_ workload: Workload, registry: OperatorRegistry, hostname: String,
                           onStart: (OperatorDescriptor) -> Void = { _ in },
                           processStarted: (@Sendable (Int32) async -> Bool)? = nil) async -> TryResult {
        let log: TaskLogFile
        do { log = try TaskLogFile(path: workload.logPath) } catch { return .failed(error.message, timedOut: false) }
        guard let descriptor = registry.descriptor(named: workload.operatorName) else {
            log.line("operator '\(workload.operatorName)' is not available here")
            return .failed("operator '\(workload.operatorName)' is not available on \(hostname)", timedOut: false)
        }
        onStart(descriptor)
        log.line("try \(workload.tryNumber) of \(workload.dagID).\(workload.taskID) (\(workload.runID)) on \(hostname), operator \(workload.operatorName)")
        var context = TaskRunContext(
            dagID: workload.dagID, taskID: workload.taskID, runID: workload.runID, tryNumber: workload.tryNumber,
            logicalDate: workload.logicalDate, dataIntervalStart: workload.dataInterval.start,
            dataIntervalEnd: workload.dataInterval.end, arguments: workload.arguments,
            executionTimeout: workload.executionTimeout, log: log, environment: workload.environment)
        context.exitStatusMarker = workload.exitStatusMarker
        context.processStarted = processStarted
        let runner = descriptor.runner
        let prepared = context
        let outcome = await LocalExecutor.withTimeout(workload.executionTimeout) { try await runner.run(prepared) }
        let result: TryResult
        switch outcome {
        case let .success(.success(value)): result = .success(value)
        case let .success(.skipped(reason)): result = .skipped(reason)
        case let .failure(error as TaskFailure): result = .failed(error.message, timedOut: error.timedOut)
        case let .failure(error): result = .failed(String(describing: error), timedOut: false)
        }
        switch result {
        case .success: log.line("task succeeded")
        case let .skipped(reason): log.line("task skipped: \(reason)")
        case let .failed(reason, _): log.line("task failed: \(reason)")
        }
        return result
    }
}
