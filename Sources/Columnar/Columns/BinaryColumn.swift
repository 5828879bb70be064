/// A column of variable-length byte strings (`string` or `binary`): 32-bit
/// offsets into one contiguous data buffer, as in Arrow.
///
/// Row `i` occupies bytes `offsets[offset + i] ..< offsets[offset + i + 1]` of
/// `data`. Slices share both buffers, so the first offset need not be zero.
public struct BinaryColumn: Sendable {
    /// `.string` (UTF-8 text) or `.binary`.
    public let dataType: DataType
    /// `Int32` offsets; rows use entries `offset ... offset + count`.
    public let offsets: Buffer
    /// The bytes of all rows, back to back.
    public let data: Buffer
    /// The index of row 0's start offset within `offsets`.
    public let offset: Int
    /// The number of rows.
    public let count: Int
    /// Row `i` is valid when bit `i` is set; nil when every row is valid.
    public let validity: Bitmap?
    /// The number of null rows.
    public let nullCount: Int

    /// Wraps existing buffers; offsets must be non-decreasing and within `data`.
    public init(type: DataType = .string, offsets: Buffer, data: Buffer, offset: Int = 0, count: Int, validity: Bitmap? = nil) {
        precondition(type == .string || type == .binary, "BinaryColumn: type must be string or binary, not \(type)")
        precondition(offset >= 0 && count >= 0 && (offset + count + 1) * 4 <= offsets.byteCount,
                     "BinaryColumn: offsets buffer too small for rows \(offset)..<\(offset + count)")
        precondition(validity == nil || validity!.count == count,
                     "BinaryColumn: validity has \(validity?.count ?? 0) bits for \(count) rows")
        offsets.withUnsafeBufferPointer(as: Int32.self, offset: offset, count: count + 1) { bounds in
            precondition(bounds[0] >= 0 && Int(bounds[count]) <= data.byteCount,
                         "BinaryColumn: offsets point outside the \(data.byteCount)-byte data buffer")
            for i in 0..<count {
                precondition(bounds[i] <= bounds[i + 1], "BinaryColumn: offsets decrease at row \(i)")
            }
        }
        self.init(unchecked: type, offsets: offsets, data: data, offset: offset, count: count,
                  validity: validity, nullCount: validity.map(\.unsetCount) ?? 0)
    }

    init(unchecked type: DataType, offsets: Buffer, data: Buffer, offset: Int, count: Int, validity: Bitmap?, nullCount: Int) {
        self.dataType = type
        self.offsets = offsets
        self.data = data
        self.offset = offset
        self.count = count
        self.validity = validity
        self.nullCount = nullCount
    }

    /// A string column holding `strings`, with nil as null.
    public init(_ strings: some Collection<String?>) {
        let builder = BinaryColumnBuilder(type: .string, capacity: strings.count)
        for string in strings { builder.append(string) }
        self = builder.finishTyped()
    }

    /// True for `string` columns, whose bytes are UTF-8.
    public var isUTF8: Bool { dataType == .string }

    /// Calls `body` with the `count + 1` offsets bounding this column's rows.
    @inlinable
    public func withUnsafeOffsets<R, E: Error>(_ body: (UnsafeBufferPointer<Int32>) throws(E) -> R) throws(E) -> R {
        try offsets.withUnsafeBufferPointer(as: Int32.self, offset: offset, count: count + 1, body)
    }

    /// Calls `body` with the whole data buffer; the offsets index into it.
    @inlinable
    public func withUnsafeData<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        try data.withUnsafeBytes(body)
    }

    /// The byte range of row `index` within `data`.
    @inlinable
    public func byteRange(at index: Int) -> Range<Int> {
        precondition(index >= 0 && index < count, "BinaryColumn: row \(index) out of range 0..<\(count)")
        let start = Int(offsets.load(at: offset &+ index, as: Int32.self))
        let end = Int(offsets.load(at: offset &+ index &+ 1, as: Int32.self))
        return start..<end
    }

    /// Calls `body` with the bytes of row `index` (empty for a null row built here).
    @inlinable
    public func withUnsafeBytes<R, E: Error>(at index: Int, _ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        let range = byteRange(at: index)
        return try data.withUnsafeBytes { (bytes) throws(E) in try body(UnsafeRawBufferPointer(rebasing: bytes[range])) }
    }

    /// True when row `index` is null.
    @inlinable
    public func isNull(_ index: Int) -> Bool {
        precondition(index >= 0 && index < count, "BinaryColumn: row \(index) out of range 0..<\(count)")
        guard let validity else { return false }
        return !validity[index]
    }

    /// Row `index` decoded as UTF-8 (invalid sequences become U+FFFD), or nil when null.
    public func string(at index: Int) -> String? {
        isNull(index) ? nil : withUnsafeBytes(at: index) { String(decoding: $0, as: UTF8.self) }
    }

    /// Row `index` as bytes, or nil when null.
    public func bytes(at index: Int) -> [UInt8]? {
        isNull(index) ? nil : withUnsafeBytes(at: index) { Array($0) }
    }

    /// The total number of data bytes this column's rows span.
    public var byteCount: Int {
        count == 0 ? 0 : withUnsafeOffsets { Int($0[count] - $0[0]) }
    }

    /// The rows `offset..<offset+count`, sharing this column's buffers.
    public func slice(offset: Int, count: Int) -> BinaryColumn {
        checkSlice(offset, count, of: self.count)
        let sliced = validity?.slice(offset: offset, count: count)
        return BinaryColumn(unchecked: dataType, offsets: offsets, data: data, offset: self.offset + offset,
                            count: count, validity: sliced, nullCount: sliced?.unsetCount ?? 0)
    }
}

/// A column of byte strings that all have the same length, stored back to back.
public struct FixedSizeBinaryColumn: Sendable {
    /// The number of bytes in each value.
    public let byteWidth: Int
    /// The bytes of all values, `byteWidth` per row.
    public let data: Buffer
    /// The index, in values, of row 0 within `data`.
    public let offset: Int
    /// The number of rows.
    public let count: Int
    /// Row `i` is valid when bit `i` is set; nil when every row is valid.
    public let validity: Bitmap?
    /// The number of null rows.
    public let nullCount: Int

    /// Wraps an existing buffer holding at least `(offset + count) * byteWidth` bytes.
    public init(byteWidth: Int, data: Buffer, offset: Int = 0, count: Int, validity: Bitmap? = nil) {
        precondition(byteWidth >= 0, "FixedSizeBinaryColumn: negative byte width \(byteWidth)")
        precondition(offset >= 0 && count >= 0 && (offset + count) * byteWidth <= data.byteCount,
                     "FixedSizeBinaryColumn: rows \(offset)..<\(offset + count) exceed the \(data.byteCount)-byte buffer")
        precondition(validity == nil || validity!.count == count,
                     "FixedSizeBinaryColumn: validity has \(validity?.count ?? 0) bits for \(count) rows")
        self.byteWidth = byteWidth
        self.data = data
        self.offset = offset
        self.count = count
        self.validity = validity
        self.nullCount = validity.map(\.unsetCount) ?? 0
    }

    /// Always `.fixedSizeBinary(byteWidth)`.
    public var dataType: DataType { .fixedSizeBinary(byteWidth) }

    /// Calls `body` with the `count * byteWidth` bytes of this column's rows.
    @inlinable
    public func withUnsafeBytes<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        try data.withUnsafeBytes { (bytes) throws(E) in
            try body(UnsafeRawBufferPointer(rebasing: bytes[offset * byteWidth ..< (offset + count) * byteWidth]))
        }
    }

    /// Calls `body` with the bytes of row `index`.
    @inlinable
    public func withUnsafeBytes<R, E: Error>(at index: Int, _ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        precondition(index >= 0 && index < count, "FixedSizeBinaryColumn: row \(index) out of range 0..<\(count)")
        let start = (offset + index) * byteWidth
        return try data.withUnsafeBytes { (bytes) throws(E) in
            try body(UnsafeRawBufferPointer(rebasing: bytes[start ..< start + byteWidth]))
        }
    }

    /// True when row `index` is null.
    @inlinable
    public func isNull(_ index: Int) -> Bool {
        precondition(index >= 0 && index < count, "FixedSizeBinaryColumn: row \(index) out of range 0..<\(count)")
        guard let validity else { return false }
        return !validity[index]
    }

    /// Row `index` as bytes, or nil when null.
    public func bytes(at index: Int) -> [UInt8]? {
        isNull(index) ? nil : withUnsafeBytes(at: index) { Array($0) }
    }

    /// The rows `offset..<offset+count`, sharing this column's buffer.
    public func slice(offset: Int, count: Int) -> FixedSizeBinaryColumn {
        checkSlice(offset, count, of: self.count)
        return FixedSizeBinaryColumn(byteWidth: byteWidth, data: data, offset: self.offset + offset, count: count,
                                     validity: validity?.slice(offset: offset, count: count))
    }
}
