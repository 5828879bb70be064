#if canImport(Glibc)
import Glibc
#endif

/// `Sum`, `Mean`, `Count`, `Std`, `Var`, `Skew`, `Kurt` over sliding windows in O(1) per row:
/// running power sums carried in double-double (adding and removing values leaves no residue
/// worth the name), with flat windows (all values equal) answered exactly from their value.
enum MomentKernels {
    static func run(_ function: RollingFunction, window: Int, _ x: UnsafeBufferPointer<Double>, into out: UnsafeMutableBufferPointer<Double>) {
        run([KernelOutput(function: function, out: out)], window: window, x)
    }

    /// Several of them over the same series and window in one pass.
    static func run(_ outputs: [KernelOutput], window: Int, _ x: UnsafeBufferPointer<Double>) {
        var order = 1
        for output in outputs {
            switch output.function {
            case .std, .variance: order = Swift.max(order, 2)
            case .skew: order = Swift.max(order, 3)
            case .kurt: order = 4
            default: break
            }
        }
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
            let flatValue = flatness.last
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
