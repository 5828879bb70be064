import Testing
@testable import Parquet

/// Random and mutated inputs through every decoder: each call must either succeed with exactly the
/// requested number of values or throw an `EncodingError`; a trap or an out-of-bounds read fails the
/// whole test process (and the address sanitizer, when enabled, catches reads that do not trap).
@Suite("decoder fuzzing")
struct DecoderFuzzTests {
    /// Valid streams of every encoding, the starting points for mutation.
    static func seeds() -> [[UInt8]] {
        var rng = EncodingTestRandom(seed: 71)
        var seeds: [[UInt8]] = []
        let ints = (0 ..< 300).map { _ in Int64(rng.int(-1000 ... 1000)) }
        seeds.append(DeltaBinaryPackedEncoder<Int64>.encode(ints))
        seeds.append(DeltaBinaryPackedEncoder<Int64>.encode(encodingEdgeInt64))
        seeds.append(DeltaBinaryPackedEncoder<Int32>.encode(ints.map { Int32($0) }))
        seeds.append(referenceDeltaStream([1, 2, 3, 4, 5, 9, 1, 1, 1, 0], blockSize: 8, miniblocks: 1))
        let strings = ByteArrayBuffer((0 ..< 40).map { i in Array("value \(i % 7) \(i)".utf8) })
        seeds.append(DeltaLengthByteArrayEncoder.encode(strings))
        seeds.append(DeltaByteArrayEncoder.encode(strings))
        seeds.append(PlainEncoder.encodeByteArrays(strings))
        let levels = (0 ..< 500).map { i in Int32(i % 50 < 25 ? 1 : rng.int(0 ... 3)) }
        seeds.append(RLEHybridEncoder.encode(levels, bitWidth: 2))
        seeds.append(RLEHybridEncoder.encode(levels, bitWidth: 2, lengthPrefixed: true))
        seeds.append(RLEHybridEncoder.encodeDictionaryIndices(levels))
        seeds.append(RLEHybridEncoder.encodeDictionaryIndices((0 ..< 200).map { Int32($0 * 7 % 300) }))
        seeds.append(ByteStreamSplitEncoder.encode((0 ..< 30).map { Double($0) / 3 }))
        seeds.append(PlainEncoder.encode((0 ..< 30).map { Int32($0) }))
        seeds.append(LegacyBitPacked.encode(levels, bitWidth: 2))
        seeds.append(PyArrowPages.deltaInt64)
        seeds.append(PyArrowPages.deltaStrings)
        seeds.append(PyArrowPages.dictionaryPageV1Data)
        seeds.append(PyArrowPages.listPageV1)
        seeds.append(ParquetMRPages.requiredSalutation)
        seeds.append(ParquetMRPages.optionalBirthMonth)
        seeds.append(ParquetMRPages.listPageV2)
        return seeds
    }

    static func mutate(_ input: [UInt8], _ rng: inout EncodingTestRandom) -> [UInt8] {
        var bytes = input
        for _ in 0 ..< rng.int(1 ... 4) {
            switch rng.int(0 ... 7) {
            case 0 where !bytes.isEmpty:
                let i = rng.int(0 ..< bytes.count)
                bytes[i] ^= 1 << UInt8(rng.int(0 ... 7))
            case 1 where !bytes.isEmpty:
                bytes[rng.int(0 ..< bytes.count)] = [0x00, 0xFF, 0x7F, 0x80, 0x01, 0x41][rng.int(0 ... 5)]
            case 2 where !bytes.isEmpty:
                bytes.removeLast(rng.int(1 ... bytes.count))
            case 3:
                bytes.insert(contentsOf: rng.bytes(rng.int(1 ... 8)), at: rng.int(0 ... bytes.count))
            case 4 where bytes.count > 4:
                // Overwrite a stretch with a large varint or length.
                let i = rng.int(0 ..< bytes.count - 4)
                bytes.replaceSubrange(i ..< i + 4, with: [0xFF, 0xFF, 0xFF, 0x7F])
            case 5 where !bytes.isEmpty:
                bytes.removeFirst(rng.int(1 ... min(4, bytes.count)))
            case 6:
                bytes = rng.bytes(rng.int(0 ... 64))
            default:
                if !bytes.isEmpty { bytes[rng.int(0 ..< bytes.count)] = UInt8(truncatingIfNeeded: rng.next()) }
            }
        }
        return bytes
    }

    /// Every decoder over `bytes`, with counts and widths drawn from `rng`.
    static func exercise(_ bytes: [UInt8], _ rng: inout EncodingTestRandom) {
        let count = rng.bool() ? rng.int(0 ... 64) : rng.int(0 ... 3000)
        let width = rng.int(0 ... 34)
        bytes.withUnsafeBytes { raw in
            // RLE / bit-packed hybrid, in all three framings.
            if var d = try? RLEHybridDecoder(raw, bitWidth: width) {
                var out = [Int32](repeating: 0, count: count)
                if (try? out.withUnsafeMutableBufferPointer({ try d.decode(into: $0) })) != nil {
                    #expect(d.valuesRead == count)
                }
                _ = try? d.skip(rng.int(0 ... 100))
            }
            if var d = try? RLEHybridDecoder(lengthPrefixed: raw, bitWidth: min(width, 32)) {
                #expect(d.encodedByteCount <= raw.count)
                var out = [Bool](repeating: false, count: count)
                _ = try? out.withUnsafeMutableBufferPointer { try d.decodeBooleans(into: $0) }
            }
            if var d = try? RLEHybridDecoder(dictionaryIndices: raw) {
                var out = [Int32](repeating: 0, count: count)
                if (try? out.withUnsafeMutableBufferPointer({ try d.decodeIndices(into: $0, dictionaryCount: 300) })) != nil {
                    #expect(out.allSatisfy { $0 >= 0 && $0 < 300 })
                }
            }
            // Deprecated bit packing.
            var levels = [Int32](repeating: 0, count: count)
            if let used = try? levels.withUnsafeMutableBufferPointer({ try LegacyBitPacked.decode(raw, bitWidth: width, into: $0) }) {
                #expect(used <= raw.count)
            }
            // DELTA_BINARY_PACKED at both widths, partly decoded then skipped to the end.
            if var d = try? DeltaBinaryPackedDecoder<Int64>(raw) {
                _ = try? d.decode(count: min(count, d.remaining))
                if let end = try? d.skipToEnd() { #expect(end <= raw.count) }
            }
            if var d = try? DeltaBinaryPackedDecoder<Int32>(raw) {
                if let values = try? d.decode(count: min(count, d.remaining)) { #expect(values.count == min(count, d.totalCount)) }
                _ = try? d.skip(min(rng.int(0 ... 600), d.remaining))
                _ = try? d.decode(count: min(5, d.remaining))
            }
            // Byte arrays.
            if var d = try? DeltaLengthByteArrayDecoder(raw, count: count) {
                var out = ByteArrayBuffer()
                if (try? d.decode(count: count, into: &out)) != nil {
                    #expect(out.count == count)
                    #expect(Int(out.offsets.last!) == out.values.count)
                    #expect(d.bytesConsumed <= raw.count)
                }
            }
            if var d = try? DeltaByteArrayDecoder(raw, count: count) {
                var out = ByteArrayBuffer()
                if (try? d.decode(count: count, into: &out)) != nil {
                    #expect(out.count == count)
                    #expect(zip(out.offsets, out.offsets.dropFirst()).allSatisfy { $0 <= $1 })
                }
            }
            if var d = try? DeltaByteArrayDecoder(raw, count: count) {
                _ = try? d.skip(count / 2)
                var out: [UInt8] = []
                _ = try? d.decodeFixed(count: count, width: rng.int(1 ... 16), into: &out)
            }
            // PLAIN of every kind.
            var plain = PlainDecoder(raw)
            var strings = ByteArrayBuffer()
            _ = try? plain.decodeBooleans(count: rng.int(0 ... 20))
            _ = try? plain.skipBooleans(rng.int(-1 ... 9))
            _ = try? plain.skipByteArrays(rng.int(0 ... 3))
            _ = try? plain.decodeByteArrays(count: count, into: &strings)
            _ = try? plain.decode(count: rng.int(0 ... 50), as: Int96.self)
            _ = try? plain.decode(count: count, as: Double.self)
            var fixed: [UInt8] = []
            _ = try? plain.decodeFixedLenByteArrays(count: count, width: rng.int(0 ... 20), into: &fixed)
            #expect(plain.bytesConsumed <= raw.count)
            // BYTE_STREAM_SPLIT.
            if var d = try? ByteStreamSplitDecoder(raw, width: [4, 8, 3, 12][rng.int(0 ... 3)]) {
                var out: [UInt8] = []
                _ = try? d.decodeFixedLenByteArrays(count: min(count, d.remaining + rng.int(0 ... 1)), into: &out)
            }
            // Bit unpacking from an arbitrary start.
            var unpacked = [UInt64](repeating: 0, count: min(count, 200))
            _ = try? unpacked.withUnsafeMutableBufferPointer {
                try BitPacking.unpack(raw, bitWidth: rng.int(-1 ... 65), startIndex: rng.int(0 ... 40), into: $0)
            }
        }
    }

    @Test("mutated valid streams never crash any decoder (3,000 cases)")
    func mutated() {
        var rng = EncodingTestRandom(seed: 72)
        let seeds = Self.seeds()
        for _ in 0 ..< 3000 {
            let base = seeds[rng.int(0 ..< seeds.count)]
            Self.exercise(Self.mutate(base, &rng), &rng)
        }
    }

    @Test("random bytes never crash any decoder (1,000 cases)")
    func random() {
        var rng = EncodingTestRandom(seed: 73)
        for _ in 0 ..< 1000 {
            Self.exercise(rng.bytes(rng.int(0 ... 96)), &rng)
        }
    }

    @Test("every prefix of every valid stream is decoded or refused cleanly")
    func prefixes() {
        var rng = EncodingTestRandom(seed: 74)
        for seed in Self.seeds() {
            for cut in stride(from: 0, to: seed.count, by: max(1, seed.count / 40)) {
                Self.exercise(Array(seed.prefix(cut)), &rng)
            }
        }
    }
}
