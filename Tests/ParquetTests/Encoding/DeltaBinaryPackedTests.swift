import Testing
@testable import Parquet

/// A deliberately plain reference writer (bit by bit, any block layout, optional junk in the places
/// readers must ignore) to check the decoder against streams our encoder never produces.
func referenceDeltaStream(_ values: [Int64], blockSize: Int, miniblocks: Int, valueBits: Int = 64,
                          junkUnusedWidths: Bool = false, junkPadding: Bool = false) -> [UInt8] {
    var out: [UInt8] = []
    out.appendEncodedULEB128(UInt64(blockSize))
    out.appendEncodedULEB128(UInt64(miniblocks))
    out.appendEncodedULEB128(UInt64(values.count))
    out.appendEncodedZigZag(values.first ?? 0)
    guard values.count > 1 else { return out }
    let typeMask: UInt64 = valueBits == 64 ? ~0 : (1 << UInt64(valueBits)) - 1
    func wrap(_ v: Int64) -> Int64 {
        // Reduce to the value type's width and sign-extend.
        valueBits == 64 ? v : Int64(truncatingIfNeeded: Int32(truncatingIfNeeded: v))
    }
    var deltas: [Int64] = []
    for i in 1 ..< values.count { deltas.append(wrap(values[i] &- values[i - 1])) }
    let perMini = blockSize / miniblocks
    var start = 0
    while start < deltas.count {
        let block = Array(deltas[start ..< min(deltas.count, start + blockSize)])
        let minDelta = block.min()!
        out.appendEncodedZigZag(minDelta)
        let used = (block.count + perMini - 1) / perMini
        var widths: [Int] = []
        for m in 0 ..< miniblocks {
            if m < used {
                let part = block[(m * perMini) ..< min(block.count, (m + 1) * perMini)]
                let bits = part.reduce(UInt64(0)) { $0 | (UInt64(bitPattern: $1 &- minDelta) & typeMask) }
                widths.append(64 - bits.leadingZeroBitCount)
            } else {
                widths.append(junkUnusedWidths ? 0xEE : 0)
            }
        }
        out.append(contentsOf: widths.map { UInt8($0) })
        for m in 0 ..< used {
            let w = widths[m]
            var bitsOut: [Bool] = []
            for i in 0 ..< perMini {
                let index = m * perMini + i
                let present = index < block.count
                let relative: UInt64 = present ? UInt64(bitPattern: block[index] &- minDelta) & typeMask : (junkPadding ? ~0 : 0)
                for b in 0 ..< w { bitsOut.append((relative >> UInt64(b)) & 1 == 1) }
            }
            var byte: UInt8 = 0
            for (i, bit) in bitsOut.enumerated() {
                if bit { byte |= 1 << UInt8(i % 8) }
                if i % 8 == 7 {
                    out.append(byte)
                    byte = 0
                }
            }
        }
        start += blockSize
    }
    return out
}

@Suite("DELTA_BINARY_PACKED")
struct DeltaBinaryPackedTests {
    // MARK: Spec examples (block size 8, one miniblock)

    @Test("spec example 1: 1, 2, 3, 4, 5 is a header and a zero-width block")
    func specExample1() throws {
        // header 8, 1, 5, zigzag(1)=2; block: zigzag(min delta 1)=2, width 0.
        let bytes: [UInt8] = [0x08, 0x01, 0x05, 0x02, 0x02, 0x00]
        #expect(try decodeDBP(bytes, as: Int64.self) == [1, 2, 3, 4, 5])
        #expect(try decodeDBP(bytes, as: Int32.self) == [1, 2, 3, 4, 5])
        #expect(referenceDeltaStream([1, 2, 3, 4, 5], blockSize: 8, miniblocks: 1) == bytes)
    }

    @Test("spec example 2: 7, 5, 3, 1, 2, 3, 4, 5 packs 0,0,0,3,3,3,3 at 2 bits")
    func specExample2() throws {
        // header 8, 1, 8, zigzag(7)=14; block: zigzag(-2)=3, width 2, then 0xC0 0x3F.
        let bytes: [UInt8] = [0x08, 0x01, 0x08, 0x0E, 0x03, 0x02, 0xC0, 0x3F]
        #expect(try decodeDBP(bytes, as: Int64.self) == [7, 5, 3, 1, 2, 3, 4, 5])
        #expect(referenceDeltaStream([7, 5, 3, 1, 2, 3, 4, 5], blockSize: 8, miniblocks: 1) == bytes)
        try bytes.withUnsafeBytes { raw in
            var d = try DeltaBinaryPackedDecoder<Int64>(raw)
            #expect(d.blockSize == 8 && d.miniblocksPerBlock == 1 && d.totalCount == 8)
            _ = try d.decodeAll()
            #expect(d.bytesConsumed == bytes.count)
        }
    }

    @Test("our encoder writes 1...5 with the default 128/4 layout exactly as expected")
    func encoderVector() {
        // header 128 (0x80 0x01), 4 miniblocks, 5 values, first 1; block: min delta 1, widths 0,0,0,0.
        #expect(DeltaBinaryPackedEncoder<Int64>.encode([1, 2, 3, 4, 5]) == [0x80, 0x01, 0x04, 0x05, 0x02, 0x02, 0, 0, 0, 0])
        #expect(DeltaBinaryPackedEncoder<Int32>.encode([]) == [0x80, 0x01, 0x04, 0x00, 0x00])
        #expect(DeltaBinaryPackedEncoder<Int32>.encode([-1]) == [0x80, 0x01, 0x04, 0x01, 0x01])
    }

    // MARK: Round trips

    @Test("Int64 values round-trip at every size around block and miniblock boundaries")
    func int64Sizes() throws {
        var rng = EncodingTestRandom(seed: 41)
        for count in [0, 1, 2, 31, 32, 33, 127, 128, 129, 130, 255, 256, 257, 1000] {
            let values = (0 ..< count).map { _ in Int64(bitPattern: rng.next()) >> Int64(rng.int(0 ... 63)) }
            #expect(try decodeDBP(DeltaBinaryPackedEncoder<Int64>.encode(values), as: Int64.self) == values, "count \(count)")
        }
    }

    @Test("Int32 values round-trip, with deltas wrapping in 32 bits")
    func int32Sizes() throws {
        var rng = EncodingTestRandom(seed: 42)
        for count in [0, 1, 2, 33, 128, 129, 257, 1000] {
            let values = (0 ..< count).map { _ in Int32(truncatingIfNeeded: rng.next()) >> Int32(rng.int(0 ... 31)) }
            let encoded = DeltaBinaryPackedEncoder<Int32>.encode(values)
            #expect(try decodeDBP(encoded, as: Int32.self) == values, "count \(count)")
        }
    }

    @Test("extreme values in every order overflow and wrap back exactly")
    func extremes() throws {
        var sequence64: [Int64] = []
        for a in encodingEdgeInt64 { for b in encodingEdgeInt64 { sequence64 += [a, b] } }
        #expect(try decodeDBP(DeltaBinaryPackedEncoder<Int64>.encode(sequence64), as: Int64.self) == sequence64)
        var sequence32: [Int32] = []
        for a in encodingEdgeInt32 { for b in encodingEdgeInt32 { sequence32 += [a, b] } }
        let encoded32 = DeltaBinaryPackedEncoder<Int32>.encode(sequence32)
        #expect(try decodeDBP(encoded32, as: Int32.self) == sequence32)
        // INT32 streams never need more than 32 bits per delta.
        try encoded32.withUnsafeBytes { raw in
            var d = try DeltaBinaryPackedDecoder<Int32>(raw)
            _ = try d.decodeAll()
        }
        // Alternating min/max, constant, and monotone runs.
        let alternating = (0 ..< 300).map { $0 % 2 == 0 ? Int64.min : Int64.max }
        #expect(try decodeDBP(DeltaBinaryPackedEncoder<Int64>.encode(alternating), as: Int64.self) == alternating)
        let constant = [Int64](repeating: -42, count: 513)
        let constantEncoded = DeltaBinaryPackedEncoder<Int64>.encode(constant)
        #expect(try decodeDBP(constantEncoded, as: Int64.self) == constant)
        #expect(constantEncoded.count < 40)
    }

    @Test("other block layouts decode: 256/8, 128/1, 64/2 and miniblocks of 8 values")
    func otherLayouts() throws {
        var rng = EncodingTestRandom(seed: 43)
        let values = (0 ..< 700).map { i in Int64(i * 1000) + Int64(rng.int(-500 ... 500)) }
        for (blockSize, miniblocks) in [(256, 8), (128, 1), (64, 2), (8, 1), (16, 2), (1024, 4)] {
            let stream = referenceDeltaStream(values, blockSize: blockSize, miniblocks: miniblocks)
            #expect(try decodeDBP(stream, as: Int64.self) == values, "\(blockSize)/\(miniblocks)")
        }
        var encoder = DeltaBinaryPackedEncoder<Int64>(blockSize: 256, miniblocksPerBlock: 8)
        encoder.append(values)
        #expect(try decodeDBP(encoder.finish(), as: Int64.self) == values)
    }

    @Test("the reference writer and our encoder agree byte for byte on the default layout")
    func encoderMatchesReference() {
        var rng = EncodingTestRandom(seed: 44)
        for count in [0, 1, 5, 128, 129, 300] {
            let values = (0 ..< count).map { _ in Int64(bitPattern: rng.next()) >> 20 }
            #expect(DeltaBinaryPackedEncoder<Int64>.encode(values) == referenceDeltaStream(values, blockSize: 128, miniblocks: 4))
            let small = values.map { Int32(truncatingIfNeeded: $0) }
            #expect(DeltaBinaryPackedEncoder<Int32>.encode(small)
                    == referenceDeltaStream(small.map(Int64.init), blockSize: 128, miniblocks: 4, valueBits: 32))
        }
    }

    @Test("junk in unused miniblock widths and padding bits is ignored, as the spec requires")
    func junkIsIgnored() throws {
        let values: [Int64] = [10, 20, 15, 1000, -3, 7]
        let clean = referenceDeltaStream(values, blockSize: 128, miniblocks: 4)
        let junk = referenceDeltaStream(values, blockSize: 128, miniblocks: 4, junkUnusedWidths: true, junkPadding: true)
        #expect(clean != junk)
        #expect(clean.count == junk.count)
        #expect(try decodeDBP(junk, as: Int64.self) == values)
    }

    @Test("the decoder reports where the stream ends, after the padded last miniblock")
    func streamEnd() throws {
        for count in [0, 1, 2, 40, 129, 400] {
            let values = (0 ..< count).map { Int64($0 * $0 % 1009) }
            let encoded = DeltaBinaryPackedEncoder<Int64>.encode(values)
            let followed = encoded + [0xDE, 0xAD, 0xBE, 0xEF]
            try followed.withUnsafeBytes { raw in
                var skipper = try DeltaBinaryPackedDecoder<Int64>(raw)
                #expect(try skipper.skipToEnd() == encoded.count, "count \(count)")
                var reader = try DeltaBinaryPackedDecoder<Int64>(raw)
                #expect(try reader.decodeAll() == values)
                #expect(reader.bytesConsumed == encoded.count)
                // Part decoded, the rest skipped: still the same end.
                var mixed = try DeltaBinaryPackedDecoder<Int64>(raw)
                _ = try mixed.decode(count: count / 3)
                #expect(try mixed.skipToEnd() == encoded.count)
            }
        }
    }

    @Test("a stream cut right after the last miniblock's data (without its padding) still decodes")
    func unpaddedTail() throws {
        let values: [Int64] = [1, 1000, 3, 7, 90000]
        let encoded = DeltaBinaryPackedEncoder<Int64>.encode(values)
        // Header (5 bytes), min delta -997 (2 bytes), 4 widths, then one miniblock of 32 values.
        let width = Int(encoded[7])
        #expect(width == 17)
        #expect(encoded.count == 11 + 32 * width / 8)
        // The 4 deltas need 9 of the miniblock's 68 bytes.
        let trimmed = Array(encoded.dropLast(32 * width / 8 - (4 * width + 7) / 8))
        #expect(try decodeDBP(trimmed, as: Int64.self) == values)
        let tooShort = Array(trimmed.dropLast())
        #expect(encodingError { _ = try decodeDBP(tooShort, as: Int64.self) }?.kind == .truncated)
    }

    @Test("decoding in batches gives the same values as one call")
    func batches() throws {
        var rng = EncodingTestRandom(seed: 45)
        let values = (0 ..< 3000).map { _ in Int64(rng.int(-100_000 ... 100_000)) }
        let encoded = DeltaBinaryPackedEncoder<Int64>.encode(values)
        var collected: [Int64] = []
        try encoded.withUnsafeBytes { raw in
            var d = try DeltaBinaryPackedDecoder<Int64>(raw)
            while d.remaining > 0 {
                collected += try d.decode(count: min(d.remaining, rng.int(1 ... 150)))
            }
        }
        #expect(collected == values)
    }

    @Test("skipping values keeps the running sum: what follows decodes correctly")
    func skip() throws {
        let values = (0 ..< 2000).map { Int64($0 * $0) - 7 }
        let encoded = DeltaBinaryPackedEncoder<Int64>.encode(values)
        try encoded.withUnsafeBytes { raw in
            var d = try DeltaBinaryPackedDecoder<Int64>(raw)
            try d.skip(1)
            #expect(try d.decode(count: 3) == Array(values[1 ..< 4]))
            try d.skip(1500)
            #expect(try d.decode(count: 10) == Array(values[1504 ..< 1514]))
            #expect(encodingError { try d.skip(d.remaining + 1) }?.kind == .countMismatch)
            try d.skip(d.remaining)
            #expect(d.remaining == 0)
        }
    }

    // MARK: Hostile input

    @Test("bit widths above the value type are refused at the width byte's offset")
    func widthTooLarge() {
        // Header 8/1/3 values/first 0, min delta 0, width 65.
        let bytes64: [UInt8] = [0x08, 0x01, 0x03, 0x00, 0x00, 65] + [UInt8](repeating: 0, count: 80)
        let e1 = encodingError { _ = try decodeDBP(bytes64, as: Int64.self) }
        #expect(e1?.kind == .invalidBitWidth)
        #expect(e1?.offset == 5)
        let bytes32: [UInt8] = [0x08, 0x01, 0x03, 0x00, 0x00, 33] + [UInt8](repeating: 0, count: 40)
        #expect(encodingError { _ = try decodeDBP(bytes32, as: Int32.self) }?.kind == .invalidBitWidth)
        // 33 bits is fine for Int64.
        #expect(encodingError { _ = try decodeDBP(bytes32, as: Int64.self) } == nil)
    }

    @Test("impossible block layouts and counts are refused")
    func badHeaders() {
        let cases: [[UInt8]] = [
            [0x00, 0x01, 0x01, 0x00],                          // block size 0
            [0x08, 0x00, 0x01, 0x00],                          // no miniblocks
            [0x18, 0x02, 0x01, 0x00],                          // miniblocks of 12 values
            [0x80, 0x01, 0x03, 0x01, 0x00],                    // 3 miniblocks do not divide 128
            [0x80, 0x01, 0x04, 0x80, 0x80, 0x80, 0x80, 0x08, 0x00], // 2^31 values
            [0x80, 0x80, 0x80, 0x80, 0x10, 0x01, 0x01, 0x00],  // block size 2^32
        ]
        for bytes in cases {
            #expect(encodingError { _ = try decodeDBP(bytes, as: Int64.self) }?.kind == .invalidHeader, "\(bytes)")
        }
        // Truncated header.
        #expect(encodingError { _ = try decodeDBP([0x80, 0x01, 0x04], as: Int64.self) }?.kind == .truncated)
        #expect(encodingError { _ = try decodeDBP([], as: Int64.self) }?.kind == .truncated)
    }

    @Test("a header announcing 2^31-1 values allocates nothing: the caller's count is the limit")
    func hugeCountIsCapped() throws {
        // Block of 2^30 values, one miniblock, 2^31-1 values, first 5; one block of width 0 (+1 each).
        var bytes: [UInt8] = []
        bytes.appendEncodedULEB128(1 << 30)
        bytes.appendEncodedULEB128(1)
        bytes.appendEncodedULEB128(UInt64(Int32.max))
        bytes.appendEncodedZigZag(5)
        bytes.appendEncodedZigZag(1)
        bytes.append(0)
        try bytes.withUnsafeBytes { raw in
            var d = try DeltaBinaryPackedDecoder<Int64>(raw)
            #expect(try d.decode(count: 4) == [5, 6, 7, 8])
            // Walking to the end needs a second block that is not there.
            let error = encodingError { _ = try d.skipToEnd() }
            #expect(error?.kind == .truncated)
            #expect(error?.offset == bytes.count)
        }
        let tooMany = encodingError {
            try bytes.withUnsafeBytes { raw in
                var d = try DeltaBinaryPackedDecoder<Int64>(raw)
                _ = try d.decode(count: Int(Int32.max) + 1)
            }
        }
        #expect(tooMany?.kind == .countMismatch)
    }

    @Test("missing blocks, widths and miniblock bytes are errors with their offsets")
    func truncatedBlocks() {
        let values = (0 ..< 200).map { Int64($0 * 37 % 101) }
        let encoded = DeltaBinaryPackedEncoder<Int64>.encode(values)
        for cut in [5, 6, 8, 9, 20, encoded.count / 2] {
            let error = encodingError { _ = try decodeDBP(Array(encoded.prefix(cut)), as: Int64.self) }
            #expect(error?.kind == .truncated, "cut at \(cut)")
            #expect((error?.offset ?? -1) <= cut)
        }
    }
}
