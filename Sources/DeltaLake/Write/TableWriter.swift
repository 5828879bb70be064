import Columnar

extension DeltaTable {
    /// The latest snapshot, or nil when there is no table at the path yet.
    public func latestSnapshotIfExists() throws(DeltaError) -> Snapshot? {
        guard let listing = try storage.list("_delta_log"), listing.contains(where: { LogFileName.parse($0.name) != nil }) else {
            return nil
        }
        return try snapshot()
    }

    /// Writes `batches` to the table (creating it when missing) as one commit; a conflicting
    /// concurrent commit makes it start over from the new snapshot.
    @discardableResult
    public func write(_ batches: [RecordBatch], options: WriteOptions = WriteOptions()) throws(DeltaError) -> CommitResult {
        try retryingConflicts { () throws(DeltaError) in try writeOnce(batches, options: options) }
    }

    private func writeOnce(_ batches: [RecordBatch], options: WriteOptions) throws(DeltaError) -> CommitResult {
        let snapshot = try latestSnapshotIfExists()
        if let snapshot {
            try snapshot.checkWritable()
            switch options.mode {
            case .error: throw DeltaError(.invalidRequest, table: storage.root, "the table already exists (mode error)")
            case .ignore: return CommitResult(version: nil, skipped: "the table already exists (mode ignore)")
            default: break
            }
            if let appId = options.appId, let version = options.appVersion, let done = snapshot.state.transactions[appId], done.version >= version {
                return CommitResult(version: nil, skipped: "application '\(appId)' already committed version \(done.version)")
            }
        }
        guard let first = batches.first else { throw DeltaError(.invalidRequest, table: storage.root, "nothing to write: no batches") }
        for batch in batches.dropFirst() where batch.schema.names != first.schema.names {
            throw DeltaError(.invalidRequest, table: storage.root,
                             "the batches to write have different columns ([\(first.schema.names.joined(separator: ", "))] and [\(batch.schema.names.joined(separator: ", "))])")
        }
        let plan = try SchemaPlan(snapshot: snapshot, incoming: first.schema, options: options, table: storage.root)
        var conformed: [RecordBatch] = []
        for batch in batches { conformed.append(try plan.conform(batch)) }
        let configuration = snapshot?.metadata.configuration ?? options.configuration
        if options.mode == .overwrite, snapshot != nil, configuration["delta.appendOnly"] == "true" {
            throw DeltaError(.invalidRequest, table: storage.root, "the table is append-only (delta.appendOnly): overwrite is not allowed")
        }

        // What an overwrite replaces.
        var removes: [RemoveFile] = []
        var rewritten: [RecordBatch] = []
        var scope = ReadScope.blind
        var condition: Expression?
        // Every written row must satisfy replaceWhere (Spark's constraint check), new table or not:
        // a row outside it would survive the next replacement of the same predicate.
        if options.mode == .overwrite, let text = options.replaceWhere {
            let expression = try Self.parsePredicate(text, schema: plan.schema, table: storage.root)
            for batch in conformed where !(try expression.matches(batch)).allSatisfy({ $0 }) {
                throw DeltaError(.invalidRequest, table: storage.root, "written rows must all satisfy replaceWhere \(expression)")
            }
        }
        if options.mode == .overwrite, let snapshot {
            if let text = options.replaceWhere {
                let expression = try Self.parsePredicate(text, schema: plan.schema, table: storage.root)
                condition = expression
                let matching = try FileSelection(snapshot: snapshot, storage: storage).select(expression)
                removes = matching.removed
                for batch in matching.kept { rewritten.append(try plan.conform(batch)) }
                scope = ReadScope(blindAppend: false, predicate: expression, readFiles: Set(matching.removed.map { DeltaPath.decode($0.path) }))
            } else {
                removes = snapshot.files.map { $0.removal(at: Clock.millis()) }
                scope = ReadScope(blindAppend: false, predicate: nil, readFiles: Set(removes.map { DeltaPath.decode($0.path) }))
            }
        }

        let writer = DataFileWriter(storage: storage, fields: plan.fields, partitionColumns: plan.partitionColumns,
                                    configuration: configuration, options: options)
        try storage.makeDirectories("_delta_log")
        var written: [String] = []
        var adds: [AddFile] = []
        do throws(DeltaError) {
            for batch in conformed + rewritten { adds += try writer.write(batch, written: &written) }
        } catch {
            for path in written { try? storage.delete(path) }
            throw error
        }
        var actions: [DeltaAction] = []
        let created = snapshot == nil
        if created { actions.append(.protocol(plan.protocolForNewTable())) }
        if created || plan.changed {
            actions.append(.metadata(plan.metadata(existing: snapshot?.metadata, options: options)))
        }
        actions += removes.map(DeltaAction.remove)
        actions += adds.map(DeltaAction.add)
        if let appId = options.appId, let version = options.appVersion {
            actions.append(.txn(TransactionVersion(appId: appId, version: version, lastUpdated: Clock.millis())))
        }
        let rows = conformed.reduce(0) { $0 + $1.rowCount }
        var parameters: [(key: String, value: JSONNode)] = [
            ("mode", .string(options.mode.sparkName)),
            ("partitionBy", .string(JSONNode.array(plan.partitionColumns.map(JSONNode.string)).text)),
        ]
        if let condition { parameters.append(("predicate", .string(condition.description))) }
        let bytes = adds.reduce(Int64(0)) { $0 + $1.size }
        let metrics: [(key: String, value: JSONNode)] = [("numFiles", .string(String(adds.count))), ("numOutputRows", .string(String(rows))),
                                                          ("numOutputBytes", .string(String(bytes))), ("numRemovedFiles", .string(String(removes.count)))]
        actions.insert(.commitInfo(CommitInfoBuilder.make(operation: created ? "CREATE TABLE" : "WRITE", parameters: parameters,
                                                          readVersion: snapshot?.version, blindAppend: scope.blindAppend, metrics: metrics, custom: commitMetadata)),
                       at: 0)
        let (version, warnings) = try commitWritten(actions, readVersion: snapshot?.version ?? -1, scope: scope, snapshot: snapshot,
                                                    written: written, configuration: plan.metadata(existing: snapshot?.metadata, options: options).configuration)
        return CommitResult(version: version, addedFiles: adds.count, removedFiles: removes.count, rows: rows, warnings: warnings)
    }

    /// Commits `actions`, whose new data files are `written`. Until the commit lands, a failure
    /// deletes those files (they are orphans); once it lands they belong to the table, and the
    /// checkpoint that may follow is best-effort: a failing checkpoint must not undo the commit.
    func commitWritten(_ actions: [DeltaAction], readVersion: Int64, scope: ReadScope, snapshot: Snapshot?, written: [String],
                       configuration: [String: String]) throws(DeltaError) -> (version: Int64, warnings: [String]) {
        let version: Int64
        do throws(DeltaError) {
            version = try Committer(storage: storage).commit(actions, readVersion: readVersion, scope: scope, snapshot: snapshot)
        } catch {
            for path in written { try? storage.delete(path) }
            throw error
        }
        do throws(DeltaError) {
            try Checkpointer(table: self).afterCommit(version: version, configuration: configuration)
            return (version, [])
        } catch {
            return (version, ["version \(version) is committed, but its checkpoint could not be written: \(error)"])
        }
    }

    static func parsePredicate(_ text: String, schema: Schema, table: String) throws(DeltaError) -> Expression {
        do throws(ExpressionError) {
            return try ExpressionParser.parse(text, schema: schema)
        } catch {
            throw DeltaError(.invalidRequest, table: table, error.description)
        }
    }
}

extension AddFile {
    /// The `remove` action retiring this file at `time`.
    func removal(at time: Int64) -> RemoveFile {
        RemoveFile(path: path, deletionTimestamp: time, dataChange: true, extendedFileMetadata: true, partitionValues: partitionValues,
                   size: size, stats: nil, tags: tags, deletionVector: deletionVector, baseRowId: baseRowId,
                   defaultRowCommitVersion: defaultRowCommitVersion)
    }
}

/// The `commitInfo` of Sluice's commits.
enum CommitInfoBuilder {
    static let engine = "Sluice/0.1"

    static func make(operation: String, parameters: [(key: String, value: JSONNode)], readVersion: Int64?, blindAppend: Bool,
                     metrics: [(key: String, value: JSONNode)], custom: [String: String] = [:]) -> JSONNode {
        var members: [(key: String, value: JSONNode)] = [
            ("timestamp", .int(Clock.millis())), ("operation", .string(operation)), ("operationParameters", .object(parameters)),
        ]
        if let readVersion { members.append(("readVersion", .int(readVersion))) }
        members += [("isolationLevel", .string("Serializable")), ("isBlindAppend", .bool(blindAppend)),
                    ("operationMetrics", .object(metrics)), ("engineInfo", .string(engine))]
        let reserved = Set(members.map(\.key))
        members += custom.sorted { $0.key < $1.key }.filter { !reserved.contains($0.key) }.map { ($0.key, JSONNode.string($0.value)) }
        return .object(members)
    }
}

extension WriteMode {
    /// The mode's name in Spark's `commitInfo.operationParameters`.
    var sparkName: String {
        switch self {
        case .append: "Append"
        case .overwrite: "Overwrite"
        case .error: "ErrorIfExists"
        case .ignore: "Ignore"
        }
    }
}
