import Testing
@testable import Parquet

@Suite("BYTE_STREAM_SPLIT")
struct ByteStreamSplitTests {
    @Test("the spec's example scatters three 4-byte values into four streams")
    func specExample() throws {
        let plain: [UInt8] = [0xAA, 0xBB, 0xCC, 0xDD, 0x00, 0x11, 0x22, 0x33, 0xA3, 0xB4, 0xC5, 0xD6]
        let split: [UInt8] = [0xAA, 0x00, 0xA3, 0xBB, 0x11, 0xB4, 0xCC, 0x22, 0xC5, 0xDD, 0x33, 0xD6]
        #expect(ByteStreamSplitEncoder.encodeFixedLenByteArrays(plain, width: 4) == split)
        try split.withUnsafeBytes { raw in
            var d = try ByteStreamSplitDecoder(raw, width: 4)
            #expect(d.valueCount == 3)
            #expect(try d.decode(count: 3, as: UInt32.self) == [0xDDCC_BBAA, 0x3322_1100, 0xD6C5_B4A3])
        }
    }

    func roundTrip<T: PlainFixedWidth & Equatable>(_ values: [T]) throws -> [T] {
        let encoded = ByteStreamSplitEncoder.encode(values)
        #expect(encoded.count == values.count * T.plainByteWidth)
        return try encoded.withUnsafeBytes { raw in
            var d = try ByteStreamSplitDecoder(raw, width: T.plainByteWidth)
            return try d.decode(count: values.count, as: T.self)
        }
    }

    @Test("floats and doubles round-trip bit for bit, NaN and -0.0 included")
    func floats() throws {
        var rng = EncodingTestRandom(seed: 61)
        let f: [Float] = [0, -0.0, .nan, Float(bitPattern: 0xFF81_2345), .infinity, -.infinity, .leastNonzeroMagnitude]
            + (0 ..< 300).map { _ in Float(bitPattern: UInt32(truncatingIfNeeded: rng.next())) }
        let d: [Double] = [0, -0.0, .nan, .infinity, -.infinity, .greatestFiniteMagnitude]
            + (0 ..< 300).map { _ in Double(bitPattern: rng.next()) }
        #expect(try roundTrip(f).map(\.bitPattern) == f.map(\.bitPattern))
        #expect(try roundTrip(d).map(\.bitPattern) == d.map(\.bitPattern))
    }

    @Test("INT32 and INT64 round-trip, extremes included")
    func integers() throws {
        var rng = EncodingTestRandom(seed: 62)
        let i32 = encodingEdgeInt32 + (0 ..< 100).map { _ in Int32(truncatingIfNeeded: rng.next()) }
        let i64 = encodingEdgeInt64 + (0 ..< 100).map { _ in Int64(bitPattern: rng.next()) }
        #expect(try roundTrip(i32) == i32)
        #expect(try roundTrip(i64) == i64)
        #expect(try roundTrip([Int64]()) == [])
        #expect(try roundTrip([Int32(7)]) == [7])
    }

    @Test("fixed-length byte arrays of odd widths round-trip, read in batches")
    func fixedLength() throws {
        var rng = EncodingTestRandom(seed: 63)
        for width in [1, 2, 3, 5, 12, 16] {
            let values = rng.bytes(width * 77)
            let encoded = ByteStreamSplitEncoder.encodeFixedLenByteArrays(values, width: width)
            var out: [UInt8] = []
            try encoded.withUnsafeBytes { raw in
                var d = try ByteStreamSplitDecoder(raw, width: width)
                while d.remaining > 0 { try d.decodeFixedLenByteArrays(count: min(d.remaining, rng.int(1 ... 20)), into: &out) }
            }
            #expect(out == values, "width \(width)")
        }
    }

    @Test("a page that is not a whole number of values, or a request past the end, is refused")
    func errors() {
        let odd = encodingError {
            try [UInt8](repeating: 0, count: 10).withUnsafeBytes { raw in
                _ = try ByteStreamSplitDecoder(raw, width: 4)
            }
        }
        #expect(odd?.kind == .invalidLength)
        let tooMany = encodingError {
            try [UInt8](repeating: 0, count: 16).withUnsafeBytes { raw in
                var d = try ByteStreamSplitDecoder(raw, width: 8)
                _ = try d.decode(count: 3, as: Double.self)
            }
        }
        #expect(tooMany?.kind == .countMismatch)
        let wrongType = encodingError {
            try [UInt8](repeating: 0, count: 16).withUnsafeBytes { raw in
                var d = try ByteStreamSplitDecoder(raw, width: 8)
                _ = try d.decode(count: 1, as: Float.self)
            }
        }
        #expect(wrongType?.kind == .unsupported)
        #expect(encodingError {
            try [UInt8]().withUnsafeBytes { raw in _ = try ByteStreamSplitDecoder(raw, width: 0) }
        }?.kind == .invalidLength)
    }
}
