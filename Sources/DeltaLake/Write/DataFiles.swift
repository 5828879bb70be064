#if canImport(Glibc)
import Glibc
#endif
import Columnar
import Dispatch
import Parquet
import Synchronization

/// Writes rows (already in the table's schema) as Parquet data files: one directory per
/// partition value combination (Hive-style, Spark's escaping), files cut at `maxRowsPerFile`,
/// each with its `add` action and statistics.
struct DataFileWriter: Sendable {
    let storage: any DeltaStorage
    let fields: [DeltaField]
    let partitionColumns: [String]
    let columnMapping: Bool
    let options: WriteOptions
    /// Leaf columns indexed for statistics (`delta.dataSkippingNumIndexedCols`).
    let indexedColumns: Int

    /// A writer for a table with `fields` and `configuration` (column mapping and the number of
    /// indexed columns come from the table's properties).
    init(storage: any DeltaStorage, fields: [DeltaField], partitionColumns: [String], configuration: [String: String],
         options: WriteOptions = WriteOptions()) {
        self.storage = storage
        self.fields = fields
        self.partitionColumns = partitionColumns
        self.columnMapping = (configuration["delta.columnMapping.mode"] ?? "none") != "none"
        self.options = options
        self.indexedColumns = Int(configuration["delta.dataSkippingNumIndexedCols"] ?? "") ?? 32
    }

    /// The `add` actions of the files written for `batch`; the files are on disk when it returns.
    func write(_ batch: RecordBatch, written: inout [String]) throws(DeltaError) -> [AddFile] {
        guard batch.rowCount > 0 else { return [] }
        let partitionIndices = partitionColumns.compactMap { name in batch.schema.fields.firstIndex { $0.name == name } }
        let dataIndices = batch.schema.fields.indices.filter { !partitionIndices.contains($0) }
        // Group rows by their partition values (in first-seen order); consecutive rows with the
        // same values (data sorted by partition) cost one comparison each.
        var groups: [[ScalarValue]: [Int]] = [:]
        var order: [[ScalarValue]] = []
        if partitionIndices.isEmpty {
            groups[[]] = Array(0 ..< batch.rowCount)
            order = [[]]
        } else {
            let columns = partitionIndices.map { batch.columns[$0] }
            var previous: [ScalarValue] = []
            var run: [Int] = []
            func flush() {
                guard !run.isEmpty else { return }
                if groups[previous] == nil { order.append(previous) }
                groups[previous, default: []].append(contentsOf: run)
                run.removeAll(keepingCapacity: true)
            }
            for row in 0 ..< batch.rowCount {
                let key = columns.map { $0.value(at: row) }
                if key != previous { flush(); previous = key }
                run.append(row)
            }
            flush()
        }
        // One job per file: a partition's rows, cut at maxRowsPerFile.
        var jobs: [(rows: [Int], partition: [String?])] = []
        for values in order {
            let rows = groups[values]!
            let key = values.map(PartitionPaths.logText)
            var start = 0
            while start < rows.count {
                let end = min(rows.count, start + options.maxRowsPerFile)
                jobs.append((Array(rows[start ..< end]), key))
                start = end
            }
        }
        // Many small files (one per partition) go faster written side by side, each on one
        // thread; a single big file uses the writer's own threads.
        let parallel = jobs.count > 1
        let results = Mutex<[Result<AddFile, DeltaError>?]>(Array(repeating: nil, count: jobs.count))
        let fileJobs = jobs
        let work: @Sendable (Int) -> Void = { index in
            let job = fileJobs[index]
            do throws(DeltaError) {
                let part: RecordBatch
                do throws(ColumnarError) {
                    part = try batch.take(job.rows)
                } catch {
                    throw DeltaError(.invalidRequest, table: storage.root, "cannot split the rows by partition: \(error)")
                }
                let add = try writeFile(part, dataIndices: dataIndices, partition: job.partition, singleThreaded: parallel)
                results.withLock { $0[index] = .success(add) }
            } catch {
                results.withLock { $0[index] = .failure(error) }
            }
        }
        if parallel {
            DispatchQueue.concurrentPerform(iterations: jobs.count, execute: work)
        } else {
            for index in jobs.indices { work(index) }
        }
        var adds: [AddFile] = []
        var firstError: DeltaError?
        for result in results.withLock({ $0 }) {
            switch result {
            case .success(let add)?:
                written.append(DeltaPath.decode(add.path))
                adds.append(add)
            case .failure(let error)?: if firstError == nil { firstError = error }
            case nil: break
            }
        }
        if let firstError { throw firstError }
        return adds
    }

    private func writeFile(_ batch: RecordBatch, dataIndices: [Int], partition: [String?], singleThreaded: Bool) throws(DeltaError) -> AddFile {
        var directory = ""
        var values: [String: String?] = [:]
        for (name, value) in zip(partitionColumns, partition) {
            let stored = storedName(name)
            directory += PartitionPaths.directory(column: stored, value: value) + "/"
            values[stored] = .some(value)
        }
        let relative = directory + "part-00000-\(UUIDv4.make())-c000.\(Self.codecSuffix(options.parquet.compression))parquet"
        if !directory.isEmpty { try storage.makeDirectories(String(directory.dropLast())) }
        let names = dataIndices.map { storedName(batch.schema.fields[$0].name) }
        let columns = dataIndices.map { batch.columns[$0] }
        let schema = Schema(zip(names, dataIndices).map { name, index in
            let field = batch.schema.fields[index]
            return Field(name, field.type, nullable: field.nullable)
        })
        let path = storage.localPath(relative)
        do throws(ParquetWriteError) {
            var parquet = options.parquet
            parquet.rowGroupRows = min(parquet.rowGroupRows, max(1, batch.rowCount))
            parquet.syncOnClose = false  // synced together before the commit
            if singleThreaded { parquet.threads = 1 }
            let writer = try ParquetFileWriter(path: path, schema: schema, options: parquet)
            let data: RecordBatch
            do throws(ColumnarError) {
                data = try RecordBatch(schema: schema, columns: columns, rowCount: batch.rowCount)
            } catch {
                throw ParquetWriteError(path: path, message: "\(error)")
            }
            try writer.write(data)
            try writer.close()
        } catch {
            throw DeltaError(.io, table: storage.root, location: relative, "cannot write the data file: \(error.message)")
        }
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw DeltaError(.io, table: storage.root, location: relative, "cannot stat the data file just written: \(String(cString: strerror(errno)))")
        }
        let size = Int64(info.st_size)
        let stats = FileStatistics.json(names: names, columns: columns, rows: batch.rowCount, indexedColumns: indexedColumns)
        return AddFile(path: PartitionPaths.uriEncode(relative), partitionValues: values, size: size, modificationTime: Clock.millis(),
                       dataChange: true, stats: stats, tags: nil, deletionVector: nil, baseRowId: nil, defaultRowCommitVersion: nil,
                       clusteringProvider: nil)
    }

    func storedName(_ logical: String) -> String {
        DeltaField.storedName(logical, in: fields, columnMapping: columnMapping)
    }

    static func codecSuffix(_ codec: PageCodec) -> String {
        switch codec {
        case .snappy: "snappy."
        case .zstd: "zstd."
        case .gzip: "gz."
        default: ""
        }
    }
}

/// Random (version 4) UUIDs for file names and table ids.
enum UUIDv4 {
    static func make() -> String {
        var bytes = (0 ..< 16).map { _ in UInt8.random(in: 0 ... 255) }
        bytes[6] = bytes[6] & 0x0F | 0x40
        bytes[8] = bytes[8] & 0x3F | 0x80
        return DeletionVectorLoader.uuidText(bytes)
    }
}

/// Wall-clock time for commit timestamps and file modification times.
enum Clock {
    static func millis() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Int64(now.tv_sec) * 1000 + Int64(now.tv_nsec) / 1_000_000
    }
}
