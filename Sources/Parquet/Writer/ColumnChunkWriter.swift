import Synchronization
import Columnar

/// One encoded column chunk: its bytes (pages with headers) and metadata with offsets relative to
/// the chunk's first byte.
struct EncodedChunk {
    var bytes: [UInt8]
    var metadata: ColumnMetaData
    var dictionaryPageOffset: Int?
    var dataPageOffset: Int
}

/// Encodes one leaf column of a row group: definition and repetition levels, dictionary (with
/// PLAIN fallback) or PLAIN values, data pages v1 or v2, compression and statistics.
enum ColumnChunkWriter {
    /// Encodes the leaf `leaf` of the top-level column `column`.
    /// `pool` lends and takes back the byte buffers pages are built in.
    static func encode(_ column: Column, leaf: LeafColumn, options: ParquetWriterOptions,
                       path: String, pool: BufferPool? = nil) throws(ParquetWriteError) -> EncodedChunk {
        if leaf.isFlat {
            // Flat fast path: no repetition, at most one definition level, values read in one pass.
            var levels: [Int32] = []
            let values = try WriterValues.extract(column, plan: leaf.plan, levels: &levels, field: leaf.dotted, path: path)
            // No levels from a non-empty column: every entry is a value.
            return try encode(values, definition: leaf.maxDefinition == 0 ? [] : levels, repetition: [],
                              entryCount: column.count, allDefined: levels.isEmpty, leaf: leaf, options: options, path: path, pool: pool)
        }
        let shredded = try LevelShredder.shred(column, leaf: leaf, file: path)
        var unused: [Int32] = []
        let values = try WriterValues.extract(shredded.column, plan: leaf.plan, levels: &unused, rows: shredded.valueRows,
                                              field: leaf.dotted, path: path)
        return try encode(values, definition: shredded.definition, repetition: shredded.repetition,
                          entryCount: shredded.entryCount, allDefined: false, leaf: leaf, options: options, path: path, pool: pool)
    }

    /// Encodes a leaf's `values` with one level entry per `entryCount`: `definition` and
    /// `repetition` are empty when the leaf's max level is 0, and `definition` may be empty when
    /// `allDefined` (no repetition, every entry a value). Pages end only where a row ends.
    static func encode(_ values: WriterValues, definition: [Int32], repetition: [Int32], entryCount: Int, allDefined: Bool,
                       leaf: LeafColumn, options: ParquetWriterOptions, path: String,
                       pool: BufferPool? = nil) throws(ParquetWriteError) -> EncodedChunk {
        let plan = leaf.plan
        let maxDefinition = Int32(leaf.maxDefinition)
        let hasDefinition = leaf.maxDefinition > 0
        let hasRepetition = leaf.maxRepetition > 0
        let allDefined = allDefined && !hasRepetition
        func levelBytes(_ levels: ArraySlice<Int32>, max: Int, into out: inout [UInt8]) {
            levels.withUnsafeBufferPointer { RLEHybridGroups.encode($0, bitWidth: Int.bitWidth - max.leadingZeroBitCount, into: &out) }
        }
        func allDefinedBytes(count: Int, into out: inout [UInt8]) {
            var encoder = RLEHybridEncoder(bitWidth: Int.bitWidth - leaf.maxDefinition.leadingZeroBitCount)
            encoder.append(UInt32(maxDefinition), count: count)
            out += encoder.finish()
        }
        func lengthPrefixed(into out: inout [UInt8], _ body: (inout [UInt8]) -> Void) {
            let start = out.count
            out += [0, 0, 0, 0]
            body(&out)
            let n = UInt32(out.count - start - 4)
            for k in 0 ..< 4 { out[start + k] = UInt8(truncatingIfNeeded: n >> (8 * UInt32(k))) }
        }

        let bytesPerValue = max(1, PageEstimate.bytesPerValue(values))
        var pages = ChunkPages(codec: options.compression, level: options.compressionLevel, pool: pool)
        defer { pages.returnScratch() }
        var encodings: [Encoding] = [.rle]

        // Dictionary: indices per value, and the dictionary's PLAIN bytes.
        var dictionary: ChunkDictionary?
        if options.dictionary, let built = DictionaryBuilder.build(values, limit: options.dictionaryPageSizeLimit) {
            dictionary = built
            pages.chunk.reserveCapacity(built.bytes.count + values.count / 2 + 4096)
            do throws(CodecError) {
                try pages.append(prefix: [], body: built.bytes) { uncompressed, compressed in
                    PageHeader(type: .dictionaryPage, uncompressedPageSize: uncompressed, compressedPageSize: compressed,
                               dictionaryPageHeader: DictionaryPageHeader(numValues: Int32(built.count), encoding: .plain))
                }
            } catch { throw ParquetWriteError(path: path, message: "column '\(leaf.dotted)': \(error.message)") }
            encodings += [.plain, .rleDictionary]
        } else {
            pages.chunk.reserveCapacity(values.count * bytesPerValue + values.count / 8 + 4096)
            encodings += [.plain]
        }
        let dictionaryOffset = dictionary == nil ? nil : 0
        let indexBitWidth = max(1, Int32.bitWidth - Int32(max(0, (dictionary?.count ?? 0) - 1)).leadingZeroBitCount)

        let dataOffset = pages.chunk.count
        let entriesPerPage = max(1, options.dataPageSize / bytesPerValue)
        var entry = 0
        var valueStart = 0
        var body = pool?.take() ?? []
        defer { pool?.give(&body) }
        var levels: [UInt8] = []
        repeat {
            var end = min(entryCount, entry + entriesPerPage)
            // A page holds whole rows: it ends only before an entry that starts a row.
            if hasRepetition { while end < entryCount && repetition[end] != 0 { end += 1 } }
            var valueCount = end - entry
            if hasDefinition && !allDefined {
                valueCount = 0
                definition.withUnsafeBufferPointer { levels in
                    // Levels never pass the maximum: 1 + (level - max) >> 31 is 1 at the maximum, else 0.
                    for level in UnsafeBufferPointer(rebasing: levels[entry..<end]) { valueCount &+= 1 &+ Int((level &- maxDefinition) >> 31) }
                }
            }
            var rowCount = end - entry
            if hasRepetition {
                rowCount = 0
                for level in repetition[entry..<end] where level == 0 { rowCount += 1 }
            }
            let valueRange = valueStart..<(valueStart + valueCount)
            let encoding: Encoding = dictionary == nil ? .plain : .rleDictionary
            let entries = Int32(end - entry)
            // Levels: v1 puts them, length-prefixed, in the compressed body; v2 before it, uncompressed.
            body.removeAll(keepingCapacity: true)
            levels.removeAll(keepingCapacity: true)
            let v2 = options.pageVersion == 2
            if hasRepetition {
                if v2 { levelBytes(repetition[entry..<end], max: leaf.maxRepetition, into: &levels) } else {
                    lengthPrefixed(into: &body) { levelBytes(repetition[entry..<end], max: leaf.maxRepetition, into: &$0) }
                }
            }
            let repetitionLength = levels.count
            if hasDefinition {
                func definitionBytes(_ out: inout [UInt8]) {
                    if allDefined { allDefinedBytes(count: end - entry, into: &out) } else {
                        levelBytes(definition[entry..<end], max: leaf.maxDefinition, into: &out)
                    }
                }
                if v2 { definitionBytes(&levels) } else { lengthPrefixed(into: &body, definitionBytes) }
            }
            if let dictionary {
                body.append(UInt8(indexBitWidth))
                dictionary.indices.withUnsafeBufferPointer {
                    RLEHybridGroups.encode(UnsafeBufferPointer(rebasing: $0[valueRange]), bitWidth: indexBitWidth, into: &body)
                }
            } else {
                PlainValues.append(values, range: valueRange, to: &body)
            }
            do throws(CodecError) {
                if v2 {
                    let header = DataPageHeaderV2(numValues: entries, numNulls: entries - Int32(valueCount), numRows: Int32(rowCount),
                                                  encoding: encoding, definitionLevelsByteLength: Int32(levels.count - repetitionLength),
                                                  repetitionLevelsByteLength: Int32(repetitionLength),
                                                  isCompressed: options.compression != .uncompressed)
                    try pages.append(prefix: levels, body: body) { uncompressed, compressed in
                        PageHeader(type: .dataPageV2, uncompressedPageSize: uncompressed, compressedPageSize: compressed, dataPageHeaderV2: header)
                    }
                } else {
                    try pages.append(prefix: [], body: body) { uncompressed, compressed in
                        PageHeader(type: .dataPage, uncompressedPageSize: uncompressed, compressedPageSize: compressed,
                                   dataPageHeader: DataPageHeader(numValues: entries, encoding: encoding))
                    }
                }
            } catch { throw ParquetWriteError(path: path, message: "column '\(leaf.dotted)': \(error.message)") }
            entry = end
            valueStart += valueCount
        } while entry < entryCount

        // Nulls are the entries below the max definition level (for nested leaves: null or empty
        // ancestors too, as pyarrow counts them). A dictionary's entries have the values' min and max.
        let statistics = options.statistics
            ? ChunkStatistics.compute(dictionary?.entries ?? values, plan: plan, nullCount: entryCount - values.count) : nil
        let metadata = ColumnMetaData(
            type: plan.physical, encodings: encodings, pathInSchema: leaf.path, codec: options.compression,
            numValues: Int64(entryCount), totalUncompressedSize: Int64(pages.uncompressedTotal), totalCompressedSize: Int64(pages.chunk.count),
            dataPageOffset: Int64(dataOffset), dictionaryPageOffset: dictionaryOffset.map(Int64.init), statistics: statistics)
        return EncodedChunk(bytes: pages.chunk, metadata: metadata, dictionaryPageOffset: dictionaryOffset, dataPageOffset: dataOffset)
    }
}

/// Byte arrays kept between column chunks (LIFO, a few at most) so their memory is reused rather
/// than allocated and faulted in again; shared by the encoding threads.
final class BufferPool: Sendable {
    private let spare = Mutex<[[UInt8]]>([])
    private let limit: Int

    init(limit: Int = 12) { self.limit = limit }

    /// A spare array (its old contents still there; clear it if needed), or an empty one.
    func take() -> [UInt8] { spare.withLock { $0.popLast() } ?? [] }

    /// Keeps `bytes`' storage for a later `take()`; `bytes` is left empty.
    func give(_ bytes: inout [UInt8]) {
        let kept = bytes
        bytes = []
        guard kept.capacity >= 1 << 16 else { return }
        spare.withLock { if $0.count < limit { $0.append(kept) } }
    }
}

/// A column chunk's pages as they are appended: headers, compressed bodies and sizes.
struct ChunkPages {
    let codec: PageCodec
    let level: Int32?
    let pool: BufferPool?
    var chunk: [UInt8]
    var uncompressedTotal = 0
    /// Compressed bodies land here first (reused across pages).
    private var scratch: [UInt8]

    init(codec: PageCodec, level: Int32?, pool: BufferPool?) {
        self.codec = codec
        self.level = level
        self.pool = pool
        chunk = pool?.take() ?? []
        chunk.removeAll(keepingCapacity: true)
        scratch = pool?.take() ?? []
    }

    /// Gives the compression scratch back to the pool.
    mutating func returnScratch() { pool?.give(&scratch) }

    /// Appends a page: its header (made from the uncompressed and stored sizes), then `prefix` as
    /// it is (v2 levels), then `body` compressed.
    mutating func append(prefix: [UInt8], body: [UInt8], header: (Int32, Int32) -> PageHeader) throws(CodecError) {
        let stored: Int
        if codec == .uncompressed {
            stored = body.count
        } else {
            let result: Result<Int, CodecError> = body.withUnsafeBytes { raw in
                do { return .success(try PageCompression.compress(raw, codec: codec, level: level, scratch: &scratch)) }
                catch let e as CodecError { return .failure(e) } catch { return .failure(CodecError(message: "\(error)")) }
            }
            stored = try result.get()
        }
        let headerBytes = header(Int32(prefix.count + body.count), Int32(prefix.count + stored)).thriftBytes()
        chunk += headerBytes
        chunk += prefix
        if codec == .uncompressed { chunk += body } else { chunk += scratch[0 ..< stored] }
        uncompressedTotal += headerBytes.count + prefix.count + body.count
    }
}

/// PLAIN bytes of a range of physical values.
enum PlainValues {
    static func append(_ values: WriterValues, range: Range<Int>, to out: inout [UInt8]) {
        func fixed<T: PlainFixedWidth & BitwiseCopyable>(_ v: ValueArray<T>) {
            v.withUnsafeBufferPointer { all in
                let part = UnsafeBufferPointer(rebasing: all[range])
                guard let base = part.baseAddress, !part.isEmpty else { return }
                if T.memoryMatchesPlain {
                    out.append(contentsOf: UnsafeRawBufferPointer(start: base, count: part.count * MemoryLayout<T>.stride))
                } else {
                    out.appendEncodedBytes(count: part.count * T.plainByteWidth) { dst in
                        for (i, x) in part.enumerated() { x.writePlainBytes(to: dst.baseAddress! + i * T.plainByteWidth) }
                    }
                }
            }
        }
        switch values {
        case let .boolean(v):
            var encoder = PlainEncoder()
            encoder.appendBooleans(Array(v[range]))
            out += encoder.finish()
        case let .int32(v): fixed(v)
        case let .int64(v): fixed(v)
        case let .float(v): fixed(v)
        case let .double(v): fixed(v)
        case let .bytes(v):
            guard !range.isEmpty else { return }
            let first = Int(v.offsets[range.lowerBound]), last = Int(v.offsets[range.upperBound])
            out.appendEncodedBytes(count: 4 * range.count + last - first) { dst in
                v.offsets.withUnsafeBufferPointer { offsets in
                    v.values.withUnsafeBytes { data in
                        var at = 0
                        for i in range {
                            let start = Int(offsets[i]), n = Int(offsets[i + 1]) - start
                            dst.storeBytes(of: UInt32(n).littleEndian, toByteOffset: at, as: UInt32.self)
                            at += 4
                            if n > 0 { (dst.baseAddress! + at).copyMemory(from: data.baseAddress! + start, byteCount: n) }
                            at += n
                        }
                    }
                }
            }
        case let .fixed(v, width): out += v[(range.lowerBound * width)..<(range.upperBound * width)]
        }
    }
}

/// Rough PLAIN size per value, to cut pages near the target size.
enum PageEstimate {
    static func bytesPerValue(_ values: WriterValues) -> Int {
        switch values {
        case .boolean: return 1
        case .int32, .float: return 4
        case .int64, .double: return 8
        case let .bytes(v): return v.count == 0 ? 4 : 4 + v.values.count / v.count
        case let .fixed(_, width): return width
        }
    }
}
