/// `Slope`, `Rsquare` and `Resi`: the least-squares line through the window's values against
/// their row positions, O(1) per row: block sums for windows of N rows (`RegressionBlockKernel`),
/// running sums for expanding windows (positions as exact integers, values in double-double).
/// Flat windows give slope 0, residual 0 and R² NaN exactly.
enum RegressionKernels {
    /// Writes row `row` for windows with no line to fit, and says whether it did: fewer than two
    /// values give NaN; a flat window gives slope 0, residual 0 (NaN on a missing row) and R² NaN.
    @inline(__always)
    static func answeredWithoutFit(_ outputs: some Sequence<KernelOutput>, row: Int, count: Int, flat: Bool, current: Double) -> Bool {
        if count < 2 {
            for output in outputs { output.out[row] = .nan }
            return true
        }
        guard flat else { return false }
        for output in outputs {
            output.out[row] = output.function == .rsquare || (output.function == .resi && current.isNaN) ? .nan : 0
        }
        return true
    }

    static func run(_ function: RollingFunction, window: Int, _ y: UnsafeBufferPointer<Double>, into out: UnsafeMutableBufferPointer<Double>) {
        run([KernelOutput(function: function, out: out)], window: window, y)
    }

    /// Slope, R² and residual of the same series and window from one set of running sums.
    static func run(_ outputs: [KernelOutput], window: Int, _ y: UnsafeBufferPointer<Double>) {
        if window > 0 {
            let squares = outputs.contains { $0.function == .rsquare }
            outputs.withUnsafeBufferPointer { outputs in
                var kernel = RegressionBlockKernel(y: y, outputs: outputs, squares: squares)
                BlockWindows.run(&kernel, count: y.count, window: window)
            }
            return
        }
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
            if answeredWithoutFit(outputs, row: i, count: n, flat: flatness.isFlat(count: n), current: v) { continue }
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

/// `Slope`, `Rsquare` and `Resi` over windows of N rows by block sums: positions counted from
/// the block boundary (exact integers), values as `y - shift`.
struct RegressionBlockKernel: BlockKernel {
    struct Sums {
        var n = 0, sp = 0, spp = 0
        var sd = CompensatedSum()
        var spd = CompensatedSum()
        /// Squares are never negative: a plain sum is accurate to N rounding errors.
        var sdd = 0.0
    }

    let y: UnsafeBufferPointer<Double>
    let outputs: UnsafeBufferPointer<KernelOutput>
    /// Whether an R² is asked for (the sum of squares is needed only then).
    let squares: Bool
    var flatness = FlatRun()

    var zero: Sums { Sums() }

    func shift(boundary: Int, end: Int, window: Int) -> Double {
        BlockWindows.shift(y, boundary: boundary, end: end, window: window)
    }

    @inline(__always) func add(_ sums: inout Sums, row: Int, boundary: Int, shift: Double) {
        let v = y[row]
        guard !v.isNaN else { return }
        let p = row - boundary
        let d = v - shift
        sums.n += 1
        sums.sp += p
        sums.spp += p * p
        sums.sd.add(d)
        sums.spd.add(Double(p) * d)
        if squares { sums.sdd += d * d }
    }

    @inline(__always) func combine(_ a: Sums, _ b: Sums) -> Sums {
        Sums(n: a.n + b.n, sp: a.sp + b.sp, spp: a.spp + b.spp, sd: a.sd + b.sd, spd: a.spd + b.spd, sdd: squares ? a.sdd + b.sdd : a.sdd)
    }

    @inline(__always) mutating func emit(row: Int, start: Int, boundary: Int, sums: Sums, shift: Double) {
        let v = y[row]
        flatness.observe(v)
        let n = sums.n
        if RegressionKernels.answeredWithoutFit(outputs, row: row, count: n, flat: flatness.isFlat(count: n), current: v) { return }
        let nd = Double(n)
        let sp = Double(sums.sp)
        let sxx = nd * Double(sums.spp) - sp * sp  // exact: small integers
        let sd = sums.sd.value
        let sxy = nd * sums.spd.value - sp * sd
        let slope = sxy / sxx
        for output in outputs {
            switch output.function {
            case .slope:
                output.out[row] = slope
            case .rsquare:
                let syy = nd * sums.sdd - sd * sd
                let denominator = syy * sxx
                output.out[row] = denominator > 0 ? sxy * sxy / denominator : .nan
            default:  // resi: (n*d - Σd)/n - slope * (n*p - Σp)/n
                if v.isNaN { output.out[row] = .nan; continue }
                let offset = Double(n * (row - boundary) - sums.sp)
                output.out[row] = ((nd * (v - shift) - sd) - slope * offset) / nd
            }
        }
    }
}
