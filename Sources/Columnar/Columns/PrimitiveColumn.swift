/// A column of fixed-width values (integers, floats, dates, times, timestamps,
/// decimals) in one contiguous buffer, with an optional validity bitmap.
///
/// Slicing shares the buffers: `offset` is the index, in values, of the first
/// row within `values`.
public struct PrimitiveColumn<Value: FixedWidthValue>: Sendable {
    /// The logical type; its physical storage is `Value`.
    public let dataType: DataType
    /// The value buffer, shared with other slices.
    public let values: Buffer
    /// The index, in values, of row 0 within `values`.
    public let offset: Int
    /// The number of rows.
    public let count: Int
    /// Row `i` is valid when bit `i` is set; nil when every row is valid.
    public let validity: Bitmap?
    /// The number of null rows.
    public let nullCount: Int

    /// Wraps existing buffers; `values` must hold at least `offset + count` values of `Value`.
    public init(type: DataType = Value.defaultDataType, values: Buffer, offset: Int = 0, count: Int, validity: Bitmap? = nil) {
        precondition(Value.canStore(type), "PrimitiveColumn: \(type) is not stored as \(Value.self)")
        precondition(offset >= 0 && count >= 0 && (offset + count) * MemoryLayout<Value>.stride <= values.byteCount,
                     "PrimitiveColumn: rows \(offset)..<\(offset + count) exceed the \(values.byteCount)-byte buffer")
        precondition(validity == nil || validity!.count == count,
                     "PrimitiveColumn: validity has \(validity?.count ?? 0) bits for \(count) rows")
        self.init(unchecked: type, values: values, offset: offset, count: count, validity: validity,
                  nullCount: validity.map(\.unsetCount) ?? 0)
    }

    init(unchecked type: DataType, values: Buffer, offset: Int, count: Int, validity: Bitmap?, nullCount: Int) {
        self.dataType = type
        self.values = values
        self.offset = offset
        self.count = count
        self.validity = validity
        self.nullCount = nullCount
    }

    /// A column holding a copy of `values`, all valid.
    public init(_ values: some Collection<Value>, type: DataType = Value.defaultDataType) {
        self.init(type: type, values: Buffer(copying: values), count: values.count)
    }

    /// A column holding a copy of `values`, with nil as null.
    public init(_ values: some Collection<Value?>, type: DataType = Value.defaultDataType) {
        let builder = PrimitiveColumnBuilder<Value>(type: type, capacity: values.count)
        builder.append(contentsOf: values)
        self = builder.finishTyped()
    }

    /// Calls `body` with the `count` stored values (null rows hold unspecified values, zero when built here).
    @inlinable
    public func withUnsafeBufferPointer<R, E: Error>(_ body: (UnsafeBufferPointer<Value>) throws(E) -> R) throws(E) -> R {
        try values.withUnsafeBufferPointer(as: Value.self, offset: offset, count: count, body)
    }

    /// The stored value of row `index`, ignoring validity.
    @inlinable
    public func value(at index: Int) -> Value {
        precondition(index >= 0 && index < count, "PrimitiveColumn: row \(index) out of range 0..<\(count)")
        return values.load(at: offset &+ index, as: Value.self)
    }

    /// The value of row `index`, or nil when it is null.
    @inlinable
    public subscript(index: Int) -> Value? {
        isNull(index) ? nil : value(at: index)
    }

    /// True when row `index` is null.
    @inlinable
    public func isNull(_ index: Int) -> Bool {
        precondition(index >= 0 && index < count, "PrimitiveColumn: row \(index) out of range 0..<\(count)")
        guard let validity else { return false }
        return !validity[index]
    }

    /// The rows `offset..<offset+count`, sharing this column's buffers.
    public func slice(offset: Int, count: Int) -> PrimitiveColumn {
        checkSlice(offset, count, of: self.count)
        let sliced = validity?.slice(offset: offset, count: count)
        return PrimitiveColumn(unchecked: dataType, values: values, offset: self.offset + offset, count: count,
                               validity: sliced, nullCount: sliced?.unsetCount ?? 0)
    }

    /// The rows as an array, with nil for nulls.
    public var optionalValues: [Value?] { (0..<count).map { self[$0] } }
}

/// Traps with a clear message when `offset..<offset+count` is not within `0..<total`.
func checkSlice(_ offset: Int, _ count: Int, of total: Int) {
    precondition(offset >= 0 && count >= 0 && offset + count <= total,
                 "slice \(offset)..<\(offset + count) out of range 0..<\(total)")
}
