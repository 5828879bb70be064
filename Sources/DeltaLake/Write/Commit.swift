import Columnar

/// What a transaction read, so that concurrent commits can be checked against it (Delta's
/// optimistic concurrency under serializable isolation).
public struct ReadScope: Sendable {
    /// Whether the transaction only appends without reading the table (a blind append).
    public var blindAppend: Bool
    /// When it read the table, the condition limiting what it read (nil: the whole table).
    public var predicate: Expression?
    /// The data files it read or rewrites (their decoded paths).
    public var readFiles: Set<String>

    public static let blind = ReadScope(blindAppend: true, predicate: nil, readFiles: [])

    public init(blindAppend: Bool, predicate: Expression?, readFiles: Set<String>) {
        self.blindAppend = blindAppend
        self.predicate = predicate
        self.readFiles = readFiles
    }
}

/// Commits actions as the next version: creates `_delta_log/N.json` only if absent; when another
/// writer took N, checks the winning commits against what this transaction read and retries at
/// the following version if they do not conflict.
struct Committer {
    let storage: any DeltaStorage
    /// Commit attempts before giving up (Spark's default is 10 000; delta-rs uses 15).
    var maximumAttempts = 100

    /// Commits `actions` (read at `readVersion`, -1 for a new table) and returns the version.
    func commit(_ actions: [DeltaAction], readVersion: Int64, scope: ReadScope, snapshot: Snapshot?) throws(DeltaError) -> Int64 {
        var version = readVersion + 1
        var checked = readVersion + 1  // winning commits before this one have been checked
        let ourApps = Set(actions.compactMap { action -> String? in
            if case .txn(let t) = action { return t.appId }
            return nil
        })
        let ourRemoves = Set(actions.compactMap { action -> String? in
            if case .remove(let r) = action { return DeltaPath.decode(r.path) }
            return nil
        })
        // The data files this commit adds were written without their own fsync.
        let added = actions.compactMap { action -> String? in
            if case .add(let add) = action, !add.path.contains(":") { return DeltaPath.decode(add.path) }
            return nil
        }
        if !added.isEmpty { try storage.syncWrittenFiles(added) }
        let text = Array(actions.commitText.utf8)
        for _ in 0 ..< maximumAttempts {
            if try storage.putIfAbsent("_delta_log/" + LogFileName.commitName(version), text) {
                return version
            }
            // Version taken: check every commit we have not seen yet, then try the next free one.
            let listing = try storage.list("_delta_log") ?? []
            let latest = listing.compactMap { LogFileName.parse($0.name) }.compactMap { name -> Int64? in
                if case .commit(let v) = name { return v }
                return nil
            }.max() ?? version
            for winner in checked ... max(latest, version) {
                let winning = try LogReader(storage: storage).commitActions(LogFileName.commitName(winner))
                try checkConflicts(winning, version: winner, readVersion: readVersion, scope: scope, apps: ourApps,
                                   removes: ourRemoves, snapshot: snapshot)
            }
            checked = max(latest, version) + 1
            version = checked
        }
        throw DeltaError(.conflict, table: storage.root, "gave up after \(maximumAttempts) attempts: other writers kept taking the next version")
    }

    /// Throws when a winning commit invalidates what this transaction read (Delta's conflict rules).
    func checkConflicts(_ winning: [DeltaAction], version: Int64, readVersion: Int64, scope: ReadScope, apps: Set<String>,
                        removes: Set<String>, snapshot: Snapshot?) throws(DeltaError) {
        func conflict(_ message: String) -> DeltaError {
            DeltaError(.conflict, table: storage.root, location: "_delta_log/" + LogFileName.commitName(version),
                       "a concurrent commit (version \(version), after the version \(readVersion) this write read) \(message)")
        }
        let skipping = snapshot?.skipping(scope.predicate ?? .constant(true))
        for action in winning {
            switch action {
            case .protocol: throw conflict("changed the protocol")
            case .metadata: throw conflict("changed the table's metadata (schema, partitioning or properties)")
            case .txn(let t) where apps.contains(t.appId):
                throw conflict("committed for application '\(t.appId)' too (version \(t.version))")
            case .add(let add) where add.dataChange && !scope.blindAppend:
                // New data where this transaction read: it would have seen it.
                if let skipping, !skipping.mayMatch(add) { continue }
                if snapshot == nil, scope.predicate != nil { continue }
                throw conflict("added \(DeltaPath.decode(add.path)), in what this write read")
            case .remove(let remove):
                // Every remove counts, compactions (dataChange false) included: a file this write
                // read or removes must not have been rewritten meanwhile.
                let path = DeltaPath.decode(remove.path)
                if removes.contains(path) { throw conflict("also deleted \(path)") }
                if scope.readFiles.contains(path) { throw conflict("deleted \(path), which this write read") }
            default:
                continue
            }
        }
    }
}

extension Snapshot {
    /// The name partition values and stats use for a logical column (physical under column mapping).
    func storedName(_ logical: String) -> String {
        DeltaField.storedName(logical, in: fields, columnMapping: (metadata.configuration["delta.columnMapping.mode"] ?? "none") != "none")
    }

    /// Data skipping for `expression` against this snapshot's columns and partitions.
    func skipping(_ expression: Expression) -> DataSkipping {
        var types: [String: DataType] = [:]
        for field in schema.fields { types[field.name] = field.type }
        return DataSkipping(expression: expression, types: types, partitionColumns: Set(partitionColumns), storedName: storedName)
    }
}
