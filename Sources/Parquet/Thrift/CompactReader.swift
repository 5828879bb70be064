/// Reads the Thrift compact protocol from a byte buffer, defensively.
///
/// Every length and element count is compared with the bytes that are left before anything is
/// read or allocated, nesting is limited to `maximumDepth`, varints longer than their type allows
/// are rejected, and every failure is a `ThriftError` naming the absolute byte offset. Every
/// element of a list, set or map occupies at least one byte, so the work done is linear in the
/// input size whatever the counts claim.
///
/// The reader does not own its bytes: keep the buffer alive while reading. After an error the
/// reader's state is unspecified; start a new one.
public struct CompactReader {
    /// How deeply structs, lists, sets and maps may nest.
    public static let maximumDepth = 64

    private let bytes: UnsafeRawBufferPointer
    /// Position of the next byte, relative to the start of the buffer.
    public private(set) var position: Int = 0
    /// Added to positions in error messages and in `offset`.
    public let baseOffset: Int
    private(set) var depth = 0
    private var lastFieldId: Int16 = 0

    public init(_ bytes: UnsafeRawBufferPointer, baseOffset: Int = 0) {
        self.bytes = bytes
        self.baseOffset = baseOffset
    }

    /// Bytes not yet read.
    public var remaining: Int { bytes.count - position }

    /// Absolute offset of the next byte.
    public var offset: Int { baseOffset + position }

    /// An error at the current position, or at an absolute offset.
    public func error(_ message: String, at absoluteOffset: Int? = nil) -> ThriftError {
        ThriftError(offset: absoluteOffset ?? offset, message: message)
    }

    // MARK: - Primitive values

    /// One raw byte.
    public mutating func readByte() throws(ThriftError) -> UInt8 {
        guard position < bytes.count else { throw error("expected a byte, but the input ends") }
        let value = bytes[position]
        position += 1
        return value
    }

    public mutating func readI8() throws(ThriftError) -> Int8 {
        Int8(bitPattern: try readByte())
    }

    /// A zigzag varint that must fit 16 bits.
    public mutating func readI16() throws(ThriftError) -> Int16 {
        let start = offset
        let value = try readI32(what: "an i16 varint")
        guard let narrow = Int16(exactly: value) else {
            throw error("i16 value \(value) is out of range", at: start)
        }
        return narrow
    }

    /// A zigzag varint of at most 5 bytes.
    public mutating func readI32() throws(ThriftError) -> Int32 {
        try readI32(what: "an i32 varint")
    }

    private mutating func readI32(what: StaticString) throws(ThriftError) -> Int32 {
        let raw = try readVarint32(what: what)
        return Int32(bitPattern: (raw >> 1) ^ (0 &- (raw & 1)))
    }

    /// A zigzag varint of at most 10 bytes.
    public mutating func readI64() throws(ThriftError) -> Int64 {
        let raw = try readVarint(what: "an i64 varint", maximumBytes: 10)
        return Int64(bitPattern: (raw >> 1) ^ (0 &- (raw & 1)))
    }

    /// An IEEE 754 double, 8 bytes little-endian.
    public mutating func readDouble() throws(ThriftError) -> Double {
        guard remaining >= 8 else { throw error("expected an 8-byte double, but only \(remaining) bytes are left") }
        let bits = bytes.loadUnaligned(fromByteOffset: position, as: UInt64.self)
        position += 8
        return Double(bitPattern: UInt64(littleEndian: bits))
    }

    /// A boolean list or map element (1 is true; 2, as well as the 0 some writers use, is false).
    public mutating func readBool() throws(ThriftError) -> Bool {
        try readByte() == 1
    }

    /// Length-prefixed bytes.
    public mutating func readBinary() throws(ThriftError) -> [UInt8] {
        let count = try readLength(what: "binary length")
        let value = [UInt8](UnsafeRawBufferPointer(rebasing: bytes[position..<(position + count)]))
        position += count
        return value
    }

    /// Length-prefixed UTF-8 text; ill-formed sequences become U+FFFD rather than failing.
    public mutating func readString() throws(ThriftError) -> String {
        let count = try readLength(what: "string length")
        let value = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[position..<(position + count)]), as: UTF8.self)
        position += count
        return value
    }

    /// The length before a binary or string, checked against the bytes left.
    private mutating func readLength(what: StaticString) throws(ThriftError) -> Int {
        let start = offset
        let count = Int(try readVarint32(what: "a length varint"))
        guard count <= remaining else {
            throw error("\(what) \(count) exceeds the \(remaining) bytes left", at: start)
        }
        return count
    }

    private mutating func readVarint32(what: StaticString) throws(ThriftError) -> UInt32 {
        let start = offset
        let value = try readVarint(what: what, maximumBytes: 5)
        guard let narrow = UInt32(exactly: value) else {
            throw error("\(what) does not fit 32 bits", at: start)
        }
        return narrow
    }

    /// An unsigned LEB128 varint of at most `maximumBytes` bytes (10 for 64 bits).
    public mutating func readVarint(what: StaticString = "a varint", maximumBytes: Int = 10) throws(ThriftError) -> UInt64 {
        let start = offset
        var result: UInt64 = 0
        var shift: UInt64 = 0
        for index in 0..<min(maximumBytes, 10) {
            guard position < bytes.count else {
                throw error("expected \(what), but the input ends", at: start)
            }
            let byte = bytes[position]
            position += 1
            // The tenth byte of a 64-bit varint holds bit 63 alone.
            if index == 9 && byte > 1 {
                throw error("\(what) overflows 64 bits", at: start)
            }
            result |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return result }
            shift += 7
        }
        throw error("\(what) is longer than \(maximumBytes) bytes", at: start)
    }

    // MARK: - Containers

    /// A list or set header: the element type and the element count, checked against the bytes
    /// left. An empty list may name any element type; its type is then reported as `.byte`.
    public mutating func readListHeader() throws(ThriftError) -> (elementType: ThriftType, count: Int) {
        let start = offset
        let header = try readByte()
        var count = Int(header >> 4)
        if count == 15 {
            count = Int(try readVarint32(what: "a list length varint"))
        }
        guard let elementType = ThriftType(compactNibble: header & 0x0F) else {
            if count == 0 { return (.byte, 0) }
            throw error("list element type \(header & 0x0F) is not a Thrift type", at: start)
        }
        let (needed, overflow) = count.multipliedReportingOverflow(by: elementType.minimumElementSize)
        guard !overflow, needed <= remaining else {
            throw error("list length \(count) exceeds the \(remaining) bytes left", at: start)
        }
        return (elementType, count)
    }

    /// A map header: key and value types (nil for an empty map) and the entry count, checked
    /// against the bytes left.
    public mutating func readMapHeader() throws(ThriftError) -> (keyType: ThriftType, valueType: ThriftType, count: Int)? {
        let start = offset
        let count = Int(try readVarint32(what: "a map size varint"))
        if count == 0 { return nil }
        let types = try readByte()
        guard let keyType = ThriftType(compactNibble: types >> 4),
              let valueType = ThriftType(compactNibble: types & 0x0F) else {
            throw error("map key/value types \(types >> 4)/\(types & 0x0F) are not Thrift types", at: start)
        }
        let entrySize = keyType.minimumElementSize + valueType.minimumElementSize
        let (needed, overflow) = count.multipliedReportingOverflow(by: entrySize)
        guard !overflow, needed <= remaining else {
            throw error("map size \(count) exceeds the \(remaining) bytes left", at: start)
        }
        return (keyType, valueType, count)
    }

    // MARK: - Structs

    /// Reads one struct: calls `body` for each field header until STOP. `body` must consume the
    /// field's value (with a typed read or `skip`). `name` is used in error messages.
    public mutating func readStruct(
        _ name: StaticString,
        _ body: (inout CompactReader, ThriftField) throws(ThriftError) -> Void
    ) throws(ThriftError) {
        try enterNesting()
        let savedFieldId = lastFieldId
        lastFieldId = 0
        while let field = try readFieldHeader(owner: name) {
            try body(&self, field)
        }
        lastFieldId = savedFieldId
        depth -= 1
    }

    /// The next field header of the current struct, or nil at its STOP byte.
    private mutating func readFieldHeader(owner: StaticString) throws(ThriftError) -> ThriftField? {
        let start = offset
        guard position < bytes.count else {
            throw error("expected a field header or STOP in \(owner), but the input ends")
        }
        let header = bytes[position]
        position += 1
        if header == 0 { return nil }
        let nibble = header & 0x0F
        guard let type = ThriftType(compactNibble: nibble) else {
            throw error("field type \(nibble) in \(owner) is not a Thrift type", at: start)
        }
        let delta = header >> 4
        let id: Int16
        if delta == 0 {
            id = try readI16()
        } else {
            let next = Int(lastFieldId) + Int(delta)
            guard let narrow = Int16(exactly: next) else {
                throw error("field id \(next) in \(owner) is out of range", at: start)
            }
            id = narrow
        }
        lastFieldId = id
        return ThriftField(id: id, type: type, boolValue: nibble == 1, offset: start, owner: owner)
    }

    mutating func enterNesting() throws(ThriftError) {
        guard depth < Self.maximumDepth else {
            throw error("nesting deeper than \(Self.maximumDepth) levels")
        }
        depth += 1
    }

    mutating func leaveNesting() {
        depth -= 1
    }

    // MARK: - Skipping

    /// Skips the value of a field of any type (a boolean field's value is in its header).
    public mutating func skip(_ field: ThriftField) throws(ThriftError) {
        if field.type == .bool { return }
        try skip(field.type)
    }

    /// Skips one value of `type` as it appears as a list, set or map element.
    public mutating func skip(_ type: ThriftType) throws(ThriftError) {
        switch type {
        case .bool, .byte:
            _ = try readByte()
        case .i16, .i32, .i64:
            _ = try readVarint(what: "an integer varint", maximumBytes: 10)
        case .double:
            _ = try readDouble()
        case .uuid:
            guard remaining >= 16 else { throw error("expected a 16-byte uuid, but only \(remaining) bytes are left") }
            position += 16
        case .binary:
            position += try readLength(what: "binary length")
        case .list, .set:
            let (elementType, count) = try readListHeader()
            try enterNesting()
            for _ in 0..<count { try skip(elementType) }
            depth -= 1
        case .map:
            guard let (keyType, valueType, count) = try readMapHeader() else { return }
            try enterNesting()
            for _ in 0..<count {
                try skip(keyType)
                try skip(valueType)
            }
            depth -= 1
        case .struct:
            try readStruct("an unknown struct") { reader, field throws(ThriftError) in
                try reader.skip(field)
            }
        }
    }
}
