import Columnar

extension Expression {
    /// The rows of `batch` where the expression is true (three-valued logic: unknown drops a row).
    public func matches(_ batch: RecordBatch) throws(DeltaError) -> [Bool] {
        var result: [Bool] = []
        result.reserveCapacity(batch.rowCount)
        var columns: [String: Column] = [:]
        for name in self.columns {
            guard let column = batch.column(named: name) else {
                throw DeltaError(.invalidRequest, table: "", "the predicate's column '\(name)' is not in the data")
            }
            columns[name] = column
        }
        for row in 0 ..< batch.rowCount {
            result.append(evaluate { columns[$0]?.value(at: row) ?? .null } == true)
        }
        return result
    }

    /// The expression's truth for a row whose column values `value(name)` gives: true, false, or
    /// nil when unknown (a null operand). A nil from `value` itself (a column not known, as in
    /// partition pruning) also makes the comparison unknown.
    public func evaluate(_ value: (String) -> ScalarValue?) -> Bool? {
        switch self {
        case .constant(let b): return b
        case .isNull(let column):
            guard let v = value(column) else { return nil }
            return v.isNull
        case .compare(let column, let op, let literal):
            guard let v = value(column), !v.isNull, let order = Self.order(v, literal) else { return nil }
            switch op {
            case .equal: return order == 0
            case .notEqual: return order != 0
            case .less: return order < 0
            case .lessOrEqual: return order <= 0
            case .greater: return order > 0
            case .greaterOrEqual: return order >= 0
            }
        case .isIn(let column, let literals):
            guard let v = value(column), !v.isNull else { return nil }
            var sawNull = false
            for literal in literals {
                if literal.isNull { sawNull = true; continue }
                if Self.order(v, literal) == 0 { return true }
            }
            return sawNull ? nil : false
        case .and(let a, let b):
            let x = a.evaluate(value), y = b.evaluate(value)
            if x == false || y == false { return false }
            if x == nil || y == nil { return nil }
            return true
        case .or(let a, let b):
            let x = a.evaluate(value), y = b.evaluate(value)
            if x == true || y == true { return true }
            if x == nil || y == nil { return nil }
            return false
        case .not(let e):
            return e.evaluate(value).map { !$0 }
        }
    }

    /// -1, 0, 1 comparing two non-null values of one column type; nil when they do not compare
    /// (NaN, or kinds that differ).
    static func order(_ a: ScalarValue, _ b: ScalarValue) -> Int? {
        func sign<T: Comparable>(_ x: T, _ y: T) -> Int { x < y ? -1 : x == y ? 0 : 1 }
        switch (a, b) {
        case let (.int(x), .int(y)): return sign(x, y)
        case let (.uint(x), .uint(y)): return sign(x, y)
        case let (.int(x), .uint(y)): return x < 0 ? -1 : sign(UInt64(x), y)
        case let (.uint(x), .int(y)): return y < 0 ? 1 : sign(x, UInt64(y))
        case let (.double(x), .double(y)): return x.isNaN || y.isNaN ? nil : sign(x, y)
        case let (.float(x), .float(y)): return x.isNaN || y.isNaN ? nil : sign(x, y)
        case let (.float(x), .double(y)): return x.isNaN || y.isNaN ? nil : sign(Double(x), y)
        case let (.double(x), .float(y)): return x.isNaN || y.isNaN ? nil : sign(x, Double(y))
        case let (.int(x), .double(y)): return y.isNaN ? nil : sign(Double(x), y)
        case let (.double(x), .int(y)): return x.isNaN ? nil : sign(x, Double(y))
        case let (.string(x), .string(y)): return Array(x.utf8).lexicographicallyPrecedes(Array(y.utf8)) ? -1 : x == y ? 0 : 1
        case let (.binary(x), .binary(y)): return x.lexicographicallyPrecedes(y) ? -1 : x == y ? 0 : 1
        case let (.bool(x), .bool(y)): return sign(x ? 1 : 0, y ? 1 : 0)
        case let (.date(x), .date(y)): return sign(x, y)
        case let (.timestamp(x, ux, _), .timestamp(y, uy, _)):
            return sign(ColumnCast.rescale(x, from: ux, to: .nano), ColumnCast.rescale(y, from: uy, to: .nano))
        case let (.decimal(x, _, sx), .decimal(y, _, sy)):
            var (l, r) = (x, y)
            for _ in 0 ..< max(0, sy - sx) { l *= 10 }
            for _ in 0 ..< max(0, sx - sy) { r *= 10 }
            return sign(l, r)
        default: return nil
        }
    }
}
