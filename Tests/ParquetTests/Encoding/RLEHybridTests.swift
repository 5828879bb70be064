import Testing
@testable import Parquet

@Suite("RLE / bit-packed hybrid")
struct RLEHybridTests {
    // MARK: Hand-written vectors

    @Test("the spec's bit-packed example decodes as one run of eight 3-bit values")
    func specBitPackedRun() throws {
        // Header (1 group << 1) | 1 = 0x03, then 0x88 0xC6 0xFA as in Encodings.md.
        #expect(try decodeRLE([0x03, 0x88, 0xC6, 0xFA], bitWidth: 3, count: 8) == [0, 1, 2, 3, 4, 5, 6, 7])
        // Fewer values than the run holds is fine (the tail of the group is padding).
        #expect(try decodeRLE([0x03, 0x88, 0xC6, 0xFA], bitWidth: 3, count: 5) == [0, 1, 2, 3, 4])
    }

    @Test("a repeated run stores its value in ceil(width/8) little-endian bytes")
    func repeatedRuns() throws {
        #expect(try decodeRLE([0x08, 0x05], bitWidth: 3, count: 4) == [5, 5, 5, 5])
        #expect(try decodeRLE([0x06, 0xAB, 0x01], bitWidth: 9, count: 3) == [0x1AB, 0x1AB, 0x1AB])
        #expect(try decodeRLE([0x04, 0x78, 0x56, 0x34, 0x12], bitWidth: 32, count: 2) == [0x1234_5678, 0x1234_5678])
        // Width 0: no value bytes at all.
        #expect(try decodeRLE([0x14], bitWidth: 0, count: 10) == [Int32](repeating: 0, count: 10))
    }

    @Test("runs of both kinds follow each other")
    func mixedRuns() throws {
        let bytes: [UInt8] = [0x06, 0x01, 0x03, 0x88, 0xC6, 0xFA, 0x04, 0x07]
        #expect(try decodeRLE(bytes, bitWidth: 3, count: 13) == [1, 1, 1, 0, 1, 2, 3, 4, 5, 6, 7, 7, 7])
    }

    @Test("a length-prefixed stream (data page v1 levels) reports where the next section starts")
    func lengthPrefixed() throws {
        let bytes: [UInt8] = [0x04, 0x00, 0x00, 0x00, 0x03, 0x88, 0xC6, 0xFA, 0xEE, 0xEE]
        let (values, consumed) = try RLEHybridDecoder.decodeLengthPrefixed(bytes, bitWidth: 3, count: 8)
        #expect(values == [0, 1, 2, 3, 4, 5, 6, 7])
        #expect(consumed == 8)
        // The prefix bounds the stream: the trailing bytes are not runs.
        let error = encodingError { _ = try RLEHybridDecoder.decodeLengthPrefixed(bytes, bitWidth: 3, count: 9) }
        #expect(error?.kind == .truncated)
        #expect(error?.offset == 8)
    }

    @Test("dictionary indices start with their bit width byte")
    func dictionaryIndices() throws {
        #expect(try RLEHybridDecoder.decodeDictionaryIndices([0x03, 0x03, 0x88, 0xC6, 0xFA], count: 8) == [0, 1, 2, 3, 4, 5, 6, 7])
        // Width 0 (a one-entry dictionary): a repeated run without value bytes.
        #expect(try RLEHybridDecoder.decodeDictionaryIndices([0x00, 0x0A], count: 5) == [0, 0, 0, 0, 0])
        // An all-null page may carry no index bytes at all.
        #expect(try RLEHybridDecoder.decodeDictionaryIndices([], count: 0) == [])
        #expect(RLEHybridEncoder.encodeDictionaryIndices([0, 1, 2, 3, 4, 5, 6, 7]) == [0x03, 0x03, 0x88, 0xC6, 0xFA])
    }

    // MARK: Encoder choices

    @Test("the encoder bit-packs varied values and uses a repeated run for repetition")
    func encoderChoices() {
        #expect(RLEHybridEncoder.encode([0, 1, 2, 3, 4, 5, 6, 7], bitWidth: 3) == [0x03, 0x88, 0xC6, 0xFA])
        #expect(RLEHybridEncoder.encode([Int32](repeating: 5, count: 10), bitWidth: 3) == [0x14, 0x05])
        // A million equal levels take a handful of bytes.
        let many = RLEHybridEncoder.encode([Int32](repeating: 1, count: 1_000_000), bitWidth: 1)
        #expect(many.count <= 5)
        // Length prefix: 4 bytes little-endian, then the runs.
        #expect(RLEHybridEncoder.encode([Int32](repeating: 5, count: 10), bitWidth: 3, lengthPrefixed: true) == [2, 0, 0, 0, 0x14, 0x05])
    }

    @Test("a repetition inside varied data is split off after topping the packed run up to 8")
    func encoderSplitsRuns() throws {
        let values: [Int32] = [1, 2, 3] + [Int32](repeating: 4, count: 40) + [5, 6]
        let encoded = RLEHybridEncoder.encode(values, bitWidth: 3)
        #expect(try decodeRLE(encoded, bitWidth: 3, count: values.count) == values)
        // 1 bit-packed group (3 varied + 5 fours), one repeated run (35 fours), one final group.
        #expect(encoded.count == (1 + 3) + (1 + 1) + (1 + 3))
    }

    // MARK: Round trips

    @Test("random data with runs round-trips at every width 0...32")
    func roundTripAllWidths() throws {
        var rng = EncodingTestRandom(seed: 11)
        for width in 0 ... 32 {
            let maxValue: UInt64 = width == 0 ? 0 : (1 << UInt64(width)) - 1
            for count in [0, 1, 7, 8, 9, 100, 1000] {
                var values: [Int32] = []
                while values.count < count {
                    let v = Int32(truncatingIfNeeded: rng.next() & maxValue)
                    let run = rng.bool() ? 1 : rng.int(1 ... 30)
                    values.append(contentsOf: repeatElement(v, count: min(run, count - values.count)))
                }
                let encoded = RLEHybridEncoder.encode(values, bitWidth: width)
                #expect(try decodeRLE(encoded, bitWidth: width, count: count) == values, "width \(width) count \(count)")
                let prefixed = RLEHybridEncoder.encode(values, bitWidth: width, lengthPrefixed: true)
                let (back, used) = try RLEHybridDecoder.decodeLengthPrefixed(prefixed + [0xAA], bitWidth: width, count: count)
                #expect(back == values)
                #expect(used == prefixed.count)
            }
        }
    }

    @Test("edge values: maximum 32-bit patterns and long runs")
    func edgeValues() throws {
        let values: [Int32] = [-1, -1, .min, .max, 0] + [Int32](repeating: -1, count: 100) + [.max]
        let encoded = RLEHybridEncoder.encode(values, bitWidth: 32)
        #expect(try decodeRLE(encoded, bitWidth: 32, count: values.count) == values)
    }

    @Test("decoding in batches of any size gives the same values as one call")
    func batches() throws {
        var rng = EncodingTestRandom(seed: 12)
        let values = (0 ..< 5000).map { i in Int32(i % 97 < 50 ? 3 : Int(rng.next() % 16)) }
        let encoded = RLEHybridEncoder.encode(values, bitWidth: 4)
        var collected: [Int32] = []
        try encoded.withUnsafeBytes { raw in
            var decoder = try RLEHybridDecoder(raw, bitWidth: 4)
            while collected.count < values.count {
                let n = min(rng.int(1 ... 77), values.count - collected.count)
                collected += try decoder.decode(count: n)
            }
            #expect(decoder.valuesRead == values.count)
        }
        #expect(collected == values)
    }

    @Test("skipping values lands on the same place as decoding them")
    func skip() throws {
        let values = (0 ..< 300).map { Int32($0 % 40 < 20 ? 1 : $0 % 8) }
        let encoded = RLEHybridEncoder.encode(values, bitWidth: 3)
        try encoded.withUnsafeBytes { raw in
            var decoder = try RLEHybridDecoder(raw, bitWidth: 3)
            try decoder.skip(13)
            #expect(try decoder.decode(count: 10) == Array(values[13 ..< 23]))
            try decoder.skip(200)
            #expect(try decoder.decode(count: 77) == Array(values[223...]))
        }
    }

    @Test("RLE booleans round-trip with their length prefix")
    func booleans() throws {
        var rng = EncodingTestRandom(seed: 13)
        let values = (0 ..< 3000).map { i in i % 500 < 200 ? true : rng.bool() }
        let encoded = RLEHybridEncoder.encodeBooleans(values)
        var out = [Bool](repeating: false, count: values.count)
        try encoded.withUnsafeBytes { raw in
            var decoder = try RLEHybridDecoder(lengthPrefixed: raw, bitWidth: 1)
            try out.withUnsafeMutableBufferPointer { try decoder.decodeBooleans(into: $0) }
            #expect(decoder.encodedByteCount == encoded.count)
        }
        #expect(out == values)
    }

    @Test("Int16 and UInt8 outputs decode the same levels")
    func otherOutputTypes() throws {
        let values: [Int32] = (0 ..< 100).map { Int32($0 % 3) }
        let encoded = RLEHybridEncoder.encode(values, bitWidth: 2)
        var small = [Int16](repeating: 0, count: 100)
        var bytes = [UInt8](repeating: 0, count: 100)
        try encoded.withUnsafeBytes { raw in
            var d = try RLEHybridDecoder(raw, bitWidth: 2)
            try small.withUnsafeMutableBufferPointer { try d.decode(into: $0) }
            var e = try RLEHybridDecoder(raw, bitWidth: 2)
            try bytes.withUnsafeMutableBufferPointer { try e.decode(into: $0) }
        }
        #expect(small.map(Int32.init) == values)
        #expect(bytes.map(Int32.init) == values)
        // A width that does not fit the output type is refused.
        let error = encodingError {
            try encoded.withUnsafeBytes { raw in
                var d = try RLEHybridDecoder(raw, bitWidth: 9)
                try withDecodeBuffer(&bytes) { (p) throws(EncodingError) in try d.decode(into: p) }
            }
        }
        #expect(error?.kind == .invalidBitWidth)
    }

    // MARK: Hostile input

    @Test("a run of 2^31-1 values fills only what the caller asked for")
    func hugeRunIsCapped() throws {
        // (2^31 - 1) << 1 = 0xFFFFFFFE as a varint, then the 1-byte value.
        let bytes: [UInt8] = [0xFE, 0xFF, 0xFF, 0xFF, 0x0F, 0x01]
        #expect(try decodeRLE(bytes, bitWidth: 1, count: 10) == [Int32](repeating: 1, count: 10))
    }

    @Test("run lengths past 2^31-1 are refused")
    func runTooLong() {
        // 2^31 << 1 = 2^32.
        let e1 = encodingError { _ = try decodeRLE([0x80, 0x80, 0x80, 0x80, 0x10, 0x01], bitWidth: 1, count: 1) }
        #expect(e1?.kind == .invalidHeader)
        #expect(e1?.offset == 0)
        // 2^28 groups of 8 = 2^31 values, bit-packed.
        let e2 = encodingError { _ = try decodeRLE([0x81, 0x80, 0x80, 0x80, 0x02], bitWidth: 1, count: 1) }
        #expect(e2?.kind == .invalidHeader)
    }

    @Test("truncated streams are errors with the offset where the data ran out")
    func truncatedStreams() {
        // A bit-packed run cut inside its group: 2 whole values present, 8 requested.
        let e1 = encodingError { _ = try decodeRLE([0x03, 0x88], bitWidth: 3, count: 8) }
        #expect(e1?.kind == .truncated)
        #expect(e1?.offset == 2)
        // A repeated run without its value byte.
        let e2 = encodingError { _ = try decodeRLE([0x08], bitWidth: 3, count: 1) }
        #expect(e2?.kind == .truncated)
        // A repeated run whose 4-byte value is cut.
        let e3 = encodingError { _ = try decodeRLE([0x08, 0x01, 0x02], bitWidth: 32, count: 1) }
        #expect(e3?.kind == .truncated)
        // A stream that simply has fewer values than requested.
        let e4 = encodingError { _ = try decodeRLE([0x08, 0x01], bitWidth: 3, count: 5) }
        #expect(e4?.kind == .truncated)
        #expect(e4?.offset == 2)
        // Empty input with values requested.
        #expect(encodingError { _ = try decodeRLE([], bitWidth: 3, count: 1) }?.kind == .truncated)
        // A varint that never ends.
        #expect(encodingError { _ = try decodeRLE([0x80, 0x80], bitWidth: 3, count: 1) }?.kind == .truncated)
    }

    @Test("bad widths, prefixes and varints are refused")
    func badHeaders() {
        #expect(encodingError { _ = try decodeRLE([0x02, 0x00], bitWidth: 33, count: 1) }?.kind == .invalidBitWidth)
        #expect(encodingError { _ = try RLEHybridDecoder.decodeDictionaryIndices([33, 0x02, 0, 0, 0, 0, 0], count: 1) }?.kind == .invalidBitWidth)
        let prefix = encodingError { _ = try RLEHybridDecoder.decodeLengthPrefixed([0xFF, 0, 0, 0, 0x02, 0x01], bitWidth: 1, count: 1) }
        #expect(prefix?.kind == .invalidLength)
        #expect(encodingError { _ = try RLEHybridDecoder.decodeLengthPrefixed([0x01, 0], bitWidth: 1, count: 0) }?.kind == .truncated)
        let overlong = [UInt8](repeating: 0xFF, count: 11) + [0x00]
        #expect(encodingError { _ = try decodeRLE(overlong, bitWidth: 1, count: 1) }?.kind == .invalidHeader)
    }

    @Test("dictionary indices outside the dictionary are refused")
    func indexOutOfRange() throws {
        let encoded = RLEHybridEncoder.encodeDictionaryIndices([0, 1, 2, 9, 1])
        var out = [Int32](repeating: 0, count: 5)
        let error = encodingError {
            try encoded.withUnsafeBytes { raw in
                var d = try RLEHybridDecoder(dictionaryIndices: raw)
                try withDecodeBuffer(&out) { (p) throws(EncodingError) in try d.decodeIndices(into: p, dictionaryCount: 9) }
            }
        }
        #expect(error?.kind == .valueOutOfRange)
        try encoded.withUnsafeBytes { raw in
            var d = try RLEHybridDecoder(dictionaryIndices: raw)
            try out.withUnsafeMutableBufferPointer { try d.decodeIndices(into: $0, dictionaryCount: 10) }
        }
        #expect(out == [0, 1, 2, 9, 1])
    }
}
