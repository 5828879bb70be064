/// The running maximum and minimum of a sliding window (NaN skipped), by monotonic queues of row
/// indices: amortised O(1) per row. Ties keep the earliest row at the front.
struct WindowExtrema {
    private var maxQueue: [Int]
    private var minQueue: [Int]
    private var maxHead = 0
    private var minHead = 0

    init(capacity: Int) {
        maxQueue = []
        minQueue = []
        maxQueue.reserveCapacity(capacity)
        minQueue.reserveCapacity(capacity)
    }

    /// Adds row `i` with value `x` (NaN is ignored) and drops rows before `start`.
    @inline(__always) mutating func push(_ i: Int, _ x: Double, values: UnsafeBufferPointer<Double>, start: Int) {
        if !x.isNaN {
            while maxQueue.count > maxHead, values[maxQueue[maxQueue.count - 1]] < x { maxQueue.removeLast() }
            maxQueue.append(i)
            while minQueue.count > minHead, values[minQueue[minQueue.count - 1]] > x { minQueue.removeLast() }
            minQueue.append(i)
        }
        while maxHead < maxQueue.count, maxQueue[maxHead] < start { maxHead += 1 }
        while minHead < minQueue.count, minQueue[minHead] < start { minHead += 1 }
    }

    /// The row of the window's maximum (the earliest among equals), nil when the window has no values.
    @inline(__always) var maxRow: Int? { maxHead < maxQueue.count ? maxQueue[maxHead] : nil }
    @inline(__always) var minRow: Int? { minHead < minQueue.count ? minQueue[minHead] : nil }

    /// True when the window's values are all equal (or it has none).
    @inline(__always) func isFlat(_ values: UnsafeBufferPointer<Double>) -> Bool {
        guard let hi = maxRow, let lo = minRow else { return true }
        return values[hi] == values[lo]
    }
}

/// Flat-window detection in O(1): the length of the run of equal values ending at the newest
/// value (NaN rows skipped). A window holding the newest `count` values is flat exactly when
/// that run is at least `count` long.
struct FlatRun {
    private(set) var last = Double.nan
    private var run = 0

    @inline(__always) mutating func observe(_ v: Double) {
        guard !v.isNaN else { return }
        if v == last { run += 1 } else { last = v; run = 1 }
    }

    /// True when the window's `count` values (the newest ones) are all equal.
    @inline(__always) func isFlat(count: Int) -> Bool { run >= count }
}

/// Window bounds: row `i`'s window starts at `max(0, i - N + 1)`, or at 0 when N is 0 (expanding).
@inline(__always) func windowStart(_ i: Int, _ window: Int) -> Int {
    window == 0 ? 0 : Swift.max(0, i - window + 1)
}

enum ExtremaKernels {
    /// `Max`, `Min`, `IdxMax`, `IdxMin` (1-based from the window's oldest row).
    static func run(_ function: RollingFunction, window: Int, _ x: UnsafeBufferPointer<Double>, into out: UnsafeMutableBufferPointer<Double>) {
        run([KernelOutput(function: function, out: out)], window: window, x)
    }

    /// Several of them over the same series and window, from one pair of queues.
    static func run(_ outputs: [KernelOutput], window: Int, _ x: UnsafeBufferPointer<Double>) {
        var extrema = WindowExtrema(capacity: x.count)
        for i in 0 ..< x.count {
            let start = windowStart(i, window)
            extrema.push(i, x[i], values: x, start: start)
            for output in outputs {
                switch output.function {
                case .max: output.out[i] = extrema.maxRow.map { x[$0] } ?? .nan
                case .min: output.out[i] = extrema.minRow.map { x[$0] } ?? .nan
                case .idxMax: output.out[i] = extrema.maxRow.map { Double($0 - start + 1) } ?? .nan
                default: output.out[i] = extrema.minRow.map { Double($0 - start + 1) } ?? .nan
                }
            }
        }
    }
}
