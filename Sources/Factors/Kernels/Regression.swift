/// `Slope`, `Rsquare` and `Resi`: the least-squares line through the window's values against
/// their row positions, kept as running sums (positions as exact integers, values in
/// double-double), O(1) per row. Flat windows give slope 0, residual 0 and R² NaN exactly.
enum RegressionKernels {
    static func run(_ function: RollingFunction, window: Int, _ y: UnsafeBufferPointer<Double>, into out: UnsafeMutableBufferPointer<Double>) {
        run([KernelOutput(function: function, out: out)], window: window, y)
    }

    /// Slope, R² and residual of the same series and window from one set of running sums.
    static func run(_ outputs: [KernelOutput], window: Int, _ y: UnsafeBufferPointer<Double>) {
        var flatness = FlatRun()
        let needSquares = outputs.contains { $0.function == .rsquare }
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
            if start - origin >= Swift.max(window, 1) {
                // Rebased once per window length, so positions stay below twice the window.
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
            if n < 2 {
                for output in outputs { output.out[i] = .nan }
                continue
            }
            if flatness.isFlat(count: n) {
                for output in outputs {
                    output.out[i] = output.function == .rsquare || (output.function == .resi && v.isNaN) ? .nan : 0
                }
                continue
            }
            let nd = Double(n)
            let sxx = nd * Double(spp) - Double(sp) * Double(sp)  // n² times the positions' variance
            let sxy = spy * nd - sy * Double(sp)
            let slope = sxy / sxx
            for output in outputs {
                switch output.function {
                case .slope:
                    output.out[i] = slope.value
                case .rsquare:
                    let syyCentred = syy * nd - sy * sy
                    let denominator = syyCentred * sxx
                    output.out[i] = denominator.hi > 0 ? (sxy * sxy / denominator).value : .nan
                default:  // resi: (n*y - Σy)/n - slope * (n*p - Σp)/n
                    if v.isNaN { output.out[i] = .nan; continue }
                    let offset = Double(n * (i - origin) - sp)
                    output.out[i] = ((DoubleDouble.twoProduct(nd, v) - sy - slope * offset) / nd).value
                }
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
        // Rows of the window where exactly one side has a value: while there are none, each
        // series' own std (Qlib's rule) comes from the paired sums; otherwise from its window.
        var unpaired = 0
        // Flat detection over the rows where both have values (a constant side has no correlation).
        var flatX = FlatRun(), flatY = FlatRun()
        var previousStart = 0
        for i in 0 ..< x.count {
            let start = windowStart(i, window)
            while previousStart < start {
                let a = x[previousStart], b = y[previousStart]
                if !a.isNaN && !b.isNaN { sums.remove(a, b) } else if a.isNaN != b.isNaN { unpaired -= 1 }
                previousStart += 1
            }
            let a = x[i], b = y[i]
            if !a.isNaN && !b.isNaN {
                sums.add(a, b)
                flatX.observe(a)
                flatY.observe(b)
            } else if a.isNaN != b.isNaN {
                unpaired += 1
            }
            guard sums.n >= 2 else { out[i] = .nan; continue }
            let nd = Double(sums.n)
            let sx = sums.sx, sy = sums.sy, sxx = sums.sxx, syy = sums.syy, sxy = sums.sxy
            let cxy = sxy * nd - sx * sy  // n(n-1) times the covariance
            if function == .cov {
                out[i] = (cxy / (nd * (nd - 1))).value
                continue
            }
            if flatX.isFlat(count: sums.n) || flatY.isFlat(count: sums.n) { out[i] = .nan; continue }
            let cxx = (sxx * nd - sx * sx).value, cyy = (syy * nd - sy * sy).value
            // Qlib: NaN where either series' own rolling std is within 2e-5 of 0 (variance 4e-10).
            let limit = 4e-10 * nd * (nd - 1)
            let quiet = unpaired == 0
                ? cxx <= limit || cyy <= limit
                : ownStdIsWithin(x, start, i) || ownStdIsWithin(y, start, i)
            if quiet { out[i] = .nan; continue }
            guard cxx > 0, cyy > 0 else { out[i] = .nan; continue }
            out[i] = cxy.value / (cxx.squareRoot() * cyy.squareRoot())
        }
    }

    /// Whether the sample std of `v`'s values in rows `start...end` (NaN skipped) is within 2e-5 of 0.
    private static func ownStdIsWithin(_ v: UnsafeBufferPointer<Double>, _ start: Int, _ end: Int) -> Bool {
        var n = 0
        var sum = DoubleDouble.zero, squares = DoubleDouble.zero
        for k in start ... end where !v[k].isNaN {
            n += 1
            sum = sum.adding(v[k])
            squares = squares + DoubleDouble.twoProduct(v[k], v[k])
        }
        guard n >= 2 else { return false }
        let nd = Double(n)
        return (squares * nd - sum * sum).value <= 4e-10 * nd * (nd - 1)
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
