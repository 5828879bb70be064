import Foundation
import Testing
@testable import Tracking

/// The backends the contract runs against: always the embedded store; a real MLflow server when
/// the test script started one (SLUICE_TEST_MLFLOW_URI).
enum Backends {
    static var names: [String] { ["embedded", "mlflow"] }

    static func make(_ name: String) throws -> (any TrackingBackend)? {
        switch name {
        case "embedded":
            return try EmbeddedTracking(root: NSTemporaryDirectory() + "sluice-tracking-\(UUID().uuidString)")
        default:
            guard let uri = ProcessInfo.processInfo.environment["SLUICE_TEST_MLFLOW_URI"] else {
                print("SKIPPED: no MLflow server (scripts/test.sh starts one and sets SLUICE_TEST_MLFLOW_URI); MLflow contract not run")
                return nil
            }
            return try MLflowTracking(uri: uri)
        }
    }

    static func unique(_ prefix: String) -> String { "\(prefix)-\(UUID().uuidString.prefix(8))" }
}

@Suite("Tracking contract: embedded store and a real MLflow server behave the same", .serialized)
struct TrackingContractTests {
    @Test("experiments are created once by name; runs nest, log params, metric histories, tags and inputs", arguments: Backends.names)
    func runs(backend name: String) throws {
        guard let tracking = try Backends.make(name) else { return }
        let name1 = Backends.unique("exp")
        let experiment = try tracking.experiment(named: name1)
        #expect(try tracking.experiment(named: name1) == experiment)
        #expect(try tracking.experiments().contains(experiment))
        let parent = try tracking.createRun(experimentID: experiment.id, name: "grid", parentRunID: nil, tags: ["sluice.kind": "grid-search"])
        let child = try tracking.createRun(experimentID: experiment.id, name: "trial-1", parentRunID: parent.id, tags: [:])
        try tracking.log(runID: child.id, params: ["max_depth": "3", "eta": "0.1"],
                         metrics: [Metric(key: "rank_ic", value: 0.01, step: 0), Metric(key: "rank_ic", value: 0.05, step: 2), Metric(key: "rmse", value: 0.3)],
                         tags: ["fold_count": "3"])
        #expect(throws: TrackingError.self) { try tracking.log(runID: child.id, params: ["max_depth": "5"], metrics: [], tags: [:]) }
        try tracking.log(runID: child.id, params: ["max_depth": "3"], metrics: [], tags: [:])  // the same value again is fine
        try tracking.logInputs(runID: child.id, datasets: [DatasetInput(name: "gold_training_set", digest: "abc123", sourceType: "delta",
                                                                         source: #"{"path": "lake/stockdata/gold_training_set", "version": 7}"#)])
        try tracking.finish(runID: child.id, status: .finished)
        let run = try tracking.run(child.id)
        #expect(run.info.status == .finished && run.info.endTime != nil)
        #expect(run.params == ["max_depth": "3", "eta": "0.1"])
        #expect(run.metrics["rank_ic"] == 0.05 && run.metrics["rmse"] == 0.3)
        // The whole curve, by step, from both backends alike.
        let curve = try tracking.metricHistory(runID: child.id, key: "rank_ic")
        #expect(curve.map(\.step) == [0, 2] && curve.map(\.value) == [0.01, 0.05], "\(curve)")
        #expect(try tracking.metricHistory(runID: child.id, key: "absent").isEmpty)
        #expect(run.tags["fold_count"] == "3" && run.parentRunID == parent.id && run.tags["mlflow.runName"] == "trial-1")
        #expect(run.inputs.count == 1 && run.inputs[0].name == "gold_training_set" && run.inputs[0].digest == "abc123")
        #expect(throws: TrackingError.self) { try tracking.run("0000000000000000000000000000dead") }
    }

    @Test("search orders runs by a metric, missing values last", arguments: Backends.names)
    func search(backend name: String) throws {
        guard let tracking = try Backends.make(name) else { return }
        let experiment = try tracking.experiment(named: Backends.unique("search"))
        for (k, value) in [0.02, 0.07, nil, 0.04].enumerated() {
            let run = try tracking.createRun(experimentID: experiment.id, name: "r\(k)", parentRunID: nil, tags: [:])
            if let value { try tracking.log(runID: run.id, params: [:], metrics: [Metric(key: "rank_ic", value: value)], tags: [:]) }
            try tracking.finish(runID: run.id, status: .finished)
        }
        let ordered = try tracking.searchRuns(experimentIDs: [experiment.id], orderBy: "metrics.rank_ic DESC")
        #expect(ordered.map(\.info.name) == ["r1", "r3", "r0", "r2"])
        #expect(try tracking.searchRuns(experimentIDs: [experiment.id], orderBy: "metrics.rank_ic ASC").map(\.info.name) == ["r0", "r3", "r1", "r2"])
    }

    @Test("artifacts go up and come back; models register, move through stages, get aliases; URIs resolve", arguments: Backends.names)
    func registry(backend name: String) throws {
        guard let tracking = try Backends.make(name) else { return }
        let experiment = try tracking.experiment(named: Backends.unique("registry"))
        let local = NSTemporaryDirectory() + "sluice-artifacts-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: local + "/nested", withIntermediateDirectories: true)
        try "model bytes\n".write(toFile: local + "/model.json", atomically: true, encoding: .utf8)
        try "flavors: {}\n".write(toFile: local + "/MLmodel", atomically: true, encoding: .utf8)
        try "inner\n".write(toFile: local + "/nested/file.txt", atomically: true, encoding: .utf8)
        let model = Backends.unique("alpha-model")
        try tracking.registerModel(name: model)
        try tracking.registerModel(name: model)  // idempotent
        #expect(try tracking.registeredModels().contains(model))
        var versions: [ModelVersion] = []
        for k in 1 ... 3 {
            let run = try tracking.createRun(experimentID: experiment.id, name: "train-\(k)", parentRunID: nil, tags: [:])
            try tracking.uploadArtifacts(runID: run.id, from: local, to: "model")
            try tracking.finish(runID: run.id, status: .finished)
            versions.append(try tracking.createModelVersion(name: model, runID: run.id, artifactPath: "model",
                                                            tags: ["training_table": "lake/stockdata/gold", "training_version": "\(k)"]))
        }
        #expect(versions.map(\.version) == [1, 2, 3])
        _ = try tracking.transition(name: model, version: 1, to: .production, archiveExisting: false)
        _ = try tracking.transition(name: model, version: 2, to: .staging, archiveExisting: false)
        let promoted = try tracking.transition(name: model, version: 2, to: .production, archiveExisting: true)
        #expect(promoted.stage == .production)
        let stages = try tracking.modelVersions(name: model).map(\.stage)
        #expect(stages == [.archived, .production, .none])
        try tracking.setAlias(name: model, alias: "champion", version: 2)
        try tracking.setAlias(name: model, alias: "challenger", version: 3)
        try tracking.setAlias(name: model, alias: "champion", version: 3)  // moves
        #expect(try tracking.modelVersion(for: "models:/\(model)@champion")?.version == 3)
        #expect(try tracking.modelVersion(for: "models:/\(model)/Production")?.version == 2)
        #expect(try tracking.modelVersion(for: "models:/\(model)/1")?.tags["training_version"] == "1")
        #expect(throws: TrackingError.self) { try tracking.modelVersion(for: "models:/\(model)/Staging") }
        #expect(throws: TrackingError.self) { try tracking.modelVersion(for: "models:/\(model)@nobody") }
        #expect(throws: TrackingError.self) { try tracking.setAlias(name: model, alias: "champion", version: 9) }
        let download = NSTemporaryDirectory() + "sluice-download-\(UUID().uuidString)"
        _ = try tracking.downloadModel("models:/\(model)@champion", to: download)
        #expect(try String(contentsOfFile: download + "/model.json", encoding: .utf8) == "model bytes\n")
        #expect(try String(contentsOfFile: download + "/nested/file.txt", encoding: .utf8) == "inner\n")
        let viaRun = NSTemporaryDirectory() + "sluice-download-\(UUID().uuidString)"
        _ = try tracking.downloadModel("runs:/\(versions[0].runID)/model", to: viaRun)
        #expect(FileManager.default.fileExists(atPath: viaRun + "/MLmodel"))
    }
}
