/// BYTE_STREAM_SPLIT (`= 9`) for FLOAT, DOUBLE, INT32, INT64 and FIXED_LEN_BYTE_ARRAY: for values of
/// `K` bytes, byte `k` of every value goes to stream `k`, and the `K` streams of `N` bytes are
/// concatenated. There is no header: `N` is the data length divided by `K`, so the data must be
/// exactly the page's value section.
public struct ByteStreamSplitDecoder {
    static let name = "BYTE_STREAM_SPLIT"

    let data: UnsafeRawBufferPointer
    let baseOffset: Int
    /// Bytes per value.
    public let width: Int
    /// Values in the page (the length of each stream).
    public let valueCount: Int
    /// Next value.
    public private(set) var index = 0

    /// `width` is 4 or 8 for the numeric types, the column's length for FIXED_LEN_BYTE_ARRAY.
    public init(_ data: UnsafeRawBufferPointer, width: Int, baseOffset: Int = 0) throws(EncodingError) {
        guard width > 0, width <= Int(Int32.max) else {
            throw EncodingError(.invalidLength, encoding: Self.name, offset: baseOffset, "invalid value width \(width)")
        }
        guard data.count % width == 0 else {
            throw EncodingError(.invalidLength, encoding: Self.name, offset: baseOffset + data.count,
                                "\(data.count) bytes are not a whole number of \(width)-byte values")
        }
        self.data = data
        self.baseOffset = baseOffset
        self.width = width
        valueCount = data.count / width
    }

    public var remaining: Int { valueCount - index }

    private func check(_ count: Int) throws(EncodingError) {
        guard count >= 0, count <= remaining else {
            throw EncodingError(.countMismatch, encoding: Self.name, offset: baseOffset,
                                "\(count) values requested, the streams hold \(remaining) more")
        }
    }

    /// Gathers `count` values as raw little-endian bytes into `dst` (`count * width` bytes).
    private mutating func gather(_ count: Int, into dst: UnsafeMutableRawPointer) {
        guard count > 0, let src = data.baseAddress else { return }
        let n = valueCount
        let start = src + index
        switch width {
        case 4:
            for i in 0 ..< count {
                let p = start + i
                let v = UInt32(p.load(as: UInt8.self))
                    | UInt32(p.load(fromByteOffset: n, as: UInt8.self)) << 8
                    | UInt32(p.load(fromByteOffset: 2 * n, as: UInt8.self)) << 16
                    | UInt32(p.load(fromByteOffset: 3 * n, as: UInt8.self)) << 24
                dst.storeBytes(of: v.littleEndian, toByteOffset: 4 * i, as: UInt32.self)
            }
        case 8:
            for i in 0 ..< count {
                let p = start + i
                var v: UInt64 = 0
                for k in 0 ..< 8 {
                    v |= UInt64(p.load(fromByteOffset: k * n, as: UInt8.self)) << UInt64(8 * k)
                }
                dst.storeBytes(of: v.littleEndian, toByteOffset: 8 * i, as: UInt64.self)
            }
        default:
            let out = dst.assumingMemoryBound(to: UInt8.self)
            for k in 0 ..< width {
                let stream = start + k * n
                for i in 0 ..< count {
                    out[i * width + k] = stream.load(fromByteOffset: i, as: UInt8.self)
                }
            }
        }
        index += count
    }

    /// FLOAT, DOUBLE, INT32 or INT64 values (the type's size must equal `width`).
    public mutating func decode<T: PlainFixedWidth>(into output: UnsafeMutableBufferPointer<T>) throws(EncodingError) {
        guard T.plainByteWidth == width else {
            throw EncodingError(.unsupported, encoding: Self.name, offset: baseOffset,
                                "\(T.self) values are \(T.plainByteWidth) bytes, the streams hold \(width)-byte values")
        }
        try check(output.count)
        guard let dst = output.baseAddress, output.count > 0 else { return }
        if T.memoryMatchesPlain {
            gather(output.count, into: UnsafeMutableRawPointer(dst))
        } else {
            var tmp = [UInt8](repeating: 0, count: output.count * width)
            tmp.withUnsafeMutableBytes { gather(output.count, into: $0.baseAddress!) }
            tmp.withUnsafeBytes { raw in
                for i in 0 ..< output.count { output[i] = T(plainBytes: raw.baseAddress! + i * width) }
            }
        }
    }

    public mutating func decode<T: PlainFixedWidth>(count: Int, as type: T.Type = T.self) throws(EncodingError) -> [T] {
        try check(count)
        return try makeDecodedArray(count: count) { (p) throws(EncodingError) in try decode(into: p) }
    }

    /// FIXED_LEN_BYTE_ARRAY values appended to `output`, `width` bytes each.
    public mutating func decodeFixedLenByteArrays(count: Int, into output: inout [UInt8]) throws(EncodingError) {
        try check(count)
        let n = count * width
        output.appendEncodedBytes(count: n) { dst in gather(count, into: dst.baseAddress!) }
    }

    /// Skips `count` values.
    public mutating func skip(_ count: Int) throws(EncodingError) {
        try check(count)
        index += count
    }
}

/// Writes BYTE_STREAM_SPLIT data.
public enum ByteStreamSplitEncoder {
    /// Scatters `count` values of `width` bytes (back to back in `src`) into `width` streams.
    static func scatter(_ src: UnsafeRawPointer, count: Int, width: Int, into dst: UnsafeMutableRawPointer) {
        let out = dst.assumingMemoryBound(to: UInt8.self)
        switch width {
        case 4:
            for i in 0 ..< count {
                let v = unalignedLE32(src, 4 * i)
                out[i] = UInt8(truncatingIfNeeded: v)
                out[count + i] = UInt8(truncatingIfNeeded: v >> 8)
                out[2 * count + i] = UInt8(truncatingIfNeeded: v >> 16)
                out[3 * count + i] = UInt8(truncatingIfNeeded: v >> 24)
            }
        case 8:
            for i in 0 ..< count {
                let v = unalignedLE64(src, 8 * i)
                for k in 0 ..< 8 { out[k * count + i] = UInt8(truncatingIfNeeded: v >> UInt64(8 * k)) }
            }
        default:
            for i in 0 ..< count {
                for k in 0 ..< width {
                    out[k * count + i] = src.load(fromByteOffset: i * width + k, as: UInt8.self)
                }
            }
        }
    }

    /// FLOAT, DOUBLE, INT32 or INT64 values.
    public static func encode<T: PlainFixedWidth>(_ values: [T]) -> [UInt8] {
        let plain = PlainEncoder.encode(values)
        return encodeFixedLenByteArrays(plain, width: T.plainByteWidth)
    }

    /// FIXED_LEN_BYTE_ARRAY values (or any values already in their little-endian byte form), back to
    /// back in `values`, `width` bytes each.
    public static func encodeFixedLenByteArrays(_ values: [UInt8], width: Int) -> [UInt8] {
        precondition(width > 0 && values.count % width == 0, "values must fill whole widths")
        let count = values.count / width
        var out: [UInt8] = []
        values.withUnsafeBytes { src in
            out.appendEncodedBytes(count: values.count) { dst in
                scatter(src.baseAddress!, count: count, width: width, into: dst.baseAddress!)
            }
        }
        return out
    }
}
