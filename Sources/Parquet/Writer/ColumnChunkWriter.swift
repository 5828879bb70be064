import Columnar

/// One encoded column chunk: its bytes (pages with headers) and metadata with offsets relative to
/// the chunk's first byte.
struct EncodedChunk {
    var bytes: [UInt8]
    var metadata: ColumnMetaData
    var dictionaryPageOffset: Int?
    var dataPageOffset: Int
}

/// Encodes one flat column of a row group: definition levels, dictionary (with PLAIN fallback) or
/// PLAIN values, data pages v1 or v2, compression and statistics.
enum ColumnChunkWriter {
    static func encode(_ column: Column, plan: LeafPlan, field: Field, options: ParquetWriterOptions,
                       path: String) throws(ParquetWriteError) -> EncodedChunk {
        var levels: [Int32] = []
        let values = try WriterValues.extract(column, plan: plan, levels: &levels, field: field.name, path: path)
        let rows = column.count
        let nullable = field.nullable
        func compress(_ bytes: [UInt8]) throws(ParquetWriteError) -> [UInt8] {
            // Typed throws do not pass through withUnsafeBytes; carry the error in a Result.
            let result: Result<[UInt8], CodecError> = bytes.withUnsafeBytes { raw in
                do { return .success(try PageCompression.compress(raw, codec: options.compression, level: options.compressionLevel)) }
                catch let e as CodecError { return .failure(e) } catch { return .failure(CodecError(message: "\(error)")) }
            }
            switch result {
            case let .success(out): return out
            case let .failure(error): throw ParquetWriteError(path: path, message: "column '\(field.name)': \(error.message)")
            }
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
        let rowsPerPage = max(1, options.dataPageSize / bytesPerValue)
        var row = 0
        var valueStart = 0
        repeat {
            let end = min(rows, row + rowsPerPage)
            let pageLevels = nullable ? Array(levels[row..<end]) : []
            let valueCount = nullable ? pageLevels.reduce(0) { $0 + Int($1) } : end - row
            let valueRange = valueStart..<(valueStart + valueCount)
            let valueBytes: [UInt8]
            if let indices {
                var encoder = RLEHybridEncoder(bitWidth: indexBitWidth)
                for i in valueRange { encoder.append(indices[i]) }
                valueBytes = [UInt8(indexBitWidth)] + encoder.finish()
            } else {
                valueBytes = PlainValues.encode(values, range: valueRange)
            }
            var levelBytes: [UInt8] = []
            if nullable {
                var encoder = RLEHybridEncoder(bitWidth: 1)
                for level in pageLevels { encoder.append(level) }
                levelBytes = encoder.finish()
            }
            let encoding: Encoding = indices == nil ? .plain : .rleDictionary
            let rowCount = Int32(end - row)
            if options.pageVersion == 2 {
                let compressed = try compress(valueBytes)
                let header = DataPageHeaderV2(numValues: rowCount, numNulls: rowCount - Int32(valueCount), numRows: rowCount,
                                              encoding: encoding, definitionLevelsByteLength: Int32(levelBytes.count),
                                              repetitionLevelsByteLength: 0, isCompressed: options.compression != .uncompressed)
                appendPage(PageHeader(type: .dataPageV2, uncompressedPageSize: Int32(levelBytes.count + valueBytes.count),
                                      compressedPageSize: Int32(levelBytes.count + compressed.count), dataPageHeaderV2: header),
                           body: levelBytes + compressed, uncompressedBodySize: levelBytes.count + valueBytes.count)
            } else {
                var body: [UInt8] = []
                if nullable {
                    let n = UInt32(levelBytes.count)
                    body = [UInt8(n & 0xFF), UInt8(n >> 8 & 0xFF), UInt8(n >> 16 & 0xFF), UInt8(n >> 24)] + levelBytes
                }
                body += valueBytes
                let compressed = try compress(body)
                appendPage(PageHeader(type: .dataPage, uncompressedPageSize: Int32(body.count), compressedPageSize: Int32(compressed.count),
                                      dataPageHeader: DataPageHeader(numValues: rowCount, encoding: encoding)),
                           body: compressed, uncompressedBodySize: body.count)
            }
            row = end
            valueStart += valueCount
        } while row < rows

        let statistics = options.statistics ? ChunkStatistics.compute(values, plan: plan, nullCount: rows - values.count) : nil
        let metadata = ColumnMetaData(
            type: plan.physical, encodings: encodings, pathInSchema: [field.name], codec: options.compression,
            numValues: Int64(rows), totalUncompressedSize: Int64(uncompressedTotal), totalCompressedSize: Int64(chunk.count),
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
