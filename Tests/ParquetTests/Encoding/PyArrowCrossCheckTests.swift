import Testing
@testable import Parquet

/// Page bodies written by pyarrow 26.0.1 (Arrow C++ Parquet writer), uncompressed, captured once
/// and kept here as hex so the tests need no Python. How they were made, for regenerating:
///
///     pq.write_table(table, buf, compression='NONE', use_dictionary=False,
///                    column_encoding={'x': 'DELTA_BINARY_PACKED'})   # or another encoding,
///                    # data_page_version='1.0'/'2.0', use_dictionary=True for the dictionary pages
///
/// then the column chunk's page headers (Thrift compact) were walked from `data_page_offset`
/// (or `dictionary_page_offset`) and each page body taken as the `compressed_page_size` bytes after
/// its header. The expected values are the ones given to pyarrow.
enum PyArrowPages {
    static let deltaInt64 = hexBytes("""
        800204ac0280a0abfef962be0f05050505175c002eb8005c7001b8e0027001b8
        e00270c105e0820bc00517800bc00517800b2e00175c002eb8005c002eb8005c
        7001b8e00270c105e00270c105e0820bc00517800b2e0017800b2e00175c002e
        b8005c7001b8005c7001b8e00270c105e0820bc005e0820bc00517800b2e0017
        5c002e00175c002eb8005c7001b8e0027001b8e00270c105e0820bc00517800b
        c00517800b2e00175c002eb8005c002eb8c19de20417000000404b4ca025e6d5
        1213688979b5c4045a62022d31af9698404bccab2526d01213688979b5c4045a
        625e2d31819698404bccab2526d01213688979b5c4045a625e2d31819698404b
        ccab2526d012f36a8909b4c4045a625e2d31819698574b4c000000d012f36a89
        09b4c4bc5a62022d31819698574b4ca02526d012130000000000000000000000
        0000000000000000000000000000000000000000000000000000000000000000
        0000000000000000000000000000000000
        """)

    static let deltaInt32Extremes = hexBytes("""
        8001040c00ffffffff0f20000000ffffffff01000080ffffff7f000000000200
        0080ffffffff0000008005000000faffffff01000000f9ffff7f000000000000
        0000000000000000000000000000000000000000000000000000000000000000
        0000000000000000000000000000000000000000000000000000000000000000
        0000000000000000000000000000
        """)

    static let deltaInt64Extremes = hexBytes("""
        80020408ffffffffffffffffff01ffffffffffffffffff0140000000ffffffff
        ffffff7f01000000000000000000000000000000ffffffffffffffff00000000
        000000000000000000000080f32fce733a0b0000000000000000000000000000
        0000000000000000000000000000000000000000000000000000000000000000
        0000000000000000000000000000000000000000000000000000000000000000
        0000000000000000000000000000000000000000000000000000000000000000
        0000000000000000000000000000000000000000000000000000000000000000
        0000000000000000000000000000000000000000000000000000000000000000
        0000000000000000000000000000000000000000000000000000000000000000
        0000000000000000000000000000000000000000000000000000000000000000
        0000000000000000000000000000000000000000000000000000000000000000
        0000000000000000000000000000000000000000000000000000000000000000
        0000000000000000000000000000000000000000000000000000000000000000
        0000000000000000000000000000000000000000000000000000000000000000
        0000000000000000000000000000000000000000000000000000000000000000
        0000000000000000000000000000000000000000000000000000000000000000
        00000000000000000000000000000000000000000000000000000000
        """)

    static let deltaLength = hexBytes("""
        800104090047070000002514c9d4790501000000000000000000000000000000
        0000000000006168656c6c6f776f726c6470617271756574c3bc6ec3af63c3b6
        64c3a97878787878787878787878787878787878787878787878787878787878
        78787878787878787878787461696c
        """)

    static let deltaStrings = hexBytes("""
        8001040a000704000000265704940100000000000000000000008001040a0809
        040000009304551a060000000000000000000000617869736c65626162626c65
        79686f6f647a6562726173616c
        """)

    static let deltaStringsFixed4 = hexBytes("""
        8001040600070400000037820000000000000000000000000000800104060807
        040000005106080000000000000000000000000061626364657a7a6262626200
        010203
        """)

    static let splitFloat = hexBytes("""
        0000000000ff01cd0000000000ff00ccc0008080c07f00cc3f807fff7f7f003d
        """)

    static let splitDouble = hexBytes("""
        0000000000ff019ac90000000000ff0099760000000000ff0099be0000000000
        ff00999f0000000000ff00990c0000000000ff009924f800f0f0f8ef00b9fe3f
        807fff7f7f003fc0
        """)

    static let splitInt32 = hexBytes("""
        01ffff0000000700ffff0000000000ffff0000010000ff7f80000000
        """)

    static let splitInt64 = hexBytes("""
        01ffff0000000700ffff0000000000ffff0000000000ffff0000000000ffff00
        00000000ffff0000010000ffff0000000000ff7f80000000
        """)

    static let splitFixed3 = hexBytes("""
        6164006265ff636610
        """)

    static let dictionaryPageV1Data = hexBytes("""
        0900000011f7de7befbdf7de0b030d88c6421e1199453c36f28a682ce4119159
        c4
        """)

    static let dictionaryPageV1Dictionary = hexBytes("""
        00000000030000000600000005000000010000000400000002000000
        """)

    static let booleanRLEPageV2 = hexBytes("""
        137ebfdfeff7fbfd7e3f080000000ba4949052fa2801
        """)

    static let listPageV1 = hexBytes("""
        040000000786fe0105000000037fec1403010000000000000002000000000000
        0003000000000000000400000000000000050000000000000006000000000000
        000700000000000000080000000000000009000000000000000a000000000000
        000b000000000000000c000000000000000d000000000000000e000000000000
        000f00000000000000
        """)

    static let plainBoolean = hexBytes("""
        499204
        """)

    static let plainByteArray = hexBytes("""
        0000000001000000610500000068656c6c6f05000000776f726c640700000070
        617271756574000000000b000000c3bc6ec3af63c3b664c3a928000000787878
        7878787878787878787878787878787878787878787878787878787878787878
        7878787878040000007461696c
        """)

    static let plainInt96 = hexBytes("""
        0867c4c50b0a0000988a250000000000000000008c3d25000036b455944e0000
        19db2400
        """)

    static let dictionaryIndicesPageV2 = hexBytes("""
        09430002081840a080810308122858c0a08183071022489840a182850b183268
        d8c0a183870f2042881841a28489132852a858c1a2858b173062c89841a3868d
        1b3872e8d8c1a3878f1f4082081942a488912348922859c2a489932750a24899
        42a58a952b58b268d9c2a58b972f60c2881943a68c993368d2a859c3a68d9b37
        70e2c89943a78e9d3b78f2e8d9c3a78f9f3f8002091a44a890a1438812295ac4
        a891a3479022499a44a992a54b983269dac4a993a74fa042891a45aa94a953a8
        52a95ac5aa95ab57b062c99a45ab96ad5bb872e9dac5ab97af5fc082091b46ac
        98b163c892295bc6ac99b367d0a2499b46ad9ab56bd8b269dbc6ad9bb76fe0c2
        891b47ae9cb973e8d2a95bc7ae9dbb77f0e2c99b47af9ebd7bf8f2e9dbc7af9f
        bf7f00030a1c78e0c08103c001070007004a2879432997b7812492b89984ab9b
        c01148da48ba0500000000
        """)
}

@Suite("pyarrow-written pages")
struct PyArrowCrossCheckTests {
    // MARK: DELTA_BINARY_PACKED

    /// The values written to the INT64 DELTA_BINARY_PACKED page: 300 rising timestamps with jitter,
    /// then a drop of 5,000,000 (a second, wider block).
    static let deltaInt64Values: [Int64] = (0 ..< 300).map { i in
        1_700_000_000_000 + Int64(i) * 1000 + Int64((i * 37) % 23) - (i >= 290 ? 5_000_000 : 0)
    }

    @Test("INT64 DELTA_BINARY_PACKED (Arrow's 256/4 layout) decodes, and our encoder writes the same bytes")
    func deltaInt64() throws {
        let page = PyArrowPages.deltaInt64
        try page.withUnsafeBytes { raw in
            var d = try DeltaBinaryPackedDecoder<Int64>(raw)
            #expect(d.blockSize == 256 && d.miniblocksPerBlock == 4 && d.totalCount == 300)
            #expect(try d.decodeAll() == Self.deltaInt64Values)
            #expect(d.bytesConsumed == page.count)
        }
        var encoder = DeltaBinaryPackedEncoder<Int64>(blockSize: 256, miniblocksPerBlock: 4)
        encoder.append(Self.deltaInt64Values)
        #expect(encoder.finish() == page)
    }

    @Test("INT32 DELTA_BINARY_PACKED with deltas that overflow 32 bits matches pyarrow both ways")
    func deltaInt32Extremes() throws {
        let values: [Int32] = [0, 2147483647, -2147483648, 2147483647, -1, 1, -2147483648, -2147483648, 5, 2147483647, 0, -7]
        #expect(try decodeDBP(PyArrowPages.deltaInt32Extremes, as: Int32.self) == values)
        #expect(DeltaBinaryPackedEncoder<Int32>.encode(values) == PyArrowPages.deltaInt32Extremes)
    }

    @Test("INT64 DELTA_BINARY_PACKED with Int64.min/max deltas matches pyarrow both ways")
    func deltaInt64Extremes() throws {
        let values: [Int64] = [.min, .max, 0, .min, -1, .max, .max, 12_345_678_901_234]
        #expect(try decodeDBP(PyArrowPages.deltaInt64Extremes, as: Int64.self) == values)
        var encoder = DeltaBinaryPackedEncoder<Int64>(blockSize: 256, miniblocksPerBlock: 4)
        encoder.append(values)
        #expect(encoder.finish() == PyArrowPages.deltaInt64Extremes)
    }

    // MARK: Byte arrays

    static let strings = ["", "a", "hello", "world", "parquet", "", "ünïcödé", String(repeating: "x", count: 40), "tail"]

    @Test("DELTA_LENGTH_BYTE_ARRAY strings match pyarrow both ways")
    func deltaLength() throws {
        let values = ByteArrayBuffer(strings: Self.strings)
        #expect(try DeltaLengthByteArrayDecoder.decode(PyArrowPages.deltaLength, count: 9) == values)
        #expect(DeltaLengthByteArrayEncoder.encode(values) == PyArrowPages.deltaLength)
    }

    @Test("DELTA_BYTE_ARRAY strings match pyarrow both ways")
    func deltaStrings() throws {
        let values = ByteArrayBuffer(strings: ["axis", "axle", "babble", "babyhood", "baby", "baby", "", "zebra", "zebras", "zeal"])
        #expect(try DeltaByteArrayDecoder.decode(PyArrowPages.deltaStrings, count: 10) == values)
        #expect(DeltaByteArrayEncoder.encode(values) == PyArrowPages.deltaStrings)
    }

    @Test("DELTA_BYTE_ARRAY on FIXED_LEN_BYTE_ARRAY(4) matches pyarrow both ways")
    func deltaStringsFixed() throws {
        let flat = hexBytes("61626364 61626365 61627a7a 62626262 62626262 00010203")
        var out: [UInt8] = []
        try PyArrowPages.deltaStringsFixed4.withUnsafeBytes { raw in
            var d = try DeltaByteArrayDecoder(raw, count: 6)
            try d.decodeFixed(count: 6, width: 4, into: &out)
            #expect(d.bytesConsumed == PyArrowPages.deltaStringsFixed4.count)
        }
        #expect(out == flat)
        var encoder = DeltaByteArrayEncoder()
        encoder.appendFixed(flat, width: 4)
        #expect(encoder.finish() == PyArrowPages.deltaStringsFixed4)
    }

    @Test("PLAIN BYTE_ARRAY matches pyarrow both ways")
    func plainByteArray() throws {
        let values = ByteArrayBuffer(strings: Self.strings)
        var out = ByteArrayBuffer()
        try PyArrowPages.plainByteArray.withUnsafeBytes { raw in
            var d = PlainDecoder(raw)
            try d.decodeByteArrays(count: 9, into: &out)
            #expect(d.bytesRemaining == 0)
        }
        #expect(out == values)
        #expect(PlainEncoder.encodeByteArrays(values) == PyArrowPages.plainByteArray)
    }

    // MARK: BYTE_STREAM_SPLIT

    @Test("BYTE_STREAM_SPLIT FLOAT and DOUBLE (NaN, -0.0, infinities, extremes) match pyarrow both ways")
    func splitFloats() throws {
        let floatBits: [UInt32] = [1069547520, 2147483648, 2139095040, 4286578688, 2143289344, 2139095039, 1, 1036831949]
        let floats = floatBits.map(Float.init(bitPattern:))
        let doubleBits: [UInt64] = [4609434218613702656, 9223372036854775808, 9218868437227405312, 18442240474082181120,
                                    9221120237041090560, 9218868437227405311, 1, 4591870180066957722, 13906592336004937417]
        let doubles = doubleBits.map(Double.init(bitPattern:))
        try PyArrowPages.splitFloat.withUnsafeBytes { raw in
            var d = try ByteStreamSplitDecoder(raw, width: 4)
            #expect(try d.decode(count: 8, as: Float.self).map(\.bitPattern) == floatBits)
        }
        try PyArrowPages.splitDouble.withUnsafeBytes { raw in
            var d = try ByteStreamSplitDecoder(raw, width: 8)
            #expect(try d.decode(count: 9, as: Double.self).map(\.bitPattern) == doubleBits)
        }
        #expect(ByteStreamSplitEncoder.encode(floats) == PyArrowPages.splitFloat)
        #expect(ByteStreamSplitEncoder.encode(doubles) == PyArrowPages.splitDouble)
    }

    @Test("BYTE_STREAM_SPLIT INT32, INT64 and FIXED_LEN_BYTE_ARRAY(3) match pyarrow both ways")
    func splitOthers() throws {
        let ints: [Int32] = [1, -1, .max, .min, 0, 65536, 7]
        let longs: [Int64] = [1, -1, .max, .min, 0, 1 << 40, 7]
        let fixed = hexBytes("616263 646566 00ff10")
        try PyArrowPages.splitInt32.withUnsafeBytes { raw in
            var d = try ByteStreamSplitDecoder(raw, width: 4)
            #expect(try d.decode(count: 7, as: Int32.self) == ints)
        }
        try PyArrowPages.splitInt64.withUnsafeBytes { raw in
            var d = try ByteStreamSplitDecoder(raw, width: 8)
            #expect(try d.decode(count: 7, as: Int64.self) == longs)
        }
        var out: [UInt8] = []
        try PyArrowPages.splitFixed3.withUnsafeBytes { raw in
            var d = try ByteStreamSplitDecoder(raw, width: 3)
            try d.decodeFixedLenByteArrays(count: 3, into: &out)
        }
        #expect(out == fixed)
        #expect(ByteStreamSplitEncoder.encode(ints) == PyArrowPages.splitInt32)
        #expect(ByteStreamSplitEncoder.encode(longs) == PyArrowPages.splitInt64)
        #expect(ByteStreamSplitEncoder.encodeFixedLenByteArrays(fixed, width: 3) == PyArrowPages.splitFixed3)
    }

    // MARK: Levels, dictionaries and booleans as a page reader sees them

    @Test("data page v1 with nulls: length-prefixed definition levels, then RLE_DICTIONARY indices into a PLAIN dictionary")
    func dictionaryPageV1() throws {
        // The column: (i * 3) % 7, null where i % 5 == 3, for i in 0..<60.
        let expected: [Int32?] = (0 ..< 60).map { (i: Int) -> Int32? in
            if i % 5 == 3 { return nil }
            return Int32((i * 3) % 7)
        }
        let dictionary = try decodePlain(PyArrowPages.dictionaryPageV1Dictionary, count: 7, as: Int32.self)
        #expect(dictionary == [0, 3, 6, 5, 1, 4, 2])
        let page = PyArrowPages.dictionaryPageV1Data
        var values: [Int32?] = []
        try page.withUnsafeBytes { raw in
            var levels = try RLEHybridDecoder(lengthPrefixed: raw, bitWidth: 1)
            let definition = try levels.decode(count: 60)
            let nonNull = definition.filter { $0 == 1 }.count
            #expect(nonNull == 48)
            let rest = UnsafeRawBufferPointer(rebasing: raw[levels.encodedByteCount...])
            var indicesDecoder = try RLEHybridDecoder(dictionaryIndices: rest, baseOffset: levels.encodedByteCount)
            var indices = [Int32](repeating: 0, count: nonNull)
            try indices.withUnsafeMutableBufferPointer { try indicesDecoder.decodeIndices(into: $0, dictionaryCount: dictionary.count) }
            var next = 0
            for level in definition {
                if level == 1 {
                    values.append(dictionary[Int(indices[next])])
                    next += 1
                } else {
                    values.append(nil)
                }
            }
        }
        #expect(values == expected)
    }

    @Test("data page v2: bare definition levels (length from the header), then length-prefixed RLE booleans")
    func booleanPageV2() throws {
        // The column: null where i % 7 == 0, else i % 3 == 0 || i > 40, for i in 0..<70.
        let expected: [Bool?] = (0 ..< 70).map { (i: Int) -> Bool? in
            if i % 7 == 0 { return nil }
            return i % 3 == 0 || i > 40
        }
        let page = PyArrowPages.booleanRLEPageV2
        let definitionLength = 10 // definition_levels_byte_length in the v2 page header
        var values: [Bool?] = []
        try page.withUnsafeBytes { raw in
            var levels = try RLEHybridDecoder(UnsafeRawBufferPointer(rebasing: raw[0 ..< definitionLength]), bitWidth: 1)
            let definition = try levels.decode(count: 70)
            let nonNull = definition.filter { $0 == 1 }.count
            #expect(nonNull == 60)
            var booleans = try RLEHybridDecoder(lengthPrefixed: UnsafeRawBufferPointer(rebasing: raw[definitionLength...]),
                                                bitWidth: 1, baseOffset: definitionLength)
            var decoded = [Bool](repeating: false, count: nonNull)
            try decoded.withUnsafeMutableBufferPointer { try booleans.decodeBooleans(into: $0) }
            #expect(definitionLength + booleans.encodedByteCount == page.count)
            var next = 0
            for level in definition {
                if level == 1 {
                    values.append(decoded[next])
                    next += 1
                } else {
                    values.append(nil)
                }
            }
        }
        #expect(values == expected)
    }

    @Test("data page v1 of a list column: repetition levels, definition levels, PLAIN INT64 values")
    func listPageV1() throws {
        // [[1, 2, 3], [], nil, [4], [nil, 5], [6 ... 14], [15]]: max repetition 1, max definition 3.
        let expectedRepetition: [Int32] = [0, 1, 1, 0, 0, 0, 0, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 0]
        let expectedDefinition: [Int32] = [3, 3, 3, 1, 0, 3, 2, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3]
        let page = PyArrowPages.listPageV1
        try page.withUnsafeBytes { raw in
            var repetition = try RLEHybridDecoder(lengthPrefixed: raw, bitWidth: 1)
            #expect(try repetition.decode(count: 18) == expectedRepetition)
            var offset = repetition.encodedByteCount
            var definition = try RLEHybridDecoder(lengthPrefixed: UnsafeRawBufferPointer(rebasing: raw[offset...]), bitWidth: 2,
                                                  baseOffset: offset)
            #expect(try definition.decode(count: 18) == expectedDefinition)
            offset += definition.encodedByteCount
            var plain = PlainDecoder(UnsafeRawBufferPointer(rebasing: raw[offset...]), baseOffset: offset)
            #expect(try plain.decode(count: 15, as: Int64.self) == Array(1 ... 15))
            #expect(plain.bytesRemaining == 0)
        }
    }

    @Test("data page v2 of dictionary indices at 9 bits, with a long repeated run")
    func dictionaryIndicesV2() throws {
        // 0..<260 (first appearances, so index == value), 100 sevens, then (i * 37) % 260 for i in 0..<20.
        let expected: [Int32] = (0 ..< 260).map(Int32.init) + [Int32](repeating: 7, count: 100) + (0 ..< 20).map { Int32(($0 * 37) % 260) }
        let page = PyArrowPages.dictionaryIndicesPageV2
        #expect(page[0] == 9)
        var indices = [Int32](repeating: 0, count: 380)
        try page.withUnsafeBytes { raw in
            var d = try RLEHybridDecoder(dictionaryIndices: raw)
            try indices.withUnsafeMutableBufferPointer { try d.decodeIndices(into: $0, dictionaryCount: 260) }
        }
        #expect(indices == expected)
    }

    @Test("PLAIN BOOLEAN and INT96 timestamps match pyarrow both ways")
    func plainBooleanAndInt96() throws {
        let booleans = (0 ..< 21).map { ($0 * 7) % 3 == 0 }
        let decoded = try PyArrowPages.plainBoolean.withUnsafeBytes { raw in
            var d = PlainDecoder(raw)
            return try d.decodeBooleans(count: 21)
        }
        #expect(decoded == booleans)
        #expect(PlainEncoder.encodeBooleans(booleans) == PyArrowPages.plainBoolean)
        // 2024-01-02 03:04:05.678901, 1970-01-01, 1900-12-31 23:59:59: nanoseconds of day, Julian day.
        let timestamps = [Int96(low: 11_045_678_901_000, high: 2_460_312), Int96(low: 0, high: 2_440_588),
                          Int96(low: 86_399_000_000_000, high: 2_415_385)]
        #expect(try decodePlain(PyArrowPages.plainInt96, count: 3, as: Int96.self) == timestamps)
        #expect(PlainEncoder.encode(timestamps) == PyArrowPages.plainInt96)
    }
}
