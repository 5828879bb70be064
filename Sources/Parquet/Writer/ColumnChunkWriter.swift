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
    static func encode(_ column: Column, leaf: LeafColumn, options: ParquetWriterOptions,
                       path: String) throws(ParquetWriteError) -> EncodedChunk {
        if leaf.isFlat {
            // Flat fast path: no repetition, at most one definition level, values read in one pass.
            var levels: [Int32] = []
            let values = try WriterValues.extract(column, plan: leaf.plan, levels: &levels, field: leaf.dotted, path: path)
            return try encode(values, definition: leaf.maxDefinition == 0 ? [] : levels, repetition: [],
                              entryCount: column.count, leaf: leaf, options: options, path: path)
        }
        let shredded = try LevelShredder.shred(column, leaf: leaf, file: path)
        var unused: [Int32] = []
        let values = try WriterValues.extract(shredded.column, plan: leaf.plan, levels: &unused, rows: shredded.valueRows,
                                              field: leaf.dotted, path: path)
        return try encode(values, definition: shredded.definition, repetition: shredded.repetition,
                          entryCount: shredded.entryCount, leaf: leaf, options: options, path: path)
    }

    /// Encodes a leaf's `values` with one level entry per `entryCount`: `definition` and
    /// `repetition` are empty when the leaf's max level is 0. Pages end only where a row ends.
    static func encode(_ values: WriterValues, definition: [Int32], repetition: [Int32], entryCount: Int, leaf: LeafColumn,
                       options: ParquetWriterOptions, path: String) throws(ParquetWriteError) -> EncodedChunk {
        let plan = leaf.plan
        let maxDefinition = Int32(leaf.maxDefinition)
        let hasDefinition = leaf.maxDefinition > 0
        let hasRepetition = leaf.maxRepetition > 0
        func compress(_ bytes: [UInt8]) throws(ParquetWriteError) -> [UInt8] {
            // Typed throws do not pass through withUnsafeBytes; carry the error in a Result.
            let result: Result<[UInt8], CodecError> = bytes.withUnsafeBytes { raw in
                do { return .success(try PageCompression.compress(raw, codec: options.compression, level: options.compressionLevel)) }
                catch let e as CodecError { return .failure(e) } catch { return .failure(CodecError(message: "\(error)")) }
            }
            switch result {
            case let .success(out): return out
            case let .failure(error): throw ParquetWriteError(path: path, message: "column '\(leaf.dotted)': \(error.message)")
            }
        }
        func levelBytes(_ levels: ArraySlice<Int32>, max: Int) -> [UInt8] {
            var encoder = RLEHybridEncoder(bitWidth: Int.bitWidth - max.leadingZeroBitCount)
            for level in levels { encoder.append(level) }
            return encoder.finish()
        }
        func lengthPrefixed(_ bytes: [UInt8]) -> [UInt8] {
            let n = UInt32(bytes.count)
            return [UInt8(n & 0xFF), UInt8(n >> 8 & 0xFF), UInt8(n >> 16 & 0xFF), UInt8(n >> 24)] + bytes
        }

        var chunk: [UInt8] = []
        var uncompressedTotal = 0
        var dictionaryOffset: Int?
        var encodings: [Encoding] = [.rle]
        func appendPage(_ header: PageHeader, body: [UInt8], uncompressedBodySize: Int) {
            let headerBytes = header.thriftBytes()
            chunk += headerBytes
            chunk += body
            uncompressedTotal += headerBytes.count + uncompressedBodySize
        }

        // Dictionary: indices per value, and the dictionary's PLAIN bytes.
        var indices: [Int32]?
        if options.dictionary, let (dictionaryBytes, dictionaryCount, keys) = DictionaryBuilder.build(values, limit: options.dictionaryPageSizeLimit) {
            indices = keys
            let compressed = try compress(dictionaryBytes)
            dictionaryOffset = chunk.count
            appendPage(PageHeader(type: .dictionaryPage, uncompressedPageSize: Int32(dictionaryBytes.count),
                                  compressedPageSize: Int32(compressed.count),
                                  dictionaryPageHeader: DictionaryPageHeader(numValues: Int32(dictionaryCount), encoding: .plain)),
                       body: compressed, uncompressedBodySize: dictionaryBytes.count)
            encodings += [.plain, .rleDictionary]
        } else {
            encodings += [.plain]
        }
        let dictionarySize = indices.map { ($0.max() ?? 0) + 1 } ?? 0
        let indexBitWidth = max(1, Int32.bitWidth - Int32(dictionarySize - 1).leadingZeroBitCount)

        let dataOffset = chunk.count
        let bytesPerValue = max(1, PageEstimate.bytesPerValue(values))
        let entriesPerPage = max(1, options.dataPageSize / bytesPerValue)
        var entry = 0
        var valueStart = 0
        repeat {
            var end = min(entryCount, entry + entriesPerPage)
            // A page holds whole rows: it ends only before an entry that starts a row.
            if hasRepetition { while end < entryCount && repetition[end] != 0 { end += 1 } }
            var valueCount = end - entry
            if hasDefinition {
                valueCount = 0
                for level in definition[entry..<end] where level == maxDefinition { valueCount += 1 }
            }
            var rowCount = end - entry
            if hasRepetition {
                rowCount = 0
                for level in repetition[entry..<end] where level == 0 { rowCount += 1 }
            }
            let valueRange = valueStart..<(valueStart + valueCount)
            let valueBytes: [UInt8]
            if let indices {
                var encoder = RLEHybridEncoder(bitWidth: indexBitWidth)
                for i in valueRange { encoder.append(indices[i]) }
                valueBytes = [UInt8(indexBitWidth)] + encoder.finish()
            } else {
                valueBytes = PlainValues.encode(values, range: valueRange)
            }
            let repetitionBytes = hasRepetition ? levelBytes(repetition[entry..<end], max: leaf.maxRepetition) : []
            let definitionBytes = hasDefinition ? levelBytes(definition[entry..<end], max: leaf.maxDefinition) : []
            let encoding: Encoding = indices == nil ? .plain : .rleDictionary
            let entries = Int32(end - entry)
            if options.pageVersion == 2 {
                let compressed = try compress(valueBytes)
                let levelsSize = repetitionBytes.count + definitionBytes.count
                let header = DataPageHeaderV2(numValues: entries, numNulls: entries - Int32(valueCount), numRows: Int32(rowCount),
                                              encoding: encoding, definitionLevelsByteLength: Int32(definitionBytes.count),
                                              repetitionLevelsByteLength: Int32(repetitionBytes.count),
                                              isCompressed: options.compression != .uncompressed)
                appendPage(PageHeader(type: .dataPageV2, uncompressedPageSize: Int32(levelsSize + valueBytes.count),
                                      compressedPageSize: Int32(levelsSize + compressed.count), dataPageHeaderV2: header),
                           body: repetitionBytes + definitionBytes + compressed, uncompressedBodySize: levelsSize + valueBytes.count)
            } else {
                var body: [UInt8] = []
                if hasRepetition { body += lengthPrefixed(repetitionBytes) }
                if hasDefinition { body += lengthPrefixed(definitionBytes) }
                body += valueBytes
                let compressed = try compress(body)
                appendPage(PageHeader(type: .dataPage, uncompressedPageSize: Int32(body.count), compressedPageSize: Int32(compressed.count),
                                      dataPageHeader: DataPageHeader(numValues: entries, encoding: encoding)),
                           body: compressed, uncompressedBodySize: body.count)
            }
            entry = end
            valueStart += valueCount
        } while entry < entryCount

        // Nulls are the entries below the max definition level (for nested leaves: null or empty
        // ancestors too, as pyarrow counts them).
        let statistics = options.statistics ? ChunkStatistics.compute(values, plan: plan, nullCount: entryCount - values.count) : nil
        let metadata = ColumnMetaData(
            type: plan.physical, encodings: encodings, pathInSchema: leaf.path, codec: options.compression,
            numValues: Int64(entryCount), totalUncompressedSize: Int64(uncompressedTotal), totalCompressedSize: Int64(chunk.count),
            dataPageOffset: Int64(dataOffset), dictionaryPageOffset: dictionaryOffset.map(Int64.init), statistics: statistics)
        return EncodedChunk(bytes: chunk, metadata: metadata, dictionaryPageOffset: dictionaryOffset, dataPageOffset: dataOffset)
    }
}

/// PLAIN bytes of a range of physical values.
enum PlainValues {
    static func encode(_ values: WriterValues, range: Range<Int>) -> [UInt8] {
        var encoder = PlainEncoder()
        switch values {
        case let .boolean(v): encoder.appendBooleans(Array(v[range]))
        case let .int32(v): v[range].withUnsafeBufferPointer { encoder.append($0) }
        case let .int64(v): v[range].withUnsafeBufferPointer { encoder.append($0) }
        case let .float(v): v[range].withUnsafeBufferPointer { encoder.append($0) }
        case let .double(v): v[range].withUnsafeBufferPointer { encoder.append($0) }
        case let .bytes(v):
            v.values.withUnsafeBytes { all in
                for i in range { encoder.appendByteArray(UnsafeRawBufferPointer(rebasing: all[Int(v.offsets[i])..<Int(v.offsets[i + 1])])) }
            }
        case let .fixed(v, width): encoder.appendFixedLenByteArrays(Array(v[(range.lowerBound * width)..<(range.upperBound * width)]))
        }
        return encoder.finish()
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
