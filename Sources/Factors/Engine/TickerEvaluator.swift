/// Evaluates a plan's nodes over one ticker's rows at a time: nodes in order, each from its
/// inputs' values, scratch buffers returned to a pool as soon as their last reader has run, so
/// memory stays at the plan's working set rather than one buffer per node.
final class TickerEvaluator {
    private let plan: FactorPlan
    /// The nodes computed, in order; each after its inputs.
    private let order: [Int]
    /// For each position in `order`, the nodes whose values are no longer needed after it.
    private let releases: [[Int]]
    /// For a node computed together with others, all of them (in plan order).
    private let fused: [Int: [Int]]
    private let sources: EvaluationSources
    private var views: [UnsafeBufferPointer<Double>?]
    private var owned: [UnsafeMutableBufferPointer<Double>?]
    private var pool: [UnsafeMutableBufferPointer<Double>] = []
    private let capacity: Int

    /// An evaluator producing `targets`, reading fields and materialized nodes from `sources`;
    /// `capacity` is the most rows a ticker has.
    init(plan: FactorPlan, targets: [Int], sources: EvaluationSources, capacity: Int) {
        self.plan = plan
        self.sources = sources
        self.capacity = Swift.max(1, capacity)
        var needed = Set<Int>()
        var stack = targets
        while let node = stack.popLast() {
            guard needed.insert(node).inserted else { continue }
            if sources.materialized[node] == nil { stack += plan.nodes[node].inputs }
        }
        order = needed.sorted()
        var lastUse: [Int: Int] = [:]
        for (position, node) in order.enumerated() where sources.materialized[node] == nil {
            for input in plan.nodes[node].inputs { lastUse[input] = position }
        }
        let targetSet = Set(targets)
        var releases = [[Int]](repeating: [], count: order.count)
        for (node, position) in lastUse where !targetSet.contains(node) { releases[position].append(node) }
        self.releases = releases
        // Rolling operators over the same input and window that one kernel pass can compute together.
        var members: [FusionKey: [Int]] = [:]
        for node in order where sources.materialized[node] == nil {
            if let key = FusionKey(plan.nodes[node]) { members[key, default: []].append(node) }
        }
        var fused: [Int: [Int]] = [:]
        for nodes in members.values where nodes.count > 1 { for node in nodes { fused[node] = nodes } }
        self.fused = fused
        views = [UnsafeBufferPointer<Double>?](repeating: nil, count: plan.nodes.count)
        owned = [UnsafeMutableBufferPointer<Double>?](repeating: nil, count: plan.nodes.count)
    }

    deinit {
        for buffer in owned.compactMap({ $0 }) + pool { buffer.deallocate() }
    }

    private func scratch(_ n: Int) -> UnsafeMutableBufferPointer<Double> {
        let buffer = pool.popLast() ?? UnsafeMutableBufferPointer<Double>.allocate(capacity: capacity)
        return UnsafeMutableBufferPointer(rebasing: buffer[0 ..< n])
    }

    private func release(_ node: Int) {
        guard let buffer = owned[node] else { views[node] = nil; return }
        pool.append(UnsafeMutableBufferPointer(start: buffer.baseAddress, count: capacity))
        owned[node] = nil
        views[node] = nil
    }

    /// Computes every needed node over global rows `rows`; `body` then reads the targets' values.
    func evaluate(rows: Range<Int>, _ body: (_ value: (Int) -> UnsafeBufferPointer<Double>) -> Void) {
        let n = rows.count
        for (position, node) in order.enumerated() {
            if let materialized = sources.materialized[node] {
                views[node] = UnsafeBufferPointer(rebasing: materialized[rows])
                continue
            }
            let spec = plan.nodes[node]
            if case .field(let name) = spec.operation {
                views[node] = UnsafeBufferPointer(rebasing: sources.fields[name]![rows])
                continue
            }
            if views[node] == nil {
                let inputs = spec.inputs.map { views[$0]! }
                if let group = fused[node] {
                    var outputs: [KernelOutput] = []
                    for member in group {
                        let out = scratch(n)
                        owned[member] = out
                        views[member] = UnsafeBufferPointer(out)
                        outputs.append(KernelOutput(function: FusionKey.function(plan.nodes[member].operation), q: FusionKey.q(plan.nodes[member].operation), out: out))
                    }
                    Kernels.runFused(spec.operation, outputs, window: FusionKey(spec)!.window, inputs[0])
                } else {
                    let out = scratch(n)
                    Kernels.run(spec.operation, inputs, into: out)
                    owned[node] = out
                    views[node] = UnsafeBufferPointer(out)
                }
            }
            for done in releases[position] { release(done) }
        }
        body { views[$0]! }
        for node in order { release(node) }
    }
}

/// One result a multi-output kernel writes: the operator (and quantile) and its buffer.
struct KernelOutput {
    var function: RollingFunction
    var q: Double = 0.5
    var out: UnsafeMutableBufferPointer<Double>
}

/// What makes rolling nodes computable in one pass: the kernel family, the window and the input.
struct FusionKey: Hashable {
    enum Family: Hashable { case moments, extrema, order, regression }
    var family: Family
    var window: Int
    var input: Int

    init?(_ node: PlanNode) {
        switch node.operation {
        case .rolling(let f, let window):
            switch f {
            case .sum, .mean, .count, .std, .variance, .skew, .kurt: family = .moments
            case .max, .min, .idxMax, .idxMin: family = .extrema
            case .median, .rank, .tsRank: family = .order
            case .slope, .rsquare, .resi: family = .regression
            case .wma, .mad, .product: return nil
            }
            self.window = window
        case .quantile(let window, _):
            family = .order
            self.window = window
        default:
            return nil
        }
        input = node.inputs[0]
    }

    static func function(_ operation: PlanOperation) -> RollingFunction {
        switch operation {
        case .rolling(let f, _): f
        default: .median  // a quantile
        }
    }

    static func q(_ operation: PlanOperation) -> Double {
        if case .quantile(_, let q) = operation { return q }
        return 0.5
    }
}

/// Where an evaluation reads its inputs: the panel's fields and the nodes computed beforehand
/// over the whole panel (cross-sectional and `Mask` nodes), each one value per panel row.
struct EvaluationSources: @unchecked Sendable {
    var fields: [String: UnsafeMutableBufferPointer<Double>] = [:]
    var materialized: [Int: UnsafeMutableBufferPointer<Double>] = [:]
}

/// Dispatches one plan operation to its kernel.
enum Kernels {
    static func run(_ operation: PlanOperation, _ inputs: [UnsafeBufferPointer<Double>], into out: UnsafeMutableBufferPointer<Double>) {
        switch operation {
        case .rolling, .quantile, .pair, .ema, .ewm, .wilder, .seededEMA:
            // Windows treat ±inf as missing, as pandas' rolling and ewm do (so Qlib does):
            // Log(x/0 + 1) in one row must not poison every later window.
            if inputs.contains(where: { $0.contains { $0.isInfinite } }) {
                let copies = inputs.map { input in input.map { $0.isInfinite ? Double.nan : $0 } }
                copies.withFiniteBuffers { run(operation, $0, finite: out) }
                return
            }
            run(operation, inputs, finite: out)
        default:
            run(operation, inputs, finite: out)
        }
    }

    /// Several rolling nodes of one family over the same input and window, in one pass.
    static func runFused(_ operation: PlanOperation, _ outputs: [KernelOutput], window: Int, _ input: UnsafeBufferPointer<Double>) {
        if input.contains(where: { $0.isInfinite }) {
            let finite = input.map { $0.isInfinite ? Double.nan : $0 }
            finite.withUnsafeBufferPointer { runFused(operation, outputs, window: window, $0) }
            return
        }
        switch FusionKey(PlanNode(operation: operation, inputs: [0]))!.family {
        case .moments: MomentKernels.run(outputs, window: window, input)
        case .extrema: ExtremaKernels.run(outputs, window: window, input)
        case .order: OrderKernels.run(outputs, window: window, input)
        case .regression: RegressionKernels.run(outputs, window: window, input)
        }
    }

    private static func run(_ operation: PlanOperation, _ inputs: [UnsafeBufferPointer<Double>], finite out: UnsafeMutableBufferPointer<Double>) {
        switch operation {
        case .constant(let value): out.initialize(repeating: value)
        case .negate: for i in 0 ..< out.count { out[i] = -inputs[0][i] }
        case .arithmetic(let op): ElementKernels.binary(op, inputs[0], inputs[1], into: out)
        case .function(let f): ElementKernels.function(f, inputs[0], inputs.count > 1 ? inputs[1] : nil, into: out)
        case .ifThenElse: ElementKernels.ifThenElse(inputs[0], inputs[1], inputs[2], into: out)
        case .ref(let k): ElementKernels.ref(inputs[0], k, into: out)
        case .rolling(let f, let window):
            switch f {
            case .sum, .mean, .count, .std, .variance, .skew, .kurt: MomentKernels.run(f, window: window, inputs[0], into: out)
            case .max, .min, .idxMax, .idxMin: ExtremaKernels.run(f, window: window, inputs[0], into: out)
            case .median, .rank, .tsRank: OrderKernels.run(f, window: window, inputs[0], into: out)
            case .slope, .rsquare, .resi: RegressionKernels.run(f, window: window, inputs[0], into: out)
            case .wma: SmoothingKernels.wma(window: window, inputs[0], into: out)
            case .mad, .product: DirectKernels.run(f, window: window, inputs[0], into: out)
            }
        case .quantile(let window, let q): OrderKernels.run(.median, q: q, window: window, inputs[0], into: out)
        case .pair(let f, let window): PairKernels.run(f, window: window, inputs[0], inputs[1], into: out)
        case .ema(let alpha): SmoothingKernels.ema(alpha: alpha, inputs[0], into: out)
        case .ewm(let alpha): SmoothingKernels.ewm(alpha: alpha, inputs[0], into: out)
        case .wilder(let window): SmoothingKernels.wilder(window: window, inputs[0], into: out)
        case .seededEMA(let window): SmoothingKernels.seededEMA(window: window, inputs[0], into: out)
        case .field, .crossSection, .mask:
            preconditionFailure("\(operation) is read from the evaluation's sources, not computed per ticker")
        }
    }
}

extension Array where Element == [Double] {
    /// Calls `body` with buffer pointers to every array (kept alive for the call).
    func withFiniteBuffers(_ body: ([UnsafeBufferPointer<Double>]) -> Void) {
        func nest(_ index: Int, _ collected: [UnsafeBufferPointer<Double>]) {
            guard index < count else { return body(collected) }
            self[index].withUnsafeBufferPointer { nest(index + 1, collected + [$0]) }
        }
        nest(0, [])
    }
}
