import CXGBoost

/// XGBoost's C API behind Swift types: matrices, boosters, training and prediction.
enum XGBoostCall {
    /// Calls `body` with a C array of C strings for `strings` (valid for the call); returns its status.
    static func withCStrings(_ strings: [String], _ body: (UnsafeMutablePointer<UnsafePointer<CChar>?>) -> Int32) -> Int32 {
        let copies = strings.map { strdup($0) }
        defer { for copy in copies { free(copy) } }
        var pointers = copies.map { UnsafePointer($0) }
        return pointers.withUnsafeMutableBufferPointer { body($0.baseAddress!) }
    }

    /// Names a matrix's columns.
    static func setMatrixFeatureNames(_ handle: DMatrixHandle, _ names: [String]) throws(LearningError) {
        let status = withCStrings(names) { XGDMatrixSetStrFeatureInfo(handle, "feature_name", $0, bst_ulong(names.count)) }
        try check(status, "could not set the feature names")
    }

    /// Stores the feature names in the booster, so a saved model carries them (MLflow's pyfunc
    /// then checks the input columns against them).
    static func setFeatureNames(_ handle: BoosterHandle, _ names: [String]) throws(LearningError) {
        guard !names.isEmpty else { return }
        let status = withCStrings(names) { XGBoosterSetStrFeatureInfo(handle, "feature_name", $0, bst_ulong(names.count)) }
        try check(status, "could not store the feature names")
    }

    /// Throws XGBoost's last error when `status` is not 0.
    static func check(_ status: Int32, _ what: String) throws(LearningError) {
        guard status != 0 else { return }
        let message = XGBGetLastError().map { String(cString: $0) } ?? "unknown error"
        throw LearningError("XGBoost \(what): \(message)")
    }
}

/// An XGBoost DMatrix: the features (NaN as missing, never 0) and labels of a dataset.
public final class XGBoostMatrix: @unchecked Sendable {
    let handle: DMatrixHandle
    public let rowCount: Int
    public let featureNames: [String]
    /// The mean label (0 when there are none).
    public let labelMean: Double

    /// A matrix of `data`; with `grouped`, each date's rows form one query group (the rows must be
    /// sorted by date, as `sortedByDate()` leaves them) for XGBoost's ranking objectives.
    public init(_ data: LearningDataset, grouped: Bool = false) throws(LearningError) {
        var out: DMatrixHandle?
        let status = data.features.withUnsafeBufferPointer { features in
            XGDMatrixCreateFromMat(features.baseAddress, bst_ulong(data.rowCount), bst_ulong(data.featureCount), Float.nan, &out)
        }
        try XGBoostCall.check(status, "could not build a matrix")
        guard let out else { throw LearningError("XGBoost returned no matrix") }
        handle = out
        rowCount = data.rowCount
        featureNames = data.featureNames
        labelMean = data.labels.isEmpty ? 0 : data.labels.reduce(0.0) { $0 + Double($1) } / Double(data.labels.count)
        try XGBoostCall.check(data.labels.withUnsafeBufferPointer { XGDMatrixSetFloatInfo(handle, "label", $0.baseAddress, bst_ulong($0.count)) },
                              "could not set the labels")
        try XGBoostCall.setMatrixFeatureNames(out, data.featureNames)
        if grouped {
            let groups = data.dateGroupSizes
            try XGBoostCall.check(groups.withUnsafeBufferPointer { XGDMatrixSetUIntInfo(out, "group", $0.baseAddress, bst_ulong($0.count)) },
                                  "could not set the query groups")
        }
    }

    deinit { XGDMatrixFree(handle) }
}

#if canImport(Glibc)
import Glibc
#endif

/// A trained (or loaded) XGBoost model.
public final class XGBoostBooster: @unchecked Sendable {
    let handle: BoosterHandle
    /// The number of boosting rounds used for prediction (the best round with early stopping).
    public private(set) var rounds: Int
    /// Validation metric per round, when trained with a validation set.
    public private(set) var validationHistory: [Double] = []
    /// The feature names, in column order.
    public private(set) var featureNames: [String] = []

    private init(handle: BoosterHandle, rounds: Int) {
        self.handle = handle
        self.rounds = rounds
    }

    deinit { XGBoosterFree(handle) }

    /// Trains `rounds` rounds on `train` with `parameters` (XGBoost's names: `max_depth`, `eta`,
    /// `objective`, ...). With `validation`, the validation metric is evaluated each round and
    /// training stops after `earlyStoppingRounds` rounds without improvement; the booster then
    /// predicts (and saves) with the best round's trees.
    public static func train(_ train: XGBoostMatrix, parameters: [String: String], rounds: Int,
                             validation: XGBoostMatrix? = nil, earlyStoppingRounds: Int? = nil) throws(LearningError) -> XGBoostBooster {
        guard rounds > 0 else { throw LearningError("the number of boosting rounds must be positive, not \(rounds)") }
        var matrices: [DMatrixHandle?] = [train.handle] + (validation.map { [$0.handle] } ?? [])
        var out: BoosterHandle?
        try XGBoostCall.check(XGBoosterCreate(&matrices, bst_ulong(matrices.count), &out), "could not create a booster")
        guard let out else { throw LearningError("XGBoost returned no booster") }
        let booster = XGBoostBooster(handle: out, rounds: rounds)
        booster.featureNames = train.featureNames
        // Defaults that matter for reproducible, quiet training; the caller's parameters win.
        // base_score starts from the mean label, as XGBoost 2+ estimates it (1.7 starts at 0.5,
        // far from any return, so early-stopped models would predict about 0.5).
        var settings = ["tree_method": "hist", "verbosity": "0", "seed": "0", "nthread": "1", "base_score": String(train.labelMean)]
        for (key, value) in parameters { settings[key] = value }
        for (key, value) in settings.sorted(by: { $0.key < $1.key }) {
            try XGBoostCall.check(XGBoosterSetParam(out, key, value), "rejected parameter \(key)=\(value)")
        }
        var best = (round: 0, score: Double.infinity)
        for round in 0 ..< rounds {
            try XGBoostCall.check(XGBoosterUpdateOneIter(out, Int32(round), train.handle), "failed in round \(round)")
            guard let validation else { continue }
            var handles: [DMatrixHandle?] = [validation.handle]
            var result: UnsafePointer<CChar>?
            let name = strdup("valid")
            defer { free(name) }
            var names: [UnsafePointer<CChar>?] = [UnsafePointer(name)]
            try XGBoostCall.check(XGBoosterEvalOneIter(out, Int32(round), &handles, &names, 1, &result), "could not evaluate round \(round)")
            // "[3]\tvalid-rmse:0.01234" -> 0.01234 (the first metric decides).
            let text = result.map { String(cString: $0) } ?? ""
            guard let colon = text.firstIndex(of: ":"), let value = Double(text[text.index(after: colon)...].prefix { !$0.isWhitespace }) else {
                throw LearningError("XGBoost's evaluation '\(text)' has no metric value")
            }
            // Ranking and classification metrics (ndcg, map, auc...) improve upwards.
            let metric = text[..<colon].split(separator: "-").last.map(String.init) ?? ""
            let maximize = ["ndcg", "map", "auc", "aucpr", "pre"].contains { metric.hasPrefix($0) }
            booster.validationHistory.append(value)
            let score = maximize ? -value : value
            if score < best.score { best = (round, score) }
            if let patience = earlyStoppingRounds, round - best.round >= patience { break }
        }
        if validation != nil { booster.rounds = best.round + 1 }
        return booster
    }

    /// Predictions for every row of `data`, with the booster's best rounds.
    public func predict(_ data: XGBoostMatrix) throws(LearningError) -> [Float] {
        let config = #"{"type": 0, "training": false, "iteration_begin": 0, "iteration_end": \#(rounds), "strict_shape": false}"#
        var shape: UnsafePointer<bst_ulong>?
        var dimensions: bst_ulong = 0
        var result: UnsafePointer<Float>?
        try XGBoostCall.check(XGBoosterPredictFromDMatrix(handle, data.handle, config, &shape, &dimensions, &result), "could not predict")
        guard let result else { throw LearningError("XGBoost returned no predictions") }
        // The buffer belongs to the booster: copy before the next call.
        return Array(UnsafeBufferPointer(start: result, count: data.rowCount))
    }

    /// Saves the model (its best rounds) as XGBoost JSON (`path` should end in `.json`, the format
    /// XGBoost 1.7 through 3.x and MLflow read).
    public func save(to path: String) throws(LearningError) {
        var sliced: BoosterHandle?
        try XGBoostCall.check(XGBoosterSlice(handle, 0, Int32(rounds), 1, &sliced), "could not keep the best \(rounds) rounds")
        guard let sliced else { throw LearningError("XGBoost returned no model") }
        defer { XGBoosterFree(sliced) }
        try XGBoostCall.setFeatureNames(sliced, featureNames)
        try XGBoostCall.check(XGBoosterSaveModel(sliced, path), "could not save \(path)")
    }

    /// Loads a model saved by `save` (or by XGBoost itself).
    public static func load(_ path: String) throws(LearningError) -> XGBoostBooster {
        var out: BoosterHandle?
        var none: [DMatrixHandle?] = []
        try XGBoostCall.check(XGBoosterCreate(&none, 0, &out), "could not create a booster")
        guard let out else { throw LearningError("XGBoost returned no booster") }
        let booster = XGBoostBooster(handle: out, rounds: 0)
        try XGBoostCall.check(XGBoosterLoadModel(out, path), "could not load \(path)")
        var rounds: Int32 = 0
        try XGBoostCall.check(XGBoosterBoostedRounds(out, &rounds), "could not count the rounds of \(path)")
        booster.rounds = Int(rounds)
        var count: bst_ulong = 0
        var names: UnsafeMutablePointer<UnsafePointer<CChar>?>?
        try XGBoostCall.check(XGBoosterGetStrFeatureInfo(out, "feature_name", &count, &names), "could not read the feature names of \(path)")
        booster.featureNames = (0 ..< Int(count)).compactMap { names?[$0].map { String(cString: $0) } }
        return booster
    }
}
