/// The running maximum and minimum of an expanding window (NaN skipped), by monotonic queues of
/// row indices: amortised O(1) per row. Ties keep the earliest row at the front. (Windows of N
/// rows use `ExtremaBlockKernel`.)
struct WindowExtrema {
    private let maxQueue: UnsafeMutablePointer<Int>
    private let minQueue: UnsafeMutablePointer<Int>
    private var maxHead = 0, maxTail = 0
    private var minHead = 0, minTail = 0

    /// Queues for up to `capacity` rows (the caller deallocates them).
    init(capacity: Int) {
        maxQueue = UnsafeMutablePointer<Int>.allocate(capacity: Swift.max(1, capacity))
        minQueue = UnsafeMutablePointer<Int>.allocate(capacity: Swift.max(1, capacity))
    }

    func deallocate() {
        maxQueue.deallocate()
        minQueue.deallocate()
    }

    /// Adds row `i` with value `x` (NaN is ignored) and drops rows before `start`.
    @inline(__always) mutating func push(_ i: Int, _ x: Double, values: UnsafeBufferPointer<Double>, start: Int) {
        if !x.isNaN {
            while maxTail > maxHead, values[maxQueue[maxTail - 1]] < x { maxTail -= 1 }
            maxQueue[maxTail] = i
            maxTail += 1
            while minTail > minHead, values[minQueue[minTail - 1]] > x { minTail -= 1 }
            minQueue[minTail] = i
            minTail += 1
        }
        while maxHead < maxTail, maxQueue[maxHead] < start { maxHead += 1 }
        while minHead < minTail, minQueue[minHead] < start { minHead += 1 }
    }

    /// Whether the window has values.
    @inline(__always) var isEmpty: Bool { maxHead == maxTail }
    /// The row of the window's maximum (the earliest among equals); the window must have values.
    @inline(__always) var maxRow: Int { maxQueue[maxHead] }
    @inline(__always) var minRow: Int { minQueue[minHead] }
}

/// Flat-window detection in O(1): the length of the run of equal values ending at the newest
/// value (NaN rows skipped). A window holding the newest `count` values is flat exactly when
/// that run is at least `count` long.
struct FlatRun {
    private(set) var last = Double.nan
    private var run = 0

    @inline(__always) mutating func observe(_ v: Double) {
        // Selects rather than branches: on series that repeat often (counts, 0/1 flags) whether
        // the next value repeats is a coin toss, and a mispredicted branch costs more than both.
        let present = !v.isNaN
        let repeated = v == last
        run = present ? (repeated ? run &+ 1 : 1) : run
        // A repeat keeps the run's first value: 0.0 == -0.0, and a flat window's answer takes
        // its sign from `last`.
        last = present && !repeated ? v : last
    }

    /// The flat window's value as its sum and mean report it: `last`, but +0.0 for zeros of either
    /// sign, as summing them from 0.0 gives (pandas' running sums start there too).
    @inline(__always) var value: Double { last + 0.0 }

    /// True when the window's `count` values (the newest ones) are all equal.
    @inline(__always) func isFlat(count: Int) -> Bool { run >= count }
}

/// Window bounds: row `i`'s window starts at `max(0, i - N + 1)`, or at 0 when N is 0 (expanding).
@inline(__always) func windowStart(_ i: Int, _ window: Int) -> Int {
    window == 0 ? 0 : Swift.max(0, i - window + 1)
}

/// `Max`, `Min`, `IdxMax`, `IdxMin`: by blocks for windows of N rows, by queues for expanding ones.
enum ExtremaKernels {
    /// `Max`, `Min`, `IdxMax`, `IdxMin` (1-based from the window's oldest row).
    static func run(_ function: RollingFunction, window: Int, _ x: UnsafeBufferPointer<Double>, into out: UnsafeMutableBufferPointer<Double>) {
        run([KernelOutput(function: function, out: out)], window: window, x)
    }

    /// Several of them over the same series and window, from one pair of queues.
    static func run(_ outputs: [KernelOutput], window: Int, _ x: UnsafeBufferPointer<Double>) {
        if window > 0 {
            outputs.withUnsafeBufferPointer { outputs in
                var kernel = ExtremaBlockKernel(x: x, outputs: outputs)
                BlockWindows.run(&kernel, count: x.count, window: window)
            }
            return
        }
        var extrema = WindowExtrema(capacity: x.count)
        defer { extrema.deallocate() }
        outputs.withUnsafeBufferPointer { outputs in
            for i in 0 ..< x.count {
                let start = windowStart(i, window)
                extrema.push(i, x[i], values: x, start: start)
                if extrema.isEmpty {
                    for output in outputs { output.out[i] = .nan }
                    continue
                }
                for output in outputs {
                    switch output.function {
                    case .max: output.out[i] = x[extrema.maxRow]
                    case .min: output.out[i] = x[extrema.minRow]
                    case .idxMax: output.out[i] = Double(extrema.maxRow - start + 1)
                    default: output.out[i] = Double(extrema.minRow - start + 1)
                    }
                }
            }
        }
    }
}

/// `Max`, `Min`, `IdxMax`, `IdxMin` over windows of N rows by blocks (van Herk / Gil-Werman):
/// a window's extreme is the better of its previous-block suffix's and its block prefix's, ties
/// going to the earlier row. No data-dependent loops, so no branch mispredictions to speak of.
struct ExtremaBlockKernel: BlockKernel {
    struct Sums {
        var max = -Double.infinity, maxRow = -1
        var min = Double.infinity, minRow = -1
    }

    let x: UnsafeBufferPointer<Double>
    let outputs: UnsafeBufferPointer<KernelOutput>

    var zero: Sums { Sums() }

    func shift(boundary: Int, end: Int, window: Int) -> Void {}

    @inline(__always) func add(_ sums: inout Sums, row: Int, boundary: Int, shift: Void) {
        let v = x[row]
        // NaN fails every comparison, so it is skipped. Infinities never reach a window kernel.
        if v > sums.max || (v == sums.max && row < sums.maxRow) { sums.max = v; sums.maxRow = row }
        if v < sums.min || (v == sums.min && row < sums.minRow) { sums.min = v; sums.minRow = row }
    }

    /// `a` is the earlier part of the window, so it wins ties.
    @inline(__always) func combine(_ a: Sums, _ b: Sums) -> Sums {
        var c = b
        if a.maxRow >= 0 && !(b.max > a.max) { c.max = a.max; c.maxRow = a.maxRow }
        if a.minRow >= 0 && !(b.min < a.min) { c.min = a.min; c.minRow = a.minRow }
        return c
    }

    @inline(__always) mutating func emit(row: Int, start: Int, boundary: Int, sums: Sums, shift: Void) {
        guard sums.maxRow >= 0 else {
            for output in outputs { output.out[row] = .nan }
            return
        }
        for output in outputs {
            switch output.function {
            case .max: output.out[row] = sums.max
            case .min: output.out[row] = sums.min
            case .idxMax: output.out[row] = Double(sums.maxRow - start + 1)
            default: output.out[row] = Double(sums.minRow - start + 1)
            }
        }
    }
}
