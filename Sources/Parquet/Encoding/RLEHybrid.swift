/// The RLE / bit-packed hybrid encoding (`RLE = 3`): repetition and definition levels, dictionary
/// indices (`RLE_DICTIONARY`) and RLE booleans.
///
/// A stream is a sequence of runs, each starting with a ULEB128 header. An even header `2n` is a
/// repeated run: `n` copies of one value stored in `ceil(bitWidth / 8)` little-endian bytes. An odd
/// header `2g + 1` is a bit-packed run of `8g` values, `g * bitWidth` bytes (see `BitPacking`).
///
/// How the stream is framed depends on its use:
/// - data page v1 levels and RLE booleans: a 4-byte little-endian length, then that many bytes of
///   runs (`init(lengthPrefixed:bitWidth:baseOffset:)`);
/// - data page v2 levels: just the runs, their length given by the page header (`init(_:bitWidth:baseOffset:)`);
/// - dictionary indices: one byte holding the bit width, then runs to the end of the page
///   (`init(dictionaryIndices:baseOffset:)`).
///
/// The decoder never allocates from a run length: a run announcing 2^31 values fills at most what
/// the caller asked for, and a bit-packed run is capped by the bytes actually present.
public struct RLEHybridDecoder {
    static let name = "RLE"

    /// The runs (without the length prefix or bit-width byte).
    let data: UnsafeRawBufferPointer
    /// Where `data` starts within the page.
    let baseOffset: Int
    /// Bits per value, 0...32.
    public let bitWidth: Int
    /// How many input bytes this stream spans, including its length prefix or bit-width byte; the
    /// next section of the page starts this many bytes after the input given to the initializer.
    public let encodedByteCount: Int

    /// Next run header.
    var position = 0
    /// Values decoded or skipped so far (for messages).
    public internal(set) var valuesRead = 0

    // The run in progress: at most one of the two counts is non-zero.
    var repeatRemaining = 0
    var repeatValue: UInt32 = 0
    var packedRemaining = 0
    var packedStart = 0
    var packedIndex = 0

    /// A stream of bare runs occupying all of `data` (data page v2 levels). `baseOffset` is where
    /// `data` starts within the page.
    public init(_ data: UnsafeRawBufferPointer, bitWidth: Int, baseOffset: Int = 0) throws(EncodingError) {
        try self.init(runs: data, bitWidth: bitWidth, baseOffset: baseOffset, encodedByteCount: data.count)
    }

    /// A stream preceded by its 4-byte little-endian length (data page v1 levels, RLE booleans).
    /// `data` may extend beyond the stream; `encodedByteCount` says where the stream ends.
    public init(lengthPrefixed data: UnsafeRawBufferPointer, bitWidth: Int, baseOffset: Int = 0) throws(EncodingError) {
        var reader = EncodedByteReader(data, baseOffset: baseOffset, encoding: Self.name)
        let length = Int(try reader.readUInt32LE("the 4-byte length prefix"))
        guard length <= reader.remaining else {
            throw reader.error(.invalidLength,
                               "length prefix says \(length) bytes but only \(reader.remaining) follow", at: 0)
        }
        try self.init(runs: UnsafeRawBufferPointer(rebasing: data[4 ..< 4 + length]), bitWidth: bitWidth,
                      baseOffset: baseOffset + 4, encodedByteCount: 4 + length)
    }

    /// Dictionary indices: a 1-byte bit width (at most 32), then runs to the end of `data`.
    /// Empty `data` is accepted as a stream of no values (a page whose values are all null).
    public init(dictionaryIndices data: UnsafeRawBufferPointer, baseOffset: Int = 0) throws(EncodingError) {
        guard let first = data.first else {
            try self.init(runs: data, bitWidth: 0, baseOffset: baseOffset, encodedByteCount: 0)
            return
        }
        guard first <= 32 else {
            throw EncodingError(.invalidBitWidth, encoding: "RLE_DICTIONARY", offset: baseOffset,
                                "dictionary index bit width \(first) is above 32")
        }
        try self.init(runs: UnsafeRawBufferPointer(rebasing: data[1...]), bitWidth: Int(first),
                      baseOffset: baseOffset + 1, encodedByteCount: data.count)
    }

    private init(runs: UnsafeRawBufferPointer, bitWidth: Int, baseOffset: Int, encodedByteCount: Int) throws(EncodingError) {
        guard bitWidth >= 0, bitWidth <= 32 else {
            throw EncodingError(.invalidBitWidth, encoding: Self.name, offset: baseOffset,
                                "bit width \(bitWidth) is outside 0...32")
        }
        self.data = runs
        self.baseOffset = baseOffset
        self.bitWidth = bitWidth
        self.encodedByteCount = encodedByteCount
    }

    /// True once every run has been consumed.
    public var isAtEnd: Bool { repeatRemaining == 0 && packedRemaining == 0 && position >= data.count }

    private func error(_ kind: EncodingError.Kind, _ message: String, at position: Int) -> EncodingError {
        EncodingError(kind, encoding: Self.name, offset: baseOffset + position, message)
    }

    /// Reads the next run header (and a repeated run's value).
    mutating func startRun(requested: Int) throws(EncodingError) {
        guard position < data.count else {
            throw error(.truncated,
                        "stream ends after \(valuesRead) values; \(requested) more were requested", at: position)
        }
        var reader = EncodedByteReader(data, baseOffset: baseOffset, encoding: Self.name)
        reader.position = position
        let headerAt = position
        let header = try reader.readULEB128("a run header")
        if header & 1 == 1 {
            let groups = header >> 1
            guard groups <= UInt64(Int32.max) / 8 else {
                throw error(.invalidHeader, "bit-packed run of \(groups) groups exceeds 2^31-1 values", at: headerAt)
            }
            let values = Int(groups) * 8
            let bytes = Int(groups) * bitWidth
            // A final run may stop short of its last group: keep what the bytes actually hold.
            let present = min(bytes, reader.remaining)
            packedStart = reader.position
            packedIndex = 0
            packedRemaining = bitWidth == 0 ? values : min(values, present * 8 / bitWidth)
            position = reader.position + present
        } else {
            let length = header >> 1
            guard length <= UInt64(Int32.max) else {
                throw error(.invalidHeader, "repeated run of \(length) values exceeds 2^31-1", at: headerAt)
            }
            let valueBytes = (bitWidth + 7) / 8
            try reader.require(valueBytes, "the repeated value")
            var value: UInt32 = 0
            for i in 0 ..< valueBytes {
                value |= UInt32(data[reader.position + i]) << (8 * i)
            }
            repeatValue = value
            repeatRemaining = Int(length)
            position = reader.position + valueBytes
        }
    }

    /// Decodes exactly `output.count` values, or throws (truncated stream, bad header, or a bit width
    /// wider than `T`). Values are not range-checked: levels and indices are checked by the caller
    /// (see `decodeIndices(into:dictionaryCount:)`).
    public mutating func decode<T: FixedWidthInteger>(into output: UnsafeMutableBufferPointer<T>) throws(EncodingError) {
        try decodeValues(into: output)
    }

    /// `decode(into:)` for `Int32` (specialised here, fast from any module).
    public mutating func decode(into output: UnsafeMutableBufferPointer<Int32>) throws(EncodingError) {
        try decodeValues(into: output)
    }

    /// `decode(into:)` for `Int16` levels (Arrow's level type).
    public mutating func decode(into output: UnsafeMutableBufferPointer<Int16>) throws(EncodingError) {
        try decodeValues(into: output)
    }

    /// `decode(into:)` for `UInt8` (booleans, small levels).
    public mutating func decode(into output: UnsafeMutableBufferPointer<UInt8>) throws(EncodingError) {
        try decodeValues(into: output)
    }

    mutating func decodeValues<T: FixedWidthInteger>(into output: UnsafeMutableBufferPointer<T>) throws(EncodingError) {
        guard bitWidth <= T.bitWidth else {
            throw error(.invalidBitWidth, "bit width \(bitWidth) does not fit \(T.self)", at: position)
        }
        let n = output.count
        guard n > 0, let dst = output.baseAddress else { return }
        var done = 0
        while done < n {
            if repeatRemaining > 0 {
                let k = min(repeatRemaining, n - done)
                (dst + done).update(repeating: T(truncatingIfNeeded: repeatValue), count: k)
                repeatRemaining -= k
                done += k
                valuesRead += k
            } else if packedRemaining > 0 {
                let k = min(packedRemaining, n - done)
                // The bytes after the run are readable too, which lets whole-word loads run to its end.
                BitPacking.unpackUnchecked(data.baseAddress.map { $0 + packedStart }, byteCount: data.count - packedStart,
                                           bitWidth: bitWidth, startIndex: packedIndex, count: k, into: dst + done)
                packedIndex += k
                packedRemaining -= k
                done += k
                valuesRead += k
            } else {
                try startRun(requested: n - done)
            }
        }
    }

    /// Decodes `count` values into a new array (the count is the caller's, never the stream's).
    public mutating func decode(count: Int) throws(EncodingError) -> [Int32] {
        guard count >= 0, count <= Int(Int32.max) else {
            throw error(.invalidLength, "implausible value count \(count)", at: position)
        }
        // Repeated runs can be arbitrarily long, so the caller's count is what bounds the allocation.
        return try makeDecodedArray(count: count) { (buffer: UnsafeMutableBufferPointer<Int32>) throws(EncodingError) in
            try decodeValues(into: buffer)
        }
    }

    /// Decodes dictionary indices and checks that each is below `dictionaryCount`.
    public mutating func decodeIndices(into output: UnsafeMutableBufferPointer<Int32>, dictionaryCount: Int) throws(EncodingError) {
        let start = position
        try decode(into: output)
        let limit = UInt32(clamping: max(0, dictionaryCount))
        var maxSeen: UInt32 = 0
        for v in output { maxSeen = max(maxSeen, UInt32(bitPattern: v)) }
        if output.count > 0 && maxSeen >= limit {
            throw EncodingError(.valueOutOfRange, encoding: "RLE_DICTIONARY", offset: baseOffset + start,
                                "dictionary index \(maxSeen) is out of range for a dictionary of \(dictionaryCount) values")
        }
    }

    /// Decodes booleans (bit width 1): any non-zero value is true.
    public mutating func decodeBooleans(into output: UnsafeMutableBufferPointer<Bool>) throws(EncodingError) {
        var done = 0
        try withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 1024) { (chunk) throws(EncodingError) in
            while done < output.count {
                let k = min(1024, output.count - done)
                let part = UnsafeMutableBufferPointer(rebasing: chunk[0 ..< k])
                try decode(into: part)
                for i in 0 ..< k { output[done + i] = part[i] != 0 }
                done += k
            }
        }
    }

    /// Skips `count` values without producing them.
    public mutating func skip(_ count: Int) throws(EncodingError) {
        var left = count
        while left > 0 {
            if repeatRemaining > 0 {
                let k = min(repeatRemaining, left)
                repeatRemaining -= k
                left -= k
                valuesRead += k
            } else if packedRemaining > 0 {
                let k = min(packedRemaining, left)
                packedRemaining -= k
                packedIndex += k
                left -= k
                valuesRead += k
            } else {
                try startRun(requested: left)
            }
        }
    }
}

extension RLEHybridDecoder {
    /// One-shot decode of `count` values from an array holding bare runs.
    public static func decode(_ bytes: [UInt8], bitWidth: Int, count: Int) throws(EncodingError) -> [Int32] {
        try withEncodedBytes(bytes) { (raw) throws(EncodingError) in
            var decoder = try RLEHybridDecoder(raw, bitWidth: bitWidth)
            return try decoder.decode(count: count)
        }
    }

    /// One-shot decode of a length-prefixed stream; also returns how many bytes it spanned.
    public static func decodeLengthPrefixed(_ bytes: [UInt8], bitWidth: Int, count: Int) throws(EncodingError) -> (values: [Int32], byteCount: Int) {
        try withEncodedBytes(bytes) { (raw) throws(EncodingError) in
            var decoder = try RLEHybridDecoder(lengthPrefixed: raw, bitWidth: bitWidth)
            return (try decoder.decode(count: count), decoder.encodedByteCount)
        }
    }

    /// One-shot decode of dictionary indices (bit-width byte, then runs).
    public static func decodeDictionaryIndices(_ bytes: [UInt8], count: Int) throws(EncodingError) -> [Int32] {
        try withEncodedBytes(bytes) { (raw) throws(EncodingError) in
            var decoder = try RLEHybridDecoder(dictionaryIndices: raw)
            return try decoder.decode(count: count)
        }
    }
}

/// Builds an RLE / bit-packed hybrid stream.
///
/// Values go into a pending bit-packed group list until a value repeats often enough to pay for a
/// repeated run: a repetition becomes a repeated run once it covers at least eight values after
/// topping the pending list up to a multiple of eight (bit-packed runs hold whole groups of eight).
/// The pending list is flushed every 4096 values, so memory stays bounded for any input.
public struct RLEHybridEncoder {
    public let bitWidth: Int
    private var out: [UInt8] = []
    private var literal: [UInt32] = []
    private var runValue: UInt32 = 0
    private var runLength = 0
    private let mask: UInt32
    public private(set) var count = 0

    static let literalFlushThreshold = 4096
    static let maxRun = Int(Int32.max)

    public init(bitWidth: Int) {
        precondition(bitWidth >= 0 && bitWidth <= 32, "RLE bit width \(bitWidth) is outside 0...32")
        self.bitWidth = bitWidth
        mask = bitWidth == 32 ? ~0 : (1 << UInt32(bitWidth)) - 1
        literal.reserveCapacity(Self.literalFlushThreshold + 16)
    }

    /// Appends one value; it must fit in `bitWidth` bits.
    @inline(__always)
    public mutating func append(_ value: UInt32) {
        if value == runValue && runLength > 0 {
            runLength += 1
        } else {
            precondition(value & ~mask == 0, "value \(value) does not fit in \(bitWidth) bits")
            commitRun(final: false)
            runValue = value
            runLength = 1
        }
        count += 1
    }

    @inline(__always)
    public mutating func append(_ value: Int32) { append(UInt32(bitPattern: value)) }

    /// Appends `n` copies of `value` (the same stream as `n` single appends, in constant time).
    public mutating func append(_ value: UInt32, count n: Int) {
        guard n > 0 else { return }
        if value == runValue && runLength > 0 {
            runLength += n
        } else {
            precondition(value & ~mask == 0, "value \(value) does not fit in \(bitWidth) bits")
            commitRun(final: false)
            runValue = value
            runLength = n
        }
        count += n
    }

    public mutating func append<S: Sequence>(contentsOf values: S) where S.Element == Int32 {
        for v in values { append(UInt32(bitPattern: v)) }
    }

    /// Finishes the stream and returns the runs (no length prefix); the encoder is reset.
    public mutating func finish() -> [UInt8] {
        commitRun(final: true)
        if !literal.isEmpty {
            let pad = (8 - literal.count & 7) & 7
            literal.append(contentsOf: repeatElement(0, count: pad))
            flushLiteral(upTo: literal.count)
        }
        let result = out
        out = []
        literal.removeAll(keepingCapacity: true)
        runLength = 0
        count = 0
        return result
    }

    /// Decides what the current repetition becomes: its own repeated run, or more pending values.
    private mutating func commitRun(final: Bool) {
        guard runLength > 0 else { return }
        let pad = (8 - literal.count & 7) & 7
        var useRepeat = runLength >= pad + 8
        if !useRepeat && final && pad == 0 {
            // A short trailing repetition: a repeated run if it is no bigger than packing it.
            let header = Self.varintSize(UInt64(runLength) << 1)
            let repeated = header + (bitWidth + 7) / 8
            let packed = (runLength + 7) / 8 * bitWidth + (literal.isEmpty ? 1 : 0)
            useRepeat = repeated <= packed
        }
        if useRepeat {
            for _ in 0 ..< pad { literal.append(runValue) }
            runLength -= pad
            flushLiteral(upTo: literal.count)
            Self.appendRepeated(runValue, count: runLength, bitWidth: bitWidth, to: &out)
        } else {
            for _ in 0 ..< runLength { literal.append(runValue) }
            if literal.count >= Self.literalFlushThreshold {
                flushLiteral(upTo: literal.count & ~7)
            }
        }
        runLength = 0
    }

    /// Writes the first `n` (a multiple of 8) pending values as one bit-packed run.
    private mutating func flushLiteral(upTo n: Int) {
        guard n > 0 else { return }
        out.appendEncodedULEB128(UInt64(n / 8) << 1 | 1)
        literal.withUnsafeBufferPointer { all in
            BitPacking.pack(UnsafeBufferPointer(rebasing: all[0 ..< n]), bitWidth: bitWidth, into: &out)
        }
        literal.removeFirst(n)
    }

    /// Appends repeated runs of `value`, `count` times, to `out` (split past the longest run a
    /// header can hold); the value takes ceil(bitWidth / 8) little-endian bytes.
    static func appendRepeated(_ value: UInt32, count: Int, bitWidth: Int, to out: inout [UInt8]) {
        var left = count
        while left > 0 {
            let k = min(left, maxRun)
            out.appendEncodedULEB128(UInt64(k) << 1)
            for i in 0 ..< (bitWidth + 7) / 8 { out.append(UInt8(truncatingIfNeeded: value >> (8 * UInt32(i)))) }
            left -= k
        }
    }

    static func varintSize(_ v: UInt64) -> Int { max(1, (64 - v.leadingZeroBitCount + 6) / 7) }

    // MARK: One-shot helpers

    /// Encodes `values` as bare runs, or with the 4-byte length prefix (data page v1 levels, RLE booleans).
    public static func encode(_ values: [Int32], bitWidth: Int, lengthPrefixed: Bool = false) -> [UInt8] {
        var encoder = RLEHybridEncoder(bitWidth: bitWidth)
        encoder.append(contentsOf: values)
        let runs = encoder.finish()
        guard lengthPrefixed else { return runs }
        var out: [UInt8] = []
        out.reserveCapacity(runs.count + 4)
        out.appendEncodedUInt32LE(UInt32(runs.count))
        out.append(contentsOf: runs)
        return out
    }

    /// Encodes dictionary indices: the bit width byte (the smallest that holds the largest index
    /// unless given), then runs.
    public static func encodeDictionaryIndices(_ indices: [Int32], bitWidth: Int? = nil) -> [UInt8] {
        let width = bitWidth ?? BitPacking.bitWidth(of: UInt64(indices.map { UInt32(bitPattern: $0) }.max() ?? 0))
        var encoder = RLEHybridEncoder(bitWidth: width)
        encoder.append(contentsOf: indices)
        return [UInt8(width)] + encoder.finish()
    }

    /// Encodes booleans as RLE with the 4-byte length prefix (the form used in data pages).
    public static func encodeBooleans(_ values: [Bool]) -> [UInt8] {
        encode(values.map { $0 ? 1 : 0 }, bitWidth: 1, lengthPrefixed: true)
    }
}
