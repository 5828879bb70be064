import Columnar

// Turning a leaf's decoded values into a Columnar column (the logical type's conversions: small
// and unsigned integers, INT96 timestamps, decimals from any physical type).
extension ChunkState {
    /// The column of a flat leaf: one value per entry, null where the definition level is 0.
    func flatColumn() throws(ParquetReadError) -> Column {
        guard maxDefinition > 0, nullCount > 0 else { return try column(validity: nil, count: rowCount) }
        guard elidedLevels == 0, definitionLevels.count == rowCount else {
            throw fail("the column chunk holds \(elidedLevels + definitionLevels.count) definition levels for \(rowCount) rows")
        }
        let limit = UInt8(maxDefinition)
        return try column(validity: definitionLevels.map { $0 == limit }, count: rowCount)
    }

    /// Builds the leaf's column of `count` values from the decoded non-null values: `validity`
    /// (one flag per value, as many set as values were decoded) places the nulls; nil means none.
    func column(validity: [Bool]?, count: Int) throws(ParquetReadError) -> Column {
        do {
            return try build(validity: validity, count: count)
        } catch let error as ParquetReadError {
            throw error
        } catch {
            throw ParquetReadError(kind: .corruptPage, column: column.name, offset: pageOffset, message: "\(error)")
        }
    }

    private func build(validity: [Bool]?, count: Int) throws -> Column {
        let type = column.field.type
        // A nullable column that holds no null is built like a required one (in bulk).
        let nullable = validity != nil
        let rows = count
        let dense = values.count(of: physical, typeLength: typeLength)
        let placed = validity.map { flags in flags.withUnsafeBufferPointer { $0.reduce(0) { $0 + ($1 ? 1 : 0) } } } ?? rows
        guard dense == placed else {
            throw fail("the column chunk holds \(dense) values where its levels place \(placed)")
        }
        let numbers = values.numberBuffer ?? Buffer.empty
        /// Values stored as they are: the decoded buffer itself, spread out around the nulls if any.
        func direct<T: FixedWidthValue>(_ t: T.Type) -> Column {
            let stored = validity.map { Self.spread(numbers, as: T.self, validity: $0) } ?? numbers
            return T.wrap(PrimitiveColumn<T>(type: type, values: stored, count: rows, validity: validity.map(Self.bitmap)))
        }
        switch type {
        case .int32, .date32, .time(.second), .time(.milli): return direct(Int32.self)
        case .int64, .timestamp, .time: if physical != .int96 { return direct(Int64.self) }
        case .float32 where physical == .float: return direct(Float.self)
        case .float64: return direct(Double.self)
        case .string, .binary: return try binaryColumn(type: type, validity: validity, count: rows)
        default: break
        }
        let builder = makeColumnBuilder(for: type, capacity: rows)
        /// Calls `append(valueIndex)` for each non-null row and appends a null for the others.
        func each(_ append: (Int) throws -> Void) rethrows {
            if !nullable {
                for i in 0 ..< rows { try append(i) }
                return
            }
            var next = 0
            for isValid in validity! {
                if isValid {
                    try append(next)
                    next += 1
                } else {
                    builder.appendNull()
                }
            }
        }
        func primitive<T: FixedWidthValue>(_ t: T.Type, _ value: (Int) throws -> T) rethrows {
            let b = builder as! PrimitiveColumnBuilder<T>
            try each { b.append(try value($0)) }
        }
        // `each` only asks for the `dense` values checked above.
        func int32(_ i: Int) -> Int32 { numbers.load(at: i, as: Int32.self) }
        func int64(_ i: Int) -> Int64 { numbers.load(at: i, as: Int64.self) }
        switch type {
        case .bool:
            let b = builder as! BooleanColumnBuilder
            each { b.append(values.bools[$0]) }
        case .int8: primitive(Int8.self) { Int8(truncatingIfNeeded: int32($0)) }
        case .int16: primitive(Int16.self) { Int16(truncatingIfNeeded: int32($0)) }
        case .uint8: primitive(UInt8.self) { UInt8(truncatingIfNeeded: int32($0)) }
        case .uint16: primitive(UInt16.self) { UInt16(truncatingIfNeeded: int32($0)) }
        case .uint32: primitive(UInt32.self) { UInt32(bitPattern: int32($0)) }
        case .uint64: primitive(UInt64.self) { UInt64(bitPattern: int64($0)) }
        case .timestamp where physical == .int96:
            primitive(Int64.self) { Self.int96Nanoseconds(values.int96s[$0]) }
        case .float32:
            // FLOAT16 (two little-endian bytes), widened exactly to Float.
            values.fixed.withUnsafeBytes { raw in
                primitive(Float.self) { i in Float(Float16(bitPattern: UInt16(raw[2 * i]) | UInt16(raw[2 * i + 1]) << 8)) }
            }
        case .decimal:
            switch physical {
            case .int32: primitive(Int128.self) { Int128(int32($0)) }
            case .int64: primitive(Int128.self) { Int128(int64($0)) }
            case .byteArray:
                let (offsets, data) = byteArrayBuffers()
                try data.withUnsafeBytes { raw in
                    try primitive(Int128.self) { i in
                        let start = Int(offsets.load(at: i, as: Int32.self)), end = Int(offsets.load(at: i + 1, as: Int32.self))
                        return try decimalValue(UnsafeRawBufferPointer(rebasing: raw[start ..< end]))
                    }
                }
            default:
                try values.fixed.withUnsafeBytes { raw in
                    try primitive(Int128.self) { i in
                        try decimalValue(UnsafeRawBufferPointer(rebasing: raw[i * typeLength ..< (i + 1) * typeLength]))
                    }
                }
            }
        case .fixedSizeBinary(let width):
            let b = builder as! FixedSizeBinaryColumnBuilder
            values.fixed.withUnsafeBytes { raw in
                each { i in b.append(bytes: UnsafeRawBufferPointer(rebasing: raw[i * width ..< (i + 1) * width])) }
            }
        default:
            throw fail("type \(type) cannot be read from a flat column")
        }
        return builder.finish()
    }

    /// The chunk's byte arrays: `dense + 1` offsets and the bytes they index.
    private func byteArrayBuffers() -> (offsets: Buffer, data: Buffer) {
        if let buffers = values.byteArrayBuffers { return buffers }
        // A chunk that was never read (no rows) or not through `ChunkState.decode`.
        return (values.bytes.offsets.withUnsafeBytes { Buffer(copying: $0) }, values.bytes.values.withUnsafeBytes { Buffer(copying: $0) })
    }

    /// A string or binary column straight from the decoded offsets and bytes (offsets repeat at nulls).
    private func binaryColumn(type: DataType, validity: [Bool]?, count: Int) throws -> Column {
        let (dense, data) = byteArrayBuffers()
        var offsets = dense
        if let validity {
            offsets = Buffer(byteCount: (count + 1) * 4) { raw in
                let out = raw.bindMemory(to: Int32.self)
                // `validity` sets as many flags as there are values (checked by the caller).
                var next = 0
                out[0] = dense.load(at: 0, as: Int32.self)
                for (i, isValid) in validity.enumerated() {
                    if isValid { next += 1 }
                    out[i + 1] = dense.load(at: next, as: Int32.self)
                }
            }
        }
        return .binary(BinaryColumn(type: type, offsets: offsets, data: data, count: count, validity: validity.map(Self.bitmap)))
    }

    /// The `dense` values of type `T` placed at the rows whose flag is set, zero elsewhere; as many
    /// flags are set as there are values (checked by the caller).
    static func spread<T: BitwiseCopyable>(_ dense: Buffer, as type: T.Type, validity: [Bool]) -> Buffer {
        switch MemoryLayout<T>.stride {
        case 4: spreadBits(dense, as: UInt32.self, validity: validity)
        case 8: spreadBits(dense, as: UInt64.self, validity: validity)
        default: preconditionFailure("no spread for \(T.self)")
        }
    }

    /// `spread` over the values' bits, without a branch per row (nulls come at random).
    static func spreadBits<T: FixedWidthInteger & UnsignedInteger>(_ dense: Buffer, as type: T.Type, validity: [Bool]) -> Buffer {
        Buffer(byteCount: validity.count * MemoryLayout<T>.stride) { out in
            let count = dense.byteCount / MemoryLayout<T>.stride
            guard count > 0 else { return }  // all null: all zero
            let target = out.bindMemory(to: T.self)
            dense.withUnsafeBytes { raw in
                let source = raw.bindMemory(to: T.self)
                validity.withUnsafeBufferPointer { flags in
                    let last = count - 1
                    var next = 0
                    for i in 0 ..< flags.count {
                        let valid: T = flags[i] ? 1 : 0
                        // `next` stays within the values: it only passes the last one after the last set flag.
                        target[i] = source[min(next, last)] & (0 &- valid)
                        next &+= Int(valid)
                    }
                }
            }
        }
    }

    /// The flags packed into a bitmap, eight to a byte.
    static func bitmap(_ flags: [Bool]) -> Bitmap {
        let buffer = Buffer(byteCount: (flags.count + 7) / 8) { out in
            flags.withUnsafeBufferPointer { bits in
                let whole = bits.count / 8
                for byte in 0 ..< whole {
                    var packed: UInt8 = 0
                    for bit in 0 ..< 8 { packed |= (bits[byte * 8 + bit] ? 1 : 0) << UInt8(bit) }
                    out[byte] = packed
                }
                if whole * 8 < bits.count {
                    var packed: UInt8 = 0
                    for bit in 0 ..< bits.count - whole * 8 where bits[whole * 8 + bit] { packed |= 1 << UInt8(bit) }
                    out[whole] = packed
                }
            }
        }
        return Bitmap(buffer: buffer, count: flags.count)
    }

    /// A big-endian two's complement decimal of up to 16 bytes (longer ones only with sign-extension bytes).
    func decimalValue(_ bytes: UnsafeRawBufferPointer) throws -> Int128 {
        guard let first = bytes.first else { return 0 }
        let negative = first & 0x80 != 0
        var start = 0
        if bytes.count > 16 {
            let fill: UInt8 = negative ? 0xFF : 0
            start = bytes.count - 16
            guard bytes[0 ..< start].allSatisfy({ $0 == fill }) else {
                throw fail("a \(bytes.count)-byte decimal value does not fit in 128 bits")
            }
            guard (bytes[start] & 0x80 != 0) == negative else {
                throw fail("a \(bytes.count)-byte decimal value does not fit in 128 bits")
            }
        }
        var value: UInt128 = negative ? ~0 : 0
        for byte in bytes[start...] { value = (value << 8) | UInt128(byte) }
        return Int128(bitPattern: value)
    }

    /// Nanoseconds since the Unix epoch of a legacy INT96 timestamp (nanoseconds of the day, then
    /// the Julian day; Julian day 2,440,588 is 1970-01-01). Out-of-range values wrap, as in Arrow.
    static func int96Nanoseconds(_ value: Int96) -> Int64 {
        let days = Int64(value.high) &- 2_440_588
        return days &* 86_400_000_000_000 &+ Int64(bitPattern: value.low)
    }
}
