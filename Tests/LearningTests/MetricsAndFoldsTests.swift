import Testing
@testable import Learning

@Suite("Metrics and walk-forward folds")
struct MetricsAndFoldsTests {
    @Test("IC and RankIC average the per-date correlations; ICIR divides by their std; long-short takes deciles")
    func metrics() {
        // Date 1: predictions rank the labels perfectly (IC 1 up to scale); date 2: exactly reversed.
        let predictions: [Float] = [1, 2, 3, 4, 3, 2, 1, 0]
        let labels: [Float] = [0.1, 0.2, 0.3, 0.4, 0.1, 0.2, 0.3, 0.4]
        let dates: [Int32] = [1, 1, 1, 1, 2, 2, 2, 2]
        let e = Metrics.evaluate(predictions: predictions, labels: labels, dates: dates)
        #expect(abs(e.ic) < 1e-12 && abs(e.rankIC) < 1e-12 && e.dates == 2)
        let once = Metrics.evaluate(predictions: Array(predictions.prefix(4)), labels: Array(labels.prefix(4)), dates: Array(dates.prefix(4)))
        #expect(abs(once.ic - 1) < 1e-6 && abs(once.rankIC - 1) < 1e-12 && once.icir.isNaN)
        // Ties average their ranks (Spearman): predictions 1,1,2 vs labels 1,2,3.
        #expect(abs(Metrics.pearson(Metrics.averageRanks([1, 1, 2]), [1, 2, 3])! - 0.8660254037844387) < 1e-12)
        let rmse = Metrics.evaluate(predictions: [1, 2], labels: [0, 0], dates: [1, 1]).rmse
        #expect(abs(rmse - (2.5).squareRoot()) < 1e-12)
        // Ten names: top decile is the best predicted one, bottom the worst.
        let ten = Metrics.evaluate(predictions: (0 ..< 10).map(Float.init), labels: (0 ..< 10).map { Float($0) / 100 }, dates: Array(repeating: 3, count: 10))
        #expect(abs(ten.longShort - 0.09) < 1e-7)
    }

    @Test("folds test consecutive blocks after the first, train only before each block, with purge and embargo as a gap", arguments: [
        WalkForward.Window.expanding, .sliding(dates: 30),
    ])
    func folds(window: WalkForward.Window) throws {
        let cv = try WalkForward(folds: 4, window: window, purgeDays: 5, embargoDays: 2)
        let folds = try cv.folds(dateCount: 250)
        #expect(folds.count == 4)
        #expect(folds.first!.test.lowerBound == 50 && folds.last!.test.upperBound == 250)
        for (k, fold) in folds.enumerated() {
            if k > 0 { #expect(fold.test.lowerBound == folds[k - 1].test.upperBound) }
            let lastTraining = max(fold.train.upperBound, fold.validation.upperBound)
            #expect(lastTraining + 7 <= fold.test.lowerBound, "fold \(k): \(fold)")
            if !fold.validation.isEmpty { #expect(fold.train.upperBound + 5 <= fold.validation.lowerBound) }
            if case .sliding(let n) = window { #expect(lastTraining - fold.train.lowerBound <= n) } else { #expect(fold.train.lowerBound == 0) }
        }
    }
}
