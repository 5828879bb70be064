import Testing
@testable import Parquet

@Suite("deprecated BIT_PACKED levels (MSB first)")
struct LegacyBitPackedTests {
    @Test("the spec's example decodes 0x05 0x39 0x77 as 0...7 at 3 bits")
    func specExample() throws {
        #expect(try LegacyBitPacked.decode([0x05, 0x39, 0x77], bitWidth: 3, count: 8) == [0, 1, 2, 3, 4, 5, 6, 7])
        #expect(LegacyBitPacked.encode([0, 1, 2, 3, 4, 5, 6, 7], bitWidth: 3) == [0x05, 0x39, 0x77])
    }

    @Test("the spec's sizing: 30 values of 2 bits take 8 bytes")
    func sizing() {
        #expect(LegacyBitPacked.byteCount(count: 30, bitWidth: 2) == 8)
        #expect(LegacyBitPacked.encode([Int32](repeating: 3, count: 30), bitWidth: 2).count == 8)
    }

    @Test("every width 0...32 round-trips and reports the bytes it used")
    func roundTrip() throws {
        var rng = EncodingTestRandom(seed: 21)
        for width in 0 ... 32 {
            let mask: UInt64 = (1 << UInt64(width)) - 1
            for count in [0, 1, 5, 8, 30, 257] {
                let values = (0 ..< count).map { _ in Int32(truncatingIfNeeded: rng.next() & mask) }
                let encoded = LegacyBitPacked.encode(values, bitWidth: width)
                let trailing = encoded + [0xAB, 0xCD]
                var out = [Int32](repeating: 0, count: count)
                let used = try trailing.withUnsafeBytes { raw in
                    try out.withUnsafeMutableBufferPointer { try LegacyBitPacked.decode(raw, bitWidth: width, into: $0) }
                }
                #expect(out == values, "width \(width) count \(count)")
                #expect(used == encoded.count)
            }
        }
    }

    @Test("short input and bad widths are errors")
    func errors() {
        let short = encodingError { _ = try LegacyBitPacked.decode([0x05, 0x39], bitWidth: 3, count: 8) }
        #expect(short?.kind == .truncated)
        #expect(short?.offset == 2)
        #expect(encodingError { _ = try LegacyBitPacked.decode([0, 0, 0, 0, 0], bitWidth: 33, count: 1) }?.kind == .invalidBitWidth)
    }
}
