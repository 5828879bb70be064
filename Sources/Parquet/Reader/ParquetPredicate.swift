import Columnar

/// A condition on one flat top-level column (`date >= 2019-01-01`, `ticker = AAPL`,
/// `volume is null`): row groups whose statistics rule it out are skipped, and rows are kept
/// only when it holds.
///
/// Comparisons follow SQL: a null never satisfies a comparison. Values compare in the column's
/// type order (signed or unsigned integers, dates and timestamps by their ticks, decimals by value,
/// floats numerically with NaN matching nothing, strings and binary bytewise).
public struct ParquetPredicate: Sendable, CustomStringConvertible {
    /// How a value is compared with the predicate's.
    public enum Comparison: String, Sendable, CaseIterable {
        case equal = "=", notEqual = "!=", less = "<", lessOrEqual = "<=", greater = ">", greaterOrEqual = ">="
    }

    /// What the predicate asks of a value.
    public enum Condition: Sendable {
        case compare(Comparison, ScalarValue)
        case isNull
        case isNotNull
    }

    public var column: String
    public var condition: Condition

    public init(column: String, condition: Condition) {
        self.column = column
        self.condition = condition
    }

    public var description: String {
        switch condition {
        case .compare(let comparison, let value): "\(column) \(comparison.rawValue) \(value.keyText)"
        case .isNull: "\(column) is null"
        case .isNotNull: "\(column) is not null"
        }
    }

    /// Parses `COLUMN OP VALUE` (OP one of `= != < <= > >=`) or `COLUMN is [not] null`, typing
    /// VALUE by the column's type in `schema` (dates `YYYY-MM-DD`, timestamps ISO-8601, decimals
    /// as digits with at most the column's scale, strings as written).
    public static func parse(_ text: String, schema: Schema) throws(ParquetReadError) -> ParquetPredicate {
        func bad(_ message: String) -> ParquetReadError {
            ParquetReadError(kind: .invalidRequest, message: "predicate '\(text)': \(message)")
        }
        let trimmed = text.trimmingWhitespace()
        let lower = trimmed.lowercased()
        for (suffix, condition) in [(" is not null", Condition.isNotNull), (" is null", .isNull)] where lower.hasSuffix(suffix) {
            let name = String(trimmed.dropLast(suffix.count)).trimmingWhitespace()
            guard schema.fields.contains(where: { $0.name == name }) else { throw bad("no column named '\(name)'") }
            return ParquetPredicate(column: name, condition: condition)
        }
        // The first operator character splits the text; two-character operators are taken whole.
        guard let start = trimmed.firstIndex(where: { "=!<>".contains($0) }) else {
            throw bad("expected COLUMN OP VALUE with OP one of = != < <= > >=, or COLUMN is [not] null")
        }
        var end = trimmed.index(after: start)
        if end < trimmed.endIndex, trimmed[end] == "=" { end = trimmed.index(after: end) }
        guard let comparison = Comparison(rawValue: String(trimmed[start ..< end])) else {
            throw bad("unknown operator '\(trimmed[start ..< end])'")
        }
        let name = String(trimmed[..<start]).trimmingWhitespace()
        let valueText = String(trimmed[end...]).trimmingWhitespace()
        guard let field = schema.fields.first(where: { $0.name == name }) else {
            throw bad("no column named '\(name)' (columns: \(schema.names.joined(separator: ", ")))")
        }
        guard let value = StatisticKey.parseValue(valueText, as: field.type) else {
            throw bad("'\(valueText)' is not a value of column '\(name)' (type \(field.type))")
        }
        return ParquetPredicate(column: name, condition: .compare(comparison, value))
    }

    /// Whether a value of a column of `type` satisfies the predicate.
    public func matches(_ value: ScalarValue, type: DataType) -> Bool {
        switch condition {
        case .isNull: return value.isNull
        case .isNotNull: return !value.isNull
        case .compare(let comparison, let expected):
            guard let key = StatisticKey(value, type: type), let target = StatisticKey(expected, type: type),
                  let order = key.compare(target)
            else { return false }
            switch comparison {
            case .equal: return order == 0
            case .notEqual: return order != 0
            case .less: return order < 0
            case .lessOrEqual: return order <= 0
            case .greater: return order > 0
            case .greaterOrEqual: return order >= 0
            }
        }
    }

    /// The rows of `batch` (indices, in order) that satisfy every one of `predicates`; each
    /// predicate's column must be in the batch.
    public static func matchingRows(in batch: RecordBatch, _ predicates: [ParquetPredicate]) throws(ParquetReadError) -> [Int] {
        var checks: [(ParquetPredicate, Column)] = []
        for predicate in predicates {
            guard let column = batch.column(named: predicate.column) else {
                throw ParquetReadError(kind: .invalidRequest, column: predicate.column, message: "the predicate's column is not in the batch")
            }
            checks.append((predicate, column))
        }
        return (0 ..< batch.rowCount).filter { row in
            checks.allSatisfy { predicate, column in predicate.matches(column.value(at: row), type: column.dataType) }
        }
    }

    /// Whether statistics `min`/`max` (nil when unknown), `nullCount` (nil when unknown) of a
    /// chunk of `valueCount` values rule out every value matching.
    func rulesOut(min: StatisticKey?, max: StatisticKey?, nullCount: Int64?, valueCount: Int64, type: DataType) -> Bool {
        switch condition {
        case .isNull: return nullCount == 0
        case .isNotNull: return nullCount == valueCount
        case .compare(let comparison, let expected):
            if nullCount == valueCount { return true }
            guard let target = StatisticKey(expected, type: type), let min, let max,
                  let low = min.compare(target), let high = max.compare(target)
            else { return false }
            switch comparison {
            case .equal: return low > 0 || high < 0
            case .notEqual: return low == 0 && high == 0
            case .less: return low >= 0
            case .lessOrEqual: return low > 0
            case .greater: return high <= 0
            case .greaterOrEqual: return high < 0
            }
        }
    }
}

/// A value reduced to what its column's order compares: integers (signed, unsigned, dates,
/// times, timestamps, decimals' unscaled values), reals, or bytes.
enum StatisticKey {
    case integer(Int128)
    case real(Double)
    case bytes([UInt8])

    /// -1, 0 or 1; nil when the two cannot be ordered (NaN, or different kinds).
    func compare(_ other: StatisticKey) -> Int? {
        switch (self, other) {
        case let (.integer(a), .integer(b)): return a < b ? -1 : a == b ? 0 : 1
        case let (.real(a), .real(b)):
            guard !a.isNaN, !b.isNaN else { return nil }
            return a < b ? -1 : a == b ? 0 : 1
        case let (.bytes(a), .bytes(b)):
            return a.lexicographicallyPrecedes(b) ? -1 : a == b ? 0 : 1
        default: return nil
        }
    }

    /// The key of `value` in a column of `type`; nil for null or a value of another kind.
    init?(_ value: ScalarValue, type: DataType) {
        switch value {
        case .bool(let v): self = .integer(v ? 1 : 0)
        case .int(let v): self = .integer(Int128(v))
        case .uint(let v): self = .integer(Int128(v))
        case .float(let v): self = .real(Double(v))
        case .double(let v): self = .real(v)
        case .string(let v): self = .bytes(Array(v.utf8))
        case .binary(let v): self = .bytes(v)
        case .date(let days): self = .integer(Int128(days))
        case .time(let v, let unit):
            guard case .time(let columnUnit) = type, let ticks = Self.convert(v, from: unit, to: columnUnit) else { return nil }
            self = .integer(Int128(ticks))
        case .timestamp(let v, let unit, _):
            guard case .timestamp(let columnUnit, _) = type, let ticks = Self.convert(v, from: unit, to: columnUnit) else { return nil }
            self = .integer(Int128(ticks))
        case .decimal(let unscaled, _, let scale):
            guard case .decimal(_, let columnScale) = type, columnScale >= scale else { return nil }
            var v = unscaled
            for _ in scale ..< columnScale {
                let (next, overflow) = v.multipliedReportingOverflow(by: 10)
                guard !overflow else { return nil }
                v = next
            }
            self = .integer(v)
        default: return nil
        }
    }

    /// `value` in `unit` expressed in `target` (nil unless exact).
    static func convert(_ value: Int64, from unit: Columnar.TimeUnit, to target: Columnar.TimeUnit) -> Int64? {
        let from = unit.ticksPerSecond, to = target.ticksPerSecond
        if from == to { return value }
        if to > from {
            let (v, overflow) = value.multipliedReportingOverflow(by: to / from)
            return overflow ? nil : v
        }
        let divisor = from / to
        return value % divisor == 0 ? value / divisor : nil
    }

    /// `text` as a value of a column of `type` (nil when it is not one).
    static func parseValue(_ text: String, as type: DataType) -> ScalarValue? {
        var text = text
        if text.count >= 2, let first = text.first, first == "'" || first == "\"", text.last == first {
            text = String(text.dropFirst().dropLast())
        }
        switch type {
        case .bool: return CSVReader.parse(text, as: .bool)
        case .int8, .int16, .int32, .int64: return Int64(text).map { .int($0) }
        case .uint8, .uint16, .uint32, .uint64: return UInt64(text).map { .uint($0) }
        case .float32, .float64: return CSVReader.parse(text, as: .float64)
        case .string: return .string(text)
        case .binary, .fixedSizeBinary: return .binary(Array(text.utf8))
        case .date32: return CSVReader.parse(text, as: .date32)
        case .timestamp(let unit, let timezone):
            guard case .timestamp(let micros, _, _)? = CSVReader.parse(text, as: .timestamp(.micro, timezone: "UTC")),
                  let ticks = convert(micros, from: .micro, to: unit)
            else { return nil }
            return .timestamp(ticks, unit: unit, timezone: timezone)
        case .decimal(let precision, let scale):
            return parseDecimal(text, precision: precision, scale: scale)
        default: return nil
        }
    }

    /// `-12.34` as a decimal of `scale` (nil with more fractional digits than the scale).
    static func parseDecimal(_ text: String, precision: Int, scale: Int) -> ScalarValue? {
        var digits = Substring(text)
        let negative = digits.first == "-"
        if negative || digits.first == "+" { digits = digits.dropFirst() }
        let parts = digits.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let whole = parts[0], fraction = parts.count > 1 ? parts[1] : ""
        guard !(whole.isEmpty && fraction.isEmpty), fraction.count <= scale,
              (whole + fraction).allSatisfy({ $0.isASCII && $0.isNumber })
        else { return nil }
        let combined = String(whole + fraction) + String(repeating: "0", count: scale - fraction.count)
        guard let unscaled = Int128(combined.isEmpty ? "0" : combined) else { return nil }
        return .decimal(negative ? -unscaled : unscaled, precision: precision, scale: scale)
    }
}

extension String {
    func trimmingWhitespace() -> String {
        var view = Substring(self)
        while let first = view.first, first.isWhitespace { view = view.dropFirst() }
        while let last = view.last, last.isWhitespace { view = view.dropLast() }
        return String(view)
    }
}
