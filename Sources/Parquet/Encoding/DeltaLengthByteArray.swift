/// DELTA_LENGTH_BYTE_ARRAY (`= 6`) for BYTE_ARRAY: every length as one DELTA_BINARY_PACKED INT32
/// stream, then all the bytes back to back.
///
/// The decoder is told how many values the page holds (the non-null count, never taken from the
/// stream alone), reads that many lengths, checks each is non-negative and that they add up to no
/// more than the bytes that follow, and only then hands out values.
public struct DeltaLengthByteArrayDecoder {
    static let name = "DELTA_LENGTH_BYTE_ARRAY"

    let data: UnsafeRawBufferPointer
    let baseOffset: Int
    let lengths: [Int32]
    /// Next value.
    var index = 0
    /// Byte offset (within `data`) of the next value's bytes.
    var dataPosition: Int
    /// Where the lengths stream ended (the bytes start here).
    public let bytesStart: Int

    /// Reads the lengths of `count` values (the stream must announce at least that many).
    public init(_ data: UnsafeRawBufferPointer, count: Int, baseOffset: Int = 0) throws(EncodingError) {
        guard count >= 0, count <= Int(Int32.max) else {
            throw EncodingError(.invalidLength, encoding: Self.name, offset: baseOffset, "invalid value count \(count)")
        }
        var lengthDecoder = try DeltaBinaryPackedDecoder<Int32>(data, baseOffset: baseOffset)
        guard lengthDecoder.totalCount >= count else {
            throw EncodingError(.countMismatch, encoding: Self.name, offset: baseOffset,
                                "lengths stream holds \(lengthDecoder.totalCount) values, \(count) expected")
        }
        let lengths = try lengthDecoder.decode(count: count)
        let end = try lengthDecoder.skipToEnd()
        var total = 0
        for (i, length) in lengths.enumerated() {
            guard length >= 0 else {
                throw EncodingError(.invalidLength, encoding: Self.name, offset: baseOffset,
                                    "length of value \(i) is negative (\(length))")
            }
            total += Int(length)
        }
        guard total <= data.count - end else {
            throw EncodingError(.truncated, encoding: Self.name, offset: baseOffset + end,
                                "lengths add up to \(total) bytes but only \(data.count - end) follow")
        }
        self.data = data
        self.baseOffset = baseOffset
        self.lengths = lengths
        self.bytesStart = end
        self.dataPosition = end
    }

    /// Values not yet read.
    public var remaining: Int { lengths.count - index }

    /// Bytes consumed so far (after all values: the end of this encoding's data).
    public var bytesConsumed: Int { dataPosition }

    /// Appends the next `count` values to `output`.
    public mutating func decode(count: Int, into output: inout ByteArrayBuffer) throws(EncodingError) {
        guard count >= 0, count <= remaining else {
            throw EncodingError(.countMismatch, encoding: Self.name, offset: baseOffset + dataPosition,
                                "\(count) values requested, \(remaining) remain")
        }
        guard count > 0 else { return }
        var total = 0
        for i in index ..< index + count { total += Int(lengths[i]) }
        guard output.canGrow(by: total) else {
            throw EncodingError(.invalidLength, encoding: Self.name, offset: baseOffset + dataPosition,
                                "byte array data would exceed 2 GiB in one buffer")
        }
        output.offsets.reserveCapacity(output.offsets.count + count)
        var offset = Int(output.offsets[output.offsets.count - 1])
        for i in index ..< index + count {
            offset += Int(lengths[i])
            output.offsets.append(Int32(offset))
        }
        let src = data.baseAddress.map { $0 + dataPosition }
        output.values.appendEncodedBytes(count: total) { dst in dst.baseAddress!.copyMemory(from: src!, byteCount: total) }
        dataPosition += total
        index += count
    }

    /// Skips the next `count` values.
    public mutating func skip(_ count: Int) throws(EncodingError) {
        guard count >= 0, count <= remaining else {
            throw EncodingError(.countMismatch, encoding: Self.name, offset: baseOffset + dataPosition,
                                "cannot skip \(count) values, \(remaining) remain")
        }
        for i in index ..< index + count { dataPosition += Int(lengths[i]) }
        index += count
    }

    /// One-shot decode of `count` values.
    public static func decode(_ bytes: [UInt8], count: Int) throws(EncodingError) -> ByteArrayBuffer {
        try withEncodedBytes(bytes) { (raw) throws(EncodingError) in
            var d = try DeltaLengthByteArrayDecoder(raw, count: count)
            var out = ByteArrayBuffer()
            try d.decode(count: count, into: &out)
            return out
        }
    }
}

/// Writes DELTA_LENGTH_BYTE_ARRAY: lengths through `DeltaBinaryPackedEncoder<Int32>`, bytes after.
public struct DeltaLengthByteArrayEncoder {
    private var lengths = DeltaBinaryPackedEncoder<Int32>()
    private var bytes: [UInt8] = []

    public init() {}

    public var count: Int { lengths.count }

    public mutating func append(_ value: UnsafeRawBufferPointer) {
        precondition(value.count <= Int(Int32.max), "byte array longer than 2^31-1 bytes")
        lengths.append(Int32(value.count))
        bytes.append(contentsOf: value)
    }

    public mutating func append(_ value: [UInt8]) {
        value.withUnsafeBytes { append($0) }
    }

    public mutating func append(_ values: ByteArrayBuffer) {
        values.values.withUnsafeBytes { all in
            for i in 0 ..< values.count {
                append(UnsafeRawBufferPointer(rebasing: all[Int(values.offsets[i]) ..< Int(values.offsets[i + 1])]))
            }
        }
    }

    /// The encoded data; the encoder is reset.
    public mutating func finish() -> [UInt8] {
        var out = lengths.finish()
        out.append(contentsOf: bytes)
        bytes = []
        return out
    }

    public static func encode(_ values: ByteArrayBuffer) -> [UInt8] {
        var e = DeltaLengthByteArrayEncoder()
        e.append(values)
        return e.finish()
    }
}
