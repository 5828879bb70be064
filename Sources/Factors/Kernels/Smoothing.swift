/// Exponential and weighted averages: `EMA` (pandas `ewm(adjust=True)`), `WMA`/`DecayLinear`
/// (linear weights, newest heaviest), and TA-Lib's seeded forms `WilderMA` and `SeededEMA`.
enum SmoothingKernels {
    /// pandas `ewm(alpha:, adjust: true, ignore_na: false, min_periods: 1).mean()`, step for step.
    static func ema(alpha: Double, _ x: UnsafeBufferPointer<Double>, into out: UnsafeMutableBufferPointer<Double>) {
        exponential(alpha: alpha, adjusted: true, x, into: out)
    }

    /// pandas `ewm(alpha:, adjust: false, ignore_na: false, min_periods: 1).mean()`, step for
    /// step: `((1-α)^k * previous + α * x) / ((1-α)^k + α)` where k counts the rows since the
    /// previous value.
    static func ewm(alpha: Double, _ x: UnsafeBufferPointer<Double>, into out: UnsafeMutableBufferPointer<Double>) {
        exponential(alpha: alpha, adjusted: false, x, into: out)
    }

    /// pandas' ewm mean recursion: the old weight decays by 1-α every row (NaN rows included), a
    /// value enters with weight 1 (adjusted) or α, and after it the old weight is their sum
    /// (adjusted) or 1. Rows before the first value are NaN; NaN rows repeat the mean.
    private static func exponential(alpha: Double, adjusted: Bool, _ x: UnsafeBufferPointer<Double>, into out: UnsafeMutableBufferPointer<Double>) {
        let oldFactor = 1 - alpha
        let newWeight = adjusted ? 1 : alpha
        var weighted = Double.nan
        var oldWeight = 1.0
        for i in 0 ..< x.count {
            let v = x[i]
            if weighted.isNaN {
                if !v.isNaN { weighted = v; oldWeight = 1 }
            } else {
                oldWeight *= oldFactor
                if !v.isNaN {
                    if weighted != v {  // pandas leaves constant series untouched
                        weighted = (oldWeight * weighted + newWeight * v) / (oldWeight + newWeight)
                    }
                    oldWeight = adjusted ? oldWeight + newWeight : 1
                }
            }
            out[i] = weighted
        }
    }

    /// Weights 1...n by position in the window (the newest row heaviest), NaN rows left out.
    static func wma(window: Int, _ x: UnsafeBufferPointer<Double>, into out: UnsafeMutableBufferPointer<Double>) {
        var count = 0
        var sumPositions = 0
        var sx = DoubleDouble.zero, spx = DoubleDouble.zero
        var previousStart = 0
        for i in 0 ..< x.count {
            let start = windowStart(i, window)
            while previousStart < start {
                let old = x[previousStart]
                if !old.isNaN {
                    count -= 1; sumPositions -= previousStart
                    sx = sx - DoubleDouble(old); spx = spx - DoubleDouble.twoProduct(Double(previousStart), old)
                }
                previousStart += 1
            }
            let v = x[i]
            if !v.isNaN {
                count += 1; sumPositions += i
                sx = sx + DoubleDouble(v); spx = spx + DoubleDouble.twoProduct(Double(i), v)
            }
            guard count > 0 else { out[i] = .nan; continue }
            // Weight of row p is p - start + 1.
            let shift = Double(start - 1)
            let numerator = spx - sx * shift
            let denominator = Double(sumPositions - (start - 1) * count)
            out[i] = (numerator / denominator).value
        }
    }

    /// TA-Lib's Wilder smoothing (RSI, ATR): the mean of the first N values, then
    /// `(previous * (N - 1) + x) / N`; NaN until N values were seen; a NaN row outputs NaN and
    /// leaves the average as it was.
    static func wilder(window: Int, _ x: UnsafeBufferPointer<Double>, into out: UnsafeMutableBufferPointer<Double>) {
        let n = Double(window)
        seeded(window: window, x, into: out) { average, v in (average * (n - 1) + v) / n }
    }

    /// TA-Lib's EMA: the mean of the first N values, then `previous + k * (x - previous)` with
    /// k = 2 / (N + 1); NaN before; a NaN row outputs NaN and leaves the average as it was.
    static func seededEMA(window: Int, _ x: UnsafeBufferPointer<Double>, into out: UnsafeMutableBufferPointer<Double>) {
        let k = 2 / (Double(window) + 1)
        seeded(window: window, x, into: out) { average, v in (v - average) * k + average }
    }

    /// A recursive average seeded with the mean of the first `window` values (TA-Lib's way).
    @inline(__always)
    private static func seeded(window: Int, _ x: UnsafeBufferPointer<Double>, into out: UnsafeMutableBufferPointer<Double>,
                               update: (Double, Double) -> Double) {
        var seen = 0
        var sum = DoubleDouble.zero
        var average = Double.nan
        for i in 0 ..< x.count {
            let v = x[i]
            if v.isNaN { out[i] = .nan; continue }
            if seen < window {
                seen += 1
                sum = sum + DoubleDouble(v)
                if seen == window { average = (sum / Double(window)).value }
                out[i] = seen == window ? average : .nan
            } else {
                average = update(average, v)
                out[i] = average
            }
        }
    }
}
