/// Builds a `PrimitiveColumn<Value>` (integers, floats, dates, times, timestamps, decimals).
///
/// Values go straight into one growing, aligned allocation that `finish()`
/// hands to the column without copying.
public final class PrimitiveColumnBuilder<Value: FixedWidthValue>: ColumnBuilder {
    public let dataType: DataType
    @usableFromInline let storage: ByteStorage
    @usableFromInline let validity = ValidityBuilder()

    /// Creates an empty builder for `type`, which must be stored as `Value`.
    public init(type: DataType = Value.defaultDataType, capacity: Int = 0) {
        precondition(Value.canStore(type), "PrimitiveColumnBuilder: \(type) is not stored as \(Value.self)")
        dataType = type
        storage = ByteStorage(capacity: capacity * MemoryLayout<Value>.stride)
    }

    public var count: Int { validity.count }
    public var nullCount: Int { validity.nullCount }

    /// Appends a valid value.
    @inlinable
    public func append(_ value: Value) {
        storage.append(value)
        validity.appendValid()
    }

    /// Appends a value, or a null for nil.
    @inlinable
    public func append(_ value: Value?) {
        if let value { append(value) } else { appendNull() }
    }

    /// Appends valid values; contiguous collections are copied in one block.
    public func append(contentsOf values: some Sequence<Value>) {
        let copied: Int? = values.withContiguousStorageIfAvailable { typed in
            storage.append(bytes: UnsafeRawBufferPointer(typed))
            return typed.count
        }
        if let copied { return validity.appendValid(copied) }
        for value in values { append(value) }
    }

    /// Appends values with nil as null.
    public func append(contentsOf values: some Sequence<Value?>) {
        for value in values { append(value) }
    }

    /// Appends a null row (its value slot is zero).
    public func appendNull() {
        storage.appendZeros(MemoryLayout<Value>.stride)
        validity.appendNulls(1)
    }

    public func appendNulls(_ n: Int) {
        storage.appendZeros(n * MemoryLayout<Value>.stride)
        validity.appendNulls(n)
    }

    /// Appends `n` valid values written by `body` directly into the column's
    /// memory (zeroed beforehand), e.g. by a decoder. Nothing is appended if `body` throws.
    public func append<E: Error>(
        unsafeUninitializedCount n: Int,
        initializingWith body: (UnsafeMutableBufferPointer<Value>) throws(E) -> Void
    ) throws(E) {
        precondition(n >= 0, "PrimitiveColumnBuilder: negative count \(n)")
        let bytes = n * MemoryLayout<Value>.stride
        storage.reserve(additional: bytes)
        let start = (storage.base + storage.count).bindMemory(to: Value.self, capacity: n)
        do throws(E) {
            try body(UnsafeMutableBufferPointer(start: start, count: n))
        } catch {
            (storage.base + storage.count).initializeMemory(as: UInt8.self, repeating: 0, count: bytes)
            throw error
        }
        storage.count += bytes
        validity.appendValid(n)
    }

    public func append(scalar: ScalarValue) throws(ColumnarError) {
        if scalar.isNull { return appendNull() }
        guard let value = Value(scalar: scalar, type: dataType) else {
            throw .valueTypeMismatch(expected: dataType, value: scalar)
        }
        append(value)
    }

    public func append(column: Column) throws(ColumnarError) {
        guard column.dataType == dataType, let typed = Value.unwrap(column) else {
            throw .columnTypeMismatch(expected: dataType, actual: column.dataType)
        }
        typed.withUnsafeBufferPointer { storage.append(bytes: UnsafeRawBufferPointer($0)) }
        validity.append(typed.validity, count: typed.count)
    }

    public func reserveCapacity(_ additional: Int) {
        storage.reserve(additional: additional * MemoryLayout<Value>.stride)
    }

    /// Returns the rows so far as a typed column and starts empty again.
    public func finishTyped() -> PrimitiveColumn<Value> {
        let rows = count
        let nulls = nullCount
        let bitmap = validity.finish()
        return PrimitiveColumn(unchecked: dataType, values: storage.finish(), offset: 0, count: rows,
                               validity: bitmap, nullCount: nulls)
    }

    public func finish() -> Column { Value.wrap(finishTyped()) }
}

/// Builds a `BooleanColumn`, packing values one bit per row.
public final class BooleanColumnBuilder: ColumnBuilder {
    let values: BitmapBuilder
    let validity = ValidityBuilder()

    /// Creates an empty builder with room for `capacity` rows.
    public init(capacity: Int = 0) {
        values = BitmapBuilder(capacity: capacity)
    }

    public var dataType: DataType { .bool }
    public var count: Int { validity.count }
    public var nullCount: Int { validity.nullCount }

    /// Appends a valid value.
    public func append(_ value: Bool) {
        values.append(value)
        validity.appendValid()
    }

    /// Appends a value, or a null for nil.
    public func append(_ value: Bool?) {
        if let value { append(value) } else { appendNull() }
    }

    /// Appends valid values.
    public func append(contentsOf values: some Sequence<Bool>) {
        for value in values { append(value) }
    }

    /// Appends values with nil as null.
    public func append(contentsOf values: some Sequence<Bool?>) {
        for value in values { append(value) }
    }

    public func appendNull() { appendNulls(1) }

    public func appendNulls(_ n: Int) {
        values.append(repeating: false, count: n)
        validity.appendNulls(n)
    }

    public func append(scalar: ScalarValue) throws(ColumnarError) {
        switch scalar {
        case .null: appendNull()
        case .bool(let value): append(value)
        default: throw .valueTypeMismatch(expected: .bool, value: scalar)
        }
    }

    public func append(column: Column) throws(ColumnarError) {
        guard let typed = column.asBoolean else { throw .columnTypeMismatch(expected: .bool, actual: column.dataType) }
        values.append(typed.values)
        validity.append(typed.validity, count: typed.count)
    }

    public func reserveCapacity(_ additional: Int) { values.reserveCapacity(additional) }

    /// Returns the rows so far as a typed column and starts empty again.
    public func finishTyped() -> BooleanColumn {
        let bitmap = validity.finish()
        return BooleanColumn(values: values.finish(), validity: bitmap)
    }

    public func finish() -> Column { .bool(finishTyped()) }
}
