/// Encodes a whole stream of levels or dictionary indices as RLE / bit-packed hybrid runs, eight
/// values at a time: a group of eight equal values opens a repeated run that goes on as long as
/// the value repeats; other groups are bit-packed together. Nothing is decided per value, which
/// makes it several times faster than `RLEHybridEncoder` on streams that seldom repeat (indices
/// into a small dictionary); the price is that a repetition not covering a whole group stays
/// bit-packed, so a stream can come out a few bytes longer. Readers decode both alike.
public enum RLEHybridGroups {
    /// Values per bit-packed run at most (512 groups), as `RLEHybridEncoder` writes them.
    static let packedRunLimit = 4096

    /// Appends the runs of `values` (no length prefix) to `out`; every value must fit in `bitWidth` bits.
    public static func encode(_ values: UnsafeBufferPointer<Int32>, bitWidth: Int, into out: inout [UInt8]) {
        precondition(bitWidth >= 0 && bitWidth <= 32, "RLE bit width \(bitWidth) is outside 0...32")
        guard let base = values.baseAddress, values.count > 0 else { return }
        let n = values.count
        var bits: UInt32 = 0
        for v in values { bits |= UInt32(bitPattern: v) }
        let mask: UInt32 = bitWidth == 32 ? ~0 : (1 << UInt32(bitWidth)) - 1
        precondition(bits & ~mask == 0, "a value does not fit in \(bitWidth) bits")

        var packedFrom = 0  // the first value of the groups waiting to be bit-packed
        var i = 0
        while i &+ 8 <= n {
            let v = base[i]
            guard allEqual(base + i, v) else {
                i &+= 8
                if i &- packedFrom >= packedRunLimit {
                    pack(base + packedFrom, count: i &- packedFrom, bitWidth: bitWidth, into: &out)
                    packedFrom = i
                }
                continue
            }
            var j = i &+ 8
            while j &+ 8 <= n && allEqual(base + j, v) { j &+= 8 }
            while j < n && base[j] == v { j &+= 1 }
            if packedFrom < i { pack(base + packedFrom, count: i &- packedFrom, bitWidth: bitWidth, into: &out) }
            RLEHybridEncoder.appendRepeated(UInt32(bitPattern: v), count: j &- i, bitWidth: bitWidth, to: &out)
            i = j
            packedFrom = j
        }
        guard packedFrom < n else { return }
        // The last values, padded with zeros to a whole group (the reader knows how many there are).
        let rest = n &- packedFrom
        if rest & 7 == 0 { return pack(base + packedFrom, count: rest, bitWidth: bitWidth, into: &out) }
        var last = [Int32](repeating: 0, count: (rest + 7) & ~7)
        for k in 0 ..< rest { last[k] = base[packedFrom + k] }
        last.withUnsafeBufferPointer { pack($0.baseAddress!, count: $0.count, bitWidth: bitWidth, into: &out) }
    }

    /// Whether the eight values at `p` all equal `v` (four 64-bit words, each two copies of `v`).
    @inline(__always)
    private static func allEqual(_ p: UnsafePointer<Int32>, _ v: Int32) -> Bool {
        let pair = UInt64(UInt32(bitPattern: v)) &* 0x1_0000_0001
        let raw = UnsafeRawPointer(p)
        let differ = (raw.loadUnaligned(as: UInt64.self) ^ pair) | (raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self) ^ pair)
            | (raw.loadUnaligned(fromByteOffset: 16, as: UInt64.self) ^ pair) | (raw.loadUnaligned(fromByteOffset: 24, as: UInt64.self) ^ pair)
        return differ == 0
    }

    /// One bit-packed run of `count` (a multiple of 8) values.
    private static func pack(_ p: UnsafePointer<Int32>, count: Int, bitWidth: Int, into out: inout [UInt8]) {
        out.appendEncodedULEB128(UInt64(count / 8) << 1 | 1)
        BitPacking.pack(UnsafeBufferPointer(start: p, count: count), bitWidth: bitWidth, into: &out)
    }
}
