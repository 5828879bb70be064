import Foundation
import Testing
@testable import Parquet

/// The Parquet conformance corpus at `shared/conformance/parquet`, beside the repository.
enum ConformanceCorpus {
    /// Tests/ParquetTests/Format/<this file> → <repo>/../shared/conformance/parquet, or nil when
    /// the folder is absent (symlinks resolved, so a scratch package linking these files works).
    static let root: URL? = {
        var url = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
        for _ in 0..<5 { url.deleteLastPathComponent() }
        let corpus = url.appendingPathComponent("shared/conformance/parquet", isDirectory: true)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: corpus.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            return nil
        }
        return corpus
    }()

    /// Prints why a corpus test did nothing, so a skipped run is visible in the log.
    static func skipNote(_ test: String) {
        print("SKIPPED (\(test)): no Parquet conformance corpus at ../shared/conformance/parquet relative to the repository root")
    }

    /// Paths relative to the corpus root of the files under `folder` whose names end with one of
    /// `suffixes`, sorted.
    static func files(under folder: String, endingWith suffixes: [String]) -> [String] {
        guard let root, let walker = FileManager.default.enumerator(atPath: root.appendingPathComponent(folder).path) else {
            return []
        }
        var found: [String] = []
        while let relative = walker.nextObject() as? String {
            if suffixes.contains(where: { relative.hasSuffix($0) }) { found.append(folder + "/" + relative) }
        }
        return found.sorted()
    }

    static func bytes(_ relativePath: String) throws -> [UInt8] {
        guard let root else { return [] }
        return [UInt8](try Data(contentsOf: root.appendingPathComponent(relativePath)))
    }
}

/// What walking one column chunk's page headers found.
struct ChunkPageWalk {
    var pages = 0
    var dataValues: Int64 = 0
    /// Where the pages ended, and where the chunk's sizes say they should.
    var endedAt: Int64 = 0
    var chunkEnd: Int64 = 0
}

/// Decodes the page headers of a column chunk one after another, from its first page through
/// `totalCompressedSize` bytes, without reading the page bodies.
func walkChunkPages(_ column: ColumnMetaData, in file: [UInt8]) throws -> ChunkPageWalk {
    // The chunk starts at its dictionary page when it has one. Writers disagree on how to say
    // "none" (absent, or 0), and some point data_page_offset at the dictionary page or, for a
    // chunk without data pages, at 0; offsets inside the leading magic are not pages.
    let candidates = [column.dataPageOffset, column.dictionaryPageOffset].compactMap { $0 }.filter { $0 >= 4 }
    var start = candidates.min() ?? column.dataPageOffset
    if start < 4 { start = column.dataPageOffset }
    let end = start + column.totalCompressedSize
    guard start >= 0, end <= Int64(file.count), end >= start else {
        throw ThriftError(offset: Int(clamping: start), message: "column chunk \(start)..<\(end) lies outside the file")
    }
    var walk = ChunkPageWalk()
    var position = start
    try file.withUnsafeBytes { buffer in
        while position < end {
            let slice = UnsafeRawBufferPointer(rebasing: buffer[Int(position)..<Int(end)])
            let (header, length) = try PageHeader.decodePrefix(slice, baseOffset: Int(position))
            guard header.compressedPageSize >= 0 else {
                throw ThriftError(offset: Int(position), message: "negative compressed page size")
            }
            walk.pages += 1
            if let v1 = header.dataPageHeader { walk.dataValues += Int64(v1.numValues) }
            if let v2 = header.dataPageHeaderV2 { walk.dataValues += Int64(v2.numValues) }
            position += Int64(length) + Int64(header.compressedPageSize)
        }
    }
    walk.endedAt = position
    walk.chunkEnd = end
    return walk
}

@Suite("Conformance corpus footers")
struct ConformanceFooterTests {
    static let plainFiles = ConformanceCorpus.files(under: "data", endingWith: [".parquet"])
    static let encryptedFiles = ConformanceCorpus.files(under: "data", endingWith: [".parquet.encrypted"])
    static let badFiles = ConformanceCorpus.files(under: "bad_data", endingWith: [".parquet"])

    @Test("every unencrypted file's footer decodes and agrees with pyarrow")
    func plainFilesDecode() throws {
        guard ConformanceCorpus.root != nil else { return ConformanceCorpus.skipNote("unencrypted footers") }
        #expect(Self.plainFiles.count >= 70)
        let expected = Dictionary(expectedFooters.map { ($0.path, $0) }, uniquingKeysWith: { first, _ in first })
        var decoded = 0
        for path in Self.plainFiles {
            let file = try ConformanceCorpus.bytes(path)
            let metadata: FileMetaData
            do {
                metadata = try ParquetFooter.read(fileBytes: file, fileSize: file.count)
            } catch {
                Issue.record("\(path): \(error)")
                continue
            }
            decoded += 1
            #expect(!metadata.isEncrypted, "\(path)")
            // parquet-rs 0.3.0 wrote num_rows 0 above row groups holding 6 rows; pyarrow shows 0 too.
            if !path.hasSuffix("repeated_no_annotation.parquet") {
                #expect(metadata.rowGroups.reduce(0) { $0 + $1.numRows } == metadata.numRows, "\(path)")
            }
            // Encoding what we decoded and decoding it again changes nothing.
            let encoded = metadata.thriftBytes()
            #expect(try FileMetaData(thriftBytes: encoded).thriftBytes() == encoded, "\(path)")

            guard let facts = expected[path] else {
                #expect(filesPyarrowRefuses.contains(path), "\(path): no pyarrow expectations recorded")
                continue
            }
            #expect(metadata.numRows == facts.numRows, "\(path)")
            #expect(metadata.rowGroups.count == facts.numRowGroups, "\(path)")
            #expect(metadata.schema.filter { !$0.isGroup }.count == facts.numColumns, "\(path)")
            #expect(metadata.rowGroups.first?.columns.count == facts.numColumns, "\(path)")
            #expect(metadata.rowGroups.first?.columns.first?.metaData?.pathInSchema.joined(separator: ".") == facts.firstColumnPath, "\(path)")
            #expect(metadata.createdBy.flatMap { $0.isEmpty ? nil : $0 } == facts.createdBy, "\(path)")
        }
        print("conformance corpus: \(decoded) of \(Self.plainFiles.count) unencrypted footers decoded")
    }

    @Test("every column chunk of the unencrypted files has page headers that decode and add up")
    func pageHeadersDecode() throws {
        guard ConformanceCorpus.root != nil else { return ConformanceCorpus.skipNote("page headers") }
        var chunks = 0
        var pages = 0
        for path in Self.plainFiles {
            let file = try ConformanceCorpus.bytes(path)
            guard let metadata = try? ParquetFooter.read(fileBytes: file, fileSize: file.count) else { continue }
            for (groupIndex, group) in metadata.rowGroups.enumerated() {
                for (columnIndex, chunk) in group.columns.enumerated() {
                    guard let column = chunk.metaData else { continue }
                    let place = "\(path) row group \(groupIndex) column \(columnIndex)"
                    do {
                        let walk = try walkChunkPages(column, in: file)
                        chunks += 1
                        pages += walk.pages
                        #expect(walk.dataValues == column.numValues, "\(place)")
                        // Its string columns' pages overrun total_compressed_size by 15 bytes.
                        if !path.hasSuffix("nation.dict-malformed.parquet") {
                            #expect(walk.endedAt == walk.chunkEnd, "\(place)")
                        }
                    } catch {
                        Issue.record("\(place): \(error)")
                    }
                }
            }
        }
        print("conformance corpus: \(pages) page headers decoded in \(chunks) column chunks")
    }

    @Test("encrypted files are refused with the encryption message")
    func encryptedFilesRefused() throws {
        guard ConformanceCorpus.root != nil else { return ConformanceCorpus.skipNote("encrypted files") }
        #expect(Self.encryptedFiles.count >= 10)
        var plaintextFooters: [String] = []
        for path in Self.encryptedFiles {
            let file = try ConformanceCorpus.bytes(path)
            do {
                _ = try ParquetFooter.read(fileBytes: file, fileSize: file.count)
                Issue.record("\(path) decoded although it is encrypted")
            } catch {
                #expect(error.kind == .encrypted, "\(path): \(error)")
                #expect(error.message.hasPrefix("encrypted Parquet ("), "\(path): \(error)")
                #expect(error.message.hasSuffix(") is not supported"), "\(path): \(error)")
            }
            // Files whose footer is plaintext still show their metadata when asked.
            if let metadata = try? ParquetFooter.read(fileBytes: file, fileSize: file.count, allowEncryptedColumns: true) {
                plaintextFooters.append(path)
                #expect(metadata.isEncrypted)
                #expect(metadata.numRows == 50, "\(path)")
                let crypto = metadata.rowGroups.flatMap(\.columns).compactMap(\.cryptoMetadata)
                #expect(!crypto.isEmpty, "\(path)")
            }
        }
        #expect(plaintextFooters.allSatisfy { $0.hasSuffix("encrypt_columns_plaintext_footer.parquet.encrypted") })
        print("conformance corpus: \(Self.encryptedFiles.count) encrypted files refused; plaintext footers: \(plaintextFooters)")
    }

    @Test("bad_data files decode or fail with an error, never trap")
    func badFilesNeverTrap() throws {
        guard ConformanceCorpus.root != nil else { return ConformanceCorpus.skipNote("bad_data") }
        #expect(!Self.badFiles.isEmpty)
        var outcomes: [String] = []
        for path in Self.badFiles {
            let file = try ConformanceCorpus.bytes(path)
            do {
                let metadata = try ParquetFooter.read(fileBytes: file, fileSize: file.count)
                var pageErrors = 0
                for chunk in metadata.rowGroups.flatMap(\.columns) {
                    guard let column = chunk.metaData else { continue }
                    if (try? walkChunkPages(column, in: file)) == nil { pageErrors += 1 }
                }
                outcomes.append("\(path): decoded, \(pageErrors) chunks with page header errors")
            } catch {
                outcomes.append("\(path): \(error)")
            }
        }
        print("bad_data outcomes:\n  " + outcomes.joined(separator: "\n  "))
    }
}

@Suite("Conformance corpus facts")
struct ConformanceFactsTests {
    static func footer(_ path: String) throws -> FileMetaData? {
        guard ConformanceCorpus.root != nil else {
            ConformanceCorpus.skipNote(path)
            return nil
        }
        let file = try ConformanceCorpus.bytes(path)
        return try ParquetFooter.read(fileBytes: file, fileSize: file.count)
    }

    @Test("alltypes_plain.parquet: 8 rows, 11 Impala columns, dictionary-encoded id")
    func alltypesPlain() throws {
        guard let metadata = try Self.footer("data/alltypes_plain.parquet") else { return }
        #expect(metadata.numRows == 8)
        #expect(metadata.version == 1)
        #expect(metadata.createdBy == "impala version 1.3.0-INTERNAL (build 8a48ddb1eff84592b3fc06bc6f51ec120e1fffc9)")
        let leaves = metadata.schema.dropFirst()
        #expect(metadata.schema.first?.name == "schema")
        #expect(metadata.schema.first?.numChildren == 11)
        #expect(leaves.map(\.name) == [
            "id", "bool_col", "tinyint_col", "smallint_col", "int_col", "bigint_col", "float_col", "double_col",
            "date_string_col", "string_col", "timestamp_col",
        ])
        #expect(leaves.compactMap(\.type) == [
            .int32, .boolean, .int32, .int32, .int32, .int64, .float, .double, .byteArray, .byteArray, .int96,
        ])
        #expect(leaves.allSatisfy { $0.repetitionType == .optional })
        let id = try #require(metadata.rowGroups.first?.columns.first?.metaData)
        #expect(id.pathInSchema == ["id"])
        #expect(id.codec == .uncompressed)
        #expect(Set(id.encodings) == [.rle, .plainDictionary, .plain])
        #expect(id.numValues == 8)
        #expect(id.dataPageOffset == 49)
        #expect(id.dictionaryPageOffset == 4)
        #expect(id.totalCompressedSize == 73)
    }

    @Test("column_chunk_key_value_metadata.parquet: a key without a value stays valueless")
    func columnKeyValues() throws {
        guard let metadata = try Self.footer("data/column_chunk_key_value_metadata.parquet") else { return }
        let pairs = try #require(metadata.rowGroups.first?.columns.first?.metaData?.keyValueMetadata)
        #expect(Set(pairs) == [KeyValue(key: "foo", value: "bar"), KeyValue(key: "thisiskeywithoutvalue", value: nil)])
    }

    @Test("sort_columns.parquet: both row groups list their sorting columns")
    func sortingColumns() throws {
        guard let metadata = try Self.footer("data/sort_columns.parquet") else { return }
        #expect(metadata.rowGroups.count == 2)
        for group in metadata.rowGroups {
            #expect(group.sortingColumns == [
                SortingColumn(columnIdx: 0, descending: true, nullsFirst: true),
                SortingColumn(columnIdx: 1, descending: false, nullsFirst: false),
            ])
        }
    }

    @Test("binary_truncated_min_max.parquet: min/max exactness flags as documented")
    func truncatedStatistics() throws {
        guard let metadata = try Self.footer("data/binary_truncated_min_max.parquet") else { return }
        let columns = try #require(metadata.rowGroups.first?.columns)
        let flags = columns.map { chunk in
            (chunk.metaData?.pathInSchema.first ?? "", chunk.metaData?.statistics?.isMinValueExact,
             chunk.metaData?.statistics?.isMaxValueExact)
        }
        #expect(flags.map(\.0) == [
            "utf8_full_truncation", "binary_full_truncation", "utf8_partial_truncation",
            "binary_partial_truncation", "utf8_no_truncation", "binary_no_truncation",
        ])
        #expect(flags.map(\.1) == [false, false, false, false, true, true])
        #expect(flags.map(\.2) == [false, false, true, true, true, true])
        let partial = try #require(columns[3].metaData?.statistics)
        #expect(partial.minValue == [0x41, 0x6C])
        #expect(partial.maxValue == [0xFF, 0xFF, 0x01, 0x02])
    }

    @Test("unknown-logical-type.parquet: the future annotation reads as unrecognized")
    func unknownLogicalType() throws {
        guard let metadata = try Self.footer("data/unknown-logical-type.parquet") else { return }
        let leaves = metadata.schema.dropFirst()
        #expect(leaves.first?.logicalType == .string)
        let unknown = try #require(leaves.last?.logicalType)
        guard case .unrecognized(let fieldId) = unknown else {
            Issue.record("expected an unrecognized logical type, got \(unknown)")
            return
        }
        #expect(fieldId > 19)
    }

    @Test("float16 and geospatial files carry their logical types and statistics")
    func newerAnnotations() throws {
        if let metadata = try Self.footer("data/float16_nonzeros_and_nans.parquet") {
            let x = try #require(metadata.schema.last)
            #expect(x.logicalType == .float16)
            #expect(x.type == .fixedLenByteArray && x.typeLength == 2)
            let stats = try #require(metadata.rowGroups.first?.columns.first?.metaData?.statistics)
            #expect(stats.nullCount == 1)
            #expect(stats.minValue == [0x00, 0xC0])
            #expect(stats.maxValue == [0x00, 0x40])
        }
        if let metadata = try Self.footer("data/geospatial/crs-geography.parquet") {
            let geography = metadata.schema.compactMap(\.logicalType).first { if case .geography = $0 { true } else { false } }
            #expect(geography != nil)
        }
        if let metadata = try Self.footer("data/geospatial/geospatial.parquet") {
            let geo = metadata.rowGroups.flatMap(\.columns).compactMap { $0.metaData?.geospatialStatistics }
            #expect(!geo.isEmpty)
        }
    }

    @Test("datapage_v2.snappy.parquet: version 2 page headers with level lengths")
    func dataPageV2() throws {
        guard let metadata = try Self.footer("data/datapage_v2.snappy.parquet") else { return }
        let file = try ConformanceCorpus.bytes("data/datapage_v2.snappy.parquet")
        let column = try #require(metadata.rowGroups.first?.columns.first?.metaData)
        #expect(column.codec == .snappy)
        // parquet-mr 1.8.1 points data_page_offset at the dictionary page and sets no
        // dictionary_page_offset; the version 2 data page follows it.
        #expect(column.dictionaryPageOffset == nil)
        let headers = try file.withUnsafeBytes { buffer in
            var position = Int(column.dataPageOffset)
            var headers: [PageHeader] = []
            for _ in 0..<2 {
                let (header, length) = try PageHeader.decodePrefix(UnsafeRawBufferPointer(rebasing: buffer[position...]), baseOffset: position)
                headers.append(header)
                position += length + Int(header.compressedPageSize)
            }
            return headers
        }
        #expect(headers.map(\.type) == [.dictionaryPage, .dataPageV2])
        let v2 = try #require(headers.last?.dataPageHeaderV2)
        #expect(v2.numRows == 5)
        #expect(v2.numValues == 5)
        #expect(v2.numNulls == 1) // pyarrow reads ["abc", "abc", "abc", nil, "abc"]
        #expect(v2.repetitionLevelsByteLength == 0)
        #expect(v2.encoding == .rleDictionary)
    }
}
