/// `Rank`, `TsRank`, `Med` and `Quantile` over sliding windows. Windows up to 512 rows keep their
/// values sorted (binary search, then a short move: O(log N + N) with tiny constants); longer and
/// expanding windows rank the series' values once and count the window's values by rank in a
/// Fenwick tree (O(log n) per row for both "how many are below v" and "the k-th smallest").
enum OrderKernels {
    static func run(_ function: RollingFunction, q: Double = 0.5, window: Int, _ x: UnsafeBufferPointer<Double>,
                    into out: UnsafeMutableBufferPointer<Double>) {
        run([KernelOutput(function: function, q: q, out: out)], window: window, x)
    }

    /// Several of them (ranks and quantiles) over the same series and window, from one sorted window.
    static func run(_ outputs: [KernelOutput], window: Int, _ x: UnsafeBufferPointer<Double>) {
        outputs.withUnsafeBufferPointer { run($0, window: window, x) }
    }

    private static func run(_ outputs: UnsafeBufferPointer<KernelOutput>, window: Int, _ x: UnsafeBufferPointer<Double>) {
        if window > 0 && window <= 512 {
            var sorted = SortedWindow(capacity: window)
            defer { sorted.deallocate() }
            for i in 0 ..< x.count {
                let leaving = i >= window ? x[i - window] : .nan
                let entering = x[i]
                // Where the entering value lands, which gives its rank without another search.
                var position = -1
                switch (leaving.isNaN, entering.isNaN) {
                case (false, false): position = sorted.replace(leaving, with: entering)
                case (false, true): sorted.remove(leaving)
                case (true, false): position = sorted.insert(entering)
                case (true, true): break
                }
                let ties = position >= 0 ? sorted.ties(at: position) : (before: 0, after: 0)
                for output in outputs {
                    output.out[i] = answer(output.function, q: output.q, current: entering, count: sorted.count,
                                           below: { _ in position - ties.before }, equal: { _ in ties.before + 1 + ties.after },
                                           kth: { sorted[$0] })
                }
            }
            return
        }
        var tree = RankTree(x)
        var previousStart = 0
        for i in 0 ..< x.count {
            let start = windowStart(i, window)
            while previousStart < start {
                tree.remove(row: previousStart)
                previousStart += 1
            }
            tree.insert(row: i)
            let rank = tree.rankOf[i]
            for output in outputs {
                output.out[i] = answer(output.function, q: output.q, current: x[i], count: tree.count,
                                       below: { _ in tree.prefix(rank) }, equal: { _ in tree.prefix(rank + 1) - tree.prefix(rank) },
                                       kth: { tree.kth($0) })
            }
        }
    }

    /// The operator's value from the window's order statistics.
    @inline(__always)
    private static func answer(_ function: RollingFunction, q: Double, current: Double, count: Int,
                               below: (Double) -> Int, equal: (Double) -> Int, kth: (Int) -> Double) -> Double {
        guard count > 0 else { return .nan }
        switch function {
        case .rank, .tsRank:
            guard !current.isNaN else { return .nan }
            let average = Double(below(current)) + Double(equal(current) + 1) / 2
            return function == .rank ? average / Double(count) : average
        default:  // median, quantile: linear interpolation at q * (n - 1)
            let position = q * Double(count - 1)
            // Truncation is the floor here (position >= 0), and one instruction where
            // `rounded(.down)` is a call to floor() on baseline x86-64.
            let low = Int(position)
            let fraction = position - Double(low)
            let lowValue = kth(low)
            if fraction == 0 || low + 1 >= count { return lowValue }
            return lowValue + (kth(low + 1) - lowValue) * fraction
        }
    }
}

/// A window's values kept in ascending order, in a buffer of its own (the caller deallocates it).
struct SortedWindow {
    private let values: UnsafeMutablePointer<Double>
    private(set) var count = 0

    init(capacity: Int) {
        values = UnsafeMutablePointer<Double>.allocate(capacity: capacity + 1)
    }

    func deallocate() { values.deallocate() }

    subscript(k: Int) -> Double { values[k] }

    /// The index of the first value not below `v` (a search without data-dependent branches).
    @inline(__always) private func lowerBound(_ v: Double) -> Int {
        guard count > 0 else { return 0 }
        var base = 0, n = count
        while n > 1 {
            let half = n >> 1
            base = values[base + half - 1] < v ? base + half : base
            n -= half
        }
        return values[base] < v ? base + 1 : base
    }

    /// Inserts `v`; returns where it went.
    @inline(__always) @discardableResult mutating func insert(_ v: Double) -> Int {
        var k = count
        while k > 0 && values[k - 1] > v { values[k] = values[k - 1]; k -= 1 }
        values[k] = v
        count += 1
        return k
    }

    @inline(__always) mutating func remove(_ v: Double) {
        let k = lowerBound(v)
        (values + k).update(from: values + k + 1, count: count - k - 1)
        count -= 1
    }

    /// Removes `old` (present) and inserts `new` with one move of the values between them;
    /// returns where `new` went.
    @inline(__always) mutating func replace(_ old: Double, with new: Double) -> Int {
        var k = lowerBound(old)
        if new > old {
            while k + 1 < count && values[k + 1] < new { values[k] = values[k + 1]; k += 1 }
        } else {
            while k > 0 && values[k - 1] > new { values[k] = values[k - 1]; k -= 1 }
        }
        values[k] = new
        return k
    }

    /// How many values equal to the one at `k` sit before and after it.
    @inline(__always) func ties(at k: Int) -> (before: Int, after: Int) {
        let v = values[k]
        var before = 0, after = 0
        while k - before > 0 && values[k - before - 1] == v { before += 1 }
        while k + after + 1 < count && values[k + after + 1] == v { after += 1 }
        return (before, after)
    }
}

/// Counts of a window's values by their rank among the whole series' distinct values (a Fenwick tree).
struct RankTree {
    /// Each row's value's rank among the distinct values (-1 for NaN).
    let rankOf: [Int]
    private let unique: [Double]
    private var tree: [Int]
    private let highBit: Int
    private(set) var count = 0

    init(_ x: UnsafeBufferPointer<Double>) {
        var distinct = x.filter { !$0.isNaN }
        distinct.sort()
        var unique: [Double] = []
        unique.reserveCapacity(distinct.count)
        for v in distinct where unique.last != v { unique.append(v) }
        var rankOf = [Int](repeating: -1, count: x.count)
        for i in 0 ..< x.count where !x[i].isNaN {
            var low = 0, high = unique.count
            while low < high {
                let mid = (low + high) >> 1
                if unique[mid] < x[i] { low = mid + 1 } else { high = mid }
            }
            rankOf[i] = low
        }
        self.rankOf = rankOf
        self.unique = unique
        tree = [Int](repeating: 0, count: unique.count + 1)
        var bit = 1
        while bit * 2 <= unique.count { bit *= 2 }
        highBit = bit
    }

    @inline(__always) private mutating func update(_ rank: Int, _ delta: Int) {
        var k = rank + 1
        while k < tree.count { tree[k] += delta; k += k & -k }
    }

    mutating func insert(row: Int) { if rankOf[row] >= 0 { update(rankOf[row], 1); count += 1 } }
    mutating func remove(row: Int) { if rankOf[row] >= 0 { update(rankOf[row], -1); count -= 1 } }

    /// The number of window values with rank below `rank`.
    func prefix(_ rank: Int) -> Int {
        var k = rank, total = 0
        while k > 0 { total += tree[k]; k -= k & -k }
        return total
    }

    /// The k-th smallest window value (0-based).
    func kth(_ k: Int) -> Double {
        var position = 0, remaining = k + 1, step = highBit
        while step > 0 {
            let next = position + step
            if next < tree.count, tree[next] < remaining { position = next; remaining -= tree[next] }
            step >>= 1
        }
        return unique[position]
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
