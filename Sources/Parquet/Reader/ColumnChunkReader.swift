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
        let state = try decode(chunk: chunk, fileOffset: fileOffset, column: column, metadata: metadata, rowCount: rowCount)
        return try state.flatColumn()
    }

    /// Decodes the levels and values of any leaf's chunk (see `read`).
    static func decode(
        chunk: UnsafeRawBufferPointer, fileOffset: Int, column: ParquetLeafColumn,
        metadata: ColumnMetaData, rowCount: Int
    ) throws(ParquetReadError) -> ChunkState {
        var state = ChunkState(column: column, metadata: metadata, rowCount: rowCount, fileOffset: fileOffset)
        state.reserveCapacity()
        do {
            try state.readPages(chunk)
            return state
        } catch let error as ParquetReadError {
            throw error
        } catch {
            throw ParquetReadError(kind: .corruptPage, column: column.name, offset: state.pageOffset, message: "\(error)")
        }
    }
}

/// Decoded physical values of one column chunk (or of its dictionary). Only the array matching
/// the physical type is used.
struct PhysicalValues {
    var bools: [Bool] = []
    var int32s: [Int32] = []
    var int64s: [Int64] = []
    var int96s: [Int96] = []
    var floats: [Float] = []
    var doubles: [Double] = []
    var bytes = ByteArrayBuffer()
    /// FIXED_LEN_BYTE_ARRAY values back to back.
    var fixed: [UInt8] = []
}

/// Appends `n` zeroed slots to `array` and lets `body` fill them; the slots are removed again if it throws.
private func appendDecoded<T>(_ array: inout [T], _ n: Int, zero: T, _ body: (UnsafeMutableBufferPointer<T>) throws -> Void) throws {
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
    /// One definition level per entry (empty when the maximum is 0).
    var definitionLevels: [UInt8] = []
    /// One repetition level per entry (empty when the maximum is 0).
    var repetitionLevels: [UInt8] = []
    let maxDefinition: Int
    let maxRepetition: Int
    /// Entries whose definition level is below the maximum (they carry no value).
    var nullCount = 0
    /// Level entries read (rows, for a column without repetition).
    var entriesRead = 0
    /// Rows read: entries with repetition level 0.
    var rowsRead = 0
    var dataPagesRead = 0
    /// Decompressed bytes of the data pages read so far.
    var decompressedBytes = 0

    init(column: ParquetLeafColumn, metadata: ColumnMetaData, rowCount: Int, fileOffset: Int) {
        self.column = column
        self.metadata = metadata
        self.rowCount = rowCount
        self.fileOffset = fileOffset
        self.physical = column.physicalType
        self.typeLength = Int(column.element.typeLength ?? 0)
        self.pageOffset = fileOffset
        self.maxDefinition = column.maxDefinitionLevel
        self.maxRepetition = column.maxRepetitionLevel
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

    func decompress(_ input: UnsafeRawBufferPointer, uncompressedSize: Int) throws -> [UInt8] {
        if metadata.codec == .uncompressed {
            guard input.count == uncompressedSize else {
                throw fail("uncompressed page holds \(input.count) bytes but its header says \(uncompressedSize)")
            }
            return Array(input)
        }
        if uncompressedSize == 0 && input.isEmpty { return [] }
        do {
            return try PageCompression.decompress(input, codec: metadata.codec, uncompressedSize: uncompressedSize)
        } catch {
            throw fail("cannot decompress the \(metadata.codec.name) page: \(error.message)")
        }
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
        try data.withUnsafeBytes { raw in
            do {
                try decodeValues(into: &decoded, encoding: .plain, data: raw, count: count, base: 0)
            } catch let error as EncodingError {
                throw fail(error, section: "dictionary")
            }
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

    static func bitWidth(_ maxLevel: Int) -> Int {
        maxLevel == 0 ? 0 : Int.bitWidth - maxLevel.leadingZeroBitCount
    }

    /// Decodes `n` levels of one kind from the start of `raw` (RLE with a length prefix, or the
    /// legacy BIT_PACKED layout); returns them and the bytes they took.
    func readLevelsV1(
        _ raw: UnsafeRawBufferPointer, base: Int, encoding: Encoding, maxLevel: Int, count n: Int, section: String
    ) throws -> (levels: [UInt8], byteCount: Int) {
        let width = Self.bitWidth(maxLevel)
        var consumed = 0
        do {
            switch encoding {
            case .rle:
                var decoder = try RLEHybridDecoder(lengthPrefixed: raw, bitWidth: width, baseOffset: base)
                let levels = try decodeLevels(n, maxLevel: maxLevel, section: section) { try decoder.decode(into: $0) }
                return (levels, decoder.encodedByteCount)
            case .bitPacked:
                let levels = try decodeLevels(n, maxLevel: maxLevel, section: section) { out in
                    var wide = [Int32](repeating: 0, count: out.count)
                    consumed = try wide.withUnsafeMutableBufferPointer { buffer in
                        try LegacyBitPacked.decode(raw, bitWidth: width, into: buffer)
                    }
                    for i in 0 ..< out.count { out[i] = UInt8(truncatingIfNeeded: wide[i]) }
                }
                return (levels, consumed)
            default:
                throw fail("\(section) encoding \(encoding) is not supported")
            }
        } catch let error as EncodingError {
            throw fail(error, section: section)
        }
    }

    /// Decodes `n` levels from a data page v2 level section (RLE runs without a length prefix).
    func readLevelsV2(_ section: UnsafeRawBufferPointer, base: Int, maxLevel: Int, count n: Int, name: String) throws -> [UInt8] {
        do {
            var decoder = try RLEHybridDecoder(section, bitWidth: Self.bitWidth(maxLevel), baseOffset: base)
            return try decodeLevels(n, maxLevel: maxLevel, section: name) { try decoder.decode(into: $0) }
        } catch let error as EncodingError {
            throw fail(error, section: name)
        }
    }

    /// `n` levels decoded by `body`, each checked to be at most `maxLevel`.
    func decodeLevels(_ n: Int, maxLevel: Int, section: String, _ body: (UnsafeMutableBufferPointer<UInt8>) throws -> Void) throws -> [UInt8] {
        var levels = [UInt8](repeating: 0, count: n)
        try levels.withUnsafeMutableBufferPointer { buffer in try body(buffer) }
        let limit = UInt8(maxLevel)
        for level in levels where level > limit {
            throw fail("\(section): level \(level) is above the column's maximum of \(maxLevel)")
        }
        return levels
    }

    /// Counts the page's rows (entries at repetition level 0) and its non-null entries, from the
    /// levels appended for it.
    mutating func countPage(entries n: Int) throws -> (rows: Int, nonNull: Int) {
        var rows = n
        if maxRepetition > 0 {
            let start = repetitionLevels.count - n
            if entriesRead == 0, n > 0, repetitionLevels[start] != 0 {
                throw fail("the column chunk's first entry has repetition level \(repetitionLevels[start]), not 0")
            }
            rows = 0
            for i in start ..< repetitionLevels.count where repetitionLevels[i] == 0 { rows += 1 }
        }
        var nonNull = n
        if maxDefinition > 0 {
            let limit = UInt8(maxDefinition)
            nonNull = 0
            for i in definitionLevels.count - n ..< definitionLevels.count where definitionLevels[i] == limit { nonNull += 1 }
        }
        guard rows <= rowCount - rowsRead else {
            throw fail("the data page holds \(rows) rows but only \(rowCount - rowsRead) of the row group's \(rowCount) remain")
        }
        return (rows, nonNull)
    }

    mutating func readDataPageV1(_ header: DataPageHeader, body: UnsafeRawBufferPointer, uncompressedSize: Int) throws {
        let n = try checkEntryCount(header.numValues, pageSize: uncompressedSize)
        let data = try decompress(body, uncompressedSize: uncompressedSize)
        var counts = (rows: n, nonNull: n)
        try data.withUnsafeBytes { raw in
            var levelsEnd = 0
            if maxRepetition > 0 {
                let (levels, length) = try readLevelsV1(raw, base: 0, encoding: header.repetitionLevelEncoding,
                                                        maxLevel: maxRepetition, count: n, section: "repetition levels")
                repetitionLevels.append(contentsOf: levels)
                levelsEnd += length
            }
            if maxDefinition > 0 {
                let (levels, length) = try readLevelsV1(UnsafeRawBufferPointer(rebasing: raw[levelsEnd...]), base: levelsEnd,
                                                        encoding: header.definitionLevelEncoding, maxLevel: maxDefinition,
                                                        count: n, section: "definition levels")
                definitionLevels.append(contentsOf: levels)
                levelsEnd += length
            }
            counts = try countPage(entries: n)
            try readValues(encoding: header.encoding, data: UnsafeRawBufferPointer(rebasing: raw[levelsEnd...]),
                           count: counts.nonNull, base: levelsEnd)
        }
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
        if maxDefinition > 0 {
            definitionLevels += try readLevelsV2(UnsafeRawBufferPointer(rebasing: body[repLength ..< repLength + defLength]),
                                                 base: repLength, maxLevel: maxDefinition, count: n, name: "definition levels")
        }
        let counts = try countPage(entries: n)
        // Writers disagree on what num_nulls counts for nested columns; it is checked for flat ones.
        guard maxRepetition > 0 || maxDefinition > 1 || Int(header.numNulls) == n - counts.nonNull else {
            throw fail("data page v2 header says \(header.numNulls) nulls but its definition levels hold \(n - counts.nonNull)")
        }
        let valueBytes = UnsafeRawBufferPointer(rebasing: body[(repLength + defLength)...])
        let valueSize = uncompressedSize - repLength - defLength
        let data: [UInt8]
        if header.valuesAreCompressed && metadata.codec != .uncompressed {
            data = try decompress(valueBytes, uncompressedSize: valueSize)
        } else {
            guard valueBytes.count == valueSize else {
                throw fail("page values take \(valueBytes.count) bytes but the header says \(valueSize)")
            }
            data = Array(valueBytes)
        }
        try data.withUnsafeBytes { raw in
            try readValues(encoding: header.encoding, data: raw, count: counts.nonNull, base: repLength + defLength)
        }
        finishPage(entries: n, counts: counts, bytes: uncompressedSize)
    }

    /// Sizes the value and level arrays for the whole chunk once, so decoding rarely re-grows them.
    mutating func reserveCapacity() {
        let n = max(0, rowCount)
        switch physical {
        case .boolean: values.bools.reserveCapacity(n)
        case .int32: values.int32s.reserveCapacity(n)
        case .int64: values.int64s.reserveCapacity(n)
        case .int96: values.int96s.reserveCapacity(n)
        case .float: values.floats.reserveCapacity(n)
        case .double: values.doubles.reserveCapacity(n)
        default: break
        }
        if maxDefinition > 0 { definitionLevels.reserveCapacity(n) }
        if maxRepetition > 0 { repetitionLevels.reserveCapacity(n) }
    }

    mutating func readValues(encoding: Encoding, data: UnsafeRawBufferPointer, count: Int, base: Int) throws {
        do {
            if encoding == .rleDictionary || encoding == .plainDictionary {
                guard let dictionary else { throw fail("dictionary-encoded page without a dictionary page") }
                var decoder = try RLEHybridDecoder(dictionaryIndices: data, baseOffset: base)
                var indices = [Int32](repeating: 0, count: count)
                try indices.withUnsafeMutableBufferPointer { buffer in
                    try decoder.decodeIndices(into: buffer, dictionaryCount: dictionaryCount)
                }
                try gather(from: dictionary, indices: indices)
            } else {
                // Move the arrays out while decoding: passing `&values` to a method of `self` would
                // keep a second reference and make every append copy the whole chunk so far.
                var decoded = values
                values = PhysicalValues()
                defer { values = decoded }
                try decodeValues(into: &decoded, encoding: encoding, data: data, count: count, base: base)
            }
        } catch let error as EncodingError {
            throw fail(error, section: "\(encoding) values")
        }
    }

    /// Appends the dictionary entries `indices` (already checked to be in range) to `values`.
    mutating func gather(from dictionary: PhysicalValues, indices: [Int32]) throws {
        /// Appends `dictionary[indices]` in one pass over raw pointers (indices are range-checked).
        func bulk<T>(_ out: inout [T], _ entries: [T]) {
            entries.withUnsafeBufferPointer { dict in
                out.append(contentsOf: indices.lazy.map { dict[Int($0)] })
            }
        }
        switch physical {
        case .boolean: bulk(&values.bools, dictionary.bools)
        case .int32: bulk(&values.int32s, dictionary.int32s)
        case .int64: bulk(&values.int64s, dictionary.int64s)
        case .int96: bulk(&values.int96s, dictionary.int96s)
        case .float: bulk(&values.floats, dictionary.floats)
        case .double: bulk(&values.doubles, dictionary.doubles)
        case .byteArray:
            var total = 0
            for i in indices { total += dictionary.bytes.length(at: Int(i)) }
            guard values.bytes.canGrow(by: total) else {
                throw fail("the column chunk's byte arrays would exceed \(Int32.max) bytes")
            }
            dictionary.bytes.values.withUnsafeBytes { raw in
                for i in indices {
                    let start = Int(dictionary.bytes.offsets[Int(i)])
                    let end = Int(dictionary.bytes.offsets[Int(i) + 1])
                    values.bytes.append(UnsafeRawBufferPointer(rebasing: raw[start ..< end]))
                }
            }
        default:
            guard indices.count <= Int(Int32.max) / max(1, typeLength) else {
                throw fail("the column chunk's fixed-length values would exceed \(Int32.max) bytes")
            }
            for i in indices {
                let start = Int(i) * typeLength
                values.fixed.append(contentsOf: dictionary.fixed[start ..< start + typeLength])
            }
        }
    }

    func unsupportedEncoding(_ encoding: Encoding) -> ParquetReadError {
        ParquetReadError(
            kind: .unsupported, column: column.name, offset: pageOffset,
            message: "encoding \(encoding) is not supported for \(physical) values")
    }

    /// Decodes `count` values of the column's physical type with `encoding` (not a dictionary encoding).
    func decodeValues(
        into out: inout PhysicalValues, encoding: Encoding, data: UnsafeRawBufferPointer, count n: Int, base: Int
    ) throws {
        switch physical {
        case .boolean:
            switch encoding {
            case .plain:
                guard (n + 7) / 8 <= data.count else { throw fail("\(n) PLAIN booleans need \((n + 7) / 8) bytes, the page has \(data.count)") }
                var decoder = PlainDecoder(data, baseOffset: base)
                try appendDecoded(&out.bools, n, zero: false) { try decoder.decodeBooleans(into: $0) }
            case .rle:
                var decoder = try RLEHybridDecoder(lengthPrefixed: data, bitWidth: 1, baseOffset: base)
                try appendDecoded(&out.bools, n, zero: false) { try decoder.decodeBooleans(into: $0) }
            default: throw unsupportedEncoding(encoding)
            }
        case .int32:
            try decodeNumeric(&out.int32s, encoding: encoding, data: data, count: n, base: base, delta: { data, buffer in
                var decoder = try DeltaBinaryPackedDecoder<Int32>(data, baseOffset: base)
                try decoder.decode(into: buffer)
            })
        case .int64:
            try decodeNumeric(&out.int64s, encoding: encoding, data: data, count: n, base: base, delta: { data, buffer in
                var decoder = try DeltaBinaryPackedDecoder<Int64>(data, baseOffset: base)
                try decoder.decode(into: buffer)
            })
        case .float:
            try decodeNumeric(&out.floats, encoding: encoding, data: data, count: n, base: base, delta: nil)
        case .double:
            try decodeNumeric(&out.doubles, encoding: encoding, data: data, count: n, base: base, delta: nil)
        case .int96:
            guard encoding == .plain else { throw unsupportedEncoding(encoding) }
            guard n <= data.count / 12 else { throw fail("\(n) INT96 values need \(n * 12) bytes, the page has \(data.count)") }
            var decoder = PlainDecoder(data, baseOffset: base)
            try appendDecoded(&out.int96s, n, zero: Int96(low: 0, high: 0)) { try decoder.decode(into: $0) }
        case .byteArray:
            switch encoding {
            case .plain:
                guard n <= data.count / 4 else { throw fail("\(n) PLAIN byte arrays need at least \(n * 4) bytes, the page has \(data.count)") }
                var decoder = PlainDecoder(data, baseOffset: base)
                try decoder.decodeByteArrays(count: n, into: &out.bytes)
            case .deltaLengthByteArray:
                var decoder = try DeltaLengthByteArrayDecoder(data, count: n, baseOffset: base)
                try decoder.decode(count: n, into: &out.bytes)
            case .deltaByteArray:
                var decoder = try DeltaByteArrayDecoder(data, count: n, baseOffset: base)
                try decoder.decode(count: n, into: &out.bytes)
            default: throw unsupportedEncoding(encoding)
            }
        case .fixedLenByteArray:
            let width = typeLength
            switch encoding {
            case .plain:
                guard n <= data.count / width else { throw fail("\(n) values of \(width) bytes need \(n * width) bytes, the page has \(data.count)") }
                var decoder = PlainDecoder(data, baseOffset: base)
                try decoder.decodeFixedLenByteArrays(count: n, width: width, into: &out.fixed)
            case .deltaByteArray:
                var decoder = try DeltaByteArrayDecoder(data, count: n, baseOffset: base)
                try decoder.decodeFixed(count: n, width: width, into: &out.fixed)
            case .byteStreamSplit:
                var decoder = try ByteStreamSplitDecoder(data, width: width, baseOffset: base)
                guard decoder.valueCount == n else {
                    throw fail("BYTE_STREAM_SPLIT section holds \(decoder.valueCount) values, the page needs \(n)")
                }
                try decoder.decodeFixedLenByteArrays(count: n, into: &out.fixed)
            default: throw unsupportedEncoding(encoding)
            }
        default:
            throw fail("unknown physical type \(physical)")
        }
    }

    /// PLAIN, BYTE_STREAM_SPLIT and (for integers) DELTA_BINARY_PACKED fixed-width values.
    func decodeNumeric<T: PlainFixedWidth & Numeric>(
        _ array: inout [T], encoding: Encoding, data: UnsafeRawBufferPointer, count n: Int, base: Int,
        delta: ((UnsafeRawBufferPointer, UnsafeMutableBufferPointer<T>) throws -> Void)?
    ) throws {
        let width = T.plainByteWidth
        switch encoding {
        case .plain:
            guard n <= data.count / width else { throw fail("\(n) values of \(width) bytes need \(n * width) bytes, the page has \(data.count)") }
            var decoder = PlainDecoder(data, baseOffset: base)
            try appendDecoded(&array, n, zero: 0) { try decoder.decode(into: $0) }
        case .byteStreamSplit:
            var decoder = try ByteStreamSplitDecoder(data, width: width, baseOffset: base)
            guard decoder.valueCount == n else {
                throw fail("BYTE_STREAM_SPLIT section holds \(decoder.valueCount) values, the page needs \(n)")
            }
            try appendDecoded(&array, n, zero: 0) { try decoder.decode(into: $0) }
        case .deltaBinaryPacked where delta != nil:
            // A DELTA_BINARY_PACKED stream needs at least a few header bytes, then at most
            // 64 bits per value; a page of 0 bytes can hold no values.
            guard n == 0 || !data.isEmpty else { throw fail("empty DELTA_BINARY_PACKED section for \(n) values") }
            try appendDecoded(&array, n, zero: 0) { try delta!(data, $0) }
        default:
            throw unsupportedEncoding(encoding)
        }
    }
}
