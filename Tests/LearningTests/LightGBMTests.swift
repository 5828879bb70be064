import Foundation
import Testing
@testable import Learning

@Suite("LightGBM loaded at run time from the PyPI wheel")
struct LightGBMTests {
    /// The wheel's library in the interop venv, or nil with a visible note.
    static var available: Bool {
        do {
            _ = try LightGBMLibrary.load()
            return true
        } catch {
            print("SKIPPED: \(error)")
            return false
        }
    }

    @Test("a planted signal through LightGBM's walk-forward grid search gives a clearly positive RankIC")
    func plantedSignal() throws {
        guard Self.available else { return }
        let search = try GridSearch(grid: ParameterGrid.parse("num_leaves=4,15;learning_rate=0.1;n_estimators=150"), model: .lightgbm,
                                    validation: WalkForward(folds: 3, purgeDays: 1, embargoDays: 1))
        let result = try search.run(plantedData())
        #expect(result.trials[result.best].metrics["rank_ic"]! > 0.2, "\(result.trials[result.best].metrics)")
        let shuffled = try search.run(plantedData(shuffle: true))
        for trial in shuffled.trials { #expect(abs(trial.metrics["rank_ic"]!) < 0.05, "\(trial.metrics)") }
    }

    @Test("NaN is missing, a saved model.lgb loads back with the same predictions, training is deterministic")
    func roundTrip() throws {
        guard Self.available else { return }
        var features: [Float] = [], labels: [Float] = []
        for k in 0 ..< 600 {
            switch k % 3 {
            case 0: features.append(.nan); labels.append(10)
            case 1: features.append(0); labels.append(0)
            default: features.append(1); labels.append(5)
            }
        }
        let data = try LearningDataset(featureNames: ["x"], features: features, labels: labels, dates: Array(repeating: 18_000, count: 600))
        let parameters = ["num_leaves": "4", "learning_rate": "1", "min_data_in_leaf": "5", "min_data_in_bin": "1"]
        let booster = try LightGBMBooster.train(data, parameters: parameters, rounds: 5)
        let predictions = try booster.predict(data)
        #expect(abs(predictions[0] - 10) < 0.01 && abs(predictions[1]) < 0.01 && abs(predictions[2] - 5) < 0.01, "\(predictions.prefix(3))")
        let planted = try plantedData(dates: 40, tickers: 50)
        let first = try LightGBMBooster.train(planted, parameters: ["num_leaves": "8", "bagging_fraction": "0.8", "bagging_freq": "1"], rounds: 30)
        let second = try LightGBMBooster.train(planted, parameters: ["num_leaves": "8", "bagging_fraction": "0.8", "bagging_freq": "1"], rounds: 30)
        let p1 = try first.predict(planted)
        #expect(p1 == (try second.predict(planted)))
        let path = NSTemporaryDirectory() + "sluice-lgb-\(UUID().uuidString).lgb"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try first.save(to: path)
        #expect(try String(contentsOfFile: path, encoding: .utf8).contains("feature_names=f0 f1 f2 f3 f4"))
        let loaded = try LightGBMBooster.load(path)
        let reloaded = try loaded.predict(planted)
        #expect(loaded.rounds == 30 && reloaded == p1)
    }

    @Test("a missing library is a clear error naming where it looked and how to install it")
    func missing() {
        #expect(throws: LearningError.self) { try LightGBMLibrary.load("/nonexistent/lib_lightgbm.so") }
        do {
            _ = try LightGBMLibrary.load("/nonexistent/lib_lightgbm.so")
        } catch {
            #expect(error.message.hasPrefix("LightGBM is not installed: /nonexistent/lib_lightgbm.so:"), "\(error)")
            #expect(error.message.contains("pip install lightgbm"))
        }
    }
}
