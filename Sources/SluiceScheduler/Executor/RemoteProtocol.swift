import Foundation
import SluiceCore

/// What a remote worker receives for one try: everything it needs to run it without the
/// metadata database (arguments are already rendered and type-checked by the scheduler).
public struct WorkloadPayload: Codable, Sendable, Equatable {
    public var tryID: Int64
    public var tryNumber: Int
    public var dagID: String
    public var runID: String
    public var taskID: String
    public var operatorName: String
    public var arguments: [String: Value]
    public var logicalDate: Date
    public var dataIntervalStart: Date
    public var dataIntervalEnd: Date
    public var executionTimeout: Double?
    public var queue: String
    public var environment: [String: String]

    enum CodingKeys: String, CodingKey {
        case tryID = "try_id", tryNumber = "try_number", dagID = "dag_id", runID = "run_id", taskID = "task_id"
        case operatorName = "operator", arguments, logicalDate = "logical_date", dataIntervalStart = "data_interval_start"
        case dataIntervalEnd = "data_interval_end", executionTimeout = "execution_timeout", queue, environment
    }

    public init(_ workload: Workload) {
        tryID = workload.tryID
        tryNumber = workload.tryNumber
        dagID = workload.dagID
        runID = workload.runID
        taskID = workload.taskID
        operatorName = workload.operatorName
        arguments = workload.arguments.values
        logicalDate = workload.logicalDate
        dataIntervalStart = workload.dataInterval.start
        dataIntervalEnd = workload.dataInterval.end
        executionTimeout = workload.executionTimeout
        queue = workload.queue
        environment = workload.environment
    }

    /// The workload as an executor runs it, logging to `logPath`.
    public func workload(logPath: String) -> Workload {
        Workload(tryID: tryID, tiID: 0, runPK: 0, dagID: dagID, runID: runID, taskID: taskID, tryNumber: tryNumber,
                 operatorName: operatorName, arguments: OperatorArguments(arguments), logicalDate: logicalDate,
                 dataInterval: DataInterval(start: dataIntervalStart, end: dataIntervalEnd), executionTimeout: executionTimeout,
                 logPath: logPath, queue: queue, environment: environment)
    }
}

/// How a remote try ended, as its worker reports it (the body of the result call, less the lease).
public struct TryReport: Codable, Sendable, Equatable {
    /// `success`, `failed` or `skipped`.
    public var state: String
    public var reason: String?
    public var timedOut: Bool?
    public var returnValue: Value?

    enum CodingKeys: String, CodingKey {
        case state, reason, timedOut = "timed_out", returnValue = "return_value"
    }

    public init(state: String, reason: String? = nil, timedOut: Bool? = nil, returnValue: Value? = nil) {
        self.state = state
        self.reason = reason
        self.timedOut = timedOut
        self.returnValue = returnValue
    }

    public init(_ result: TryResult) {
        switch result {
        case let .success(value): self.init(state: "success", returnValue: value)
        case let .skipped(reason): self.init(state: "skipped", reason: reason)
        case let .failed(reason, timedOut): self.init(state: "failed", reason: reason, timedOut: timedOut)
        }
    }

    /// The result the scheduler records; nil for a state it does not know.
    public var result: TryResult? {
        switch state {
        case "success": return .success(returnValue)
        case "skipped": return .skipped(reason ?? "skipped")
        case "failed": return .failed(reason ?? "failed", timedOut: timedOut ?? false)
        default: return nil
        }
    }
}

/// The JSON coders of the worker protocol: ISO-8601 dates, keys as declared.
public enum RemoteJSON {
    public static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(date.utcText())
        }
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }

    public static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            guard let date = DateTimeText.parse(text, zone: TimeZone(identifier: "UTC")!) else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "'\(text)' is not an ISO-8601 date-time")
            }
            return date
        }
        return decoder
    }
}
