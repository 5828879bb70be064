import Columnar

/// Reads one column chunk of a flat (top-level, non-repeated) column into a Columnar `Column`.
///
/// The chunk's bytes are given as a buffer together with the file offset where the buffer starts,
/// so every error names a file byte offset. Pages are read in order from the chunk start: an
/// optional dictionary page (PLAIN values), then data pages v1 or v2; index pages are skipped.
/// Every size, count and offset is checked against the page, the chunk and the row group before
/// it is used: page value counts may not exceed the rows still missing, so no allocation is sized
/// by page contents alone.
public enum ColumnChunkReader {
    /// Largest decompressed page accepted (a corrupt header must not make us allocate more).
    public static let maximumPageSize = 1 << 30
    /// Largest ratio of decompressed to compressed page size accepted, so that a corrupt header
    /// cannot make a tiny page allocate a large buffer (real pages, even of one repeated value
    /// compressed with zstd, stay far below it).
    public static let maximumCompressionRatio = 1 << 16

    /// Decodes the chunk of `column` whose bytes are `chunk` (starting at file offset
    /// `fileOffset`, and covering the chunk's pages from its first page on), for a row group of
    /// `rowCount` rows.
    public static func read(
        chunk: UnsafeRawBufferPointer, fileOffset: Int, column: ParquetLeafColumn,
        metadata: ColumnMetaData, rowCount: Int
    ) throws(ParquetReadError) -> Column {
        var state = ChunkState(column: column, metadata: metadata, rowCount: rowCount, fileOffset: fileOffset)
        state.reserveCapacity()
        do {
            try state.readPages(chunk)
            return try state.finish()
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

private struct ChunkState {
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
    /// Per row: whether it is non-null (only for optional columns).
    var validity: [Bool] = []
    /// Nulls seen so far; a nullable column without any is built in bulk.
    var nullCount = 0
    var rowsRead = 0
    var dataPagesRead = 0

    init(column: ParquetLeafColumn, metadata: ColumnMetaData, rowCount: Int, fileOffset: Int) {
        self.column = column
        self.metadata = metadata
        self.rowCount = rowCount
        self.fileOffset = fileOffset
        self.physical = column.physicalType
        self.typeLength = Int(column.element.typeLength ?? 0)
        self.pageOffset = fileOffset
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

    mutating func readPages(_ chunk: UnsafeRawBufferPointer) throws {
        var position = 0
        while rowsRead < rowCount {
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

    mutating func checkValueCount(_ numValues: Int32) throws -> Int {
        let n = Int(numValues)
        guard n >= 0, n <= rowCount - rowsRead else {
            throw fail("data page claims \(numValues) values but only \(rowCount - rowsRead) of the row group's \(rowCount) rows remain")
        }
        return n
    }

    mutating func readDataPageV1(_ header: DataPageHeader, body: UnsafeRawBufferPointer, uncompressedSize: Int) throws {
        let n = try checkValueCount(header.numValues)
        let data = try decompress(body, uncompressedSize: uncompressedSize)
        try data.withUnsafeBytes { raw in
            var levelsEnd = 0
            var nonNull = n
            if column.maxDefinitionLevel > 0 {
                do {
                    switch header.definitionLevelEncoding {
                    case .rle:
                        var decoder = try RLEHybridDecoder(lengthPrefixed: raw, bitWidth: 1)
                        nonNull = try appendLevels(n) { levels in try decoder.decode(into: levels) }
                        levelsEnd = decoder.encodedByteCount
                    case .bitPacked:
                        var consumed = 0
                        nonNull = try appendLevels(n) { levels in
                            var wide = [Int32](repeating: 0, count: levels.count)
                            consumed = try wide.withUnsafeMutableBufferPointer { buffer in
                                try LegacyBitPacked.decode(raw, bitWidth: 1, into: buffer)
                            }
                            for i in 0 ..< levels.count { levels[i] = UInt8(truncatingIfNeeded: wide[i]) }
                        }
                        levelsEnd = consumed
                    default:
                        throw fail("definition level encoding \(header.definitionLevelEncoding) is not supported")
                    }
                } catch let error as EncodingError {
                    throw fail(error, section: "definition levels")
                }
            }
            try readValues(encoding: header.encoding, data: UnsafeRawBufferPointer(rebasing: raw[levelsEnd...]), count: nonNull, base: levelsEnd)
        }
        rowsRead += n
        dataPagesRead += 1
    }

    mutating func readDataPageV2(_ header: DataPageHeaderV2, body: UnsafeRawBufferPointer, uncompressedSize: Int) throws {
        let n = try checkValueCount(header.numValues)
        let repLength = Int(header.repetitionLevelsByteLength)
        let defLength = Int(header.definitionLevelsByteLength)
        guard repLength >= 0, defLength >= 0, repLength + defLength <= body.count, repLength + defLength <= uncompressedSize else {
            throw fail("level lengths \(repLength) + \(defLength) do not fit the \(body.count)-byte page")
        }
        // A flat column has no repetition levels; some writers still store an (empty) section.
        let levelBytes = UnsafeRawBufferPointer(rebasing: body[repLength ..< repLength + defLength])
        var nonNull = n
        if column.maxDefinitionLevel > 0 {
            do {
                var decoder = try RLEHybridDecoder(levelBytes, bitWidth: 1, baseOffset: repLength)
                nonNull = try appendLevels(n) { levels in try decoder.decode(into: levels) }
            } catch let error as EncodingError {
                throw fail(error, section: "definition levels")
            }
        }
        guard Int(header.numNulls) == n - nonNull else {
            throw fail("data page v2 header says \(header.numNulls) nulls but its definition levels hold \(n - nonNull)")
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
            try readValues(encoding: header.encoding, data: raw, count: nonNull, base: repLength + defLength)
        }
        rowsRead += n
        dataPagesRead += 1
    }

    /// Sizes the value arrays for the whole chunk once, so decoding never re-grows them.
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
        if column.maxDefinitionLevel > 0 { validity.reserveCapacity(n) }
    }

    /// Decodes `n` levels with `body`, checks each is 0 or 1, records validity; returns the non-null count.
    mutating func appendLevels(_ n: Int, _ body: (UnsafeMutableBufferPointer<UInt8>) throws -> Void) throws -> Int {
        var levels = [UInt8](repeating: 0, count: n)
        try levels.withUnsafeMutableBufferPointer { buffer in try body(buffer) }
        var nonNull = 0
        for level in levels {
            guard level <= 1 else { throw fail("definition level \(level) is above the column's maximum of 1") }
            nonNull += Int(level)
        }
        validity.reserveCapacity(validity.count + n)
        for level in levels { validity.append(level == 1) }
        nullCount += n - nonNull
        return nonNull
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

    // MARK: Building the column

    func finish() throws -> Column {
        let type = column.field.type
        // A nullable column that holds no null is built like a required one (in bulk).
        let nullable = column.maxDefinitionLevel > 0 && nullCount > 0
        let rows = rowCount
        let builder = makeColumnBuilder(for: type, capacity: rows)
        /// Calls `append(valueIndex)` for each non-null row and appends a null for the others.
        func each(_ append: (Int) throws -> Void) rethrows {
            if !nullable {
                for i in 0 ..< rows { try append(i) }
                return
            }
            var next = 0
            for isValid in validity {
                if isValid {
                    try append(next)
                    next += 1
                } else {
                    builder.appendNull()
                }
            }
        }
        func primitive<T: FixedWidthValue>(_ t: T.Type, _ value: (Int) throws -> T) rethrows {
            let b = builder as! PrimitiveColumnBuilder<T>
            try each { b.append(try value($0)) }
        }
        /// Values stored as they are: appended in one go when the column has no nulls.
        func direct<T: FixedWidthValue>(_ array: [T]) {
            let b = builder as! PrimitiveColumnBuilder<T>
            if nullable {
                each { b.append(array[$0]) }
            } else {
                b.append(contentsOf: array)
            }
        }
        switch type {
        case .bool:
            let b = builder as! BooleanColumnBuilder
            each { b.append(values.bools[$0]) }
        case .int8: primitive(Int8.self) { Int8(truncatingIfNeeded: values.int32s[$0]) }
        case .int16: primitive(Int16.self) { Int16(truncatingIfNeeded: values.int32s[$0]) }
        case .uint8: primitive(UInt8.self) { UInt8(truncatingIfNeeded: values.int32s[$0]) }
        case .uint16: primitive(UInt16.self) { UInt16(truncatingIfNeeded: values.int32s[$0]) }
        case .uint32: primitive(UInt32.self) { UInt32(bitPattern: values.int32s[$0]) }
        case .uint64: primitive(UInt64.self) { UInt64(bitPattern: values.int64s[$0]) }
        case .int32, .date32, .time(.second), .time(.milli):
            direct(values.int32s)
        case .timestamp where physical == .int96:
            primitive(Int64.self) { Self.int96Nanoseconds(values.int96s[$0]) }
        case .int64, .timestamp, .time:
            direct(values.int64s)
        case .float32: direct(values.floats)
        case .float64: direct(values.doubles)
        case .decimal:
            switch physical {
            case .int32: primitive(Int128.self) { Int128(values.int32s[$0]) }
            case .int64: primitive(Int128.self) { Int128(values.int64s[$0]) }
            case .byteArray:
                try values.bytes.values.withUnsafeBytes { raw in
                    try primitive(Int128.self) { i in
                        let start = Int(values.bytes.offsets[i]), end = Int(values.bytes.offsets[i + 1])
                        return try decimalValue(UnsafeRawBufferPointer(rebasing: raw[start ..< end]))
                    }
                }
            default:
                try values.fixed.withUnsafeBytes { raw in
                    try primitive(Int128.self) { i in
                        try decimalValue(UnsafeRawBufferPointer(rebasing: raw[i * typeLength ..< (i + 1) * typeLength]))
                    }
                }
            }
        case .string, .binary:
            let b = builder as! BinaryColumnBuilder
            values.bytes.values.withUnsafeBytes { raw in
                each { i in
                    let start = Int(values.bytes.offsets[i]), end = Int(values.bytes.offsets[i + 1])
                    b.append(bytes: UnsafeRawBufferPointer(rebasing: raw[start ..< end]))
                }
            }
        case .fixedSizeBinary(let width):
            let b = builder as! FixedSizeBinaryColumnBuilder
            values.fixed.withUnsafeBytes { raw in
                each { i in b.append(bytes: UnsafeRawBufferPointer(rebasing: raw[i * width ..< (i + 1) * width])) }
            }
        default:
            throw fail("type \(type) cannot be read from a flat column")
        }
        return builder.finish()
    }

    /// A big-endian two's complement decimal of up to 16 bytes (longer ones only with sign-extension bytes).
    func decimalValue(_ bytes: UnsafeRawBufferPointer) throws -> Int128 {
        guard let first = bytes.first else { return 0 }
        let negative = first & 0x80 != 0
        var start = 0
        if bytes.count > 16 {
            let fill: UInt8 = negative ? 0xFF : 0
            start = bytes.count - 16
            guard bytes[0 ..< start].allSatisfy({ $0 == fill }) else {
                throw fail("a \(bytes.count)-byte decimal value does not fit in 128 bits")
            }
            guard (bytes[start] & 0x80 != 0) == negative else {
                throw fail("a \(bytes.count)-byte decimal value does not fit in 128 bits")
            }
        }
        var value: UInt128 = negative ? ~0 : 0
        for byte in bytes[start...] { value = (value << 8) | UInt128(byte) }
        return Int128(bitPattern: value)
    }

    /// Nanoseconds since the Unix epoch of a legacy INT96 timestamp (nanoseconds of the day, then
    /// the Julian day; Julian day 2,440,588 is 1970-01-01). Out-of-range values wrap, as in Arrow.
    static func int96Nanoseconds(_ value: Int96) -> Int64 {
        let days = Int64(value.high) &- 2_440_588
        return days &* 86_400_000_000_000 &+ Int64(bitPattern: value.low)
    }
}
