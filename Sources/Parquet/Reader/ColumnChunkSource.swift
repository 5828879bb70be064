import Columnar

/// What reading a column chunk needs from its file (the open descriptor, read with `pread`, and
/// the bounds chunks must stay within): one value shared by the threads that read a row group's
/// columns at once.
struct ColumnChunkSource: Sendable {
    /// The file's path, for errors.
    let path: String
    /// The open file, owned by the `ParquetFileReader`.
    let descriptor: Int32
    /// Where the footer starts: column chunks must end before it.
    let footerStart: Int
    /// Whether the writer left dictionary page headers out of chunk sizes (PARQUET-816).
    let undercountsDictionaryHeader: Bool

    /// Reads a top-level column: a flat one straight from its chunk, a nested one by decoding
    /// each of its leaves and assembling them.
    func readColumn(_ node: ParquetColumnNode, rowGroup: RowGroup, rows: Int, scratch: ReadScratch) throws(ParquetReadError) -> Column {
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

    func decodeColumnChunk(
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
        if undercountsDictionaryHeader {
            // parquet-mr up to 1.2.8 left the dictionary page header out of the chunk size
            // (PARQUET-816); allow for it as parquet-cpp does, within the data section.
            length += min(100, Int64(footerStart) - start - length)
        }
        let bytes = scratch.chunk.bytes(Int(length))
        try ParquetFileReader.readBytes(descriptor, path: path, offset: Int(start), into: bytes)
        do throws(ParquetReadError) {
            return try ColumnChunkReader.decode(chunk: UnsafeRawBufferPointer(bytes), fileOffset: Int(start), column: leaf, metadata: meta,
                                                rowCount: rows, flat: flat, scratch: scratch.pages)
        } catch {
            throw error.inFile(path)
        }
    }

}

/// What one reading thread reuses from one column chunk to the next: memory for the chunk's bytes
/// and for its decompressed pages. Used by one thread at a time (each worker has its own).
final class ReadScratch: @unchecked Sendable {
    let chunk = ScratchMemory()
    let pages = ScratchMemory()
}
