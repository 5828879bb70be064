import Testing
@testable import Parquet

@Suite("RLE / bit-packed hybrid, eight values at a time")
struct RLEHybridGroupsTests {
    private func encode(_ values: [Int32], bitWidth: Int) -> [UInt8] {
        var out: [UInt8] = []
        values.withUnsafeBufferPointer { RLEHybridGroups.encode($0, bitWidth: bitWidth, into: &out) }
        return out
    }

    @Test("random streams with runs of every length decode back at every width 0...32")
    func roundTrip() throws {
        var rng = EncodingTestRandom(seed: 31)
        for width in 0 ... 32 {
            let maxValue: UInt64 = width == 0 ? 0 : (1 << UInt64(width)) - 1
            for count in [0, 1, 7, 8, 9, 15, 16, 17, 100, 5000, 9000] {
                var values: [Int32] = []
                while values.count < count {
                    let v = Int32(truncatingIfNeeded: rng.next() & maxValue)
                    let run = rng.bool() ? 1 : rng.int(1 ... 40)
                    values.append(contentsOf: repeatElement(v, count: min(run, count - values.count)))
                }
                #expect(try decodeRLE(encode(values, bitWidth: width), bitWidth: width, count: count) == values, "width \(width) count \(count)")
            }
        }
    }

    @Test("eight or more equal values become one repeated run, wherever they start")
    func repeatedRuns() throws {
        // A million definition levels of 1: one header and one value byte.
        #expect(encode([Int32](repeating: 1, count: 1_000_000), bitWidth: 1).count <= 5)
        // Three varied values, then 40 fours: one packed group (3 varied + 5 fours), then the rest
        // of the fours as a repeated run (its first group of eight starts at value 8), then the tail.
        let values: [Int32] = [1, 2, 3] + [Int32](repeating: 4, count: 40) + [5, 6]
        let encoded = encode(values, bitWidth: 3)
        #expect(try decodeRLE(encoded, bitWidth: 3, count: values.count) == values)
        #expect(encoded.count == (1 + 3) + (1 + 1) + (1 + 3))
        #expect([encoded[0], encoded[4], encoded[5], encoded[6]] == [0x03, 35 << 1, 0x04, 0x03])
    }

    @Test("long stretches without repeats are cut into bit-packed runs of at most 4096 values")
    func longPackedStretches() throws {
        let values = (0 ..< 10_000).map { Int32($0 % 251) }
        let encoded = encode(values, bitWidth: 8)
        #expect(try decodeRLE(encoded, bitWidth: 8, count: values.count) == values)
        // Three runs: 4096 + 4096 + 1808 values, each a 2-byte header and one byte per value.
        #expect(encoded.count == 3 * 2 + 10_000)
        // Exactly 4096 packed values, then a repetition: one packed run, one repeated run.
        let edge = (0 ..< 4096).map { Int32($0 % 251) } + [Int32](repeating: 7, count: 20)
        let edgeBytes = encode(edge, bitWidth: 8)
        #expect(try decodeRLE(edgeBytes, bitWidth: 8, count: edge.count) == edge)
        #expect(edgeBytes.count == (2 + 4096) + (1 + 1))
    }

    @Test("32-bit extremes and a long run of all-ones bits")
    func extremes() throws {
        let values: [Int32] = [-1, -1, .min, .max, 0] + [Int32](repeating: -1, count: 100) + [.max]
        #expect(try decodeRLE(encode(values, bitWidth: 32), bitWidth: 32, count: values.count) == values)
    }
}
