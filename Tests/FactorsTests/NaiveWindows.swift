import Foundation
@testable import Factors

/// Straightforward per-window implementations of the rolling operators, written from
/// docs/factors.md (each window's values gathered and computed from scratch, two-pass moments),
/// to check the O(1)-per-row kernels against.
enum NaiveWindows {
    static func windows(_ x: [Double], _ n: Int) -> [(start: Int, values: [(position: Int, value: Double)])] {
        x.indices.map { i in
            let start = n == 0 ? 0 : max(0, i - n + 1)
            return (start, (start ... i).filter { !x[$0].isNaN }.map { ($0, x[$0]) })
        }
    }

    static func mean(_ v: [Double]) -> Double {
        // Sorted by magnitude for a steadier sum; exact enough for a 1e-9 comparison.
        var s = 0.0, c = 0.0
        for x in v { let y = x - c; let t = s + y; c = (t - s) - y; s = t }
        return s / Double(v.count)
    }

    static func rolling(_ f: RollingFunction, _ x: [Double], _ n: Int, q: Double = 0.5) -> [Double] {
        windows(x, n).enumerated().map { i, window in
            let v = window.values.map(\.value)
            let count = Double(v.count)
            switch f {
            case .count: return v.isEmpty ? .nan : count
            case .sum: return v.isEmpty ? .nan : mean(v) * count
            case .mean: return v.isEmpty ? .nan : mean(v)
            case .std, .variance:
                guard v.count >= 2 else { return .nan }
                let m = mean(v)
                let variance = v.reduce(0) { $0 + ($1 - m) * ($1 - m) } / (count - 1)
                return f == .std ? variance.squareRoot() : variance
            case .skew:
                guard v.count >= 3, Set(v).count > 1 else { return .nan }
                let m = mean(v)
                let m2 = v.reduce(0) { $0 + pow($1 - m, 2) } / count
                let m3 = v.reduce(0) { $0 + pow($1 - m, 3) } / count
                return (count * (count - 1)).squareRoot() / (count - 2) * m3 / pow(m2, 1.5)
            case .kurt:
                guard v.count >= 4, Set(v).count > 1 else { return .nan }
                let m = mean(v)
                let m2 = v.reduce(0) { $0 + pow($1 - m, 2) } / count
                let m4 = v.reduce(0) { $0 + pow($1 - m, 4) } / count
                return ((count * count - 1) * m4 / (m2 * m2) - 3 * (count - 1) * (count - 1)) / ((count - 2) * (count - 3))
            case .max: return v.max() ?? .nan
            case .min: return v.min() ?? .nan
            case .idxMax, .idxMin:
                guard let best = window.values.min(by: { f == .idxMax ? $0.value > $1.value : $0.value < $1.value }) else { return .nan }
                // min(by:) returns the first of equals.
                return Double(best.position - window.start + 1)
            case .median: return quantile(v, 0.5)
            case .mad:
                guard !v.isEmpty else { return .nan }
                let m = mean(v)
                return mean(v.map { abs($0 - m) })
            case .rank, .tsRank:
                guard !x[i].isNaN else { return .nan }
                let below = Double(v.filter { $0 < x[i] }.count), equal = Double(v.filter { $0 == x[i] }.count)
                let average = below + (equal + 1) / 2
                return f == .rank ? average / count : average
            case .slope, .rsquare, .resi:
                guard v.count >= 2 else { return .nan }
                if f == .resi && x[i].isNaN { return .nan }
                let p = window.values.map { Double($0.position) }
                let mp = mean(p), my = mean(v)
                let sxy = zip(p, v).reduce(0) { $0 + ($1.0 - mp) * ($1.1 - my) }
                let sxx = p.reduce(0) { $0 + ($1 - mp) * ($1 - mp) }
                let syy = v.reduce(0) { $0 + ($1 - my) * ($1 - my) }
                let slope = sxy / sxx
                switch f {
                case .slope: return Set(v).count == 1 ? 0 : slope
                case .rsquare: return Set(v).count == 1 ? .nan : sxy * sxy / (sxx * syy)
                default: return Set(v).count == 1 ? 0 : (x[i] - my) - slope * (Double(i) - mp)
                }
            case .wma:
                guard !v.isEmpty else { return .nan }
                let w = window.values.map { Double($0.position - window.start + 1) }
                return zip(w, v).reduce(0) { $0 + $1.0 * $1.1 } / w.reduce(0, +)
            case .product: return v.isEmpty ? .nan : v.reduce(1, *)
            }
        }
    }

    static func quantile(_ v: [Double], _ q: Double) -> Double {
        guard !v.isEmpty else { return .nan }
        let s = v.sorted()
        let position = q * Double(s.count - 1)
        let low = Int(position.rounded(.down))
        let fraction = position - Double(low)
        return low + 1 < s.count ? s[low] + (s[low + 1] - s[low]) * fraction : s[low]
    }

    static func pair(_ f: PairFunction, _ x: [Double], _ y: [Double], _ n: Int) -> [Double] {
        let ownX = rolling(.std, x, n), ownY = rolling(.std, y, n)
        return x.indices.map { i in
            let start = n == 0 ? 0 : max(0, i - n + 1)
            let rows = (start ... i).filter { !x[$0].isNaN && !y[$0].isNaN }
            guard rows.count >= 2 else { return .nan }
            let a = rows.map { x[$0] }, b = rows.map { y[$0] }
            let ma = mean(a), mb = mean(b)
            let cov = zip(a, b).reduce(0) { $0 + ($1.0 - ma) * ($1.1 - mb) } / Double(rows.count - 1)
            if f == .cov { return cov }
            if !ownX[i].isNaN && abs(ownX[i]) <= 2e-5 || !ownY[i].isNaN && abs(ownY[i]) <= 2e-5 { return .nan }
            let va = a.reduce(0) { $0 + ($1 - ma) * ($1 - ma) } / Double(rows.count - 1)
            let vb = b.reduce(0) { $0 + ($1 - mb) * ($1 - mb) } / Double(rows.count - 1)
            return va > 0 && vb > 0 ? cov / (va.squareRoot() * vb.squareRoot()) : .nan
        }
    }

    /// pandas ewm(alpha, adjust=True, ignore_na=False) from its weights definition: the mean of
    /// the values seen so far with weight (1-α)^(rows since).
    static func ema(_ x: [Double], alpha: Double) -> [Double] {
        x.indices.map { i in
            var num = 0.0, den = 0.0
            for j in 0 ... i where !x[j].isNaN {
                let w = pow(1 - alpha, Double(i - j))
                num += w * x[j]; den += w
            }
            return den == 0 ? .nan : num / den
        }
    }
}

/// Relative agreement with NaN positions identical.
func agree(_ a: Double, _ b: Double, relative: Double = 1e-9, absolute: Double = 1e-12) -> Bool {
    if a.isNaN || b.isNaN { return a.isNaN && b.isNaN }
    if a.isInfinite || b.isInfinite { return a == b }
    return abs(a - b) <= relative * max(abs(a), abs(b)) + absolute
}
