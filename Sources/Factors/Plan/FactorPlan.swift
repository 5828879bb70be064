/// A set of named factors compiled into one graph of operations: a subexpression used by several
/// factors (Alpha158 reuses `Ref($close, 1)` and rolling means dozens of times) is one node,
/// computed once per ticker.
public struct FactorPlan: Sendable {
    /// The operations, each after its inputs.
    public private(set) var nodes: [PlanNode] = []
    /// Each factor's name and the node holding its values, in the set's order.
    public private(set) var outputs: [(name: String, node: Int)] = []
    private var index: [PlanNode: Int] = [:]

    public init() {}

    /// Compiles `factors` (name, expression text); errors name the factor and the column.
    public init(factors: [(name: String, expression: String)]) throws(FactorCompileError) {
        var seen: Set<String> = []
        for (name, text) in factors {
            guard seen.insert(name).inserted else { throw FactorCompileError(factor: name, column: nil, "the factor name '\(name)' is used twice") }
            do throws(FactorSyntaxError) {
                try add(name: name, expression: FactorParser.parse(text))
            } catch {
                throw FactorCompileError(factor: name, column: error.column, error.message)
            }
        }
    }

    /// Adds one factor.
    public mutating func add(name: String, expression: FactorExpression) throws(FactorSyntaxError) {
        let node = try compile(expression)
        outputs.append((name, node))
    }

    /// The input columns the plan reads (`$name` fields), sorted.
    public var fields: [String] {
        Set(nodes.compactMap { if case .field(let name) = $0.operation { name } else { nil } }).sorted()
    }

    /// True when some factor needs a per-date step across tickers.
    public var hasCrossSection: Bool { nodes.contains { $0.operation.isCrossSectional } }

    /// The node for `operation` over `inputs`, shared when it already exists.
    mutating func node(_ operation: PlanOperation, _ inputs: [Int]) -> Int {
        var inputs = inputs
        // Commutative operations share one node whatever the operand order.
        switch operation {
        case .arithmetic(.add), .arithmetic(.multiply), .arithmetic(.equal), .arithmetic(.notEqual),
             .arithmetic(.and), .arithmetic(.or), .function(.greater), .function(.less):
            inputs.sort()
        default: break
        }
        if let folded = fold(operation, inputs) { return folded }
        let node = PlanNode(operation: operation, inputs: inputs)
        if let existing = index[node] { return existing }
        nodes.append(node)
        index[node] = nodes.count - 1
        return nodes.count - 1
    }

    /// A constant node when every input is constant and the operation is element-wise.
    private mutating func fold(_ operation: PlanOperation, _ inputs: [Int]) -> Int? {
        guard !inputs.isEmpty else { return nil }
        var values: [Double] = []
        for input in inputs {
            guard case .constant(let value) = nodes[input].operation else { return nil }
            values.append(value)
        }
        let result: Double
        switch operation {
        case .negate: result = -values[0]
        case .arithmetic(let op): result = ElementKernels.apply(op, values[0], values[1])
        case .function(let f): result = ElementKernels.apply(f, values[0], values.count > 1 ? values[1] : .nan)
        case .ifThenElse: result = values[0] != 0 ? values[1] : values[2]
        default: return nil
        }
        return node(.constant(result), [])
    }
}

/// Why a factor cannot be compiled: the factor, the column in its expression, and the problem.
public struct FactorCompileError: Error, Sendable, CustomStringConvertible {
    public var factor: String
    public var column: Int?
    public var message: String

    public init(factor: String, column: Int?, _ message: String) {
        self.factor = factor
        self.column = column
        self.message = message
    }

    public var description: String {
        "factor '\(factor)'" + (column.map { ", column \($0)" } ?? "") + ": " + message
    }
}
