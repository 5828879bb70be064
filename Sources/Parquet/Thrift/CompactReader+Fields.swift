// Typed reads of field values, as the metadata structs use them.

extension CompactReader {
    // A field whose wire type differs from the one its schema declares is skipped and reads as
    // absent (nil), as the code Thrift generates does: old writers put other types under ids
    // that were later given to new fields. A missing required field is then reported by
    // `required`.

    /// Whether `field` has wire type `type`; when it does not, its value is skipped.
    public mutating func accept(_ field: ThriftField, as type: ThriftType) throws(ThriftError) -> Bool {
        if field.type == type { return true }
        try skip(field)
        return false
    }

    public mutating func readBool(_ field: ThriftField) throws(ThriftError) -> Bool? {
        guard try accept(field, as: .bool) else { return nil }
        return field.boolValue
    }

    public mutating func readI8(_ field: ThriftField) throws(ThriftError) -> Int8? {
        guard try accept(field, as: .byte) else { return nil }
        return try readI8()
    }

    public mutating func readI16(_ field: ThriftField) throws(ThriftError) -> Int16? {
        guard try accept(field, as: .i16) else { return nil }
        return try readI16()
    }

    public mutating func readI32(_ field: ThriftField) throws(ThriftError) -> Int32? {
        guard try accept(field, as: .i32) else { return nil }
        return try readI32()
    }

    public mutating func readI64(_ field: ThriftField) throws(ThriftError) -> Int64? {
        guard try accept(field, as: .i64) else { return nil }
        return try readI64()
    }

    public mutating func readDouble(_ field: ThriftField) throws(ThriftError) -> Double? {
        guard try accept(field, as: .double) else { return nil }
        return try readDouble()
    }

    public mutating func readBinary(_ field: ThriftField) throws(ThriftError) -> [UInt8]? {
        guard try accept(field, as: .binary) else { return nil }
        return try readBinary()
    }

    public mutating func readString(_ field: ThriftField) throws(ThriftError) -> String? {
        guard try accept(field, as: .binary) else { return nil }
        return try readString()
    }

    public mutating func readStruct<T: ThriftStruct>(_ field: ThriftField, as type: T.Type = T.self) throws(ThriftError) -> T? {
        guard try accept(field, as: .struct) else { return nil }
        return try T(from: &self)
    }

    /// A struct field whose members are all ignored (the empty structs of Parquet's unions);
    /// false when the field is not a struct.
    @discardableResult
    public mutating func readEmptyStruct(_ field: ThriftField) throws(ThriftError) -> Bool {
        guard try accept(field, as: .struct) else { return false }
        try skip(.struct)
        return true
    }

    /// A list field whose elements have wire type `elementType`, each read by `element`.
    ///
    /// The integer types share one varint encoding, so a list announcing i16, i32 or i64
    /// elements is read as whichever of them is expected (values must still fit). A list of
    /// any other wrong element type is skipped and reads as nil, as a mistyped field does.
    public mutating func readList<T>(
        _ field: ThriftField,
        of elementType: ThriftType,
        _ element: (inout CompactReader) throws(ThriftError) -> T
    ) throws(ThriftError) -> [T]? {
        guard try accept(field, as: .list) else { return nil }
        let (actualType, count) = try readListHeader()
        guard count > 0 else { return [] }
        try enterNesting()
        guard actualType == elementType || (actualType.isVarint && elementType.isVarint) else {
            for _ in 0..<count { try skip(actualType) }
            leaveNesting()
            return nil
        }
        var values: [T] = []
        // Each element consumed at least one byte of input, so growth is bounded by the input;
        // reserving the claimed count up front could still multiply it by the element size.
        values.reserveCapacity(min(count, 1024))
        for _ in 0..<count {
            values.append(try element(&self))
        }
        leaveNesting()
        return values
    }

    public mutating func readStructList<T: ThriftStruct>(_ field: ThriftField, of type: T.Type = T.self) throws(ThriftError) -> [T]? {
        try readList(field, of: .struct) { reader throws(ThriftError) in try T(from: &reader) }
    }

    public mutating func readI64List(_ field: ThriftField) throws(ThriftError) -> [Int64]? {
        try readList(field, of: .i64) { reader throws(ThriftError) in try reader.readI64() }
    }

    public mutating func readI32List(_ field: ThriftField) throws(ThriftError) -> [Int32]? {
        try readList(field, of: .i32) { reader throws(ThriftError) in try reader.readI32() }
    }

    public mutating func readStringList(_ field: ThriftField) throws(ThriftError) -> [String]? {
        try readList(field, of: .binary) { reader throws(ThriftError) in try reader.readString() }
    }

    public mutating func readBinaryList(_ field: ThriftField) throws(ThriftError) -> [[UInt8]]? {
        try readList(field, of: .binary) { reader throws(ThriftError) in try reader.readBinary() }
    }

    public mutating func readBoolList(_ field: ThriftField) throws(ThriftError) -> [Bool]? {
        try readList(field, of: .bool) { reader throws(ThriftError) in try reader.readBool() }
    }

    /// Fails with "`owner` is missing required field `id` (`name`)" when `value` is nil.
    public func required<T>(
        _ value: T?, _ owner: StaticString, _ id: Int16, _ name: StaticString, structOffset: Int
    ) throws(ThriftError) -> T {
        guard let value else {
            throw error("\(owner) is missing required field \(id) (\(name))", at: structOffset)
        }
        return value
    }
}
