#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Columnar

/// Reads a Parquet file into Columnar record batches, one row group at a time.
///
/// The file is opened once and read with `pread`: first the footer (the file's tail), then one
/// column chunk at a time into a buffer of the chunk's size, so memory stays bounded by the largest
/// chunk plus the decoded row group. Nested columns (structs, lists, maps) are rebuilt from their
/// leaves' levels. A column whose schema cannot be read fails with
/// `ParquetReadError.Kind.unsupported` when asked for; the file's other columns stay readable.
///
/// Not thread-safe: use one reader per thread.
public final class ParquetFileReader {
    /// The path given to `init(path:)`, used in error messages.
    public let path: String
    /// The decoded footer.
    public let metadata: FileMetaData
    /// The file's columns and what is not supported.
    public let mapping: ParquetSchemaMapping
    /// Size of the file in bytes.
    public let fileSize: Int
    /// Where the footer (the Thrift metadata) starts: column chunks must end before it.
    public let footerStart: Int

    private let descriptor: Int32
    /// Memory reused from one column chunk to the next.
    private let scratch = ReadScratch()

    /// Opens `path` and reads its footer.
    public init(path: String) throws(ParquetReadError) {
        self.path = path
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else {
            throw ParquetReadError(kind: .io, path: path, message: "cannot open: \(Self.errnoText())")
        }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let text = Self.errnoText()
            close(fd)
            throw ParquetReadError(kind: .io, path: path, message: "cannot stat: \(text)")
        }
        let size = Int(info.st_size)
        do throws(ParquetReadError) {
            var tailSize = min(size, ParquetFooter.suggestedTailSize)
            var footer: FileMetaData?
            var metadataLength = 0
            while footer == nil {
                let tail = try Self.readBytes(fd, path: path, offset: size - tailSize, count: tailSize)
                do throws(ParquetFooterError) {
                    footer = try ParquetFooter.read(fileBytes: tail, fileSize: size)
                    let t = tail.count - ParquetFooter.trailerSize
                    metadataLength = Int(tail[t]) | Int(tail[t + 1]) << 8 | Int(tail[t + 2]) << 16 | Int(tail[t + 3]) << 24
                } catch {
                    if case .tailTooShort(let needed) = error.kind, needed > tailSize, needed <= size {
                        tailSize = needed
                        continue
                    }
                    throw ParquetReadError(kind: .footer, path: path, offset: error.offset, message: error.message)
                }
            }
            if tailSize < size {
                let head = try Self.readBytes(fd, path: path, offset: 0, count: 4)
                guard head == ParquetFooter.magic else {
                    throw ParquetReadError(kind: .footer, path: path, offset: 0, message: "the file does not start with the magic PAR1")
                }
            }
            let metadata = footer!
            self.metadata = metadata
            self.mapping = try Self.mapSchema(metadata, path: path)
            self.fileSize = size
            self.footerStart = size - ParquetFooter.trailerSize - metadataLength
            self.descriptor = fd
        } catch {
            close(fd)
            throw error
        }
    }

    deinit {
        close(descriptor)
    }

    private static func mapSchema(_ metadata: FileMetaData, path: String) throws(ParquetReadError) -> ParquetSchemaMapping {
        do throws(ParquetReadError) {
            return try ParquetSchemaMapping(metadata.schema)
        } catch {
            throw error.inFile(path)
        }
    }

    /// The Columnar schema of the readable columns.
    public var schema: Schema { mapping.schema }

    /// How many row groups the file has.
    public var rowGroupCount: Int { metadata.rowGroups.count }

    /// Reads row group `index`; `columns` selects columns by name, in the order given (all columns
    /// when nil, which fails if any is not supported yet).
    public func readRowGroup(_ index: Int, columns: [String]? = nil) throws(ParquetReadError) -> RecordBatch {
        guard index >= 0, index < metadata.rowGroups.count else {
            throw ParquetReadError(
                kind: .invalidRequest, path: path,
                message: "row group \(index) does not exist (the file has \(metadata.rowGroups.count))")
        }
        let selected = try selectColumns(columns)
        let rowGroup = metadata.rowGroups[index]
        guard rowGroup.numRows >= 0, rowGroup.numRows <= Int64(Int32.max) else {
            throw ParquetReadError(kind: .corruptMetadata, path: path, message: "row group \(index) claims \(rowGroup.numRows) rows")
        }
        guard rowGroup.columns.count == mapping.leafCount else {
            throw ParquetReadError(
                kind: .corruptMetadata, path: path,
                message: "row group \(index) has \(rowGroup.columns.count) column chunks but the schema has \(mapping.leafCount) leaf columns")
        }
        let rows = Int(rowGroup.numRows)
        var fields: [Field] = []
        var result: [Column] = []
        for node in selected {
            fields.append(node.field)
            result.append(try readColumn(node, rowGroup: rowGroup, rows: rows))
        }
        do throws(ColumnarError) {
            return try RecordBatch(schema: Schema(fields), columns: result, rowCount: rows)
        } catch {
            throw ParquetReadError(kind: .corruptMetadata, path: path, message: "cannot assemble row group \(index): \(error)")
        }
    }

    /// Reads every row group (see `readRowGroup(_:columns:)`).
    public func readAll(columns: [String]? = nil) throws(ParquetReadError) -> [RecordBatch] {
        var batches: [RecordBatch] = []
        for index in 0 ..< rowGroupCount { batches.append(try readRowGroup(index, columns: columns)) }
        return batches
    }

    private func selectColumns(_ names: [String]?) throws(ParquetReadError) -> [ParquetColumnNode] {
        guard let names else {
            for name in mapping.topLevelNames {
                if let error = mapping.unsupported[name] { throw error.inFile(path) }
            }
            return mapping.columns
        }
        var selected: [ParquetColumnNode] = []
        for name in names {
            if let column = mapping.columns.first(where: { $0.field.name == name }) {
                selected.append(column)
            } else if let error = mapping.unsupported[name] {
                throw error.inFile(path)
            } else {
                throw ParquetReadError(kind: .invalidRequest, path: path, column: name, message: "no column named '\(name)'")
            }
        }
        return selected
    }

    /// Reads a top-level column: a flat one straight from its chunk, a nested one by decoding
    /// each of its leaves and assembling them.
    private func readColumn(_ node: ParquetColumnNode, rowGroup: RowGroup, rows: Int) throws(ParquetReadError) -> Column {
        if case .leaf(let leaf) = node.kind, leaf.maxRepetitionLevel == 0, leaf.maxDefinitionLevel <= 1 {
            if rows == 0 { return makeColumnBuilder(for: leaf.field.type).finish() }
            let state = try decodeColumnChunk(rowGroup.columns[leaf.leafIndex], leaf: leaf, rows: rows, flat: true, scratch: scratch)
            do throws(ParquetReadError) {
                return try state.flatColumn()
            } catch {
                throw error.inFile(path)
            }
        }
        var chunks: [Int: ChunkState] = [:]
        for leaf in node.leaves {
            chunks[leaf.leafIndex] = try decodeColumnChunk(rowGroup.columns[leaf.leafIndex], leaf: leaf, rows: rows, scratch: scratch)
        }
        return try LevelAssembler(chunks: chunks, path: path).assemble(node)
    }

    private func decodeColumnChunk(
        _ chunk: ColumnChunk, leaf: ParquetLeafColumn, rows: Int, flat: Bool = false, scratch: ReadScratch
    ) throws(ParquetReadError) -> ChunkState {
        func corrupt(_ message: String) -> ParquetReadError {
            ParquetReadError(kind: .corruptMetadata, path: path, column: leaf.name, message: message)
        }
        guard chunk.filePath == nil else { throw corrupt("the column chunk is in another file ('\(chunk.filePath!)')") }
        guard let meta = chunk.metaData else { throw corrupt("the column chunk has no metadata (encrypted column?)") }
        guard meta.type == leaf.physicalType else {
            throw corrupt("the column chunk's type \(meta.type) differs from the schema's \(leaf.physicalType)")
        }
        // The first page: the dictionary page when there is one. Some writers store 0 (or another
        // bogus value) for "none"; a dictionary offset must precede the data pages.
        var start = meta.dataPageOffset
        if let dictionaryOffset = meta.dictionaryPageOffset, dictionaryOffset >= 4, dictionaryOffset < meta.dataPageOffset {
            start = dictionaryOffset
        }
        guard PageCompression.canDecompress(meta.codec) else {
            throw ParquetReadError(kind: .unsupported, path: path, column: leaf.name,
                                   message: "the \(meta.codec.name) codec is not supported (only SNAPPY, GZIP, ZSTD, LZ4 and LZ4_RAW are)")
        }
        if rows == 0 { return ChunkState(column: leaf, metadata: meta, rowCount: 0, fileOffset: Int(start)) }
        var length = meta.totalCompressedSize
        guard start >= 4, start < Int64(footerStart) else {
            throw corrupt("the column chunk starts at byte \(start), outside the data section (4..<\(footerStart))")
        }
        guard length > 0, length <= Int64(footerStart) - start else {
            throw corrupt("the column chunk at byte \(start) claims \(length) bytes, past the data section ending at \(footerStart)")
        }
        if Self.undercountsDictionaryHeader(metadata.createdBy) {
            // parquet-mr up to 1.2.8 left the dictionary page header out of the chunk size
            // (PARQUET-816); allow for it as parquet-cpp does, within the data section.
            length += min(100, Int64(footerStart) - start - length)
        }
        let bytes = scratch.chunk.bytes(Int(length))
        try Self.readBytes(descriptor, path: path, offset: Int(start), into: bytes)
        do throws(ParquetReadError) {
            return try ColumnChunkReader.decode(chunk: UnsafeRawBufferPointer(bytes), fileOffset: Int(start), column: leaf, metadata: meta,
                                                rowCount: rows, flat: flat, scratch: scratch.pages)
        } catch {
            throw error.inFile(path)
        }
    }

    /// Whether `createdBy` names parquet-mr older than 1.2.9 (a bare "parquet-mr" counts as old).
    static func undercountsDictionaryHeader(_ createdBy: String?) -> Bool {
        guard let createdBy else { return false }
        let words = createdBy.split(separator: " ")
        guard words.first == "parquet-mr" else { return false }
        guard words.count >= 3, words[1] == "version" else { return true }
        let numbers = words[2].split(whereSeparator: { !$0.isNumber }).prefix(3).map { Int($0) ?? 0 }
        let padded = numbers + Array(repeating: 0, count: max(0, 3 - numbers.count))
        return padded.lexicographicallyPrecedes([1, 2, 9])
    }

    private static func readBytes(_ fd: Int32, path: String, offset: Int, count: Int) throws(ParquetReadError) -> [UInt8] {
        var failure: ParquetReadError?
        // The bytes are only kept once pread has filled every one of them.
        let bytes = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            do throws(ParquetReadError) {
                try readBytes(fd, path: path, offset: offset, into: UnsafeMutableRawBufferPointer(buffer))
                initialized = count
            } catch {
                failure = error
                initialized = 0
            }
        }
        if let failure { throw failure }
        return bytes
    }

    /// Fills `buffer` with the file's bytes from `offset` on.
    private static func readBytes(_ fd: Int32, path: String, offset: Int, into buffer: UnsafeMutableRawBufferPointer) throws(ParquetReadError) {
        let count = buffer.count
        var done = 0
        while done < count {
            let n = pread(fd, buffer.baseAddress! + done, count - done, off_t(offset + done))
            if n < 0 {
                if errno == EINTR { continue }
                throw ParquetReadError(kind: .io, path: path, offset: offset + done, message: "read failed: \(errnoText())")
            }
            if n == 0 {
                throw ParquetReadError(kind: .io, path: path, offset: offset + done, message: "unexpected end of file")
            }
            done += n
        }
    }

    private static func errnoText() -> String {
        String(cString: strerror(errno))
    }
}

/// What one reading thread reuses from one column chunk to the next: memory for the chunk's bytes
/// and for its decompressed pages.
final class ReadScratch {
    let chunk = ScratchMemory()
    let pages = ScratchMemory()
}
