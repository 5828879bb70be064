import Dispatch
import Synchronization

extension FactorEngine {
    /// Computes the cross-sectional and `Mask` nodes over the whole panel, in plan order (so one
    /// may feed another), into `sources.materialized`.
    func materialize(_ panel: Panel, sources: inout EvaluationSources, longest: Int) throws(FactorRunError) {
        let special = plan.nodes.indices.filter { node in
            switch plan.nodes[node].operation {
            case .crossSection, .mask: true
            default: false
            }
        }
        guard !special.isEmpty else { return }
        let byDate = DateGroups(panel)
        for node in special {
            let spec = plan.nodes[node]
            // The inputs over the whole panel (computed per ticker when they are not at hand).
            var inputs: [UnsafeMutableBufferPointer<Double>] = []
            var temporary: [UnsafeMutableBufferPointer<Double>] = []
            defer { for buffer in temporary { buffer.deallocate() } }
            for input in spec.inputs {
                if case .field(let name) = plan.nodes[input].operation, let values = sources.fields[name] {
                    inputs.append(values)
                } else if let values = sources.materialized[input] {
                    inputs.append(values)
                } else {
                    let values = evaluateEverywhere(input, panel: panel, sources: sources, longest: longest)
                    temporary.append(values)
                    inputs.append(values)
                }
            }
            let result = UnsafeMutableBufferPointer<Double>.allocate(capacity: Swift.max(1, panel.rowCount))
            result.initialize(repeating: .nan)
            switch spec.operation {
            case .crossSection(let function):
                let shared = SharedBuffers(inputs: inputs, result: result)
                DispatchQueue.concurrentPerform(iterations: byDate.groups.count) { g in
                    let rows = byDate.groups[g]
                    let x = rows.map { shared.inputs[0][$0] }
                    let group = shared.inputs.count > 1 ? rows.map { shared.inputs[1][$0] } : nil
                    var out: [Double] = []
                    CrossSectionKernels.run(function, x, group: group, into: &out)
                    for (k, row) in rows.enumerated() { shared.result[row] = out[k] }
                }
            case .mask(let ticker):
                guard let t = panel.tickers.firstIndex(of: ticker) else {
                    result.deallocate()
                    throw FactorRunError("Mask(..., \"\(ticker)\"): the input has no ticker \(ticker)")
                }
                var valueOn: [Int32: Double] = [:]
                for row in panel.rows(of: t) { valueOn[panel.dates[row]] = inputs[0][row] }
                for row in 0 ..< panel.rowCount { result[row] = valueOn[panel.dates[row]] ?? .nan }
            default:
                break
            }
            sources.materialized[node] = result
        }
    }

    /// Node `node` over every ticker's rows, computed on all cores.
    private func evaluateEverywhere(_ node: Int, panel: Panel, sources: EvaluationSources, longest: Int) -> UnsafeMutableBufferPointer<Double> {
        let result = UnsafeMutableBufferPointer<Double>.allocate(capacity: Swift.max(1, panel.rowCount))
        let shared = SharedBuffers(inputs: [], result: result)
        let next = Atomic<Int>(0)
        let workers = Swift.max(1, Swift.min(threads == 0 ? System.processorCount : threads, panel.tickers.count))
        let plan = plan
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            let evaluator = TickerEvaluator(plan: plan, targets: [node], sources: sources, capacity: longest)
            while true {
                let t = next.add(1, ordering: .relaxed).oldValue
                guard t < panel.tickers.count else { return }
                let rows = panel.rows(of: t)
                evaluator.evaluate(rows: rows) { value in
                    let values = value(node)
                    for (k, row) in rows.enumerated() { shared.result[row] = values[k] }
                }
            }
        }
        return result
    }
}

/// Panel rows grouped by date (each group in ticker order).
struct DateGroups: Sendable {
    let groups: [[Int]]

    init(_ panel: Panel) {
        var byDate: [Int32: [Int]] = [:]
        for row in 0 ..< panel.rowCount { byDate[panel.dates[row], default: []].append(row) }
        groups = byDate.keys.sorted().map { byDate[$0]! }
    }
}

/// Buffers written by several threads at disjoint rows.
struct SharedBuffers: @unchecked Sendable {
    let inputs: [UnsafeMutableBufferPointer<Double>]
    let result: UnsafeMutableBufferPointer<Double>
}
