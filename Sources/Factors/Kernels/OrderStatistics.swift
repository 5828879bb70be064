/// `Rank`, `TsRank`, `Med` and `Quantile` over sliding windows in O(log n) per row: the series'
/// values are ranked once, and a Fenwick tree counts the window's values by rank, answering
/// "how many are below v" and "the k-th smallest" as the window moves.
enum OrderKernels {
    static func run(_ function: RollingFunction, q: Double = 0.5, window: Int, _ x: UnsafeBufferPointer<Double>,
                    into out: UnsafeMutableBufferPointer<Double>) {
        // Distinct non-NaN values, sorted; each row's value as its index there.
        var distinct = x.filter { !$0.isNaN }
        distinct.sort()
        var unique: [Double] = []
        unique.reserveCapacity(distinct.count)
        for v in distinct where unique.last != v { unique.append(v) }
        let size = unique.count
        var rankOf = [Int](repeating: -1, count: x.count)
        for i in 0 ..< x.count where !x[i].isNaN { rankOf[i] = lowerBound(unique, x[i]) }
        var tree = [Int](repeating: 0, count: size + 1)
        var highBit = 1
        while highBit * 2 <= size { highBit *= 2 }
        @inline(__always) func update(_ r: Int, _ delta: Int) {
            var k = r + 1
            while k <= size { tree[k] += delta; k += k & -k }
        }
        @inline(__always) func prefix(_ r: Int) -> Int {  // values with rank < r
            var k = r, total = 0
            while k > 0 { total += tree[k]; k -= k & -k }
            return total
        }
        @inline(__always) func kth(_ k: Int) -> Double {  // 0-based k-th smallest
            var position = 0, remaining = k + 1, step = highBit
            while step > 0 {
                let next = position + step
                if next <= size, tree[next] < remaining { position = next; remaining -= tree[next] }
                step /= 2
            }
            return unique[position]
        }
        var count = 0
        var previousStart = 0
        for i in 0 ..< x.count {
            let start = windowStart(i, window)
            while previousStart < start {
                if rankOf[previousStart] >= 0 { update(rankOf[previousStart], -1); count -= 1 }
                previousStart += 1
            }
            if rankOf[i] >= 0 { update(rankOf[i], 1); count += 1 }
            guard count > 0 else { out[i] = .nan; continue }
            switch function {
            case .rank, .tsRank:
                guard rankOf[i] >= 0 else { out[i] = .nan; continue }
                let below = prefix(rankOf[i])
                let equal = prefix(rankOf[i] + 1) - below
                let average = Double(below) + Double(equal + 1) / 2
                out[i] = function == .rank ? average / Double(count) : average
            default:  // median, quantile: linear interpolation at q * (n - 1)
                let position = q * Double(count - 1)
                let low = Int(position.rounded(.down))
                let fraction = position - Double(low)
                let lowValue = kth(low)
                if fraction == 0 || low + 1 >= count {
                    out[i] = lowValue
                } else {
                    let highValue = kth(low + 1)
                    out[i] = lowValue + (highValue - lowValue) * fraction
                }
            }
        }
    }

    private static func lowerBound(_ values: [Double], _ v: Double) -> Int {
        var low = 0, high = values.count
        while low < high {
            let mid = (low + high) / 2
            if values[mid] < v { low = mid + 1 } else { high = mid }
        }
        return low
    }
}

/// Window operations computed from each window's values directly (O(N) per row): `Mad` and
/// `Product`, which have no exact running form.
enum DirectKernels {
    static func run(_ function: RollingFunction, window: Int, _ x: UnsafeBufferPointer<Double>, into out: UnsafeMutableBufferPointer<Double>) {
        for i in 0 ..< x.count {
            let start = windowStart(i, window)
            switch function {
            case .product:
                var product = 1.0, count = 0
                for j in start ... i where !x[j].isNaN { product *= x[j]; count += 1 }
                out[i] = count == 0 ? .nan : product
            default:  // mad
                var sum = DoubleDouble.zero, count = 0
                for j in start ... i where !x[j].isNaN { sum = sum + DoubleDouble(x[j]); count += 1 }
                guard count > 0 else { out[i] = .nan; continue }
                let mean = sum / Double(count)
                var deviations = DoubleDouble.zero
                for j in start ... i where !x[j].isNaN {
                    let d = DoubleDouble(x[j]) - mean
                    deviations = deviations + (d.hi < 0 ? -d : d)
                }
                out[i] = (deviations / Double(count)).value
            }
        }
    }
}
