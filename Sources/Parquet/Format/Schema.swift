/// One node of the schema tree. `FileMetaData.schema` lists the nodes depth-first, the root
/// first; a group node has `numChildren` set and no `type`, a leaf has `type` set.
public struct SchemaElement: ThriftStruct {
    /// 1: physical type; set for leaves only.
    public var type: PhysicalType?
    /// 2: byte width of FIXED_LEN_BYTE_ARRAY values.
    public var typeLength: Int32?
    /// 3: unset on the root only.
    public var repetitionType: FieldRepetitionType?
    /// 4 (required)
    public var name: String
    /// 5: set for groups (including the root).
    public var numChildren: Int32?
    /// 6: deprecated annotation, still written for older readers.
    public var convertedType: ConvertedType?
    /// 7, 8: decimal scale and precision (deprecated in favour of `logicalType`).
    public var scale: Int32?
    public var precision: Int32?
    /// 9: the field id of the original schema (Iceberg, Spark, Arrow field ids).
    public var fieldId: Int32?
    /// 10
    public var logicalType: LogicalType?
    /// 11: slots per parent occurrence for VECTOR repetition.
    public var vectorLength: Int32?

    public init(
        name: String,
        type: PhysicalType? = nil,
        typeLength: Int32? = nil,
        repetitionType: FieldRepetitionType? = nil,
        numChildren: Int32? = nil,
        convertedType: ConvertedType? = nil,
        scale: Int32? = nil,
        precision: Int32? = nil,
        fieldId: Int32? = nil,
        logicalType: LogicalType? = nil,
        vectorLength: Int32? = nil
    ) {
        self.name = name
        self.type = type
        self.typeLength = typeLength
        self.repetitionType = repetitionType
        self.numChildren = numChildren
        self.convertedType = convertedType
        self.scale = scale
        self.precision = precision
        self.fieldId = fieldId
        self.logicalType = logicalType
        self.vectorLength = vectorLength
    }

    /// Whether this node is a group (has children) rather than a leaf column.
    public var isGroup: Bool { type == nil }

    public init(from reader: inout CompactReader) throws(ThriftError) {
        let start = reader.offset
        var name: String?
        var value = SchemaElement(name: "")
        try reader.readStruct("SchemaElement") { reader, field throws(ThriftError) in
            switch field.id {
            case 1: value.type = try reader.readEnum(field)
            case 2: value.typeLength = try reader.readI32(field)
            case 3: value.repetitionType = try reader.readEnum(field)
            case 4: name = try reader.readString(field)
            case 5: value.numChildren = try reader.readI32(field)
            case 6: value.convertedType = try reader.readEnum(field)
            case 7: value.scale = try reader.readI32(field)
            case 8: value.precision = try reader.readI32(field)
            case 9: value.fieldId = try reader.readI32(field)
            case 10: value.logicalType = try reader.readStruct(field)
            case 11: value.vectorLength = try reader.readI32(field)
            default: try reader.skip(field)
            }
        }
        value.name = try reader.required(name, "SchemaElement", 4, "name", structOffset: start)
        self = value
    }

    public func write(to writer: inout CompactWriter) {
        writer.writeStruct { writer in
            writer.writeField(1, enum: type)
            writer.writeField(2, i32: typeLength)
            writer.writeField(3, enum: repetitionType)
            writer.writeField(4, string: name)
            writer.writeField(5, i32: numChildren)
            writer.writeField(6, enum: convertedType)
            writer.writeField(7, i32: scale)
            writer.writeField(8, i32: precision)
            writer.writeField(9, i32: fieldId)
            if let logicalType, !logicalType.isUnrecognized {
                writer.writeField(10, struct: logicalType)
            }
            writer.writeField(11, i32: vectorLength)
        }
    }
}

extension LogicalType {
    var isUnrecognized: Bool {
        if case .unrecognized = self { return true }
        return false
    }
}
