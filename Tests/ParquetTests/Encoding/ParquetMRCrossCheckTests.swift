import Testing
@testable import Parquet

/// Page bodies (decompressed) from the parquet-testing files in the shared conformance corpus,
/// written by parquet-mr 1.8-1.12 and parquet-cpp 16: a second writer family beside pyarrow. Kept
/// as hex so the tests run without the corpus. The expected values are pyarrow's reading of the
/// same files.
enum ParquetMRPages {
    // delta_encoding_required_column.parquet (parquet-mr 1.12.1), data page v2, 100 values each.
    static let requiredCustomerSK = hexBytes("""
        80010464d2010301010101ffffffffffffff77efbfdfff07000000
        """)

    static let requiredBirthMonth = hexBytes("""
        80010464021505050505b538d46051b03038584b50b9650e83b0a8951a6a6a32
        209b5a2835d50a634916692233ce8db9008c22558360626c19f74e240b2ab7c4
        7231ad362661ce4c000000000000000000000000000000000000
        """)

    static let requiredPreferredFlag = hexBytes("""
        8001046400010202020262484959882195182562858888588561882486915456
        5564210000000000000080010464020102020202486261512289159285482522
        2252254922862419565455460900000000000000594e594e594e594e594e594e
        594e594e594e594e594e594e594e594e594e594e594e594e594e594e594e594e
        59
        """)

    static let requiredSalutation = hexBytes("""
        800104640005030303021eb66d1bb583f1c069dcb46ddb0c631e36aed1c8cc19
        356d9b8779a0466dd466541d0c633f0000000000000080010464060704030403
        4147444444530546158443444453444424f39ce1494e27c73226bb7635413841
        4744445452447143421717471d010000000000000000000044722e4d732e4472
        2e4d732e53697244722e4d722e5369724d732e722e5369724d697373722e732e
        44722e4d69737372732e6973735369724d732e72732e697373732e44722e4d72
        2e44722e5369724d722e44722e4d722e53697244722e4d732e44722e4d722e53
        69724d732e697373722e69737344722e4d732e722e732e44722e4d722e732e72
        2e732e697373722e44722e4d6973735369724d72732e44722e4d72732e44722e
        4d732e69737344722e4d732e69737344722e5369724d697373722e44722e5369
        7244722e4d722e732e732e5369724d732e53697244722e4d69737344722e4d72
        2e
        """)

    // delta_encoding_optional_column.parquet (parquet-mr 1.10.0): definition levels, then values.
    static let optionalCustomerSK = hexBytes("""
        c8010180010464c8010100000000
        """)

    static let optionalBirthMonth = hexBytes("""
        6e0105def73a01800104610e1505050500b02858181cac25a8dc32874158d44a
        0d353519904d2d949a6a85b1248b349119e7c65c004691aa413031b68c7b4749
        b2a0726b89e5625a6d4cc29c99
        """)

    static let optionalPreferredFlag = hexBytes("""
        6e0105def71c0105fe7f80010460000102020200525216624825468958212222
        5661182289616454565564218001046002010202020058589448628564215289
        8888544992882149465654554609594e594e594e594e594e594e594e594e594e
        594e594e594e594e594e594e594e594e594e594e594e594e59
        """)

    // rle_boolean_encoding.parquet: v2 page, 2 bytes of width-0 repetition levels, 11 of definition levels.
    static let rleBooleans = hexBytes("""
        880107fb7f7f1c0109fefbbf3f0900000011cdd96c0e9b33b739
        """)

    // byte_stream_split_extended.gzip.parquet (parquet-cpp 16), float16_byte_stream_split: v1 page,
    // length-prefixed definition levels, then FIXED_LEN_BYTE_ARRAY(2) values split into 2 streams.
    static let float16Split = hexBytes("""
        03000000900301277b6078065910d8fe93716408903c922f8570fae8a99cecc9
        d3442f353712ccbe984f91f19496535f46ab1e0f1c701d5709255145d7c4aedd
        bf917c29d5154b5b66d3c56ee85d6f8a401258c91450d83aabd2cf673ec4023e
        3955f3caf628475780338cd0a6d25e88e686d56c23381eb44709bc1e03cde17d
        171cae6b2ebb68ae89ce5051e4447e286b00753581de2298cbb2ee8814ec7b2a
        c2f9e2117ec06884a310976b8c7731ecfbac39c6635c16ca14f125a71ccb8e37
        c5176351d3dde9cfbb728d52cdffeb4948494948484948484849494949494849
        484948484849484848494949494a484848494948484849494948494949494949
        4949494848484848494849484849494949484849484848484949494849494849
        4848484849484949494948484848484848494848494849484848484948494948
        484948494949484849494949494948484848484948484849494a4a4948474948
        48484849494848484848494949484848484a4849484949484848494848484949
        4948494949484949494948484949484849484849484848
        """)

    // datapage_v2.snappy.parquet (parquet-mr 1.8.1), five tiny columns.
    static let stringDictionary = hexBytes("03000000 616263")
    static let stringIndicesV2 = hexBytes("0317 0003")          // 2 bytes of levels, then width 0 + a bit-packed run
    static let int32DeltaV2 = hexBytes("80010405020200000000")
    static let doubleDictionary = hexBytes("0000000000000040 0000000000000840 0000000000001040 0000000000001440")
    static let doubleIndicesV2 = hexBytes("0203e400")
    static let booleanRLEV2 = hexBytes("020000000317")
    static let listDictionary = hexBytes("01000000 02000000 03000000")
    static let listPageV2 = hexBytes("05c602 052aa80a00 02032449") // 3 bytes repetition, 5 definition, indices

    // int96_from_spark.parquet (parquet-mr 1.13.1): PLAIN dictionary of 5 INT96, v1 page of 6 rows.
    static let int96Dictionary = hexBytes("""
        002a1ed963430000978a250000a0b83046030000978a250000e02992d2090000
        2cfe5100006096604e4b0000038c25000060b9c76ee2ffffa8abb0f9
        """)
    static let int96PageV1 = hexBytes("02000000032f 0303884600")

    // nulls.snappy.parquet (parquet-mr 1.8.2): optional struct of optional int32, all 8 ints null.
    static let nullsPageV1 = hexBytes("020000001001")
}

@Suite("parquet-mr and parquet-cpp pages from the conformance corpus")
struct ParquetMRCrossCheckTests {
    static let birthMonths: [Int32] = [
        1, 11, 5, 8, 5, 7, 12, 6, 5, 10, 4, 5, 10, 2, 3, 5, 3, 8, 7, 10, 10, 5, 1, 2, 7, 12, 6, 5, 5, 3, 5, 2, 4, 3, 11,
        12, 1, 8, 10, 9, 9, 6, 4, 6, 5, 7, 1, 2, 3, 1, 8, 2, 9, 4, 10, 11, 6, 9, 12, 4, 12, 12, 1, 6, 12, 3, 1, 11, 6, 3,
        8, 6, 7, 8, 8, 3, 6, 10, 6, 12, 5, 5, 10, 9, 12, 12, 3, 3, 6, 12, 10, 10, 12, 4, 12, 5, 6, 9, 4, 12,
    ]

    /// Rebuilds a nullable column from definition levels and the non-null values.
    static func spread<T>(_ values: [T], levels: [Int32], maxDefinition: Int32) -> [T?] {
        var out: [T?] = []
        var next = 0
        for level in levels {
            if level == maxDefinition {
                out.append(values[next])
                next += 1
            } else {
                out.append(nil)
            }
        }
        return out
    }

    @Test("parquet-mr INT32 DELTA_BINARY_PACKED pages (all four miniblocks used, padded last miniblock)")
    func requiredInt32() throws {
        // c_customer_sk: 105 down to 1 with a few gaps.
        let customerSK: [Int32] = Array((46 ... 105).reversed()) + [44, 43, 42, 41, 39, 38, 37, 36, 35, 33, 32, 31, 30, 29, 28,
                                                                    27, 26, 25, 24, 22, 21, 20, 19, 18, 17, 16, 14, 13, 12, 11,
                                                                    10, 9, 8, 7, 6, 5, 4, 3, 2, 1]
        #expect(customerSK.count == 100)
        for (page, expected) in [(ParquetMRPages.requiredCustomerSK, customerSK), (ParquetMRPages.requiredBirthMonth, Self.birthMonths)] {
            try page.withUnsafeBytes { raw in
                var d = try DeltaBinaryPackedDecoder<Int32>(raw)
                #expect(try d.decode(count: 100) == expected)
                #expect(d.bytesConsumed == page.count)
            }
            // Our encoder makes the same choices as parquet-mr here.
            #expect(DeltaBinaryPackedEncoder<Int32>.encode(expected) == page)
        }
    }

    @Test("parquet-mr DELTA_BYTE_ARRAY pages decode to pyarrow's strings")
    func requiredStrings() throws {
        let flags = "YYNNNYYNYNNYNYYYYNNYYYNNYNYNNYYYNYNNYYNNNNNYYNNYYNNYYNNNNNNYYYNNNYYNNYNNYYYNNNYNNYNYNNNNNNNNNYNNNNYY"
        let salutations = """
            Dr. Dr. Dr. Ms. Dr. Ms. Sir Dr. Mr. Sir Ms. Mr. Sir Miss Miss Mr. Mrs. Dr. Dr. Dr. Miss Mrs. Miss Sir Ms. \
            Mrs. Miss Ms. Dr. Mr. Dr. Sir Mr. Dr. Mr. Sir Sir Dr. Dr. Ms. Dr. Dr. Dr. Mr. Sir Ms. Miss Mr. Mr. Miss Dr. \
            Ms. Mr. Mrs. Dr. Mr. Mr. Ms. Mr. Mrs. Miss Mr. Dr. Miss Sir Mrs. Dr. Dr. Dr. Mrs. Dr. Dr. Dr. Ms. Miss Dr. \
            Ms. Miss Dr. Sir Miss Mr. Dr. Sir Dr. Dr. Mr. Mrs. Ms. Ms. Ms. Sir Sir Ms. Ms. Sir Dr. Miss Dr. Mr.
            """.split(separator: " ").map(String.init)
        #expect(salutations.count == 100)
        let flagValues = flags.map { String($0) }
        for (page, expected) in [(ParquetMRPages.requiredPreferredFlag, flagValues), (ParquetMRPages.requiredSalutation, salutations)] {
            var out = ByteArrayBuffer()
            try page.withUnsafeBytes { raw in
                var d = try DeltaByteArrayDecoder(raw, count: 100)
                try d.decode(count: 100, into: &out)
                #expect(d.bytesConsumed == page.count)
            }
            #expect(out == ByteArrayBuffer(strings: expected))
        }
    }

    @Test("parquet-mr v2 pages of optional columns: bare definition levels, then DELTA_BINARY_PACKED or DELTA_BYTE_ARRAY")
    func optionalColumns() throws {
        // c_customer_sk: 100 ... 1, no nulls; definition levels are one repeated run (3 bytes).
        try ParquetMRPages.optionalCustomerSK.withUnsafeBytes { raw in
            var levels = try RLEHybridDecoder(UnsafeRawBufferPointer(rebasing: raw[0 ..< 3]), bitWidth: 1)
            #expect(try levels.decode(count: 100) == [Int32](repeating: 1, count: 100))
            var d = try DeltaBinaryPackedDecoder<Int64>(UnsafeRawBufferPointer(rebasing: raw[3...]), baseOffset: 3)
            #expect(try d.decode(count: 100) == Array((1 ... 100).reversed()))
        }
        // c_birth_month with 3 nulls: 7 bytes of levels (repeated, bit-packed, repeated runs).
        let months: [Int64?] = [
            7, 12, 6, 5, 10, 4, 5, 10, 2, 3, 5, 3, 8, 7, 10, 10, 5, 1, 2, 7, 12, 6, 5, 5, 3, 5, 2, 4, 3, 11, 12, 1, 8, 10, 9, 9,
            6, 4, 6, 5, 7, 1, 2, 3, 1, 8, 2, 9, 4, 10, 11, 6, 9, 12, 4, nil, 12, 12, 1, 6, nil, 12, 3, 1, 11, 6, nil, 3, 8, 6,
            7, 8, 8, 3, 6, 10, 6, 5, 12, 5, 5, 10, 9, 12, 12, 12, 3, 3, 6, 12, 10, 10, 12, 4, 12, 5, 6, 9, 4, 12,
        ]
        try ParquetMRPages.optionalBirthMonth.withUnsafeBytes { raw in
            var levels = try RLEHybridDecoder(UnsafeRawBufferPointer(rebasing: raw[0 ..< 7]), bitWidth: 1)
            let definition = try levels.decode(count: 100)
            var d = try DeltaBinaryPackedDecoder<Int64>(UnsafeRawBufferPointer(rebasing: raw[7...]), baseOffset: 7)
            #expect(d.totalCount == 97)
            let values = try d.decodeAll()
            #expect(Self.spread(values, levels: definition, maxDefinition: 1) == months)
            #expect(7 + d.bytesConsumed == raw.count)
        }
        // c_preferred_cust_flag with 4 nulls ("-" below): 10 bytes of levels, then DELTA_BYTE_ARRAY.
        let flags = "YYNYNNYNYYYYNNYYYNNYNYNNYYYNYNNYYNNNNNYYNNYYNNYYNNNNNNY-YYNN-NYYNN-YNNYYYNNNYNNNYNYNN-NNNNNNNYNNNNYY"
        let expected: [String?] = flags.map { $0 == "-" ? nil : String($0) }
        try ParquetMRPages.optionalPreferredFlag.withUnsafeBytes { raw in
            var levels = try RLEHybridDecoder(UnsafeRawBufferPointer(rebasing: raw[0 ..< 10]), bitWidth: 1)
            let definition = try levels.decode(count: 100)
            var d = try DeltaByteArrayDecoder(UnsafeRawBufferPointer(rebasing: raw[10...]), count: 96, baseOffset: 10)
            var out = ByteArrayBuffer()
            try d.decode(count: 96, into: &out)
            #expect(Self.spread((0 ..< 96).map(out.string), levels: definition, maxDefinition: 1) == expected)
        }
    }

    @Test("parquet-mr dictionary pages at bit width 0 and 2, with v2 levels")
    func dictionaries() throws {
        // Column a: optional string, dictionary ["abc"]; indices use width 0 in a bit-packed run.
        let strings = try ParquetMRPages.stringDictionary.withUnsafeBytes { raw in
            var d = PlainDecoder(raw)
            var out = ByteArrayBuffer()
            try d.decodeByteArrays(count: 1, into: &out)
            return out
        }
        #expect(strings == ByteArrayBuffer(strings: ["abc"]))
        try ParquetMRPages.stringIndicesV2.withUnsafeBytes { raw in
            var levels = try RLEHybridDecoder(UnsafeRawBufferPointer(rebasing: raw[0 ..< 2]), bitWidth: 1)
            let definition = try levels.decode(count: 5)
            #expect(definition == [1, 1, 1, 0, 1])
            var indices = try RLEHybridDecoder(dictionaryIndices: UnsafeRawBufferPointer(rebasing: raw[2...]), baseOffset: 2)
            #expect(indices.bitWidth == 0)
            #expect(try indices.decode(count: 4) == [0, 0, 0, 0])
        }
        // Column c: required double, dictionary [2, 3, 4, 5], indices 0 1 2 3 0 at 2 bits.
        let doubles = try decodePlain(ParquetMRPages.doubleDictionary, count: 4, as: Double.self)
        #expect(doubles == [2, 3, 4, 5])
        let indices = try RLEHybridDecoder.decodeDictionaryIndices(ParquetMRPages.doubleIndicesV2, count: 5)
        #expect(indices.map { doubles[Int($0)] } == [2, 3, 4, 5, 2])
        // Column b: required int32 1...5 as DELTA_BINARY_PACKED, byte for byte what our encoder writes.
        #expect(try decodeDBP(ParquetMRPages.int32DeltaV2, as: Int32.self) == [1, 2, 3, 4, 5])
        #expect(DeltaBinaryPackedEncoder<Int32>.encode([1, 2, 3, 4, 5]) == ParquetMRPages.int32DeltaV2)
        // Column d: required boolean as length-prefixed RLE.
        var booleans = [Bool](repeating: false, count: 5)
        try ParquetMRPages.booleanRLEV2.withUnsafeBytes { raw in
            var d = try RLEHybridDecoder(lengthPrefixed: raw, bitWidth: 1)
            try booleans.withUnsafeMutableBufferPointer { try d.decodeBooleans(into: $0) }
        }
        #expect(booleans == [true, true, true, false, true])
    }

    @Test("a parquet-mr v2 list page: repetition levels, definition levels, dictionary indices")
    func listPage() throws {
        // e: optional list<required int32> = [[1, 2, 3], nil, nil, [1, 2, 3], [1, 2]]; max repetition 1, definition 2.
        let dictionary = try decodePlain(ParquetMRPages.listDictionary, count: 3, as: Int32.self)
        try ParquetMRPages.listPageV2.withUnsafeBytes { raw in
            var repetition = try RLEHybridDecoder(UnsafeRawBufferPointer(rebasing: raw[0 ..< 3]), bitWidth: 1)
            #expect(try repetition.decode(count: 10) == [0, 1, 1, 0, 0, 0, 1, 1, 0, 1])
            var definition = try RLEHybridDecoder(UnsafeRawBufferPointer(rebasing: raw[3 ..< 8]), bitWidth: 2, baseOffset: 3)
            #expect(try definition.decode(count: 10) == [2, 2, 2, 0, 0, 2, 2, 2, 2, 2])
            var indices = try RLEHybridDecoder(dictionaryIndices: UnsafeRawBufferPointer(rebasing: raw[8...]), baseOffset: 8)
            var out = [Int32](repeating: 0, count: 8)
            try out.withUnsafeMutableBufferPointer { try indices.decodeIndices(into: $0, dictionaryCount: 3) }
            #expect(out.map { dictionary[Int($0)] } == [1, 2, 3, 1, 2, 3, 1, 2])
        }
    }

    @Test("RLE booleans in a v2 page with width-0 repetition levels")
    func rleBooleans() throws {
        let pattern = "TFNTTFFTTTFFTTFNTTFFTTFNTTFFTTTFFFFTTFNTTFFTTTFFNTTFFTTTFTTFNTTFFTTT"
        let expected: [Bool?] = pattern.map { $0 == "N" ? nil : $0 == "T" }
        try ParquetMRPages.rleBooleans.withUnsafeBytes { raw in
            var repetition = try RLEHybridDecoder(UnsafeRawBufferPointer(rebasing: raw[0 ..< 2]), bitWidth: 0)
            #expect(try repetition.decode(count: 68) == [Int32](repeating: 0, count: 68))
            var definition = try RLEHybridDecoder(UnsafeRawBufferPointer(rebasing: raw[2 ..< 13]), bitWidth: 1, baseOffset: 2)
            let levels = try definition.decode(count: 68)
            let nonNull = levels.filter { $0 == 1 }.count
            #expect(nonNull == 62)
            var values = try RLEHybridDecoder(lengthPrefixed: UnsafeRawBufferPointer(rebasing: raw[13...]), bitWidth: 1, baseOffset: 13)
            var decoded = [Bool](repeating: false, count: nonNull)
            try decoded.withUnsafeMutableBufferPointer { try values.decodeBooleans(into: $0) }
            #expect(13 + values.encodedByteCount == raw.count)
            #expect(Self.spread(decoded, levels: levels, maxDefinition: 1) == expected)
        }
    }

    @Test("INT96 timestamps from Spark: PLAIN dictionary, v1 levels, PLAIN_DICTIONARY indices")
    func sparkInt96() throws {
        // pyarrow's int64 nanoseconds for the 6 rows (wrapped where the day count overflows them).
        let nanoseconds: [Int64?] = [1_704_141_296_123_456_000, 1_704_070_800_000_000_000, -4_852_191_831_933_722_624,
                                     1_735_599_600_000_000_000, nil, 5_606_152_519_850_745_856]
        let dictionary = try decodePlain(ParquetMRPages.int96Dictionary, count: 5, as: Int96.self)
        let asNanoseconds = dictionary.map { (Int64($0.high) - 2_440_588) &* 86_400_000_000_000 &+ Int64(bitPattern: $0.low) }
        try ParquetMRPages.int96PageV1.withUnsafeBytes { raw in
            var levels = try RLEHybridDecoder(lengthPrefixed: raw, bitWidth: 1)
            let definition = try levels.decode(count: 6)
            let rest = UnsafeRawBufferPointer(rebasing: raw[levels.encodedByteCount...])
            var indices = try RLEHybridDecoder(dictionaryIndices: rest, baseOffset: levels.encodedByteCount)
            var out = [Int32](repeating: 0, count: 5)
            try out.withUnsafeMutableBufferPointer { try indices.decodeIndices(into: $0, dictionaryCount: 5) }
            #expect(Self.spread(out.map { asNanoseconds[Int($0)] }, levels: definition, maxDefinition: 1) == nanoseconds)
        }
    }

    @Test("an all-null nested column: one repeated run of definition level 1 at width 2")
    func nullsPage() throws {
        let (levels, used) = try RLEHybridDecoder.decodeLengthPrefixed(ParquetMRPages.nullsPageV1, bitWidth: 2, count: 8)
        #expect(levels == [Int32](repeating: 1, count: 8))
        #expect(used == ParquetMRPages.nullsPageV1.count)
    }

    @Test("parquet-cpp FIXED_LEN_BYTE_ARRAY(2) BYTE_STREAM_SPLIT page matches the PLAIN column's bytes")
    func float16Split() throws {
        let page = ParquetMRPages.float16Split
        var values: [UInt8] = []
        try page.withUnsafeBytes { raw in
            var levels = try RLEHybridDecoder(lengthPrefixed: raw, bitWidth: 1)
            let definition = try levels.decode(count: 200)
            let nonNull = definition.filter { $0 == 1 }.count
            #expect(nonNull == 200)
            var d = try ByteStreamSplitDecoder(UnsafeRawBufferPointer(rebasing: raw[levels.encodedByteCount...]), width: 2,
                                               baseOffset: levels.encodedByteCount)
            #expect(d.valueCount == nonNull)
            try d.decodeFixedLenByteArrays(count: nonNull, into: &values)
        }
        // FNV-1a of the 400 value bytes in the file's float16_plain column (the same data, PLAIN).
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in values { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        #expect(hash == 0x23CD_1301_6168_4F9C)
    }
}
