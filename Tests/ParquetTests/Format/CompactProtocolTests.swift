import Testing
@testable import Parquet

/// Runs `body` over a reader of `bytes`, turning its result into a `Result` so tests can look at
/// errors without the closure juggling of `withUnsafeBytes`.
func withThriftReader<T>(
    _ bytes: [UInt8], baseOffset: Int = 0,
    _ body: (inout CompactReader) throws(ThriftError) -> T
) -> Result<T, ThriftError> {
    bytes.withUnsafeBytes { buffer in
        var reader = CompactReader(buffer, baseOffset: baseOffset)
        return Result { () throws(ThriftError) -> T in try body(&reader) }
    }
}

func thriftWritten(_ body: (inout CompactWriter) -> Void) -> [UInt8] {
    var writer = CompactWriter()
    body(&writer)
    return writer.bytes
}

/// The error a decode failed with, or nil when it succeeded.
func thriftFailure<T>(_ result: Result<T, ThriftError>) -> ThriftError? {
    if case .failure(let error) = result { return error }
    return nil
}

/// A small deterministic generator (SplitMix64), so that randomised tests repeat exactly.
struct FormatRNG: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite("Thrift compact protocol: encodings from the spec")
struct CompactEncodingTests {
    @Test("i32 values are zigzag varints, negative ones included")
    func zigzagI32() throws {
        let cases: [(Int32, [UInt8])] = [
            (0, [0x00]), (-1, [0x01]), (1, [0x02]), (-2, [0x03]), (63, [0x7E]), (-64, [0x7F]), (64, [0x80, 0x01]),
            (-300, [0xD7, 0x04]), (Int32.max, [0xFE, 0xFF, 0xFF, 0xFF, 0x0F]), (Int32.min, [0xFF, 0xFF, 0xFF, 0xFF, 0x0F]),
        ]
        for (value, bytes) in cases {
            #expect(thriftWritten { $0.writeI32(value) } == bytes, "writing \(value)")
            #expect(try withThriftReader(bytes) { r throws(ThriftError) in try r.readI32() }.get() == value)
        }
    }

    @Test("i64 values use up to ten varint bytes")
    func zigzagI64() throws {
        let cases: [(Int64, [UInt8])] = [
            (0, [0x00]), (-1, [0x01]), (150, [0xAC, 0x02]),
            (Int64.max, [0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01]),
            (Int64.min, [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01]),
            (1 << 40, [0x80, 0x80, 0x80, 0x80, 0x80, 0x40]),
        ]
        for (value, bytes) in cases {
            #expect(thriftWritten { $0.writeI64(value) } == bytes, "writing \(value)")
            #expect(try withThriftReader(bytes) { r throws(ThriftError) in try r.readI64() }.get() == value)
        }
    }

    @Test("i16, i8, doubles and binaries have their fixed layouts")
    func scalars() throws {
        #expect(thriftWritten { $0.writeI16(-300) } == [0xD7, 0x04])
        #expect(thriftWritten { $0.writeI8(-2) } == [0xFE])
        #expect(thriftWritten { $0.writeDouble(1.0) } == [0, 0, 0, 0, 0, 0, 0xF0, 0x3F])
        #expect(thriftWritten { $0.writeString("abc") } == [0x03, 0x61, 0x62, 0x63])
        #expect(thriftWritten { $0.writeBinary([]) } == [0x00])
        #expect(try withThriftReader([0xD7, 0x04]) { r throws(ThriftError) in try r.readI16() }.get() == -300)
        #expect(try withThriftReader([0xFE]) { r throws(ThriftError) in try r.readI8() }.get() == -2)
        #expect(try withThriftReader([0, 0, 0, 0, 0, 0, 0xF0, 0xBF]) { r throws(ThriftError) in try r.readDouble() }.get() == -1.0)
        #expect(try withThriftReader([0x02, 0xC3, 0xA9]) { r throws(ThriftError) in try r.readString() }.get() == "é")
    }

    @Test("a struct's field headers carry id deltas, booleans and the long form for big jumps")
    func structHeaders() throws {
        let bytes = thriftWritten { w in
            w.writeStruct { w in
                w.writeField(1, i32: 5)
                w.writeField(2, bool: true)
                w.writeField(3, bool: false)
                w.writeField(20, i64: -1)     // delta 17: long form
                w.writeField(21, string: "")  // back to a delta of 1
            }
        }
        #expect(bytes == [0x15, 0x0A, 0x11, 0x12, 0x06, 0x28, 0x01, 0x18, 0x00, 0x00])

        var seen: [String] = []
        try withThriftReader(bytes) { r throws(ThriftError) in
            try r.readStruct("Test") { r, f throws(ThriftError) in
                switch f.id {
                case 1: seen.append("1=\(try r.readI32(f) ?? 0)")
                case 2, 3: seen.append("\(f.id)=\(String(describing: try r.readBool(f)))")
                case 20: seen.append("20=\(try r.readI64(f) ?? 0)")
                case 21: seen.append("21='\(try r.readString(f) ?? "nil")'")
                default: Issue.record("unexpected field \(f.id)")
                }
            }
            #expect(r.remaining == 0)
        }.get()
        #expect(seen == ["1=5", "2=Optional(true)", "3=Optional(false)", "20=-1", "21=''"])
    }

    @Test("field ids that go down or jump by more than 15 use the long header form")
    func longFieldHeaders() throws {
        let bytes = thriftWritten { w in
            w.writeStruct { w in
                w.writeField(16, i32: 1)
                w.writeField(3, i32: 2)
                w.writeField(-4, bool: true)
            }
        }
        #expect(bytes == [0x05, 0x20, 0x02, 0x05, 0x06, 0x04, 0x01, 0x07, 0x00])
        var ids: [Int16] = []
        try withThriftReader(bytes) { r throws(ThriftError) in
            try r.readStruct("Test") { r, f throws(ThriftError) in
                ids.append(f.id)
                try r.skip(f)
            }
        }.get()
        #expect(ids == [16, 3, -4])
    }

    @Test("nested structs restart field ids and restore the outer ones")
    func nestedStructs() throws {
        let bytes = thriftWritten { w in
            w.writeStruct { w in
                w.writeFieldHeader(1, .struct)
                w.writeStruct { w in w.writeField(1, i32: 7) }
                w.writeField(2, i32: 8)
            }
        }
        #expect(bytes == [0x1C, 0x15, 0x0E, 0x00, 0x15, 0x10, 0x00])
        var inner: Int32?
        var outer: Int32?
        try withThriftReader(bytes) { r throws(ThriftError) in
            try r.readStruct("Outer") { r, f throws(ThriftError) in
                if f.id == 1 {
                    try r.readStruct("Inner") { r, f throws(ThriftError) in inner = try r.readI32(f) }
                } else {
                    #expect(f.id == 2)
                    outer = try r.readI32(f)
                }
            }
        }.get()
        #expect(inner == 7 && outer == 8)
    }

    @Test("list headers: short sizes in the high nibble, 15 and more as a varint, empty lists")
    func listHeaders() throws {
        #expect(thriftWritten { $0.writeListHeader(.i32, count: 3) } == [0x35])
        #expect(thriftWritten { $0.writeListHeader(.i32, count: 0) } == [0x05])
        #expect(thriftWritten { $0.writeListHeader(.binary, count: 15) } == [0xF8, 0x0F])
        #expect(thriftWritten { $0.writeListHeader(.struct, count: 300) } == [0xFC, 0xAC, 0x02])
        #expect(thriftWritten { $0.writeListHeader(.bool, count: 2) } == [0x21])

        let list = thriftWritten { w in w.writeStruct { w in w.writeField(1, i32s: [1, 2, 3]) } }
        #expect(list == [0x19, 0x35, 0x02, 0x04, 0x06, 0x00])
        let decoded = try withThriftReader(list) { r throws(ThriftError) -> [Int32] in
            var values: [Int32] = []
            try r.readStruct("Test") { r, f throws(ThriftError) in values = try r.readI32List(f) ?? [] }
            return values
        }.get()
        #expect(decoded == [1, 2, 3])
    }

    @Test("boolean list elements are one byte each: 1 true, 2 false (0 read as false too)")
    func boolLists() throws {
        let bytes = thriftWritten { w in w.writeStruct { w in w.writeField(1, bools: [true, false, true]) } }
        #expect(bytes == [0x19, 0x31, 0x01, 0x02, 0x01, 0x00])
        let decoded = try withThriftReader(bytes) { r throws(ThriftError) -> [Bool] in
            var values: [Bool] = []
            try r.readStruct("Test") { r, f throws(ThriftError) in values = try r.readBoolList(f) ?? [] }
            return values
        }.get()
        #expect(decoded == [true, false, true])
        // A list announced with the "false" nibble and a 0 element, as some writers produce.
        let other = try withThriftReader([0x19, 0x22, 0x00, 0x01, 0x00]) { r throws(ThriftError) -> [Bool] in
            var values: [Bool] = []
            try r.readStruct("Test") { r, f throws(ThriftError) in values = try r.readBoolList(f) ?? [] }
            return values
        }.get()
        #expect(other == [false, true])
    }

    @Test("map headers: a varint size, then key and value types; empty maps are one byte")
    func mapHeaders() throws {
        #expect(thriftWritten { $0.writeMapHeader(key: .binary, value: .i32, count: 1) } == [0x01, 0x85])
        #expect(thriftWritten { $0.writeMapHeader(key: .binary, value: .i32, count: 0) } == [0x00])
        let entry = try withThriftReader([0x01, 0x85, 0x01, 0x61, 0x02]) { r throws(ThriftError) in
            let header = try r.readMapHeader()
            #expect(header?.keyType == .binary && header?.valueType == .i32 && header?.count == 1)
            return (try r.readString(), try r.readI32())
        }.get()
        #expect(entry == ("a", 1))
        let map = thriftWritten { w in
            w.writeMapHeader(key: .i64, value: .bool, count: 2)
            w.writeI64(-5)
            w.writeBool(true)
            w.writeI64(1 << 33)
            w.writeBool(false)
        }
        #expect(map == [0x02, 0x61, 0x09, 0x01, 0x80, 0x80, 0x80, 0x80, 0x40, 0x02])
        let pairs = try withThriftReader(map) { r throws(ThriftError) -> [Int64: Bool] in
            var pairs: [Int64: Bool] = [:]
            let count = try r.readMapHeader()?.count ?? 0
            for _ in 0..<count { pairs[try r.readI64()] = try r.readBool() }
            return pairs
        }.get()
        #expect(pairs == [-5: true, 1 << 33: false])
        #expect(try withThriftReader([0x00]) { r throws(ThriftError) in try r.readMapHeader() }.get() == nil)
    }

    @Test("random values of every type round-trip through writer and reader")
    func randomRoundTrips() throws {
        var rng = FormatRNG(seed: 7)
        for _ in 0..<500 {
            let i16 = Int16.random(in: .min ... .max, using: &rng)
            let i32 = Int32.random(in: .min ... .max, using: &rng)
            let i64 = Int64.random(in: .min ... .max, using: &rng)
            let small = Int64.random(in: -200...200, using: &rng)
            let double = Double(bitPattern: rng.next())
            let binary = (0..<Int.random(in: 0..<40, using: &rng)).map { _ in UInt8.random(in: 0 ... 255, using: &rng) }
            let bytes = thriftWritten { w in
                w.writeI16(i16)
                w.writeI32(i32)
                w.writeI64(i64)
                w.writeI64(small)
                w.writeDouble(double)
                w.writeBinary(binary)
            }
            try withThriftReader(bytes) { r throws(ThriftError) in
                #expect(try r.readI16() == i16)
                #expect(try r.readI32() == i32)
                #expect(try r.readI64() == i64)
                #expect(try r.readI64() == small)
                #expect(try r.readDouble().bitPattern == double.bitPattern)
                #expect(try r.readBinary() == binary)
                #expect(r.remaining == 0)
            }.get()
        }
    }
}

@Suite("Thrift compact protocol: skipping unknown fields")
struct CompactSkipTests {
    /// A struct whose fields 5...14 are of every type (nested containers included) and whose
    /// field 1, written last with the long header form, is an i32.
    static let everything: [UInt8] = thriftWritten { w in
        w.writeStruct { w in
            w.writeField(5, bool: true)
            w.writeField(6, i8: -1)
            w.writeField(7, i16: 1000)
            w.writeField(8, i64: Int64.min)
            w.writeField(9, double: 2.5)
            w.writeField(10, binary: Array(repeating: 0xAB, count: 20))
            w.writeField(11, list: [[Int64(1), 2], [], [3]], of: .list) { w, inner in
                w.writeListHeader(.i64, count: inner.count)
                for value in inner { w.writeI64(value) }
            }
            // A set of doubles, laid out like a list.
            w.writeFieldHeader(12, .set)
            w.writeListHeader(.double, count: 2)
            w.writeDouble(1)
            w.writeDouble(2)
            // map<string, struct{1: bool, 2: list<string>}>
            w.writeFieldHeader(13, .map)
            w.writeMapHeader(key: .binary, value: .struct, count: 2)
            for key in ["a", "b"] {
                w.writeString(key)
                w.writeStruct { w in
                    w.writeField(1, bool: false)
                    w.writeField(2, strings: ["x", "y"])
                }
            }
            w.writeFieldHeader(14, .struct)
            w.writeStruct { w in
                w.writeFieldHeader(1, .struct)
                w.writeStruct { w in w.writeField(3, bools: [true, false]) }
                w.writeFieldHeader(2, .map)
                w.writeMapHeader(key: .i32, value: .bool, count: 0)
            }
            w.writeFieldHeader(15, .uuid)
            for byte in 0..<16 { w.writeByte(UInt8(byte)) }
            w.writeField(1, i32: 42)
        }
    }

    @Test("fields of every type, nested ones included, are skipped exactly")
    func skipsEverything() throws {
        var known: Int32?
        var skipped: [Int16] = []
        try withThriftReader(Self.everything) { r throws(ThriftError) in
            try r.readStruct("Test") { r, f throws(ThriftError) in
                if f.id == 1 {
                    known = try r.readI32(f)
                } else {
                    skipped.append(f.id)
                    try r.skip(f)
                }
            }
            #expect(r.remaining == 0)
        }.get()
        #expect(known == 42)
        #expect(skipped == Array(5...15))
    }

    @Test("skipping a whole struct value consumes exactly its bytes")
    func skipStruct() throws {
        let bytes = Self.everything + [0x99]
        try withThriftReader(bytes) { r throws(ThriftError) in
            try r.skip(.struct)
            #expect(r.remaining == 1)
        }.get()
    }

    @Test("unknown fields around known ones leave the known struct intact")
    func unknownFieldsInMetadata() throws {
        let plain = KeyValue(key: "k", value: "v")
        let withExtras = thriftWritten { w in
            w.writeStruct { w in
                w.writeFieldHeader(9, .struct)
                w.writeStruct { w in w.writeField(1, strings: ["ignored"]) }
                w.writeField(1, string: "k")
                w.writeField(2, string: "v")
                w.writeField(300, double: 1)
            }
        }
        #expect(try KeyValue(thriftBytes: withExtras) == plain)
    }
}

@Suite("Thrift compact protocol: hostile input")
struct CompactHardeningTests {
    @Test("a list length beyond the input is refused before anything is allocated")
    func hugeListLength() {
        let bytes: [UInt8] = [0x19, 0xF5, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 1, 2, 3]
        let error = thriftFailure(withThriftReader(bytes, baseOffset: 1000) { r throws(ThriftError) in
            try r.readStruct("Test") { r, f throws(ThriftError) in _ = try r.readI32List(f) }
        })
        #expect(error == ThriftError(offset: 1001, message: "list length 4294967295 exceeds the 3 bytes left"))
        #expect(error?.description == "at byte 1001: list length 4294967295 exceeds the 3 bytes left")
    }

    @Test("a list of doubles must fit eight bytes per element")
    func doubleListLength() {
        let error = thriftFailure(withThriftReader([0x37, 0, 0, 0, 0, 0, 0, 0, 0]) { r throws(ThriftError) in try r.skip(.list) })
        #expect(error?.message == "list length 3 exceeds the 8 bytes left")
    }

    @Test("binary, string and map sizes are bounded by the input")
    func hugeLengths() {
        let binary = thriftFailure(withThriftReader([0xFF, 0xFF, 0xFF, 0xFF, 0x07, 0x41]) { r throws(ThriftError) in try r.readBinary() })
        #expect(binary == ThriftError(offset: 0, message: "binary length 2147483647 exceeds the 1 bytes left"))
        let string = thriftFailure(withThriftReader([0x05, 0x41]) { r throws(ThriftError) in try r.readString() })
        #expect(string?.message == "string length 5 exceeds the 1 bytes left")
        let map = thriftFailure(withThriftReader([0x80, 0x01, 0x55, 0x00]) { r throws(ThriftError) in try r.skip(.map) })
        #expect(map?.message == "map size 128 exceeds the 1 bytes left")
    }

    @Test("varints that end early or run too long are errors")
    func badVarints() {
        #expect(thriftFailure(withThriftReader([0xFF, 0xFF]) { r throws(ThriftError) in try r.readI64() })?.message
            == "expected an i64 varint, but the input ends")
        #expect(thriftFailure(withThriftReader([0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01]) { r throws(ThriftError) in try r.readI32() })?.message
            == "an i32 varint is longer than 5 bytes")
        #expect(thriftFailure(withThriftReader([0xFF, 0xFF, 0xFF, 0xFF, 0x1F]) { r throws(ThriftError) in try r.readI32() })?.message
            == "an i32 varint does not fit 32 bits")
        #expect(thriftFailure(withThriftReader([0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x02]) { r throws(ThriftError) in try r.readI64() })?.message
            == "an i64 varint overflows 64 bits")
        #expect(thriftFailure(withThriftReader([0x80, 0x80, 0x04]) { r throws(ThriftError) in try r.readI16() })?.message
            == "i16 value 32768 is out of range")
        #expect(thriftFailure(withThriftReader([0x01, 0x02]) { r throws(ThriftError) in try r.readDouble() })?.message
            == "expected an 8-byte double, but only 2 bytes are left")
    }

    @Test("nesting deeper than the limit is an error, not a stack overflow")
    func deepNesting() {
        // Lists of one list, a thousand deep.
        let lists = [UInt8](repeating: 0x19, count: 1000)
        let listError = thriftFailure(withThriftReader(lists) { r throws(ThriftError) in try r.skip(.list) })
        #expect(listError?.message == "nesting deeper than 64 levels")
        // Structs whose field 1 is a struct, a thousand deep.
        let structs = [UInt8](repeating: 0x1C, count: 1000)
        let structError = thriftFailure(withThriftReader(structs) { r throws(ThriftError) in try r.skip(.struct) })
        #expect(structError?.message == "nesting deeper than 64 levels")
        #expect(structError?.offset == 64)
        // Exactly at the limit is fine.
        let ok = [UInt8](repeating: 0x1C, count: 63) + [UInt8](repeating: 0x00, count: 64)
        #expect(thriftFailure(withThriftReader(ok) { r throws(ThriftError) in try r.skip(.struct) }) == nil)
    }

    @Test("undefined type nibbles, truncated structs and id overflow are errors")
    func malformedHeaders() {
        #expect(thriftFailure(withThriftReader([0x1E]) { r throws(ThriftError) in try r.skip(.struct) })?.message
            == "field type 14 in an unknown struct is not a Thrift type")
        #expect(thriftFailure(withThriftReader([0x15, 0x02]) { r throws(ThriftError) in try r.skip(.struct) })?.message
            == "expected a field header or STOP in an unknown struct, but the input ends")
        #expect(thriftFailure(withThriftReader([0x3E, 0x00]) { r throws(ThriftError) in try r.skip(.list) })?.message
            == "list element type 14 is not a Thrift type")
        // Field id 32767 in the long form, then a delta of 15.
        #expect(thriftFailure(withThriftReader([0x01, 0xFE, 0xFF, 0x03, 0xF1, 0x00]) { r throws(ThriftError) in try r.skip(.struct) })?.message
            == "field id 32782 in an unknown struct is out of range")
        // An empty list may name any element type.
        #expect(thriftFailure(withThriftReader([0x0E]) { r throws(ThriftError) in try r.skip(.list) }) == nil)
    }

    @Test("a field of the wrong wire type is skipped like an unknown one, so a required one is missing")
    func wrongFieldType() {
        // SchemaElement.name (field 4) written as an i32.
        let bytes: [UInt8] = [0x45, 0x02, 0x00]
        let error = thriftFailure(withThriftReader(bytes, baseOffset: 10) { r throws(ThriftError) in try SchemaElement(from: &r) })
        #expect(error == ThriftError(offset: 10, message: "SchemaElement is missing required field 4 (name)"))
    }

    @Test("a mistyped optional field reads as absent (old parquet-mr wrote a list under id 15)")
    func mistypedOptionalField() throws {
        var column = ColumnMetaData(type: .int32, encodings: [.plain], pathInSchema: ["a"], codec: .snappy, numValues: 1,
                                    totalUncompressedSize: 10, totalCompressedSize: 10, dataPageOffset: 4)
        var bytes = column.thriftBytes()
        bytes.removeLast()
        bytes += [0x19, 0x29, 0x01, 0x41, 0x01, 0x42] // field 15 (after 9): list<binary> ["A", "B"]
        bytes += [0x16, 0x02, 0x00]                     // field 16 as an i64: skipped too
        let decoded = try ColumnMetaData(thriftBytes: bytes)
        #expect(decoded.bloomFilterLength == nil && decoded.sizeStatistics == nil)
        column.bloomFilterLength = nil
        #expect(decoded == column)
    }

    @Test("integer lists announcing another integer width still read; other element mismatches read as absent")
    func listElementMismatch() throws {
        // list<i16> [1, -1] where list<i32> is expected.
        let widths = try withThriftReader([0x19, 0x24, 0x02, 0x01, 0x00]) { r throws(ThriftError) -> [Int32]? in
            var values: [Int32]?
            try r.readStruct("Test") { r, f throws(ThriftError) in values = try r.readI32List(f) }
            return values
        }.get()
        #expect(widths == [1, -1])
        // list<binary> where list<i64> is expected.
        let strings = try withThriftReader([0x19, 0x18, 0x01, 0x41, 0x15, 0x02, 0x00]) { r throws(ThriftError) -> ([Int64]?, Int32?) in
            var values: [Int64]? = [0]
            var next: Int32?
            try r.readStruct("Test") { r, f throws(ThriftError) in
                if f.id == 1 { values = try r.readI64List(f) } else { next = try r.readI32(f) }
            }
            return (values, next)
        }.get()
        #expect(strings.0 == nil && strings.1 == 1)
    }

    @Test("a missing required field names the struct and the field")
    func missingRequired() {
        let error = thriftFailure(withThriftReader([0x00], baseOffset: 500) { r throws(ThriftError) in try FileMetaData(from: &r) })
        #expect(error == ThriftError(offset: 500, message: "FileMetaData is missing required field 1 (version)"))
        let column = thriftFailure(withThriftReader(thriftWritten { w in
            w.writeStruct { w in
                w.writeField(1, i32: 1)
                w.writeField(2, i32s: [0])
                w.writeField(3, strings: ["a"])
                w.writeField(4, i32: 0)
            }
        }) { r throws(ThriftError) in try ColumnMetaData(from: &r) })
        #expect(column?.message == "ColumnMetaData is missing required field 5 (num_values)")
    }

    @Test("empty input is an error at byte 0")
    func emptyInput() {
        let error = thriftFailure(withThriftReader([]) { r throws(ThriftError) in try PageHeader(from: &r) })
        #expect(error == ThriftError(offset: 0, message: "expected a field header or STOP in PageHeader, but the input ends"))
    }
}
