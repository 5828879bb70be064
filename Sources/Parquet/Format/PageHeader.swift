/// Header of a version 1 data page: levels and values share one (compressed) body.
public struct DataPageHeader: ThriftStruct {
    /// 1: values including nulls.
    public var numValues: Int32
    /// 2
    public var encoding: Encoding
    /// 3, 4
    public var definitionLevelEncoding: Encoding
    public var repetitionLevelEncoding: Encoding
    /// 5
    public var statistics: Statistics?

    public init(
        numValues: Int32, encoding: Encoding,
        definitionLevelEncoding: Encoding = .rle, repetitionLevelEncoding: Encoding = .rle,
        statistics: Statistics? = nil
    ) {
        self.numValues = numValues
        self.encoding = encoding
        self.definitionLevelEncoding = definitionLevelEncoding
        self.repetitionLevelEncoding = repetitionLevelEncoding
        self.statistics = statistics
    }

    public init(from reader: inout CompactReader) throws(ThriftError) {
        let start = reader.offset
        var numValues: Int32?
        var encoding: Encoding?
        var definition: Encoding?
        var repetition: Encoding?
        var statistics: Statistics?
        try reader.readStruct("DataPageHeader") { reader, field throws(ThriftError) in
            switch field.id {
            case 1: numValues = try reader.readI32(field)
            case 2: encoding = try reader.readEnum(field)
            case 3: definition = try reader.readEnum(field)
            case 4: repetition = try reader.readEnum(field)
            case 5: statistics = try reader.readStruct(field)
            default: try reader.skip(field)
            }
        }
        let name: StaticString = "DataPageHeader"
        self.init(
            numValues: try reader.required(numValues, name, 1, "num_values", structOffset: start),
            encoding: try reader.required(encoding, name, 2, "encoding", structOffset: start),
            definitionLevelEncoding: try reader.required(definition, name, 3, "definition_level_encoding", structOffset: start),
            repetitionLevelEncoding: try reader.required(repetition, name, 4, "repetition_level_encoding", structOffset: start),
            statistics: statistics)
    }

    public func write(to writer: inout CompactWriter) {
        writer.writeStruct { writer in
            writer.writeField(1, i32: numValues)
            writer.writeField(2, enum: encoding)
            writer.writeField(3, enum: definitionLevelEncoding)
            writer.writeField(4, enum: repetitionLevelEncoding)
            writer.writeField(5, struct: statistics)
        }
    }
}

/// Header of an index page; parquet.thrift defines no fields for it.
public struct IndexPageHeader: ThriftStruct {
    public init() {}

    public init(from reader: inout CompactReader) throws(ThriftError) {
        try reader.readStruct("IndexPageHeader") { reader, field throws(ThriftError) in try reader.skip(field) }
    }

    public func write(to writer: inout CompactWriter) {
        writer.writeStruct { _ in }
    }
}

/// Header of the dictionary page that starts a dictionary-encoded column chunk.
public struct DictionaryPageHeader: ThriftStruct {
    /// 1: entries in the dictionary.
    public var numValues: Int32
    /// 2: PLAIN (or the deprecated PLAIN_DICTIONARY).
    public var encoding: Encoding
    /// 3
    public var isSorted: Bool?

    public init(numValues: Int32, encoding: Encoding = .plain, isSorted: Bool? = nil) {
        self.numValues = numValues
        self.encoding = encoding
        self.isSorted = isSorted
    }

    public init(from reader: inout CompactReader) throws(ThriftError) {
        let start = reader.offset
        var numValues: Int32?
        var encoding: Encoding?
        var isSorted: Bool?
        try reader.readStruct("DictionaryPageHeader") { reader, field throws(ThriftError) in
            switch field.id {
            case 1: numValues = try reader.readI32(field)
            case 2: encoding = try reader.readEnum(field)
            case 3: isSorted = try reader.readBool(field)
            default: try reader.skip(field)
            }
        }
        self.init(
            numValues: try reader.required(numValues, "DictionaryPageHeader", 1, "num_values", structOffset: start),
            encoding: try reader.required(encoding, "DictionaryPageHeader", 2, "encoding", structOffset: start),
            isSorted: isSorted)
    }

    public func write(to writer: inout CompactWriter) {
        writer.writeStruct { writer in
            writer.writeField(1, i32: numValues)
            writer.writeField(2, enum: encoding)
            writer.writeField(3, bool: isSorted)
        }
    }
}

/// Header of a version 2 data page: repetition then definition levels come first, RLE-encoded
/// and never compressed, followed by the values, compressed unless `isCompressed` is false.
public struct DataPageHeaderV2: ThriftStruct {
    /// 1: values including nulls.
    public var numValues: Int32
    /// 2
    public var numNulls: Int32
    /// 3: pages of this kind start and end on row boundaries.
    public var numRows: Int32
    /// 4
    public var encoding: Encoding
    /// 5, 6: byte lengths of the level sections.
    public var definitionLevelsByteLength: Int32
    public var repetitionLevelsByteLength: Int32
    /// 7: absent means true.
    public var isCompressed: Bool?
    /// 8
    public var statistics: Statistics?

    public init(
        numValues: Int32, numNulls: Int32, numRows: Int32, encoding: Encoding,
        definitionLevelsByteLength: Int32, repetitionLevelsByteLength: Int32,
        isCompressed: Bool? = nil, statistics: Statistics? = nil
    ) {
        self.numValues = numValues
        self.numNulls = numNulls
        self.numRows = numRows
        self.encoding = encoding
        self.definitionLevelsByteLength = definitionLevelsByteLength
        self.repetitionLevelsByteLength = repetitionLevelsByteLength
        self.isCompressed = isCompressed
        self.statistics = statistics
    }

    /// Whether the values section is compressed (the Thrift default is true).
    public var valuesAreCompressed: Bool { isCompressed ?? true }

    public init(from reader: inout CompactReader) throws(ThriftError) {
        let start = reader.offset
        var ints = [Int32?](repeating: nil, count: 6)
        var encoding: Encoding?
        var isCompressed: Bool?
        var statistics: Statistics?
        try reader.readStruct("DataPageHeaderV2") { reader, field throws(ThriftError) in
            switch field.id {
            case 1, 2, 3, 5, 6: ints[Int(field.id) - 1] = try reader.readI32(field)
            case 4: encoding = try reader.readEnum(field)
            case 7: isCompressed = try reader.readBool(field)
            case 8: statistics = try reader.readStruct(field)
            default: try reader.skip(field)
            }
        }
        let name: StaticString = "DataPageHeaderV2"
        self.init(
            numValues: try reader.required(ints[0], name, 1, "num_values", structOffset: start),
            numNulls: try reader.required(ints[1], name, 2, "num_nulls", structOffset: start),
            numRows: try reader.required(ints[2], name, 3, "num_rows", structOffset: start),
            encoding: try reader.required(encoding, name, 4, "encoding", structOffset: start),
            definitionLevelsByteLength: try reader.required(ints[4], name, 5, "definition_levels_byte_length", structOffset: start),
            repetitionLevelsByteLength: try reader.required(ints[5], name, 6, "repetition_levels_byte_length", structOffset: start),
            isCompressed: isCompressed,
            statistics: statistics)
    }

    public func write(to writer: inout CompactWriter) {
        writer.writeStruct { writer in
            writer.writeField(1, i32: numValues)
            writer.writeField(2, i32: numNulls)
            writer.writeField(3, i32: numRows)
            writer.writeField(4, enum: encoding)
            writer.writeField(5, i32: definitionLevelsByteLength)
            writer.writeField(6, i32: repetitionLevelsByteLength)
            writer.writeField(7, bool: isCompressed)
            writer.writeField(8, struct: statistics)
        }
    }
}

/// The header before every page. Which variant header is set follows `type`; a reader should
/// check that the one it needs is present rather than trust `type` alone.
public struct PageHeader: ThriftStruct {
    /// 1
    public var type: PageType
    /// 2, 3: page body sizes, header excluded.
    public var uncompressedPageSize: Int32
    public var compressedPageSize: Int32
    /// 4: CRC-32 of the page body as stored.
    public var crc: Int32?
    /// 5...8
    public var dataPageHeader: DataPageHeader?
    public var indexPageHeader: IndexPageHeader?
    public var dictionaryPageHeader: DictionaryPageHeader?
    public var dataPageHeaderV2: DataPageHeaderV2?

    public init(
        type: PageType, uncompressedPageSize: Int32, compressedPageSize: Int32, crc: Int32? = nil,
        dataPageHeader: DataPageHeader? = nil, indexPageHeader: IndexPageHeader? = nil,
        dictionaryPageHeader: DictionaryPageHeader? = nil, dataPageHeaderV2: DataPageHeaderV2? = nil
    ) {
        self.type = type
        self.uncompressedPageSize = uncompressedPageSize
        self.compressedPageSize = compressedPageSize
        self.crc = crc
        self.dataPageHeader = dataPageHeader
        self.indexPageHeader = indexPageHeader
        self.dictionaryPageHeader = dictionaryPageHeader
        self.dataPageHeaderV2 = dataPageHeaderV2
    }

    public init(from reader: inout CompactReader) throws(ThriftError) {
        let start = reader.offset
        var type: PageType?
        var uncompressed: Int32?
        var compressed: Int32?
        var value = PageHeader(type: .dataPage, uncompressedPageSize: 0, compressedPageSize: 0)
        try reader.readStruct("PageHeader") { reader, field throws(ThriftError) in
            switch field.id {
            case 1: type = try reader.readEnum(field)
            case 2: uncompressed = try reader.readI32(field)
            case 3: compressed = try reader.readI32(field)
            case 4: value.crc = try reader.readI32(field)
            case 5: value.dataPageHeader = try reader.readStruct(field)
            case 6: value.indexPageHeader = try reader.readStruct(field)
            case 7: value.dictionaryPageHeader = try reader.readStruct(field)
            case 8: value.dataPageHeaderV2 = try reader.readStruct(field)
            default: try reader.skip(field)
            }
        }
        value.type = try reader.required(type, "PageHeader", 1, "type", structOffset: start)
        value.uncompressedPageSize = try reader.required(uncompressed, "PageHeader", 2, "uncompressed_page_size", structOffset: start)
        value.compressedPageSize = try reader.required(compressed, "PageHeader", 3, "compressed_page_size", structOffset: start)
        self = value
    }

    public func write(to writer: inout CompactWriter) {
        writer.writeStruct { writer in
            writer.writeField(1, enum: type)
            writer.writeField(2, i32: uncompressedPageSize)
            writer.writeField(3, i32: compressedPageSize)
            writer.writeField(4, i32: crc)
            writer.writeField(5, struct: dataPageHeader)
            writer.writeField(6, struct: indexPageHeader)
            writer.writeField(7, struct: dictionaryPageHeader)
            writer.writeField(8, struct: dataPageHeaderV2)
        }
    }
}
