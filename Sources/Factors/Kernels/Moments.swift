#if canImport(Glibc)
import Glibc
#endif

/// `Sum`, `Mean`, `Count`, `Std`, `Var`, `Skew`, `Kurt` over sliding windows in O(1) per row.
/// Windows of N rows take block sums for the first two moments (`SumBlockKernel`,
/// `MomentBlockKernel`); `Skew`, `Kurt` and expanding windows keep running power sums carried in
/// double-double (adding and removing values leaves no residue worth the name). Flat windows
/// (all values equal) are answered exactly from their value.
enum MomentKernels {
    static func run(_ function: RollingFunction, window: Int, _ x: UnsafeBufferPointer<Double>, into out: UnsafeMutableBufferPointer<Double>) {
        run([KernelOutput(function: function, out: out)], window: window, x)
    }

    /// The highest power of the values `function` needs.
    static func order(_ function: RollingFunction) -> Int {
        switch function {
        case .std, .variance: 2
        case .skew: 3
        case .kurt: 4
        default: 1
        }
    }

    /// Several of them over the same series and window in one pass (two for a mix of the first
    /// two moments with `Skew` or `Kurt`, so each gives exactly what it gives alone).
    static func run(_ outputs: [KernelOutput], window: Int, _ x: UnsafeBufferPointer<Double>) {
        guard window > 0 else { return runningSums(outputs, window: window, x) }
        let mixed = outputs.contains { order($0.function) > 2 }
        let low = mixed ? outputs.filter { order($0.function) <= 2 } : outputs
        let high = mixed ? outputs.filter { order($0.function) > 2 } : []
        if !low.isEmpty {
            low.withUnsafeBufferPointer { outputs in
                if outputs.contains(where: { order($0.function) == 2 }) {
                    var kernel = MomentBlockKernel(x: x, outputs: outputs)
                    BlockWindows.run(&kernel, count: x.count, window: window)
                } else {
                    var kernel = SumBlockKernel(x: x, outputs: outputs)
                    BlockWindows.run(&kernel, count: x.count, window: window)
                }
            }
        }
        if !high.isEmpty { runningSums(high, window: window, x) }
    }

    /// Running power sums in double-double, added to and removed from as the window slides.
    private static func runningSums(_ outputs: [KernelOutput], window: Int, _ x: UnsafeBufferPointer<Double>) {
        let order = outputs.map { Self.order($0.function) }.max() ?? 1
        var flatness = FlatRun()
        var sums = PowerSums(order: order)
        var previousStart = 0
        for i in 0 ..< x.count {
            let start = windowStart(i, window)
            while previousStart < start {
                let old = x[previousStart]
                if !old.isNaN { sums.remove(old) }
                previousStart += 1
            }
            let v = x[i]
            if !v.isNaN { sums.add(v) }
            flatness.observe(v)
            let count = sums.count
            let s1 = sums.s1, s2 = sums.s2, s3 = sums.s3, s4 = sums.s4
            let n = Double(count)
            let flat = flatness.isFlat(count: count)
            let flatValue = flatness.value
            for output in outputs {
                output.out[i] = count == 0 ? .nan : value(output.function, n: n, count: count, flat: flat, flatValue: flatValue, s1, s2, s3, s4)
            }
        }
    }

    @inline(never)
    private static func value(_ function: RollingFunction, n: Double, count: Int, flat: Bool, flatValue: Double,
                          _ s1: DoubleDouble, _ s2: DoubleDouble, _ s3: DoubleDouble, _ s4: DoubleDouble) -> Double {
        switch function {
        case .count: return n
        case .sum: return flat ? flatValue * n : s1.value
        case .mean: return flat ? flatValue : (s1 / n).value
        case .std, .variance:
            if count < 2 { return .nan }
            // n * M2 = n * Σx² - (Σx)², in double-double (no division until the end).
            let m2 = flat ? 0 : Swift.max(0, (s2 * n - s1 * s1).value / n)
            let variance = m2 / (n - 1)
            return function == .std ? variance.squareRoot() : variance
        case .skew:
            if count < 3 || flat { return .nan }
            let mean = s1 / n
            let m2 = s2 / n - mean * mean
            let m3 = s3 / n - mean * s2 / n * 3 + mean * mean * mean * 2
            let b = m2.value
            guard b > 0 else { return .nan }
            return (n * (n - 1)).squareRoot() / (n - 2) * m3.value / (b * b.squareRoot())
        default:  // kurt
            if count < 4 || flat { return .nan }
            let mean = s1 / n
            let mean2 = mean * mean
            let m2 = s2 / n - mean2
            let m4 = s4 / n - mean * s3 / n * 4 + mean2 * s2 / n * 6 - mean2 * mean2 * 3
            let b = m2.value
            guard b > 0 else { return .nan }
            let k = (n * n - 1) * m4.value / (b * b) - 3 * (n - 1) * (n - 1)
            return k / ((n - 2) * (n - 3))
        }
    }
}

/// `Sum`, `Mean` and `Count` over windows of N rows by block sums (compensated).
struct SumBlockKernel: BlockKernel {
    struct Sums {
        var count = 0
        var sum = CompensatedSum()
    }

    let x: UnsafeBufferPointer<Double>
    let outputs: UnsafeBufferPointer<KernelOutput>
    /// Whether a mean is asked for (the division is skipped otherwise).
    let needsMean: Bool
    var flatness = FlatRun()

    init(x: UnsafeBufferPointer<Double>, outputs: UnsafeBufferPointer<KernelOutput>) {
        self.x = x
        self.outputs = outputs
        needsMean = outputs.contains { $0.function == .mean }
    }

    var zero: Sums { Sums() }

    func shift(boundary: Int, end: Int, window: Int) -> Double { 0 }

    @inline(__always) func add(_ sums: inout Sums, row: Int, boundary: Int, shift: Double) {
        let v = x[row]
        guard !v.isNaN else { return }
        sums.count += 1
        sums.sum.add(v)
    }

    @inline(__always) func combine(_ a: Sums, _ b: Sums) -> Sums {
        Sums(count: a.count + b.count, sum: a.sum + b.sum)
    }

    @inline(__always) mutating func emit(row: Int, start: Int, boundary: Int, sums: Sums, shift: Double) {
        flatness.observe(x[row])
        let count = sums.count
        let n = Double(count)
        let flat = flatness.isFlat(count: count)
        let total = flat ? flatness.value * n : sums.sum.value
        var mean = 0.0
        if needsMean { mean = flat ? flatness.value : sums.sum.value / n }
        for output in outputs {
            let value: Double
            switch output.function {
            case .count: value = n
            case .sum: value = total
            default: value = mean
            }
            output.out[row] = count == 0 ? .nan : value
        }
    }
}

/// `Sum`, `Mean`, `Count`, `Std` and `Var` over windows of N rows by block sums: the values'
/// compensated sum, and for the second moment the sums of `x - shift` and its square.
struct MomentBlockKernel: BlockKernel {
    struct Sums {
        var count = 0
        var sum = CompensatedSum()
        var d1 = CompensatedSum()
        /// Squares are never negative, so their plain sum is already accurate to N rounding errors.
        var d2 = 0.0
    }

    let x: UnsafeBufferPointer<Double>
    let outputs: UnsafeBufferPointer<KernelOutput>
    var flatness = FlatRun()

    var zero: Sums { Sums() }

    func shift(boundary: Int, end: Int, window: Int) -> Double {
        BlockWindows.shift(x, boundary: boundary, end: end, window: window)
    }

    @inline(__always) func add(_ sums: inout Sums, row: Int, boundary: Int, shift: Double) {
        let v = x[row]
        guard !v.isNaN else { return }
        sums.count += 1
        sums.sum.add(v)
        let d = v - shift
        sums.d1.add(d)
        sums.d2 += d * d
    }

    @inline(__always) func combine(_ a: Sums, _ b: Sums) -> Sums {
        Sums(count: a.count + b.count, sum: a.sum + b.sum, d1: a.d1 + b.d1, d2: a.d2 + b.d2)
    }

    @inline(__always) mutating func emit(row: Int, start: Int, boundary: Int, sums: Sums, shift: Double) {
        flatness.observe(x[row])
        let count = sums.count
        guard count > 0 else {
            for output in outputs { output.out[row] = .nan }
            return
        }
        let n = Double(count)
        let flat = flatness.isFlat(count: count)
        for output in outputs {
            let value: Double
            switch output.function {
            case .count: value = n
            case .sum: value = flat ? flatness.value * n : sums.sum.value
            case .mean: value = flat ? flatness.value : sums.sum.value / n
            default:  // std, variance
                if count < 2 {
                    value = .nan
                } else {
                    let d1 = sums.d1.value
                    let m2 = flat ? 0 : Swift.max(0, (n * sums.d2 - d1 * d1) / n)
                    let variance = m2 / (n - 1)
                    value = output.function == .std ? variance.squareRoot() : variance
                }
            }
            output.out[row] = value
        }
    }
}

/// Running sums of x, x², x³, x⁴ (as many as `order` asks for) in double-double, and the count.
struct PowerSums {
    let order: Int
    var count = 0
    var s1 = DoubleDouble.zero, s2 = DoubleDouble.zero, s3 = DoubleDouble.zero, s4 = DoubleDouble.zero

    init(order: Int) { self.order = order }

    @inline(__always) mutating func add(_ v: Double) {
        count += 1
        s1 = s1.adding(v)
        guard order >= 2 else { return }
        let sq = DoubleDouble.twoProduct(v, v)
        s2 = s2 + sq
        guard order >= 3 else { return }
        let cube = sq * v
        s3 = s3 + cube
        guard order >= 4 else { return }
        s4 = s4 + sq * sq
    }

    @inline(__always) mutating func remove(_ v: Double) {
        count -= 1
        s1 = s1.adding(-v)
        guard order >= 2 else { return }
        let sq = DoubleDouble.twoProduct(v, v)
        s2 = s2 - sq
        guard order >= 3 else { return }
        s3 = s3 - sq * v
        guard order >= 4 else { return }
        s4 = s4 - sq * sq
    }
}
