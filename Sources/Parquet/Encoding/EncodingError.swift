/// A value or level stream that cannot be decoded (or a request an encoder cannot honour).
///
/// Every decoder checks lengths, counts, bit widths and offsets against its input before it reads,
/// so a truncated or hostile page surfaces as one of these instead of a trap. `offset` is the byte
/// position within the page where the problem was found: decoders take a `baseOffset` (where their
/// input starts inside the page) and add it to their own position.
public struct EncodingError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable, Equatable {
        /// The input ends before the data it announces.
        case truncated
        /// A bit width outside what the encoding (or the value type) allows.
        case invalidBitWidth
        /// A header field (block size, run header, varint, length prefix) that makes no sense.
        case invalidHeader
        /// A length or offset that points outside the data, or is negative.
        case invalidLength
        /// The stream holds fewer or more values than the caller asked for.
        case countMismatch
        /// A value outside the range the caller allows (dictionary index, fixed width).
        case valueOutOfRange
        /// A request the encoder or decoder does not support (unknown width, bad argument).
        case unsupported
    }

    public var kind: Kind
    /// The encoding's name as the Parquet spec spells it, e.g. `DELTA_BINARY_PACKED`.
    public var encoding: String
    /// Byte offset within the page (input start plus the decoder's `baseOffset`).
    public var offset: Int
    public var message: String

    public init(_ kind: Kind, encoding: String, offset: Int, _ message: String) {
        self.kind = kind
        self.encoding = encoding
        self.offset = offset
        self.message = message
    }

    public var description: String { "\(encoding): \(message) (at byte \(offset))" }
}

// MARK: - Reading helpers shared by the decoders

/// A bounds-checked cursor over a byte buffer; every read checks before it loads.
struct EncodedByteReader {
    let bytes: UnsafeRawBufferPointer
    /// Where `bytes` starts within the page, for error offsets.
    let baseOffset: Int
    let encoding: String
    var position: Int = 0

    init(_ bytes: UnsafeRawBufferPointer, baseOffset: Int, encoding: String) {
        self.bytes = bytes
        self.baseOffset = baseOffset
        self.encoding = encoding
    }

    var remaining: Int { bytes.count - position }
    var isAtEnd: Bool { position >= bytes.count }

    func error(_ kind: EncodingError.Kind, _ message: String, at position: Int? = nil) -> EncodingError {
        EncodingError(kind, encoding: encoding, offset: baseOffset + (position ?? self.position), message)
    }

    func require(_ n: Int, _ what: @autoclosure () -> String) throws(EncodingError) {
        if n < 0 || n > remaining {
            throw error(.truncated, "\(what()) needs \(n) bytes but only \(remaining) remain")
        }
    }

    mutating func readByte(_ what: @autoclosure () -> String) throws(EncodingError) -> UInt8 {
        guard position < bytes.count else { throw error(.truncated, "input ends before \(what())") }
        let b = bytes[position]
        position += 1
        return b
    }

    mutating func readUInt32LE(_ what: @autoclosure () -> String) throws(EncodingError) -> UInt32 {
        try require(4, what())
        let v = unalignedLE32(bytes.baseAddress!, position)
        position += 4
        return v
    }

    /// Unsigned LEB128, at most 10 bytes and 64 bits.
    mutating func readULEB128(_ what: @autoclosure () -> String) throws(EncodingError) -> UInt64 {
        let start = position
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard position < bytes.count else {
                throw error(.truncated, "input ends inside the varint for \(what())", at: start)
            }
            let b = bytes[position]
            position += 1
            if shift == 63 && b > 1 {
                throw error(.invalidHeader, "varint for \(what()) overflows 64 bits", at: start)
            }
            result |= UInt64(b & 0x7F) << shift
            if b & 0x80 == 0 { return result }
            shift += 7
            if shift > 63 {
                throw error(.invalidHeader, "varint for \(what()) is longer than 10 bytes", at: start)
            }
        }
    }

    mutating func readZigZag(_ what: @autoclosure () -> String) throws(EncodingError) -> Int64 {
        let u = try readULEB128(what())
        return Int64(bitPattern: (u >> 1) ^ (0 &- (u & 1)))
    }
}

@inline(__always)
func unalignedLE32(_ p: UnsafeRawPointer, _ offset: Int) -> UInt32 {
    UInt32(littleEndian: p.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
}

@inline(__always)
func unalignedLE64(_ p: UnsafeRawPointer, _ offset: Int) -> UInt64 {
    UInt64(littleEndian: p.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
}

// MARK: - Writing helpers shared by the encoders

extension Array where Element == UInt8 {
    mutating func appendEncodedULEB128(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        append(UInt8(truncatingIfNeeded: v))
    }

    mutating func appendEncodedZigZag(_ value: Int64) {
        appendEncodedULEB128(UInt64(bitPattern: (value << 1) ^ (value >> 63)))
    }

    mutating func appendEncodedUInt32LE(_ value: UInt32) {
        append(UInt8(truncatingIfNeeded: value))
        append(UInt8(truncatingIfNeeded: value >> 8))
        append(UInt8(truncatingIfNeeded: value >> 16))
        append(UInt8(truncatingIfNeeded: value >> 24))
    }

    /// Grows the array by `count` zero bytes and lets `body` fill them.
    mutating func appendEncodedBytes(count: Int, _ body: (UnsafeMutableRawBufferPointer) -> Void) {
        guard count > 0 else { return }
        let start = self.count
        append(contentsOf: repeatElement(0, count: count))
        withUnsafeMutableBytes { all in
            body(UnsafeMutableRawBufferPointer(rebasing: all[start ..< start + count]))
        }
    }
}

// MARK: - Typed-throws bridges over the standard library's rethrowing `withUnsafe…` calls

@inline(__always)
func withEncodedBytes<R>(_ bytes: [UInt8], _ body: (UnsafeRawBufferPointer) throws(EncodingError) -> R) throws(EncodingError) -> R {
    try bytes.withUnsafeBytes { raw in Result { () throws(EncodingError) in try body(raw) } }.get()
}

@inline(__always)
func withDecodeBuffer<T, R>(_ array: inout [T], _ body: (UnsafeMutableBufferPointer<T>) throws(EncodingError) -> R) throws(EncodingError) -> R {
    try array.withUnsafeMutableBufferPointer { buffer in Result { () throws(EncodingError) in try body(buffer) } }.get()
}
