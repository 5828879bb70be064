import Columnar

/// The schema a write produces and how incoming batches are made to fit it: enforcement (types
/// must convert losslessly, non-nullable columns must be present and null-free, missing nullable
/// columns become nulls) and evolution (`merge` adds new columns, `overwrite` replaces).
struct SchemaPlan {
    let table: String
    /// The table's columns after the write.
    var fields: [DeltaField]
    var partitionColumns: [String]
    /// Whether the write changes the schema or partitioning (a new `metaData` action is needed).
    var changed = false
    /// Table properties the write changes (column mapping's maxColumnId when columns are added).
    var configurationUpdates: [String: String] = [:]

    init(snapshot: Snapshot?, incoming: Schema, options: WriteOptions, table: String) throws(DeltaError) {
        self.table = table
        func fail(_ message: String) -> DeltaError { DeltaError(.invalidRequest, table: table, message) }
        func converted(_ field: Field) throws(DeltaError) -> DeltaField {
            guard let type = DeltaSchema.deltaType(field.type) else {
                throw fail("column '\(field.name)' has type \(field.type), which a Delta table cannot store")
            }
            return DeltaField(name: field.name, type: type, nullable: field.nullable, metadata: [])
        }
        var names = Set<String>()
        for field in incoming.fields where !names.insert(field.name.lowercased()).inserted {
            throw fail("the data has two columns named '\(field.name)' (names are case-insensitive in Delta)")
        }
        if let snapshot, options.schemaMode != .overwrite {
            fields = snapshot.fields
            partitionColumns = snapshot.partitionColumns
            if let wanted = options.partitionBy, wanted != partitionColumns {
                throw fail("the table is partitioned by [\(partitionColumns.joined(separator: ", "))], not [\(wanted.joined(separator: ", "))]")
            }
            // Names match case-insensitively, as in Delta (`ID` writes into `id`).
            for field in incoming.fields where !fields.contains(where: { $0.name.lowercased() == field.name.lowercased() }) {
                guard options.schemaMode == .merge else {
                    throw fail("column '\(field.name)' is not in the table's schema (columns: \(fields.map(\.name).joined(separator: ", "))); use schema mode merge to add it")
                }
                var added = try converted(field)
                added.nullable = true
                let configuration = snapshot.metadata.configuration
                if (configuration["delta.columnMapping.mode"] ?? "none") != "none" {
                    // Column mapping: the new column gets the next id and a physical name of its own.
                    let next = (Int64(configurationUpdates["delta.columnMapping.maxColumnId"] ?? configuration["delta.columnMapping.maxColumnId"] ?? "") ?? 0) + 1
                    added.metadata = [("delta.columnMapping.id", .int(next)), ("delta.columnMapping.physicalName", .string("col-" + UUIDv4.make()))]
                    configurationUpdates["delta.columnMapping.maxColumnId"] = String(next)
                }
                fields.append(added)
                changed = true
            }
        } else {
            if options.schemaMode == .overwrite, snapshot != nil, options.mode != .overwrite {
                throw fail("schema mode overwrite needs mode overwrite")
            }
            fields = []
            for field in incoming.fields { fields.append(try converted(field)) }
            partitionColumns = options.partitionBy ?? snapshot?.partitionColumns ?? []
            changed = snapshot != nil
        }
        for column in partitionColumns {
            guard let field = fields.first(where: { $0.name == column }) else {
                throw fail("partition column '\(column)' is not a column of the data")
            }
            guard case .primitive = field.type else {
                if case .decimal = field.type { continue }
                throw fail("partition column '\(column)' must have a primitive type, not a nested one")
            }
        }
    }

    /// The Columnar schema of the table after the write.
    var schema: Schema { Schema(fields.map(DeltaSchema.columnarField)) }

    /// `batch` with the table's columns in the table's order and types.
    func conform(_ batch: RecordBatch) throws(DeltaError) -> RecordBatch {
        var columns: [Column] = []
        let target = schema
        for (field, delta) in zip(target.fields, fields) {
            let match = batch.column(named: field.name)
                ?? batch.schema.fields.firstIndex { $0.name.lowercased() == field.name.lowercased() }.map { batch.columns[$0] }
            if let column = match {
                // A point in time (UTC timestamp) and a wall-clock time (timestamp_ntz) do not mix.
                if case .timestamp(_, let from) = column.dataType, case .timestamp(_, let to) = field.type, (from == nil) != (to == nil) {
                    throw DeltaError(.invalidRequest, table: table,
                                     "column '\(field.name)' is \(from == nil ? "timestamp_ntz" : "timestamp") in the data but \(to == nil ? "timestamp_ntz" : "timestamp") in the table")
                }
                guard let cast = ColumnCast.cast(column, to: field.type) else {
                    throw DeltaError(.invalidRequest, table: table,
                                     "column '\(field.name)' is \(column.dataType) in the data but \(field.type) in the table, and cannot be converted without loss")
                }
                if !delta.nullable, cast.nullCount > 0 {
                    throw DeltaError(.invalidRequest, table: table, "column '\(field.name)' is NOT NULL but the data has \(cast.nullCount) null(s)")
                }
                columns.append(cast)
            } else {
                guard delta.nullable else {
                    throw DeltaError(.invalidRequest, table: table, "column '\(field.name)' is NOT NULL but the data does not have it")
                }
                columns.append(ColumnCast.nulls(field.type, count: batch.rowCount))
            }
        }
        do throws(ColumnarError) {
            return try RecordBatch(schema: target, columns: columns, rowCount: batch.rowCount)
        } catch {
            throw DeltaError(.invalidRequest, table: table, "cannot shape the data to the table's schema: \(error)")
        }
    }

    /// Reader 1 / writer 2, or 3 / 7 with `timestampNtz` when a column needs it.
    func protocolForNewTable() -> DeltaProtocol {
        func usesNtz(_ type: DeltaType) -> Bool {
            switch type {
            case .primitive(let name): name == "timestamp_ntz"
            case .decimal: false
            case .struct(let fields): fields.contains { usesNtz($0.type) }
            case .array(let element, _): usesNtz(element)
            case .map(let key, let value, _): usesNtz(key) || usesNtz(value)
            }
        }
        if fields.contains(where: { usesNtz($0.type) }) {
            return DeltaProtocol(minReaderVersion: 3, minWriterVersion: 7, readerFeatures: ["timestampNtz"], writerFeatures: ["timestampNtz"])
        }
        return DeltaProtocol(minReaderVersion: 1, minWriterVersion: 2)
    }

    /// The `metaData` action after the write.
    func metadata(existing: DeltaMetadata?, options: WriteOptions) -> DeltaMetadata {
        DeltaMetadata(id: existing?.id ?? UUIDv4.make(), name: existing?.name ?? options.name, description: existing?.description ?? options.description,
                      formatProvider: "parquet", formatOptions: [:], schemaString: DeltaSchema.schemaString(fields),
                      partitionColumns: partitionColumns,
                      configuration: (existing?.configuration ?? options.configuration).merging(configurationUpdates) { $1 },
                      createdTime: existing?.createdTime ?? Clock.millis())
    }
}

/// The live files a condition touches: those to remove whole, and the surviving rows of those
/// only partly matched (to be written again).
struct FileSelection {
    let snapshot: Snapshot
    let storage: any DeltaStorage

    func select(_ condition: Expression) throws(DeltaError) -> (removed: [RemoveFile], kept: [RecordBatch]) {
        let skipping = snapshot.skipping(condition)
        let partitionOnly = condition.columns.isSubset(of: Set(snapshot.partitionColumns))
        var removed: [RemoveFile] = []
        var kept: [RecordBatch] = []
        let now = Clock.millis()
        for file in snapshot.files where skipping.mayMatch(file) {
            if partitionOnly {
                // Exact per file: only where the condition is true (a null partition value makes
                // `p = 'a'` unknown, and such rows are not matched).
                if skipping.partitionTruth(condition, file) == true { removed.append(file.removal(at: now)) }
                continue
            }
            let batches = try TableScan(snapshot: snapshot).read(file, storage: storage)
            var anyMatch = false
            var survivors: [RecordBatch] = []
            for batch in batches {
                let matches = try condition.matches(batch)
                if matches.contains(true) { anyMatch = true }
                do throws(ColumnarError) {
                    let rest = try batch.filter(matches.map { !$0 })
                    if rest.rowCount > 0 { survivors.append(rest) }
                } catch {
                    throw DeltaError(.invalidRequest, table: storage.root, "cannot filter \(file.path): \(error)")
                }
            }
            guard anyMatch else { continue }
            removed.append(file.removal(at: now))
            kept += survivors
        }
        return (removed, kept)
    }
}
