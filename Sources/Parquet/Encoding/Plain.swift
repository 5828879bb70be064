// PLAIN (`PLAIN = 0`): values back to back.
// - BOOLEAN: one bit each, least significant bit first (the same order as `BitPacking`);
// - INT32, INT64, FLOAT, DOUBLE: 4 or 8 bytes little-endian (IEEE 754 for the floats);
// - INT96: 12 bytes little-endian;
// - BYTE_ARRAY: a 4-byte little-endian length, then the bytes;
// - FIXED_LEN_BYTE_ARRAY: the bytes, the width coming from the schema.
// Dictionary pages are PLAIN too.

/// A physical type stored as fixed-width little-endian bytes in PLAIN and BYTE_STREAM_SPLIT.
public protocol PlainFixedWidth: Sendable {
    /// Bytes per value in the encoded form.
    static var plainByteWidth: Int { get }
    /// Whether an array of this type has exactly the encoded layout in memory (so decoding is a copy).
    static var memoryMatchesPlain: Bool { get }
    /// Reads one value from `plainByteWidth` little-endian bytes.
    init(plainBytes p: UnsafeRawPointer)
    /// Writes the value as `plainByteWidth` little-endian bytes.
    func writePlainBytes(to p: UnsafeMutableRawPointer)
}

#if _endian(little)
private let hostIsLittleEndian = true
#else
private let hostIsLittleEndian = false
#endif

extension Int32: PlainFixedWidth {
    public static var plainByteWidth: Int { 4 }
    public static var memoryMatchesPlain: Bool { hostIsLittleEndian }
    @inline(__always) public init(plainBytes p: UnsafeRawPointer) { self = Int32(bitPattern: unalignedLE32(p, 0)) }
    @inline(__always) public func writePlainBytes(to p: UnsafeMutableRawPointer) { p.storeBytes(of: littleEndian, as: Int32.self) }
}

extension Int64: PlainFixedWidth {
    public static var plainByteWidth: Int { 8 }
    public static var memoryMatchesPlain: Bool { hostIsLittleEndian }
    @inline(__always) public init(plainBytes p: UnsafeRawPointer) { self = Int64(bitPattern: unalignedLE64(p, 0)) }
    @inline(__always) public func writePlainBytes(to p: UnsafeMutableRawPointer) { p.storeBytes(of: littleEndian, as: Int64.self) }
}

extension UInt32: PlainFixedWidth {
    public static var plainByteWidth: Int { 4 }
    public static var memoryMatchesPlain: Bool { hostIsLittleEndian }
    @inline(__always) public init(plainBytes p: UnsafeRawPointer) { self = unalignedLE32(p, 0) }
    @inline(__always) public func writePlainBytes(to p: UnsafeMutableRawPointer) { p.storeBytes(of: littleEndian, as: UInt32.self) }
}

extension UInt64: PlainFixedWidth {
    public static var plainByteWidth: Int { 8 }
    public static var memoryMatchesPlain: Bool { hostIsLittleEndian }
    @inline(__always) public init(plainBytes p: UnsafeRawPointer) { self = unalignedLE64(p, 0) }
    @inline(__always) public func writePlainBytes(to p: UnsafeMutableRawPointer) { p.storeBytes(of: littleEndian, as: UInt64.self) }
}

extension Float: PlainFixedWidth {
    public static var plainByteWidth: Int { 4 }
    public static var memoryMatchesPlain: Bool { hostIsLittleEndian }
    @inline(__always) public init(plainBytes p: UnsafeRawPointer) { self = Float(bitPattern: unalignedLE32(p, 0)) }
    @inline(__always) public func writePlainBytes(to p: UnsafeMutableRawPointer) { p.storeBytes(of: bitPattern.littleEndian, as: UInt32.self) }
}

extension Double: PlainFixedWidth {
    public static var plainByteWidth: Int { 8 }
    public static var memoryMatchesPlain: Bool { hostIsLittleEndian }
    @inline(__always) public init(plainBytes p: UnsafeRawPointer) { self = Double(bitPattern: unalignedLE64(p, 0)) }
    @inline(__always) public func writePlainBytes(to p: UnsafeMutableRawPointer) { p.storeBytes(of: bitPattern.littleEndian, as: UInt64.self) }
}

extension Int96: PlainFixedWidth {
    public static var plainByteWidth: Int { 12 }
    public static var memoryMatchesPlain: Bool { false }
    @inline(__always) public init(plainBytes p: UnsafeRawPointer) { self.init(low: unalignedLE64(p, 0), high: unalignedLE32(p, 8)) }
    @inline(__always) public func writePlainBytes(to p: UnsafeMutableRawPointer) {
        p.storeBytes(of: low.littleEndian, as: UInt64.self)
        p.storeBytes(of: high.littleEndian, toByteOffset: 8, as: UInt32.self)
    }
}

/// Reads PLAIN values from a page's value section. Each call continues where the last one stopped,
/// so a page can be read in batches; `bytesConsumed` tells how far it got.
public struct PlainDecoder {
    static let name = "PLAIN"
    var reader: EncodedByteReader
    /// Bits of the current byte already used by booleans.
    var bitOffset = 0

    /// `baseOffset` is where `data` starts within the page (for error offsets).
    public init(_ data: UnsafeRawBufferPointer, baseOffset: Int = 0) {
        reader = EncodedByteReader(data, baseOffset: baseOffset, encoding: Self.name)
    }

    /// Bytes read so far (a partly used boolean byte counts as read).
    public var bytesConsumed: Int { reader.position + (bitOffset > 0 ? 1 : 0) }
    /// Bytes not yet read.
    public var bytesRemaining: Int { reader.bytes.count - bytesConsumed }

    /// Fixed-width values (INT32, INT64, INT96, FLOAT, DOUBLE).
    public mutating func decode<T: PlainFixedWidth>(into output: UnsafeMutableBufferPointer<T>) throws(EncodingError) {
        let n = output.count
        guard n > 0 else { return }
        alignToByte()
        let width = T.plainByteWidth
        guard n <= reader.remaining / width else {
            throw reader.error(.truncated, "\(n) \(T.self) values need \(n * width) bytes, only \(reader.remaining) remain")
        }
        let src = reader.bytes.baseAddress! + reader.position
        if T.memoryMatchesPlain {
            UnsafeMutableRawPointer(output.baseAddress!).copyMemory(from: src, byteCount: n * width)
        } else {
            for i in 0 ..< n { output[i] = T(plainBytes: src + i * width) }
        }
        reader.position += n * width
    }

    /// Array convenience for fixed-width values.
    public mutating func decode<T: PlainFixedWidth>(count: Int, as type: T.Type = T.self) throws(EncodingError) -> [T] {
        guard count >= 0, count <= reader.remaining / T.plainByteWidth else {
            throw reader.error(.truncated, "\(count) \(T.self) values need \(count * T.plainByteWidth) bytes, only \(reader.remaining) remain")
        }
        return try makeDecodedArray(count: count) { (p) throws(EncodingError) in try decode(into: p) }
    }

    /// Booleans, one bit each, continuing mid-byte across calls.
    public mutating func decodeBooleans(into output: UnsafeMutableBufferPointer<Bool>) throws(EncodingError) {
        let n = output.count
        guard n > 0 else { return }
        let bitsLeft = reader.remaining * 8 - bitOffset
        guard n <= bitsLeft else {
            throw reader.error(.truncated, "\(n) booleans need \(n - bitsLeft) more bits than remain")
        }
        let base = reader.bytes.baseAddress! + reader.position
        var bit = bitOffset
        for i in 0 ..< n {
            output[i] = (base.load(fromByteOffset: bit >> 3, as: UInt8.self) >> UInt8(bit & 7)) & 1 != 0
            bit += 1
        }
        reader.position += bit >> 3
        bitOffset = bit & 7
    }

    public mutating func decodeBooleans(count: Int) throws(EncodingError) -> [Bool] {
        guard count >= 0, count <= reader.remaining * 8 else {
            throw reader.error(.truncated, "\(count) booleans need more than the \(reader.remaining) bytes that remain")
        }
        return try makeDecodedArray(count: count) { (p) throws(EncodingError) in try decodeBooleans(into: p) }
    }

    /// BYTE_ARRAY values appended to `output`. Lengths are all checked before any byte is copied.
    public mutating func decodeByteArrays(count: Int, into output: inout ByteArrayBuffer) throws(EncodingError) {
        guard count >= 0 else { throw reader.error(.invalidLength, "negative value count \(count)") }
        guard count > 0 else { return }
        alignToByte()
        // Each value needs at least its 4-byte length: bounds the offset reservation.
        guard count <= reader.remaining / 4 else {
            throw reader.error(.truncated, "\(count) byte arrays need at least \(count * 4) bytes, only \(reader.remaining) remain")
        }
        let base = reader.bytes.baseAddress!
        let end = reader.bytes.count
        // Pass 1: check every length and append the offsets (rolled back on error).
        let offsetsBefore = output.offsets.count
        output.offsets.reserveCapacity(offsetsBefore + count)
        let startOffset = Int(output.offsets[offsetsBefore - 1])
        let room = Int(Int32.max) - startOffset
        var pos = reader.position
        var total = 0
        for i in 0 ..< count {
            var problem: EncodingError?
            if end - pos < 4 {
                problem = reader.error(.truncated, "input ends before the length of byte array \(i) of \(count)", at: pos)
            } else {
                let length = Int(unalignedLE32(base, pos))
                if length > end - pos - 4 {
                    problem = reader.error(.invalidLength,
                                           "byte array \(i) claims \(length) bytes but only \(end - pos - 4) remain", at: pos)
                } else if length > room - total {
                    problem = reader.error(.invalidLength, "byte array data would exceed 2 GiB in one buffer", at: pos)
                } else {
                    total += length
                    pos += 4 + length
                    output.offsets.append(Int32(startOffset + total))
                }
            }
            if let problem {
                output.offsets.removeSubrange(offsetsBefore...)
                throw problem
            }
        }
        // Pass 2: copy the bytes.
        pos = reader.position
        output.values.appendEncodedBytes(count: total) { dst in
            var out = 0
            for _ in 0 ..< count {
                let length = Int(unalignedLE32(base, pos))
                if length > 0 { (dst.baseAddress! + out).copyMemory(from: base + pos + 4, byteCount: length) }
                out += length
                pos += 4 + length
            }
        }
        reader.position = pos
    }

    /// FIXED_LEN_BYTE_ARRAY values of `width` bytes appended to `output` (contiguous, no offsets).
    public mutating func decodeFixedLenByteArrays(count: Int, width: Int, into output: inout [UInt8]) throws(EncodingError) {
        guard count >= 0, width >= 0 else {
            throw reader.error(.invalidLength, "invalid fixed-length request: \(count) values of \(width) bytes")
        }
        alignToByte()
        guard width == 0 || count <= reader.remaining / width else {
            throw reader.error(.truncated, "\(count) values of \(width) bytes need more than the \(reader.remaining) bytes that remain")
        }
        let n = count * width
        let src = reader.bytes.baseAddress.map { $0 + reader.position }
        output.appendEncodedBytes(count: n) { dst in dst.baseAddress!.copyMemory(from: src!, byteCount: n) }
        reader.position += n
    }

    /// Skips `count` values of a fixed-width type.
    public mutating func skip<T: PlainFixedWidth>(_ count: Int, of type: T.Type) throws(EncodingError) {
        alignToByte()
        guard count >= 0, count <= reader.remaining / T.plainByteWidth else {
            throw reader.error(.truncated, "cannot skip \(count) \(T.self) values: only \(reader.remaining) bytes remain")
        }
        reader.position += count * T.plainByteWidth
    }

    /// Skips `count` BYTE_ARRAY values, checking each length.
    public mutating func skipByteArrays(_ count: Int) throws(EncodingError) {
        alignToByte()
        var pos = reader.position
        let end = reader.bytes.count
        for i in 0 ..< max(0, count) {
            guard end - pos >= 4 else {
                throw reader.error(.truncated, "input ends before the length of byte array \(i) of \(count)", at: pos)
            }
            let length = Int(unalignedLE32(reader.bytes.baseAddress!, pos))
            guard length <= end - pos - 4 else {
                throw reader.error(.invalidLength, "byte array \(i) claims \(length) bytes but only \(end - pos - 4) remain", at: pos)
            }
            pos += 4 + length
        }
        reader.position = pos
    }

    /// Skips `count` booleans.
    public mutating func skipBooleans(_ count: Int) throws(EncodingError) {
        let bitsLeft = reader.remaining * 8 - bitOffset
        guard count >= 0, count <= bitsLeft else {
            throw reader.error(.truncated, "cannot skip \(count) booleans: only \(bitsLeft) bits remain")
        }
        let bit = bitOffset + count
        reader.position += bit >> 3
        bitOffset = bit & 7
    }

    private mutating func alignToByte() {
        if bitOffset > 0 {
            reader.position += 1
            bitOffset = 0
        }
    }
}

/// Builds an array of `count` elements filled by a typed-throwing body (shared by the decoders).
func makeDecodedArray<T>(count: Int, _ body: (UnsafeMutableBufferPointer<T>) throws(EncodingError) -> Void) throws(EncodingError) -> [T] {
    precondition(_isPOD(T.self), "decodeArray is only for trivial element types")
    guard count > 0 else { return [] }
    var failure: EncodingError?
    let result = [T](unsafeUninitializedCapacity: count) { buffer, initialized in
        do throws(EncodingError) {
            // The element types are trivial, so the body may simply assign into the fresh memory.
            try body(buffer)
            initialized = count
        } catch {
            failure = error
            initialized = 0
        }
    }
    if let failure { throw failure }
    return result
}

/// Writes PLAIN values.
public struct PlainEncoder {
    public private(set) var bytes: [UInt8] = []
    private var bitByte: UInt8 = 0
    private var bitCount = 0

    public init() {}

    public mutating func append<T: PlainFixedWidth>(_ values: UnsafeBufferPointer<T>) {
        let width = T.plainByteWidth
        bytes.appendEncodedBytes(count: values.count * width) { dst in
            if T.memoryMatchesPlain {
                dst.baseAddress!.copyMemory(from: UnsafeRawPointer(values.baseAddress!), byteCount: values.count * width)
            } else {
                for (i, v) in values.enumerated() { v.writePlainBytes(to: dst.baseAddress! + i * width) }
            }
        }
    }

    public mutating func append<T: PlainFixedWidth>(_ values: [T]) {
        values.withUnsafeBufferPointer { append($0) }
    }

    /// Booleans, LSB first; a partial byte is written by `finish()`.
    public mutating func appendBooleans(_ values: [Bool]) {
        for v in values {
            if v { bitByte |= 1 << UInt8(bitCount) }
            bitCount += 1
            if bitCount == 8 {
                bytes.append(bitByte)
                bitByte = 0
                bitCount = 0
            }
        }
    }

    public mutating func appendByteArray(_ value: UnsafeRawBufferPointer) {
        bytes.appendEncodedUInt32LE(UInt32(value.count))
        bytes.append(contentsOf: value)
    }

    public mutating func appendByteArrays(_ values: ByteArrayBuffer) {
        bytes.reserveCapacity(bytes.count + values.values.count + 4 * values.count)
        values.values.withUnsafeBytes { all in
            for i in 0 ..< values.count {
                appendByteArray(UnsafeRawBufferPointer(rebasing: all[Int(values.offsets[i]) ..< Int(values.offsets[i + 1])]))
            }
        }
    }

    /// FIXED_LEN_BYTE_ARRAY values: their bytes as they are (`values.count` a multiple of the width).
    public mutating func appendFixedLenByteArrays(_ values: [UInt8]) {
        bytes.append(contentsOf: values)
    }

    /// The encoded bytes (with any partial boolean byte); the encoder is reset.
    public mutating func finish() -> [UInt8] {
        if bitCount > 0 {
            bytes.append(bitByte)
            bitByte = 0
            bitCount = 0
        }
        defer { bytes = [] }
        return bytes
    }

    // One-shot helpers.
    public static func encode<T: PlainFixedWidth>(_ values: [T]) -> [UInt8] {
        var e = PlainEncoder()
        e.append(values)
        return e.finish()
    }

    public static func encodeBooleans(_ values: [Bool]) -> [UInt8] {
        var e = PlainEncoder()
        e.appendBooleans(values)
        return e.finish()
    }

    public static func encodeByteArrays(_ values: ByteArrayBuffer) -> [UInt8] {
        var e = PlainEncoder()
        e.appendByteArrays(values)
        return e.finish()
    }
}
