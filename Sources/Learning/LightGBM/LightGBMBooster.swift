#if canImport(Glibc)
import Glibc
#endif

/// A trained (or loaded) LightGBM model.
public final class LightGBMBooster: @unchecked Sendable {
    private let library: LightGBMLibrary
    private let handle: UnsafeMutableRawPointer
    /// The number of boosting rounds used for prediction (the best round with early stopping).
    public private(set) var rounds: Int
    public private(set) var validationHistory: [Double] = []

    private init(library: LightGBMLibrary, handle: UnsafeMutableRawPointer, rounds: Int) {
        self.library = library
        self.handle = handle
        self.rounds = rounds
    }

    deinit { _ = library.boosterFree(handle) }

    /// A LightGBM Dataset of `data` (NaN as missing); `reference` aligns a validation set's bins
    /// with its training set's.
    private static func dataset(_ library: LightGBMLibrary, _ data: LearningDataset, parameters: String, grouped: Bool = false,
                                reference: UnsafeMutableRawPointer? = nil) throws(LearningError) -> UnsafeMutableRawPointer {
        var out: UnsafeMutableRawPointer?
        let status = data.features.withUnsafeBufferPointer { features in
            library.datasetCreateFromMat(features.baseAddress, 0, Int32(data.rowCount), Int32(data.featureCount), 1, parameters, reference, &out)
        }
        try library.check(status, "could not build a dataset")
        guard let out else { throw LearningError("LightGBM returned no dataset") }
        let labelStatus = data.labels.withUnsafeBufferPointer { library.datasetSetField(out, "label", $0.baseAddress, Int32($0.count), 0) }
        try library.check(labelStatus, "could not set the labels")
        if grouped {
            let groups = data.dateGroupSizes.map { Int32($0) }
            let groupStatus = groups.withUnsafeBufferPointer { library.datasetSetField(out, "group", $0.baseAddress, Int32($0.count), 2) }
            try library.check(groupStatus, "could not set the query groups")
        }
        let copies = data.featureNames.map { strdup($0) }
        defer { for copy in copies { free(copy) } }
        var names = copies.map { UnsafePointer($0) }
        let nameStatus = names.withUnsafeMutableBufferPointer { library.datasetSetFeatureNames(out, $0.baseAddress, Int32($0.count)) }
        try library.check(nameStatus, "could not set the feature names")
        return out
    }

    /// Trains `rounds` rounds with LightGBM's parameters (`num_leaves`, `learning_rate`, ...);
    /// with `validation`, stops after `earlyStoppingRounds` rounds without improvement of the first
    /// metric and keeps the best round. `libraryPath` overrides where lib_lightgbm.so is found.
    public static func train(_ train: LearningDataset, parameters: [String: String], rounds: Int, validation: LearningDataset? = nil,
                             earlyStoppingRounds: Int? = nil, libraryPath: String? = nil) throws(LearningError) -> LightGBMBooster {
        guard rounds > 0 else { throw LearningError("the number of boosting rounds must be positive, not \(rounds)") }
        let library = try LightGBMLibrary.load(libraryPath)
        var settings = ["objective": "regression", "verbosity": "-1", "seed": "0", "num_threads": "1", "deterministic": "true", "force_row_wise": "true"]
        for (key, value) in parameters { settings[key] = value }
        for (key, value) in settings where key.contains(" ") || key.contains("=") || value.contains(" ") {
            throw LearningError("LightGBM parameter '\(key)=\(value)' must not contain spaces or '='")
        }
        let text = settings.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        // Ranking objectives rank each date's rows: rows are sorted by date and grouped.
        let grouped = LearningDataset.isRanking(settings)
        let train = grouped ? train.sortedByDate() : train
        let validation = grouped ? validation?.sortedByDate() : validation
        let trainSet = try dataset(library, train, parameters: text, grouped: grouped)
        defer { _ = library.datasetFree(trainSet) }
        var validSet: UnsafeMutableRawPointer?
        if let validation { validSet = try dataset(library, validation, parameters: text, grouped: grouped, reference: trainSet) }
        defer { if let validSet { _ = library.datasetFree(validSet) } }
        var out: UnsafeMutableRawPointer?
        try library.check(library.boosterCreate(trainSet, text, &out), "rejected the parameters '\(text)'")
        guard let out else { throw LearningError("LightGBM returned no booster") }
        let booster = LightGBMBooster(library: library, handle: out, rounds: rounds)
        var metricCount: Int32 = 0
        if let validSet {
            try library.check(library.boosterAddValidData(out, validSet), "could not add the validation set")
            try library.check(library.boosterGetEvalCounts(out, &metricCount), "could not count the metrics")
        }
        // Ranking metrics (ndcg, map) and auc improve upwards.
        let metric = settings["metric"] ?? (grouped ? "ndcg" : "l2")
        let maximize = grouped || ["ndcg", "map", "auc"].contains { metric.hasPrefix($0) }
        var best = (round: 0, score: Double.infinity)
        var trained = 0
        for round in 0 ..< rounds {
            var finished: Int32 = 0
            try library.check(library.boosterUpdateOneIter(out, &finished), "failed in round \(round)")
            trained = round + 1
            if finished != 0 { break }  // no split improves the model any more
            guard validSet != nil, metricCount > 0 else { continue }
            var results = [Double](repeating: .nan, count: Int(metricCount))
            var length: Int32 = 0
            try library.check(library.boosterGetEval(out, 1, &length, &results), "could not evaluate round \(round)")
            booster.validationHistory.append(results[0])
            let score = maximize ? -results[0] : results[0]
            if score < best.score { best = (round, score) }
            if let patience = earlyStoppingRounds, round - best.round >= patience { break }
        }
        booster.rounds = validSet != nil && metricCount > 0 ? best.round + 1 : trained
        return booster
    }

    /// Predictions for every row of `data`, with the booster's best rounds.
    public func predict(_ data: LearningDataset) throws(LearningError) -> [Float] {
        var length: Int64 = 0
        var output = [Double](repeating: .nan, count: data.rowCount)
        let status = data.features.withUnsafeBufferPointer { features in
            output.withUnsafeMutableBufferPointer { out in
                library.boosterPredictForMat(handle, features.baseAddress, 0, Int32(data.rowCount), Int32(data.featureCount), 1, 0, 0, Int32(rounds), "",
                                             &length, out.baseAddress)
            }
        }
        try library.check(status, "could not predict")
        return output.map { Float($0) }
    }

    /// Saves the model (its best rounds) in LightGBM's text format (`model.lgb`, what MLflow's
    /// lightgbm flavor loads).
    public func save(to path: String) throws(LearningError) {
        try library.check(library.boosterSaveModel(handle, 0, Int32(rounds), 0, path), "could not save \(path)")
    }

    /// Loads a model saved by `save` (or by LightGBM itself).
    public static func load(_ path: String, libraryPath: String? = nil) throws(LearningError) -> LightGBMBooster {
        let library = try LightGBMLibrary.load(libraryPath)
        var iterations: Int32 = 0
        var out: UnsafeMutableRawPointer?
        try library.check(library.boosterCreateFromModelfile(path, &iterations, &out), "could not load \(path)")
        guard let out else { throw LearningError("LightGBM returned no booster") }
        return LightGBMBooster(library: library, handle: out, rounds: Int(iterations))
    }
}
