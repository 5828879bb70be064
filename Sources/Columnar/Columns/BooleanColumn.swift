/// A column of booleans packed one bit per row (LSB-first), with an optional validity bitmap.
public struct BooleanColumn: Sendable {
    /// The values, one bit per row; already sliced to this column's rows.
    public let values: Bitmap
    /// Row `i` is valid when bit `i` is set; nil when every row is valid.
    public let validity: Bitmap?
    /// The number of null rows.
    public let nullCount: Int

    /// Wraps a values bitmap and an optional validity bitmap of the same length.
    public init(values: Bitmap, validity: Bitmap? = nil) {
        precondition(validity == nil || validity!.count == values.count,
                     "BooleanColumn: validity has \(validity?.count ?? 0) bits for \(values.count) rows")
        self.values = values
        self.validity = validity
        self.nullCount = validity.map(\.unsetCount) ?? 0
    }

    /// A column holding `values`, with nil as null.
    public init(_ values: some Collection<Bool?>) {
        let builder = BooleanColumnBuilder(capacity: values.count)
        for value in values { builder.append(value) }
        self = builder.finishTyped()
    }

    /// Always `.bool`.
    public var dataType: DataType { .bool }
    /// The number of rows.
    public var count: Int { values.count }

    /// The stored bit of row `index`, ignoring validity.
    @inlinable
    public func value(at index: Int) -> Bool { values[index] }

    /// The value of row `index`, or nil when it is null.
    @inlinable
    public subscript(index: Int) -> Bool? { isNull(index) ? nil : values[index] }

    /// True when row `index` is null.
    @inlinable
    public func isNull(_ index: Int) -> Bool {
        guard let validity else {
            precondition(index >= 0 && index < count, "BooleanColumn: row \(index) out of range 0..<\(count)")
            return false
        }
        return !validity[index]
    }

    /// The number of valid rows whose value is true.
    public var trueCount: Int {
        guard validity != nil else { return values.setCount }
        return (0..<count).reduce(0) { $0 + (self[$1] == true ? 1 : 0) }
    }

    /// The rows `offset..<offset+count`, sharing this column's buffers.
    public func slice(offset: Int, count: Int) -> BooleanColumn {
        checkSlice(offset, count, of: self.count)
        return BooleanColumn(values: values.slice(offset: offset, count: count),
                             validity: validity?.slice(offset: offset, count: count))
    }
}
