#if canImport(Glibc)
import Glibc
#endif

/// `Sum`, `Mean`, `Count`, `Std`, `Var`, `Skew`, `Kurt` over sliding windows in O(1) per row:
/// running power sums carried in double-double (adding and removing values leaves no residue
/// worth the name), with flat windows (all values equal) answered exactly from their value.
enum MomentKernels {
    static func run(_ function: RollingFunction, window: Int, _ x: UnsafeBufferPointer<Double>, into out: UnsafeMutableBufferPointer<Double>) {
        let order: Int
        switch function {
        case .sum, .mean, .count: order = 1
        case .std, .variance: order = 2
        case .skew: order = 3
        default: order = 4
        }
        var extrema = WindowExtrema(capacity: x.count)
        var s1 = DoubleDouble.zero, s2 = DoubleDouble.zero, s3 = DoubleDouble.zero, s4 = DoubleDouble.zero
        var count = 0
        @inline(__always) func accumulate(_ v: Double, _ sign: Double) {
            count += sign > 0 ? 1 : -1
            let dv = DoubleDouble(sign * v)
            s1 = s1 + dv
            guard order >= 2 else { return }
            let sq = DoubleDouble.twoProduct(v, v)
            s2 = s2 + (sign > 0 ? sq : -sq)
            guard order >= 3 else { return }
            let cube = sq * v
            s3 = s3 + (sign > 0 ? cube : -cube)
            guard order >= 4 else { return }
            let fourth = sq * sq
            s4 = s4 + (sign > 0 ? fourth : -fourth)
        }
        var previousStart = 0
        for i in 0 ..< x.count {
            let start = windowStart(i, window)
            while previousStart < start {
                let old = x[previousStart]
                if !old.isNaN { accumulate(old, -1) }
                previousStart += 1
            }
            let v = x[i]
            if !v.isNaN { accumulate(v, 1) }
            extrema.push(i, v, values: x, start: start)
            if count == 0 && function != .count {
                out[i] = .nan
                continue
            }
            let n = Double(count)
            let flat = extrema.isFlat(x)
            let flatValue = flat && count > 0 ? x[extrema.maxRow!] : .nan
            switch function {
            case .count: out[i] = count == 0 ? .nan : n
            case .sum: out[i] = flat ? flatValue * n : s1.value
            case .mean: out[i] = flat ? flatValue : (s1 / n).value
            case .std, .variance:
                if count < 2 { out[i] = .nan; continue }
                let m2 = flat ? 0 : Swift.max(0, (s2 - s1 * s1 / n).value)
                let variance = m2 / (n - 1)
                out[i] = function == .std ? variance.squareRoot() : variance
            case .skew:
                if count < 3 || flat { out[i] = .nan; continue }
                let mean = s1 / n
                let m2 = s2 / n - mean * mean
                let m3 = s3 / n - mean * s2 / n * 3 + mean * mean * mean * 2
                let b = m2.value
                guard b > 0 else { out[i] = .nan; continue }
                out[i] = (n * (n - 1)).squareRoot() / (n - 2) * m3.value / (b * b.squareRoot())
            default:  // kurt
                if count < 4 || flat { out[i] = .nan; continue }
                let mean = s1 / n
                let mean2 = mean * mean
                let m2 = s2 / n - mean2
                let m4 = s4 / n - mean * s3 / n * 4 + mean2 * s2 / n * 6 - mean2 * mean2 * 3
                let b = m2.value
                guard b > 0 else { out[i] = .nan; continue }
                let k = (n * n - 1) * m4.value / (b * b) - 3 * (n - 1) * (n - 1)
                out[i] = k / ((n - 2) * (n - 3))
            }
        }
    }
}
