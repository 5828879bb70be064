#if canImport(Glibc)
import Glibc
#endif

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
                let (lo, hi) = v.withUnsafeBufferPointer { minMax($0) { UInt32(bitPattern: $0) } }
                stats.minValue = le(lo); stats.maxValue = le(hi)
            } else {
                let (lo, hi) = v.withUnsafeBufferPointer { minMax($0) { $0 } }
                stats.minValue = le(lo); stats.maxValue = le(hi)
            }
        case let (.int64(v), .int64(unsigned)):
            if unsigned {
                let (lo, hi) = v.withUnsafeBufferPointer { minMax($0) { UInt64(bitPattern: $0) } }
                stats.minValue = le(lo); stats.maxValue = le(hi)
            } else {
                let (lo, hi) = v.withUnsafeBufferPointer { minMax($0) { $0 } }
                stats.minValue = le(lo); stats.maxValue = le(hi)
            }
        case let (.float(v), _):
            // NaN is ignored; a zero minimum is written -0.0 and a zero maximum +0.0 (the spec's rule).
            guard var (lo, hi) = v.withUnsafeBufferPointer({ floatMinMax($0) }) else { break }
            if lo == 0 { lo = -0.0 }
            if hi == 0 { hi = 0.0 }
            stats.minValue = le(lo.bitPattern); stats.maxValue = le(hi.bitPattern)
        case let (.double(v), _):
            guard var (lo, hi) = v.withUnsafeBufferPointer({ floatMinMax($0) }) else { break }
            if lo == 0 { lo = -0.0 }
            if hi == 0 { hi = 0.0 }
            stats.minValue = le(lo.bitPattern); stats.maxValue = le(hi.bitPattern)
        case let (.bytes(buffer), _):
            let (lo, hi) = buffer.offsets.withUnsafeBufferPointer { offsets in
                buffer.values.withUnsafeBytes { values in
                    let data = values.baseAddress ?? UnsafeRawPointer(bitPattern: 64)!  // all values empty
                    func value(_ i: Int) -> UnsafeRawBufferPointer {
                        UnsafeRawBufferPointer(start: data + Int(offsets[i]), count: Int(offsets[i + 1] - offsets[i]))
                    }
                    var lo = 0, hi = 0
                    for i in 1 ..< buffer.count {
                        let v = value(i)
                        if bytesPrecede(v, value(lo)) { lo = i }
                        if bytesPrecede(value(hi), v) { hi = i }
                    }
                    return (lo, hi)
                }
            }
            stats.minValue = Array(buffer[lo]); stats.maxValue = Array(buffer[hi])
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

    /// The smallest and largest of `v` (not empty), each value seen as `key(value)`.
    @inline(__always)
    static func minMax<T, K: FixedWidthInteger>(_ v: UnsafeBufferPointer<T>, _ key: (T) -> K) -> (K, K) {
        var lo = key(v[0]), hi = lo
        for x in v {
            let k = key(x)
            lo = Swift.min(lo, k)
            hi = Swift.max(hi, k)
        }
        return (lo, hi)
    }

    /// The smallest and largest non-NaN values of `v`, or nil when every value is NaN.
    @inline(__always)
    static func floatMinMax<T: BinaryFloatingPoint>(_ v: UnsafeBufferPointer<T>) -> (T, T)? {
        // Selects rather than branches: a NaN fails both comparisons, so it never replaces a
        // bound, and with no other value the bounds stay crossed. Four independent bounds each,
        // so the comparisons do not wait on one another.
        var lo = (T.infinity, T.infinity, T.infinity, T.infinity)
        var hi = (-T.infinity, -T.infinity, -T.infinity, -T.infinity)
        let whole = v.count & ~3
        var i = 0
        while i < whole {
            let a = v[i], b = v[i + 1], c = v[i + 2], d = v[i + 3]
            lo.0 = a < lo.0 ? a : lo.0; hi.0 = a > hi.0 ? a : hi.0
            lo.1 = b < lo.1 ? b : lo.1; hi.1 = b > hi.1 ? b : hi.1
            lo.2 = c < lo.2 ? c : lo.2; hi.2 = c > hi.2 ? c : hi.2
            lo.3 = d < lo.3 ? d : lo.3; hi.3 = d > hi.3 ? d : hi.3
            i += 4
        }
        while i < v.count {
            let a = v[i]
            lo.0 = a < lo.0 ? a : lo.0; hi.0 = a > hi.0 ? a : hi.0
            i += 1
        }
        let low = Swift.min(Swift.min(lo.0, lo.1), Swift.min(lo.2, lo.3))
        let high = Swift.max(Swift.max(hi.0, hi.1), Swift.max(hi.2, hi.3))
        return low <= high ? (low, high) : nil
    }

    /// Whether `a` sorts before `b`, comparing bytes as unsigned numbers.
    @inline(__always)
    static func bytesPrecede(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
        let n = Swift.min(a.count, b.count)
        if n > 0 {
            let c = memcmp(a.baseAddress!, b.baseAddress!, n)
            if c != 0 { return c < 0 }
        }
        return a.count < b.count
    }

    /// Whether big-endian two's complement `a` is less than `b` (both the same width, non-empty).
    static func signedPrecedes(_ a: ArraySlice<UInt8>, _ b: ArraySlice<UInt8>) -> Bool {
        let a0 = a[a.startIndex] ^ 0x80, b0 = b[b.startIndex] ^ 0x80
        if a0 != b0 { return a0 < b0 }
        return a.dropFirst().lexicographicallyPrecedes(b.dropFirst())
    }
}
