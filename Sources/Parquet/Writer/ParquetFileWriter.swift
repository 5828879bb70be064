import Columnar
import CSluiceSystem
#if canImport(Glibc)
import Glibc
#endif

/// Writes record batches to a Parquet file, one row group at a time (bounded memory). Nested
/// fields (struct, list, map) are written in the standard layouts pyarrow writes. The file
/// appears at its path only when `close()` succeeds: until then it is a temporary file beside it,
/// so a failed or interrupted write never leaves a half-written file behind.
public final class ParquetFileWriter {
    public let path: String
    public let schema: Schema
    public let options: ParquetWriterOptions
    /// One plan per top-level field: its schema elements and leaf columns.
    private let plans: [FieldPlan]
    private let temporaryPath: String
    private var fd: Int32
    private var offset = 0
    private var pending: [RecordBatch] = []
    private var pendingRows = 0
    private var pendingBytes = 0
    private var rowGroups: [RowGroup] = []
    private var totalRows: Int64 = 0
    private var closed = false
    /// Buffers reused from one column chunk to the next.
    private let pool = BufferPool()

    public init(path: String, schema: Schema, options: ParquetWriterOptions = ParquetWriterOptions()) throws(ParquetWriteError) {
        guard options.pageVersion == 1 || options.pageVersion == 2 else {
            throw ParquetWriteError(path: path, message: "page version must be 1 or 2, not \(options.pageVersion)")
        }
        guard options.rowGroupBytes.map({ $0 > 0 }) ?? true else {
            throw ParquetWriteError(path: path, message: "row group bytes must be positive")
        }
        guard options.rowGroupRows > 0, options.dataPageSize > 0 else {
            throw ParquetWriteError(path: path, message: "row group rows and data page size must be positive")
        }
        guard options.threads >= 0 else {
            throw ParquetWriteError(path: path, message: "threads must be 0 (one per processor) or more, not \(options.threads)")
        }
        self.path = path
        self.schema = schema
        self.options = options
        var plans: [FieldPlan] = []
        for field in schema.fields { plans.append(try FieldPlan.make(field, path: path)) }
        self.plans = plans
        temporaryPath = path + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        fd = open(temporaryPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw ParquetWriteError(path: path, message: "cannot create \(temporaryPath): \(String(cString: strerror(errno)))")
        }
        try writeBytes(Array("PAR1".utf8))
    }

    deinit {
        if !closed {
            Glibc.close(fd)
            unlink(temporaryPath)
        }
    }

    /// Adds rows; full row groups are encoded and written as soon as they fill.
    public func write(_ batch: RecordBatch) throws(ParquetWriteError) {
        guard !closed else { throw ParquetWriteError(path: path, message: "the writer is closed") }
        guard batch.schema.hasSameFields(as: schema) else {
            throw ParquetWriteError(path: path, message: "a batch's schema differs from the file's")
        }
        var rest = batch
        // Uncompressed size per row, for cutting row groups by size.
        let bytesPerRow = batch.rowCount == 0 ? 0 : max(1, batch.columns.reduce(0) { $0 + $1.estimatedByteCount } / batch.rowCount)
        while rest.rowCount > 0 {
            var take = min(rest.rowCount, options.rowGroupRows - pendingRows)
            if let limit = options.rowGroupBytes {
                take = min(take, max(1, (limit - pendingBytes) / bytesPerRow))
            }
            pending.append(take == rest.rowCount ? rest : rest.slice(offset: 0, count: take))
            pendingRows += take
            pendingBytes += take * bytesPerRow
            rest = rest.slice(offset: take, count: rest.rowCount - take)
            if pendingRows == options.rowGroupRows || options.rowGroupBytes.map({ pendingBytes >= $0 }) == true { try flushRowGroup() }
        }
    }

    /// Writes `batch` as one row group of its own (after any rows pending from `write`), whatever
    /// the row group options say: for callers whose batches are already row-group sized, this
    /// saves gathering rows from several batches into one group.
    public func writeRowGroup(_ batch: RecordBatch) throws(ParquetWriteError) {
        guard !closed else { throw ParquetWriteError(path: path, message: "the writer is closed") }
        guard batch.schema.hasSameFields(as: schema) else {
            throw ParquetWriteError(path: path, message: "a batch's schema differs from the file's")
        }
        guard batch.rowCount > 0 else { return }
        if pendingRows > 0 { try flushRowGroup() }
        pending = [batch]
        pendingRows = batch.rowCount
        try flushRowGroup()
    }

    /// Writes what is pending and the footer, then moves the file into place. Returns its metadata.
    @discardableResult
    public func close() throws(ParquetWriteError) -> FileMetaData {
        guard !closed else { throw ParquetWriteError(path: path, message: "the writer is already closed") }
        do throws(ParquetWriteError) {
            if pendingRows > 0 || rowGroups.isEmpty { try flushRowGroup() }
            let metadata = FileMetaData(
                version: 2, schema: schemaElements(), numRows: totalRows, rowGroups: rowGroups,
                keyValueMetadata: options.keyValueMetadata.isEmpty ? nil : options.keyValueMetadata.map { KeyValue(key: $0.key, value: $0.value) },
                createdBy: options.createdBy, columnOrders: Array(repeating: .typeDefinedOrder, count: plans.reduce(0) { $0 + $1.leaves.count }))
            try writeBytes(ParquetFooter.encode(metadata))
            guard !options.syncOnClose || fsync(fd) == 0 else { throw ParquetWriteError(path: path, message: "fsync failed: \(String(cString: strerror(errno)))") }
            Glibc.close(fd)
            closed = true
            guard rename(temporaryPath, path) == 0 else {
                let reason = String(cString: strerror(errno))
                unlink(temporaryPath)
                throw ParquetWriteError(path: path, message: "cannot move the finished file into place: \(reason)")
            }
            return metadata
        } catch {
            if !closed { Glibc.close(fd); closed = true }
            unlink(temporaryPath)
            throw error
        }
    }

    private func schemaElements() -> [SchemaElement] {
        [SchemaElement(name: "schema", numChildren: Int32(plans.count))] + plans.flatMap(\.elements)
    }

    private func flushRowGroup() throws(ParquetWriteError) {
        let rows = pendingRows
        var chunks: [ColumnChunk] = []
        var uncompressed: Int64 = 0
        var compressed: Int64 = 0
        let groupStart = offset
        var jobs: [ChunkPipeline.Job] = []
        for (i, field) in schema.fields.enumerated() {
            let column: Column
            if pending.isEmpty {
                column = makeColumnBuilder(for: field.type, capacity: 0).finish()
            } else if pending.count == 1 {
                column = pending[0].columns[i]
            } else {
                do { column = try Column.concatenate(pending.map { $0.columns[i] }) } catch {
                    throw ParquetWriteError(path: path, message: "column '\(field.name)': \(error)")
                }
            }
            for leaf in plans[i].leaves { jobs.append(ChunkPipeline.Job(column: column, leaf: leaf)) }
        }
        // Chunks are encoded concurrently (per options.threads) but written here one at a time, in order.
        try ChunkPipeline.run(jobs, options: options, path: path, pool: pool) { (encoded) throws(ParquetWriteError) in
            let start = self.offset
            try self.writeBytes(encoded.bytes)
            var metadata = encoded.metadata
            metadata.dataPageOffset = Int64(start + encoded.dataPageOffset)
            metadata.dictionaryPageOffset = encoded.dictionaryPageOffset.map { Int64(start + $0) }
            uncompressed += metadata.totalUncompressedSize
            compressed += metadata.totalCompressedSize
            chunks.append(ColumnChunk(fileOffset: Int64(start), metaData: metadata))
        }
        rowGroups.append(RowGroup(columns: chunks, totalByteSize: uncompressed, numRows: Int64(rows), fileOffset: Int64(groupStart),
                                  totalCompressedSize: compressed, ordinal: Int16(truncatingIfNeeded: rowGroups.count)))
        totalRows += Int64(rows)
        // The file is synced on close: start writing this row group to disk now, in the
        // background, so close has only the last one to wait for (a hint: errors show at fsync).
        if options.syncOnClose { _ = sluice_start_writeback(fd, Int64(groupStart), Int64(offset - groupStart)) }
        pending = []
        pendingRows = 0
        pendingBytes = 0
    }

    private func writeBytes(_ bytes: [UInt8]) throws(ParquetWriteError) {
        var written = 0
        let failure: String? = bytes.withUnsafeBytes { raw in
            while written < raw.count {
                let n = Glibc.write(fd, raw.baseAddress! + written, raw.count - written)
                if n < 0 {
                    if errno == EINTR { continue }
                    return String(cString: strerror(errno))
                }
                written += n
            }
            return nil
        }
        if let failure { throw ParquetWriteError(path: path, message: "write failed: \(failure)") }
        offset += bytes.count
    }
}
