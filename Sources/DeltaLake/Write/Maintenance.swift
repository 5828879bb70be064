#if canImport(Glibc)
import Glibc
#endif
import Columnar
import Dispatch
import Synchronization

/// What VACUUM found (and deleted, unless it was a dry run).
public struct VacuumResult: Sendable {
    /// Files no longer referenced and older than the retention, relative to the table root.
    public var files: [String]
    public var bytes: Int64
    public var dryRun: Bool
}

extension DeltaTable {
    /// Compacts each partition's small files into files of up to `targetRows` rows (`dataChange`
    /// false, so readers of the change feed see no change); with `zOrderBy`, rewrites each
    /// partition's files sorted along a Z-order curve of those columns so data skipping works on
    /// all of them at once.
    @discardableResult
    public func optimize(zOrderBy: [String] = [], targetRows: Int = 4 << 20, minFileRows: Int = 1 << 20) throws(DeltaError) -> CommitResult {
        let snapshot = try snapshot()
        try snapshot.checkWritable()
        for column in zOrderBy {
            guard snapshot.fields.contains(where: { $0.name == column }) else {
                throw DeltaError(.invalidRequest, table: storage.root, "Z-order column '\(column)' is not a column of the table")
            }
            if snapshot.partitionColumns.contains(column) {
                throw DeltaError(.invalidRequest, table: storage.root, "Z-order column '\(column)' is a partition column")
            }
        }
        // Files per partition; a partition is rewritten when it has two or more small files (any
        // files at all under Z-ordering).
        var partitions: [[String: String?]: [AddFile]] = [:]
        for file in snapshot.files { partitions[file.partitionValues, default: []].append(file) }
        var removes: [RemoveFile] = []
        var groups: [[AddFile]] = []
        let now = Clock.millis()
        for (_, files) in partitions.sorted(by: { $0.value[0].path < $1.value[0].path }) {
            // Small files, and files whose deletion vectors hide rows (rewriting purges them).
            let candidates = zOrderBy.isEmpty ? files.filter { ($0.numRecords ?? 0) < minFileRows || $0.deletionVector != nil } : files
            guard zOrderBy.isEmpty ? candidates.count >= 2 : !candidates.isEmpty else { continue }
            groups.append(candidates)
            for file in candidates {
                var removal = file.removal(at: now)
                removal.dataChange = false
                removes.append(removal)
            }
        }
        guard !removes.isEmpty else { return CommitResult(version: nil, skipped: "nothing to compact") }
        // The files are read side by side (most are small), then each partition's rows are combined.
        let contents = try readConcurrently(groups.flatMap { $0 }, scan: TableScan(snapshot: snapshot))
        var output: [RecordBatch] = []
        var next = 0
        for files in groups {
            let rows = contents[next ..< next + files.count].flatMap { $0 }
            next += files.count
            do throws(ColumnarError) {
                let merged = rows.isEmpty ? nil : try RecordBatch.concatenate(Array(rows))
                if let merged, merged.rowCount > 0 {
                    output.append(zOrderBy.isEmpty ? merged : try merged.take(ZOrder.permutation(merged, columns: zOrderBy)))
                }
            } catch {
                throw DeltaError(.invalidRequest, table: storage.root, "OPTIMIZE cannot combine the files of a partition: \(error)")
            }
        }
        var options = WriteOptions()
        options.maxRowsPerFile = targetRows
        let configuration = snapshot.metadata.configuration
        let writer = DataFileWriter(storage: storage, fields: snapshot.fields, partitionColumns: snapshot.partitionColumns,
                                    configuration: configuration, options: options)
        var written: [String] = []
        var adds: [AddFile] = []
        do throws(DeltaError) {
            // All partitions in one call, so their files are written side by side.
            let combined: RecordBatch?
            do throws(ColumnarError) {
                combined = output.count > 1 ? try RecordBatch.concatenate(output) : output.first
            } catch {
                throw DeltaError(.invalidRequest, table: storage.root, "OPTIMIZE cannot combine the partitions' rows: \(error)")
            }
            if let combined { adds = try writer.write(combined, written: &written) }
        } catch {
            for path in written { try? storage.delete(path) }
            throw error
        }
        adds = adds.map { add in
            var copy = add
            copy.dataChange = false
            return copy
        }
        let parameters: [(key: String, value: JSONNode)] = [("predicate", .string("[]")),
                                                             ("zOrderBy", .string(JSONNode.array(zOrderBy.map(JSONNode.string)).text))]
        let metrics: [(key: String, value: JSONNode)] = [("numRemovedFiles", .string(String(removes.count))), ("numAddedFiles", .string(String(adds.count)))]
        let actions: [DeltaAction] = [.commitInfo(CommitInfoBuilder.make(operation: "OPTIMIZE", parameters: parameters, readVersion: snapshot.version,
                                                                         blindAppend: false, metrics: metrics, custom: commitMetadata))]
            + removes.map(DeltaAction.remove) + adds.map(DeltaAction.add)
        // Concurrent appends do not conflict with a compaction; a concurrent delete of a file it read does.
        let scope = ReadScope(blindAppend: true, predicate: nil, readFiles: Set(removes.map { DeltaPath.decode($0.path) }))
        let (version, warnings) = try commitWritten(actions, readVersion: snapshot.version, scope: scope, snapshot: snapshot, written: written,
                                                    configuration: configuration)
        return CommitResult(version: version, addedFiles: adds.count, removedFiles: removes.count, rows: output.reduce(0) { $0 + $1.rowCount },
                            warnings: warnings)
    }

    /// The rows of each of `files` (in order), read on all cores.
    private func readConcurrently(_ files: [AddFile], scan: TableScan) throws(DeltaError) -> [[RecordBatch]] {
        let results = Mutex<[Result<[RecordBatch], DeltaError>?]>(Array(repeating: nil, count: files.count))
        let storage = storage
        DispatchQueue.concurrentPerform(iterations: files.count) { index in
            let result: Result<[RecordBatch], DeltaError>
            do throws(DeltaError) {
                result = .success(try scan.read(files[index], storage: storage))
            } catch {
                result = .failure(error)
            }
            results.withLock { $0[index] = result }
        }
        var contents: [[RecordBatch]] = []
        for result in results.withLock({ $0 }) {
            switch result {
            case .success(let batches)?: contents.append(batches)
            case .failure(let error)?: throw error
            case nil: throw DeltaError(.io, table: storage.root, "a data file was not read")
            }
        }
        return contents
    }

    /// Deletes data files no version within the retention needs: not live, not a tombstone younger
    /// than the retention, and not modified within it. Retention below the table's
    /// `delta.deletedFileRetentionDuration` (7 days by default) is refused unless `force`.
    public func vacuum(retentionHours: Double? = nil, dryRun: Bool = false, force: Bool = false) throws(DeltaError) -> VacuumResult {
        let snapshot = try snapshot()
        let configured = Checkpointer.retentionMillis(snapshot.metadata.configuration["delta.deletedFileRetentionDuration"]) ?? 7 * 86_400_000
        if let hours = retentionHours, !(hours.isFinite && hours >= 0 && hours < 1e9) {
            throw DeltaError(.invalidRequest, table: storage.root, "the retention must be a number of hours between 0 and 1e9")
        }
        let retention = retentionHours.map { Int64($0 * 3_600_000) } ?? configured
        guard retention >= 0 else { throw DeltaError(.invalidRequest, table: storage.root, "the retention must not be negative") }
        if retention < configured && !force {
            throw DeltaError(.invalidRequest, table: storage.root,
                             "a retention of \(Double(retention) / 3_600_000) hours is below the table's \(Double(configured) / 3_600_000) hours; concurrent readers and time travel could lose files (pass force to do it anyway)")
        }
        let horizon = Clock.millis() &- min(retention, Int64.max / 2)
        var keep = Set(snapshot.files.map { DeltaPath.decode($0.path) })
        for (key, remove) in snapshot.state.tombstones where (remove.deletionTimestamp ?? 0) > horizon { keep.insert(key.path) }
        // Deletion vectors of live files and of tombstones still inside the retention.
        let recentTombstones = snapshot.state.tombstones.values.filter { ($0.deletionTimestamp ?? 0) > horizon }.compactMap(\.deletionVector)
        for dv in snapshot.files.compactMap(\.deletionVector) + recentTombstones {
            if let path = DeletionVectorLoader.relativePath(dv) { keep.insert(path) }
        }
        var candidates: [(String, StoredFile)] = []
        try collectFiles("", into: &candidates)
        var result = VacuumResult(files: [], bytes: 0, dryRun: dryRun)
        for (path, file) in candidates.sorted(by: { $0.0 < $1.0 }) where !keep.contains(path) && file.modificationTime < horizon {
            result.files.append(path)
            result.bytes += file.size
            if !dryRun { try storage.delete(path) }
        }
        return result
    }

    /// Every file below `directory`, skipping `_delta_log` and hidden (`.`/`_`-prefixed) entries.
    private func collectFiles(_ directory: String, into files: inout [(String, StoredFile)]) throws(DeltaError) {
        let base = storage.localPath(directory)
        guard let handle = opendir(base) else { return }
        defer { closedir(handle) }
        var subdirectories: [String] = []
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name.hasPrefix(".") || name.hasPrefix("_") { continue }
            let relative = directory.isEmpty ? name : directory + "/" + name
            var info = stat()
            guard stat(base + "/" + name, &info) == 0 else { continue }
            if (info.st_mode & S_IFMT) == S_IFDIR {
                subdirectories.append(relative)
            } else if (info.st_mode & S_IFMT) == S_IFREG {
                let millis = Int64(info.st_mtim.tv_sec) * 1000 + Int64(info.st_mtim.tv_nsec) / 1_000_000
                files.append((relative, StoredFile(name: name, size: Int64(info.st_size), modificationTime: millis)))
            }
        }
        for subdirectory in subdirectories { try collectFiles(subdirectory, into: &files) }
    }

    /// Makes the latest version's files those of `version` again (a new commit; history is kept).
    @discardableResult
    public func restore(version: Int64) throws(DeltaError) -> CommitResult {
        let current = try snapshot()
        try current.checkWritable()
        let target = try snapshot(version: version)
        guard version < current.version else {
            throw DeltaError(.invalidRequest, table: storage.root, "version \(version) is not before the latest (\(current.version))")
        }
        let now = Clock.millis()
        let targetKeys = Set(target.state.files.keys)
        let currentKeys = Set(current.state.files.keys)
        var adds: [AddFile] = []
        for key in targetKeys.subtracting(currentKeys).sorted(by: { $0.path < $1.path }) {
            var add = target.state.files[key]!
            var info = stat()
            guard stat(storage.localPath(key.path), &info) == 0 else {
                throw DeltaError(.invalidRequest, table: storage.root, location: key.path,
                                 "version \(version) needs this data file, which is gone (vacuumed?)")
            }
            add.dataChange = true
            add.modificationTime = now
            adds.append(add)
        }
        let removes = currentKeys.subtracting(targetKeys).sorted(by: { $0.path < $1.path }).map { current.state.files[$0]!.removal(at: now) }
        var actions: [DeltaAction] = [.commitInfo(CommitInfoBuilder.make(
            operation: "RESTORE", parameters: [("version", .string(String(version)))], readVersion: current.version, blindAppend: false,
            metrics: [("numRemovedFiles", .string(String(removes.count))), ("numRestoredFiles", .string(String(adds.count)))], custom: commitMetadata))]
        if target.metadata != current.metadata {
            var metadata = target.metadata
            metadata.id = current.metadata.id
            actions.append(.metadata(metadata))
        }
        actions += removes.map(DeltaAction.remove) + adds.map(DeltaAction.add)
        let scope = ReadScope(blindAppend: false, predicate: nil, readFiles: Set(currentKeys.map(\.path)))
        let (committed, warnings) = try commitWritten(actions, readVersion: current.version, scope: scope, snapshot: current, written: [],
                                                      configuration: current.metadata.configuration)
        return CommitResult(version: committed, addedFiles: adds.count, removedFiles: removes.count, warnings: warnings)
    }
}

/// Z-order (Morton) sorting: rows ordered by interleaving the bits of each column's rank.
enum ZOrder {
    /// The row order of `batch` along the Z-curve of `columns` (nulls rank first).
    static func permutation(_ batch: RecordBatch, columns: [String]) -> [Int] {
        let n = batch.rowCount
        guard n > 1 else { return Array(0 ..< n) }
        // Each column's rank of every row, scaled to 21 bits (three columns fit 63 bits).
        let bits = max(1, min(21, 63 / max(1, columns.count)))
        var ranks: [[UInt64]] = []
        for name in columns {
            guard let column = batch.column(named: name) else { continue }
            let values = (0 ..< n).map { column.value(at: $0) }
            let order = (0 ..< n).sorted { a, b in
                let x = values[a], y = values[b]
                if x.isNull != y.isNull { return x.isNull }
                return (Expression.order(x, y) ?? 0) < 0
            }
            var rank = [UInt64](repeating: 0, count: n)
            let scale = Double((1 << bits) - 1) / Double(max(1, n - 1))
            for (position, row) in order.enumerated() { rank[row] = UInt64(Double(position) * scale) }
            ranks.append(rank)
        }
        var keys = [UInt64](repeating: 0, count: n)
        for row in 0 ..< n {
            var key: UInt64 = 0
            for bit in stride(from: bits - 1, through: 0, by: -1) {
                for rank in ranks { key = key << 1 | (rank[row] >> UInt64(bit) & 1) }
            }
            keys[row] = key
        }
        return (0 ..< n).sorted { keys[$0] < keys[$1] || (keys[$0] == keys[$1] && $0 < $1) }
    }
}
