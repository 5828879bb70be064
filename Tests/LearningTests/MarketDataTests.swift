import Columnar
import Factors
import Foundation
import Testing
@testable import Learning

@Suite("Training on the real market data")
struct MarketDataTests {
    static let market = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("shared/data/market").path

    @Test("a few simple factors and a next-day return label (same ticker) go through walk-forward grid search")
    func market() throws {
        guard FileManager.default.fileExists(atPath: Self.market) else {
            print("SKIPPED: no market data at ../shared/data/market; the real-data training test did not run")
            return
        }
        let panel = try PanelLoader.load(Self.market).prefix(tickers: 120)
        let factors: [(name: String, expression: String)] = [
            ("ret_5", "$close / Ref($close, 5) - 1"), ("ret_20", "$close / Ref($close, 20) - 1"), ("ma_ratio", "Mean($close, 10) / $close"),
            ("vol_20", "Std($close / Ref($close, 1) - 1, 20)"), ("volume_ratio", "$volume / Mean($volume, 20)"),
            // The label: the same ticker's next-day return (Ref -1 looks one row ahead in its own
            // series), ranked across tickers per date as Qlib's CSRankNorm does: the data has
            // broken prints (BHF closes at 0.001 once) that would otherwise dominate squared errors.
            ("label", "CSRank(Ref($close, -1) / $close - 1) - 0.5"),
        ]
        var batches: [RecordBatch] = []
        try FactorEngine(plan: FactorPlan(factors: factors)).run(panel) { batches.append($0) }
        let data = try LearningDataset(batches: batches, features: ["ret_5", "ret_20", "ma_ratio", "vol_20", "volume_ratio"], label: "label")
        // The last date of each ticker has no next close: those rows are left out.
        #expect(data.rowCount == panel.rowCount - 120)
        let search = try GridSearch(grid: ParameterGrid.parse("max_depth=2,3;eta=0.05;n_estimators=60"),
                                    validation: WalkForward(folds: 3, purgeDays: 1, embargoDays: 1), selection: "rank_ic")
        let result = try search.run(data)
        #expect(result.trials.count == 2)
        for trial in result.trials {
            #expect(trial.folds.count == 3)
            #expect(trial.folds.allSatisfy { $0.dates > 0 && $0.rmse < 0.35 && $0.rankIC.isFinite }, "\(trial.folds) \(trial.bestRounds)")
            // Daily stock returns are hard to predict: anything far from zero would mean leakage.
            #expect(abs(trial.metrics["rank_ic"]!) < 0.1, "\(trial.metrics)")
        }
        #expect(result.refitRounds >= 1)
        let predictions = try result.model.predict(data)
        #expect(predictions.count == data.rowCount && predictions.allSatisfy(\.isFinite))
    }
}
