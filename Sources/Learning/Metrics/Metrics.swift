/// Evaluation metrics for predictions of forward returns: pointwise errors, and the
/// cross-sectional ones quant research uses (per date across tickers, then over dates).
public struct Evaluation: Sendable, Equatable {
    public var rmse: Double
    public var mae: Double
    /// Mean over dates of the Pearson correlation between predictions and labels.
    public var ic: Double
    /// Mean over dates of the Spearman correlation (Pearson of average ranks).
    public var rankIC: Double
    /// `ic` divided by the standard deviation (ddof 1) of the daily ICs.
    public var icir: Double
    public var rankICIR: Double
    /// Mean over dates of the top-decile minus bottom-decile mean label (by prediction).
    public var longShort: Double
    /// Dates with at least two rows (the ones the cross-sectional metrics average over).
    public var dates: Int

    /// The metric named `name` (`rmse`, `mae`, `ic`, `rank_ic`, `icir`, `rank_icir`, `long_short`).
    public func value(_ name: String) -> Double? {
        switch name {
        case "rmse": rmse
        case "mae": mae
        case "ic": ic
        case "rank_ic": rankIC
        case "icir": icir
        case "rank_icir": rankICIR
        case "long_short": longShort
        default: nil
        }
    }

    /// True when a larger value of the metric is better.
    public static func higherIsBetter(_ name: String) -> Bool { !(name == "rmse" || name == "mae") }

    public static let metricNames = ["rmse", "mae", "ic", "rank_ic", "icir", "rank_icir", "long_short"]

    public var asDictionary: [String: Double] {
        Dictionary(uniqueKeysWithValues: Self.metricNames.map { ($0, value($0)!) })
    }
}

public enum Metrics {
    /// Evaluates `predictions` against `labels`, grouped by `dates` for the cross-sectional metrics.
    public static func evaluate(predictions: [Float], labels: [Float], dates: [Int32]) -> Evaluation {
        precondition(predictions.count == labels.count && labels.count == dates.count, "Metrics: lengths differ")
        var squared = 0.0, absolute = 0.0
        for (p, y) in zip(predictions, labels) {
            let e = Double(p) - Double(y)
            squared += e * e
            absolute += Swift.abs(e)
        }
        let n = Double(Swift.max(1, labels.count))
        var byDate: [Int32: [Int]] = [:]
        for (row, date) in dates.enumerated() { byDate[date, default: []].append(row) }
        var ics: [Double] = [], rankICs: [Double] = [], spreads: [Double] = []
        for date in byDate.keys.sorted() {
            let rows = byDate[date]!
            guard rows.count >= 2 else { continue }
            let p = rows.map { Double(predictions[$0]) }, y = rows.map { Double(labels[$0]) }
            if let ic = pearson(p, y) { ics.append(ic) }
            if let ric = pearson(averageRanks(p), averageRanks(y)) { rankICs.append(ric) }
            if rows.count >= 10 {
                let order = rows.indices.sorted { p[$0] < p[$1] }
                let k = rows.count / 10
                let bottom = order.prefix(k).map { y[$0] }.reduce(0, +) / Double(k)
                let top = order.suffix(k).map { y[$0] }.reduce(0, +) / Double(k)
                spreads.append(top - bottom)
            }
        }
        return Evaluation(rmse: (squared / n).squareRoot(), mae: absolute / n, ic: mean(ics), rankIC: mean(rankICs),
                          icir: mean(ics) / std(ics), rankICIR: mean(rankICs) / std(rankICs), longShort: mean(spreads), dates: ics.count)
    }

    /// The mean; NaN when empty.
    public static func mean(_ v: [Double]) -> Double { v.isEmpty ? .nan : v.reduce(0, +) / Double(v.count) }

    /// Sample standard deviation (ddof 1); NaN under two values.
    public static func std(_ v: [Double]) -> Double {
        guard v.count >= 2 else { return .nan }
        let m = mean(v)
        return (v.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(v.count - 1)).squareRoot()
    }

    /// Pearson correlation; nil when either side is constant.
    public static func pearson(_ a: [Double], _ b: [Double]) -> Double? {
        let ma = mean(a), mb = mean(b)
        var sab = 0.0, saa = 0.0, sbb = 0.0
        for (x, y) in zip(a, b) {
            sab += (x - ma) * (y - mb); saa += (x - ma) * (x - ma); sbb += (y - mb) * (y - mb)
        }
        guard saa > 0, sbb > 0 else { return nil }
        return sab / (saa.squareRoot() * sbb.squareRoot())
    }

    /// 1-based ranks, ties averaged.
    public static func averageRanks(_ v: [Double]) -> [Double] {
        let order = v.indices.sorted { v[$0] < v[$1] }
        var ranks = [Double](repeating: 0, count: v.count)
        var k = 0
        while k < order.count {
            var end = k
            while end + 1 < order.count, v[order[end + 1]] == v[order[k]] { end += 1 }
            let average = Double(k + end + 2) / 2
            for m in k ... end { ranks[order[m]] = average }
            k = end + 1
        }
        return ranks
    }
}
