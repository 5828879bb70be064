/// Equal-length columns described by a schema: the unit of data that readers,
/// engines and writers pass around.
public struct RecordBatch: Sendable, CustomStringConvertible {
    /// The fields, one per column.
    public let schema: Schema
    /// The columns, in schema order.
    public let columns: [Column]
    /// The number of rows (every column's length).
    public let rowCount: Int

    /// Assembles a batch, checking that there is one column per field, that each
    /// column has its field's type and the batch's length, and that
    /// non-nullable fields hold no nulls. `rowCount` is only needed without columns.
    public init(schema: Schema, columns: [Column], rowCount: Int? = nil) throws(ColumnarError) {
        guard columns.count == schema.count else {
            throw .columnCountMismatch(expected: schema.count, actual: columns.count)
        }
        let rows = rowCount ?? columns.first?.count ?? 0
        for (field, column) in zip(schema.fields, columns) {
            guard column.dataType == field.type else {
                throw .typeMismatch(field: field.name, expected: field.type, actual: column.dataType)
            }
            guard column.count == rows else {
                throw .lengthMismatch(field: field.name, expected: rows, actual: column.count)
            }
            if !field.nullable && column.nullCount > 0 {
                throw .nullsInNonNullableField(field: field.name, nullCount: column.nullCount)
            }
        }
        self.init(unchecked: schema, columns: columns, rowCount: rows)
    }

    /// A batch of nullable fields named and typed after the given columns.
    public init(_ namedColumns: [(String, Column)]) throws(ColumnarError) {
        try self.init(schema: Schema(namedColumns.map { Field($0.0, $0.1.dataType) }), columns: namedColumns.map(\.1))
    }

    init(unchecked schema: Schema, columns: [Column], rowCount: Int) {
        self.schema = schema
        self.columns = columns
        self.rowCount = rowCount
    }

    /// A batch with no rows.
    public static func empty(schema: Schema) -> RecordBatch {
        RecordBatch(unchecked: schema, columns: schema.fields.map { makeColumnBuilder(for: $0.type).finish() }, rowCount: 0)
    }

    /// The number of columns.
    public var columnCount: Int { columns.count }

    /// The column at `index`.
    public func column(at index: Int) -> Column { columns[index] }

    /// The column whose field is called `name`, or nil when there is none or more than one.
    public func column(named name: String) -> Column? {
        (try? schema.index(of: name)).map { columns[$0] }
    }

    /// The rows `offset..<offset+count`; every column is sliced without copying.
    public func slice(offset: Int, count: Int) -> RecordBatch {
        checkSlice(offset, count, of: rowCount)
        return RecordBatch(unchecked: schema, columns: columns.map { $0.slice(offset: offset, count: count) }, rowCount: count)
    }

    /// A batch with just the named columns, in the order given.
    public func project(_ names: [String]) throws(ColumnarError) -> RecordBatch {
        var picked: [Column] = []
        for name in names { picked.append(columns[try schema.index(of: name)]) }
        return RecordBatch(unchecked: try schema.project(names), columns: picked, rowCount: rowCount)
    }

    /// Row `index` as a `.struct` scalar of field names and values.
    public func row(at index: Int) -> ScalarValue {
        precondition(index >= 0 && index < rowCount, "RecordBatch: row \(index) out of range 0..<\(rowCount)")
        return .struct(zip(schema.fields, columns).map { (name: $0.name, value: $1.value(at: index)) })
    }

    /// Appends the rows of `batches`, in order, into one batch with new buffers.
    /// The batches must have the same field names, types and nullability; the
    /// first batch's schema (with its metadata) is kept.
    public static func concatenate(_ batches: [RecordBatch]) throws(ColumnarError) -> RecordBatch {
        guard let first = batches.first else { throw .emptyConcatenation }
        for batch in batches.dropFirst() where !batch.schema.hasSameFields(as: first.schema) {
            throw .schemaMismatch(expected: first.schema, actual: batch.schema)
        }
        var columns: [Column] = []
        for index in 0..<first.columnCount {
            columns.append(try Column.concatenate(batches.map { $0.columns[index] }))
        }
        return RecordBatch(unchecked: first.schema, columns: columns, rowCount: batches.reduce(0) { $0 + $1.rowCount })
    }

    /// The schema and the row count, e.g. "RecordBatch(3 rows, {a: int64})".
    public var description: String { "RecordBatch(\(rowCount) rows, \(schema))" }
}
