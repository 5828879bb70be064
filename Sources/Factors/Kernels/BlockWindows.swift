/// Sliding-window sums without removal: the series is cut into blocks of N rows, and the window
/// ending at row i (N rows) is the tail of the previous block plus the head of i's block, so its
/// sums are a suffix sum plus a prefix sum, both accumulated from the window's own values only.
/// Nothing is ever subtracted, so no residue of values that left the window can remain (the
/// classic add/remove running sum keeps the rounding error of every value it ever saw), and the
/// two accumulations have no long dependency chain, so they run near the machine's add rate.
///
/// Each pair of neighbouring blocks shares a shift, a value of the series at or near their
/// boundary (inside every window that crosses it): second-order sums are taken of `x - shift`,
/// which keeps `n·Σd² - (Σd)²` from cancelling catastrophically (the relative error stays near
/// `N · ε · (1 + (mean - shift)² / variance)`, about 1e-13 at N = 60 when the shift lies among
/// the window's values).
protocol BlockKernel {
    /// The sums a window needs, for one block part.
    associatedtype Sums
    /// What the blocks meeting at a boundary share (a shift per input series).
    associatedtype Shift

    var zero: Sums { get }
    /// The shift for the blocks meeting at `boundary`, the current block being `boundary ..< end`.
    func shift(boundary: Int, end: Int, window: Int) -> Shift
    /// Adds row `row` (its position relative to the boundary is `row - boundary`).
    func add(_ sums: inout Sums, row: Int, boundary: Int, shift: Shift)
    /// Sums of two disjoint parts of a window.
    func combine(_ a: Sums, _ b: Sums) -> Sums
    /// Writes row `row`'s outputs; rows come in order; `start` is the window's first row.
    mutating func emit(row: Int, start: Int, boundary: Int, sums: Sums, shift: Shift)
}

enum BlockWindows {
    /// Runs `kernel` over rows `0 ..< count` with windows of `window` (> 0) rows.
    @inline(__always)
    static func run<K: BlockKernel>(_ kernel: inout K, count: Int, window: Int) {
        precondition(window > 0)
        let w = Swift.min(window, Swift.max(1, count))
        withUnsafeTemporaryAllocation(of: K.Sums.self, capacity: w) { suffix in
            let suffixBase = suffix.baseAddress!
            var boundary = 0
            while boundary < count {
                let end = Swift.min(count, boundary + window)
                let shift = kernel.shift(boundary: boundary, end: end, window: window)
                // Suffix sums of the previous block: entry k - (boundary - window) holds rows k ..< boundary.
                // Windows start after the previous block's first row, so that row needs none.
                if boundary > 0 {
                    var acc = kernel.zero
                    var k = boundary - 1
                    while k > boundary - window {
                        kernel.add(&acc, row: k, boundary: boundary, shift: shift)
                        (suffixBase + (k - boundary + window)).initialize(to: acc)
                        k -= 1
                    }
                }
                var acc = kernel.zero
                for i in boundary ..< end {
                    kernel.add(&acc, row: i, boundary: boundary, shift: shift)
                    let start = i - window + 1
                    if boundary > 0 && start < boundary {
                        kernel.emit(row: i, start: start, boundary: boundary, sums: kernel.combine(suffixBase[start - boundary + window], acc), shift: shift)
                    } else {
                        kernel.emit(row: i, start: Swift.max(0, start), boundary: boundary, sums: acc, shift: shift)
                    }
                }
                boundary = end
            }
        }
    }

    /// A shift for the blocks meeting at `boundary`: the first value of the block at or after it,
    /// else the last value of the previous block, else 0 (NaN skipped).
    @inline(__always)
    static func shift(_ x: UnsafeBufferPointer<Double>, boundary: Int, end: Int, window: Int) -> Double {
        var k = boundary
        while k < end { if !x[k].isNaN { return x[k] }; k += 1 }
        k = boundary - 1
        while k >= Swift.max(0, boundary - window) { if !x[k].isNaN { return x[k] }; k -= 1 }
        return 0
    }
}

/// A running sum with the rounding error of each addition kept aside (Knuth's two-sum), so the
/// total is accurate to about one rounding whatever the order and signs of the values.
struct CompensatedSum {
    var hi = 0.0
    var lo = 0.0

    @inline(__always) mutating func add(_ v: Double) {
        let s = hi + v
        let z = s - hi
        lo += (hi - (s - z)) + (v - z)
        hi = s
    }

    @inline(__always) static func + (a: CompensatedSum, b: CompensatedSum) -> CompensatedSum {
        let s = a.hi + b.hi
        let z = s - a.hi
        return CompensatedSum(hi: s, lo: (a.hi - (s - z)) + (b.hi - z) + a.lo + b.lo)
    }

    @inline(__always) var value: Double { hi + lo }
}
