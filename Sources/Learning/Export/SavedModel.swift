import Foundation

/// A model read back from an MLflow model directory: its library, booster and feature names.
public struct SavedModel {
    public var kind: ModelKind
    public var model: any TrainedModel
    public var featureNames: [String]

    public static func load(_ directory: String) throws -> SavedModel {
        guard let text = try? String(contentsOfFile: directory + "/MLmodel", encoding: .utf8) else {
            throw LearningError("\(directory) is not an MLflow model directory (no MLmodel file)")
        }
        let kind: ModelKind
        if text.contains("loader_module: mlflow.xgboost") { kind = .xgboost }
        else if text.contains("loader_module: mlflow.lightgbm") { kind = .lightgbm }
        else { throw LearningError("\(directory)/MLmodel: neither an xgboost nor a lightgbm model") }
        // The signature's inputs: `  inputs: '[{"type": "double", "name": "f0", ...}, ...]'`.
        guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("  inputs: '") }) else {
            throw LearningError("\(directory)/MLmodel has no column signature")
        }
        let json = String(line.dropFirst("  inputs: '".count).dropLast()).replacingOccurrences(of: "''", with: "'")
        guard let columns = (try? JSONSerialization.jsonObject(with: Data(json.utf8))) as? [[String: Any]] else {
            throw LearningError("\(directory)/MLmodel: the signature is not JSON")
        }
        let names = columns.compactMap { $0["name"] as? String }
        let file = directory + "/" + kind.modelFileName
        let model: any TrainedModel = kind == .xgboost ? try XGBoostBooster.load(file) : try LightGBMBooster.load(file)
        return SavedModel(kind: kind, model: model, featureNames: names)
    }
}
