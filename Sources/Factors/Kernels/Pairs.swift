/// `Corr` and `Cov` over the rows where both series have values (pandas' pairwise rule), with
/// Qlib's extra rule for `Corr`: NaN where either series' own rolling std is within 2e-5 of 0.
/// Block sums for windows of N rows (`PairBlockKernel`), double-double running sums for expanding ones.
enum PairKernels {
    static func run(_ function: PairFunction, window: Int, _ x: UnsafeBufferPointer<Double>, _ y: UnsafeBufferPointer<Double>,
                    into out: UnsafeMutableBufferPointer<Double>) {
        if window > 0 {
            var kernel = PairBlockKernel(x: x, y: y, out: out, function: function)
            BlockWindows.run(&kernel, count: x.count, window: window)
            return
        }
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
    static func ownStdIsWithin(_ v: UnsafeBufferPointer<Double>, _ start: Int, _ end: Int) -> Bool {
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

/// `Corr` and `Cov` over windows of N rows by block sums of `x - shiftX` and `y - shiftY` over
/// the rows where both have values.
struct PairBlockKernel: BlockKernel {
    struct Sums {
        var n = 0
        /// Rows where exactly one side has a value.
        var unpaired = 0
        var sx = CompensatedSum(), sy = CompensatedSum()
        /// Squares are never negative: plain sums are accurate to N rounding errors.
        var sxx = 0.0, syy = 0.0
        var sxy = CompensatedSum()
    }

    let x: UnsafeBufferPointer<Double>
    let y: UnsafeBufferPointer<Double>
    let out: UnsafeMutableBufferPointer<Double>
    let function: PairFunction
    var flatX = FlatRun(), flatY = FlatRun()

    var zero: Sums { Sums() }

    func shift(boundary: Int, end: Int, window: Int) -> (Double, Double) {
        (BlockWindows.shift(x, boundary: boundary, end: end, window: window), BlockWindows.shift(y, boundary: boundary, end: end, window: window))
    }

    @inline(__always) func add(_ sums: inout Sums, row: Int, boundary: Int, shift: (Double, Double)) {
        let a = x[row], b = y[row]
        if a.isNaN || b.isNaN {
            if a.isNaN != b.isNaN { sums.unpaired += 1 }
            return
        }
        let da = a - shift.0, db = b - shift.1
        sums.n += 1
        sums.sx.add(da); sums.sy.add(db)
        sums.sxx += da * da; sums.syy += db * db; sums.sxy.add(da * db)
    }

    @inline(__always) func combine(_ a: Sums, _ b: Sums) -> Sums {
        Sums(n: a.n + b.n, unpaired: a.unpaired + b.unpaired, sx: a.sx + b.sx, sy: a.sy + b.sy,
             sxx: a.sxx + b.sxx, syy: a.syy + b.syy, sxy: a.sxy + b.sxy)
    }

    @inline(__always) mutating func emit(row: Int, start: Int, boundary: Int, sums: Sums, shift: (Double, Double)) {
        let a = x[row], b = y[row]
        if !a.isNaN && !b.isNaN {
            flatX.observe(a)
            flatY.observe(b)
        }
        guard sums.n >= 2 else { out[row] = .nan; return }
        let nd = Double(sums.n)
        let sx = sums.sx.value, sy = sums.sy.value
        let cxy = nd * sums.sxy.value - sx * sy  // n(n-1) times the covariance
        if function == .cov {
            out[row] = cxy / (nd * (nd - 1))
            return
        }
        if flatX.isFlat(count: sums.n) || flatY.isFlat(count: sums.n) { out[row] = .nan; return }
        let cxx = nd * sums.sxx - sx * sx, cyy = nd * sums.syy - sy * sy
        // Qlib: NaN where either series' own rolling std is within 2e-5 of 0 (variance 4e-10).
        let limit = 4e-10 * nd * (nd - 1)
        let quiet = sums.unpaired == 0
            ? cxx <= limit || cyy <= limit
            : PairKernels.ownStdIsWithin(x, start, row) || PairKernels.ownStdIsWithin(y, start, row)
        guard !quiet, cxx > 0, cyy > 0 else { out[row] = .nan; return }
        out[row] = cxy / (cxx.squareRoot() * cyy.squareRoot())
    }
}
