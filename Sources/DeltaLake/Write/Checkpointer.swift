import Columnar
import Parquet

/// Writes classic single-file checkpoints (`N.checkpoint.parquet`, the layout Spark and delta-rs
/// read) and `_last_checkpoint`: every `delta.checkpointInterval` commits (10 by default), or on
/// request.
public struct Checkpointer {
    public let table: DeltaTable

    public init(table: DeltaTable) {
        self.table = table
    }

    /// Writes a checkpoint after `version` when the interval says so.
    func afterCommit(version: Int64, configuration: [String: String]) throws(DeltaError) {
        let interval = Int64(configuration["delta.checkpointInterval"] ?? "") ?? 10
        guard interval > 0, version > 0, version % interval == 0 else { return }
        let snapshot = try table.snapshot(version: version)
        // Tables with v2 checkpoints get none from Sluice (it writes classic ones only).
        if snapshot.protocol.writerFeatures?.contains("v2Checkpoint") == true { return }
        try write(snapshot)
    }

    /// Writes the checkpoint of `version` (the latest when nil) and returns its version.
    @discardableResult
    public func write(version: Int64? = nil) throws(DeltaError) -> Int64 {
        try write(try table.snapshot(version: version))
    }

    /// Writes the checkpoint of `snapshot`.
    @discardableResult
    func write(_ snapshot: Snapshot) throws(DeltaError) -> Int64 {
        let storage = table.storage
        if snapshot.protocol.writerFeatures?.contains("v2Checkpoint") == true {
            throw DeltaError(.unsupported, table: storage.root, "the table uses v2 checkpoints; Sluice writes classic checkpoints only")
        }
        let retention = Self.retentionMillis(snapshot.metadata.configuration["delta.deletedFileRetentionDuration"]) ?? 7 * 86_400_000
        let horizon = Clock.millis() &- min(retention, Int64.max / 2)
        var rows: [ScalarValue] = []
        let empty = ScalarValue.null
        func row(txn: ScalarValue = empty, add: ScalarValue = empty, remove: ScalarValue = empty, metaData: ScalarValue = empty,
                 protocolAction: ScalarValue = empty, domain: ScalarValue = empty) -> ScalarValue {
            .struct([("txn", txn), ("add", add), ("remove", remove), ("metaData", metaData), ("protocol", protocolAction),
                     ("domainMetadata", domain)])
        }
        rows.append(row(protocolAction: Self.protocolValue(snapshot.protocol)))
        rows.append(row(metaData: Self.metadataValue(snapshot.metadata)))
        for txn in snapshot.state.transactions.values.sorted(by: { $0.appId < $1.appId }) {
            rows.append(row(txn: .struct([("appId", .string(txn.appId)), ("version", .int(txn.version)),
                                          ("lastUpdated", txn.lastUpdated.map(ScalarValue.int) ?? .null)])))
        }
        for domain in snapshot.state.domains.values.sorted(by: { $0.domain < $1.domain }) {
            rows.append(row(domain: .struct([("domain", .string(domain.domain)), ("configuration", .string(domain.configuration)),
                                             ("removed", .bool(false))])))
        }
        for add in snapshot.files { rows.append(row(add: Self.addValue(add))) }
        for remove in snapshot.state.tombstones.values where (remove.deletionTimestamp ?? 0) > horizon {
            rows.append(row(remove: Self.removeValue(remove)))
        }
        let columns = Self.schema.fields
        var built: [Column] = []
        do throws(ColumnarError) {
            for (index, field) in columns.enumerated() {
                let builder = makeColumnBuilder(for: field.type, capacity: rows.count)
                for value in rows {
                    guard case .struct(let entries) = value else { continue }
                    try builder.append(scalar: entries[index].value)
                }
                built.append(builder.finish())
            }
        } catch {
            throw DeltaError(.invalidRequest, table: storage.root, "cannot build the checkpoint of version \(snapshot.version): \(error)")
        }
        let name = String(LogFileName.commitName(snapshot.version).dropLast(5)) + ".checkpoint.parquet"
        let path = storage.localPath("_delta_log/" + name)
        do throws(ParquetWriteError) {
            let writer = try ParquetFileWriter(path: path, schema: Self.schema)
            let batch: RecordBatch
            do throws(ColumnarError) {
                batch = try RecordBatch(schema: Self.schema, columns: built, rowCount: rows.count)
            } catch {
                throw ParquetWriteError(path: path, message: "\(error)")
            }
            try writer.write(batch)
            try writer.close()
        } catch {
            throw DeltaError(.io, table: storage.root, location: "_delta_log/" + name, "cannot write the checkpoint: \(error.message)")
        }
        let last = JSONNode.object([("version", .int(snapshot.version)), ("size", .int(Int64(rows.count))),
                                    ("numOfAddFiles", .int(Int64(snapshot.files.count)))])
        try storage.replace("_delta_log/_last_checkpoint", Array((last.text + "\n").utf8))
        try cleanUpLog(before: snapshot.version, configuration: snapshot.metadata.configuration)
        return snapshot.version
    }

    /// Deletes log files past `delta.logRetentionDuration` (30 days by default), Spark's way: the
    /// newest checkpoint (at or before `version`) written before the cutoff bounds what goes, and
    /// every commit, checkpoint and checksum file with a lower version is deleted, so every
    /// version from that checkpoint on stays readable. `delta.enableExpiredLogCleanup = false`
    /// keeps everything.
    func cleanUpLog(before version: Int64, configuration: [String: String]) throws(DeltaError) {
        guard configuration["delta.enableExpiredLogCleanup"] != "false" else { return }
        let retention = Self.retentionMillis(configuration["delta.logRetentionDuration"]) ?? 30 * 86_400_000
        let (horizon, overflow) = Clock.millis().subtractingReportingOverflow(retention)
        guard !overflow else { return }
        let listing = try table.storage.list("_delta_log") ?? []
        var boundary: Int64?
        for file in listing where file.modificationTime < horizon {
            switch LogFileName.parse(file.name) {
            case .checkpoint(let v)?, .checkpointPart(let v, _, _)?, .v2Checkpoint(let v)?:
                if v <= version, v > (boundary ?? -1) { boundary = v }
            default: continue
            }
        }
        guard let boundary else { return }
        for file in listing {
            let versionText = file.name.prefix { $0 != "." }
            guard versionText.count == 20, let fileVersion = Int64(versionText), fileVersion < boundary else { continue }
            if LogFileName.parse(file.name) != nil || file.name.hasSuffix(".crc") {
                try table.storage.delete("_delta_log/" + file.name)
            }
        }
    }

    /// `interval 1 weeks`, `interval 2 days`, `interval 36 hours`, ... in milliseconds.
    static func retentionMillis(_ text: String?) -> Int64? {
        guard let text else { return nil }
        let words = text.lowercased().split(separator: " ").filter { $0 != "interval" }
        guard words.count == 2, let n = Int64(words[0]), n >= 0 else { return nil }
        let unit: Int64
        switch words[1].hasSuffix("s") ? String(words[1].dropLast()) : String(words[1]) {
        case "week": unit = 7 * 86_400_000
        case "day": unit = 86_400_000
        case "hour": unit = 3_600_000
        case "minute": unit = 60_000
        case "second": unit = 1000
        case "millisecond": unit = 1
        default: return nil
        }
        let (millis, overflow) = n.multipliedReportingOverflow(by: unit)
        return overflow ? Int64.max / 2 : millis
    }

    // MARK: The checkpoint schema (Spark's)

    static let stringMap = DataType.map(keys: Field("key", .string, nullable: false), values: Field("value", .string), keysSorted: false)
    static let deletionVector = DataType.struct([
        Field("storageType", .string), Field("pathOrInlineDv", .string), Field("offset", .int32),
        Field("sizeInBytes", .int32), Field("cardinality", .int64),
    ])
    static let schema = Schema([
        Field("txn", .struct([Field("appId", .string), Field("version", .int64), Field("lastUpdated", .int64)])),
        Field("add", .struct([
            Field("path", .string), Field("partitionValues", stringMap), Field("size", .int64), Field("modificationTime", .int64),
            Field("dataChange", .bool), Field("tags", stringMap), Field("deletionVector", deletionVector),
            Field("baseRowId", .int64), Field("defaultRowCommitVersion", .int64), Field("clusteringProvider", .string), Field("stats", .string),
        ])),
        Field("remove", .struct([
            Field("path", .string), Field("deletionTimestamp", .int64), Field("dataChange", .bool), Field("extendedFileMetadata", .bool),
            Field("partitionValues", stringMap), Field("size", .int64), Field("tags", stringMap), Field("deletionVector", deletionVector),
            Field("baseRowId", .int64), Field("defaultRowCommitVersion", .int64),
        ])),
        Field("metaData", .struct([
            Field("id", .string), Field("name", .string), Field("description", .string),
            Field("format", .struct([Field("provider", .string), Field("options", stringMap)])),
            Field("schemaString", .string), Field("partitionColumns", .list(Field("element", .string))),
            Field("configuration", stringMap), Field("createdTime", .int64),
        ])),
        Field("protocol", .struct([
            Field("minReaderVersion", .int32), Field("minWriterVersion", .int32),
            Field("readerFeatures", .list(Field("element", .string))), Field("writerFeatures", .list(Field("element", .string))),
        ])),
        Field("domainMetadata", .struct([Field("domain", .string), Field("configuration", .string), Field("removed", .bool)])),
    ])

    static func map(_ values: [String: String?]?) -> ScalarValue {
        guard let values else { return .null }
        return .map(values.keys.sorted().map { (.string($0), values[$0]!.map(ScalarValue.string) ?? .null) })
    }

    static func optional(_ value: Int64?) -> ScalarValue { value.map(ScalarValue.int) ?? .null }

    static func dvValue(_ dv: DeletionVectorDescriptor?) -> ScalarValue {
        guard let dv else { return .null }
        return .struct([("storageType", .string(dv.storageType)), ("pathOrInlineDv", .string(dv.pathOrInlineDv)),
                        ("offset", dv.offset.map { .int(Int64($0)) } ?? .null), ("sizeInBytes", .int(Int64(dv.sizeInBytes))),
                        ("cardinality", .int(dv.cardinality))])
    }

    static func addValue(_ a: AddFile) -> ScalarValue {
        .struct([("path", .string(a.path)), ("partitionValues", map(a.partitionValues)), ("size", .int(a.size)),
                 ("modificationTime", .int(a.modificationTime)), ("dataChange", .bool(a.dataChange)), ("tags", map(a.tags)),
                 ("deletionVector", dvValue(a.deletionVector)), ("baseRowId", optional(a.baseRowId)),
                 ("defaultRowCommitVersion", optional(a.defaultRowCommitVersion)),
                 ("clusteringProvider", a.clusteringProvider.map(ScalarValue.string) ?? .null), ("stats", a.stats.map(ScalarValue.string) ?? .null)])
    }

    static func removeValue(_ r: RemoveFile) -> ScalarValue {
        .struct([("path", .string(r.path)), ("deletionTimestamp", optional(r.deletionTimestamp)), ("dataChange", .bool(r.dataChange)),
                 ("extendedFileMetadata", r.extendedFileMetadata.map(ScalarValue.bool) ?? .null), ("partitionValues", map(r.partitionValues)),
                 ("size", optional(r.size)), ("tags", map(r.tags)), ("deletionVector", dvValue(r.deletionVector)),
                 ("baseRowId", optional(r.baseRowId)), ("defaultRowCommitVersion", optional(r.defaultRowCommitVersion))])
    }

    static func metadataValue(_ m: DeltaMetadata) -> ScalarValue {
        .struct([("id", .string(m.id)), ("name", m.name.map(ScalarValue.string) ?? .null),
                 ("description", m.description.map(ScalarValue.string) ?? .null),
                 ("format", .struct([("provider", .string(m.formatProvider)), ("options", map(m.formatOptions.mapValues { $0 }))])),
                 ("schemaString", .string(m.schemaString)), ("partitionColumns", .list(m.partitionColumns.map(ScalarValue.string))),
                 ("configuration", map(m.configuration.mapValues { $0 })), ("createdTime", optional(m.createdTime))])
    }

    static func protocolValue(_ p: DeltaProtocol) -> ScalarValue {
        .struct([("minReaderVersion", .int(Int64(p.minReaderVersion))), ("minWriterVersion", .int(Int64(p.minWriterVersion))),
                 ("readerFeatures", p.readerFeatures.map { .list($0.map(ScalarValue.string)) } ?? .null),
                 ("writerFeatures", p.writerFeatures.map { .list($0.map(ScalarValue.string)) } ?? .null)])
    }
}
