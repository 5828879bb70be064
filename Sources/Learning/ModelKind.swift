/// A trained gradient-boosted model, whichever library made it.
public protocol TrainedModel: AnyObject, Sendable {
    /// The boosting rounds the model predicts with.
    var rounds: Int { get }
    func predict(_ data: LearningDataset) throws(LearningError) -> [Float]
    /// Saves the model in its library's own format (`model.json` for XGBoost, `model.lgb` for LightGBM).
    func save(to path: String) throws(LearningError)
}

extension XGBoostBooster: TrainedModel {
    public func predict(_ data: LearningDataset) throws(LearningError) -> [Float] { try predict(XGBoostMatrix(data)) }
}

extension LightGBMBooster: TrainedModel {}

/// Which library trains the models.
public enum ModelKind: String, Sendable, CaseIterable {
    case xgboost, lightgbm

    /// The file name a saved model gets (what MLflow's flavors expect).
    public var modelFileName: String { self == .xgboost ? "model.json" : "model.lgb" }

    /// Trains one model; `validation` (with `patience`) stops boosting early.
    public func train(_ train: LearningDataset, parameters: [String: String], rounds: Int, validation: LearningDataset?,
                      patience: Int?) throws(LearningError) -> any TrainedModel {
        switch self {
        case .xgboost:
            // Ranking objectives rank each date's rows: rows are sorted by date and grouped.
            let grouped = LearningDataset.isRanking(parameters)
            let validationMatrix = try validation.map { data throws(LearningError) in try XGBoostMatrix(grouped ? data.sortedByDate() : data, grouped: grouped) }
            return try XGBoostBooster.train(try XGBoostMatrix(grouped ? train.sortedByDate() : train, grouped: grouped), parameters: parameters, rounds: rounds,
                                            validation: validationMatrix, earlyStoppingRounds: patience)
        case .lightgbm:
            var parameters = parameters
            // XGBoost's names for the thread count and seed, accepted for either library.
            if let threads = parameters.removeValue(forKey: "nthread") { parameters["num_threads"] = parameters["num_threads"] ?? threads }
            return try LightGBMBooster.train(train, parameters: parameters, rounds: rounds, validation: validation, earlyStoppingRounds: patience)
        }
    }
}
