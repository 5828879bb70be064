import Columnar

/// A column's non-null values in their Parquet physical form, with definition levels.
enum WriterValues {
    case boolean([Bool])
    case int32(ValueArray<Int32>)
    case int64(ValueArray<Int64>)
    case float(ValueArray<Float>)
    case double(ValueArray<Double>)
    case bytes(ByteArrayBuffer)
    case fixed([UInt8], width: Int)

    var count: Int {
        switch self {
        case let .boolean(v): return v.count
        case let .int32(v): return v.count
        case let .int64(v): return v.count
        case let .float(v): return v.count
        case let .double(v): return v.count
        case let .bytes(v): return v.count
        case let .fixed(v, width): return width == 0 ? 0 : v.count / width
        }
    }

    /// Extracts `column`'s values per `plan`; `levels` gets 1 for a value, 0 for a null, except
    /// that it is left empty when no entry of a primitive or binary column is null (every entry
    /// is then a value). With `rows` (a nested leaf's value rows, all non-null), only those rows
    /// are taken, in that order, and `levels` is left alone.
    static func extract(_ column: Column, plan: LeafPlan, levels: inout [Int32], rows: [Int32]? = nil,
                        field: String, path: String) throws(ParquetWriteError) -> WriterValues {
        let n = column.count
        func prim<T: FixedWidthValue, R>(_ c: PrimitiveColumn<T>, _ convert: (T) throws(ParquetWriteError) -> R) throws(ParquetWriteError) -> [R] {
            var out: [R] = []
            if let rows {
                out.reserveCapacity(rows.count)
                for i in rows { out.append(try convert(c.value(at: Int(i)))) }
                return out
            }
            out.reserveCapacity(n - c.nullCount)
            if c.nullCount == 0 {
                try c.withUnsafeBufferPointer { (src) throws(ParquetWriteError) in
                    for v in src { out.append(try convert(v)) }
                }
                return out
            }
            levels.reserveCapacity(n)
            for i in 0..<n {
                if c.isNull(i) { levels.append(0); continue }
                levels.append(1)
                out.append(try convert(c.value(at: i)))
            }
            return out
        }
        /// The values as they are stored (no conversion): the column's own buffer when there is no null.
        func copy<T: FixedWidthValue>(_ c: PrimitiveColumn<T>) throws(ParquetWriteError) -> ValueArray<T> {
            if rows == nil && c.nullCount == 0 { return ValueArray(buffer: c.values, offset: c.offset, count: c.count) }
            if rows == nil, let validity = c.validity { return ValueArray(gather(c, validity, levels: &levels)) }
            return ValueArray(try prim(c) { $0 })
        }
        func mismatch() -> ParquetWriteError {
            ParquetWriteError(path: path, message: "column '\(field)': its data (\(column.dataType)) does not match the schema")
        }
        switch (plan.storage, column) {
        case let (.boolean, .bool(c)):
            var out: [Bool] = []
            if let rows {
                out.reserveCapacity(rows.count)
                for i in rows { out.append(c.value(at: Int(i))) }
                return .boolean(out)
            }
            levels.reserveCapacity(n)
            for i in 0..<n {
                if c.isNull(i) { levels.append(0) } else { levels.append(1); out.append(c.value(at: i)) }
            }
            return .boolean(out)
        case let (.int32, .int8(c)): return .int32(try ValueArray(prim(c) { Int32($0) }))
        case let (.int32, .int16(c)): return .int32(try ValueArray(prim(c) { Int32($0) }))
        case let (.int32, .int32(c)):
            let scale = Int32(plan.timestampScale)  // time of day in seconds, stored as milliseconds
            if scale == 1 { return .int32(try copy(c)) }
            return .int32(try ValueArray(prim(c) { (v: Int32) throws(ParquetWriteError) -> Int32 in
                let (r, overflow) = v.multipliedReportingOverflow(by: scale)
                if overflow { throw ParquetWriteError(path: path, message: "column '\(field)': time \(v) overflows milliseconds") }
                return r
            }))
        case let (.int32, .uint8(c)): return .int32(try ValueArray(prim(c) { Int32($0) }))
        case let (.int32, .uint16(c)): return .int32(try ValueArray(prim(c) { Int32($0) }))
        case let (.int32, .uint32(c)): return .int32(try ValueArray(prim(c) { Int32(bitPattern: $0) }))
        case let (.int32, .decimal128(c)): return .int32(try ValueArray(prim(c) { Int32(truncatingIfNeeded: $0) }))
        case let (.int64, .int64(c)):
            let scale = plan.timestampScale
            if scale == 1 { return .int64(try copy(c)) }
            return .int64(try ValueArray(prim(c) { (v: Int64) throws(ParquetWriteError) -> Int64 in
                if scale > 0 {
                    let (r, overflow) = v.multipliedReportingOverflow(by: scale)
                    if overflow { throw ParquetWriteError(path: path, message: "column '\(field)': timestamp \(v) overflows microseconds") }
                    return r
                }
                // Nanoseconds to microseconds, rounding toward negative infinity.
                let d = -scale
                return v >= 0 ? v / d : -((-(v + 1)) / d) - 1
            }))
        case let (.int64, .uint64(c)): return .int64(try ValueArray(prim(c) { Int64(bitPattern: $0) }))
        case let (.int64, .decimal128(c)): return .int64(try ValueArray(prim(c) { Int64(truncatingIfNeeded: $0) }))
        case let (.float, .float32(c)): return .float(try copy(c))
        case let (.double, .float64(c)): return .double(try copy(c))
        case let (.byteArray, .binary(c)):
            var buffer = ByteArrayBuffer()
            if let rows {
                for i in rows { c.withUnsafeBytes(at: Int(i)) { buffer.append($0) } }
                return .bytes(buffer)
            }
            if c.nullCount == 0 {
                // One copy of the rows' bytes, offsets rebased to start at 0; `levels` stays empty.
                c.withUnsafeOffsets { offsets in
                    let first = offsets[0]
                    buffer.offsets = offsets.map { $0 - first }
                    c.withUnsafeData { data in
                        buffer.values = Array(UnsafeRawBufferPointer(rebasing: data[Int(first) ..< Int(offsets[n])]))
                    }
                }
                return .bytes(buffer)
            }
            levels.reserveCapacity(n)
            buffer.reserveCapacity(values: n, bytes: c.byteCount)
            for i in 0..<n {
                if c.isNull(i) { levels.append(0); continue }
                levels.append(1)
                c.withUnsafeBytes(at: i) { buffer.append($0) }
            }
            return .bytes(buffer)
        case let (.fixedLen(width), .fixedSizeBinary(c)):
            var out: [UInt8] = []
            if let rows {
                out.reserveCapacity(rows.count * width)
                for i in rows { c.withUnsafeBytes(at: Int(i)) { out.append(contentsOf: $0) } }
                return .fixed(out, width: width)
            }
            out.reserveCapacity(n * width)
            for i in 0..<n {
                if c.isNull(i) { levels.append(0); continue }
                levels.append(1)
                c.withUnsafeBytes(at: i) { out.append(contentsOf: $0) }
            }
            return .fixed(out, width: width)
        case let (.decimalBytes(width), .decimal128(c)):
            var out: [UInt8] = []
            func append(_ v: Int128) {
                // Big-endian two's complement in `width` bytes.
                for k in stride(from: width - 1, through: 0, by: -1) {
                    out.append(UInt8(truncatingIfNeeded: v >> (8 * k)))
                }
            }
            if let rows {
                out.reserveCapacity(rows.count * width)
                for i in rows { append(c.value(at: Int(i))) }
                return .fixed(out, width: width)
            }
            out.reserveCapacity(n * width)
            for i in 0..<n {
                if c.isNull(i) { levels.append(0); continue }
                levels.append(1)
                append(c.value(at: i))
            }
            return .fixed(out, width: width)
        default:
            throw mismatch()
        }
    }
}

/// Physical values of one fixed-width type: an array of their own, or a stretch of a column's
/// (immutable) buffer used without copying.
struct ValueArray<T: BitwiseCopyable> {
    private let array: [T]
    private let buffer: Buffer?
    private let offset: Int
    let count: Int

    init(_ array: [T]) {
        self.array = array
        buffer = nil
        offset = 0
        count = array.count
    }

    /// `count` values of `buffer` from value index `offset` on.
    init(buffer: Buffer, offset: Int, count: Int) {
        array = []
        self.buffer = buffer
        self.offset = offset
        self.count = count
    }

    func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<T>) -> R) -> R {
        if let buffer { return buffer.withUnsafeBufferPointer(as: T.self, offset: offset, count: count, body) }
        return array.withUnsafeBufferPointer(body)
    }
}

/// The present values of a nullable column, in order, with a definition level per row appended to
/// `levels` (1 present, 0 null): one branch-free pass over the values and the validity bits.
func gather<T: FixedWidthValue>(_ c: PrimitiveColumn<T>, _ validity: Bitmap, levels: inout [Int32]) -> [T] {
    let n = c.count
    let present = n - c.nullCount
    var rowLevels: [Int32] = []
    // One spare slot: the loop stores every row's value at the next free slot and only then
    // decides whether to keep it, so a null after the last present value writes one past the end.
    let values = [T](unsafeUninitializedCapacity: present + 1) { out, kept in
        rowLevels = [Int32](unsafeUninitializedCapacity: n) { lv, written in
            c.withUnsafeBufferPointer { src in
                validity.withUnsafeBytes { bits in
                    let shift = validity.offset & 7
                    var k = 0
                    var i = 0
                    while i < n {
                        // A whole byte of present values (the usual case) goes eight at a time.
                        if shift == 0 && i & 7 == 0 && i + 8 <= n && bits[i >> 3] == 0xFF && k + 8 <= present {
                            (out.baseAddress! + k).initialize(from: src.baseAddress! + i, count: 8)
                            (lv.baseAddress! + i).initialize(repeating: 1, count: 8)
                            k &+= 8
                            i &+= 8
                            continue
                        }
                        let bit = shift &+ i
                        let on = Int((bits[bit >> 3] >> UInt8(truncatingIfNeeded: bit & 7)) & 1)
                        lv[i] = Int32(truncatingIfNeeded: on)
                        out[k] = src[i]
                        k &+= on
                        i &+= 1
                    }
                    kept = Swift.min(k, present)
                }
            }
            written = n
        }
    }
    if levels.isEmpty { levels = rowLevels } else { levels.append(contentsOf: rowLevels) }
    return values
}
