/// Column chunk statistics: null count and min/max (`min_value`/`max_value`, PLAIN-encoded) in
/// the sort order of the column's logical type.
enum ChunkStatistics {
    static func compute(_ values: WriterValues, plan: LeafPlan, nullCount: Int) -> Statistics {
        var stats = Statistics(nullCount: Int64(nullCount))
        guard values.count > 0 else { return stats }
        func le<T: FixedWidthInteger>(_ v: T) -> [UInt8] { withUnsafeBytes(of: v.littleEndian) { Array($0) } }
        switch (values, plan.storage) {
        case let (.boolean(v), _):
            stats.minValue = [v.contains(false) ? 0 : 1]
            stats.maxValue = [v.contains(true) ? 1 : 0]
        case let (.int32(v), .int32(unsigned)):
            if unsigned {
                let u = v.map { UInt32(bitPattern: $0) }
                stats.minValue = le(u.min()!); stats.maxValue = le(u.max()!)
            } else {
                stats.minValue = le(v.min()!); stats.maxValue = le(v.max()!)
            }
        case let (.int64(v), .int64(unsigned)):
            if unsigned {
                let u = v.map { UInt64(bitPattern: $0) }
                stats.minValue = le(u.min()!); stats.maxValue = le(u.max()!)
            } else {
                stats.minValue = le(v.min()!); stats.maxValue = le(v.max()!)
            }
        case let (.float(v), _):
            // NaN is ignored; a zero minimum is written -0.0 and a zero maximum +0.0 (the spec's rule).
            let real = v.filter { !$0.isNaN }
            guard var lo = real.min(), var hi = real.max() else { break }
            if lo == 0 { lo = -0.0 }
            if hi == 0 { hi = 0.0 }
            stats.minValue = le(lo.bitPattern); stats.maxValue = le(hi.bitPattern)
        case let (.double(v), _):
            let real = v.filter { !$0.isNaN }
            guard var lo = real.min(), var hi = real.max() else { break }
            if lo == 0 { lo = -0.0 }
            if hi == 0 { hi = 0.0 }
            stats.minValue = le(lo.bitPattern); stats.maxValue = le(hi.bitPattern)
        case let (.bytes(buffer), _):
            var lo = buffer[0], hi = buffer[0]
            for i in 1..<buffer.count {
                let value = buffer[i]
                if value.lexicographicallyPrecedes(lo) { lo = value }
                if hi.lexicographicallyPrecedes(value) { hi = value }
            }
            stats.minValue = Array(lo); stats.maxValue = Array(hi)
        case let (.fixed(bytes, width), .fixedLen):
            var lo = bytes[0..<width], hi = bytes[0..<width]
            for start in stride(from: width, to: bytes.count, by: width) {
                let value = bytes[start..<(start + width)]
                if value.lexicographicallyPrecedes(lo) { lo = value }
                if hi.lexicographicallyPrecedes(value) { hi = value }
            }
            stats.minValue = Array(lo); stats.maxValue = Array(hi)
        case let (.fixed(bytes, width), .decimalBytes):
            // Big-endian two's complement: signed order (the sign bit flipped, then bytewise).
            var lo = bytes[0..<width], hi = bytes[0..<width]
            for start in stride(from: width, to: bytes.count, by: width) {
                let value = bytes[start..<(start + width)]
                if signedPrecedes(value, lo) { lo = value }
                if signedPrecedes(hi, value) { hi = value }
            }
            stats.minValue = Array(lo); stats.maxValue = Array(hi)
        default:
            break
        }
        return stats
    }

    /// Whether big-endian two's complement `a` is less than `b` (both the same width, non-empty).
    static func signedPrecedes(_ a: ArraySlice<UInt8>, _ b: ArraySlice<UInt8>) -> Bool {
        let a0 = a[a.startIndex] ^ 0x80, b0 = b[b.startIndex] ^ 0x80
        if a0 != b0 { return a0 < b0 }
        return a.dropFirst().lexicographicallyPrecedes(b.dropFirst())
    }
}
