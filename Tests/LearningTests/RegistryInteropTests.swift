import Foundation
import Testing
import Tracking
@testable import Learning

@Suite("A model Sluice trains and registers on a real MLflow server, loaded by MLflow's pyfunc")
struct RegistryInteropTests {
    @Test("mlflow.pyfunc.load_model(\"models:/NAME@champion\") predicts what Sluice predicts (1e-6)", arguments: ModelKind.allCases)
    func champion(kind: ModelKind) throws {
        guard let uri = ProcessInfo.processInfo.environment["SLUICE_TEST_MLFLOW_URI"] else {
            print("SKIPPED: no MLflow server (scripts/test.sh starts one and sets SLUICE_TEST_MLFLOW_URI); registry interop not run")
            return
        }
        guard FileManager.default.isExecutableFile(atPath: MLflowFormatTests.python) else {
            print("SKIPPED: interop/.venv-mlflow missing; registry interop not run")
            return
        }
        if kind == .lightgbm, (try? LightGBMLibrary.load()) == nil {
            print("SKIPPED: LightGBM is not installed; its registry interop not run")
            return
        }
        let data = try plantedData(dates: 20, tickers: 30)
        let model = try kind.train(data, parameters: [:], rounds: 25, validation: nil, patience: nil)
        let ours = try model.predict(data)
        let tracking = try MLflowTracking(uri: uri)
        let experiment = try tracking.experiment(named: "sluice-registry-interop")
        let run = try tracking.createRun(experimentID: experiment.id, name: "train-\(kind.rawValue)", parentRunID: nil, tags: [:])
        let local = NSTemporaryDirectory() + "sluice-registry-\(UUID().uuidString)/model"
        defer { try? FileManager.default.removeItem(atPath: URL(fileURLWithPath: local).deletingLastPathComponent().path) }
        try MLflowModelDirectory.save(model, kind: kind, featureNames: data.featureNames, to: local, runID: run.id)
        try tracking.uploadArtifacts(runID: run.id, from: local, to: "model")
        try tracking.finish(runID: run.id, status: .finished)
        let name = "sluice-interop-\(kind.rawValue)-\(UUID().uuidString.prefix(6))"
        try tracking.registerModel(name: name)
        let version = try tracking.createModelVersion(name: name, runID: run.id, artifactPath: "model", tags: ["training_table": "synthetic"])
        try tracking.setAlias(name: name, alias: "champion", version: version.version)
        // MLflow itself resolves the alias, downloads the artifacts through the server and loads the flavor.
        let features = local + "-features.json"
        try MLflowFormatTests.writeFeatures(data, to: features)
        let theirs = try MLflowFormatTests.mlflowPredictions("models:/\(name)@champion", features: features, trackingURI: uri)
        #expect(theirs.count == ours.count)
        #expect(zip(ours, theirs).allSatisfy { abs(Double($0) - $1) <= 1e-6 })
    }
}
