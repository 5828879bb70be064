/// The per-date operators: one date's values across tickers in, that date's results out.
enum CrossSectionKernels {
    static func run(_ function: CrossSectionFunction, _ x: [Double], group: [Double]?, into out: inout [Double]) {
        let valid = x.indices.filter { !x[$0].isNaN }
        out = [Double](repeating: .nan, count: x.count)
        guard !valid.isEmpty else { return }
        switch function {
        case .rank:
            let sorted = valid.sorted { x[$0] < x[$1] }
            var k = 0
            let n = Double(valid.count)
            while k < sorted.count {
                var end = k
                while end + 1 < sorted.count, x[sorted[end + 1]] == x[sorted[k]] { end += 1 }
                let average = Double(k + end + 2) / 2  // 1-based ranks k+1 ... end+1
                for m in k ... end { out[sorted[m]] = average / n }
                k = end + 1
            }
        case .zscore, .demean:
            let mean = exactMean(valid.map { x[$0] })
            if function == .demean {
                for i in valid { out[i] = x[i] - mean }
                return
            }
            guard valid.count >= 2 else { return }
            var squares = DoubleDouble.zero
            for i in valid {
                let d = DoubleDouble(x[i]) - DoubleDouble(mean)
                squares = squares + d * d
            }
            let std = (squares / Double(valid.count - 1)).value.squareRoot()
            guard std > 0 else { return }
            for i in valid { out[i] = (x[i] - mean) / std }
        case .scale:
            var total = DoubleDouble.zero
            for i in valid { total = total + DoubleDouble(Swift.abs(x[i])) }
            let sum = total.value
            guard sum != 0 else { return }
            for i in valid { out[i] = x[i] / sum }
        case .neutralize:
            guard let group else { return }
            var members: [Double: [Int]] = [:]
            for i in valid where !group[i].isNaN { members[group[i], default: []].append(i) }
            for (_, rows) in members {
                let mean = exactMean(rows.map { x[$0] })
                for i in rows { out[i] = x[i] - mean }
            }
        }
    }

    /// The mean, summed in double-double.
    static func exactMean(_ values: [Double]) -> Double {
        var sum = DoubleDouble.zero
        for v in values { sum = sum + DoubleDouble(v) }
        return (sum / Double(values.count)).value
    }
}
