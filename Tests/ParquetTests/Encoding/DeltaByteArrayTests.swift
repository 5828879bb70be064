import Testing
@testable import Parquet

@Suite("DELTA_LENGTH_BYTE_ARRAY and DELTA_BYTE_ARRAY")
struct DeltaByteArrayTests {
    /// The lengths 5, 5, 6, 6 as DELTA_BINARY_PACKED: header 128/4/4 values/first 5, min delta 0,
    /// widths 1,0,0,0, and one 32-value miniblock at 1 bit holding the relative deltas 0,1,0.
    static let helloLengths: [UInt8] = [0x80, 0x01, 0x04, 0x04, 0x0A, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00]

    @Test("the spec's DELTA_LENGTH_BYTE_ARRAY example: Hello, World, Foobar, ABCDEF")
    func specDeltaLength() throws {
        let bytes = Self.helloLengths + Array("HelloWorldFoobarABCDEF".utf8)
        let decoded = try DeltaLengthByteArrayDecoder.decode(bytes, count: 4)
        #expect((0 ..< 4).map(decoded.string) == ["Hello", "World", "Foobar", "ABCDEF"])
        #expect(DeltaLengthByteArrayEncoder.encode(ByteArrayBuffer(strings: ["Hello", "World", "Foobar", "ABCDEF"])) == bytes)
    }

    @Test("the spec's DELTA_BYTE_ARRAY example: axis, axle, babble, babyhood")
    func specDeltaStrings() throws {
        // Prefix lengths 0,2,0,3: first 0, min delta -2, width 3, relative 4,0,5 -> 0x44 0x01.
        let prefixes: [UInt8] = [0x80, 0x01, 0x04, 0x04, 0x00, 0x03, 0x03, 0x00, 0x00, 0x00, 0x44, 0x01]
            + [UInt8](repeating: 0, count: 10)
        // Suffix lengths 4,2,6,5: first 4, min delta -2, width 3, relative 0,6,1 -> 0x70 0x00.
        let suffixLengths: [UInt8] = [0x80, 0x01, 0x04, 0x04, 0x08, 0x03, 0x03, 0x00, 0x00, 0x00, 0x70, 0x00]
            + [UInt8](repeating: 0, count: 10)
        let bytes = prefixes + suffixLengths + Array("axislebabbleyhood".utf8)
        let decoded = try DeltaByteArrayDecoder.decode(bytes, count: 4)
        #expect((0 ..< 4).map(decoded.string) == ["axis", "axle", "babble", "babyhood"])
        #expect(DeltaByteArrayEncoder.encode(ByteArrayBuffer(strings: ["axis", "axle", "babble", "babyhood"])) == bytes)
    }

    static func randomStrings(_ rng: inout EncodingTestRandom, count: Int) -> ByteArrayBuffer {
        var out = ByteArrayBuffer()
        var previous: [UInt8] = []
        for i in 0 ..< count {
            var value: [UInt8]
            switch rng.int(0 ... 4) {
            case 0: value = []
            case 1: value = Array(previous.prefix(rng.int(0 ... previous.count)))
            case 2: value = Array(previous.prefix(rng.int(0 ... previous.count))) + rng.bytes(rng.int(0 ... 20))
            case 3: value = previous
            default: value = rng.bytes(rng.int(0 ... (i % 50 == 0 ? 3000 : 40)))
            }
            out.append(value)
            previous = value
        }
        return out
    }

    @Test("random byte arrays with shared prefixes round-trip through both encodings")
    func roundTrip() throws {
        var rng = EncodingTestRandom(seed: 51)
        for count in [0, 1, 2, 127, 128, 129, 1000] {
            let values = Self.randomStrings(&rng, count: count)
            #expect(try DeltaLengthByteArrayDecoder.decode(DeltaLengthByteArrayEncoder.encode(values), count: count) == values)
            #expect(try DeltaByteArrayDecoder.decode(DeltaByteArrayEncoder.encode(values), count: count) == values)
        }
    }

    @Test("empty strings, one value, and Unicode round-trip")
    func edges() throws {
        for strings in [[""], ["", "", ""], ["only"], ["ünïcödé", "ünï", "ü", "", "ünïcödé 🎉"]] {
            let values = ByteArrayBuffer(strings: strings)
            #expect(try DeltaLengthByteArrayDecoder.decode(DeltaLengthByteArrayEncoder.encode(values), count: values.count) == values)
            #expect(try DeltaByteArrayDecoder.decode(DeltaByteArrayEncoder.encode(values), count: values.count) == values)
        }
    }

    @Test("decoding in batches and appending to an existing buffer")
    func batches() throws {
        var rng = EncodingTestRandom(seed: 52)
        let values = Self.randomStrings(&rng, count: 600)
        let dlba = DeltaLengthByteArrayEncoder.encode(values)
        let dba = DeltaByteArrayEncoder.encode(values)
        var outLength = ByteArrayBuffer(strings: ["before"])
        var outStrings = ByteArrayBuffer(strings: ["before"])
        try dlba.withUnsafeBytes { raw in
            var d = try DeltaLengthByteArrayDecoder(raw, count: 600)
            while d.remaining > 0 { try d.decode(count: min(d.remaining, rng.int(1 ... 90)), into: &outLength) }
            #expect(d.bytesConsumed == dlba.count)
        }
        try dba.withUnsafeBytes { raw in
            var d = try DeltaByteArrayDecoder(raw, count: 600)
            while d.remaining > 0 { try d.decode(count: min(d.remaining, rng.int(1 ... 90)), into: &outStrings) }
            #expect(d.bytesConsumed == dba.count)
        }
        #expect(outLength.arrays == [Array("before".utf8)] + values.arrays)
        #expect(outStrings.arrays == [Array("before".utf8)] + values.arrays)
    }

    @Test("skipping DELTA_LENGTH_BYTE_ARRAY values lands on the right bytes")
    func skip() throws {
        let values = ByteArrayBuffer(strings: ["a", "bb", "ccc", "dddd", "eeeee"])
        let encoded = DeltaLengthByteArrayEncoder.encode(values)
        try encoded.withUnsafeBytes { raw in
            var d = try DeltaLengthByteArrayDecoder(raw, count: 5)
            try d.skip(3)
            var out = ByteArrayBuffer()
            try d.decode(count: 2, into: &out)
            #expect(out == ByteArrayBuffer(strings: ["dddd", "eeeee"]))
        }
    }

    @Test("skipping DELTA_BYTE_ARRAY values keeps the prefix chain intact")
    func skipStrings() throws {
        var rng = EncodingTestRandom(seed: 53)
        let values = Self.randomStrings(&rng, count: 3000)
        let encoded = DeltaByteArrayEncoder.encode(values)
        try encoded.withUnsafeBytes { raw in
            var d = try DeltaByteArrayDecoder(raw, count: 3000)
            try d.skip(2100)
            var out = ByteArrayBuffer()
            try d.decode(count: 900, into: &out)
            #expect(out.arrays == Array(values.arrays[2100...]))
            #expect(encodingError { try d.skip(1) }?.kind == .countMismatch)
        }
    }

    @Test("FIXED_LEN_BYTE_ARRAY through DELTA_BYTE_ARRAY checks every value's width")
    func fixedLength() throws {
        var encoder = DeltaByteArrayEncoder()
        let flat: [UInt8] = Array("abcdabceabzzbbbbbbbb".utf8)
        encoder.appendFixed(flat, width: 4)
        let encoded = encoder.finish()
        var out: [UInt8] = []
        try encoded.withUnsafeBytes { raw in
            var d = try DeltaByteArrayDecoder(raw, count: 5)
            try d.decodeFixed(count: 5, width: 4, into: &out)
        }
        #expect(out == flat)
        let wrongWidth = encodingError {
            try encoded.withUnsafeBytes { raw in
                var d = try DeltaByteArrayDecoder(raw, count: 5)
                var sink: [UInt8] = []
                try d.decodeFixed(count: 5, width: 5, into: &sink)
            }
        }
        #expect(wrongWidth?.kind == .valueOutOfRange)
    }

    // MARK: Hostile input

    @Test("negative lengths and lengths past the data are refused")
    func badLengths() {
        let negative = DeltaBinaryPackedEncoder<Int32>.encode([3, -1]) + Array("abcd".utf8)
        #expect(encodingError { _ = try DeltaLengthByteArrayDecoder.decode(negative, count: 2) }?.kind == .invalidLength)
        let lengths = DeltaBinaryPackedEncoder<Int32>.encode([3, 100])
        let long = lengths + Array("abcdef".utf8)
        let error = encodingError { _ = try DeltaLengthByteArrayDecoder.decode(long, count: 2) }
        #expect(error?.kind == .truncated)
        #expect(error?.offset == lengths.count)
        // Huge lengths whose sum would overflow 32 bits are still just "too long".
        let huge = DeltaBinaryPackedEncoder<Int32>.encode([.max, .max, .max]) + [1, 2, 3]
        #expect(encodingError { _ = try DeltaLengthByteArrayDecoder.decode(huge, count: 3) }?.kind == .truncated)
    }

    @Test("fewer lengths than the caller expects is a count mismatch")
    func countMismatch() {
        let bytes = DeltaLengthByteArrayEncoder.encode(ByteArrayBuffer(strings: ["x", "y"]))
        #expect(encodingError { _ = try DeltaLengthByteArrayDecoder.decode(bytes, count: 3) }?.kind == .countMismatch)
        let strings = DeltaByteArrayEncoder.encode(ByteArrayBuffer(strings: ["x", "y"]))
        #expect(encodingError { _ = try DeltaByteArrayDecoder.decode(strings, count: 3) }?.kind == .countMismatch)
        // Prefix lengths for 3 values but suffixes for 2.
        let mixed = DeltaBinaryPackedEncoder<Int32>.encode([0, 0, 0]) + DeltaLengthByteArrayEncoder.encode(ByteArrayBuffer(strings: ["x", "y"]))
        #expect(encodingError { _ = try DeltaByteArrayDecoder.decode(mixed, count: 3) }?.kind == .countMismatch)
    }

    @Test("a prefix longer than the previous value, or negative, is refused")
    func badPrefixes() {
        let tooLong = DeltaBinaryPackedEncoder<Int32>.encode([0, 5]) + DeltaLengthByteArrayEncoder.encode(ByteArrayBuffer(strings: ["ab", "c"]))
        var out = ByteArrayBuffer()
        let error = encodingError {
            try tooLong.withUnsafeBytes { raw in
                var d = try DeltaByteArrayDecoder(raw, count: 2)
                try d.decode(count: 2, into: &out)
            }
        }
        #expect(error?.kind == .invalidLength)
        #expect(out.isEmpty)
        let firstPrefix = DeltaBinaryPackedEncoder<Int32>.encode([1]) + DeltaLengthByteArrayEncoder.encode(ByteArrayBuffer(strings: ["a"]))
        #expect(encodingError { _ = try DeltaByteArrayDecoder.decode(firstPrefix, count: 1) }?.kind == .invalidLength)
        let negative = DeltaBinaryPackedEncoder<Int32>.encode([0, -1]) + DeltaLengthByteArrayEncoder.encode(ByteArrayBuffer(strings: ["ab", "c"]))
        #expect(encodingError { _ = try DeltaByteArrayDecoder.decode(negative, count: 2) }?.kind == .invalidLength)
    }
}
