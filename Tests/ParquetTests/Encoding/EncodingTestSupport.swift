import Testing
@testable import Parquet

/// SplitMix64: small, seeded, reproducible across platforms.
struct EncodingTestRandom: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func int(_ range: Range<Int>) -> Int { Int.random(in: range, using: &self) }
    mutating func int(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &self) }
    mutating func bool() -> Bool { next() & 1 == 1 }

    mutating func bytes(_ count: Int) -> [UInt8] {
        (0 ..< count).map { _ in UInt8(truncatingIfNeeded: next()) }
    }
}

/// Bytes from a hex string; spaces and newlines are ignored.
func hexBytes(_ text: String) -> [UInt8] {
    let digits = text.filter { !$0.isWhitespace }
    precondition(digits.count % 2 == 0, "odd number of hex digits")
    var out: [UInt8] = []
    out.reserveCapacity(digits.count / 2)
    var index = digits.startIndex
    while index < digits.endIndex {
        let next = digits.index(index, offsetBy: 2)
        out.append(UInt8(digits[index ..< next], radix: 16)!)
        index = next
    }
    return out
}

/// Runs `body` and returns the `EncodingError` it threw, or nil if it succeeded (any other error
/// is recorded as a test failure).
func encodingError(_ body: () throws -> Void) -> EncodingError? {
    do {
        try body()
        return nil
    } catch let error as EncodingError {
        return error
    } catch {
        Issue.record("expected an EncodingError, got \(error)")
        return nil
    }
}

// Array-based conveniences over the pointer-based decoders.

func decodeRLE(_ bytes: [UInt8], bitWidth: Int, count: Int) throws(EncodingError) -> [Int32] {
    try RLEHybridDecoder.decode(bytes, bitWidth: bitWidth, count: count)
}

func decodePlain<T: PlainFixedWidth>(_ bytes: [UInt8], count: Int, as type: T.Type) throws(EncodingError) -> [T] {
    try withEncodedBytes(bytes) { (raw) throws(EncodingError) in
        var d = PlainDecoder(raw)
        return try d.decode(count: count, as: T.self)
    }
}

func decodeDBP<T: FixedWidthInteger & SignedInteger>(_ bytes: [UInt8], as type: T.Type) throws(EncodingError) -> [T] {
    try DeltaBinaryPackedDecoder<T>.decode(bytes)
}

/// Values that make delta arithmetic overflow.
let encodingEdgeInt64: [Int64] = [0, 1, -1, .max, .min, .max - 1, .min + 1, 1 << 62, -(1 << 62), 0x1234_5678_9ABC_DEF0]
let encodingEdgeInt32: [Int32] = [0, 1, -1, .max, .min, .max - 1, .min + 1, 1 << 30, -(1 << 30), 0x1234_5678]
