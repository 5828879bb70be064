import Foundation
import Learning
import SluiceCore
import Tracking

/// Where a model's training rows came from: a Delta table (with the version read) or a file.
public struct TrainingSource: Sendable {
    public var uri: String
    public var version: Int64?
    /// `delta`, `parquet` or `csv` (MLflow's dataset source type).
    public var sourceType: String
    /// Extra lineage recorded on the run and the registered version (e.g. the gold date range).
    public var lineage: [String: String]

    public init(uri: String, version: Int64?, sourceType: String, lineage: [String: String] = [:]) {
        self.uri = uri
        self.version = version
        self.sourceType = sourceType
        self.lineage = lineage
    }
}

/// Tracks a grid search: a parent run with the settings, the input dataset, the best trial's
/// metrics and the refitted model; one child run per trial with its parameters and per-fold metrics.
public enum TrainingReport {
    /// The parent run and the lineage tags it (and the registered version) carry.
    public struct Tracked: Sendable {
        public var parentRunID: String
        public var lineage: [String: String]
    }

    public static func track(_ result: SearchResult, kind: ModelKind, data: LearningDataset, source: TrainingSource, tracking: any TrackingBackend,
                      experiment name: String, settings: [String: String]) throws -> Tracked {
        let experiment = try tracking.experiment(named: name)
        let parent = try tracking.createRun(experimentID: experiment.id, name: "grid-search-\(kind.rawValue)", parentRunID: nil,
                                            tags: ["sluice.kind": "grid-search", "sluice.version": SluiceVersion.current])
        do {
            let featureHash = SHA256.hex(Data(data.featureNames.joined(separator: ",").utf8)).prefix(16)
            var lineage = ["training_table": source.uri, "feature_names_hash": String(featureHash), "sluice_version": SluiceVersion.current,
                           "feature_count": String(data.featureCount)]
            if let version = source.version { lineage["training_table_version"] = String(version) }
            lineage.merge(source.lineage) { $1 }
            let sourceJSON = "{\"path\": \"\(source.uri)\"" + (source.version.map { ", \"version\": \($0)" } ?? "") + "}"
            try tracking.logInputs(runID: parent.id, datasets: [DatasetInput(name: URL(fileURLWithPath: source.uri).lastPathComponent, digest: String(featureHash),
                                                                             sourceType: source.sourceType, source: sourceJSON)])
            for (k, trial) in result.trials.enumerated() {
                let child = try tracking.createRun(experimentID: experiment.id, name: "trial-\(k + 1)", parentRunID: parent.id, tags: [:])
                var metrics: [Metric] = []
                for (fold, evaluation) in trial.folds.enumerated() {
                    for metric in Evaluation.metricNames { metrics.append(Metric(key: "fold_\(metric)", value: evaluation.value(metric)!, step: Int64(fold))) }
                }
                metrics += trial.metrics.map { Metric(key: $0.key, value: $0.value) }
                try tracking.log(runID: child.id, params: trial.parameters, metrics: metrics.filter { $0.value.isFinite },
                                 tags: ["best_rounds": trial.bestRounds.map(String.init).joined(separator: ",")])
                try tracking.finish(runID: child.id, status: .finished)
            }
            let best = result.trials[result.best]
            try tracking.log(runID: parent.id, params: settings.merging(best.parameters.mapKeys { "best.\($0)" }) { $1 },
                             metrics: best.metrics.map { Metric(key: $0.key, value: $0.value) }.filter { $0.value.isFinite },
                             tags: lineage.mapKeys { "sluice.\($0)" }.merging(["refit_rounds": String(result.refitRounds)]) { $1 })
            let directory = NSTemporaryDirectory() + "sluice-model-\(UUID().uuidString)"
            defer { try? FileManager.default.removeItem(atPath: directory) }
            try MLflowModelDirectory.save(result.model, kind: kind, featureNames: data.featureNames, to: directory, runID: parent.id,
                                          metadata: lineage.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
            try tracking.uploadArtifacts(runID: parent.id, from: directory, to: "model")
            try tracking.finish(runID: parent.id, status: .finished)
            return Tracked(parentRunID: parent.id, lineage: lineage)
        } catch {
            try? tracking.finish(runID: parent.id, status: .failed)
            throw error
        }
    }
}

extension Dictionary where Key == String {
    /// The same values under transformed keys.
    public func mapKeys(_ transform: (String) -> String) -> [String: Value] {
        Dictionary(uniqueKeysWithValues: map { (transform($0.key), $0.value) })
    }
}
