import Foundation
import Testing
@testable import Learning

@Suite("Models saved in MLflow's format, loaded by MLflow itself", .serialized)
struct MLflowFormatTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let python = repository.appendingPathComponent("interop/.venv-mlflow/bin/python").path

    /// Writes `data`'s features as mlflow_predict.py's input JSON (null for missing).
    static func writeFeatures(_ data: LearningDataset, to path: String) throws {
        var rows: [String] = []
        for r in 0 ..< data.rowCount {
            let values = (0 ..< data.featureCount).map { c -> String in
                let v = data.features[r * data.featureCount + c]
                return v.isNaN ? "null" : "\(Double(v))"
            }
            rows.append("[" + values.joined(separator: ",") + "]")
        }
        let names = data.featureNames.map { "\"\($0)\"" }.joined(separator: ",")
        try "{\"columns\": [\(names)], \"rows\": [\(rows.joined(separator: ","))]}".write(toFile: path, atomically: true, encoding: .utf8)
    }

    /// MLflow's predictions for the features at `features` through `mlflow.pyfunc.load_model(model)`.
    static func mlflowPredictions(_ model: String, features: String, trackingURI: String? = nil) throws -> [Double] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [repository.appendingPathComponent("interop/mlflow_predict.py").path, model, features]
            + (trackingURI.map { ["--tracking-uri", $0] } ?? [])
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let problems = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw LearningError("mlflow_predict.py failed: \(problems.suffix(800))") }
        return text.split(separator: "\n").compactMap { Double($0) }
    }

    @Test("MLflow's pyfunc loads Sluice's XGBoost and LightGBM models and predicts the same values (1e-6)", arguments: ModelKind.allCases)
    func pyfunc(kind: ModelKind) throws {
        guard FileManager.default.isExecutableFile(atPath: Self.python) else {
            print("SKIPPED: interop/.venv-mlflow missing (run scripts/test.sh); MLflow model-format interop not run")
            return
        }
        if kind == .lightgbm, (try? LightGBMLibrary.load()) == nil {
            print("SKIPPED: LightGBM is not installed; its MLflow interop not run")
            return
        }
        var data = try plantedData(dates: 30, tickers: 40)
        // Some missing values: MLflow must treat them as XGBoost/LightGBM do.
        var features = data.features
        for k in stride(from: 3, to: features.count, by: 17) { features[k] = .nan }
        data = try LearningDataset(featureNames: data.featureNames, features: features, labels: data.labels, dates: data.dates)
        let model = try kind.train(data, parameters: kind == .xgboost ? ["max_depth": "4", "eta": "0.2"] : ["num_leaves": "15", "learning_rate": "0.2"],
                                   rounds: 40, validation: nil, patience: nil)
        let ours = try model.predict(data)
        let directory = NSTemporaryDirectory() + "sluice-mlflow-\(UUID().uuidString)/model"
        defer { try? FileManager.default.removeItem(atPath: URL(fileURLWithPath: directory).deletingLastPathComponent().path) }
        try MLflowModelDirectory.save(model, kind: kind, featureNames: data.featureNames, to: directory, runID: "0123456789abcdef",
                                      metadata: [("training_table", "lake/stockdata/gold_training_set"), ("training_version", "7")])
        let mlmodel = try String(contentsOfFile: directory + "/MLmodel", encoding: .utf8)
        #expect(mlmodel.contains("loader_module: mlflow.\(kind.rawValue)") && mlmodel.contains("data: \(kind.modelFileName)"))
        try Self.writeFeatures(data, to: directory + "-features.json")
        let theirs = try Self.mlflowPredictions(directory, features: directory + "-features.json")
        #expect(theirs.count == ours.count)
        let worst = zip(ours, theirs).map { abs(Double($0) - $1) }.max() ?? .infinity
        #expect(worst <= 1e-6, "largest difference \(worst)")
    }
}
