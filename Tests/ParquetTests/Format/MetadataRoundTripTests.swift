import Testing
@testable import Parquet

/// Encodes and decodes again.
func thriftRoundTripped<T: ThriftStruct>(_ value: T) throws -> T {
    try T(thriftBytes: value.thriftBytes())
}

enum FormatSamples {
    static let allLogicalTypes: [LogicalType] = [
        .string, .map, .list, .enum, .decimal(scale: 2, precision: 9), .date,
        .time(isAdjustedToUTC: true, unit: .millis), .time(isAdjustedToUTC: false, unit: .nanos),
        .timestamp(isAdjustedToUTC: true, unit: .micros), .timestamp(isAdjustedToUTC: false, unit: .nanos),
        .integer(bitWidth: 8, isSigned: false), .integer(bitWidth: 64, isSigned: true),
        .unknown, .json, .bson, .uuid, .float16,
        .variant(specificationVersion: 1), .variant(specificationVersion: nil),
        .geometry(crs: "OGC:CRS84"), .geometry(crs: nil),
        .geography(crs: "srid:4326", algorithm: .karney), .geography(crs: nil, algorithm: nil),
        .vector,
    ]

    static let statistics = Statistics(
        max: [9], min: [1], nullCount: 0, distinctCount: 3, maxValue: [0x4B, 0x66], minValue: [0x41, 0x6C],
        isMaxValueExact: false, isMinValueExact: true, nanCount: 2)

    static func column(_ path: [String], type: PhysicalType, offset: Int64) -> ColumnChunk {
        ColumnChunk(
            filePath: nil, fileOffset: 0,
            metaData: ColumnMetaData(
                type: type, encodings: [.plain, .rle, .rleDictionary, Encoding(rawValue: 42)], pathInSchema: path,
                codec: .zstd, numValues: 1_000_000_000_000, totalUncompressedSize: 1 << 40, totalCompressedSize: 123,
                keyValueMetadata: [KeyValue(key: "foo", value: "bar"), KeyValue(key: "novalue")],
                dataPageOffset: offset, indexPageOffset: nil, dictionaryPageOffset: offset - 10,
                statistics: statistics,
                encodingStats: [PageEncodingStats(pageType: .dictionaryPage, encoding: .plain, count: 1),
                                PageEncodingStats(pageType: .dataPage, encoding: .rleDictionary, count: 70_000)],
                bloomFilterOffset: 99_999, bloomFilterLength: 4096,
                sizeStatistics: SizeStatistics(unencodedByteArrayDataBytes: 77, repetitionLevelHistogram: [1, 2],
                                               definitionLevelHistogram: []),
                geospatialStatistics: GeospatialStatistics(
                    bbox: BoundingBox(xmin: -1, xmax: 1, ymin: -2, ymax: 2, zmin: 0, zmax: nil, mmin: nil, mmax: 5),
                    geospatialTypes: [1, 3])),
            offsetIndexOffset: 5000, offsetIndexLength: 40, columnIndexOffset: 5040, columnIndexLength: 60)
    }

    static let fileMetaData: FileMetaData = {
        var schema = [
            SchemaElement(name: "schema", numChildren: Int32(allLogicalTypes.count + 2)),
            SchemaElement(name: "id", type: .int64, repetitionType: .required, fieldId: 1),
            SchemaElement(name: "fixed", type: .fixedLenByteArray, typeLength: 16, repetitionType: .optional,
                          convertedType: .decimal, scale: 3, precision: 30),
        ]
        for (index, logical) in allLogicalTypes.enumerated() {
            schema.append(SchemaElement(
                name: "c\(index) ünïcödé", type: .byteArray, repetitionType: .repeated, logicalType: logical))
        }
        schema.append(SchemaElement(name: "v", type: .float, repetitionType: .vector, vectorLength: 3))
        let groups = (0..<3).map { group in
            RowGroup(
                columns: [column(["id"], type: .int64, offset: 100 + Int64(group)),
                          column(["fixed"], type: .fixedLenByteArray, offset: 4)],
                totalByteSize: 1234, numRows: Int64(group) * 10,
                sortingColumns: [SortingColumn(columnIdx: 0, descending: true, nullsFirst: false)],
                fileOffset: 4, totalCompressedSize: 999, ordinal: Int16(group))
        }
        return FileMetaData(
            version: 2, schema: schema, numRows: 30, rowGroups: groups,
            keyValueMetadata: [KeyValue(key: "ARROW:schema", value: "/////w=="), KeyValue(key: "empty", value: "")],
            createdBy: "sluice tests",
            columnOrders: [.typeDefinedOrder, .ieee754TotalOrder, .int96TimestampOrder],
            encryptionAlgorithm: .aesGcmV1(AesParameters(aadPrefix: [1], aadFileUnique: [2, 3], supplyAadPrefix: true)),
            footerSigningKeyMetadata: [7, 7])
    }()
}

@Suite("Parquet metadata round trips")
struct MetadataRoundTripTests {
    @Test("a FileMetaData using every field reads back equal")
    func fileMetaData() throws {
        let metadata = FormatSamples.fileMetaData
        let bytes = metadata.thriftBytes()
        let back = try FileMetaData(thriftBytes: bytes)
        #expect(back == metadata)
        #expect(back.thriftBytes() == bytes)
    }

    @Test("a minimal FileMetaData reads back equal")
    func minimalFileMetaData() throws {
        let metadata = FileMetaData(schema: [SchemaElement(name: "schema", numChildren: 0)], numRows: 0, rowGroups: [])
        #expect(try thriftRoundTripped(metadata) == metadata)
    }

    @Test("every logical type reads back equal", arguments: FormatSamples.allLogicalTypes)
    func logicalType(_ logical: LogicalType) throws {
        #expect(try thriftRoundTripped(logical) == logical)
        let element = SchemaElement(name: "x", type: .byteArray, logicalType: logical)
        #expect(try thriftRoundTripped(element) == element)
    }

    @Test("page headers of every kind read back equal")
    func pageHeaders() throws {
        let headers = [
            PageHeader(type: .dataPage, uncompressedPageSize: 100, compressedPageSize: 60, crc: -12345,
                       dataPageHeader: DataPageHeader(numValues: 10, encoding: .plain, statistics: FormatSamples.statistics)),
            PageHeader(type: .dataPageV2, uncompressedPageSize: 0, compressedPageSize: 0,
                       dataPageHeaderV2: DataPageHeaderV2(
                           numValues: 1, numNulls: 1, numRows: 1, encoding: .rleDictionary,
                           definitionLevelsByteLength: 2, repetitionLevelsByteLength: 0, isCompressed: false)),
            PageHeader(type: .dictionaryPage, uncompressedPageSize: Int32.max, compressedPageSize: 1,
                       dictionaryPageHeader: DictionaryPageHeader(numValues: 3, encoding: .plainDictionary, isSorted: true)),
            PageHeader(type: .indexPage, uncompressedPageSize: 5, compressedPageSize: 5, indexPageHeader: IndexPageHeader()),
            PageHeader(type: PageType(rawValue: 17), uncompressedPageSize: 5, compressedPageSize: 5),
        ]
        for header in headers {
            #expect(try thriftRoundTripped(header) == header)
        }
        #expect(DataPageHeaderV2(numValues: 0, numNulls: 0, numRows: 0, encoding: .plain,
                                 definitionLevelsByteLength: 0, repetitionLevelsByteLength: 0).valuesAreCompressed)
    }

    @Test("a page header reports how many bytes it took")
    func pageHeaderLength() throws {
        let header = PageHeader(type: .dataPage, uncompressedPageSize: 8, compressedPageSize: 8,
                                dataPageHeader: DataPageHeader(numValues: 2, encoding: .plain))
        let bytes = header.thriftBytes() + [1, 2, 3, 4, 5, 6, 7, 8]
        let (decoded, length) = try bytes.withUnsafeBytes { buffer in
            try PageHeader.decodePrefix(buffer, baseOffset: 4)
        }
        #expect(decoded == header)
        #expect(length == bytes.count - 8)
    }

    @Test("page index structures and the Bloom filter header read back equal")
    func pageIndex() throws {
        let offsets = OffsetIndex(
            pageLocations: [PageLocation(offset: 4, compressedPageSize: 100, firstRowIndex: 0),
                            PageLocation(offset: 104, compressedPageSize: 90, firstRowIndex: 1000)],
            unencodedByteArrayDataBytes: [10, 20])
        #expect(try thriftRoundTripped(offsets) == offsets)
        let columns = ColumnIndex(
            nullPages: [false, true], minValues: [[1], []], maxValues: [[9], []], boundaryOrder: .ascending,
            nullCounts: [0, 1000], repetitionLevelHistograms: nil, definitionLevelHistograms: [1, 2, 3, 4], nanCounts: [0, 0])
        #expect(try thriftRoundTripped(columns) == columns)
        let bloom = BloomFilterHeader(numBytes: 1024)
        #expect(try thriftRoundTripped(bloom) == bloom)
        #expect(bloom.isSupported)
        #expect(try !thriftRoundTripped(BloomFilterHeader(numBytes: 8, hashId: 2)).isSupported)
    }

    @Test("encryption metadata reads back equal")
    func encryption() throws {
        let crypto = FileCryptoMetaData(encryptionAlgorithm: .aesGcmCtrV1(AesParameters(aadFileUnique: [1, 2])), keyMetadata: [3])
        #expect(try thriftRoundTripped(crypto) == crypto)
        var chunk = FormatSamples.column(["a", "b"], type: .double, offset: 50)
        chunk.cryptoMetadata = .columnKey(pathInSchema: ["a", "b"], keyMetadata: Array("kc1".utf8))
        chunk.encryptedColumnMetadata = [0xEE, 0xEE]
        #expect(try thriftRoundTripped(chunk) == chunk)
        chunk.cryptoMetadata = .footerKey
        #expect(try thriftRoundTripped(chunk) == chunk)
        #expect(FormatSamples.fileMetaData.isEncrypted)
    }

    @Test("unknown enum values keep their numbers and name themselves UNKNOWN")
    func unknownEnums() throws {
        let element = SchemaElement(name: "x", type: PhysicalType(rawValue: 99), repetitionType: FieldRepetitionType(rawValue: 7),
                                    convertedType: ConvertedType(rawValue: -3))
        let back = try thriftRoundTripped(element)
        #expect(back == element)
        #expect(back.type?.description == "UNKNOWN(99)")
        #expect(back.type?.isKnown == false)
        #expect(PhysicalType.fixedLenByteArray.description == "FIXED_LEN_BYTE_ARRAY")
        #expect(Encoding.byteStreamSplit.description == "BYTE_STREAM_SPLIT")
        #expect(ConvertedType.enum.description == "ENUM")
    }

    @Test("an undefined compression codec is an error naming the value")
    func unknownCodec() throws {
        let metadata = FormatSamples.column(["a"], type: .int32, offset: 4).metaData
        var bytes = try #require(metadata).thriftBytes()
        // Field 4 (codec, zstd = 6, zigzag 12) directly follows fields 1...3.
        let index = try #require(bytes.firstIndex(of: 0x0C))
        bytes[index] = 0x12 // 9
        #expect(throws: ThriftError.self) { try ColumnMetaData(thriftBytes: bytes) }
        #expect(thriftFailure(withThriftReader(bytes) { r throws(ThriftError) in try ColumnMetaData(from: &r) })?.message
            == "ColumnMetaData field 4 names compression codec 9, which is not defined")
    }

    @Test("logical type union members from the future read as unrecognized and are not written back")
    func futureLogicalType() throws {
        let element = thriftWritten { w in
            w.writeStruct { w in
                w.writeField(1, i32: 6)
                w.writeField(4, string: "future")
                w.writeFieldHeader(10, .struct)
                w.writeStruct { w in
                    w.writeFieldHeader(60, .struct)
                    w.writeStruct { w in w.writeField(1, i64s: [1, 2, 3]) }
                }
            }
        }
        let decoded = try SchemaElement(thriftBytes: element)
        #expect(decoded.logicalType == .unrecognized(fieldId: 60))
        #expect(decoded.name == "future")
        #expect(try SchemaElement(thriftBytes: decoded.thriftBytes()).logicalType == nil)
        // An empty union, and a timestamp whose unit is from the future.
        #expect(try LogicalType(thriftBytes: [0x00]) == .unrecognized(fieldId: 0))
        let timestamp = thriftWritten { w in
            w.writeStruct { w in
                w.writeFieldHeader(8, .struct)
                w.writeStruct { w in
                    w.writeField(1, bool: true)
                    w.writeFieldHeader(2, .struct)
                    w.writeStruct { w in w.writeEmptyStructField(4) }
                }
            }
        }
        #expect(try LogicalType(thriftBytes: timestamp) == .unrecognized(fieldId: 8))
    }

    @Test("fields added to FileMetaData by future writers are skipped")
    func futureFields() throws {
        var bytes = FormatSamples.fileMetaData.thriftBytes()
        bytes.removeLast() // the STOP byte of FileMetaData
        var more = CompactWriter()
        more.writeFieldHeader(40, .map)
        more.writeMapHeader(key: .binary, value: .list, count: 1)
        more.writeString("k")
        more.writeListHeader(.struct, count: 2)
        more.writeStruct { w in w.writeField(1, double: 1) }
        more.writeStruct { _ in }
        more.writeFieldHeader(41, .struct)
        more.writeStruct { w in w.writeField(3, binaries: [[1], [2]]) }
        bytes += more.bytes + [0x00]
        #expect(try FileMetaData(thriftBytes: bytes) == FormatSamples.fileMetaData)
    }
}

@Suite("Parquet footer framing")
struct FooterFramingTests {
    static func file(_ metadata: FileMetaData, body: [UInt8] = Array(repeating: 0xAA, count: 30)) -> [UInt8] {
        ParquetFooter.magic + body + ParquetFooter.encode(metadata)
    }

    static let plain = FileMetaData(
        schema: [SchemaElement(name: "schema", numChildren: 1), SchemaElement(name: "a", type: .int32, repetitionType: .required)],
        numRows: 0, rowGroups: [], createdBy: "test")

    static func footerError(_ bytes: [UInt8], fileSize: Int? = nil) -> ParquetFooterError? {
        do {
            _ = try ParquetFooter.read(fileBytes: bytes, fileSize: fileSize ?? bytes.count)
            return nil
        } catch {
            return error
        }
    }

    @Test("a whole file, or just its tail, yields the metadata")
    func readsFooter() throws {
        let bytes = Self.file(Self.plain)
        #expect(try ParquetFooter.read(fileBytes: bytes, fileSize: bytes.count) == Self.plain)
        let footerSize = Self.plain.thriftBytes().count + 8
        #expect(try ParquetFooter.read(fileBytes: Array(bytes.suffix(footerSize)), fileSize: bytes.count) == Self.plain)
    }

    @Test("a tail too short for the footer says how many bytes are needed")
    func tailTooShort() {
        let bytes = Self.file(Self.plain)
        let needed = Self.plain.thriftBytes().count + 8
        let error = Self.footerError(Array(bytes.suffix(needed - 1)), fileSize: bytes.count)
        #expect(error?.kind == .tailTooShort(needed: needed))
        #expect(error?.offset == bytes.count - needed)
    }

    @Test("PARE files are refused with a clear message")
    func encryptedFooter() {
        var bytes = Self.file(Self.plain)
        bytes.replaceSubrange((bytes.count - 4)..., with: ParquetFooter.encryptedMagic)
        let error = Self.footerError(bytes)
        #expect(error?.kind == .encrypted)
        #expect(error?.description == "at byte \(bytes.count - 4): encrypted Parquet (PARE) is not supported")
    }

    @Test("plaintext footers of files with encrypted columns are refused unless asked for")
    func plaintextEncryptedFooter() throws {
        var metadata = Self.plain
        metadata.encryptionAlgorithm = .aesGcmV1(AesParameters())
        let bytes = Self.file(metadata)
        let error = Self.footerError(bytes)
        #expect(error?.kind == .encrypted)
        #expect(error?.message.contains("encrypted Parquet") == true)
        #expect(try ParquetFooter.read(fileBytes: bytes, fileSize: bytes.count, allowEncryptedColumns: true) == metadata)
    }

    @Test("bad magic, short files and impossible footer lengths are errors with offsets")
    func framingErrors() {
        let good = Self.file(Self.plain)
        var badTail = good
        badTail[badTail.count - 1] = 0x00
        #expect(Self.footerError(badTail)?.description
            == "at byte \(good.count - 4): expected the magic PAR1 at the end of the file, found 50 41 52 00")
        var badHead = good
        badHead[0] = 0x51
        #expect(Self.footerError(badHead)?.description == "at byte 0: expected the magic PAR1 at the start of the file, found \"QAR1\"")
        #expect(Self.footerError(Array("PAR1PAR1".utf8))?.kind == .notParquet)
        #expect(Self.footerError([])?.message == "a file of 0 bytes is too small for Parquet (it needs at least 12)")
        var long = good
        long.replaceSubrange((long.count - 8)..<(long.count - 4), with: [0xFF, 0xFF, 0xFF, 0x7F])
        #expect(Self.footerError(long)?.description
            == "at byte \(good.count - 8): footer length 2147483647 exceeds the \(good.count - 12) bytes between the leading magic and the trailer")
        // A length that fits but points into the body: the Thrift there is garbage.
        var shifted = good
        let length = Self.plain.thriftBytes().count + 20
        withUnsafeBytes(of: UInt32(length).littleEndian) { shifted.replaceSubrange((shifted.count - 8)..<(shifted.count - 4), with: $0) }
        let error = Self.footerError(shifted)
        #expect(error?.kind == .corruptMetadata)
        #expect(error?.offset ?? 0 >= shifted.count - 8 - length)
    }
}
