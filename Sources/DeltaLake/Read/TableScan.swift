import Columnar
import Parquet

/// Reads a snapshot's rows: each live data file's Parquet row groups, with partition columns
/// filled from the log, columns the file lacks as nulls, physical names mapped to logical ones
/// (column mapping) and file types converted to the table's.
public struct TableScan: Sendable {
    public let snapshot: Snapshot
    /// The columns to produce, in order (all when nil).
    public let columns: [String]?

    public init(snapshot: Snapshot, columns: [String]? = nil) {
        self.snapshot = snapshot
        self.columns = columns
    }

    var table: String { snapshot.table }

    /// The fields produced, in order.
    public func outputFields() throws(DeltaError) -> [DeltaField] {
        guard let columns else { return snapshot.fields }
        var fields: [DeltaField] = []
        for name in columns {
            guard let field = snapshot.fields.first(where: { $0.name == name }) else {
                throw DeltaError(.invalidRequest, table: table,
                                 "no column named '\(name)' (columns: \(snapshot.fields.map(\.name).joined(separator: ", ")))")
            }
            fields.append(field)
        }
        return fields
    }

    /// The live files that may hold rows matching `condition` (all when nil), pruned by partition
    /// values and `add.stats`.
    public func files(matching condition: Expression?) -> [AddFile] {
        guard let condition else { return snapshot.files }
        let skipping = snapshot.skipping(condition)
        return snapshot.files.filter(skipping.mayMatch)
    }

    /// Every row of the snapshot, one batch per row group of each data file (files in log order).
    public func batches(storage: any DeltaStorage) throws(DeltaError) -> [RecordBatch] {
        var result: [RecordBatch] = []
        for file in snapshot.files {
            result += try read(file, storage: storage)
        }
        return result
    }

    /// The rows of one data file, as batches of the output schema.
    public func read(_ file: AddFile, storage: any DeltaStorage) throws(DeltaError) -> [RecordBatch] {
        let fields = try outputFields()
        let schema = Schema(fields.map(DeltaSchema.columnarField))
        let relative = DeltaPath.decode(file.path)
        let location = relative.hasPrefix("file:") ? String(relative.drop { $0 != "/" }) : storage.localPath(relative)
        let mode = snapshot.metadata.configuration["delta.columnMapping.mode"] ?? "none"
        let partitions = Set(snapshot.partitionColumns)
        let reader: ParquetFileReader
        do throws(ParquetReadError) {
            reader = try ParquetFileReader(path: location)
        } catch {
            throw DeltaError(error.kind == .io ? .io : .corruptLog, table: table, location: relative, "cannot read the data file: \(error.message)")
        }
        let fileNames = Set(reader.schema.names)
        // Which file column feeds each output field (nil: a partition column or one the file lacks).
        let sources: [String?] = fields.map { field in
            if partitions.contains(field.name) { return nil }
            let physical = mode == "none" ? field.name : (field.physicalName ?? field.name)
            return fileNames.contains(physical) ? physical : nil
        }
        let wanted = Array(Set(sources.compactMap { $0 })).sorted()
        let deleted = try file.deletionVector.map { dv throws(DeltaError) in
            try DeletionVectorLoader(storage: storage).rows(dv, file: relative)
        } ?? []
        var nextDeleted = 0
        var firstRow: UInt64 = 0
        var batches: [RecordBatch] = []
        for group in 0 ..< reader.rowGroupCount {
            let raw: RecordBatch
            do throws(ParquetReadError) {
                raw = try reader.readRowGroup(group, columns: wanted)
            } catch {
                throw DeltaError(.corruptLog, table: table, location: relative, "cannot read row group \(group): \(error.message)")
            }
            var columns: [Column] = []
            for (field, source) in zip(schema.fields, sources) {
                if let source, let column = raw.column(named: source) {
                    let logical = mode == "none" ? column : Self.logicalNames(column, fields: snapshot.fields.first { $0.name == field.name })
                    guard let converted = ColumnCast.cast(logical, to: field.type) else {
                        throw DeltaError(.invalidRequest, table: table, location: relative,
                                         "column '\(field.name)' is \(column.dataType) in the file, which cannot be read as \(field.type)")
                    }
                    columns.append(converted)
                } else if partitions.contains(field.name) {
                    // Under column mapping the log keys partition values by physical name.
                    let delta = snapshot.fields.first { $0.name == field.name }
                    let key = mode == "none" ? field.name : (delta?.physicalName ?? field.name)
                    let text = file.partitionValues[key] ?? file.partitionValues[field.name] ?? nil
                    guard let value = PartitionValues.parse(text, as: field.type) else {
                        throw DeltaError(.corruptLog, table: table, location: relative,
                                         "partition value '\(text ?? "")' of column '\(field.name)' is not a \(field.type)")
                    }
                    columns.append(Self.constant(value, type: field.type, count: raw.rowCount))
                } else {
                    columns.append(ColumnCast.nulls(field.type, count: raw.rowCount))
                }
            }
            do throws(ColumnarError) {
                var batch = try RecordBatch(schema: schema, columns: columns, rowCount: raw.rowCount)
                // Rows of this row group that the deletion vector deletes.
                let end = firstRow + UInt64(raw.rowCount)
                if nextDeleted < deleted.count, deleted[nextDeleted] < end {
                    var keep = [Bool](repeating: true, count: raw.rowCount)
                    while nextDeleted < deleted.count, deleted[nextDeleted] < end {
                        keep[Int(deleted[nextDeleted] - firstRow)] = false
                        nextDeleted += 1
                    }
                    batch = try batch.filter(keep)
                }
                firstRow = end
                batches.append(batch)
            } catch {
                throw DeltaError(.corruptLog, table: table, location: relative, "row group \(group): \(error)")
            }
        }
        guard nextDeleted == deleted.count else {
            throw DeltaError(.corruptLog, table: table, location: relative,
                             "the deletion vector deletes row \(deleted[nextDeleted]) but the file has \(firstRow) rows")
        }
        return batches
    }

    /// A column repeating `value`.
    static func constant(_ value: ScalarValue, type: DataType, count: Int) -> Column {
        let builder = makeColumnBuilder(for: type, capacity: count)
        for _ in 0 ..< count {
            if value.isNull { builder.appendNull() } else { try? builder.append(scalar: value) }
        }
        return builder.finish()
    }

    /// Renames the nested struct fields of a column-mapped column from physical to logical names.
    static func logicalNames(_ column: Column, fields field: DeltaField?) -> Column {
        guard let field else { return column }
        return rename(column, type: field.type)
    }

    private static func rename(_ column: Column, type: DeltaType) -> Column {
        switch (column, type) {
        case (.struct(let s), .struct(let fields)):
            var names: [Field] = []
            var children: [Column] = []
            for field in fields {
                let physical = field.physicalName ?? field.name
                guard let child = s.child(named: physical) else { continue }
                let renamed = rename(child, type: field.type)
                names.append(Field(field.name, renamed.dataType, nullable: field.nullable))
                children.append(renamed)
            }
            return (try? .struct(StructColumn(fields: names, children: children, count: s.count, validity: s.validity))) ?? column
        case (.list(let l), .array(let element, _)):
            let values = rename(l.values, type: element)
            let item = Field(l.field.name, values.dataType, nullable: l.field.nullable)
            return (try? .list(ListColumn(field: item, offsets: l.offsets, values: values, offset: l.offset, count: l.count, validity: l.validity))) ?? column
        case (.map(let m), .map(let key, let value, _)):
            let keys = rename(m.keys, type: key), items = rename(m.items, type: value)
            return (try? .map(MapColumn(keyField: Field(m.keyField.name, keys.dataType, nullable: m.keyField.nullable),
                                        valueField: Field(m.valueField.name, items.dataType, nullable: m.valueField.nullable),
                                        keysSorted: m.keysSorted, offsets: m.offsets, keys: keys, items: items, offset: m.offset,
                                        count: m.count, validity: m.validity))) ?? column
        default:
            return column
        }
    }
}
