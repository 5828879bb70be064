/// A Thrift enum of parquet.thrift, kept open: a value this code does not know (written by a
/// newer writer, or garbage) decodes without error, keeps its number, and is reported as
/// `UNKNOWN(n)` so that the code using it decides whether that matters.
public protocol ThriftEnum: RawRepresentable, Hashable, Sendable, CustomStringConvertible where RawValue == Int32 {
    init(rawValue: Int32)
    /// The names parquet.thrift gives the values, by number.
    static var names: [Int32: String] { get }
}

extension ThriftEnum {
    /// Whether parquet.thrift (as of this code) defines the value.
    public var isKnown: Bool { Self.names[rawValue] != nil }

    /// The parquet.thrift name (`PLAIN`, `INT64`, ...), or `UNKNOWN(n)`.
    public var description: String { Self.names[rawValue] ?? "UNKNOWN(\(rawValue))" }
}

extension CompactReader {
    public mutating func readEnum<E: ThriftEnum>(_ field: ThriftField, as type: E.Type = E.self) throws(ThriftError) -> E? {
        try readI32(field).map(E.init(rawValue:))
    }

    public mutating func readEnumList<E: ThriftEnum>(_ field: ThriftField, of type: E.Type = E.self) throws(ThriftError) -> [E]? {
        try readList(field, of: .i32) { reader throws(ThriftError) in E(rawValue: try reader.readI32()) }
    }
}

extension CompactWriter {
    public mutating func writeField<E: ThriftEnum>(_ id: Int16, enum value: E?) {
        writeField(id, i32: value?.rawValue)
    }

    public mutating func writeField<E: ThriftEnum>(_ id: Int16, enums values: [E]?) {
        writeField(id, list: values, of: .i32) { writer, value in writer.writeI32(value.rawValue) }
    }
}

/// Physical storage type of a column (`Type` in parquet.thrift).
public struct PhysicalType: ThriftEnum {
    public var rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }

    public static let boolean = PhysicalType(rawValue: 0)
    public static let int32 = PhysicalType(rawValue: 1)
    public static let int64 = PhysicalType(rawValue: 2)
    /// Deprecated; legacy timestamps (Impala, Spark).
    public static let int96 = PhysicalType(rawValue: 3)
    public static let float = PhysicalType(rawValue: 4)
    public static let double = PhysicalType(rawValue: 5)
    public static let byteArray = PhysicalType(rawValue: 6)
    public static let fixedLenByteArray = PhysicalType(rawValue: 7)

    public static let names: [Int32: String] = [
        0: "BOOLEAN", 1: "INT32", 2: "INT64", 3: "INT96", 4: "FLOAT", 5: "DOUBLE",
        6: "BYTE_ARRAY", 7: "FIXED_LEN_BYTE_ARRAY",
    ]
}

/// The deprecated annotations that `LogicalType` supersedes; writers still set them for older
/// readers.
public struct ConvertedType: ThriftEnum {
    public var rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }

    public static let utf8 = ConvertedType(rawValue: 0)
    public static let map = ConvertedType(rawValue: 1)
    public static let mapKeyValue = ConvertedType(rawValue: 2)
    public static let list = ConvertedType(rawValue: 3)
    public static let `enum` = ConvertedType(rawValue: 4)
    public static let decimal = ConvertedType(rawValue: 5)
    public static let date = ConvertedType(rawValue: 6)
    public static let timeMillis = ConvertedType(rawValue: 7)
    public static let timeMicros = ConvertedType(rawValue: 8)
    public static let timestampMillis = ConvertedType(rawValue: 9)
    public static let timestampMicros = ConvertedType(rawValue: 10)
    public static let uint8 = ConvertedType(rawValue: 11)
    public static let uint16 = ConvertedType(rawValue: 12)
    public static let uint32 = ConvertedType(rawValue: 13)
    public static let uint64 = ConvertedType(rawValue: 14)
    public static let int8 = ConvertedType(rawValue: 15)
    public static let int16 = ConvertedType(rawValue: 16)
    public static let int32 = ConvertedType(rawValue: 17)
    public static let int64 = ConvertedType(rawValue: 18)
    public static let json = ConvertedType(rawValue: 19)
    public static let bson = ConvertedType(rawValue: 20)
    public static let interval = ConvertedType(rawValue: 21)

    public static let names: [Int32: String] = [
        0: "UTF8", 1: "MAP", 2: "MAP_KEY_VALUE", 3: "LIST", 4: "ENUM", 5: "DECIMAL", 6: "DATE",
        7: "TIME_MILLIS", 8: "TIME_MICROS", 9: "TIMESTAMP_MILLIS", 10: "TIMESTAMP_MICROS",
        11: "UINT_8", 12: "UINT_16", 13: "UINT_32", 14: "UINT_64",
        15: "INT_8", 16: "INT_16", 17: "INT_32", 18: "INT_64",
        19: "JSON", 20: "BSON", 21: "INTERVAL",
    ]
}

/// Whether a schema field is required, optional or repeated.
public struct FieldRepetitionType: ThriftEnum {
    public var rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }

    public static let required = FieldRepetitionType(rawValue: 0)
    public static let optional = FieldRepetitionType(rawValue: 1)
    public static let repeated = FieldRepetitionType(rawValue: 2)
    /// A fixed-size vector group (`SchemaElement.vectorLength` slots), a recent addition.
    public static let vector = FieldRepetitionType(rawValue: 3)

    public static let names: [Int32: String] = [0: "REQUIRED", 1: "OPTIONAL", 2: "REPEATED", 3: "VECTOR"]
}

/// Encoding of page values or of repetition/definition levels.
public struct Encoding: ThriftEnum {
    public var rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }

    public static let plain = Encoding(rawValue: 0)
    /// Deprecated dictionary encoding of Parquet 1.0 (dictionary pages and data pages alike).
    public static let plainDictionary = Encoding(rawValue: 2)
    public static let rle = Encoding(rawValue: 3)
    /// Deprecated; levels only.
    public static let bitPacked = Encoding(rawValue: 4)
    public static let deltaBinaryPacked = Encoding(rawValue: 5)
    public static let deltaLengthByteArray = Encoding(rawValue: 6)
    public static let deltaByteArray = Encoding(rawValue: 7)
    public static let rleDictionary = Encoding(rawValue: 8)
    public static let byteStreamSplit = Encoding(rawValue: 9)

    public static let names: [Int32: String] = [
        0: "PLAIN", 2: "PLAIN_DICTIONARY", 3: "RLE", 4: "BIT_PACKED", 5: "DELTA_BINARY_PACKED",
        6: "DELTA_LENGTH_BYTE_ARRAY", 7: "DELTA_BYTE_ARRAY", 8: "RLE_DICTIONARY", 9: "BYTE_STREAM_SPLIT",
    ]
}

/// Kind of a page, telling which of the page header's variant headers is set.
public struct PageType: ThriftEnum {
    public var rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }

    public static let dataPage = PageType(rawValue: 0)
    public static let indexPage = PageType(rawValue: 1)
    public static let dictionaryPage = PageType(rawValue: 2)
    public static let dataPageV2 = PageType(rawValue: 3)

    public static let names: [Int32: String] = [
        0: "DATA_PAGE", 1: "INDEX_PAGE", 2: "DICTIONARY_PAGE", 3: "DATA_PAGE_V2",
    ]
}

/// Whether the min/max lists of a column index are sorted.
public struct BoundaryOrder: ThriftEnum {
    public var rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }

    public static let unordered = BoundaryOrder(rawValue: 0)
    public static let ascending = BoundaryOrder(rawValue: 1)
    public static let descending = BoundaryOrder(rawValue: 2)

    public static let names: [Int32: String] = [0: "UNORDERED", 1: "ASCENDING", 2: "DESCENDING"]
}

/// How edges between the vertices of a GEOGRAPHY value are interpolated.
public struct EdgeInterpolationAlgorithm: ThriftEnum {
    public var rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }

    public static let spherical = EdgeInterpolationAlgorithm(rawValue: 0)
    public static let vincenty = EdgeInterpolationAlgorithm(rawValue: 1)
    public static let thomas = EdgeInterpolationAlgorithm(rawValue: 2)
    public static let andoyer = EdgeInterpolationAlgorithm(rawValue: 3)
    public static let karney = EdgeInterpolationAlgorithm(rawValue: 4)

    public static let names: [Int32: String] = [
        0: "SPHERICAL", 1: "VINCENTY", 2: "THOMAS", 3: "ANDOYER", 4: "KARNEY",
    ]
}

extension PageCodec {
    /// Reads a `CompressionCodec` field (nil when mistyped). The codec enum is closed, so a
    /// number it does not define is an error here rather than later.
    static func read(_ field: ThriftField, from reader: inout CompactReader) throws(ThriftError) -> PageCodec? {
        guard let value = try reader.readI32(field) else { return nil }
        guard let codec = PageCodec(rawValue: value) else {
            throw reader.error("\(field.owner) field \(field.id) names compression codec \(value), which is not defined", at: field.offset)
        }
        return codec
    }
}
