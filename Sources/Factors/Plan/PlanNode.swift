/// One operation of a compiled factor plan.
public enum PlanOperation: Sendable, Hashable {
    case field(String)
    case constant(Double)
    case negate
    case arithmetic(BinaryOperator)
    case function(ElementFunction)
    case ifThenElse
    case ref(Int)
    case rolling(RollingFunction, window: Int)
    case quantile(window: Int, q: Double)
    case pair(PairFunction, window: Int)
    /// pandas `ewm(alpha:, adjust: true)`: α = 2/(N+1) for a span N, or α itself.
    case ema(alpha: Double)
    /// pandas `ewm(alpha:, adjust: false).mean()` (the recursive form).
    case ewm(alpha: Double)
    /// Wilder's smoothing seeded with the mean of the first N values (TA-Lib's RSI and ATR).
    case wilder(window: Int)
    /// TA-Lib's EMA: seeded with the mean of the first N values, NaN before.
    case seededEMA(window: Int)
    case crossSection(CrossSectionFunction)
    /// The input evaluated on another ticker's series, aligned by date.
    case mask(ticker: String)

    /// True for operations computed per date across tickers.
    public var isCrossSectional: Bool {
        if case .crossSection = self { return true }
        return false
    }
}

/// Element-wise functions of one or two series.
public enum ElementFunction: String, Sendable, Hashable {
    case abs, sign, log, not, power, signedPower, greater, less
}

/// Rolling-window reductions of one series.
public enum RollingFunction: String, Sendable, Hashable {
    case sum, mean, count, std, variance, skew, kurt, max, min, median, mad
    case idxMax, idxMin, slope, rsquare, resi, rank, tsRank, wma, product
}

/// Rolling-window statistics of two series.
public enum PairFunction: String, Sendable, Hashable {
    case corr, cov
}

/// Per-date operations across tickers.
public enum CrossSectionFunction: String, Sendable, Hashable {
    case rank, zscore, demean, scale, neutralize
}

/// A node of the plan: an operation over earlier nodes.
public struct PlanNode: Sendable, Hashable {
    public var operation: PlanOperation
    public var inputs: [Int]
}
