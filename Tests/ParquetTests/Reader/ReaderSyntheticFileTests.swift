import Columnar
import Foundation
import Testing
@testable import Parquet

/// Writes a one-column, one-row-group Parquet file whose pages are given as (header, body) pairs.
func writeSyntheticFile(
    column: SchemaElement, rows: Int, pages: [(PageHeader, [UInt8])], codec: PageCodec = .uncompressed,
    keyValueMetadata: [KeyValue]? = nil, name: String = #function
) throws -> String {
    var bytes = ParquetFooter.magic
    let start = bytes.count
    for (header, body) in pages {
        bytes += header.thriftBytes()
        bytes += body
    }
    let chunkSize = Int64(bytes.count - start)
    let meta = ColumnMetaData(
        type: column.type!, encodings: [.plain, .rle], pathInSchema: [column.name], codec: codec,
        numValues: Int64(rows), totalUncompressedSize: chunkSize, totalCompressedSize: chunkSize,
        dataPageOffset: Int64(start))
    let metadata = FileMetaData(
        schema: [SchemaElement(name: "schema", numChildren: 1), column], numRows: Int64(rows),
        rowGroups: [RowGroup(columns: [ColumnChunk(metaData: meta)], totalByteSize: chunkSize, numRows: Int64(rows))],
        keyValueMetadata: keyValueMetadata)
    bytes += ParquetFooter.encode(metadata)
    let safeName = name.filter { $0.isLetter || $0.isNumber }
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-synthetic-\(getpid())-\(safeName).parquet")
    try Data(bytes).write(to: url)
    return url.path
}

func dataPageV1(values: Int32, encoding: Encoding = .plain, definitionEncoding: Encoding = .rle, body: [UInt8]) -> (PageHeader, [UInt8]) {
    (PageHeader(
        type: .dataPage, uncompressedPageSize: Int32(body.count), compressedPageSize: Int32(body.count),
        dataPageHeader: DataPageHeader(numValues: values, encoding: encoding, definitionLevelEncoding: definitionEncoding)), body)
}

@Suite("Parquet reader on hand-built files")
struct ReaderSyntheticFileTests {
    let optionalInt = SchemaElement(name: "n", type: .int32, repetitionType: .optional)

    @Test("reads legacy BIT_PACKED definition levels of a data page v1")
    func bitPackedLevels() throws {
        let levels = LegacyBitPacked.encode([1, 0, 1, 1, 0], bitWidth: 1)
        let values = PlainEncoder.encode([Int32(7), -3, 42])
        let path = try writeSyntheticFile(
            column: optionalInt, rows: 5, pages: [dataPageV1(values: 5, definitionEncoding: .bitPacked, body: levels + values)])
        defer { try? FileManager.default.removeItem(atPath: path) }
        let batch = try ParquetFileReader(path: path).readRowGroup(0)
        #expect(JSONLines.render(batch) == "{\"n\":7}\n{\"n\":null}\n{\"n\":-3}\n{\"n\":42}\n{\"n\":null}\n")
    }

    @Test("reads RLE definition levels split over two pages")
    func twoPages() throws {
        let first = RLEHybridEncoder.encode([1, 1, 0], bitWidth: 1, lengthPrefixed: true) + PlainEncoder.encode([Int32(1), 2])
        let second = RLEHybridEncoder.encode([0, 1], bitWidth: 1, lengthPrefixed: true) + PlainEncoder.encode([Int32(3)])
        let path = try writeSyntheticFile(
            column: optionalInt, rows: 5, pages: [dataPageV1(values: 3, body: first), dataPageV1(values: 2, body: second)])
        defer { try? FileManager.default.removeItem(atPath: path) }
        let batch = try ParquetFileReader(path: path).readRowGroup(0)
        #expect(JSONLines.render(batch) == "{\"n\":1}\n{\"n\":2}\n{\"n\":null}\n{\"n\":null}\n{\"n\":3}\n")
    }

    @Test("a page claiming more values than the row group has rows fails, naming the column and page offset")
    func tooManyValues() throws {
        let body = RLEHybridEncoder.encode([1, 1], bitWidth: 1, lengthPrefixed: true) + PlainEncoder.encode([Int32(1), 2])
        let path = try writeSyntheticFile(column: optionalInt, rows: 2, pages: [dataPageV1(values: 2_000_000_000, body: body)])
        defer { try? FileManager.default.removeItem(atPath: path) }
        let error = #expect(throws: ParquetReadError.self) { try ParquetFileReader(path: path).readRowGroup(0) }
        #expect(error?.kind == .corruptPage)
        #expect(error?.column == "n")
        #expect(error?.offset == 4)
        #expect(error?.path == path)
        #expect(error?.message.contains("2000000000") == true)
    }

    @Test("a page whose size runs past the column chunk fails")
    func pageTooLong() throws {
        var page = dataPageV1(values: 1, body: RLEHybridEncoder.encode([1], bitWidth: 1, lengthPrefixed: true) + PlainEncoder.encode([Int32(5)]))
        page.0.compressedPageSize = 1000
        let path = try writeSyntheticFile(column: optionalInt, rows: 1, pages: [page])
        defer { try? FileManager.default.removeItem(atPath: path) }
        let error = #expect(throws: ParquetReadError.self) { try ParquetFileReader(path: path).readRowGroup(0) }
        #expect(error?.kind == .corruptPage)
        #expect(error?.message.contains("runs past the end of the column chunk") == true)
    }

    @Test("an encoding that does not fit the physical type is refused as unsupported")
    func wrongEncoding() throws {
        let column = SchemaElement(name: "f", type: .float, repetitionType: .required)
        let path = try writeSyntheticFile(
            column: column, rows: 1, pages: [dataPageV1(values: 1, encoding: .deltaBinaryPacked, body: [0, 0, 0, 0])])
        defer { try? FileManager.default.removeItem(atPath: path) }
        let error = #expect(throws: ParquetReadError.self) { try ParquetFileReader(path: path).readRowGroup(0) }
        #expect(error?.kind == .unsupported)
        #expect(error?.message.contains("DELTA_BINARY_PACKED") == true)
    }

    @Test("reads wide FIXED_LEN_BYTE_ARRAY decimals when the extra bytes only extend the sign")
    func wideDecimal() throws {
        let column = SchemaElement(
            name: "d", type: .fixedLenByteArray, typeLength: 20, repetitionType: .required,
            logicalType: .decimal(scale: 2, precision: 38))
        let minusOne = [UInt8](repeating: 0xFF, count: 20)
        let big = [UInt8](repeating: 0, count: 19) + [0x7B]  // 123
        let path = try writeSyntheticFile(column: column, rows: 2, pages: [dataPageV1(values: 2, body: minusOne + big)])
        defer { try? FileManager.default.removeItem(atPath: path) }
        let batch = try ParquetFileReader(path: path).readRowGroup(0)
        #expect(JSONLines.render(batch) == "{\"d\":\"-0.01\"}\n{\"d\":\"1.23\"}\n")

        let overflow = [UInt8]([0x01]) + [UInt8](repeating: 0, count: 19)
        let bad = try writeSyntheticFile(column: column, rows: 1, pages: [dataPageV1(values: 1, body: overflow)], name: "overflow")
        defer { try? FileManager.default.removeItem(atPath: bad) }
        let error = #expect(throws: ParquetReadError.self) { try ParquetFileReader(path: bad).readRowGroup(0) }
        #expect(error?.message.contains("does not fit in 128 bits") == true)
    }

    @Test("reads a footer larger than the first tail read")
    func largeFooter() throws {
        let column = SchemaElement(name: "x", type: .int64, repetitionType: .required)
        let padding = String(repeating: "p", count: 3 * ParquetFooter.suggestedTailSize)
        let path = try writeSyntheticFile(
            column: column, rows: 2, pages: [dataPageV1(values: 2, body: PlainEncoder.encode([Int64(10), 20]))],
            keyValueMetadata: [KeyValue(key: "padding", value: padding)])
        defer { try? FileManager.default.removeItem(atPath: path) }
        let reader = try ParquetFileReader(path: path)
        #expect(reader.metadata.keyValueMetadata?.first?.value == padding)
        #expect(JSONLines.render(try reader.readRowGroup(0)) == "{\"x\":10}\n{\"x\":20}\n")
    }
}
