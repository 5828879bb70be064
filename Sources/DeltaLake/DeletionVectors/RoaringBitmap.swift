/// Decoding of the 64-bit Roaring bitmaps deletion vectors are stored in (Delta's
/// `RoaringBitmapArray` in the portable format: a magic number, then 32-bit Roaring bitmaps each
/// keyed by the high 32 bits of the row indices it holds).
public enum RoaringBitmap {
    /// The magic number that starts a serialized `RoaringBitmapArray` (little-endian).
    static let magic: UInt32 = 1_681_511_377
    static let serialCookieNoRuns: UInt32 = 12346
    static let serialCookie: UInt32 = 12347

    /// A bitmap that does not decode: where (byte offset) and what was wrong.
    public struct DecodeError: Error, Sendable {
        public var offset: Int
        public var message: String
    }

    /// The row indices of a serialized `RoaringBitmapArray`, ascending; more than `limit` rows
    /// (the cardinality the log states) is an error before they are all materialised.
    public static func decodeArray(_ bytes: ArraySlice<UInt8>, limit: Int64 = .max) throws(DecodeError) -> [UInt64] {
        var reader = ByteReader(bytes: Array(bytes))
        guard try reader.uint32() == magic else { throw DecodeError(offset: 0, message: "not a RoaringBitmapArray (wrong magic number)") }
        let count = try reader.uint64()
        guard count <= UInt64(reader.remaining) else { throw reader.fail("claims \(count) bitmaps, more than its bytes can hold") }
        var rows: [UInt64] = []
        var previousKey: Int64 = -1
        for _ in 0 ..< count {
            let key = try reader.uint32()
            guard Int64(key) > previousKey else { throw reader.fail("bitmap keys are not ascending") }
            previousKey = Int64(key)
            let high = UInt64(key) << 32
            for low in try decode32(&reader, limit: limit - Int64(rows.count)) {
                let row = high | UInt64(low)
                guard rows.last.map({ $0 < row }) ?? true else { throw reader.fail("row indices are not strictly ascending") }
                rows.append(row)
            }
        }
        return rows
    }

    /// One 32-bit Roaring bitmap in the portable serialization, ascending.
    static func decode32(_ reader: inout ByteReader, limit: Int64 = .max) throws(DecodeError) -> [UInt32] {
        let cookie = try reader.uint32()
        var containerCount: Int
        var runFlags: [UInt8] = []
        let hasRuns: Bool
        if cookie & 0xFFFF == serialCookie {
            hasRuns = true
            containerCount = Int(cookie >> 16) + 1
            runFlags = try reader.bytes((containerCount + 7) / 8)
        } else if cookie == serialCookieNoRuns {
            hasRuns = false
            containerCount = Int(try reader.uint32())
        } else {
            throw reader.fail("unknown Roaring cookie \(cookie)")
        }
        guard containerCount <= 65536, containerCount * 4 <= reader.remaining else {
            throw reader.fail("claims \(containerCount) containers, more than its bytes can hold")
        }
        var keys: [UInt16] = []
        var cardinalities: [Int] = []
        for _ in 0 ..< containerCount {
            keys.append(try reader.uint16())
            cardinalities.append(Int(try reader.uint16()) + 1)
        }
        if !hasRuns || containerCount >= 4 {
            _ = try reader.bytes(4 * containerCount)  // container offsets: not needed when reading in order
        }
        var values: [UInt32] = []
        for index in 0 ..< containerCount {
            let high = UInt32(keys[index]) << 16
            let isRun = hasRuns && runFlags[index / 8] & (1 << (index % 8)) != 0
            if isRun {
                let runs = Int(try reader.uint16())
                for _ in 0 ..< runs {
                    let start = UInt32(try reader.uint16())
                    let length = UInt32(try reader.uint16())
                    guard start + length <= 0xFFFF else { throw reader.fail("a run passes the end of its container") }
                    guard Int64(values.count) + Int64(length) < limit else { throw reader.fail("holds more rows than the log's cardinality") }
                    for low in start ... start + length { values.append(high | low) }
                }
            } else if cardinalities[index] <= 4096 {
                for _ in 0 ..< cardinalities[index] { values.append(high | UInt32(try reader.uint16())) }
            } else {
                guard Int64(values.count) + Int64(cardinalities[index]) <= limit else { throw reader.fail("holds more rows than the log's cardinality") }
                let words = try reader.bytes(8192)
                for (byteIndex, byte) in words.enumerated() where byte != 0 {
                    for bit in 0 ..< 8 where byte & (1 << bit) != 0 { values.append(high | UInt32(byteIndex * 8 + bit)) }
                }
            }
        }
        return values
    }
}

/// Little-endian reads over a byte array with bounds checks.
struct ByteReader {
    let bytes: [UInt8]
    var position = 0

    var remaining: Int { bytes.count - position }

    func fail(_ message: String) -> RoaringBitmap.DecodeError {
        RoaringBitmap.DecodeError(offset: position, message: message)
    }

    mutating func bytes(_ n: Int) throws(RoaringBitmap.DecodeError) -> [UInt8] {
        guard n >= 0, n <= remaining else { throw fail("ends early: \(n) more bytes needed, \(remaining) left") }
        defer { position += n }
        return Array(bytes[position ..< position + n])
    }

    mutating func uint16() throws(RoaringBitmap.DecodeError) -> UInt16 {
        let b = try bytes(2)
        return UInt16(b[0]) | UInt16(b[1]) << 8
    }

    mutating func uint32() throws(RoaringBitmap.DecodeError) -> UInt32 {
        let b = try bytes(4)
        return UInt32(b[0]) | UInt32(b[1]) << 8 | UInt32(b[2]) << 16 | UInt32(b[3]) << 24
    }

    mutating func uint64() throws(RoaringBitmap.DecodeError) -> UInt64 {
        UInt64(try uint32()) | UInt64(try uint32()) << 32
    }
}

/// Z85 (ZeroMQ base-85), which Delta uses for inline deletion vectors and for the UUIDs in
/// deletion-vector file names.
public enum Z85 {
    static let alphabet = Array("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#".utf8)
    static let values: [UInt8: UInt32] = Dictionary(uniqueKeysWithValues: alphabet.enumerated().map { ($0.element, UInt32($0.offset)) })

    /// The bytes of `text` (a multiple of 5 characters); nil when it is not Z85.
    public static func decode(_ text: String) -> [UInt8]? {
        let chars = Array(text.utf8)
        guard chars.count % 5 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(chars.count / 5 * 4)
        var index = 0
        while index < chars.count {
            var value: UInt64 = 0
            for _ in 0 ..< 5 {
                guard let digit = values[chars[index]] else { return nil }
                value = value * 85 + UInt64(digit)
                index += 1
            }
            guard value <= UInt64(UInt32.max) else { return nil }
            out += [UInt8(value >> 24 & 0xFF), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
        }
        return out
    }
}
