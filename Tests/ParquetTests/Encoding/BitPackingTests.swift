import Testing
@testable import Parquet

@Suite("bit packing (LSB first)")
struct BitPackingTests {
    @Test("the spec's example packs 0...7 at 3 bits into 0x88 0xC6 0xFA")
    func specExample() throws {
        let values: [Int32] = [0, 1, 2, 3, 4, 5, 6, 7]
        #expect(BitPacking.pack(values, bitWidth: 3) == [0x88, 0xC6, 0xFA])
        #expect(try BitPacking.unpack([0x88, 0xC6, 0xFA], bitWidth: 3, count: 8, as: Int32.self) == values)
    }

    @Test("byte counts round up to whole bytes")
    func byteCounts() {
        #expect(BitPacking.byteCount(count: 0, bitWidth: 7) == 0)
        #expect(BitPacking.byteCount(count: 1, bitWidth: 1) == 1)
        #expect(BitPacking.byteCount(count: 8, bitWidth: 3) == 3)
        #expect(BitPacking.byteCount(count: 9, bitWidth: 3) == 4)
        #expect(BitPacking.byteCount(count: 3, bitWidth: 64) == 24)
        #expect(BitPacking.byteCount(count: 100, bitWidth: 0) == 0)
    }

    @Test("every width 0...64 round-trips random values at awkward counts")
    func roundTripAllWidths64() throws {
        var rng = EncodingTestRandom(seed: 1)
        for width in 0 ... 64 {
            let mask: UInt64 = width == 64 ? ~0 : (1 << UInt64(width)) - 1
            for count in [0, 1, 7, 8, 9, 31, 64, 65, 200, 1001] {
                let values = (0 ..< count).map { _ in rng.next() & mask }
                let packed = BitPacking.pack(values, bitWidth: width)
                #expect(packed.count == BitPacking.byteCount(count: count, bitWidth: width))
                let back = try BitPacking.unpack(packed, bitWidth: width, count: count, as: UInt64.self)
                #expect(back == values, "width \(width), count \(count)")
            }
        }
    }

    @Test("every width 0...32 round-trips into Int32, including the sign bit at 32")
    func roundTripAllWidths32() throws {
        var rng = EncodingTestRandom(seed: 2)
        for width in 0 ... 32 {
            let mask: UInt64 = (1 << UInt64(width)) - 1
            let values = (0 ..< 333).map { _ in Int32(truncatingIfNeeded: rng.next() & mask) }
            let packed = BitPacking.pack(values, bitWidth: width)
            #expect(try BitPacking.unpack(packed, bitWidth: width, count: values.count, as: Int32.self) == values)
        }
    }

    @Test("unpacking can start at any value, not only at a group boundary")
    func unpackFromMiddle() throws {
        var rng = EncodingTestRandom(seed: 3)
        for width in [1, 3, 8, 13, 31, 32, 57, 63, 64] {
            let mask: UInt64 = width == 64 ? ~0 : (1 << UInt64(width)) - 1
            let values = (0 ..< 150).map { _ in rng.next() & mask }
            let packed = BitPacking.pack(values, bitWidth: width)
            for start in [0, 1, 5, 8, 13, 64, 149] {
                let count = values.count - start
                var out = [UInt64](repeating: 0, count: count)
                try packed.withUnsafeBytes { raw in
                    try out.withUnsafeMutableBufferPointer { try BitPacking.unpack(raw, bitWidth: width, startIndex: start, into: $0) }
                }
                #expect(out == Array(values[start...]), "width \(width) start \(start)")
            }
        }
    }

    @Test("values wider than the width lose their high bits when packed")
    func packMasks() throws {
        let packed = BitPacking.pack([UInt32(0xFF), 0x1FF], bitWidth: 4)
        #expect(packed == [0xFF])
    }

    @Test("a short input is an error that names the missing bytes")
    func truncated() {
        let error = encodingError {
            _ = try BitPacking.unpack([0xFF, 0xFF], bitWidth: 3, count: 8, as: Int32.self)
        }
        #expect(error?.kind == .truncated)
        #expect(error?.offset == 2)
    }

    @Test("a width wider than the output type is refused")
    func widthTooWide() {
        var out = [Int32](repeating: 0, count: 1)
        let input = [UInt8](repeating: 0, count: 16)
        let error = encodingError {
            try input.withUnsafeBytes { raw in
                try withDecodeBuffer(&out) { (dst) throws(EncodingError) in try BitPacking.unpack(raw, bitWidth: 33, into: dst) }
            }
        }
        #expect(error?.kind == .invalidBitWidth)
        #expect(encodingError { _ = try BitPacking.unpack(input, bitWidth: 65, count: 1, as: UInt64.self) }?.kind == .invalidBitWidth)
        #expect(encodingError { _ = try BitPacking.unpack(input, bitWidth: -1, count: 1, as: UInt64.self) }?.kind == .invalidBitWidth)
    }

    @Test("unpacking never reads past the input, even when the data ends exactly at a group")
    func exactEnd() throws {
        // Exactly-sized buffers for every width: the fast path must fall back before the end.
        for width in 1 ... 64 {
            let values = [UInt64](repeating: width == 64 ? ~0 : (1 << UInt64(width)) - 1, count: 24)
            let packed = BitPacking.pack(values, bitWidth: width)
            #expect(try BitPacking.unpack(packed, bitWidth: width, count: 24, as: UInt64.self) == values)
        }
    }
}
