/// DELTA_BYTE_ARRAY (`= 7`, incremental or front coding) for BYTE_ARRAY and FIXED_LEN_BYTE_ARRAY:
/// for each value, the length of the prefix it shares with the previous value (a
/// DELTA_BINARY_PACKED INT32 stream), then the remaining suffixes as DELTA_LENGTH_BYTE_ARRAY.
/// Each value is `previous[0 ..< prefix] + suffix`; a prefix longer than the previous value is an
/// error.
public struct DeltaByteArrayDecoder {
    static let name = "DELTA_BYTE_ARRAY"

    let baseOffset: Int
    let prefixes: [Int32]
    var suffixes: DeltaLengthByteArrayDecoder
    var index = 0
    /// The last value produced (the base for the next prefix).
    var previous: [UInt8] = []
    /// Where the prefix stream ends and the suffix stream starts.
    let suffixStart: Int

    /// Reads the prefix lengths and suffix lengths of `count` values.
    public init(_ data: UnsafeRawBufferPointer, count: Int, baseOffset: Int = 0) throws(EncodingError) {
        guard count >= 0, count <= Int(Int32.max) else {
            throw EncodingError(.invalidLength, encoding: Self.name, offset: baseOffset, "invalid value count \(count)")
        }
        var prefixDecoder = try DeltaBinaryPackedDecoder<Int32>(data, baseOffset: baseOffset)
        guard prefixDecoder.totalCount >= count else {
            throw EncodingError(.countMismatch, encoding: Self.name, offset: baseOffset,
                                "prefix lengths stream holds \(prefixDecoder.totalCount) values, \(count) expected")
        }
        let prefixes = try prefixDecoder.decode(count: count)
        let end = try prefixDecoder.skipToEnd()
        if let bad = prefixes.firstIndex(where: { $0 < 0 }) {
            throw EncodingError(.invalidLength, encoding: Self.name, offset: baseOffset,
                                "prefix length of value \(bad) is negative (\(prefixes[bad]))")
        }
        self.suffixes = try DeltaLengthByteArrayDecoder(UnsafeRawBufferPointer(rebasing: data[end...]), count: count,
                                                        baseOffset: baseOffset + end)
        self.baseOffset = baseOffset
        self.prefixes = prefixes
        self.suffixStart = end
    }

    public var remaining: Int { prefixes.count - index }

    /// Bytes consumed so far (after all values: the end of this encoding's data).
    public var bytesConsumed: Int { suffixStart + suffixes.bytesConsumed }

    /// Appends the next `count` values to `output`. Nothing is appended if any value is invalid.
    public mutating func decode(count: Int, into output: inout ByteArrayBuffer) throws(EncodingError) {
        guard count >= 0, count <= remaining else {
            throw EncodingError(.countMismatch, encoding: Self.name, offset: baseOffset + bytesConsumed,
                                "\(count) values requested, \(remaining) remain")
        }
        guard count > 0 else { return }
        let at = baseOffset + bytesConsumed
        // The suffixes are read in place from the DELTA_LENGTH_BYTE_ARRAY section, whose lengths were
        // all checked against its data when it was opened.
        let suffixIndex = suffixes.index
        // Check every prefix against the value before it and find the total size first.
        var length = previous.count
        var total = 0
        for i in 0 ..< count {
            let p = Int(prefixes[index + i])
            guard p <= length else {
                throw EncodingError(.invalidLength, encoding: Self.name, offset: at,
                                    "value \(index + i) reuses \(p) bytes of a previous value of \(length)")
            }
            length = p + Int(suffixes.lengths[suffixIndex + i])
            total += length
        }
        guard output.canGrow(by: total) else {
            throw EncodingError(.invalidLength, encoding: Self.name, offset: at,
                                "byte array data would exceed 2 GiB in one buffer")
        }
        output.offsets.reserveCapacity(output.offsets.count + count)
        var offset = Int(output.offsets[output.offsets.count - 1])
        for i in 0 ..< count {
            offset += Int(prefixes[index + i]) + Int(suffixes.lengths[suffixIndex + i])
            output.offsets.append(Int32(offset))
        }
        // Each value is built in place: its prefix copied from the value just before it (for the
        // first one, the last value of the previous batch), then its suffix.
        var suffixAt = suffixes.dataPosition
        var lastLength = 0
        let prefixBase = index
        let suffixData = suffixes.data.baseAddress
        prefixes.withUnsafeBufferPointer { prefixLengths in
            suffixes.lengths.withUnsafeBufferPointer { suffixLengths in
                previous.withUnsafeBytes { prev in
                    output.values.appendEncodedBytes(count: total) { dst in
                        let out = dst.baseAddress!
                        var at = 0
                        var prevStart = -1
                        for i in 0 ..< count {
                            let p = Int(prefixLengths[prefixBase + i])
                            let sLen = Int(suffixLengths[suffixIndex + i])
                            if p > 0 {
                                let source = prevStart < 0 ? prev.baseAddress! : UnsafeRawPointer(out + prevStart)
                                copyEncodedBytes(to: out + at, from: source, count: p)
                            }
                            if sLen > 0 { copyEncodedBytes(to: out + at + p, from: suffixData! + suffixAt, count: sLen) }
                            suffixAt += sLen
                            prevStart = at
                            at += p + sLen
                        }
                        lastLength = at - prevStart
                    }
                }
            }
        }
        try suffixes.skip(count)
        let valuesEnd = output.values.count
        previous.removeAll(keepingCapacity: true)
        previous.append(contentsOf: output.values[(valuesEnd - lastLength) ..< valuesEnd])
        index += count
    }

    /// Skips the next `count` values (they are rebuilt in scratch space: each depends on the last).
    public mutating func skip(_ count: Int) throws(EncodingError) {
        guard count >= 0, count <= remaining else {
            throw EncodingError(.countMismatch, encoding: Self.name, offset: baseOffset + bytesConsumed,
                                "cannot skip \(count) values, \(remaining) remain")
        }
        var left = count
        var scratch = ByteArrayBuffer()
        while left > 0 {
            let k = min(left, 1024)
            scratch.offsets.removeAll(keepingCapacity: true)
            scratch.offsets.append(0)
            scratch.values.removeAll(keepingCapacity: true)
            try decode(count: k, into: &scratch)
            left -= k
        }
    }

    /// Appends the next `count` FIXED_LEN_BYTE_ARRAY values of `width` bytes to `output`; every value
    /// must have exactly that length.
    public mutating func decodeFixed(count: Int, width: Int, into output: inout [UInt8]) throws(EncodingError) {
        let at = baseOffset + bytesConsumed
        var values = ByteArrayBuffer()
        try decode(count: count, into: &values)
        for i in 0 ..< values.count where values.length(at: i) != width {
            throw EncodingError(.valueOutOfRange, encoding: Self.name, offset: at,
                                "value \(index - count + i) has \(values.length(at: i)) bytes, the column's width is \(width)")
        }
        output.append(contentsOf: values.values)
    }

    /// One-shot decode of `count` values.
    public static func decode(_ bytes: [UInt8], count: Int) throws(EncodingError) -> ByteArrayBuffer {
        try withEncodedBytes(bytes) { (raw) throws(EncodingError) in
            var d = try DeltaByteArrayDecoder(raw, count: count)
            var out = ByteArrayBuffer()
            try d.decode(count: count, into: &out)
            return out
        }
    }
}

/// Writes DELTA_BYTE_ARRAY: prefix lengths shared with the previous value, then the suffixes.
public struct DeltaByteArrayEncoder {
    private var prefixes = DeltaBinaryPackedEncoder<Int32>()
    private var suffixes = DeltaLengthByteArrayEncoder()
    private var previous: [UInt8] = []

    public init() {}

    public var count: Int { prefixes.count }

    public mutating func append(_ value: UnsafeRawBufferPointer) {
        precondition(value.count <= Int(Int32.max), "byte array longer than 2^31-1 bytes")
        let limit = min(previous.count, value.count)
        var p = 0
        previous.withUnsafeBytes { prev in
            while p < limit && prev[p] == value[p] { p += 1 }
        }
        prefixes.append(Int32(p))
        suffixes.append(UnsafeRawBufferPointer(rebasing: value[p...]))
        previous.removeSubrange(p...)
        previous.append(contentsOf: UnsafeRawBufferPointer(rebasing: value[p...]))
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

    /// FIXED_LEN_BYTE_ARRAY values: `values` holds them back to back, `width` bytes each.
    public mutating func appendFixed(_ values: [UInt8], width: Int) {
        precondition(width > 0 && values.count % width == 0, "fixed-length values must fill whole widths")
        values.withUnsafeBytes { all in
            for start in stride(from: 0, to: values.count, by: width) {
                append(UnsafeRawBufferPointer(rebasing: all[start ..< start + width]))
            }
        }
    }

    /// The encoded data; the encoder is reset.
    public mutating func finish() -> [UInt8] {
        var out = prefixes.finish()
        out.append(contentsOf: suffixes.finish())
        previous = []
        return out
    }

    public static func encode(_ values: ByteArrayBuffer) -> [UInt8] {
        var e = DeltaByteArrayEncoder()
        e.append(values)
        return e.finish()
    }
}

/// Copies a few bytes; short copies (the usual string prefix or suffix) avoid a `memmove` call.
@inline(__always)
func copyEncodedBytes(to dst: UnsafeMutableRawPointer, from src: UnsafeRawPointer, count: Int) {
    if count <= 16 {
        for i in 0 ..< count {
            dst.storeBytes(of: src.load(fromByteOffset: i, as: UInt8.self), toByteOffset: i, as: UInt8.self)
        }
    } else {
        dst.copyMemory(from: src, byteCount: count)
    }
}
