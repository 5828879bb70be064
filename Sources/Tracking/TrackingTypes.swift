import Foundation

/// A named group of runs (a model family, a research question).
public struct Experiment: Sendable, Equatable, Codable {
    public var id: String
    public var name: String
    public var artifactLocation: String
}

/// Where a run stands, with MLflow's names.
public enum RunStatus: String, Sendable, Codable, CaseIterable {
    case running = "RUNNING", scheduled = "SCHEDULED", finished = "FINISHED", failed = "FAILED", killed = "KILLED"
}

/// One value of a metric at a step and a time (milliseconds since the epoch).
public struct Metric: Sendable, Equatable, Codable {
    public var key: String
    public var value: Double
    public var step: Int64
    public var timestamp: Int64

    public init(key: String, value: Double, step: Int64 = 0, timestamp: Int64 = Metric.now()) {
        self.key = key
        self.value = value
        self.step = step
        self.timestamp = timestamp
    }

    public static func now() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }
}

/// A dataset a run read, for lineage: a Delta table's URI and version, with a digest.
public struct DatasetInput: Sendable, Equatable, Codable {
    public var name: String
    public var digest: String
    /// `delta`, `parquet`, `csv`...
    public var sourceType: String
    /// The table URI (and version) as JSON, as MLflow stores it.
    public var source: String
    /// `training`, `validation`...
    public var context: String

    public init(name: String, digest: String, sourceType: String, source: String, context: String = "training") {
        self.name = name
        self.digest = digest
        self.sourceType = sourceType
        self.source = source
        self.context = context
    }
}

/// A run's identity and state.
public struct RunInfo: Sendable, Equatable, Codable {
    public var id: String
    public var experimentID: String
    public var name: String
    public var status: RunStatus
    public var startTime: Int64
    public var endTime: Int64?
    public var artifactURI: String
}

/// A run with what was logged to it (metrics: the latest value of each key).
public struct Run: Sendable, Equatable, Codable {
    public var info: RunInfo
    public var params: [String: String]
    public var metrics: [String: Double]
    public var tags: [String: String]
    public var inputs: [DatasetInput]

    /// The parent run (grid searches nest one child run per trial), from the `mlflow.parentRunId` tag.
    public var parentRunID: String? { tags["mlflow.parentRunId"] }
}

/// A registered model version's lifecycle stage (MLflow's classic stages; aliases are the newer way).
public enum ModelStage: String, Sendable, Codable, CaseIterable {
    case none = "None", staging = "Staging", production = "Production", archived = "Archived"

    /// Parses a stage case-insensitively.
    public init?(text: String) {
        guard let stage = Self.allCases.first(where: { $0.rawValue.lowercased() == text.lowercased() }) else { return nil }
        self = stage
    }
}

/// A version of a registered model: the run and artifact path it came from, its stage, aliases and tags.
public struct ModelVersion: Sendable, Equatable, Codable {
    public var name: String
    public var version: Int
    public var runID: String
    /// `runs:/RUN_ID/ARTIFACT_PATH` (or the artifact location the backend reports).
    public var source: String
    public var stage: ModelStage
    public var aliases: [String]
    public var tags: [String: String]
}

/// Why a tracking call failed: what was asked and what the backend said.
public struct TrackingError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable { case notFound, invalid, conflict, backend }
    public var kind: Kind
    public var message: String
    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }
    public var description: String { message }
}
