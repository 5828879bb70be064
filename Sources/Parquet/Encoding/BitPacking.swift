/// Little-endian bit packing as Parquet uses it (RLE/bit-packed hybrid runs, DELTA_BINARY_PACKED
/// miniblocks, PLAIN booleans): value `i` of width `w` occupies bits `i*w ..< (i+1)*w` of the byte
/// stream, where bit 0 is the least significant bit of byte 0. Widths 0...64 are supported.
///
/// The decoder works on groups of eight values (eight values of width `w` fill exactly `w` bytes).
/// Groups that have at least eight readable bytes after them are unpacked with unaligned 64-bit
/// loads; the last few groups are copied into a zero-padded scratch area first, so nothing is ever
/// read past the input. Widths 1...32 get kernels specialised for their constant width.
public enum BitPacking {
    /// Bytes that `count` values of `bitWidth` bits occupy (the last byte zero-padded).
    @inline(__always)
    public static func byteCount(count: Int, bitWidth: Int) -> Int {
        (count * bitWidth + 7) >> 3
    }

    /// The number of bits needed to represent `value` (0 for 0).
    @inline(__always)
    public static func bitWidth(of value: UInt64) -> Int {
        64 - value.leadingZeroBitCount
    }

    // MARK: Checked entry points

    /// Unpacks `output.count` values of `bitWidth` bits, starting with value number `startIndex` of
    /// the packed stream in `input`. Throws if the width is outside `0...min(64, T.bitWidth)` or the
    /// input is too short; `baseOffset` is where `input` starts within the page, for the error.
    public static func unpack<T: FixedWidthInteger>(
        _ input: UnsafeRawBufferPointer, bitWidth: Int, startIndex: Int = 0,
        into output: UnsafeMutableBufferPointer<T>, baseOffset: Int = 0
    ) throws(EncodingError) {
        try unpackChecked(input, bitWidth: bitWidth, startIndex: startIndex, into: output, baseOffset: baseOffset)
    }

    // Concrete overloads: callers in other modules get code specialised here instead of the
    // (much slower) unspecialised generic path.
    public static func unpack(_ input: UnsafeRawBufferPointer, bitWidth: Int, startIndex: Int = 0,
                              into output: UnsafeMutableBufferPointer<Int32>, baseOffset: Int = 0) throws(EncodingError) {
        try unpackChecked(input, bitWidth: bitWidth, startIndex: startIndex, into: output, baseOffset: baseOffset)
    }

    public static func unpack(_ input: UnsafeRawBufferPointer, bitWidth: Int, startIndex: Int = 0,
                              into output: UnsafeMutableBufferPointer<UInt32>, baseOffset: Int = 0) throws(EncodingError) {
        try unpackChecked(input, bitWidth: bitWidth, startIndex: startIndex, into: output, baseOffset: baseOffset)
    }

    public static func unpack(_ input: UnsafeRawBufferPointer, bitWidth: Int, startIndex: Int = 0,
                              into output: UnsafeMutableBufferPointer<Int64>, baseOffset: Int = 0) throws(EncodingError) {
        try unpackChecked(input, bitWidth: bitWidth, startIndex: startIndex, into: output, baseOffset: baseOffset)
    }

    public static func unpack(_ input: UnsafeRawBufferPointer, bitWidth: Int, startIndex: Int = 0,
                              into output: UnsafeMutableBufferPointer<UInt64>, baseOffset: Int = 0) throws(EncodingError) {
        try unpackChecked(input, bitWidth: bitWidth, startIndex: startIndex, into: output, baseOffset: baseOffset)
    }

    static func unpackChecked<T: FixedWidthInteger>(
        _ input: UnsafeRawBufferPointer, bitWidth: Int, startIndex: Int,
        into output: UnsafeMutableBufferPointer<T>, baseOffset: Int
    ) throws(EncodingError) {
        guard bitWidth >= 0, bitWidth <= min(64, T.bitWidth) else {
            throw EncodingError(.invalidBitWidth, encoding: "BIT_PACKED", offset: baseOffset,
                                "bit width \(bitWidth) is outside 0...\(min(64, T.bitWidth))")
        }
        guard startIndex >= 0, startIndex <= Int(Int32.max), output.count <= Int(Int32.max) else {
            throw EncodingError(.invalidLength, encoding: "BIT_PACKED", offset: baseOffset,
                                "value range \(startIndex)+\(output.count) is implausible")
        }
        let needed = byteCount(count: startIndex + output.count, bitWidth: bitWidth)
        guard needed <= input.count else {
            throw EncodingError(.truncated, encoding: "BIT_PACKED", offset: baseOffset + input.count,
                                "\(startIndex + output.count) values of \(bitWidth) bits need \(needed) bytes, only \(input.count) present")
        }
        guard let dst = output.baseAddress, output.count > 0 else { return }
        unpackUnchecked(input.baseAddress, byteCount: input.count, bitWidth: bitWidth,
                        startIndex: startIndex, count: output.count, into: dst)
    }

    /// Array convenience for `unpack(_:bitWidth:startIndex:into:baseOffset:)`.
    public static func unpack<T: FixedWidthInteger>(
        _ input: [UInt8], bitWidth: Int, count: Int, as type: T.Type = T.self
    ) throws(EncodingError) -> [T] {
        guard count >= 0, count <= Int(Int32.max),
              bitWidth == 0 || byteCount(count: count, bitWidth: bitWidth) <= input.count else {
            throw EncodingError(.truncated, encoding: "BIT_PACKED", offset: input.count,
                                "\(count) values of \(bitWidth) bits do not fit in \(input.count) bytes")
        }
        var out = [T](repeating: 0, count: count)
        try withEncodedBytes(input) { (raw) throws(EncodingError) in
            try withDecodeBuffer(&out) { (dst) throws(EncodingError) in
                try unpackChecked(raw, bitWidth: bitWidth, startIndex: 0, into: dst, baseOffset: 0)
            }
        }
        return out
    }

    /// Appends `values` packed at `bitWidth` bits each (higher bits are dropped), padding the last
    /// byte with zeros: exactly `byteCount(count:bitWidth:)` bytes.
    public static func pack<T: FixedWidthInteger>(_ values: UnsafeBufferPointer<T>, bitWidth: Int, into output: inout [UInt8]) {
        packAppending(values, bitWidth: bitWidth, into: &output)
    }

    public static func pack(_ values: UnsafeBufferPointer<Int32>, bitWidth: Int, into output: inout [UInt8]) {
        packAppending(values, bitWidth: bitWidth, into: &output)
    }

    public static func pack(_ values: UnsafeBufferPointer<UInt32>, bitWidth: Int, into output: inout [UInt8]) {
        packAppending(values, bitWidth: bitWidth, into: &output)
    }

    public static func pack(_ values: UnsafeBufferPointer<Int64>, bitWidth: Int, into output: inout [UInt8]) {
        packAppending(values, bitWidth: bitWidth, into: &output)
    }

    public static func pack(_ values: UnsafeBufferPointer<UInt64>, bitWidth: Int, into output: inout [UInt8]) {
        packAppending(values, bitWidth: bitWidth, into: &output)
    }

    static func packAppending<T: FixedWidthInteger>(_ values: UnsafeBufferPointer<T>, bitWidth: Int, into output: inout [UInt8]) {
        precondition(bitWidth >= 0 && bitWidth <= 64, "bit width \(bitWidth) is outside 0...64")
        let n = byteCount(count: values.count, bitWidth: bitWidth)
        output.appendEncodedBytes(count: n) { dst in
            packUnchecked(values, bitWidth: bitWidth, into: dst.baseAddress!)
        }
    }

    /// Array convenience for `pack(_:bitWidth:into:)`.
    public static func pack<T: FixedWidthInteger>(_ values: [T], bitWidth: Int) -> [UInt8] {
        var out: [UInt8] = []
        values.withUnsafeBufferPointer { packAppending($0, bitWidth: bitWidth, into: &out) }
        return out
    }

    // MARK: Unchecked kernels (callers have validated the sizes)

    /// Unpacks `count` values starting at value `startIndex` of the packed stream `src[0..<byteCount]`.
    /// Requires `byteCount >= self.byteCount(count: startIndex + count, bitWidth:)`; reads nothing
    /// beyond `byteCount`.
    static func unpackUnchecked<T: FixedWidthInteger>(
        _ src: UnsafeRawPointer?, byteCount: Int, bitWidth width: Int,
        startIndex: Int, count: Int, into dst: UnsafeMutablePointer<T>
    ) {
        guard count > 0 else { return }
        guard width > 0, let src else {
            dst.update(repeating: 0, count: count)
            return
        }
        var index = startIndex
        var done = 0
        // Values before the next group boundary, one at a time.
        while index & 7 != 0 && done < count {
            dst[done] = T(truncatingIfNeeded: extract(src, index: index, bitWidth: width))
            index += 1
            done += 1
        }
        // Whole groups that leave at least 8 readable bytes after them: word loads straight from
        // the input.
        let wholeGroups = (count - done) >> 3
        if wholeGroups > 0 {
            let groupByte = (index >> 3) * width
            let slack = byteCount - groupByte - 8
            let fast = slack >= width ? min(wholeGroups, slack / width) : 0
            if fast > 0 {
                unpackGroups(src + groupByte, dst + done, groups: fast, bitWidth: width)
                index += fast * 8
                done += fast * 8
            }
        }
        guard done < count else { return }
        // The rest (at most a few groups): through a zero-padded copy of each group.
        withUnsafeTemporaryAllocation(byteCount: 64 + 16, alignment: 8) { scratch in
            withUnsafeTemporaryAllocation(of: T.self, capacity: 8) { tmp in
                let scratchBase = scratch.baseAddress!
                let tmpBase = tmp.baseAddress!
                while done < count {
                    let groupByte = (index >> 3) * width
                    let present = min(width, byteCount - groupByte)
                    scratch.initializeMemory(as: UInt8.self, repeating: 0)
                    if present > 0 {
                        scratchBase.copyMemory(from: src + groupByte, byteCount: present)
                    }
                    let n = min(8, count - done)
                    if n == 8 {
                        unpackGroups(UnsafeRawPointer(scratchBase), dst + done, groups: 1, bitWidth: width)
                    } else {
                        unpackGroups(UnsafeRawPointer(scratchBase), tmpBase, groups: 1, bitWidth: width)
                        (dst + done).update(from: tmpBase, count: n)
                    }
                    index += 8
                    done += n
                }
            }
        }
    }

    /// One value read bit by bit (used only for the few values before a group boundary).
    @inline(__always)
    static func extract(_ src: UnsafeRawPointer, index: Int, bitWidth width: Int) -> UInt64 {
        var bit = index * width
        var got = 0
        var result: UInt64 = 0
        while got < width {
            let byte = UInt64(src.load(fromByteOffset: bit >> 3, as: UInt8.self))
            let offset = bit & 7
            let take = min(8 - offset, width - got)
            let bits = (byte &>> UInt64(offset)) & ((1 &<< UInt64(take)) &- 1)
            result |= bits &<< UInt64(got)
            got += take
            bit += take
        }
        return result
    }

    /// Unpacks `groups` groups of eight values. Requires `groups * bitWidth + 8` readable bytes.
    static func unpackGroups<T: FixedWidthInteger>(
        _ src: UnsafeRawPointer, _ dst: UnsafeMutablePointer<T>, groups: Int, bitWidth: Int
    ) {
        switch bitWidth {
        case 0: dst.update(repeating: 0, count: groups * 8)
        case 1: groupKernel(src, dst, groups, 1)
        case 2: groupKernel(src, dst, groups, 2)
        case 3: groupKernel(src, dst, groups, 3)
        case 4: groupKernel(src, dst, groups, 4)
        case 5: groupKernel(src, dst, groups, 5)
        case 6: groupKernel(src, dst, groups, 6)
        case 7: groupKernel(src, dst, groups, 7)
        case 8: groupKernel(src, dst, groups, 8)
        case 9: groupKernel(src, dst, groups, 9)
        case 10: groupKernel(src, dst, groups, 10)
        case 11: groupKernel(src, dst, groups, 11)
        case 12: groupKernel(src, dst, groups, 12)
        case 13: groupKernel(src, dst, groups, 13)
        case 14: groupKernel(src, dst, groups, 14)
        case 15: groupKernel(src, dst, groups, 15)
        case 16: groupKernel(src, dst, groups, 16)
        case 17: groupKernel(src, dst, groups, 17)
        case 18: groupKernel(src, dst, groups, 18)
        case 19: groupKernel(src, dst, groups, 19)
        case 20: groupKernel(src, dst, groups, 20)
        case 21: groupKernel(src, dst, groups, 21)
        case 22: groupKernel(src, dst, groups, 22)
        case 23: groupKernel(src, dst, groups, 23)
        case 24: groupKernel(src, dst, groups, 24)
        case 25: groupKernel(src, dst, groups, 25)
        case 26: groupKernel(src, dst, groups, 26)
        case 27: groupKernel(src, dst, groups, 27)
        case 28: groupKernel(src, dst, groups, 28)
        case 29: groupKernel(src, dst, groups, 29)
        case 30: groupKernel(src, dst, groups, 30)
        case 31: groupKernel(src, dst, groups, 31)
        case 32: groupKernel(src, dst, groups, 32)
        default: groupKernel(src, dst, groups, bitWidth)
        }
    }

    /// The group loop; inlined into each `case` above so that `width` is a constant there and the
    /// eight extractions become fixed shifts and masks.
    @inline(__always)
    static func groupKernel<T: FixedWidthInteger>(
        _ src: UnsafeRawPointer, _ dst: UnsafeMutablePointer<T>, _ groups: Int, _ width: Int
    ) {
        let mask: UInt64 = width >= 64 ? ~0 : (1 &<< UInt64(width)) &- 1
        var s = src
        var d = dst
        if width <= 8 {
            // The whole group sits in the low `width` bytes of one word.
            for _ in 0 ..< groups {
                let word = unalignedLE64(s, 0)
                for i in 0 ..< 8 {
                    d[i] = T(truncatingIfNeeded: (word &>> UInt64(i * width)) & mask)
                }
                s += width
                d += 8
            }
        } else if width <= 56 {
            // Each value fits in the word loaded at its first byte (shift <= 7, shift + width <= 63).
            for _ in 0 ..< groups {
                for i in 0 ..< 8 {
                    let bit = i * width
                    let v = unalignedLE64(s, bit >> 3) &>> UInt64(bit & 7)
                    d[i] = T(truncatingIfNeeded: v & mask)
                }
                s += width
                d += 8
            }
        } else {
            // Wide values may spill into a ninth byte.
            for _ in 0 ..< groups {
                for i in 0 ..< 8 {
                    let bit = i * width
                    let byte = bit >> 3
                    let shift = bit & 7
                    var v = unalignedLE64(s, byte) &>> UInt64(shift)
                    if shift != 0 && shift + width > 64 {
                        let spill = UInt64(s.load(fromByteOffset: byte + 8, as: UInt8.self))
                        v |= spill &<< UInt64(64 - shift)
                    }
                    d[i] = T(truncatingIfNeeded: v & mask)
                }
                s += width
                d += 8
            }
        }
    }

    /// Packs `values` into exactly `byteCount(count: values.count, bitWidth:)` bytes at `dst`.
    static func packUnchecked<T: FixedWidthInteger>(_ values: UnsafeBufferPointer<T>, bitWidth width: Int, into dst: UnsafeMutableRawPointer) {
        guard width > 0, values.count > 0 else { return }
        let mask: UInt64 = width >= 64 ? ~0 : (1 &<< UInt64(width)) &- 1
        var acc: UInt64 = 0
        var bits = 0
        var out = 0
        for value in values {
            let x = UInt64(truncatingIfNeeded: value) & mask
            acc |= x &<< UInt64(bits)
            bits += width
            if bits >= 64 {
                dst.storeBytes(of: acc.littleEndian, toByteOffset: out, as: UInt64.self)
                out += 8
                bits -= 64
                acc = bits == 0 ? 0 : x &>> UInt64(width - bits)
            }
        }
        var rest = acc
        while bits > 0 {
            dst.storeBytes(of: UInt8(truncatingIfNeeded: rest), toByteOffset: out, as: UInt8.self)
            rest >>= 8
            out += 1
            bits -= 8
        }
    }
}
