import Columnar

/// Decides from the log alone whether a data file may hold rows matching an expression: its
/// partition values are exact, its `stats` give min/max/null counts. A file is skipped only when
/// the expression is certainly false for every row it could hold.
struct DataSkipping {
    let expression: Expression
    /// The table's columns by name (logical), with their Columnar types.
    let types: [String: DataType]
    let partitionColumns: Set<String>
    /// Logical name to the name `add.partitionValues` and `stats` use (physical under column mapping).
    let storedName: (String) -> String

    /// The truth of a condition on partition columns only, for every row of `file` (nil: unknown).
    func partitionTruth(_ condition: Expression, _ file: AddFile) -> Bool? {
        condition.evaluate { name in
            guard let type = types[name] else { return nil }
            return PartitionValues.parse(file.partitionValues[storedName(name)] ?? nil, as: type)
        }
    }

    /// Whether `file` may hold a matching row.
    func mayMatch(_ file: AddFile) -> Bool {
        let stats = file.stats.flatMap { try? JSONParser.parse($0) }
        return Self.possible(expression, file: file, stats: stats, context: self) != false
    }

    /// Three-valued: false when no row of the file can satisfy `e`, true when every row does,
    /// nil when it cannot be told.
    private static func possible(_ e: Expression, file: AddFile, stats: JSONNode?, context: DataSkipping) -> Bool? {
        switch e {
        case .and(let a, let b):
            let x = possible(a, file: file, stats: stats, context: context), y = possible(b, file: file, stats: stats, context: context)
            if x == false || y == false { return false }
            return x == true && y == true ? true : nil
        case .or(let a, let b):
            let x = possible(a, file: file, stats: stats, context: context), y = possible(b, file: file, stats: stats, context: context)
            if x == true || y == true { return true }
            return x == false && y == false ? false : nil
        case .not(let inner):
            // Only a partition-only condition can be negated soundly (it is exact per file).
            guard inner.columns.isSubset(of: context.partitionColumns) else { return nil }
            return possible(inner, file: file, stats: stats, context: context).map { !$0 }
        case .constant(let b):
            return b
        default:
            break
        }
        let columns = e.columns
        if columns.isSubset(of: context.partitionColumns) {
            // Exact: every row of the file has these values.
            return e.evaluate { name in
                guard let type = context.types[name] else { return nil }
                let text = file.partitionValues[context.storedName(name)] ?? nil
                return PartitionValues.parse(text, as: type)
            }
        }
        guard columns.count == 1, let column = columns.first, let stats, let type = context.types[column] else { return nil }
        let stored = context.storedName(column)
        let rows = stats["numRecords"]?.intValue
        let nulls = stats["nullCount"]?[stored]?.intValue
        switch e {
        case .isNull:
            if nulls == 0 { return false }
            if let nulls, let rows, nulls == rows { return true }
            return nil
        case .compare(_, let op, let literal):
            if let nulls, let rows, nulls == rows { return false }  // all null: no comparison holds
            guard let low = stats["minValues"]?[stored].flatMap({ statValue($0, type: type) }),
                  let high = stats["maxValues"]?[stored].flatMap({ statValue($0, type: type, isMax: true) }),
                  let lo = Expression.order(low, literal), let hi = Expression.order(high, literal)
            else { return nil }
            switch op {
            case .equal: return lo > 0 || hi < 0 ? false : nil
            case .notEqual: return lo == 0 && hi == 0 && nulls == 0 ? false : nil
            case .less: return lo >= 0 ? false : nil
            case .lessOrEqual: return lo > 0 ? false : nil
            case .greater: return hi <= 0 ? false : nil
            case .greaterOrEqual: return hi < 0 ? false : nil
            }
        case .isIn(_, let literals):
            if let nulls, let rows, nulls == rows { return false }
            guard let low = stats["minValues"]?[stored].flatMap({ statValue($0, type: type) }),
                  let high = stats["maxValues"]?[stored].flatMap({ statValue($0, type: type, isMax: true) })
            else { return nil }
            let inRange = literals.contains { literal in
                guard !literal.isNull, let lo = Expression.order(low, literal), let hi = Expression.order(high, literal) else { return true }
                return lo <= 0 && hi >= 0
            }
            return inRange ? nil : false
        default:
            return nil
        }
    }

    /// A `minValues`/`maxValues` entry as a value of the column's type (strings go through the
    /// partition-value parser, which reads dates, timestamps and decimals). Spark writes
    /// timestamps truncated to milliseconds, so a maximum with three or fewer fractional digits is
    /// widened by 999 µs to stay an upper bound.
    static func statValue(_ node: JSONNode, type: DataType, isMax: Bool = false) -> ScalarValue? {
        switch (node, type) {
        case (.int(let v), .int8), (.int(let v), .int16), (.int(let v), .int32), (.int(let v), .int64): return .int(v)
        // A float32 column's stats compare as Float: Spark writes them as Float's shortest text
        // ("0.2"), which read as a Double would sit below the Float literal 0.2.
        case (.int(let v), .float32): return .float(Float(v))
        case (.double(let v), .float32): return .float(Float(v))
        case (.int(let v), .float64): return .double(Double(v))
        case (.double(let v), .float64): return .double(v)
        case (.int(let v), .decimal(let p, let s)): return PartitionValues.parse(String(v), as: .decimal(precision: p, scale: s))
        case (.double(let v), .decimal): return .double(v)
        case (.string(let text), .timestamp):
            guard case .timestamp(let v, let unit, let zone)? = PartitionValues.parse(text, as: type) else { return nil }
            let fraction = text.split(separator: ".").dropFirst().first?.prefix { $0.isNumber }.count ?? 0
            return .timestamp(isMax && fraction <= 3 ? v + ColumnCast.rescale(999, from: .micro, to: unit) : v, unit: unit, timezone: zone)
        case (.string(let text), _):
            return PartitionValues.parse(text, as: type).flatMap { $0.isNull ? nil : $0 }
        default: return nil
        }
    }
}
