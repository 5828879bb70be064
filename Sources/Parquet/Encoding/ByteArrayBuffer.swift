/// Variable-length byte strings laid out the Arrow way: one contiguous `values` buffer and
/// `count + 1` offsets into it (value `i` is `values[offsets[i] ..< offsets[i + 1]]`). Decoders
/// append to a buffer, so the pages of a column chunk can accumulate into one.
///
/// Offsets are 32-bit like Arrow's `binary`/`utf8`; decoders throw rather than let a buffer grow
/// past `Int32.max` bytes.
public struct ByteArrayBuffer: Sendable, Equatable {
    public var offsets: [Int32]
    public var values: [UInt8]

    public init() {
        offsets = [0]
        values = []
    }

    public init<S: Sequence>(_ arrays: S) where S.Element == [UInt8] {
        self.init()
        for a in arrays { append(a) }
    }

    public init(strings: [String]) {
        self.init()
        for s in strings { append(Array(s.utf8)) }
    }

    public var count: Int { offsets.count - 1 }
    public var isEmpty: Bool { offsets.count <= 1 }

    /// Length of value `i`.
    public func length(at i: Int) -> Int { Int(offsets[i + 1] - offsets[i]) }

    public subscript(i: Int) -> ArraySlice<UInt8> {
        values[Int(offsets[i]) ..< Int(offsets[i + 1])]
    }

    /// Value `i` as a `String` (invalid UTF-8 is repaired); for tests and diagnostics.
    public func string(at i: Int) -> String { String(decoding: self[i], as: UTF8.self) }

    /// The values as separate arrays; for tests and diagnostics.
    public var arrays: [[UInt8]] { (0 ..< count).map { Array(self[$0]) } }

    public mutating func reserveCapacity(values valueCount: Int, bytes: Int) {
        offsets.reserveCapacity(offsets.count + valueCount)
        values.reserveCapacity(values.count + bytes)
    }

    public mutating func append(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { append($0) }
    }

    /// Appends one value; traps if the buffer would pass `Int32.max` bytes (decoders check first).
    public mutating func append(_ bytes: UnsafeRawBufferPointer) {
        precondition(values.count + bytes.count <= Int(Int32.max), "byte array buffer over 2 GiB")
        values.append(contentsOf: bytes)
        offsets.append(Int32(values.count))
    }

    /// Whether `extra` more bytes still fit under the 32-bit offsets.
    func canGrow(by extra: Int) -> Bool { extra >= 0 && extra <= Int(Int32.max) - values.count }
}

/// A 12-byte INT96 value (deprecated physical type; Impala/Spark timestamps): the first 8 bytes
/// little-endian in `low` (nanoseconds of the day for timestamps), the last 4 in `high` (Julian day).
public struct Int96: Hashable, Sendable {
    public var low: UInt64
    public var high: UInt32

    public init(low: UInt64, high: UInt32) {
        self.low = low
        self.high = high
    }
}
