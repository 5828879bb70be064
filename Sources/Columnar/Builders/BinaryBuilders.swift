/// Builds a `BinaryColumn` of `string` or `binary` values.
///
/// Offsets are `Int32`, so one column holds at most 2 GiB of data: callers
/// that stream large inputs watch `byteCount` and cut batches before that.
public final class BinaryColumnBuilder: ColumnBuilder {
    public let dataType: DataType
    let offsets: ByteStorage
    let data: ByteStorage
    let validity = ValidityBuilder()

    /// Creates an empty builder for `.string` or `.binary`, with room for
    /// `capacity` rows and `byteCapacity` data bytes.
    public init(type: DataType = .string, capacity: Int = 0, byteCapacity: Int = 0) {
        precondition(type == .string || type == .binary, "BinaryColumnBuilder: type must be string or binary, not \(type)")
        dataType = type
        offsets = ByteStorage(capacity: (capacity + 1) * 4)
        data = ByteStorage(capacity: byteCapacity)
        offsets.append(Int32(0))
    }

    public var count: Int { validity.count }
    public var nullCount: Int { validity.nullCount }
    /// The number of data bytes appended so far.
    public var byteCount: Int { data.count }

    private func closeRow() {
        precondition(data.count <= Int(Int32.max),
                     "BinaryColumnBuilder: more than 2 GiB of data in one column; split the rows into smaller batches")
        offsets.append(Int32(truncatingIfNeeded: data.count))
    }

    /// Appends a valid value from raw bytes.
    public func append(bytes: UnsafeRawBufferPointer) {
        data.append(bytes: bytes)
        closeRow()
        validity.appendValid()
    }

    /// Appends a valid value from a byte sequence.
    public func append(bytes: some Sequence<UInt8>) {
        let done: Void? = bytes.withContiguousStorageIfAvailable { append(bytes: UnsafeRawBufferPointer($0)) }
        if done == nil { append(bytes: Array(bytes)) }
    }

    /// Appends a valid string as UTF-8.
    public func append(_ string: String) {
        var string = string
        string.withUTF8 { append(bytes: UnsafeRawBufferPointer($0)) }
    }

    /// Appends a string, or a null for nil.
    public func append(_ string: String?) {
        if let string { append(string) } else { appendNull() }
    }

    /// Appends strings with nil as null.
    public func append(contentsOf strings: some Sequence<String?>) {
        for string in strings { append(string) }
    }

    public func appendNull() { appendNulls(1) }

    public func appendNulls(_ n: Int) {
        for _ in 0..<n { offsets.append(Int32(truncatingIfNeeded: data.count)) }
        validity.appendNulls(n)
    }

    public func append(scalar: ScalarValue) throws(ColumnarError) {
        switch (dataType, scalar) {
        case (_, .null): appendNull()
        case (.string, .string(let text)): append(text)
        case (.binary, .binary(let bytes)): append(bytes: bytes)
        default: throw .valueTypeMismatch(expected: dataType, value: scalar)
        }
    }

    public func append(column: Column) throws(ColumnarError) {
        guard column.dataType == dataType, let typed = column.asBinary else {
            throw .columnTypeMismatch(expected: dataType, actual: column.dataType)
        }
        guard typed.count > 0 else { return }
        typed.withUnsafeOffsets { bounds in
            let first = Int(bounds[0])
            let shift = data.count - first
            typed.withUnsafeData { data.append(bytes: UnsafeRawBufferPointer(rebasing: $0[first..<Int(bounds[typed.count])])) }
            precondition(data.count <= Int(Int32.max),
                         "BinaryColumnBuilder: more than 2 GiB of data in one column; split the rows into smaller batches")
            offsets.reserve(additional: typed.count * 4)
            for i in 1...typed.count { offsets.append(Int32(truncatingIfNeeded: Int(bounds[i]) + shift)) }
        }
        validity.append(typed.validity, count: typed.count)
    }

    public func reserveCapacity(_ additional: Int) { offsets.reserve(additional: additional * 4) }

    /// Makes room for `additional` more data bytes.
    public func reserveByteCapacity(_ additional: Int) { data.reserve(additional: additional) }

    /// Returns the rows so far as a typed column and starts empty again.
    public func finishTyped() -> BinaryColumn {
        let rows = count
        let nulls = nullCount
        let bitmap = validity.finish()
        let column = BinaryColumn(unchecked: dataType, offsets: offsets.finish(), data: data.finish(), offset: 0,
                                  count: rows, validity: bitmap, nullCount: nulls)
        offsets.append(Int32(0))
        return column
    }

    public func finish() -> Column { .binary(finishTyped()) }
}

/// Builds a `FixedSizeBinaryColumn`; every value must have exactly `byteWidth` bytes.
public final class FixedSizeBinaryColumnBuilder: ColumnBuilder {
    /// The number of bytes in each value.
    public let byteWidth: Int
    let data: ByteStorage
    let validity = ValidityBuilder()

    /// Creates an empty builder for values of `byteWidth` bytes.
    public init(byteWidth: Int, capacity: Int = 0) {
        precondition(byteWidth >= 0, "FixedSizeBinaryColumnBuilder: negative byte width \(byteWidth)")
        self.byteWidth = byteWidth
        data = ByteStorage(capacity: capacity * byteWidth)
    }

    public var dataType: DataType { .fixedSizeBinary(byteWidth) }
    public var count: Int { validity.count }
    public var nullCount: Int { validity.nullCount }

    /// Appends a valid value; `bytes` must have exactly `byteWidth` bytes.
    public func append(bytes: UnsafeRawBufferPointer) {
        precondition(bytes.count == byteWidth,
                     "FixedSizeBinaryColumnBuilder: value of \(bytes.count) bytes in a column of width \(byteWidth)")
        data.append(bytes: bytes)
        validity.appendValid()
    }

    /// Appends a valid value; `bytes` must have exactly `byteWidth` bytes.
    public func append(bytes: some Collection<UInt8>) {
        Array(bytes).withUnsafeBytes { append(bytes: $0) }
    }

    public func appendNull() { appendNulls(1) }

    public func appendNulls(_ n: Int) {
        data.appendZeros(n * byteWidth)
        validity.appendNulls(n)
    }

    public func append(scalar: ScalarValue) throws(ColumnarError) {
        switch scalar {
        case .null: appendNull()
        case .binary(let bytes) where bytes.count == byteWidth: append(bytes: bytes)
        default: throw .valueTypeMismatch(expected: dataType, value: scalar)
        }
    }

    public func append(column: Column) throws(ColumnarError) {
        guard column.dataType == dataType, let typed = column.asFixedSizeBinary else {
            throw .columnTypeMismatch(expected: dataType, actual: column.dataType)
        }
        typed.withUnsafeBytes { data.append(bytes: $0) }
        validity.append(typed.validity, count: typed.count)
    }

    public func reserveCapacity(_ additional: Int) { data.reserve(additional: additional * byteWidth) }

    /// Returns the rows so far as a typed column and starts empty again.
    public func finishTyped() -> FixedSizeBinaryColumn {
        let rows = count
        let bitmap = validity.finish()
        return FixedSizeBinaryColumn(byteWidth: byteWidth, data: data.finish(), count: rows, validity: bitmap)
    }

    public func finish() -> Column { .fixedSizeBinary(finishTyped()) }
}
