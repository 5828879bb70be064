/// Walk-forward cross-validation by date: each fold trains on dates before its test block and
/// tests on the block, with a gap between them of `purgeDays` (at least the label horizon, so no
/// training label overlaps the test period) plus `embargoDays`. Random splits of time series are
/// not offered: they leak the future into training.
public struct WalkForward: Sendable {
    public enum Window: Sendable, Equatable {
        /// Training starts at the first date and grows fold by fold.
        case expanding
        /// Training keeps the last N dates before the gap.
        case sliding(dates: Int)
    }

    public var folds: Int
    public var window: Window
    public var purgeDays: Int
    public var embargoDays: Int
    /// The share of each fold's training dates (its last ones, after a purge gap) used to stop
    /// boosting early.
    public var validationFraction: Double

    public init(folds: Int, window: Window = .expanding, purgeDays: Int, embargoDays: Int = 0, validationFraction: Double = 0.2) throws(LearningError) {
        guard folds >= 1 else { throw LearningError("walk-forward needs at least 1 fold, not \(folds)") }
        guard purgeDays >= 0, embargoDays >= 0 else { throw LearningError("purge and embargo must be 0 or more days") }
        guard validationFraction >= 0, validationFraction < 1 else { throw LearningError("the validation fraction must be in [0, 1)") }
        if case .sliding(let n) = window, n < 2 { throw LearningError("a sliding window needs at least 2 dates") }
        self.folds = folds
        self.window = window
        self.purgeDays = purgeDays
        self.embargoDays = embargoDays
        self.validationFraction = validationFraction
    }

    /// One fold's dates (indices into the sorted distinct dates).
    public struct Fold: Sendable, Equatable {
        public var train: Range<Int>
        public var validation: Range<Int>
        public var test: Range<Int>
    }

    /// The folds over `dateCount` sorted distinct dates: the dates after the first
    /// `dateCount / (folds + 1)` are cut into `folds` consecutive test blocks.
    public func folds(dateCount: Int) throws(LearningError) -> [Fold] {
        let gap = purgeDays + embargoDays
        let initial = dateCount / (folds + 1)
        let block = (dateCount - initial) / folds
        guard block >= 1, initial > gap + 1 else {
            throw LearningError("\(dateCount) dates are too few for \(folds) folds with a gap of \(gap) dates")
        }
        var result: [Fold] = []
        for k in 0 ..< folds {
            let testStart = initial + k * block
            let testEnd = k == folds - 1 ? dateCount : testStart + block
            let trainEnd = testStart - gap
            var trainStart = 0
            if case .sliding(let n) = window { trainStart = Swift.max(0, trainEnd - n) }
            // The last part of the training dates validates early stopping, after its own purge.
            let trainDates = trainEnd - trainStart
            let validationDates = validationFraction == 0 ? 0 : Swift.max(1, Int(Double(trainDates) * validationFraction))
            let innerEnd = trainEnd - validationDates - purgeDays
            if validationDates > 0, innerEnd - trainStart >= 2 {
                result.append(Fold(train: trainStart ..< innerEnd, validation: trainEnd - validationDates ..< trainEnd, test: testStart ..< testEnd))
            } else {
                result.append(Fold(train: trainStart ..< trainEnd, validation: trainEnd ..< trainEnd, test: testStart ..< testEnd))
            }
        }
        return result
    }
}
