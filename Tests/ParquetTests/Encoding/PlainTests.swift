import Testing
@testable import Parquet

@Suite("PLAIN")
struct PlainTests {
    // MARK: Hand-written vectors

    @Test("INT32, INT64, FLOAT and DOUBLE are little-endian (IEEE 754 for the floats)")
    func numericVectors() throws {
        #expect(PlainEncoder.encode([Int32(1), -2]) == [0x01, 0, 0, 0, 0xFE, 0xFF, 0xFF, 0xFF])
        #expect(PlainEncoder.encode([Int64(0x0102_0304_0506_0708)]) == [8, 7, 6, 5, 4, 3, 2, 1])
        #expect(PlainEncoder.encode([Float(1.0)]) == [0x00, 0x00, 0x80, 0x3F])
        #expect(PlainEncoder.encode([Double(-2.0)]) == [0, 0, 0, 0, 0, 0, 0x00, 0xC0])
        #expect(try decodePlain([0x01, 0, 0, 0, 0xFE, 0xFF, 0xFF, 0xFF], count: 2, as: Int32.self) == [1, -2])
        #expect(try decodePlain([0x00, 0x00, 0x80, 0x3F], count: 1, as: Float.self) == [1.0])
    }

    @Test("INT96 is 12 bytes: 8 low bytes, then 4 high bytes")
    func int96Vector() throws {
        let bytes: [UInt8] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]
        let values = try decodePlain(bytes, count: 1, as: Int96.self)
        #expect(values == [Int96(low: 0x0807_0605_0403_0201, high: 0x0C0B_0A09)])
        #expect(PlainEncoder.encode(values) == bytes)
    }

    @Test("BOOLEAN packs one bit per value, least significant bit first")
    func booleanVector() throws {
        let values = [true, false, true, true, false, false, false, false, true, true]
        #expect(PlainEncoder.encodeBooleans(values) == [0x0D, 0x03])
        let decoded = try [UInt8]([0x0D, 0x03]).withUnsafeBytes { raw in
            var d = PlainDecoder(raw)
            return try d.decodeBooleans(count: 10)
        }
        #expect(decoded == values)
    }

    @Test("BYTE_ARRAY is a 4-byte length then the bytes; FIXED_LEN_BYTE_ARRAY just the bytes")
    func byteArrayVectors() throws {
        let buffer = ByteArrayBuffer(strings: ["abc", "", "é"])
        let encoded = PlainEncoder.encodeByteArrays(buffer)
        #expect(encoded == [3, 0, 0, 0, 0x61, 0x62, 0x63, 0, 0, 0, 0, 2, 0, 0, 0, 0xC3, 0xA9])
        var out = ByteArrayBuffer()
        try encoded.withUnsafeBytes { raw in
            var d = PlainDecoder(raw)
            try d.decodeByteArrays(count: 3, into: &out)
            #expect(d.bytesConsumed == encoded.count)
        }
        #expect(out == buffer)
        #expect(out.offsets == [0, 3, 3, 5])
        #expect(out.string(at: 2) == "é")
    }

    // MARK: Round trips

    @Test("integers round-trip, including the extremes")
    func integers() throws {
        var rng = EncodingTestRandom(seed: 31)
        let i32 = encodingEdgeInt32 + (0 ..< 500).map { _ in Int32(truncatingIfNeeded: rng.next()) }
        let i64 = encodingEdgeInt64 + (0 ..< 500).map { _ in Int64(bitPattern: rng.next()) }
        #expect(try decodePlain(PlainEncoder.encode(i32), count: i32.count, as: Int32.self) == i32)
        #expect(try decodePlain(PlainEncoder.encode(i64), count: i64.count, as: Int64.self) == i64)
        #expect(try decodePlain([], count: 0, as: Int64.self) == [])
    }

    @Test("floats round-trip bit for bit: NaN payloads, -0.0, infinities, subnormals")
    func floats() throws {
        let f: [Float] = [0, -0.0, .infinity, -.infinity, .nan, Float(bitPattern: 0x7FC0_1234), .leastNonzeroMagnitude,
                          .greatestFiniteMagnitude, 1.5, -3.25]
        let d: [Double] = [0, -0.0, .infinity, -.infinity, .nan, Double(bitPattern: 0xFFF8_0000_DEAD_BEEF),
                           .leastNonzeroMagnitude, .greatestFiniteMagnitude, 0.1]
        let fBack = try decodePlain(PlainEncoder.encode(f), count: f.count, as: Float.self)
        let dBack = try decodePlain(PlainEncoder.encode(d), count: d.count, as: Double.self)
        #expect(fBack.map(\.bitPattern) == f.map(\.bitPattern))
        #expect(dBack.map(\.bitPattern) == d.map(\.bitPattern))
    }

    @Test("booleans round-trip when read in batches that split bytes")
    func booleanBatches() throws {
        var rng = EncodingTestRandom(seed: 32)
        let values = (0 ..< 1001).map { _ in rng.bool() }
        let encoded = PlainEncoder.encodeBooleans(values)
        #expect(encoded.count == 126)
        var collected: [Bool] = []
        try encoded.withUnsafeBytes { raw in
            var d = PlainDecoder(raw)
            while collected.count < values.count {
                let n = min(rng.int(1 ... 13), values.count - collected.count)
                collected += try d.decodeBooleans(count: n)
            }
            #expect(d.bytesConsumed == 126)
        }
        #expect(collected == values)
    }

    @Test("byte arrays round-trip: empty values, long values, and appending to a buffer across pages")
    func byteArrays() throws {
        var rng = EncodingTestRandom(seed: 33)
        let page1 = ByteArrayBuffer((0 ..< 200).map { i in rng.bytes(i % 7 == 0 ? 0 : rng.int(0 ... 300)) })
        let page2 = ByteArrayBuffer([[], [0], rng.bytes(5000)])
        var out = ByteArrayBuffer()
        for page in [page1, page2] {
            let encoded = PlainEncoder.encodeByteArrays(page)
            try encoded.withUnsafeBytes { raw in
                var d = PlainDecoder(raw)
                try d.decodeByteArrays(count: page.count, into: &out)
            }
        }
        #expect(out.arrays == page1.arrays + page2.arrays)
    }

    @Test("fixed-length byte arrays and INT96 round-trip")
    func fixedAndInt96() throws {
        var rng = EncodingTestRandom(seed: 34)
        let flba = rng.bytes(16 * 40)
        var out: [UInt8] = []
        try flba.withUnsafeBytes { raw in
            var d = PlainDecoder(raw)
            try d.decodeFixedLenByteArrays(count: 40, width: 16, into: &out)
        }
        #expect(out == flba)
        let int96 = (0 ..< 50).map { _ in Int96(low: rng.next(), high: UInt32(truncatingIfNeeded: rng.next())) }
        #expect(try decodePlain(PlainEncoder.encode(int96), count: 50, as: Int96.self) == int96)
    }

    @Test("mixed reads continue where the last one stopped")
    func sequentialReads() throws {
        var bytes = PlainEncoder.encode([Int32(7), 8])
        bytes += PlainEncoder.encode([Double(2.5)])
        try bytes.withUnsafeBytes { raw in
            var d = PlainDecoder(raw)
            #expect(try d.decode(count: 1, as: Int32.self) == [7])
            try d.skip(1, of: Int32.self)
            #expect(try d.decode(count: 1, as: Double.self) == [2.5])
            #expect(d.bytesRemaining == 0)
        }
    }

    @Test("skipping byte arrays and booleans lands on the next value")
    func skips() throws {
        let strings = PlainEncoder.encodeByteArrays(ByteArrayBuffer(strings: ["a", "", "ccc", "dd"]))
        try strings.withUnsafeBytes { raw in
            var d = PlainDecoder(raw)
            try d.skipByteArrays(2)
            var out = ByteArrayBuffer()
            try d.decodeByteArrays(count: 2, into: &out)
            #expect(out == ByteArrayBuffer(strings: ["ccc", "dd"]))
            #expect(encodingError { try d.skipByteArrays(1) }?.kind == .truncated)
        }
        let flags = (0 ..< 20).map { $0 % 3 == 0 }
        let packed = PlainEncoder.encodeBooleans(flags)
        let rest = try packed.withUnsafeBytes { raw in
            var d = PlainDecoder(raw)
            try d.skipBooleans(11)
            return try d.decodeBooleans(count: 9)
        }
        #expect(rest == Array(flags[11...]))
    }

    // MARK: Hostile input

    @Test("too few bytes for the values requested is an error, not a read past the end")
    func truncated() {
        let e1 = encodingError { _ = try decodePlain([1, 0, 0, 0, 2, 0], count: 2, as: Int32.self) }
        #expect(e1?.kind == .truncated)
        #expect(encodingError { _ = try decodePlain([0xFF], count: 1, as: Double.self) }?.kind == .truncated)
        let boolError = encodingError {
            try [UInt8]([0xFF]).withUnsafeBytes { raw in
                var d = PlainDecoder(raw)
                _ = try d.decodeBooleans(count: 9)
            }
        }
        #expect(boolError?.kind == .truncated)
    }

    @Test("a byte array length that points past the page is refused at its offset, leaving the output untouched")
    func hostileLengths() {
        // Second value claims 0xFFFFFFFF bytes.
        let bytes: [UInt8] = [1, 0, 0, 0, 0x41, 0xFF, 0xFF, 0xFF, 0xFF, 0x42]
        var out = ByteArrayBuffer(strings: ["keep"])
        let error = encodingError {
            try bytes.withUnsafeBytes { raw in
                var d = PlainDecoder(raw, baseOffset: 100)
                try d.decodeByteArrays(count: 2, into: &out)
            }
        }
        #expect(error?.kind == .invalidLength)
        #expect(error?.offset == 105)
        #expect(out == ByteArrayBuffer(strings: ["keep"]))
        // A count that cannot fit, whatever the lengths.
        let tooMany = encodingError {
            try bytes.withUnsafeBytes { raw in
                var d = PlainDecoder(raw)
                try d.decodeByteArrays(count: 1 << 40, into: &out)
            }
        }
        #expect(tooMany?.kind == .truncated)
        // A length cut in half.
        let cut = encodingError {
            try [UInt8]([3, 0, 0, 0, 0x61, 0x62, 0x63, 5, 0]).withUnsafeBytes { raw in
                var d = PlainDecoder(raw)
                try d.decodeByteArrays(count: 2, into: &out)
            }
        }
        #expect(cut?.kind == .truncated)
        #expect(cut?.offset == 7)
    }
}
