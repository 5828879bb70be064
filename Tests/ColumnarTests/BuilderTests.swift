import Testing
@testable import Columnar

@Suite("Builders")
struct BuilderTests {
    @Test("signed and unsigned integer builders keep values, nulls and null counts")
    func integerBuilders() throws {
        let int8 = PrimitiveColumnBuilder<Int8>()
        int8.append(-128)
        int8.appendNull()
        int8.append(127)
        let column8 = int8.finishTyped()
        #expect(column8.optionalValues == [-128, nil, 127])
        #expect(column8.nullCount == 1)
        #expect(column8.validity?.bits == [true, false, true])

        let uint64 = PrimitiveColumnBuilder<UInt64>()
        uint64.append(contentsOf: [UInt64.max, 0, nil, 42] as [UInt64?])
        let column64 = uint64.finish()
        #expect(column64.dataType == .uint64)
        #expect(column64.scalars == [.uint(.max), .uint(0), .null, .uint(42)])
        #expect(column64.nullCount == 1)

        for (type, values) in [
            (DataType.int16, [ScalarValue.int(-32768), .null, .int(32767)]),
            (.int32, [.int(Int64(Int32.min)), .int(0), .null]),
            (.int64, [.int(.min), .int(.max), .null, .null]),
            (.uint8, [.uint(255), .null]),
            (.uint16, [.null, .uint(65535)]),
            (.uint32, [.uint(UInt64(UInt32.max)), .null]),
        ] {
            let column = try makeColumn(type, values)
            #expect(column.dataType == type)
            #expect(column.scalars == values)
            #expect(column.nullCount == values.filter(\.isNull).count)
        }
    }

    @Test("an all-valid column has no validity bitmap; the first null materializes one")
    func validityIsLazy() {
        let builder = PrimitiveColumnBuilder<Int32>()
        builder.append(contentsOf: [1, 2, 3] as [Int32])
        let dense = builder.finishTyped()
        #expect(dense.validity == nil && dense.nullCount == 0)
        builder.append(contentsOf: [1, 2, 3] as [Int32])
        builder.appendNull()
        let sparse = builder.finishTyped()
        #expect(sparse.validity?.bits == [true, true, true, false])
        #expect(sparse.nullCount == 1)
        #expect(sparse.value(at: 3) == 0, "null slots are zeroed")
    }

    @Test("float builders keep NaN, infinities and negative zero bit for bit")
    func floatBuilders() {
        let doubles = PrimitiveColumn<Double>([1.5, -0.0, .nan, .infinity, nil, -.infinity] as [Double?])
        #expect(doubles.nullCount == 1)
        #expect(doubles[1]!.sign == .minus && doubles[1]! == 0)
        #expect(doubles[2]!.isNaN)
        #expect(doubles[3] == .infinity && doubles[5] == -.infinity)
        #expect(doubles[4] == nil)
        let floats = PrimitiveColumn<Float>([0.1, nil, -2] as [Float?])
        #expect(Column(floats).scalars == [.float(0.1), .null, .float(-2)])
        #expect(Column(floats).dataType == .float32)
    }

    @Test("boolean builder packs bits and tracks nulls")
    func booleanBuilder() {
        let builder = BooleanColumnBuilder()
        builder.append(contentsOf: [true, false, nil, true] as [Bool?])
        builder.appendNulls(2)
        builder.append(true)
        let column = builder.finishTyped()
        #expect(column.count == 7)
        #expect(column.nullCount == 3)
        #expect((0..<7).map { column[$0] } == [true, false, nil, true, nil, nil, true])
        #expect(column.trueCount == 3)
        #expect(column.values.bits == [true, false, false, true, false, false, true])
    }

    @Test("string and binary builders store offsets plus contiguous bytes")
    func binaryBuilders() throws {
        let strings = BinaryColumnBuilder(type: .string)
        strings.append("héllo")
        strings.appendNull()
        strings.append("")
        strings.append("🦆")
        let column = strings.finishTyped()
        #expect(column.isUTF8)
        #expect((0..<4).map { column.string(at: $0) } == ["héllo", nil, "", "🦆"])
        #expect(column.withUnsafeOffsets { Array($0) } == [0, 6, 6, 6, 10])
        #expect(column.withUnsafeData { Array($0) } == Array("héllo🦆".utf8))
        #expect(column.byteCount == 10)

        let binary = try makeColumn(.binary, [.binary([0, 255]), .null, .binary([])])
        #expect(binary.scalars == [.binary([0, 255]), .null, .binary([])])
        #expect(binary.asBinary?.bytes(at: 0) == [0, 255])
        #expect(throws: ColumnarError.valueTypeMismatch(expected: .binary, value: .string("x"))) {
            try makeColumn(.binary, [.string("x")])
        }
    }

    @Test("fixed-size binary builder checks widths and zero-fills null slots")
    func fixedSizeBinaryBuilder() throws {
        let builder = FixedSizeBinaryColumnBuilder(byteWidth: 3)
        builder.append(bytes: [1, 2, 3])
        builder.appendNull()
        builder.append(bytes: [7, 8, 9])
        let column = builder.finishTyped()
        #expect(column.dataType == .fixedSizeBinary(3))
        #expect(column.withUnsafeBytes { Array($0) } == [1, 2, 3, 0, 0, 0, 7, 8, 9])
        #expect(column.bytes(at: 1) == nil && column.bytes(at: 2) == [7, 8, 9])
        #expect(throws: ColumnarError.self) { try makeColumn(.fixedSizeBinary(3), [.binary([1, 2])]) }
    }

    @Test("date, time and timestamp columns keep their logical types over Int32/Int64 storage")
    func temporalBuilders() throws {
        let dates = try makeColumn(.date32, [.date(days: 19723), .null, .date(days: -1)])
        #expect(dates.primitive(Int32.self)?.optionalValues == [19723, nil, -1])
        #expect(dates.scalars == [.date(days: 19723), .null, .date(days: -1)])

        let utc = DataType.timestamp(.micro, timezone: "UTC")
        let stamps = try makeColumn(utc, [.timestamp(-1, unit: .micro, timezone: "UTC"), .null])
        #expect(stamps.dataType == utc)
        #expect(stamps.primitive(Int64.self)?.value(at: 0) == -1)
        #expect(stamps.scalars[0] == .timestamp(-1, unit: .micro, timezone: "UTC"))

        let naive = try makeColumn(.timestamp(.milli), [.timestamp(5, unit: .milli, timezone: nil)])
        #expect(naive.scalars == [.timestamp(5, unit: .milli, timezone: nil)])
        #expect(throws: ColumnarError.self) { try makeColumn(.timestamp(.milli), [.timestamp(5, unit: .micro, timezone: nil)]) }

        let time32 = try makeColumn(.time(.milli), [.time(1500, unit: .milli)])
        #expect(time32.primitive(Int32.self) != nil)
        let time64 = try makeColumn(.time(.nano), [.time(1, unit: .nano), .null])
        #expect(time64.primitive(Int64.self)?.optionalValues == [1, nil])
    }

    @Test("decimal builder stores unscaled Int128 values and rejects other scales or too many digits")
    func decimalBuilder() throws {
        let type = DataType.decimal(precision: 5, scale: 2)
        let column = try makeColumn(type, [.decimal(12345, precision: 5, scale: 2), .null, .decimal(-5, precision: 5, scale: 2)])
        #expect(column.primitive(Int128.self)?.optionalValues == [12345, nil, -5])
        #expect(column.scalars[2] == .decimal(-5, precision: 5, scale: 2))
        #expect(throws: ColumnarError.self) { try makeColumn(type, [.decimal(1, precision: 5, scale: 3)]) }
        #expect(throws: ColumnarError.self) { try makeColumn(type, [.decimal(100_000, precision: 6, scale: 2)]) }
        let wide = try makeColumn(.decimal(precision: 38, scale: 0), [.decimal(Int128(Int64.max) * 1_000_000, precision: 38, scale: 0)])
        #expect(wide.primitive(Int128.self)?.value(at: 0) == Int128(Int64.max) * 1_000_000)
    }

    @Test("scalar appends check ranges and kinds, and a failed append adds nothing")
    func scalarAppendsAreChecked() throws {
        let builder = makeColumnBuilder(for: .int8)
        #expect(throws: ColumnarError.valueTypeMismatch(expected: .int8, value: .int(200))) {
            try builder.append(scalar: .int(200))
        }
        try builder.append(scalar: .uint(7))
        #expect(builder.count == 1)
        let structs = makeColumnBuilder(for: .struct([Field("a", .int64), Field("b", .string)]))
        #expect(throws: ColumnarError.self) {
            try structs.append(scalar: .struct([("a", .int(1)), ("b", .int(2))]))
        }
        #expect(structs.count == 0)
        #expect((structs as! StructColumnBuilder).children.allSatisfy { $0.count == 0 })
    }

    @Test("values written through the unsafe initializer land in place, and builders restart empty after finish")
    func unsafeAppendAndReuse() {
        let builder = PrimitiveColumnBuilder<Int64>(capacity: 4)
        builder.append(99)
        builder.append(unsafeUninitializedCount: 1000) { slots in
            for i in slots.indices { slots[i] = Int64(i * i) }
        }
        let column = builder.finishTyped()
        #expect(column.count == 1001)
        #expect(column.value(at: 0) == 99 && column.value(at: 1000) == 999 * 999)
        #expect(builder.count == 0)
        builder.append(5)
        #expect(builder.finishTyped().optionalValues == [5])
    }

    @Test("a column's value buffer is 64-byte aligned and read in place without copies")
    func buffersAreAlignedAndShared() {
        let column = PrimitiveColumn<Double>([1, 2, 3, 4, 5] as [Double])
        let address = baseAddress(column)!
        #expect(Int(bitPattern: address) % Buffer.alignment == 0)
        #expect(address == UnsafeRawPointer(column.values.base))
        let sum = column.withUnsafeBufferPointer { $0.reduce(0, +) }
        #expect(sum == 15)
        #expect(Column(column).description == "double [1.0, 2.0, 3.0, 4.0, 5.0]")
        #expect(Column(PrimitiveColumn<Int8>((0..<25).map { Int8($0) })).description.hasSuffix("19, … 5 more]"))
    }
}
