/// How many pages of one type used one encoding in a column chunk.
public struct PageEncodingStats: ThriftStruct, Hashable {
    public var pageType: PageType
    public var encoding: Encoding
    public var count: Int32

    public init(pageType: PageType, encoding: Encoding, count: Int32) {
        self.pageType = pageType
        self.encoding = encoding
        self.count = count
    }

    public init(from reader: inout CompactReader) throws(ThriftError) {
        let start = reader.offset
        var pageType: PageType?
        var encoding: Encoding?
        var count: Int32?
        try reader.readStruct("PageEncodingStats") { reader, field throws(ThriftError) in
            switch field.id {
            case 1: pageType = try reader.readEnum(field)
            case 2: encoding = try reader.readEnum(field)
            case 3: count = try reader.readI32(field)
            default: try reader.skip(field)
            }
        }
        self.init(
            pageType: try reader.required(pageType, "PageEncodingStats", 1, "page_type", structOffset: start),
            encoding: try reader.required(encoding, "PageEncodingStats", 2, "encoding", structOffset: start),
            count: try reader.required(count, "PageEncodingStats", 3, "count", structOffset: start))
    }

    public func write(to writer: inout CompactWriter) {
        writer.writeStruct { writer in
            writer.writeField(1, enum: pageType)
            writer.writeField(2, enum: encoding)
            writer.writeField(3, i32: count)
        }
    }
}

/// Where a column chunk's pages are and how they are stored.
public struct ColumnMetaData: ThriftStruct {
    /// 1
    public var type: PhysicalType
    /// 2: every encoding used by the chunk's pages (values and levels).
    public var encodings: [Encoding]
    /// 3: the leaf's path from the root (the root's own name excluded).
    public var pathInSchema: [String]
    /// 4
    public var codec: PageCodec
    /// 5: values including nulls (and repeated entries).
    public var numValues: Int64
    /// 6, 7: all pages including their headers.
    public var totalUncompressedSize: Int64
    public var totalCompressedSize: Int64
    /// 8
    public var keyValueMetadata: [KeyValue]?
    /// 9: offset of the first data page.
    public var dataPageOffset: Int64
    /// 10
    public var indexPageOffset: Int64?
    /// 11: offset of the dictionary page, which precedes the data pages. Some writers store 0
    /// for "none"; treat an offset that does not precede `dataPageOffset` with suspicion.
    public var dictionaryPageOffset: Int64?
    /// 12
    public var statistics: Statistics?
    /// 13
    public var encodingStats: [PageEncodingStats]?
    /// 14, 15
    public var bloomFilterOffset: Int64?
    public var bloomFilterLength: Int32?
    /// 16
    public var sizeStatistics: SizeStatistics?
    /// 17
    public var geospatialStatistics: GeospatialStatistics?

    public init(
        type: PhysicalType,
        encodings: [Encoding],
        pathInSchema: [String],
        codec: PageCodec,
        numValues: Int64,
        totalUncompressedSize: Int64,
        totalCompressedSize: Int64,
        keyValueMetadata: [KeyValue]? = nil,
        dataPageOffset: Int64,
        indexPageOffset: Int64? = nil,
        dictionaryPageOffset: Int64? = nil,
        statistics: Statistics? = nil,
        encodingStats: [PageEncodingStats]? = nil,
        bloomFilterOffset: Int64? = nil,
        bloomFilterLength: Int32? = nil,
        sizeStatistics: SizeStatistics? = nil,
        geospatialStatistics: GeospatialStatistics? = nil
    ) {
        self.type = type
        self.encodings = encodings
        self.pathInSchema = pathInSchema
        self.codec = codec
        self.numValues = numValues
        self.totalUncompressedSize = totalUncompressedSize
        self.totalCompressedSize = totalCompressedSize
        self.keyValueMetadata = keyValueMetadata
        self.dataPageOffset = dataPageOffset
        self.indexPageOffset = indexPageOffset
        self.dictionaryPageOffset = dictionaryPageOffset
        self.statistics = statistics
        self.encodingStats = encodingStats
        self.bloomFilterOffset = bloomFilterOffset
        self.bloomFilterLength = bloomFilterLength
        self.sizeStatistics = sizeStatistics
        self.geospatialStatistics = geospatialStatistics
    }

    public init(from reader: inout CompactReader) throws(ThriftError) {
        let start = reader.offset
        var type: PhysicalType?
        var encodings: [Encoding]?
        var path: [String]?
        var codec: PageCodec?
        var numValues: Int64?
        var uncompressed: Int64?
        var compressed: Int64?
        var dataPageOffset: Int64?
        var optional = ColumnMetaData(
            type: .boolean, encodings: [], pathInSchema: [], codec: .uncompressed, numValues: 0,
            totalUncompressedSize: 0, totalCompressedSize: 0, dataPageOffset: 0)
        try reader.readStruct("ColumnMetaData") { reader, field throws(ThriftError) in
            switch field.id {
            case 1: type = try reader.readEnum(field)
            case 2: encodings = try reader.readEnumList(field)
            case 3: path = try reader.readStringList(field)
            case 4: codec = try PageCodec.read(field, from: &reader)
            case 5: numValues = try reader.readI64(field)
            case 6: uncompressed = try reader.readI64(field)
            case 7: compressed = try reader.readI64(field)
            case 8: optional.keyValueMetadata = try reader.readStructList(field)
            case 9: dataPageOffset = try reader.readI64(field)
            case 10: optional.indexPageOffset = try reader.readI64(field)
            case 11: optional.dictionaryPageOffset = try reader.readI64(field)
            case 12: optional.statistics = try reader.readStruct(field)
            case 13: optional.encodingStats = try reader.readStructList(field)
            case 14: optional.bloomFilterOffset = try reader.readI64(field)
            case 15: optional.bloomFilterLength = try reader.readI32(field)
            case 16: optional.sizeStatistics = try reader.readStruct(field)
            case 17: optional.geospatialStatistics = try reader.readStruct(field)
            default: try reader.skip(field)
            }
        }
        let name: StaticString = "ColumnMetaData"
        optional.type = try reader.required(type, name, 1, "type", structOffset: start)
        optional.encodings = try reader.required(encodings, name, 2, "encodings", structOffset: start)
        optional.pathInSchema = try reader.required(path, name, 3, "path_in_schema", structOffset: start)
        optional.codec = try reader.required(codec, name, 4, "codec", structOffset: start)
        optional.numValues = try reader.required(numValues, name, 5, "num_values", structOffset: start)
        optional.totalUncompressedSize = try reader.required(uncompressed, name, 6, "total_uncompressed_size", structOffset: start)
        optional.totalCompressedSize = try reader.required(compressed, name, 7, "total_compressed_size", structOffset: start)
        optional.dataPageOffset = try reader.required(dataPageOffset, name, 9, "data_page_offset", structOffset: start)
        self = optional
    }

    public func write(to writer: inout CompactWriter) {
        writer.writeStruct { writer in
            writer.writeField(1, enum: type)
            writer.writeField(2, enums: encodings)
            writer.writeField(3, strings: pathInSchema)
            writer.writeField(4, i32: codec.rawValue)
            writer.writeField(5, i64: numValues)
            writer.writeField(6, i64: totalUncompressedSize)
            writer.writeField(7, i64: totalCompressedSize)
            writer.writeField(8, structs: keyValueMetadata)
            writer.writeField(9, i64: dataPageOffset)
            writer.writeField(10, i64: indexPageOffset)
            writer.writeField(11, i64: dictionaryPageOffset)
            writer.writeField(12, struct: statistics)
            writer.writeField(13, structs: encodingStats)
            writer.writeField(14, i64: bloomFilterOffset)
            writer.writeField(15, i32: bloomFilterLength)
            writer.writeField(16, struct: sizeStatistics)
            writer.writeField(17, struct: geospatialStatistics)
        }
    }
}

/// One column of one row group: its metadata and the locations of its page index.
public struct ColumnChunk: ThriftStruct {
    /// 1: another file holding the data (summary `_metadata` files only).
    public var filePath: String?
    /// 2: deprecated; 0 unless metadata was written elsewhere. Defaults to 0 when absent.
    public var fileOffset: Int64
    /// 3: optional in the Thrift file but written by every writer; absent for columns
    /// encrypted with their own key (the metadata is then in `encryptedColumnMetadata`).
    public var metaData: ColumnMetaData?
    /// 4...7: OffsetIndex and ColumnIndex locations.
    public var offsetIndexOffset: Int64?
    public var offsetIndexLength: Int32?
    public var columnIndexOffset: Int64?
    public var columnIndexLength: Int32?
    /// 8, 9: set only in encrypted files.
    public var cryptoMetadata: ColumnCryptoMetaData?
    public var encryptedColumnMetadata: [UInt8]?

    public init(
        filePath: String? = nil,
        fileOffset: Int64 = 0,
        metaData: ColumnMetaData?,
        offsetIndexOffset: Int64? = nil,
        offsetIndexLength: Int32? = nil,
        columnIndexOffset: Int64? = nil,
        columnIndexLength: Int32? = nil,
        cryptoMetadata: ColumnCryptoMetaData? = nil,
        encryptedColumnMetadata: [UInt8]? = nil
    ) {
        self.filePath = filePath
        self.fileOffset = fileOffset
        self.metaData = metaData
        self.offsetIndexOffset = offsetIndexOffset
        self.offsetIndexLength = offsetIndexLength
        self.columnIndexOffset = columnIndexOffset
        self.columnIndexLength = columnIndexLength
        self.cryptoMetadata = cryptoMetadata
        self.encryptedColumnMetadata = encryptedColumnMetadata
    }

    public init(from reader: inout CompactReader) throws(ThriftError) {
        var value = ColumnChunk(metaData: nil)
        try reader.readStruct("ColumnChunk") { reader, field throws(ThriftError) in
            switch field.id {
            case 1: value.filePath = try reader.readString(field)
            case 2: if let offset = try reader.readI64(field) { value.fileOffset = offset }
            case 3: value.metaData = try reader.readStruct(field)
            case 4: value.offsetIndexOffset = try reader.readI64(field)
            case 5: value.offsetIndexLength = try reader.readI32(field)
            case 6: value.columnIndexOffset = try reader.readI64(field)
            case 7: value.columnIndexLength = try reader.readI32(field)
            case 8: value.cryptoMetadata = try reader.readStruct(field)
            case 9: value.encryptedColumnMetadata = try reader.readBinary(field)
            default: try reader.skip(field)
            }
        }
        self = value
    }

    public func write(to writer: inout CompactWriter) {
        writer.writeStruct { writer in
            writer.writeField(1, string: filePath)
            writer.writeField(2, i64: fileOffset)
            writer.writeField(3, struct: metaData)
            writer.writeField(4, i64: offsetIndexOffset)
            writer.writeField(5, i32: offsetIndexLength)
            writer.writeField(6, i64: columnIndexOffset)
            writer.writeField(7, i32: columnIndexLength)
            writer.writeField(8, struct: cryptoMetadata)
            writer.writeField(9, binary: encryptedColumnMetadata)
        }
    }
}
