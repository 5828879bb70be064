/// A parsed factor expression: Qlib's syntax as a tree, each node remembering the column (1-based)
/// in the source text where it starts, for error messages.
public indirect enum FactorExpression: Sendable, Hashable {
    case field(String, column: Int)
    case number(Double, column: Int)
    case string(String, column: Int)
    case unary(UnaryOperator, FactorExpression, column: Int)
    case binary(BinaryOperator, FactorExpression, FactorExpression, column: Int)
    case call(String, [FactorExpression], column: Int)

    /// The column where the expression starts.
    public var column: Int {
        switch self {
        case .field(_, let c), .number(_, let c), .string(_, let c), .unary(_, _, let c), .binary(_, _, _, let c), .call(_, _, let c): c
        }
    }
}

/// A prefix operator.
public enum UnaryOperator: String, Sendable, Hashable {
    case negate = "-"
}

/// An infix operator, from loosest to tightest binding as in Python (Qlib evaluates expressions as
/// Python): comparisons, `|`, `&`, `+ -`, `* /`.
public enum BinaryOperator: String, Sendable, Hashable, CaseIterable {
    case add = "+", subtract = "-", multiply = "*", divide = "/"
    case greater = ">", greaterEqual = ">=", less = "<", lessEqual = "<=", equal = "==", notEqual = "!="
    case and = "&", or = "|"

    var isComparison: Bool { precedence == 1 }

    /// Binding strength: higher binds tighter.
    var precedence: Int {
        switch self {
        case .greater, .greaterEqual, .less, .lessEqual, .equal, .notEqual: 1
        case .or: 2
        case .and: 3
        case .add, .subtract: 4
        case .multiply, .divide: 5
        }
    }
}

/// Why an expression cannot be parsed or compiled: the column (1-based) in the expression and what
/// was expected there.
public struct FactorSyntaxError: Error, Sendable, CustomStringConvertible {
    public var column: Int
    public var message: String

    public init(column: Int, _ message: String) {
        self.column = column
        self.message = message
    }

    public var description: String { "column \(column): \(message)" }
}
