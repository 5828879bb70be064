import Columnar

/// The `add.stats` JSON of a data file: `numRecords`, and per column (the first
/// `delta.dataSkippingNumIndexedCols` leaf columns, 32 by default) `nullCount`, `minValues`
/// and `maxValues`, nested for structs. Min/max are exact (no truncation) and left out where
/// they would not be sound or JSON cannot hold them (NaN-only, infinite floats, binary, booleans,
/// lists, maps, wide decimals).
public enum FileStatistics {
    /// The stats JSON of `columns` (named `names`, physical names under column mapping).
    public static func json(names: [String], columns: [Column], rows: Int, indexedColumns: Int = 32) -> String {
        var budget = indexedColumns < 0 ? Int.max : indexedColumns
        var mins: [(key: String, value: JSONNode)] = []
        var maxs: [(key: String, value: JSONNode)] = []
        var nulls: [(key: String, value: JSONNode)] = []
        for (name, column) in zip(names, columns) where budget > 0 {
            let stats = statistics(column, budget: &budget)
            if let min = stats.min { mins.append((name, min)) }
            if let max = stats.max { maxs.append((name, max)) }
            nulls.append((name, stats.nulls))
        }
        return JSONNode.object([("numRecords", .int(Int64(rows))), ("minValues", .object(mins)), ("maxValues", .object(maxs)),
                                ("nullCount", .object(nulls))]).text
    }

    /// Null count (an object for structs) and min/max of one column; uses up leaf columns of `budget`.
    /// `hidden` marks rows a null parent struct hides: they count as nulls and take no part in
    /// min/max.
    static func statistics(_ column: Column, hidden: Bitmap? = nil, budget: inout Int) -> (nulls: JSONNode, min: JSONNode?, max: JSONNode?) {
        if case .struct(let s) = column {
            var mins: [(key: String, value: JSONNode)] = []
            var maxs: [(key: String, value: JSONNode)] = []
            var nulls: [(key: String, value: JSONNode)] = []
            for (field, child) in zip(s.fields, s.children) where budget > 0 {
                // A child's values count only where the struct itself (and its parents) are not null.
                let stats = statistics(child, hidden: Self.combine(hidden, s.validity), budget: &budget)
                if let min = stats.min { mins.append((field.name, min)) }
                if let max = stats.max { maxs.append((field.name, max)) }
                nulls.append((field.name, stats.nulls))
            }
            return (.object(nulls), mins.isEmpty ? nil : .object(mins), maxs.isEmpty ? nil : .object(maxs))
        }
        budget -= 1
        var nulls = column.nullCount
        if let hidden {
            for i in 0 ..< column.count where !hidden[i] && !column.isNull(i) { nulls += 1 }
        }
        guard let (min, max) = minMax(column, hidden: hidden) else { return (.int(Int64(nulls)), nil, nil) }
        return (.int(Int64(nulls)), min, max)
    }

    /// The rows visible through both masks (a set bit is a present parent); nil when all are.
    static func combine(_ outer: Bitmap?, _ inner: Bitmap?) -> Bitmap? {
        guard let outer else { return inner }
        guard let inner else { return outer }
        return Bitmap((0 ..< inner.count).map { outer[$0] && inner[$0] })
    }

    /// Min and max of the non-null values as JSON, or nil.
    static func minMax(_ column: Column, hidden: Bitmap? = nil) -> (JSONNode, JSONNode)? {
        /// Whether row `i` takes part (not null, not under a null parent).
        @inline(__always) func counts(_ i: Int) -> Bool { !column.isNull(i) && (hidden?[i] ?? true) }
        func ints<T: FixedWidthInteger & FixedWidthValue>(_ c: PrimitiveColumn<T>, _ make: (T) -> JSONNode) -> (JSONNode, JSONNode)? {
            var low: T?, high: T?
            c.withUnsafeBufferPointer { values in
                for i in 0 ..< c.count where counts(i) {
                    let v = values[i]
                    if low == nil || v < low! { low = v }
                    if high == nil || v > high! { high = v }
                }
            }
            guard let low, let high else { return nil }
            return (make(low), make(high))
        }
        func reals<T: BinaryFloatingPoint & FixedWidthValue>(_ c: PrimitiveColumn<T>) -> (JSONNode, JSONNode)? {
            var low: T?, high: T?
            c.withUnsafeBufferPointer { values in
                for i in 0 ..< c.count where counts(i) && !values[i].isNaN {
                    let v = values[i]
                    if low == nil || v < low! { low = v }
                    if high == nil || v > high! { high = v }
                }
            }
            guard let low, let high, low.isFinite, high.isFinite else { return nil }
            return (.double(Double(low)), .double(Double(high)))
        }
        switch column {
        case .int8(let c): return ints(c) { .int(Int64($0)) }
        case .int16(let c): return ints(c) { .int(Int64($0)) }
        case .int32(let c):
            if c.dataType == .date32 { return ints(c) { .string(TextFormat.date(days: Int64($0))) } }
            guard c.dataType == .int32 else { return nil }
            return ints(c) { .int(Int64($0)) }
        case .int64(let c):
            switch c.dataType {
            case .int64: return ints(c) { .int($0) }
            case .timestamp(let unit, let zone):
                return ints(c) { .string(TextFormat.timestamp(ColumnCast.rescale($0, from: unit, to: .micro), unit: .micro, utc: zone != nil)) }
            default: return nil
            }
        case .float32(let c): return reals(c)
        case .float64(let c): return reals(c)
        case .decimal128(let c):
            guard case .decimal(let precision, let scale) = c.dataType, precision <= 15 else { return nil }
            return ints(c) { v in
                let text = TextFormat.decimal(v, scale: scale)
                return Double(text).map(JSONNode.double) ?? .null
            }
        case .binary(let c):
            guard c.dataType == .string else { return nil }
            var low: Range<Int>?, high: Range<Int>?
            c.withUnsafeData { data in
                func less(_ a: Range<Int>, _ b: Range<Int>) -> Bool {
                    UnsafeRawBufferPointer(rebasing: data[a]).lexicographicallyPrecedes(UnsafeRawBufferPointer(rebasing: data[b]))
                }
                for i in 0 ..< c.count where counts(i) {
                    let r = c.byteRange(at: i)
                    if low == nil || less(r, low!) { low = r }
                    if high == nil || less(high!, r) { high = r }
                }
            }
            guard let low, let high else { return nil }
            return c.withUnsafeData { data in
                (.string(String(decoding: UnsafeRawBufferPointer(rebasing: data[low]), as: UTF8.self)),
                 .string(String(decoding: UnsafeRawBufferPointer(rebasing: data[high]), as: UTF8.self)))
            }
        default:
            return nil
        }
    }
}
