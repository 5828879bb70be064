import Dispatch
import Synchronization

/// A grid of XGBoost parameter sets: the cartesian product of `name=v1,v2;name2=...`, or an
/// explicit list of sets.
public enum ParameterGrid {
    /// Parses `max_depth=3,5;eta=0.05,0.1;n_estimators=100,200` into its 8 parameter sets (the
    /// cartesian product), or `max_depth=3;eta=0.1 | max_depth=6;eta=0.02` into exactly the sets
    /// listed (one value per name in each).
    public static func parse(_ text: String) throws(LearningError) -> [[String: String]] {
        if text.contains("|") {
            var sets: [[String: String]] = []
            for alternative in text.split(separator: "|") {
                let parsed = try parse(String(alternative))
                guard parsed.count == 1 else {
                    throw LearningError("grid: in a list of parameter sets ('a=1;b=2 | a=3;b=4') each set gives one value per name, not '\(alternative.trimmingSpaces)'")
                }
                sets.append(parsed[0])
            }
            return sets
        }
        var sets: [[String: String]] = [[:]]
        var seen: Set<String> = []
        for part in text.split(separator: ";").map({ $0.trimmingSpaces }) where !part.isEmpty {
            let pieces = part.split(separator: "=", maxSplits: 1).map { $0.trimmingSpaces }
            guard pieces.count == 2, !pieces[0].isEmpty else {
                throw LearningError("grid: expected NAME=V1,V2 in '\(part)'")
            }
            guard seen.insert(pieces[0]).inserted else { throw LearningError("grid: '\(pieces[0])' appears twice") }
            let values = pieces[1].split(separator: ",").map { $0.trimmingSpaces }.filter { !$0.isEmpty }
            guard !values.isEmpty else { throw LearningError("grid: '\(pieces[0])' has no values") }
            sets = sets.flatMap { set in values.map { value in set.merging([pieces[0]: value]) { $1 } } }
        }
        guard !sets.isEmpty, !(sets.count == 1 && sets[0].isEmpty) else { throw LearningError("grid: no parameters in '\(text)'") }
        return sets
    }
}

/// One parameter set's walk-forward result.
public struct TrialResult: Sendable {
    public var parameters: [String: String]
    /// Each fold's out-of-sample evaluation.
    public var folds: [Evaluation]
    /// Each fold's best number of rounds (early stopping on its validation dates).
    public var bestRounds: [Int]
    /// The folds' mean of each metric.
    public var metrics: [String: Double]
}

/// What a grid search found: every trial, the best by the selection metric, and the best
/// parameters refitted on all dates.
public struct SearchResult: @unchecked Sendable {
    public var trials: [TrialResult]
    public var best: Int
    public var selection: String
    public var model: any TrainedModel
    public var refitRounds: Int
}

/// Walk-forward grid search of XGBoost or LightGBM models: trials run side by side within a thread budget,
/// each fold stops boosting early on its validation dates, the best trial is chosen by a metric
/// (`rank_ic` by default), and its parameters are refitted on every date.
public struct GridSearch: Sendable {
    public var grid: [[String: String]]
    public var model: ModelKind
    public var validation: WalkForward
    public var selection: String
    /// Threads for the whole search (0: one per processor).
    public var threads: Int
    /// Parameters every trial shares (a grid value overrides).
    public var base: [String: String]
    /// Trials run side by side at most (nil: as many as the thread budget allows). Each side-by-side
    /// trial holds its own XGBoost fold matrices, so 1 bounds memory to one set (its trials then
    /// get every thread).
    public var parallelTrials: Int?

    public init(grid: [[String: String]], model: ModelKind = .xgboost, validation: WalkForward, selection: String = "rank_ic", threads: Int = 0,
                base: [String: String] = [:], parallelTrials: Int? = nil) throws(LearningError) {
        guard !grid.isEmpty else { throw LearningError("the grid has no parameter sets") }
        guard Evaluation.metricNames.contains(selection) else {
            throw LearningError("unknown selection metric '\(selection)' (expected one of \(Evaluation.metricNames.joined(separator: ", ")))")
        }
        self.grid = grid
        self.model = model
        self.validation = validation
        self.selection = selection
        self.threads = threads
        self.base = base
        self.parallelTrials = parallelTrials.map { Swift.max(1, $0) }
    }

    /// Splits a parameter set into XGBoost's parameters, the rounds and the early-stopping patience.
    static func split(_ set: [String: String]) throws(LearningError) -> (parameters: [String: String], rounds: Int, patience: Int) {
        var parameters = set
        let roundsText = parameters.removeValue(forKey: "n_estimators") ?? parameters.removeValue(forKey: "num_boost_round") ?? "100"
        let patienceText = parameters.removeValue(forKey: "early_stopping_rounds") ?? "20"
        guard let rounds = Int(roundsText), rounds > 0 else { throw LearningError("n_estimators must be a positive whole number, not '\(roundsText)'") }
        guard let patience = Int(patienceText), patience > 0 else { throw LearningError("early_stopping_rounds must be positive, not '\(patienceText)'") }
        return (parameters, rounds, patience)
    }

    public func run(_ data: LearningDataset) throws(LearningError) -> SearchResult {
        let distinct = Array(Set(data.dates)).sorted()
        let folds = try validation.folds(dateCount: distinct.count)
        var dateIndex: [Int32: Int] = [:]
        for (k, date) in distinct.enumerated() { dateIndex[date] = k }
        let rowDate = data.dates.map { dateIndex[$0]! }
        func rows(_ dates: Range<Int>) -> [Int] { rowDate.indices.filter { dates.contains(rowDate[$0]) } }
        // Row indices only: a fold's copies of the features are made where they are used and
        // dropped after (XGBoost keeps its own matrix), so a search holds one copy of the data.
        let foldRows = folds.map { fold in (train: rows(fold.train), validation: rows(fold.validation), test: rows(fold.test)) }
        let sets = try grid.map { set throws(LearningError) in try Self.split(base.merging(set) { $1 }) }
        let budget = threads == 0 ? Swift.max(1, System.processorCount) : threads
        let workers = Swift.min(parallelTrials ?? budget, budget, sets.count)
        let perTrial = String(Swift.max(1, budget / workers))
        let results = Mutex<[Result<TrialResult, LearningError>?]>(Array(repeating: nil, count: sets.count))
        let next = Atomic<Int>(0)
        let grid = grid
        let model = model
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            // XGBoost matrices are built once per worker and fold and reused by the trials it runs
            // (XGBoost keeps each matrix's histogram cuts, so later trials skip the sketching).
            var matrices: [Int: (train: XGBoostMatrix, validation: XGBoostMatrix?, test: XGBoostMatrix)] = [:]  // by fold, grouped or not
            while true {
                let t = next.add(1, ordering: .relaxed).oldValue
                guard t < sets.count else { return }
                let result: Result<TrialResult, LearningError>
                do throws(LearningError) {
                    var parameters = sets[t].parameters
                    parameters["nthread"] = parameters["nthread"] ?? perTrial
                    var evaluations: [Evaluation] = []
                    var bestRounds: [Int] = []
                    for (index, fold) in foldRows.enumerated() {
                        let booster: any TrainedModel
                        let predictions: [Float]
                        if model == .xgboost {
                            let grouped = LearningDataset.isRanking(parameters)
                            let key = index * 2 + (grouped ? 1 : 0)
                            if matrices[key] == nil {
                                let train = data.subset(fold.train), validation = data.subset(fold.validation)
                                matrices[key] = (try XGBoostMatrix(grouped ? train.sortedByDate() : train, grouped: grouped),
                                                   validation.rowCount > 0 ? try XGBoostMatrix(grouped ? validation.sortedByDate() : validation, grouped: grouped) : nil,
                                                   try XGBoostMatrix(data.subset(fold.test)))
                            }
                            let m = matrices[key]!
                            let xgboost = try XGBoostBooster.train(m.train, parameters: parameters, rounds: sets[t].rounds, validation: m.validation,
                                                                   earlyStoppingRounds: sets[t].patience)
                            booster = xgboost
                            predictions = try xgboost.predict(m.test)
                        } else {
                            let validation = data.subset(fold.validation)
                            booster = try model.train(data.subset(fold.train), parameters: parameters, rounds: sets[t].rounds,
                                                      validation: validation.rowCount > 0 ? validation : nil, patience: sets[t].patience)
                            predictions = try booster.predict(data.subset(fold.test))
                        }
                        evaluations.append(Metrics.evaluate(predictions: predictions, labels: fold.test.map { data.labels[$0] },
                                                            dates: fold.test.map { data.dates[$0] }))
                        bestRounds.append(booster.rounds)
                    }
                    let metrics = Dictionary(uniqueKeysWithValues: Evaluation.metricNames.map { name in
                        (name, evaluations.map { $0.value(name)! }.reduce(0, +) / Double(evaluations.count))
                    })
                    result = .success(TrialResult(parameters: grid[t], folds: evaluations, bestRounds: bestRounds, metrics: metrics))
                } catch {
                    result = .failure(error)
                }
                results.withLock { $0[t] = result }
            }
        }
        var trials: [TrialResult] = []
        for result in results.withLock({ $0 }) {
            switch result {
            case .success(let trial)?: trials.append(trial)
            case .failure(let error)?: throw error
            case nil: throw LearningError("a trial did not run")
            }
        }
        let higher = Evaluation.higherIsBetter(selection)
        func score(_ trial: TrialResult) -> Double {
            let value = trial.metrics[selection] ?? .nan
            return value.isNaN ? -.infinity : (higher ? value : -value)
        }
        let best = trials.indices.max { score(trials[$0]) < score(trials[$1]) || (score(trials[$0]) == score(trials[$1]) && $0 > $1) }!
        // Refit the best parameters on every date, with the folds' mean best rounds.
        let rounds = Swift.max(1, Int((Double(trials[best].bestRounds.reduce(0, +)) / Double(trials[best].bestRounds.count)).rounded()))
        var parameters = sets[best].parameters
        parameters["nthread"] = parameters["nthread"] ?? String(budget)
        let refitted = try model.train(data, parameters: parameters, rounds: rounds, validation: nil, patience: nil)
        return SearchResult(trials: trials, best: best, selection: selection, model: refitted, refitRounds: rounds)
    }
}

/// The machine's processor count.
enum System {
    static var processorCount: Int { Swift.max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN))) }
}

extension Substring {
    var trimmingSpaces: String {
        String(drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }
}

#if canImport(Glibc)
import Glibc
#endif
