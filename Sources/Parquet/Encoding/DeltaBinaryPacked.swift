/// DELTA_BINARY_PACKED (`= 5`) for INT32 and INT64.
///
/// Layout: a header `<block size> <miniblocks per block> <total count> <first value>` (ULEB128,
/// ULEB128, ULEB128, zigzag ULEB128), then blocks of `<min delta (zigzag)> <one bit-width byte per
/// miniblock> <miniblocks>`. Each miniblock bit-packs `delta - minDelta` for its values at its own
/// width; the last miniblock used is padded to a full miniblock, unused miniblocks of the last
/// block have a width byte but no data.
///
/// The decoder accepts any block layout whose miniblocks hold a multiple of 8 values (the spec asks
/// writers for block sizes that are multiples of 128 and miniblocks of multiples of 32; its own
/// examples use blocks of 8). All arithmetic wraps, as the spec requires: an INT32 stream is
/// reconstructed modulo 2^32, an INT64 one modulo 2^64. Bit widths above the value type's width
/// are rejected.
public struct DeltaBinaryPackedDecoder<Value: FixedWidthInteger & SignedInteger> {
    static var name: String { "DELTA_BINARY_PACKED" }

    var reader: EncodedByteReader
    public let blockSize: Int
    public let miniblocksPerBlock: Int
    public let valuesPerMiniblock: Int
    /// Values the header announces.
    public let totalCount: Int
    /// Values not yet produced.
    public private(set) var remaining: Int

    var firstValue: Value
    var firstPending: Bool
    var last: Value = 0
    /// Values still inside miniblocks not yet opened (everything after the first value).
    var unopened: Int

    // The block in progress.
    var minDelta: Value = 0
    var widthsAt = 0
    var miniblockIndex = 0
    var blockOpen = false
    // The miniblock in progress.
    var miniStart = 0
    var miniWidth = 0
    var miniIndex = 0
    var miniLeft = 0

    /// Parses the header. `baseOffset` is where `data` starts within the page.
    public init(_ data: UnsafeRawBufferPointer, baseOffset: Int = 0) throws(EncodingError) {
        var r = EncodedByteReader(data, baseOffset: baseOffset, encoding: Self.name)
        let blockSize = try r.readULEB128("the block size")
        let miniblocks = try r.readULEB128("the miniblock count")
        let total = try r.readULEB128("the total value count")
        let first = try r.readZigZag("the first value")
        guard blockSize > 0, blockSize <= UInt64(Int32.max) else {
            throw r.error(.invalidHeader, "block size \(blockSize) is not a positive 32-bit number", at: 0)
        }
        guard miniblocks > 0, miniblocks <= blockSize, blockSize % miniblocks == 0 else {
            throw r.error(.invalidHeader, "\(miniblocks) miniblocks do not divide a block of \(blockSize) values", at: 0)
        }
        guard (blockSize / miniblocks) % 8 == 0 else {
            throw r.error(.invalidHeader,
                          "miniblocks of \(blockSize / miniblocks) values are not a multiple of 8", at: 0)
        }
        guard total <= UInt64(Int32.max) else {
            throw r.error(.invalidHeader, "total value count \(total) exceeds 2^31-1", at: 0)
        }
        reader = r
        self.blockSize = Int(blockSize)
        miniblocksPerBlock = Int(miniblocks)
        valuesPerMiniblock = Int(blockSize / miniblocks)
        totalCount = Int(total)
        remaining = Int(total)
        firstValue = Value(truncatingIfNeeded: first)
        firstPending = total > 0
        unopened = max(0, Int(total) - 1)
    }

    /// Bytes consumed so far: once every value has been produced (or `skipToEnd()` was called) this
    /// is where the stream ends and whatever follows (e.g. DELTA_LENGTH_BYTE_ARRAY data) begins.
    public var bytesConsumed: Int { reader.position }

    /// Opens the next miniblock (and, when needed, the next block).
    private mutating func openMiniblock() throws(EncodingError) {
        if !blockOpen || miniblockIndex == miniblocksPerBlock {
            let blockAt = reader.position
            let md = try reader.readZigZag("the block's min delta")
            minDelta = Value(truncatingIfNeeded: md)
            guard miniblocksPerBlock <= reader.remaining else {
                throw reader.error(.truncated,
                                   "block needs \(miniblocksPerBlock) bit-width bytes, only \(reader.remaining) remain",
                                   at: blockAt)
            }
            widthsAt = reader.position
            reader.position += miniblocksPerBlock
            miniblockIndex = 0
            blockOpen = true
        }
        let width = Int(reader.bytes[widthsAt + miniblockIndex])
        guard width <= Value.bitWidth else {
            throw reader.error(.invalidBitWidth, "miniblock bit width \(width) exceeds \(Value.bitWidth)",
                               at: widthsAt + miniblockIndex)
        }
        let values = min(valuesPerMiniblock, unopened)
        let needed = BitPacking.byteCount(count: values, bitWidth: width)
        guard needed <= reader.remaining else {
            throw reader.error(.truncated,
                               "miniblock of \(values) values at \(width) bits needs \(needed) bytes, only \(reader.remaining) remain")
        }
        // Writers pad the last miniblock to full size; tolerate a stream cut right after its data.
        let full = valuesPerMiniblock * width / 8
        let present = min(full, reader.remaining)
        miniStart = reader.position
        miniWidth = width
        miniIndex = 0
        miniLeft = values
        unopened -= values
        miniblockIndex += 1
        reader.position += present
    }

    /// Decodes exactly `output.count` values (at most `remaining`).
    public mutating func decode(into output: UnsafeMutableBufferPointer<Value>) throws(EncodingError) {
        try decodeValues(into: output)
    }

    mutating func decodeValues(into output: UnsafeMutableBufferPointer<Value>) throws(EncodingError) {
        let n = output.count
        guard n <= remaining else {
            throw reader.error(.countMismatch, "\(n) values requested but the stream holds only \(remaining) more")
        }
        guard n > 0, let dst = output.baseAddress else { return }
        var done = 0
        if firstPending {
            dst[0] = firstValue
            last = firstValue
            firstPending = false
            done = 1
        }
        let base = reader.bytes.baseAddress
        while done < n {
            if miniLeft == 0 { try openMiniblock() }
            let k = min(miniLeft, n - done)
            let out = dst + done
            // Everything after the miniblock is readable too, which lets whole-word loads run to its end.
            BitPacking.unpackUnchecked(base.map { $0 + miniStart }, byteCount: reader.bytes.count - miniStart, bitWidth: miniWidth,
                                       startIndex: miniIndex, count: k, into: out)
            var acc = last
            let md = minDelta
            for j in 0 ..< k {
                acc = acc &+ md &+ out[j]
                out[j] = acc
            }
            last = acc
            miniIndex += k
            miniLeft -= k
            done += k
        }
        remaining -= n
    }

    /// Decodes `count` values into a new array.
    public mutating func decode(count: Int) throws(EncodingError) -> [Value] {
        guard count >= 0, count <= remaining else {
            throw reader.error(.countMismatch, "\(count) values requested but the stream holds only \(remaining) more")
        }
        return try makeDecodedArray(count: count) { (p) throws(EncodingError) in try decodeValues(into: p) }
    }

    /// Decodes every remaining value.
    public mutating func decodeAll() throws(EncodingError) -> [Value] { try decode(count: remaining) }

    /// Skips `count` values (they are decoded into scratch space: each value depends on the last).
    public mutating func skip(_ count: Int) throws(EncodingError) {
        guard count >= 0, count <= remaining else {
            throw reader.error(.countMismatch, "cannot skip \(count) values: the stream holds only \(remaining) more")
        }
        var left = count
        try withUnsafeTemporaryAllocation(of: Value.self, capacity: 512) { (scratch) throws(EncodingError) in
            while left > 0 {
                let k = min(left, 512)
                try decodeValues(into: UnsafeMutableBufferPointer(rebasing: scratch[0 ..< k]))
                left -= k
            }
        }
    }

    /// Walks past the values not yet decoded without unpacking them, checking the structure, and
    /// returns `bytesConsumed`: the byte just after the stream.
    @discardableResult
    public mutating func skipToEnd() throws(EncodingError) -> Int {
        firstPending = false
        miniLeft = 0
        while unopened > 0 {
            try openMiniblock()
            miniLeft = 0
        }
        remaining = 0
        return reader.position
    }
}

// Concrete entry points: a caller in another module gets code specialised here rather than the
// unspecialised generic path (about 20 times slower).
extension DeltaBinaryPackedDecoder where Value == Int32 {
    public mutating func decode(into output: UnsafeMutableBufferPointer<Int32>) throws(EncodingError) {
        try decodeValues(into: output)
    }

    public mutating func decode(count: Int) throws(EncodingError) -> [Int32] {
        guard count >= 0, count <= remaining else {
            throw reader.error(.countMismatch, "\(count) values requested but the stream holds only \(remaining) more")
        }
        return try makeDecodedArray(count: count) { (p) throws(EncodingError) in try decodeValues(into: p) }
    }
}

extension DeltaBinaryPackedDecoder where Value == Int64 {
    public mutating func decode(into output: UnsafeMutableBufferPointer<Int64>) throws(EncodingError) {
        try decodeValues(into: output)
    }

    public mutating func decode(count: Int) throws(EncodingError) -> [Int64] {
        guard count >= 0, count <= remaining else {
            throw reader.error(.countMismatch, "\(count) values requested but the stream holds only \(remaining) more")
        }
        return try makeDecodedArray(count: count) { (p) throws(EncodingError) in try decodeValues(into: p) }
    }
}

extension DeltaBinaryPackedEncoder where Value == Int32 {
    public mutating func append(_ values: [Int32]) {
        values.withUnsafeBufferPointer { appendAll($0) }
    }

    public static func encode(_ values: [Int32]) -> [UInt8] {
        var e = DeltaBinaryPackedEncoder()
        values.withUnsafeBufferPointer { e.appendAll($0) }
        return e.finish()
    }
}

extension DeltaBinaryPackedEncoder where Value == Int64 {
    public mutating func append(_ values: [Int64]) {
        values.withUnsafeBufferPointer { appendAll($0) }
    }

    public static func encode(_ values: [Int64]) -> [UInt8] {
        var e = DeltaBinaryPackedEncoder()
        values.withUnsafeBufferPointer { e.appendAll($0) }
        return e.finish()
    }
}

extension DeltaBinaryPackedDecoder {
    /// One-shot: decodes the whole stream in `bytes`.
    public static func decode(_ bytes: [UInt8]) throws(EncodingError) -> [Value] {
        try withEncodedBytes(bytes) { (raw) throws(EncodingError) in
            var d = try DeltaBinaryPackedDecoder(raw)
            return try d.decodeAll()
        }
    }
}

/// Writes DELTA_BINARY_PACKED streams: blocks of `blockSize` values split into
/// `miniblocksPerBlock` miniblocks (128 and 4 by default, as parquet-java and Arrow write).
/// Deltas are computed in the value type's wrapping arithmetic, so INT32 streams never need more
/// than 32 bits.
public struct DeltaBinaryPackedEncoder<Value: FixedWidthInteger & SignedInteger> {
    public let blockSize: Int
    public let miniblocksPerBlock: Int
    let valuesPerMiniblock: Int
    private var body: [UInt8] = []
    private var deltas: [Value] = []
    private var scratch: [UInt64]
    private var first: Value = 0
    private var last: Value = 0
    public private(set) var count = 0

    public init(blockSize: Int = 128, miniblocksPerBlock: Int = 4) {
        precondition(blockSize > 0 && blockSize % 128 == 0, "block size must be a positive multiple of 128")
        precondition(miniblocksPerBlock > 0 && blockSize % miniblocksPerBlock == 0
                     && (blockSize / miniblocksPerBlock) % 32 == 0,
                     "miniblocks must hold a multiple of 32 values")
        self.blockSize = blockSize
        self.miniblocksPerBlock = miniblocksPerBlock
        valuesPerMiniblock = blockSize / miniblocksPerBlock
        deltas.reserveCapacity(blockSize)
        scratch = [UInt64](repeating: 0, count: valuesPerMiniblock)
    }

    @inline(__always)
    public mutating func append(_ value: Value) {
        if count == 0 {
            first = value
        } else {
            deltas.append(value &- last)
            if deltas.count == blockSize { flushBlock() }
        }
        last = value
        count += 1
    }

    public mutating func append(_ values: UnsafeBufferPointer<Value>) {
        appendAll(values)
    }

    mutating func appendAll(_ values: UnsafeBufferPointer<Value>) {
        for v in values { append(v) }
    }

    public mutating func append(_ values: [Value]) {
        values.withUnsafeBufferPointer { append($0) }
    }

    /// The complete stream (header and blocks); the encoder is reset.
    public mutating func finish() -> [UInt8] {
        if !deltas.isEmpty { flushBlock() }
        var out: [UInt8] = []
        out.reserveCapacity(body.count + 24)
        out.appendEncodedULEB128(UInt64(blockSize))
        out.appendEncodedULEB128(UInt64(miniblocksPerBlock))
        out.appendEncodedULEB128(UInt64(count))
        out.appendEncodedZigZag(Int64(first))
        out.append(contentsOf: body)
        body = []
        count = 0
        first = 0
        last = 0
        return out
    }

    private mutating func flushBlock() {
        let typeMask: UInt64 = Value.bitWidth >= 64 ? ~0 : (1 << UInt64(Value.bitWidth)) - 1
        var minDelta = deltas[0]
        for d in deltas where d < minDelta { minDelta = d }
        body.appendEncodedZigZag(Int64(minDelta))
        let used = (deltas.count + valuesPerMiniblock - 1) / valuesPerMiniblock
        var widths = [Int](repeating: 0, count: miniblocksPerBlock)
        for m in 0 ..< used {
            var bits: UInt64 = 0
            for i in m * valuesPerMiniblock ..< min(deltas.count, (m + 1) * valuesPerMiniblock) {
                bits |= UInt64(truncatingIfNeeded: deltas[i] &- minDelta) & typeMask
            }
            widths[m] = BitPacking.bitWidth(of: bits)
        }
        for w in widths { body.append(UInt8(w)) }
        for m in 0 ..< used {
            let start = m * valuesPerMiniblock
            let end = min(deltas.count, start + valuesPerMiniblock)
            for i in 0 ..< valuesPerMiniblock {
                scratch[i] = start + i < end ? UInt64(truncatingIfNeeded: deltas[start + i] &- minDelta) & typeMask : 0
            }
            scratch.withUnsafeBufferPointer { BitPacking.pack($0, bitWidth: widths[m], into: &body) }
        }
        deltas.removeAll(keepingCapacity: true)
    }

    /// One-shot encode with the default layout.
    public static func encode(_ values: [Value]) -> [UInt8] {
        var e = DeltaBinaryPackedEncoder()
        e.append(values)
        return e.finish()
    }
}
