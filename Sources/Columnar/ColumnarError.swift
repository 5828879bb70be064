/// Errors raised when schemas, columns, batches or values do not fit together.
public enum ColumnarError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A field name that the schema does not contain.
    case unknownField(name: String, available: [String])
    /// A field name that the schema contains more than once, so a lookup by name is ambiguous.
    case ambiguousField(name: String)
    /// A record batch got a different number of columns than its schema has fields.
    case columnCountMismatch(expected: Int, actual: Int)
    /// A column's length differs from the batch's row count.
    case lengthMismatch(field: String, expected: Int, actual: Int)
    /// A column's type differs from its field's type.
    case typeMismatch(field: String, expected: DataType, actual: DataType)
    /// A column holds nulls although its field is not nullable.
    case nullsInNonNullableField(field: String, nullCount: Int)
    /// Batches being concatenated do not share one schema.
    case schemaMismatch(expected: Schema, actual: Schema)
    /// Columns being concatenated or appended do not share one type.
    case columnTypeMismatch(expected: DataType, actual: DataType)
    /// Nothing to concatenate.
    case emptyConcatenation
    /// A scalar value cannot be stored in a column of the given type.
    case valueTypeMismatch(expected: DataType, value: ScalarValue)

    public var description: String {
        switch self {
        case .unknownField(let name, let available):
            let list = available.map { "'\($0)'" }.joined(separator: ", ")
            return "unknown field '\(name)'; the schema has: \(list.isEmpty ? "no fields" : list)"
        case .ambiguousField(let name):
            return "field name '\(name)' occurs more than once in the schema"
        case .columnCountMismatch(let expected, let actual):
            return "the schema has \(expected) field(s) but \(actual) column(s) were given"
        case .lengthMismatch(let field, let expected, let actual):
            return "column '\(field)' has \(actual) row(s) but the batch has \(expected)"
        case .typeMismatch(let field, let expected, let actual):
            return "column '\(field)' has type \(actual) but its field declares \(expected)"
        case .nullsInNonNullableField(let field, let nullCount):
            return "column '\(field)' holds \(nullCount) null(s) but its field is not nullable"
        case .schemaMismatch(let expected, let actual):
            return "schemas differ: expected \(expected), got \(actual)"
        case .columnTypeMismatch(let expected, let actual):
            return "column types differ: expected \(expected), got \(actual)"
        case .emptyConcatenation:
            return "nothing to concatenate: no batches or columns were given"
        case .valueTypeMismatch(let expected, let value):
            return "value \(value) does not fit a column of type \(expected)"
        }
    }
}
