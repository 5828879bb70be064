import Testing
@testable import Factors

/// Runs one plan operation over one series.
func evaluate(_ operation: PlanOperation, _ inputs: [[Double]]) -> [Double] {
    let n = inputs[0].count
    let buffers = inputs.map { values -> UnsafeMutableBufferPointer<Double> in
        let b = UnsafeMutableBufferPointer<Double>.allocate(capacity: max(1, n))
        _ = b.initialize(from: values)
        return b
    }
    defer { for b in buffers { b.deallocate() } }
    let out = UnsafeMutableBufferPointer<Double>.allocate(capacity: max(1, n))
    defer { out.deallocate() }
    Kernels.run(operation, buffers.map { UnsafeBufferPointer(rebasing: $0[0 ..< n]) }, into: UnsafeMutableBufferPointer(rebasing: out[0 ..< n]))
    return Array(out[0 ..< n])
}

/// Series with the awkward cases: NaN runs, ties, flat stretches, zeros, jumps.
func awkwardSeries(seed: UInt64, count: Int = 300) -> [Double] {
    var rng = SplitMix(seed: seed)
    var x: [Double] = []
    var level = 100.0
    for i in 0 ..< count {
        switch rng.next() % 10 {
        case 0: x.append(.nan)
        case 1: x.append(x.last ?? level)  // repeat (ties, flat runs)
        case 2: x.append(0)
        default:
            level *= 1 + (Double(rng.next() % 2001) - 1000) / 50_000
            x.append(i % 97 == 0 ? level * 3 : (level * 100).rounded() / 100)
        }
        if i % 50 == 10 { for _ in 0 ..< 6 { x.append(x.last!) } }  // a long flat run
    }
    return x
}

struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite("Rolling kernels against per-window computation")
struct KernelTests {
    static let functions: [RollingFunction] = [.sum, .mean, .count, .std, .variance, .skew, .kurt, .max, .min, .median, .mad,
                                               .idxMax, .idxMin, .slope, .rsquare, .resi, .rank, .tsRank, .wma, .product]

    @Test("every rolling operator agrees with a from-scratch computation of each window", arguments: [0, 1, 2, 3, 5, 20])
    func rolling(window: Int) {
        for seed in 1 ... 4 as ClosedRange<UInt64> {
            var x = awkwardSeries(seed: seed)
            if seed == 4 { x = x.map { $0 / 1000 } }  // small values: the Corr std rule and exact flats
            for function in Self.functions {
                let input = function == .product ? x.map { $0.isNaN ? $0 : 1 + $0 / 1e4 } : x
                let fast = evaluate(.rolling(function, window: window), [input])
                let slow = NaiveWindows.rolling(function, input, window)
                let bad = input.indices.filter { !agree(fast[$0], slow[$0], relative: 1e-9, absolute: 1e-9) }
                #expect(bad.isEmpty, "\(function) window \(window) seed \(seed): rows \(bad.prefix(5).map { "\($0): \(fast[$0]) vs \(slow[$0])" })")
            }
            for q in [0.0, 0.2, 0.8, 1.0] {
                let fast = evaluate(.quantile(window: window, q: q), [x])
                let slow = NaiveWindows.windows(x, window).map { NaiveWindows.quantile($0.values.map(\.value), q) }
                #expect(x.indices.allSatisfy { agree(fast[$0], slow[$0]) }, "quantile \(q) window \(window)")
            }
        }
    }

    @Test("Corr and Cov use the rows where both have values; Corr is NaN where either std is within 2e-5 of 0", arguments: [2, 5, 20, 0])
    func pairs(window: Int) {
        let x = awkwardSeries(seed: 7), y = awkwardSeries(seed: 8).map { $0.isNaN ? $0 : $0 * 1e-6 + 3 }
        for function in [PairFunction.corr, .cov] {
            let fast = evaluate(.pair(function, window: window), [x, y])
            let slow = NaiveWindows.pair(function, x, y, window)
            let bad = x.indices.filter { !agree(fast[$0], slow[$0], relative: 1e-8, absolute: 1e-12) }
            #expect(bad.isEmpty, "\(function) window \(window): \(bad.prefix(5).map { "\($0): \(fast[$0]) vs \(slow[$0])" })")
        }
    }

    @Test("EMA follows pandas ewm(span, adjust=True): weighted mean of the values so far, NaN rows still ageing the weights")
    func ema() {
        let x = awkwardSeries(seed: 11)
        for span in [2.0, 5, 12, 26] {
            let alpha = 2 / (span + 1)
            let fast = evaluate(.ema(alpha: alpha), [x])
            let slow = NaiveWindows.ema(x, alpha: alpha)
            #expect(x.indices.allSatisfy { agree(fast[$0], slow[$0], relative: 1e-12) }, "span \(span)")
        }
    }

    @Test("flat windows are exact: std 0, sum of zeros 0, R² NaN, slope 0 (pandas leaves residue here)")
    func exactFlats() {
        // Five equal closes after moving ones, then zeros after non-zeros.
        let closes: [Double] = [10.37, 11.91, 9.13, 10.01, 10.01, 10.01, 10.01, 10.01, 10.01]
        let std = evaluate(.rolling(.std, window: 5), [closes])
        #expect(std[8] == 0 && std[7] == 0)
        let changes: [Double] = [0.3, -0.7, 0.1, 0.9, 0, 0, 0, 0, 0]
        let sums = evaluate(.rolling(.sum, window: 5), [changes])
        #expect(sums[8] == 0)
        let means = evaluate(.rolling(.mean, window: 5), [changes.map(abs)])
        let ratio = evaluate(.rolling(.std, window: 5), [changes.map(abs)])[8] / (means[8] + 1e-12)
        #expect(ratio == 0)
        #expect(evaluate(.rolling(.rsquare, window: 5), [closes])[8].isNaN)
        #expect(evaluate(.rolling(.slope, window: 5), [closes])[8] == 0)
        #expect(evaluate(.rolling(.resi, window: 5), [closes])[8] == 0)
        // 0.0 and -0.0 compare equal, so windows of zeros of either sign are flat; their sum and
        // mean are +0.0 as summing from 0.0 gives, which is what pandas gives (1 / Mean would
        // otherwise flip from +inf to -inf), in the block kernels and the running ones alike.
        for zeros in [[0.0, -0.0], [-0.0, 0.0], [-0.0, -0.0]] {
            for function in [RollingFunction.sum, .mean] {
                for window in [2, 0] {
                    let out = evaluate(.rolling(function, window: window), [zeros])
                    #expect(out[1] == 0 && out[1].sign == .plus, "\(function) window \(window) of \(zeros)")
                }
            }
        }
    }

    @Test("Ref shifts back and, with a negative N, ahead; element-wise rules follow numpy")
    func elementwise() {
        let x: [Double] = [1, 2, .nan, 4]
        #expect(evaluate(.ref(1), [x]).map { $0.isNaN ? -1 : $0 } == [-1, 1, 2, -1])
        #expect(evaluate(.ref(-1), [x]).map { $0.isNaN ? -1 : $0 } == [2, -1, 4, -1])
        #expect(evaluate(.arithmetic(.greater), [x, [0, 0, 0, 0]]) == [1, 1, 0, 1])
        #expect(evaluate(.arithmetic(.notEqual), [x, x]) == [0, 0, 1, 0])
        #expect(evaluate(.function(.greater), [x, [3, 3, 3, 3]]).map { $0.isNaN ? -1 : $0 } == [3, 3, -1, 4])
        #expect(evaluate(.ifThenElse, [[0, 1, .nan, 2], [1, 1, 1, 1], [9, 9, 9, 9]]) == [9, 1, 1, 1])
        #expect(evaluate(.function(.signedPower), [[-2, 3], [2, 2]]) == [-4, 9])
    }
}
