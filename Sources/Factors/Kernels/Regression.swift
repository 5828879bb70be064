/// `Slope`, `Rsquare` and `Resi`: the least-squares line through the window's values against
/// their row positions, kept as running sums (positions as exact integers, values in
/// double-double), O(1) per row. Flat windows give slope 0, residual 0 and R² NaN exactly.
enum RegressionKernels {
    static func run(_ function: RollingFunction, window: Int, _ y: UnsafeBufferPointer<Double>, into out: UnsafeMutableBufferPointer<Double>) {
        var flatness = FlatRun()
        let needSquares = function == .rsquare
        // Positions are counted from `origin` (the window's first row), so the sums stay small and
        // exact; moving the origin by one adjusts them in O(1).
        var origin = 0
        var n = 0
        var sp = 0, spp = 0
        var sy = DoubleDouble.zero, spy = DoubleDouble.zero, syy = DoubleDouble.zero
        var previousStart = 0
        for i in 0 ..< y.count {
            let start = windowStart(i, window)
            while previousStart < start {
                let old = y[previousStart]
                if !old.isNaN {
                    let p = previousStart - origin
                    n -= 1; sp -= p; spp -= p * p
                    sy = sy.adding(-old); spy = spy - DoubleDouble.twoProduct(Double(p), old)
                    if needSquares { syy = syy - DoubleDouble.twoProduct(old, old) }
                }
                previousStart += 1
            }
            if start > origin {
                // Every position drops by d: Σ(p-d) = Σp - nd, Σ(p-d)² = Σp² - 2dΣp + nd², Σ(p-d)y = Σpy - dΣy.
                let d = start - origin
                spp = spp - 2 * d * sp + n * d * d
                sp -= n * d
                spy = spy - sy * Double(d)
                origin = start
            }
            let v = y[i]
            if !v.isNaN {
                let p = i - origin
                n += 1; sp += p; spp += p * p
                sy = sy.adding(v); spy = spy + DoubleDouble.twoProduct(Double(p), v)
                if needSquares { syy = syy + DoubleDouble.twoProduct(v, v) }
            }
            flatness.observe(v)
            if n < 2 || (function == .resi && v.isNaN) { out[i] = .nan; continue }
            if flatness.isFlat(count: n) {
                out[i] = function == .rsquare ? .nan : 0
                continue
            }
            let nd = Double(n)
            let sxx = nd * Double(spp) - Double(sp) * Double(sp)  // n² times the positions' variance
            let sxy = spy * nd - sy * Double(sp)
            switch function {
            case .slope:
                out[i] = (sxy / sxx).value
            case .rsquare:
                let syyCentred = syy * nd - sy * sy
                let denominator = syyCentred * sxx
                out[i] = denominator.hi > 0 ? (sxy * sxy / denominator).value : .nan
            default:  // resi: (n*y - Σy)/n - slope * (n*p - Σp)/n
                let slope = sxy / sxx
                let offset = Double(n * (i - origin) - sp)
                out[i] = ((DoubleDouble.twoProduct(nd, v) - sy - slope * offset) / nd).value
            }
        }
    }
}

/// `Corr` and `Cov` over the rows where both series have values (pandas' pairwise rule), with
/// Qlib's extra rule for `Corr`: NaN where either series' own rolling std is within 2e-5 of 0.
enum PairKernels {
    static func run(_ function: PairFunction, window: Int, _ x: UnsafeBufferPointer<Double>, _ y: UnsafeBufferPointer<Double>,
                    into out: UnsafeMutableBufferPointer<Double>) {
        var sums = PairSums()
        var own: (x: RunningVariance, y: RunningVariance) = (RunningVariance(), RunningVariance())
        // Flat detection over the rows where both have values (a constant side has no correlation).
        var flatX = FlatRun(), flatY = FlatRun()
        var previousStart = 0
        for i in 0 ..< x.count {
            let start = windowStart(i, window)
            while previousStart < start {
                let a = x[previousStart], b = y[previousStart]
                if !a.isNaN && !b.isNaN { sums.remove(a, b) }
                own.x.remove(a)
                own.y.remove(b)
                previousStart += 1
            }
            let a = x[i], b = y[i]
            if !a.isNaN && !b.isNaN { sums.add(a, b) }
            own.x.add(a)
            own.y.add(b)
            if !a.isNaN && !b.isNaN { flatX.observe(a); flatY.observe(b) }
            guard sums.n >= 2 else { out[i] = .nan; continue }
            let nd = Double(sums.n)
            let sx = sums.sx, sy = sums.sy, sxx = sums.sxx, syy = sums.syy, sxy = sums.sxy
            let cxy = sxy * nd - sx * sy  // n(n-1) times the covariance
            if function == .cov {
                out[i] = (cxy / (nd * (nd - 1))).value
                continue
            }
            let flat = flatX.isFlat(count: sums.n) || flatY.isFlat(count: sums.n)
            if flat || own.x.stdIsWithin(2e-5) || own.y.stdIsWithin(2e-5) { out[i] = .nan; continue }
            let cxx = (sxx * nd - sx * sx).value, cyy = (syy * nd - sy * sy).value
            guard cxx > 0, cyy > 0 else { out[i] = .nan; continue }
            out[i] = cxy.value / (cxx.squareRoot() * cyy.squareRoot())
        }
    }
}

/// A sample variance of values added and removed (NaN ignored), in double-double.
struct RunningVariance {
    private var n = 0
    private var s1 = DoubleDouble.zero
    private var s2 = DoubleDouble.zero

    @inline(__always) mutating func add(_ v: Double) {
        guard !v.isNaN else { return }
        n += 1; s1 = s1 + DoubleDouble(v); s2 = s2 + DoubleDouble.twoProduct(v, v)
    }

    @inline(__always) mutating func remove(_ v: Double) {
        guard !v.isNaN else { return }
        n -= 1; s1 = s1 - DoubleDouble(v); s2 = s2 - DoubleDouble.twoProduct(v, v)
    }

    /// True when the sample standard deviation is within `limit` of 0 (NaN below 2 values: false).
    /// A plain-double estimate settles clear cases; only close calls are computed exactly.
    @inline(__always) func stdIsWithin(_ limit: Double) -> Bool {
        guard n >= 2 else { return false }
        let nd = Double(n)
        let estimate = (s2.hi - s1.hi * s1.hi / nd) / (nd - 1)
        let slack = 8 * Double.ulpOfOne * Swift.abs(s2.hi) / (nd - 1)
        let threshold = limit * limit
        if estimate - slack > threshold { return false }
        if estimate + slack < threshold { return true }
        return std <= limit
    }

    /// The sample standard deviation (ddof 1); NaN below 2 values.
    var std: Double {
        guard n >= 2 else { return .nan }
        let nd = Double(n)
        return (Swift.max(0, (s2 - s1 * s1 / nd).value) / (nd - 1)).squareRoot()
    }
}

/// Running sums over the rows where both series have values, in double-double.
struct PairSums {
    var n = 0
    var sx = DoubleDouble.zero, sy = DoubleDouble.zero, sxx = DoubleDouble.zero, syy = DoubleDouble.zero, sxy = DoubleDouble.zero

    @inline(__always) mutating func add(_ a: Double, _ b: Double) {
        n += 1
        sx = sx.adding(a); sy = sy.adding(b)
        sxx = sxx + DoubleDouble.twoProduct(a, a); syy = syy + DoubleDouble.twoProduct(b, b); sxy = sxy + DoubleDouble.twoProduct(a, b)
    }

    @inline(__always) mutating func remove(_ a: Double, _ b: Double) {
        n -= 1
        sx = sx.adding(-a); sy = sy.adding(-b)
        sxx = sxx - DoubleDouble.twoProduct(a, a); syy = syy - DoubleDouble.twoProduct(b, b); sxy = sxy - DoubleDouble.twoProduct(a, b)
    }
}
