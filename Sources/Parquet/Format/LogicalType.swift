/// Unit of a TIME or TIMESTAMP logical type (the `TimeUnit` union of parquet.thrift).
public enum TimeUnit: Sendable, Hashable, CustomStringConvertible {
    case millis
    case micros
    case nanos

    var fieldId: Int16 {
        switch self {
        case .millis: return 1
        case .micros: return 2
        case .nanos: return 3
        }
    }

    public var description: String {
        switch self {
        case .millis: return "MILLIS"
        case .micros: return "MICROS"
        case .nanos: return "NANOS"
        }
    }

    /// Reads the union; nil when it names no unit this code knows.
    static func read(from reader: inout CompactReader) throws(ThriftError) -> TimeUnit? {
        var unit: TimeUnit?
        var seenMember = false
        try reader.readStruct("TimeUnit") { reader, field throws(ThriftError) in
            guard !seenMember, field.type == .struct else { return try reader.skip(field) }
            seenMember = true
            switch field.id {
            case 1: unit = .millis
            case 2: unit = .micros
            case 3: unit = .nanos
            default: break
            }
            try reader.skip(field)
        }
        return unit
    }

    func write(to writer: inout CompactWriter) {
        writer.writeStruct { writer in writer.writeEmptyStructField(fieldId) }
    }
}

/// The logical type annotation of a schema element (the `LogicalType` union of parquet.thrift).
///
/// A union member this code does not know, or a known member whose contents it cannot
/// interpret (say a timestamp unit added later), reads as `.unrecognized(fieldId:)`; such an
/// annotation is not written back (`SchemaElement` leaves its `logicalType` out).
public enum LogicalType: ThriftStruct, Hashable, CustomStringConvertible {
    case string
    case map
    case list
    case `enum`
    case decimal(scale: Int32, precision: Int32)
    case date
    case time(isAdjustedToUTC: Bool, unit: TimeUnit)
    case timestamp(isAdjustedToUTC: Bool, unit: TimeUnit)
    /// `bitWidth` is 8, 16, 32 or 64 in valid files.
    case integer(bitWidth: Int8, isSigned: Bool)
    /// Parquet's `UNKNOWN` (the `NullType` struct): a column whose values are all null.
    case unknown
    case json
    case bson
    case uuid
    case float16
    case variant(specificationVersion: Int8?)
    case geometry(crs: String?)
    case geography(crs: String?, algorithm: EdgeInterpolationAlgorithm?)
    case vector
    /// A member this code cannot interpret; 0 when the union had no member at all.
    case unrecognized(fieldId: Int16)

    public init(from reader: inout CompactReader) throws(ThriftError) {
        var result: LogicalType?
        try reader.readStruct("LogicalType") { reader, field throws(ThriftError) in
            // A union has one member; anything after the first is ignored.
            guard result == nil else { return try reader.skip(field) }
            result = try Self.readMember(field, from: &reader)
        }
        self = result ?? .unrecognized(fieldId: 0)
    }

    private static func readMember(_ field: ThriftField, from reader: inout CompactReader) throws(ThriftError) -> LogicalType {
        guard field.type == .struct else {
            try reader.skip(field)
            return .unrecognized(fieldId: field.id)
        }
        switch field.id {
        case 1: try reader.readEmptyStruct(field); return .string
        case 2: try reader.readEmptyStruct(field); return .map
        case 3: try reader.readEmptyStruct(field); return .list
        case 4: try reader.readEmptyStruct(field); return .enum
        case 5: return try readDecimal(from: &reader)
        case 6: try reader.readEmptyStruct(field); return .date
        case 7, 8: return try readTimeOrTimestamp(field.id, from: &reader)
        case 10: return try readInteger(from: &reader)
        case 11: try reader.readEmptyStruct(field); return .unknown
        case 12: try reader.readEmptyStruct(field); return .json
        case 13: try reader.readEmptyStruct(field); return .bson
        case 14: try reader.readEmptyStruct(field); return .uuid
        case 15: try reader.readEmptyStruct(field); return .float16
        case 16:
            var version: Int8?
            try reader.readStruct("VariantType") { reader, field throws(ThriftError) in
                if field.id == 1 { version = try reader.readI8(field) } else { try reader.skip(field) }
            }
            return .variant(specificationVersion: version)
        case 17:
            var crs: String?
            try reader.readStruct("GeometryType") { reader, field throws(ThriftError) in
                if field.id == 1 { crs = try reader.readString(field) } else { try reader.skip(field) }
            }
            return .geometry(crs: crs)
        case 18:
            var crs: String?
            var algorithm: EdgeInterpolationAlgorithm?
            try reader.readStruct("GeographyType") { reader, field throws(ThriftError) in
                switch field.id {
                case 1: crs = try reader.readString(field)
                case 2: algorithm = try reader.readEnum(field)
                default: try reader.skip(field)
                }
            }
            return .geography(crs: crs, algorithm: algorithm)
        case 19: try reader.readEmptyStruct(field); return .vector
        default:
            try reader.skip(field)
            return .unrecognized(fieldId: field.id)
        }
    }

    private static func readDecimal(from reader: inout CompactReader) throws(ThriftError) -> LogicalType {
        let start = reader.offset
        var scale: Int32?
        var precision: Int32?
        try reader.readStruct("DecimalType") { reader, field throws(ThriftError) in
            switch field.id {
            case 1: scale = try reader.readI32(field)
            case 2: precision = try reader.readI32(field)
            default: try reader.skip(field)
            }
        }
        return .decimal(
            scale: try reader.required(scale, "DecimalType", 1, "scale", structOffset: start),
            precision: try reader.required(precision, "DecimalType", 2, "precision", structOffset: start))
    }

    private static func readTimeOrTimestamp(_ id: Int16, from reader: inout CompactReader) throws(ThriftError) -> LogicalType {
        let name: StaticString = id == 7 ? "TimeType" : "TimestampType"
        let start = reader.offset
        var adjusted: Bool?
        var unit: TimeUnit??
        try reader.readStruct(name) { reader, field throws(ThriftError) in
            switch field.id {
            case 1: adjusted = try reader.readBool(field)
            case 2:
                guard try reader.accept(field, as: .struct) else { return }
                unit = .some(try TimeUnit.read(from: &reader))
            default: try reader.skip(field)
            }
        }
        let isAdjustedToUTC = try reader.required(adjusted, name, 1, "isAdjustedToUTC", structOffset: start)
        guard let knownUnit = try reader.required(unit, name, 2, "unit", structOffset: start) else {
            return .unrecognized(fieldId: id)
        }
        return id == 7 ? .time(isAdjustedToUTC: isAdjustedToUTC, unit: knownUnit)
            : .timestamp(isAdjustedToUTC: isAdjustedToUTC, unit: knownUnit)
    }

    private static func readInteger(from reader: inout CompactReader) throws(ThriftError) -> LogicalType {
        let start = reader.offset
        var bitWidth: Int8?
        var signed: Bool?
        try reader.readStruct("IntType") { reader, field throws(ThriftError) in
            switch field.id {
            case 1: bitWidth = try reader.readI8(field)
            case 2: signed = try reader.readBool(field)
            default: try reader.skip(field)
            }
        }
        return .integer(
            bitWidth: try reader.required(bitWidth, "IntType", 1, "bitWidth", structOffset: start),
            isSigned: try reader.required(signed, "IntType", 2, "isSigned", structOffset: start))
    }

    public func write(to writer: inout CompactWriter) {
        writer.writeStruct { writer in
            switch self {
            case .string: writer.writeEmptyStructField(1)
            case .map: writer.writeEmptyStructField(2)
            case .list: writer.writeEmptyStructField(3)
            case .enum: writer.writeEmptyStructField(4)
            case .decimal(let scale, let precision):
                writer.writeFieldHeader(5, .struct)
                writer.writeStruct { writer in
                    writer.writeField(1, i32: scale)
                    writer.writeField(2, i32: precision)
                }
            case .date: writer.writeEmptyStructField(6)
            case .time(let adjusted, let unit), .timestamp(let adjusted, let unit):
                writer.writeFieldHeader(self.isTime ? 7 : 8, .struct)
                writer.writeStruct { writer in
                    writer.writeField(1, bool: adjusted)
                    writer.writeFieldHeader(2, .struct)
                    unit.write(to: &writer)
                }
            case .integer(let bitWidth, let signed):
                writer.writeFieldHeader(10, .struct)
                writer.writeStruct { writer in
                    writer.writeField(1, i8: bitWidth)
                    writer.writeField(2, bool: signed)
                }
            case .unknown: writer.writeEmptyStructField(11)
            case .json: writer.writeEmptyStructField(12)
            case .bson: writer.writeEmptyStructField(13)
            case .uuid: writer.writeEmptyStructField(14)
            case .float16: writer.writeEmptyStructField(15)
            case .variant(let version):
                writer.writeFieldHeader(16, .struct)
                writer.writeStruct { writer in writer.writeField(1, i8: version) }
            case .geometry(let crs):
                writer.writeFieldHeader(17, .struct)
                writer.writeStruct { writer in writer.writeField(1, string: crs) }
            case .geography(let crs, let algorithm):
                writer.writeFieldHeader(18, .struct)
                writer.writeStruct { writer in
                    writer.writeField(1, string: crs)
                    writer.writeField(2, enum: algorithm)
                }
            case .vector: writer.writeEmptyStructField(19)
            case .unrecognized:
                // Its contents were not kept; an empty union is the closest honest encoding.
                break
            }
        }
    }

    private var isTime: Bool {
        if case .time = self { return true }
        return false
    }

    public var description: String {
        switch self {
        case .string: return "STRING"
        case .map: return "MAP"
        case .list: return "LIST"
        case .enum: return "ENUM"
        case .decimal(let scale, let precision): return "DECIMAL(\(precision),\(scale))"
        case .date: return "DATE"
        case .time(let adjusted, let unit): return "TIME(\(unit),\(adjusted ? "UTC" : "local"))"
        case .timestamp(let adjusted, let unit): return "TIMESTAMP(\(unit),\(adjusted ? "UTC" : "local"))"
        case .integer(let bitWidth, let signed): return "INTEGER(\(bitWidth),\(signed ? "signed" : "unsigned"))"
        case .unknown: return "UNKNOWN"
        case .json: return "JSON"
        case .bson: return "BSON"
        case .uuid: return "UUID"
        case .float16: return "FLOAT16"
        case .variant: return "VARIANT"
        case .geometry: return "GEOMETRY"
        case .geography: return "GEOGRAPHY"
        case .vector: return "VECTOR"
        case .unrecognized(let id): return "UNRECOGNIZED(\(id))"
        }
    }
}
