#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Columnar
import Dispatch
import Synchronization

/// Reads a Parquet file into Columnar record batches, one row group at a time.
///
/// The file is opened once and read with `pread`: first the footer (the file's tail), then one
/// column chunk at a time per reading thread into memory kept for the next chunk, so memory stays
/// bounded by the largest chunk per thread plus the decoded row groups asked for. Values are
/// decoded straight into the memory the columns keep. Nested columns (structs, lists, maps) are
/// rebuilt from their leaves' levels. A column whose schema cannot be read fails with
/// `ParquetReadError.Kind.unsupported` when asked for; the file's other columns stay readable.
///
/// The columns of the row groups asked for are decoded on up to `threadCount` threads at once (the
/// calling thread included; 1 for none other); the reader itself is not thread-safe: use one
/// reader per thread.
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
    /// What the column-reading threads share.
    private let source: ColumnChunkSource
    /// Memory reused from one column chunk to the next, one per reading thread.
    private var scratches: [ReadScratch] = []

    /// How many threads decode columns at once; 1 keeps all the work on the calling thread.
    /// Defaults to the number of online processors.
    public var threadCount: Int = ParquetFileReader.processorCount

    /// The number of online processors (at least 1).
    public static var processorCount: Int { max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))) }

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
            self.source = ColumnChunkSource(
                path: path, descriptor: fd, footerStart: footerStart,
                undercountsDictionaryHeader: Self.undercountsDictionaryHeader(metadata.createdBy))
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
        try readRowGroups([index], columns: columns)[0]
    }

    /// Reads row groups `indices` in that order (see `readRowGroup(_:columns:)`), decoding all
    /// their columns on up to `threadCount` threads at once. What is thrown is what reading them
    /// one after the other would throw first.
    public func readRowGroups(_ indices: [Int], columns: [String]? = nil) throws(ParquetReadError) -> [RecordBatch] {
        guard let first = indices.first else { return [] }
        try checkIndex(first)
        let selected = try selectColumns(columns)
        let plans = indices.map { index in Result { () throws(ParquetReadError) in try checkRowGroup(index) } }
        var tasks: [ColumnTask] = []
        for case .success(let group) in plans {
            for node in selected { tasks.append(ColumnTask(node: node, rowGroup: group.rowGroup, rows: group.rows)) }
        }
        let results = readColumns(tasks)
        var batches: [RecordBatch] = []
        var next = 0
        for (index, plan) in zip(indices, plans) {
            let rows = try plan.get().rows
            var columns: [Column] = []
            for _ in selected {
                guard let result = results[next] else {
                    throw ParquetReadError(kind: .invalidRequest, path: path, message: "row group \(index) was not read")
                }
                columns.append(try result.get())
                next += 1
            }
            do throws(ColumnarError) {
                batches.append(try RecordBatch(schema: Schema(selected.map(\.field)), columns: columns, rowCount: rows))
            } catch {
                throw ParquetReadError(kind: .corruptMetadata, path: path, message: "cannot assemble row group \(index): \(error)")
            }
        }
        return batches
    }

    private func checkIndex(_ index: Int) throws(ParquetReadError) {
        guard index >= 0, index < metadata.rowGroups.count else {
            throw ParquetReadError(
                kind: .invalidRequest, path: path,
                message: "row group \(index) does not exist (the file has \(metadata.rowGroups.count))")
        }
    }

    /// Row group `index` and its row count, once its metadata is checked.
    private func checkRowGroup(_ index: Int) throws(ParquetReadError) -> (rowGroup: RowGroup, rows: Int) {
        try checkIndex(index)
        let rowGroup = metadata.rowGroups[index]
        guard rowGroup.numRows >= 0, rowGroup.numRows <= Int64(Int32.max) else {
            throw ParquetReadError(kind: .corruptMetadata, path: path, message: "row group \(index) claims \(rowGroup.numRows) rows")
        }
        guard rowGroup.columns.count == mapping.leafCount else {
            throw ParquetReadError(
                kind: .corruptMetadata, path: path,
                message: "row group \(index) has \(rowGroup.columns.count) column chunks but the schema has \(mapping.leafCount) leaf columns")
        }
        return (rowGroup, Int(rowGroup.numRows))
    }

    /// One column of one row group to read.
    private struct ColumnTask: Sendable {
        let node: ParquetColumnNode
        let rowGroup: RowGroup
        let rows: Int

        /// The compressed bytes of the column's chunks, to start the largest first.
        var cost: Int64 {
            node.leaves.reduce(0) { total, leaf in
                let size = leaf.leafIndex < rowGroup.columns.count ? rowGroup.columns[leaf.leafIndex].metaData?.totalCompressedSize ?? 0 : 0
                return total &+ max(0, size)
            }
        }
    }

    /// Reads `tasks` on up to `threadCount` threads: each takes the next task not yet taken,
    /// largest first. On one thread they run in order and stop at the first error (the later
    /// results stay nil).
    private func readColumns(_ tasks: [ColumnTask]) -> [Result<Column, ParquetReadError>?] {
        let workers = max(1, min(threadCount, tasks.count))
        while scratches.count < workers { scratches.append(ReadScratch()) }
        let source = self.source
        let scratches = self.scratches
        if workers == 1 {
            var results: [Result<Column, ParquetReadError>?] = Array(repeating: nil, count: tasks.count)
            for (i, task) in tasks.enumerated() {
                let result = Result { () throws(ParquetReadError) -> Column in
                    try source.readColumn(task.node, rowGroup: task.rowGroup, rows: task.rows, scratch: scratches[0])
                }
                results[i] = result
                if case .failure = result { break }
            }
            return results
        }
        let order = tasks.indices.sorted { tasks[$0].cost > tasks[$1].cost }
        let slots = UnsafeMutableBufferPointer<Result<Column, ParquetReadError>?>.allocate(capacity: tasks.count)
        slots.initialize(repeating: nil)
        defer {
            _ = slots.deinitialize()
            slots.deallocate()
        }
        let shared = ResultSlots(buffer: slots)
        let next = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            while true {
                let taken = next.add(1, ordering: .relaxed).oldValue
                guard taken < order.count else { return }
                let task = tasks[order[taken]]
                shared.buffer[order[taken]] = Result { () throws(ParquetReadError) -> Column in
                    try source.readColumn(task.node, rowGroup: task.rowGroup, rows: task.rows, scratch: scratches[worker])
                }
            }
        }
        return Array(slots)
    }

    /// Reads every row group (see `readRowGroups(_:columns:)`).
    public func readAll(columns: [String]? = nil) throws(ParquetReadError) -> [RecordBatch] {
        try readRowGroups(Array(0 ..< rowGroupCount), columns: columns)
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
    static func readBytes(_ fd: Int32, path: String, offset: Int, into buffer: UnsafeMutableRawBufferPointer) throws(ParquetReadError) {
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

    static func errnoText() -> String {
        String(cString: strerror(errno))
    }
}

/// The result slots of one row group's columns: each thread writes only the slots of the columns it
/// took, and they are read once every thread is done.
private struct ResultSlots: @unchecked Sendable {
    let buffer: UnsafeMutableBufferPointer<Result<Column, ParquetReadError>?>
}
