/// Writes the Thrift compact protocol into a growing byte array.
///
/// Field ids within a struct should increase; the short header form (id delta 1...15 in the
/// high nibble) is used whenever possible, the long form (zigzag i16 id) otherwise.
public struct CompactWriter: Sendable {
    public private(set) var bytes: [UInt8] = []
    private var lastFieldId: Int16 = 0

    public init(reservingCapacity capacity: Int = 256) {
        bytes.reserveCapacity(capacity)
    }

    // MARK: - Primitive values

    public mutating func writeByte(_ value: UInt8) {
        bytes.append(value)
    }

    public mutating func writeI8(_ value: Int8) {
        bytes.append(UInt8(bitPattern: value))
    }

    /// An unsigned LEB128 varint.
    public mutating func writeVarint(_ value: UInt64) {
        var rest = value
        while rest >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: rest) | 0x80)
            rest >>= 7
        }
        bytes.append(UInt8(rest))
    }

    public mutating func writeI16(_ value: Int16) {
        writeI32(Int32(value))
    }

    public mutating func writeI32(_ value: Int32) {
        writeVarint(UInt64(UInt32(bitPattern: (value << 1) ^ (value >> 31))))
    }

    public mutating func writeI64(_ value: Int64) {
        writeVarint(UInt64(bitPattern: (value << 1) ^ (value >> 63)))
    }

    public mutating func writeDouble(_ value: Double) {
        withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
    }

    /// A boolean list or map element: 1 for true, 2 for false.
    public mutating func writeBool(_ value: Bool) {
        bytes.append(value ? 1 : 2)
    }

    public mutating func writeBinary(_ value: [UInt8]) {
        writeVarint(UInt64(value.count))
        bytes.append(contentsOf: value)
    }

    public mutating func writeString(_ value: String) {
        var text = value
        text.withUTF8 { utf8 in
            writeVarint(UInt64(utf8.count))
            bytes.append(contentsOf: utf8)
        }
    }

    // MARK: - Headers

    /// The header of a field of the current struct. For `.bool`, `boolValue` is the field's value
    /// and nothing else follows.
    public mutating func writeFieldHeader(_ id: Int16, _ type: ThriftType, boolValue: Bool = false) {
        let nibble: UInt8 = type == .bool ? (boolValue ? 1 : 2) : type.rawValue
        let delta = Int(id) - Int(lastFieldId)
        if delta > 0 && delta <= 15 {
            bytes.append(UInt8(delta) << 4 | nibble)
        } else {
            bytes.append(nibble)
            writeI16(id)
        }
        lastFieldId = id
    }

    /// A list (or set) header; booleans are announced as nibble 1.
    public mutating func writeListHeader(_ elementType: ThriftType, count: Int) {
        if count < 15 {
            bytes.append(UInt8(count) << 4 | elementType.rawValue)
        } else {
            bytes.append(0xF0 | elementType.rawValue)
            writeVarint(UInt64(count))
        }
    }

    public mutating func writeMapHeader(key: ThriftType, value: ThriftType, count: Int) {
        writeVarint(UInt64(count))
        if count > 0 {
            bytes.append(key.rawValue << 4 | value.rawValue)
        }
    }

    /// Writes a struct: whatever `body` writes, then STOP. Field ids restart inside it.
    public mutating func writeStruct(_ body: (inout CompactWriter) -> Void) {
        let savedFieldId = lastFieldId
        lastFieldId = 0
        body(&self)
        bytes.append(0)
        lastFieldId = savedFieldId
    }

    // MARK: - Fields (a nil value writes nothing)

    public mutating func writeField(_ id: Int16, bool value: Bool?) {
        guard let value else { return }
        writeFieldHeader(id, .bool, boolValue: value)
    }

    public mutating func writeField(_ id: Int16, i8 value: Int8?) {
        guard let value else { return }
        writeFieldHeader(id, .byte)
        writeI8(value)
    }

    public mutating func writeField(_ id: Int16, i16 value: Int16?) {
        guard let value else { return }
        writeFieldHeader(id, .i16)
        writeI16(value)
    }

    public mutating func writeField(_ id: Int16, i32 value: Int32?) {
        guard let value else { return }
        writeFieldHeader(id, .i32)
        writeI32(value)
    }

    public mutating func writeField(_ id: Int16, i64 value: Int64?) {
        guard let value else { return }
        writeFieldHeader(id, .i64)
        writeI64(value)
    }

    public mutating func writeField(_ id: Int16, double value: Double?) {
        guard let value else { return }
        writeFieldHeader(id, .double)
        writeDouble(value)
    }

    public mutating func writeField(_ id: Int16, binary value: [UInt8]?) {
        guard let value else { return }
        writeFieldHeader(id, .binary)
        writeBinary(value)
    }

    public mutating func writeField(_ id: Int16, string value: String?) {
        guard let value else { return }
        writeFieldHeader(id, .binary)
        writeString(value)
    }

    public mutating func writeField<T: ThriftStruct>(_ id: Int16, struct value: T?) {
        guard let value else { return }
        writeFieldHeader(id, .struct)
        value.write(to: &self)
    }

    /// A struct field with no members (the empty structs of Parquet's unions).
    public mutating func writeEmptyStructField(_ id: Int16) {
        writeFieldHeader(id, .struct)
        bytes.append(0)
    }

    public mutating func writeField<T>(
        _ id: Int16, list values: [T]?, of elementType: ThriftType,
        _ element: (inout CompactWriter, T) -> Void
    ) {
        guard let values else { return }
        writeFieldHeader(id, .list)
        writeListHeader(elementType, count: values.count)
        for value in values { element(&self, value) }
    }

    public mutating func writeField<T: ThriftStruct>(_ id: Int16, structs values: [T]?) {
        writeField(id, list: values, of: .struct) { writer, value in value.write(to: &writer) }
    }

    public mutating func writeField(_ id: Int16, strings values: [String]?) {
        writeField(id, list: values, of: .binary) { writer, value in writer.writeString(value) }
    }

    public mutating func writeField(_ id: Int16, binaries values: [[UInt8]]?) {
        writeField(id, list: values, of: .binary) { writer, value in writer.writeBinary(value) }
    }

    public mutating func writeField(_ id: Int16, i32s values: [Int32]?) {
        writeField(id, list: values, of: .i32) { writer, value in writer.writeI32(value) }
    }

    public mutating func writeField(_ id: Int16, i64s values: [Int64]?) {
        writeField(id, list: values, of: .i64) { writer, value in writer.writeI64(value) }
    }

    public mutating func writeField(_ id: Int16, bools values: [Bool]?) {
        writeField(id, list: values, of: .bool) { writer, value in writer.writeBool(value) }
    }
}
