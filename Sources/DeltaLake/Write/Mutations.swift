import Columnar

extension AddFile {
    /// The file's row count from its stats (`numRecords`), when recorded.
    public var numRecords: Int? {
        guard let stats, let node = try? JSONParser.parse(stats), let n = node["numRecords"]?.intValue else { return nil }
        return Int(n)
    }
}

/// What MERGE does with a target row whose keys match a source row.
public enum MergeMatchedAction: String, Sendable {
    case updateAll = "update-all", delete, ignore
    /// Update only the target rows that differ from their source row in some column (Spark's
    /// `whenMatchedUpdateAll(condition = "NOT (target <=> source)")`): a MERGE of rows already
    /// there rewrites no file and commits nothing.
    case updateChanged = "update-changed"
}

/// What MERGE does with a source row that matches no target row.
public enum MergeNotMatchedAction: String, Sendable {
    case insertAll = "insert-all", ignore
}

extension DeltaTable {
    /// Deletes the rows matching `predicate` (all rows when nil): files wholly matched are removed,
    /// partly matched ones rewritten without those rows.
    @discardableResult
    public func delete(where predicate: String?) throws(DeltaError) -> CommitResult {
        try retryingConflicts { () throws(DeltaError) in try deleteOnce(where: predicate) }
    }

    /// Runs `transaction` again (from a fresh snapshot) when a concurrent commit conflicts with
    /// it, up to `attempts` times; the last conflict is reported.
    func retryingConflicts(attempts: Int = 10, _ transaction: () throws(DeltaError) -> CommitResult) throws(DeltaError) -> CommitResult {
        var attempt = 1
        while true {
            do throws(DeltaError) {
                return try transaction()
            } catch {
                guard error.kind == .conflict, attempt < attempts else { throw error }
                attempt += 1
            }
        }
    }

    private func deleteOnce(where predicate: String?) throws(DeltaError) -> CommitResult {
        let snapshot = try snapshot()
        try snapshot.checkWritable()
        try Self.refuseIfAppendOnly(snapshot, operation: "DELETE")
        let expression = try predicate.map { text throws(DeltaError) in try Self.parsePredicate(text, schema: snapshot.schema, table: storage.root) }
        let selection = try FileSelection(snapshot: snapshot, storage: storage).select(expression ?? .constant(true))
        guard !selection.removed.isEmpty else { return CommitResult(version: nil, skipped: "no row matches") }
        let removedPaths = Set(selection.removed.map(\.path))
        let counts = snapshot.files.filter { removedPaths.contains($0.path) }.map(\.numRecords)
        let before: Int? = counts.contains(nil) ? nil : counts.reduce(0) { $0 + $1! }
        let kept = selection.kept.reduce(0) { $0 + $1.rowCount }
        let parameters: [(key: String, value: JSONNode)] = [("predicate", .string(JSONNode.array([.string(expression?.description ?? "true")]).text))]
        return try rewrite(snapshot: snapshot, removes: selection.removed, newRows: selection.kept, operation: "DELETE",
                           parameters: parameters, scope: ReadScope(blindAppend: false, predicate: expression,
                                                                   readFiles: Set(selection.removed.map { DeltaPath.decode($0.path) })),
                           metrics: [("numDeletedRows", before.map { String($0 - kept) } ?? ""), ("numCopiedRows", String(kept))])
    }

    /// Upserts `source` into the table on the key columns `on`: matched target rows are updated
    /// with the source row (or deleted, or left), unmatched source rows inserted (or dropped).
    /// Several source rows matching one target row is an error, as in Delta.
    @discardableResult
    public func merge(_ source: [RecordBatch], on keys: [String], whenMatched: MergeMatchedAction = .updateAll,
                      whenNotMatched: MergeNotMatchedAction = .insertAll) throws(DeltaError) -> CommitResult {
        try retryingConflicts { () throws(DeltaError) in
            try mergeOnce(source, on: keys, whenMatched: whenMatched, whenNotMatched: whenNotMatched)
        }
    }

    private func mergeOnce(_ source: [RecordBatch], on keys: [String], whenMatched: MergeMatchedAction,
                           whenNotMatched: MergeNotMatchedAction) throws(DeltaError) -> CommitResult {
        guard let snapshot = try latestSnapshotIfExists() else {
            throw DeltaError(.invalidRequest, table: storage.root, "MERGE needs an existing table")
        }
        try snapshot.checkWritable()
        if whenMatched != .ignore { try Self.refuseIfAppendOnly(snapshot, operation: "MERGE") }
        guard !keys.isEmpty else { throw DeltaError(.invalidRequest, table: storage.root, "MERGE needs at least one key column") }
        for key in keys where !snapshot.fields.contains(where: { $0.name == key }) {
            throw DeltaError(.invalidRequest, table: storage.root, "merge key '\(key)' is not a column of the table")
        }
        var options = WriteOptions()
        options.mode = .append
        guard let first = source.first else { return CommitResult(version: nil, skipped: "the source has no rows") }
        let plan = try SchemaPlan(snapshot: snapshot, incoming: first.schema, options: options, table: storage.root)
        var rows: [RecordBatch] = []
        for batch in source where batch.rowCount > 0 { rows.append(try plan.conform(batch)) }
        // Source rows by key (rows with a null key match nothing).
        var sourceByKey = KeyIndex(capacity: rows.reduce(0) { $0 + $1.rowCount })
        var scratch: [UInt8] = []
        var keyValues: [String: Set<ScalarValue>] = [:]
        for (b, batch) in rows.enumerated() {
            let columns = keys.map { batch.column(named: $0)! }
            let encoder = RowKeys(columns: columns)
            for row in 0 ..< batch.rowCount {
                guard encoder.encode(row, into: &scratch) else { continue }
                sourceByKey.insert(scratch, (b, row))
            }
            // Distinct key values, for pruning target files (bounded: a long list prunes little).
            for (name, column) in zip(keys, columns) where (keyValues[name]?.count ?? 0) < 10_000 {
                var seen = keyValues[name] ?? []
                var previous: ScalarValue?
                for row in 0 ..< batch.rowCount where seen.count < 10_000 {
                    let value = column.value(at: row)
                    if value != previous { seen.insert(value); previous = value }
                }
                keyValues[name] = seen
            }
        }
        // Candidate target files: those whose partitions/stats may hold one of the source keys.
        var condition: Expression = .constant(true)
        for name in keys {
            let values = Array(keyValues[name] ?? [])
            if values.count < 10_000 { condition = .and(condition, .isIn(column: name, values.filter { !$0.isNull })) }
        }
        let skipping = snapshot.skipping(condition)
        var matched = [Bool](repeating: false, count: sourceByKey.count)
        var matchedCount = 0
        var deletedRows = 0
        var removes: [RemoveFile] = []
        var survivors: [RecordBatch] = []
        var updated: [(batch: Int, row: Int)] = []
        var readFiles = Set<String>()
        let now = Clock.millis()
        for file in snapshot.files where skipping.mayMatch(file) {
            readFiles.insert(DeltaPath.decode(file.path))
            var changed = false
            var fileSurvivors: [RecordBatch] = []
            for batch in try TableScan(snapshot: snapshot).read(file, storage: storage) {
                let encoder = RowKeys(columns: keys.map { batch.column(named: $0)! })
                var keep = [Bool](repeating: true, count: batch.rowCount)
                for row in 0 ..< batch.rowCount {
                    guard encoder.encode(row, into: &scratch), let entry = sourceByKey.find(scratch) else { continue }
                    let match = sourceByKey.positions[entry]
                    if sourceByKey.duplicated[entry] {
                        throw DeltaError(.invalidRequest, table: storage.root,
                                         "MERGE: several source rows match the same target row (key \(keys.map { batch.column(named: $0)!.value(at: row).keyText }.joined(separator: ", ")))")
                    }
                    // One source row may match several target rows: each is updated (or deleted).
                    if !matched[entry] { matched[entry] = true; matchedCount += 1 }
                    switch whenMatched {
                    case .ignore: continue
                    case .delete:
                        keep[row] = false
                        deletedRows += 1
                    case .updateAll:
                        keep[row] = false
                        updated.append(match)
                    case .updateChanged:
                        guard Self.differs(target: batch, row, source: rows[match.batch], match.row) else { continue }
                        keep[row] = false
                        updated.append(match)
                    }
                    changed = true
                }
                do throws(ColumnarError) {
                    let rest = try batch.filter(keep)
                    if rest.rowCount > 0 { fileSurvivors.append(rest) }
                } catch {
                    throw DeltaError(.invalidRequest, table: storage.root, "MERGE cannot filter \(file.path): \(error)")
                }
            }
            if changed {
                removes.append(file.removal(at: now))
                survivors += fileSurvivors
            }
        }
        var newRows = survivors
        do throws(ColumnarError) {
            if !updated.isEmpty { newRows += try Self.gather(rows, updated) }
            if whenNotMatched == .insertAll {
                var inserts: [(batch: Int, row: Int)] = []
                for (b, batch) in rows.enumerated() {
                    let encoder = RowKeys(columns: keys.map { batch.column(named: $0)! })
                    for row in 0 ..< batch.rowCount {
                        guard encoder.encode(row, into: &scratch), let entry = sourceByKey.find(scratch) else { inserts.append((b, row)); continue }
                        if !matched[entry] { inserts.append((b, row)) }
                    }
                }
                if !inserts.isEmpty { newRows += try Self.gather(rows, inserts) }
            }
        } catch {
            throw DeltaError(.invalidRequest, table: storage.root, "MERGE cannot assemble its output: \(error)")
        }
        if removes.isEmpty && newRows.isEmpty { return CommitResult(version: nil, skipped: "nothing to change") }
        let parameters: [(key: String, value: JSONNode)] = [
            ("predicate", .string(keys.map { "target.\($0) = source.\($0)" }.joined(separator: " AND "))),
            ("matchedPredicates", .string(JSONNode.array([whenMatched == .updateChanged
                ? .object([("actionType", .string("update")), ("predicate", .string("NOT (target <=> source)"))])
                : .object([("actionType", .string(whenMatched.rawValue))])]).text)),
            ("notMatchedPredicates", .string(JSONNode.array([.object([("actionType", .string(whenNotMatched.rawValue))])]).text)),
        ]
        return try rewrite(snapshot: snapshot, removes: removes, newRows: newRows, operation: "MERGE", parameters: parameters,
                           scope: ReadScope(blindAppend: false, predicate: condition, readFiles: readFiles),
                           metrics: [("numTargetRowsUpdated", String(updated.count)),
                                     ("numTargetRowsDeleted", String(deletedRows)), ("numSourceRowsMatched", String(matchedCount)),
                                     ("numSourceRows", String(rows.reduce(0) { $0 + $1.rowCount }))])
    }

    /// True when some column of the target row differs from the source row (null equals null,
    /// NaN equals NaN); a column the source lacks counts as a difference.
    static func differs(target: RecordBatch, _ row: Int, source: RecordBatch, _ sourceRow: Int) -> Bool {
        for (index, field) in target.schema.fields.enumerated() {
            guard let other = source.column(named: field.name) else { return true }
            if target.columns[index].value(at: row) != other.value(at: sourceRow) { return true }
        }
        return false
    }

    /// Commits `removes` plus new files for `newRows` (in the table's schema).
    func rewrite(snapshot: Snapshot, removes: [RemoveFile], newRows: [RecordBatch], operation: String,
                 parameters: [(key: String, value: JSONNode)], scope: ReadScope, metrics: [(String, String)]) throws(DeltaError) -> CommitResult {
        let configuration = snapshot.metadata.configuration
        let writer = DataFileWriter(storage: storage, fields: snapshot.fields, partitionColumns: snapshot.partitionColumns,
                                    configuration: configuration)
        var written: [String] = []
        var adds: [AddFile] = []
        do throws(DeltaError) {
            // One batch, so a partition's surviving and new rows share a file.
            var combined = newRows
            if newRows.count > 1 {
                do throws(ColumnarError) {
                    combined = [try RecordBatch.concatenate(newRows)]
                } catch {
                    throw DeltaError(.invalidRequest, table: storage.root, "\(operation) cannot combine its output rows: \(error)")
                }
            }
            for batch in combined { adds += try writer.write(batch, written: &written) }
        } catch {
            for path in written { try? storage.delete(path) }
            throw error
        }
        let allMetrics = metrics + [("numRemovedFiles", String(removes.count)), ("numAddedFiles", String(adds.count))]
        var actions: [DeltaAction] = [.commitInfo(CommitInfoBuilder.make(
            operation: operation, parameters: parameters, readVersion: snapshot.version, blindAppend: false,
            metrics: allMetrics.map { ($0.0, JSONNode.string($0.1)) }, custom: commitMetadata))]
        actions += removes.map(DeltaAction.remove)
        actions += adds.map(DeltaAction.add)
        let (version, warnings) = try commitWritten(actions, readVersion: snapshot.version, scope: scope, snapshot: snapshot, written: written,
                                                    configuration: configuration)
        return CommitResult(version: version, addedFiles: adds.count, removedFiles: removes.count, rows: newRows.reduce(0) { $0 + $1.rowCount },
                            warnings: warnings)
    }

    static func refuseIfAppendOnly(_ snapshot: Snapshot, operation: String) throws(DeltaError) {
        if snapshot.metadata.configuration["delta.appendOnly"] == "true" {
            throw DeltaError(.invalidRequest, table: snapshot.table, "the table is append-only (delta.appendOnly): \(operation) is not allowed")
        }
    }

    /// The rows at `positions` (batch, row) of `batches`, as one batch per source batch touched.
    static func gather(_ batches: [RecordBatch], _ positions: [(batch: Int, row: Int)]) throws(ColumnarError) -> [RecordBatch] {
        var byBatch: [Int: [Int]] = [:]
        for (b, row) in positions { byBatch[b, default: []].append(row) }
        var result: [RecordBatch] = []
        for b in byBatch.keys.sorted() { result.append(try batches[b].take(byBatch[b]!)) }
        return result
    }
}
