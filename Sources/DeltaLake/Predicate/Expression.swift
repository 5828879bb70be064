import Columnar
import Foundation

/// A boolean condition over a table's columns: what `--where`, `replaceWhere`, DELETE and data
/// skipping use. Comparisons follow SQL's three-valued logic (a null operand makes them unknown;
/// only rows where the whole condition is true are kept).
public indirect enum Expression: Sendable, Equatable, CustomStringConvertible {
    /// The comparison operators.
    public enum Comparison: String, Sendable, CaseIterable {
        case equal = "=", notEqual = "!=", less = "<", lessOrEqual = "<=", greater = ">", greaterOrEqual = ">="

        /// The operator with its operands swapped (`5 < x` is `x > 5`).
        var flipped: Comparison {
            switch self {
            case .equal, .notEqual: self
            case .less: .greater
            case .lessOrEqual: .greaterOrEqual
            case .greater: .less
            case .greaterOrEqual: .lessOrEqual
            }
        }
    }

    /// `column OP literal`, the literal already typed as the column.
    case compare(column: String, Comparison, ScalarValue)
    /// `column IN (literals)`.
    case isIn(column: String, [ScalarValue])
    case isNull(column: String)
    case and(Expression, Expression)
    case or(Expression, Expression)
    case not(Expression)
    /// A constant (`TRUE`, `FALSE`).
    case constant(Bool)

    public var description: String {
        switch self {
        case .compare(let column, let op, let value): "\(Self.quote(column)) \(op.rawValue) \(Self.literal(value))"
        case .isIn(let column, let values): "\(Self.quote(column)) IN (\(values.map(Self.literal).joined(separator: ", ")))"
        case .isNull(let column): "\(Self.quote(column)) IS NULL"
        case .and(let a, let b): "(\(a) AND \(b))"
        case .or(let a, let b): "(\(a) OR \(b))"
        case .not(.isNull(let column)): "\(Self.quote(column)) IS NOT NULL"
        case .not(let e): "NOT \(e)"
        case .constant(let b): b ? "TRUE" : "FALSE"
        }
    }

    /// Every column the expression refers to.
    public var columns: Set<String> {
        switch self {
        case .compare(let column, _, _), .isIn(let column, _), .isNull(let column): [column]
        case .and(let a, let b), .or(let a, let b): a.columns.union(b.columns)
        case .not(let e): e.columns
        case .constant: []
        }
    }

    static func quote(_ column: String) -> String {
        column.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "." } && !(column.first?.isNumber ?? true)
            ? column : "`" + column.replacingOccurrences(of: "`", with: "``") + "`"
    }

    static func literal(_ value: ScalarValue) -> String {
        switch value {
        case .null: "NULL"
        case .bool(let b): b ? "TRUE" : "FALSE"
        case .int, .uint, .float, .double: value.json
        case .date: "DATE '\(value.keyText)'"
        case .timestamp: "TIMESTAMP '\(value.keyText)'"
        case .decimal: value.keyText
        default: "'" + value.keyText.replacingOccurrences(of: "'", with: "''") + "'"
        }
    }
}
