/// A key/value pair of file or column metadata (pandas and Arrow keep their schemas here).
public struct KeyValue: ThriftStruct, Hashable {
    /// 1 (required)
    public var key: String
    /// 2: a key may have no value at all, which is not the same as an empty one.
    public var value: String?

    public init(key: String, value: String? = nil) {
        self.key = key
        self.value = value
    }

    public init(from reader: inout CompactReader) throws(ThriftError) {
        let start = reader.offset
        var key: String?
        var value: String?
        try reader.readStruct("KeyValue") { reader, field throws(ThriftError) in
            switch field.id {
            case 1: key = try reader.readString(field)
            case 2: value = try reader.readString(field)
            default: try reader.skip(field)
            }
        }
        self.init(key: try reader.required(key, "KeyValue", 1, "key", structOffset: start), value: value)
    }

    public func write(to writer: inout CompactWriter) {
        writer.writeStruct { writer in
            writer.writeField(1, string: key)
            writer.writeField(2, string: value)
        }
    }
}

/// One key of the sort order that a row group's rows follow.
public struct SortingColumn: ThriftStruct, Hashable {
    /// 1: index of the leaf column in the row group.
    public var columnIdx: Int32
    /// 2
    public var descending: Bool
    /// 3
    public var nullsFirst: Bool

    public init(columnIdx: Int32, descending: Bool, nullsFirst: Bool) {
        self.columnIdx = columnIdx
        self.descending = descending
        self.nullsFirst = nullsFirst
    }

    public init(from reader: inout CompactReader) throws(ThriftError) {
        let start = reader.offset
        var column: Int32?
        var descending: Bool?
        var nullsFirst: Bool?
        try reader.readStruct("SortingColumn") { reader, field throws(ThriftError) in
            switch field.id {
            case 1: column = try reader.readI32(field)
            case 2: descending = try reader.readBool(field)
            case 3: nullsFirst = try reader.readBool(field)
            default: try reader.skip(field)
            }
        }
        self.init(
            columnIdx: try reader.required(column, "SortingColumn", 1, "column_idx", structOffset: start),
            descending: try reader.required(descending, "SortingColumn", 2, "descending", structOffset: start),
            nullsFirst: try reader.required(nullsFirst, "SortingColumn", 3, "nulls_first", structOffset: start))
    }

    public func write(to writer: inout CompactWriter) {
        writer.writeStruct { writer in
            writer.writeField(1, i32: columnIdx)
            writer.writeField(2, bool: descending)
            writer.writeField(3, bool: nullsFirst)
        }
    }
}

/// A horizontal slice of the file: one column chunk per leaf column.
public struct RowGroup: ThriftStruct {
    /// 1: in the order of the schema's leaves.
    public var columns: [ColumnChunk]
    /// 2: uncompressed bytes of all column data.
    public var totalByteSize: Int64
    /// 3
    public var numRows: Int64
    /// 4
    public var sortingColumns: [SortingColumn]?
    /// 5: offset of the first page of the row group.
    public var fileOffset: Int64?
    /// 6
    public var totalCompressedSize: Int64?
    /// 7: position of the row group in the file.
    public var ordinal: Int16?

    public init(
        columns: [ColumnChunk],
        totalByteSize: Int64,
        numRows: Int64,
        sortingColumns: [SortingColumn]? = nil,
        fileOffset: Int64? = nil,
        totalCompressedSize: Int64? = nil,
        ordinal: Int16? = nil
    ) {
        self.columns = columns
        self.totalByteSize = totalByteSize
        self.numRows = numRows
        self.sortingColumns = sortingColumns
        self.fileOffset = fileOffset
        self.totalCompressedSize = totalCompressedSize
        self.ordinal = ordinal
    }

    public init(from reader: inout CompactReader) throws(ThriftError) {
        let start = reader.offset
        var columns: [ColumnChunk]?
        var totalByteSize: Int64?
        var numRows: Int64?
        var value = RowGroup(columns: [], totalByteSize: 0, numRows: 0)
        try reader.readStruct("RowGroup") { reader, field throws(ThriftError) in
            switch field.id {
            case 1: columns = try reader.readStructList(field)
            case 2: totalByteSize = try reader.readI64(field)
            case 3: numRows = try reader.readI64(field)
            case 4: value.sortingColumns = try reader.readStructList(field)
            case 5: value.fileOffset = try reader.readI64(field)
            case 6: value.totalCompressedSize = try reader.readI64(field)
            case 7: value.ordinal = try reader.readI16(field)
            default: try reader.skip(field)
            }
        }
        value.columns = try reader.required(columns, "RowGroup", 1, "columns", structOffset: start)
        value.totalByteSize = try reader.required(totalByteSize, "RowGroup", 2, "total_byte_size", structOffset: start)
        value.numRows = try reader.required(numRows, "RowGroup", 3, "num_rows", structOffset: start)
        self = value
    }

    public func write(to writer: inout CompactWriter) {
        writer.writeStruct { writer in
            writer.writeField(1, structs: columns)
            writer.writeField(2, i64: totalByteSize)
            writer.writeField(3, i64: numRows)
            writer.writeField(4, structs: sortingColumns)
            writer.writeField(5, i64: fileOffset)
            writer.writeField(6, i64: totalCompressedSize)
            writer.writeField(7, i16: ordinal)
        }
    }
}

/// The order that a leaf column's min/max statistics follow (the `ColumnOrder` union).
/// Statistics of a column whose order is `.unrecognized` must be ignored.
public enum ColumnOrder: ThriftStruct, Hashable {
    /// The order of the logical type, or of the physical type when there is none.
    case typeDefinedOrder
    /// IEEE 754 totalOrder for floating point columns.
    case ieee754TotalOrder
    /// Chronological order of INT96 timestamps.
    case int96TimestampOrder
    case unrecognized(fieldId: Int16)

    public init(from reader: inout CompactReader) throws(ThriftError) {
        var result: ColumnOrder?
        try reader.readStruct("ColumnOrder") { reader, field throws(ThriftError) in
            guard result == nil, field.type == .struct else { return try reader.skip(field) }
            switch field.id {
            case 1: result = .typeDefinedOrder
            case 2: result = .ieee754TotalOrder
            case 3: result = .int96TimestampOrder
            default: result = .unrecognized(fieldId: field.id)
            }
            try reader.skip(field)
        }
        self = result ?? .unrecognized(fieldId: 0)
    }

    public func write(to writer: inout CompactWriter) {
        writer.writeStruct { writer in
            switch self {
            case .typeDefinedOrder: writer.writeEmptyStructField(1)
            case .ieee754TotalOrder: writer.writeEmptyStructField(2)
            case .int96TimestampOrder: writer.writeEmptyStructField(3)
            case .unrecognized: break
            }
        }
    }
}

/// The file footer: schema, row groups and file-level metadata.
public struct FileMetaData: ThriftStruct {
    /// 1: 1 or 2; readers should accept both alike.
    public var version: Int32
    /// 2: the schema tree, depth-first, root first.
    public var schema: [SchemaElement]
    /// 3
    public var numRows: Int64
    /// 4
    public var rowGroups: [RowGroup]
    /// 5
    public var keyValueMetadata: [KeyValue]?
    /// 6: e.g. "parquet-cpp-arrow version 19.0.0".
    public var createdBy: String?
    /// 7: one per leaf column, in schema order.
    public var columnOrders: [ColumnOrder]?
    /// 8, 9: set only in encrypted files with a plaintext footer.
    public var encryptionAlgorithm: EncryptionAlgorithm?
    public var footerSigningKeyMetadata: [UInt8]?

    public init(
        version: Int32 = 1,
        schema: [SchemaElement],
        numRows: Int64,
        rowGroups: [RowGroup],
        keyValueMetadata: [KeyValue]? = nil,
        createdBy: String? = nil,
        columnOrders: [ColumnOrder]? = nil,
        encryptionAlgorithm: EncryptionAlgorithm? = nil,
        footerSigningKeyMetadata: [UInt8]? = nil
    ) {
        self.version = version
        self.schema = schema
        self.numRows = numRows
        self.rowGroups = rowGroups
        self.keyValueMetadata = keyValueMetadata
        self.createdBy = createdBy
        self.columnOrders = columnOrders
        self.encryptionAlgorithm = encryptionAlgorithm
        self.footerSigningKeyMetadata = footerSigningKeyMetadata
    }

    /// Whether the file's columns are encrypted (its footer being plaintext, or it would not
    /// have been readable).
    public var isEncrypted: Bool { encryptionAlgorithm != nil }

    public init(from reader: inout CompactReader) throws(ThriftError) {
        let start = reader.offset
        var version: Int32?
        var schema: [SchemaElement]?
        var numRows: Int64?
        var rowGroups: [RowGroup]?
        var value = FileMetaData(schema: [], numRows: 0, rowGroups: [])
        try reader.readStruct("FileMetaData") { reader, field throws(ThriftError) in
            switch field.id {
            case 1: version = try reader.readI32(field)
            case 2: schema = try reader.readStructList(field)
            case 3: numRows = try reader.readI64(field)
            case 4: rowGroups = try reader.readStructList(field)
            case 5: value.keyValueMetadata = try reader.readStructList(field)
            case 6: value.createdBy = try reader.readString(field)
            case 7: value.columnOrders = try reader.readStructList(field)
            case 8: value.encryptionAlgorithm = try reader.readStruct(field)
            case 9: value.footerSigningKeyMetadata = try reader.readBinary(field)
            default: try reader.skip(field)
            }
        }
        value.version = try reader.required(version, "FileMetaData", 1, "version", structOffset: start)
        value.schema = try reader.required(schema, "FileMetaData", 2, "schema", structOffset: start)
        value.numRows = try reader.required(numRows, "FileMetaData", 3, "num_rows", structOffset: start)
        value.rowGroups = try reader.required(rowGroups, "FileMetaData", 4, "row_groups", structOffset: start)
        self = value
    }

    public func write(to writer: inout CompactWriter) {
        writer.writeStruct { writer in
            writer.writeField(1, i32: version)
            writer.writeField(2, structs: schema)
            writer.writeField(3, i64: numRows)
            writer.writeField(4, structs: rowGroups)
            writer.writeField(5, structs: keyValueMetadata)
            writer.writeField(6, string: createdBy)
            writer.writeField(7, structs: columnOrders)
            writer.writeField(8, struct: encryptionAlgorithm)
            writer.writeField(9, binary: footerSigningKeyMetadata)
        }
    }
}
