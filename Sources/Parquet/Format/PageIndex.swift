// The page index (OffsetIndex and ColumnIndex, located by ColumnChunk fields 4...7) and the
// Bloom filter header (located by ColumnMetaData fields 14 and 15).

/// Where one data page is and which row it starts with.
public struct PageLocation: ThriftStruct, Hashable {
    /// 1
    public var offset: Int64
    /// 2: header included.
    public var compressedPageSize: Int32
    /// 3: index in the row group of the page's first row.
    public var firstRowIndex: Int64

    public init(offset: Int64, compressedPageSize: Int32, firstRowIndex: Int64) {
        self.offset = offset
        self.compressedPageSize = compressedPageSize
        self.firstRowIndex = firstRowIndex
    }

    public init(from reader: inout CompactReader) throws(ThriftError) {
        let start = reader.offset
        var offset: Int64?
        var size: Int32?
        var firstRow: Int64?
        try reader.readStruct("PageLocation") { reader, field throws(ThriftError) in
            switch field.id {
            case 1: offset = try reader.readI64(field)
            case 2: size = try reader.readI32(field)
            case 3: firstRow = try reader.readI64(field)
            default: try reader.skip(field)
            }
        }
        self.init(
            offset: try reader.required(offset, "PageLocation", 1, "offset", structOffset: start),
            compressedPageSize: try reader.required(size, "PageLocation", 2, "compressed_page_size", structOffset: start),
            firstRowIndex: try reader.required(firstRow, "PageLocation", 3, "first_row_index", structOffset: start))
    }

    public func write(to writer: inout CompactWriter) {
        writer.writeStruct { writer in
            writer.writeField(1, i64: offset)
            writer.writeField(2, i32: compressedPageSize)
            writer.writeField(3, i64: firstRowIndex)
        }
    }
}

/// The locations of a column chunk's data pages.
public struct OffsetIndex: ThriftStruct, Hashable {
    /// 1
    public var pageLocations: [PageLocation]
    /// 2: per page, as `SizeStatistics.unencodedByteArrayDataBytes`.
    public var unencodedByteArrayDataBytes: [Int64]?

    public init(pageLocations: [PageLocation], unencodedByteArrayDataBytes: [Int64]? = nil) {
        self.pageLocations = pageLocations
        self.unencodedByteArrayDataBytes = unencodedByteArrayDataBytes
    }

    public init(from reader: inout CompactReader) throws(ThriftError) {
        let start = reader.offset
        var locations: [PageLocation]?
        var unencoded: [Int64]?
        try reader.readStruct("OffsetIndex") { reader, field throws(ThriftError) in
            switch field.id {
            case 1: locations = try reader.readStructList(field)
            case 2: unencoded = try reader.readI64List(field)
            default: try reader.skip(field)
            }
        }
        self.init(
            pageLocations: try reader.required(locations, "OffsetIndex", 1, "page_locations", structOffset: start),
            unencodedByteArrayDataBytes: unencoded)
    }

    public func write(to writer: inout CompactWriter) {
        writer.writeStruct { writer in
            writer.writeField(1, structs: pageLocations)
            writer.writeField(2, i64s: unencodedByteArrayDataBytes)
        }
    }
}

/// Per-page statistics of a column chunk; element i describes the page at
/// `OffsetIndex.pageLocations[i]`.
public struct ColumnIndex: ThriftStruct, Hashable {
    /// 1: pages holding only nulls (their min/max entries are empty).
    public var nullPages: [Bool]
    /// 2, 3
    public var minValues: [[UInt8]]
    public var maxValues: [[UInt8]]
    /// 4
    public var boundaryOrder: BoundaryOrder
    /// 5
    public var nullCounts: [Int64]?
    /// 6, 7: the pages' level histograms, concatenated.
    public var repetitionLevelHistograms: [Int64]?
    public var definitionLevelHistograms: [Int64]?
    /// 8
    public var nanCounts: [Int64]?

    public init(
        nullPages: [Bool], minValues: [[UInt8]], maxValues: [[UInt8]], boundaryOrder: BoundaryOrder,
        nullCounts: [Int64]? = nil, repetitionLevelHistograms: [Int64]? = nil,
        definitionLevelHistograms: [Int64]? = nil, nanCounts: [Int64]? = nil
    ) {
        self.nullPages = nullPages
        self.minValues = minValues
        self.maxValues = maxValues
        self.boundaryOrder = boundaryOrder
        self.nullCounts = nullCounts
        self.repetitionLevelHistograms = repetitionLevelHistograms
        self.definitionLevelHistograms = definitionLevelHistograms
        self.nanCounts = nanCounts
    }

    public init(from reader: inout CompactReader) throws(ThriftError) {
        let start = reader.offset
        var nullPages: [Bool]?
        var minValues: [[UInt8]]?
        var maxValues: [[UInt8]]?
        var order: BoundaryOrder?
        var value = ColumnIndex(nullPages: [], minValues: [], maxValues: [], boundaryOrder: .unordered)
        try reader.readStruct("ColumnIndex") { reader, field throws(ThriftError) in
            switch field.id {
            case 1: nullPages = try reader.readBoolList(field)
            case 2: minValues = try reader.readBinaryList(field)
            case 3: maxValues = try reader.readBinaryList(field)
            case 4: order = try reader.readEnum(field)
            case 5: value.nullCounts = try reader.readI64List(field)
            case 6: value.repetitionLevelHistograms = try reader.readI64List(field)
            case 7: value.definitionLevelHistograms = try reader.readI64List(field)
            case 8: value.nanCounts = try reader.readI64List(field)
            default: try reader.skip(field)
            }
        }
        value.nullPages = try reader.required(nullPages, "ColumnIndex", 1, "null_pages", structOffset: start)
        value.minValues = try reader.required(minValues, "ColumnIndex", 2, "min_values", structOffset: start)
        value.maxValues = try reader.required(maxValues, "ColumnIndex", 3, "max_values", structOffset: start)
        value.boundaryOrder = try reader.required(order, "ColumnIndex", 4, "boundary_order", structOffset: start)
        self = value
    }

    public func write(to writer: inout CompactWriter) {
        writer.writeStruct { writer in
            writer.writeField(1, bools: nullPages)
            writer.writeField(2, binaries: minValues)
            writer.writeField(3, binaries: maxValues)
            writer.writeField(4, enum: boundaryOrder)
            writer.writeField(5, i64s: nullCounts)
            writer.writeField(6, i64s: repetitionLevelHistograms)
            writer.writeField(7, i64s: definitionLevelHistograms)
            writer.writeField(8, i64s: nanCounts)
        }
    }
}

/// The header before a split-block Bloom filter's bitset. parquet.thrift defines one member
/// for each of its three unions (algorithm BLOCK, hash XXHASH, compression UNCOMPRESSED); a
/// header naming anything else reads with `isSupported` false and the filter must be ignored.
public struct BloomFilterHeader: ThriftStruct, Hashable {
    /// 1: bitset size in bytes.
    public var numBytes: Int32
    /// 2...4: the union member ids that the header names (1 for each known member).
    public var algorithmId: Int16
    public var hashId: Int16
    public var compressionId: Int16

    public init(numBytes: Int32, algorithmId: Int16 = 1, hashId: Int16 = 1, compressionId: Int16 = 1) {
        self.numBytes = numBytes
        self.algorithmId = algorithmId
        self.hashId = hashId
        self.compressionId = compressionId
    }

    /// Split-block algorithm, xxHash64 and no compression: the only combination defined.
    public var isSupported: Bool { algorithmId == 1 && hashId == 1 && compressionId == 1 }

    public init(from reader: inout CompactReader) throws(ThriftError) {
        let start = reader.offset
        var numBytes: Int32?
        var ids: [Int16?] = [nil, nil, nil]
        try reader.readStruct("BloomFilterHeader") { reader, field throws(ThriftError) in
            switch field.id {
            case 1: numBytes = try reader.readI32(field)
            case 2, 3, 4:
                guard try reader.accept(field, as: .struct) else { return }
                ids[Int(field.id) - 2] = try Self.readUnionMember(from: &reader)
            default: try reader.skip(field)
            }
        }
        let name: StaticString = "BloomFilterHeader"
        self.init(
            numBytes: try reader.required(numBytes, name, 1, "numBytes", structOffset: start),
            algorithmId: try reader.required(ids[0], name, 2, "algorithm", structOffset: start),
            hashId: try reader.required(ids[1], name, 3, "hash", structOffset: start),
            compressionId: try reader.required(ids[2], name, 4, "compression", structOffset: start))
    }

    /// The id of a union's first member (0 when it has none); the members' contents are skipped.
    private static func readUnionMember(from reader: inout CompactReader) throws(ThriftError) -> Int16 {
        var id: Int16 = 0
        try reader.readStruct("BloomFilterHeader union") { reader, field throws(ThriftError) in
            if id == 0 { id = field.id }
            try reader.skip(field)
        }
        return id
    }

    public func write(to writer: inout CompactWriter) {
        writer.writeStruct { writer in
            writer.writeField(1, i32: numBytes)
            for (fieldId, memberId) in [(Int16(2), algorithmId), (3, hashId), (4, compressionId)] {
                writer.writeFieldHeader(fieldId, .struct)
                writer.writeStruct { writer in
                    if memberId != 0 { writer.writeEmptyStructField(memberId) }
                }
            }
        }
    }
}
