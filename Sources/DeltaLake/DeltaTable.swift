import Columnar

/// A Delta table at a path: loads snapshots (the latest, a version, or a point in time).
public struct DeltaTable: Sendable {
    public let storage: any DeltaStorage
    /// Extra top-level fields of the `commitInfo` this handle's commits write (as delta-rs's
    /// `CommitProperties(custom_metadata=...)`), e.g. the upstream table versions a write read.
    public var commitMetadata: [String: String] = [:]

    /// The reader features this engine implements; a table needing any other is refused.
    public static let supportedReaderFeatures: Set<String> = ["columnMapping", "deletionVectors", "timestampNtz", "v2Checkpoint", "vacuumProtocolCheck"]

    public init(path: String) {
        storage = LocalStorage(root: path)
    }

    public init(storage: any DeltaStorage) {
        self.storage = storage
    }

    /// The snapshot at `version` (the latest when nil).
    public func snapshot(version: Int64? = nil) throws(DeltaError) -> Snapshot {
        guard let listing = try storage.list("_delta_log") else {
            throw DeltaError(.io, table: storage.root, "not a Delta table: there is no _delta_log directory")
        }
        let segment = try LogSegment.build(listing: listing, target: version, table: storage.root)
        let state = try LogReader(storage: storage).replay(segment)
        return try Snapshot(table: storage.root, version: segment.version, state: state)
    }
}

/// A table as of one version: protocol, metadata, schema and live data files.
public struct Snapshot: Sendable {
    public let table: String
    public let version: Int64
    public let `protocol`: DeltaProtocol
    public let metadata: DeltaMetadata
    /// The table's columns (logical names, Delta types and column-mapping metadata).
    public let fields: [DeltaField]
    public let state: TableState

    init(table: String, version: Int64, state: TableState) throws(DeltaError) {
        guard let proto = state.protocol else {
            throw DeltaError(.corruptLog, table: table, "version \(version) has no protocol action")
        }
        guard let metadata = state.metadata else {
            throw DeltaError(.corruptLog, table: table, "version \(version) has no metaData action")
        }
        try Self.checkReadable(proto, table: table)
        guard !metadata.schemaString.isEmpty else {
            throw DeltaError(.corruptLog, table: table, "version \(version): the table's metaData has no schemaString")
        }
        do throws(ActionDecodingError) {
            fields = try DeltaSchema.parse(metadata.schemaString)
        } catch {
            throw DeltaError(.corruptLog, table: table, "the schema of version \(version): \(error.message)")
        }
        self.table = table
        self.version = version
        self.protocol = proto
        self.metadata = metadata
        self.state = state
    }

    /// Refuses tables needing a reader version or feature this engine does not implement.
    static func checkReadable(_ proto: DeltaProtocol, table: String) throws(DeltaError) {
        guard proto.minReaderVersion <= 3 else {
            throw DeltaError(.unsupported, table: table, "reader version \(proto.minReaderVersion) is not supported (at most 3)")
        }
        if proto.minReaderVersion == 3 {
            let unknown = (proto.readerFeatures ?? []).filter { !DeltaTable.supportedReaderFeatures.contains($0) }
            guard unknown.isEmpty else {
                throw DeltaError(.unsupported, table: table,
                                 "the table needs reader feature\(unknown.count > 1 ? "s" : "") \(unknown.sorted().joined(separator: ", ")), which Sluice does not support")
            }
        }
    }

    /// The writer features this engine honours when it commits to a table.
    public static let supportedWriterFeatures: Set<String> = [
        "appendOnly", "columnMapping", "deletionVectors", "timestampNtz", "v2Checkpoint", "vacuumProtocolCheck", "domainMetadata",
    ]

    /// Refuses to commit to a table that needs writer features this engine does not implement
    /// (change data files, CHECK constraints, invariants, generated or identity columns, row
    /// tracking, ...), naming them. Features a table lists but does not use (Spark lists
    /// `invariants` on every writer-7 table) are no obstacle.
    func checkWritable() throws(DeltaError) {
        func uses(_ key: String, _ fields: [DeltaField]) -> Bool {
            fields.contains { field in
                if field.metadata.contains(where: { $0.key.hasPrefix(key) }) { return true }
                if case .struct(let inner) = field.type { return uses(key, inner) }
                return false
            }
        }
        // Features that only matter when the table uses them.
        var used: [String] = []
        if metadata.configuration["delta.enableChangeDataFeed"] == "true" { used.append("changeDataFeed") }
        if metadata.configuration.keys.contains(where: { $0.hasPrefix("delta.constraints.") }) { used.append("checkConstraints") }
        if uses("delta.invariants", fields) { used.append("invariants") }
        if uses("delta.generationExpression", fields) { used.append("generatedColumns") }
        if uses("delta.identity.", fields) { used.append("identityColumns") }
        let conditional: Set<String> = ["changeDataFeed", "checkConstraints", "invariants", "generatedColumns", "identityColumns"]
        var missing = used
        if self.protocol.minWriterVersion > 7 {
            missing.append("writer version \(self.protocol.minWriterVersion)")
        } else if self.protocol.minWriterVersion == 7 {
            missing += (self.protocol.writerFeatures ?? []).filter { !Self.supportedWriterFeatures.contains($0) && !conditional.contains($0) }
        }
        guard missing.isEmpty else {
            throw DeltaError(.unsupported, table: table,
                             "writing needs \(Set(missing).sorted().joined(separator: ", ")), which Sluice does not support (reading works)")
        }
    }

    /// The live data files, in the order they were added.
    public var files: [AddFile] { state.liveFiles }

    /// The partition columns, in order.
    public var partitionColumns: [String] { metadata.partitionColumns }

    /// The Columnar schema of the table (logical names).
    public var schema: Schema { Schema(fields.map(DeltaSchema.columnarField)) }
}
