/// The deprecated `BIT_PACKED = 4` level encoding: values back to back at a fixed width, packed
/// from the most significant bit of each byte down (the opposite order to `BitPacking`), the last
/// byte zero-padded. It has no header or length: `count` values of width `w` take
/// `ceil(count * w / 8)` bytes, and the next section of a data page v1 starts right after.
public enum LegacyBitPacked {
    static let name = "BIT_PACKED"

    /// Bytes that `count` values of `bitWidth` bits occupy.
    public static func byteCount(count: Int, bitWidth: Int) -> Int {
        BitPacking.byteCount(count: count, bitWidth: bitWidth)
    }

    /// Decodes `output.count` values of `bitWidth` bits (0...32) from the start of `data` and returns
    /// how many bytes they occupied.
    @discardableResult
    public static func decode(
        _ data: UnsafeRawBufferPointer, bitWidth: Int, into output: UnsafeMutableBufferPointer<Int32>, baseOffset: Int = 0
    ) throws(EncodingError) -> Int {
        guard bitWidth >= 0, bitWidth <= 32 else {
            throw EncodingError(.invalidBitWidth, encoding: name, offset: baseOffset, "bit width \(bitWidth) is outside 0...32")
        }
        guard output.count <= Int(Int32.max) else {
            throw EncodingError(.invalidLength, encoding: name, offset: baseOffset, "implausible value count \(output.count)")
        }
        let needed = byteCount(count: output.count, bitWidth: bitWidth)
        guard needed <= data.count else {
            throw EncodingError(.truncated, encoding: name, offset: baseOffset + data.count,
                                "\(output.count) values of \(bitWidth) bits need \(needed) bytes, only \(data.count) present")
        }
        guard bitWidth > 0 else {
            output.update(repeating: 0)
            return 0
        }
        guard let src = data.baseAddress else { return 0 }
        let mask: UInt64 = (1 << UInt64(bitWidth)) - 1
        var acc: UInt64 = 0
        var bits = 0
        var next = 0
        for i in 0 ..< output.count {
            while bits < bitWidth {
                acc = (acc << 8) | UInt64(src.load(fromByteOffset: next, as: UInt8.self))
                next += 1
                bits += 8
            }
            bits -= bitWidth
            output[i] = Int32(truncatingIfNeeded: (acc >> UInt64(bits)) & mask)
        }
        return needed
    }

    /// Array convenience: decodes `count` values from the start of `bytes`.
    public static func decode(_ bytes: [UInt8], bitWidth: Int, count: Int) throws(EncodingError) -> [Int32] {
        guard count >= 0, bitWidth == 0 || byteCount(count: count, bitWidth: bitWidth) <= bytes.count else {
            throw EncodingError(.truncated, encoding: name, offset: bytes.count,
                                "\(count) values of \(bitWidth) bits do not fit in \(bytes.count) bytes")
        }
        var out = [Int32](repeating: 0, count: count)
        try withEncodedBytes(bytes) { (raw) throws(EncodingError) in
            try withDecodeBuffer(&out) { (dst) throws(EncodingError) in
                _ = try decode(raw, bitWidth: bitWidth, into: dst)
            }
        }
        return out
    }

    /// Encodes levels MSB-first (for tests and for rewriting old files; writers should use RLE).
    public static func encode(_ values: [Int32], bitWidth: Int) -> [UInt8] {
        precondition(bitWidth >= 0 && bitWidth <= 32, "bit width \(bitWidth) is outside 0...32")
        var out: [UInt8] = []
        out.reserveCapacity(byteCount(count: values.count, bitWidth: bitWidth))
        let mask: UInt64 = (1 << UInt64(bitWidth)) - 1
        var acc: UInt64 = 0
        var bits = 0
        for v in values {
            acc = (acc << UInt64(bitWidth)) | (UInt64(UInt32(bitPattern: v)) & mask)
            bits += bitWidth
            while bits >= 8 {
                bits -= 8
                out.append(UInt8(truncatingIfNeeded: acc >> UInt64(bits)))
            }
        }
        if bits > 0 { out.append(UInt8(truncatingIfNeeded: acc << UInt64(8 - bits))) }
        return out
    }
}
