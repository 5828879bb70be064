import Columnar

/// Reads one column chunk of a leaf column: its definition and repetition levels and its dense
/// non-null values, which `LevelAssembler` (or, for a flat column, `ChunkState.column`) turns into
/// a Columnar `Column`.
///
/// The chunk's bytes are given as a buffer together with the file offset where the buffer starts,
/// so every error names a file byte offset. Pages are read in order from the chunk start: an
/// optional dictionary page (PLAIN values), then data pages v1 or v2; index pages are skipped.
/// Every size, count and offset is checked against the page, the chunk and the row group before
/// it is used, so no allocation is sized by page contents alone.
public enum ColumnChunkReader {
    /// Largest decompressed page accepted (a corrupt header must not make us allocate more).
    public static let maximumPageSize = 1 << 30
    /// Largest ratio of decompressed to compressed page size accepted, so that a corrupt header
    /// cannot make a tiny page allocate a large buffer (real pages, even of one repeated value
    /// compressed with zstd, stay far below it).
    public static let maximumCompressionRatio = 1 << 16
    /// Level entries a page of a repeated column may hold beyond the rows still missing, per byte
    /// of its decompressed size (plus a fixed allowance): continuation entries are what repetition
    /// adds, and a page claiming far more than its bytes could describe is refused rather than
    /// allocated.
    public static let maximumEntriesPerPageByte = 64

    /// Decodes the chunk of a flat (non-repeated, at most one definition level) column whose bytes
    /// are `chunk` (starting at file offset `fileOffset`, and covering the chunk's pages from its
    /// first page on), for a row group of `rowCount` rows.
    public static func read(
        chunk: UnsafeRawBufferPointer, fileOffset: Int, column: ParquetLeafColumn,
        metadata: ColumnMetaData, rowCount: Int
    ) throws(ParquetReadError) -> Column {
        let state = try decode(chunk: chunk, fileOffset: fileOffset, column: column, metadata: metadata, rowCount: rowCount, flat: true)
        return try state.flatColumn()
    }

    /// Decodes the levels and values of any leaf's chunk (see `read`). `flat` says the chunk will be
    /// turned into a column by `ChunkState.flatColumn()`, which needs no definition levels when
    /// there is no null, so pages without nulls need not store theirs. Pages are decompressed
    /// into `scratch`.
    static func decode(
        chunk: UnsafeRawBufferPointer, fileOffset: Int, column: ParquetLeafColumn,
        metadata: ColumnMetaData, rowCount: Int, flat: Bool = false, scratch: ScratchMemory = ScratchMemory()
    ) throws(ParquetReadError) -> ChunkState {
        var state = ChunkState(column: column, metadata: metadata, rowCount: rowCount, fileOffset: fileOffset, flat: flat,
                               scratch: scratch)
        state.reserveCapacity()
        do {
            try state.readPages(chunk)
            state.finishValues()
            return state
        } catch let error as ParquetReadError {
            throw error
        } catch {
            throw ParquetReadError(kind: .corruptPage, column: column.name, offset: state.pageOffset, message: "\(error)")
        }
    }
}

/// Decoded physical values of one column chunk (or of its dictionary). Only the storage matching
/// the physical type is used.
struct PhysicalValues {
    var bools: [Bool] = []
    /// INT32, INT64, FLOAT or DOUBLE values, written in place by the decoders into memory that
    /// becomes the column's value buffer without a copy (see `ChunkState.finishValues()`).
    var numbers = BufferBuilder()
    /// `numbers`, once the chunk is read.
    var numberBuffer: Buffer?
    var int96s: [Int96] = []
    /// BYTE_ARRAY values of a dictionary, or of one page as its decoder writes them.
    var bytes = ByteArrayBuffer()
    /// A chunk's BYTE_ARRAY values, written where the column will keep them.
    var byteArrays: ByteArrayStorage?
    /// `byteArrays`, once the chunk is read.
    var byteArrayBuffers: (offsets: Buffer, data: Buffer)?
    /// FIXED_LEN_BYTE_ARRAY values back to back.
    var fixed: [UInt8] = []

    /// Room for `n` numbers of `width` bytes.
    init(numbers n: Int = 0, width: Int = 0) {
        numbers = BufferBuilder(capacity: n * width)
    }
}

/// Appends `n` slots to `array` (zeroed) and lets `body` fill them; the slots are removed again if it throws.
func appendDecoded<T>(_ array: inout [T], _ n: Int, zero: T, _ body: (UnsafeMutableBufferPointer<T>) throws -> Void) throws {
    let old = array.count
    array.append(contentsOf: repeatElement(zero, count: n))
    do {
        try array.withUnsafeMutableBufferPointer { buffer in
            try body(UnsafeMutableBufferPointer(rebasing: buffer[old...]))
        }
    } catch {
        array.removeSubrange(old...)
        throw error
    }
}

/// Appends `n` numbers of type `T` that `body` writes straight into `storage`; nothing is appended if it throws.
func appendDecoded<T: BitwiseCopyable>(_ storage: BufferBuilder, _ n: Int, _ type: T.Type, _ body: (UnsafeMutableBufferPointer<T>) throws -> Void) throws {
    try storage.append(uninitializedCount: n, of: T.self, initializingWith: body)
}

/// Memory reused from page to page and from one column chunk to the next (a chunk's bytes as
/// read, its decompressed pages), so reading does not allocate (and fault in) fresh memory for
/// each. Not for sharing between threads: each reading thread has its own.
final class ScratchMemory {
    private var base: UnsafeMutableRawPointer
    private var capacity: Int

    init() {
        capacity = 64
        base = .allocate(byteCount: capacity, alignment: 64)
    }

    deinit { base.deallocate() }

    /// `n` bytes (contents unspecified), valid until the next call.
    func bytes(_ n: Int) -> UnsafeMutableRawBufferPointer {
        precondition(n >= 0, "ScratchMemory: negative size \(n)")
        if n > capacity {
            base.deallocate()
            capacity = max(n, capacity * 2)
            base = Buffer.allocateMemory(byteCount: capacity, alignment: 64)
        }
        return UnsafeMutableRawBufferPointer(start: base, count: n)
    }
}

/// The decoded levels and values of one leaf's column chunk.
struct ChunkState {
    let column: ParquetLeafColumn
    let metadata: ColumnMetaData
    let rowCount: Int
    let fileOffset: Int
    let physical: PhysicalType
    let typeLength: Int

    /// File offset of the page being read (for errors).
    var pageOffset: Int
    var values = PhysicalValues()
    var dictionary: PhysicalValues?
    var dictionaryCount = 0
    /// A byte array dictionary's bytes followed by `copyPadding` zero bytes (see `gatherByteArrays`).
    var paddedDictionaryBytes: [UInt8] = []
    /// One definition level per entry (empty when the maximum is 0), after `elidedLevels` entries
    /// whose levels were not stored.
    var definitionLevels: [UInt8] = []
    /// One repetition level per entry (empty when the maximum is 0).
    var repetitionLevels: [UInt8] = []
    let maxDefinition: Int
    let maxRepetition: Int
    /// Whether the levels of pages without nulls may be left out (a flat column, see `decode`).
    let elidesLevels: Bool
    /// Leading entries, all at the maximum definition level, whose levels were not stored: only
    /// while no page had a null (the first one that does stores them).
    var elidedLevels = 0
    /// Entries whose definition level is below the maximum (they carry no value).
    var nullCount = 0
    /// Level entries read (rows, for a column without repetition).
    var entriesRead = 0
    /// Rows read: entries with repetition level 0.
    var rowsRead = 0
    var dataPagesRead = 0
    /// Decompressed bytes of the data pages read so far.
    var decompressedBytes = 0
    /// Where compressed pages are decompressed.
    let scratch: ScratchMemory

    init(column: ParquetLeafColumn, metadata: ColumnMetaData, rowCount: Int, fileOffset: Int, flat: Bool = false,
         scratch: ScratchMemory = ScratchMemory()) {
        self.scratch = scratch
        self.column = column
        self.metadata = metadata
        self.rowCount = rowCount
        self.fileOffset = fileOffset
        self.physical = column.physicalType
        self.typeLength = Int(column.element.typeLength ?? 0)
        self.pageOffset = fileOffset
        self.maxDefinition = column.maxDefinitionLevel
        self.maxRepetition = column.maxRepetitionLevel
        self.elidesLevels = flat && column.maxRepetitionLevel == 0 && column.maxDefinitionLevel == 1
    }

    func fail(_ message: String, at offset: Int? = nil) -> ParquetReadError {
        ParquetReadError(kind: .corruptPage, column: column.name, offset: offset ?? pageOffset, message: message)
    }

    /// An encoding error inside the page body starting at `bodyStart`.
    func fail(_ error: EncodingError, section: String) -> ParquetReadError {
        ParquetReadError(
            kind: .corruptPage, column: column.name, offset: pageOffset,
            message: "corrupt \(section) in the page starting here: \(error.encoding): \(error.message) (at byte \(error.offset) of the decompressed page body)")
    }

    /// Whether another page must be read: rows are missing, or (for a repeated column, whose last
    /// row may continue on the next page) the chunk declares more entries and has bytes left.
    func wantsPage(at position: Int) -> Bool {
        if rowsRead < rowCount { return true }
        guard maxRepetition > 0 else { return false }
        return Int64(entriesRead) < metadata.numValues && Int64(position) < metadata.totalCompressedSize
    }

    mutating func readPages(_ chunk: UnsafeRawBufferPointer) throws {
        var position = 0
        while wantsPage(at: position) {
            guard position < chunk.count else {
                throw fail("the column chunk ends after \(rowsRead) of its \(rowCount) rows", at: fileOffset + position)
            }
            pageOffset = fileOffset + position
            let header: PageHeader
            let headerLength: Int
            do {
                (header, headerLength) = try PageHeader.decodePrefix(
                    UnsafeRawBufferPointer(rebasing: chunk[position...]), baseOffset: pageOffset)
            } catch {
                throw fail("corrupt page header: \(error)")
            }
            let bodyStart = position + headerLength
            let compressedSize = Int(header.compressedPageSize)
            let uncompressedSize = Int(header.uncompressedPageSize)
            guard compressedSize >= 0, compressedSize <= chunk.count - bodyStart else {
                throw fail("page size \(compressedSize) runs past the end of the column chunk (\(chunk.count - bodyStart) bytes left)")
            }
            guard uncompressedSize >= 0, uncompressedSize <= ColumnChunkReader.maximumPageSize,
                  metadata.codec == .uncompressed || uncompressedSize <= max(compressedSize, 1) * ColumnChunkReader.maximumCompressionRatio
            else {
                throw fail("implausible uncompressed page size \(uncompressedSize) for a \(compressedSize)-byte page")
            }
            let body = UnsafeRawBufferPointer(rebasing: chunk[bodyStart ..< bodyStart + compressedSize])
            if let crc = header.crc {
                let actual = PageCompression.crc32(body)
                guard actual == UInt32(bitPattern: crc) else {
                    throw fail("page checksum mismatch: the header's CRC-32 is \(hex(UInt32(bitPattern: crc))) but the page's \(compressedSize) bytes give \(hex(actual))")
                }
            }
            switch header.type {
            case .dictionaryPage:
                guard let dictionaryHeader = header.dictionaryPageHeader else { throw fail("dictionary page without its header") }
                try readDictionaryPage(dictionaryHeader, body: body, uncompressedSize: uncompressedSize)
            case .dataPage:
                guard let dataHeader = header.dataPageHeader else { throw fail("data page without its header") }
                try readDataPageV1(dataHeader, body: body, uncompressedSize: uncompressedSize)
            case .dataPageV2:
                guard let dataHeader = header.dataPageHeaderV2 else { throw fail("data page v2 without its header") }
                try readDataPageV2(dataHeader, body: body, uncompressedSize: uncompressedSize)
            default:
                break  // index pages and unknown page types carry nothing to read
            }
            position = bodyStart + compressedSize
        }
        guard rowsRead == rowCount else {
            throw fail("the column chunk holds \(rowsRead) rows but its row group has \(rowCount)", at: fileOffset + position)
        }
    }

    func hex(_ value: UInt32) -> String {
        let digits = String(value, radix: 16)
        return "0x" + String(repeating: "0", count: 8 - digits.count) + digits
    }

    /// The decompressed bytes of a page (or of its values section): `input` itself when the chunk
    /// is uncompressed, else the page scratch memory, valid until the next call.
    func decompress(_ input: UnsafeRawBufferPointer, uncompressedSize: Int) throws -> UnsafeRawBufferPointer {
        if metadata.codec == .uncompressed {
            guard input.count == uncompressedSize else {
                throw fail("uncompressed page holds \(input.count) bytes but its header says \(uncompressedSize)")
            }
            return input
        }
        if uncompressedSize == 0 && input.isEmpty { return input }
        let output = scratch.bytes(uncompressedSize)
        do {
            try PageCompression.decompress(input, codec: metadata.codec, into: output)
        } catch {
            throw fail("cannot decompress the \(metadata.codec.name) page: \(error.message)")
        }
        return UnsafeRawBufferPointer(output)
    }

    mutating func readDictionaryPage(_ header: DictionaryPageHeader, body: UnsafeRawBufferPointer, uncompressedSize: Int) throws {
        guard dictionary == nil, dataPagesRead == 0 else { throw fail("a dictionary page after the chunk's first page") }
        guard header.encoding == .plain || header.encoding == .plainDictionary else {
            throw fail("dictionary page encoding \(header.encoding) is not PLAIN")
        }
        let count = Int(header.numValues)
        let data = try decompress(body, uncompressedSize: uncompressedSize)
        // Each entry takes at least one byte (4 for byte arrays), booleans aside.
        let minimumBytes = physical == .boolean ? (count + 7) / 8 : physical == .byteArray ? count * 4 : count
        guard count >= 0, minimumBytes <= data.count else {
            throw fail("dictionary of \(count) entries cannot fit in \(data.count) bytes")
        }
        var decoded = PhysicalValues()
        do {
            try decodeValues(into: &decoded, encoding: .plain, data: data, count: count, base: 0)
        } catch let error as EncodingError {
            throw fail(error, section: "dictionary")
        }
        guard decoded.count(of: physical, typeLength: typeLength) == count else {
            throw fail("the dictionary page holds \(decoded.count(of: physical, typeLength: typeLength)) values, its header says \(count)")
        }
        dictionary = decoded
        dictionaryCount = count
    }

    /// Checks a data page's entry count: at most the rows still missing for a column without
    /// repetition; for a repeated one, plausible for the page's size (see `maximumEntriesPerPageByte`).
    func checkEntryCount(_ numValues: Int32, pageSize: Int) throws -> Int {
        let n = Int(numValues)
        let remaining = rowCount - rowsRead
        if maxRepetition == 0 {
            guard n >= 0, n <= remaining else {
                throw fail("data page claims \(numValues) values but only \(remaining) of the row group's \(rowCount) rows remain")
            }
        } else {
            let limit = remaining + ColumnChunkReader.maximumEntriesPerPageByte * pageSize + 4096
            guard n >= 0, n <= limit else {
                throw fail("data page claims \(numValues) level entries, implausible for \(remaining) remaining rows and a \(pageSize)-byte page")
            }
        }
        return n
    }

    mutating func readDataPageV1(_ header: DataPageHeader, body: UnsafeRawBufferPointer, uncompressedSize: Int) throws {
        let n = try checkEntryCount(header.numValues, pageSize: uncompressedSize)
        let raw = try decompress(body, uncompressedSize: uncompressedSize)
        var levelsEnd = 0
        var elided = false
        if maxRepetition > 0 {
            let (levels, length) = try readLevelsV1(raw, base: 0, encoding: header.repetitionLevelEncoding,
                                                    maxLevel: maxRepetition, count: n, section: "repetition levels")
            repetitionLevels.append(contentsOf: levels)
            levelsEnd += length
        }
        if maxDefinition > 0 {
            let section = UnsafeRawBufferPointer(rebasing: raw[levelsEnd...])
            if let length = try elideLevelsV1(section, base: levelsEnd, encoding: header.definitionLevelEncoding, count: n) {
                elided = true
                levelsEnd += length
            } else {
                let (levels, length) = try readLevelsV1(section, base: levelsEnd, encoding: header.definitionLevelEncoding,
                                                        maxLevel: maxDefinition, count: n, section: "definition levels")
                definitionLevels.append(contentsOf: levels)
                levelsEnd += length
            }
        }
        let counts = try countPage(entries: n, definitionsElided: elided)
        try readValues(encoding: header.encoding, data: UnsafeRawBufferPointer(rebasing: raw[levelsEnd...]),
                       count: counts.nonNull, base: levelsEnd)
        finishPage(entries: n, counts: counts, bytes: uncompressedSize)
    }

    mutating func finishPage(entries n: Int, counts: (rows: Int, nonNull: Int), bytes: Int) {
        entriesRead += n
        rowsRead += counts.rows
        nullCount += n - counts.nonNull
        decompressedBytes += bytes
        dataPagesRead += 1
    }

    mutating func readDataPageV2(_ header: DataPageHeaderV2, body: UnsafeRawBufferPointer, uncompressedSize: Int) throws {
        let n = try checkEntryCount(header.numValues, pageSize: uncompressedSize)
        let repLength = Int(header.repetitionLevelsByteLength)
        let defLength = Int(header.definitionLevelsByteLength)
        guard repLength >= 0, defLength >= 0, repLength + defLength <= body.count, repLength + defLength <= uncompressedSize else {
            throw fail("level lengths \(repLength) + \(defLength) do not fit the \(body.count)-byte page")
        }
        // A flat column has no repetition levels; some writers still store an (empty) section.
        if maxRepetition > 0 {
            repetitionLevels += try readLevelsV2(UnsafeRawBufferPointer(rebasing: body[0 ..< repLength]), base: 0,
                                                 maxLevel: maxRepetition, count: n, name: "repetition levels")
        }
        var elided = false
        if maxDefinition > 0 {
            let section = UnsafeRawBufferPointer(rebasing: body[repLength ..< repLength + defLength])
            if try elideLevelsV2(section, base: repLength, count: n) {
                elided = true
            } else {
                definitionLevels += try readLevelsV2(section, base: repLength, maxLevel: maxDefinition, count: n, name: "definition levels")
            }
        }
        let counts = try countPage(entries: n, definitionsElided: elided)
        // Writers disagree on what num_nulls counts for nested columns; it is checked for flat ones.
        guard maxRepetition > 0 || maxDefinition > 1 || Int(header.numNulls) == n - counts.nonNull else {
            throw fail("data page v2 header says \(header.numNulls) nulls but its definition levels hold \(n - counts.nonNull)")
        }
        let valueBytes = UnsafeRawBufferPointer(rebasing: body[(repLength + defLength)...])
        let valueSize = uncompressedSize - repLength - defLength
        let data: UnsafeRawBufferPointer
        if header.valuesAreCompressed && metadata.codec != .uncompressed {
            data = try decompress(valueBytes, uncompressedSize: valueSize)
        } else {
            guard valueBytes.count == valueSize else {
                throw fail("page values take \(valueBytes.count) bytes but the header says \(valueSize)")
            }
            data = valueBytes
        }
        try readValues(encoding: header.encoding, data: data, count: counts.nonNull, base: repLength + defLength)
        finishPage(entries: n, counts: counts, bytes: uncompressedSize)
    }
}
