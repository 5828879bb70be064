import Testing
@testable import Parquet

/// Random damage to real footers and page headers: decoding must return or throw, never trap,
/// and whatever decodes must encode into bytes that decode again to the same encoding.
@Suite("Footer and page header mutation fuzzing")
struct FooterFuzzTests {
    /// Footers whose metadata exercises most of the model: Impala's plain types, a very wide
    /// nested schema, geospatial statistics, exactness flags, page index and Bloom filter
    /// locations, key/value metadata, sorting columns and an encrypted plaintext footer.
    static let corpusSeeds = [
        "data/alltypes_plain.parquet",
        "data/nested_structs.rust.parquet",
        "data/geospatial/geospatial.parquet",
        "data/binary_truncated_min_max.parquet",
        "data/data_index_bloom_encoding_stats.parquet",
        "data/alltypes_tiny_pages.parquet",
        "data/column_chunk_key_value_metadata.parquet",
        "data/sort_columns.parquet",
        "data/unknown-logical-type.parquet",
        "data/encrypt_columns_plaintext_footer.parquet.encrypted",
    ]

    /// The Thrift bytes of each seed footer; the synthetic sample is always there, so the test
    /// fuzzes something even without the corpus.
    static func seeds() throws -> [[UInt8]] {
        var seeds = [FormatSamples.fileMetaData.thriftBytes()]
        guard ConformanceCorpus.root != nil else {
            ConformanceCorpus.skipNote("fuzzing real footers (fuzzing the synthetic one only)")
            return seeds
        }
        for path in corpusSeeds {
            let file = try ConformanceCorpus.bytes(path)
            let length = try file.withUnsafeBytes { buffer in try ParquetFooter.metadataLength(tail: buffer, fileSize: file.count) }
            seeds.append(Array(file[(file.count - 8 - length)..<(file.count - 8)]))
        }
        return seeds
    }

    /// One to four random edits: bit flips, byte overwrites (often with boundary values),
    /// insertions, deletions, duplicated runs and truncation.
    static func mutate(_ input: [UInt8], using rng: inout FormatRNG) -> [UInt8] {
        var bytes = input
        let interesting: [UInt8] = [0x00, 0x01, 0x0F, 0x7F, 0x80, 0xF0, 0xFF, 0x19, 0x1C, 0xF9]
        for _ in 0..<Int.random(in: 1...4, using: &rng) {
            guard !bytes.isEmpty else {
                bytes.append(UInt8.random(in: 0 ... 255, using: &rng))
                continue
            }
            let index = Int.random(in: 0..<bytes.count, using: &rng)
            switch Int.random(in: 0..<7, using: &rng) {
            case 0:
                bytes[index] ^= 1 << UInt8.random(in: 0..<8, using: &rng)
            case 1:
                bytes[index] = UInt8.random(in: 0 ... 255, using: &rng)
            case 2:
                bytes[index] = interesting.randomElement(using: &rng) ?? 0
            case 3:
                let run = (0..<Int.random(in: 1...6, using: &rng)).map { _ in UInt8.random(in: 0 ... 255, using: &rng) }
                bytes.insert(contentsOf: run, at: index)
            case 4:
                let end = min(bytes.count, index + Int.random(in: 1...8, using: &rng))
                bytes.removeSubrange(index..<end)
            case 5:
                let end = min(bytes.count, index + Int.random(in: 1...32, using: &rng))
                let target = Int.random(in: 0...bytes.count, using: &rng)
                bytes.insert(contentsOf: bytes[index..<end], at: target)
            default:
                bytes.removeSubrange(index...)
            }
        }
        return bytes
    }

    /// Decodes `bytes` as `T`; when that works, checks that the encoding is stable.
    static func check<T: ThriftStruct>(_ type: T.Type, _ bytes: [UInt8]) -> Bool {
        guard let value = try? T(thriftBytes: bytes) else { return false }
        let encoded = value.thriftBytes()
        let again = try? T(thriftBytes: encoded)
        #expect(again?.thriftBytes() == encoded, "re-encoding a decoded \(T.self) is not stable")
        return true
    }

    @Test("mutated footers decode or throw, never trap")
    func mutatedFooters() throws {
        let seeds = try Self.seeds()
        var rng = FormatRNG(seed: 0x5EED_F00D)
        var decoded = 0
        let cases = 3000
        for index in 0..<cases {
            let seed = seeds[index % seeds.count]
            let mutated = Self.mutate(seed, using: &rng)
            if Self.check(FileMetaData.self, mutated) { decoded += 1 }
            // The same bytes framed as a file, with the trailer sometimes damaged as well.
            var file = ParquetFooter.magic + mutated
            withUnsafeBytes(of: UInt32(mutated.count).littleEndian) { file.append(contentsOf: $0) }
            file += ParquetFooter.magic
            if index % 5 == 0 {
                let position = file.count - Int.random(in: 1...8, using: &rng)
                file[position] = UInt8.random(in: 0 ... 255, using: &rng)
            }
            _ = try? ParquetFooter.read(fileBytes: file, fileSize: file.count)
            _ = try? ParquetFooter.read(fileBytes: Array(file.suffix(Int.random(in: 0...file.count, using: &rng))), fileSize: file.count)
        }
        print("footer fuzzing: \(cases) mutated footers from \(seeds.count) seeds, \(decoded) still decoded")
    }

    @Test("mutated page headers and page index structures decode or throw, never trap")
    func mutatedPageStructures() {
        let headers = [
            PageHeader(type: .dataPage, uncompressedPageSize: 100, compressedPageSize: 60, crc: 77,
                       dataPageHeader: DataPageHeader(numValues: 10, encoding: .plain, statistics: FormatSamples.statistics)),
            PageHeader(type: .dataPageV2, uncompressedPageSize: 9, compressedPageSize: 9,
                       dataPageHeaderV2: DataPageHeaderV2(numValues: 1, numNulls: 1, numRows: 1, encoding: .rle,
                                                          definitionLevelsByteLength: 2, repetitionLevelsByteLength: 0,
                                                          isCompressed: false, statistics: FormatSamples.statistics)),
            PageHeader(type: .dictionaryPage, uncompressedPageSize: 12, compressedPageSize: 12,
                       dictionaryPageHeader: DictionaryPageHeader(numValues: 3, isSorted: false)),
        ].map { $0.thriftBytes() }
        let index = ColumnIndex(nullPages: [false, true, false], minValues: [[1], [], [3]], maxValues: [[2], [], [4]],
                                boundaryOrder: .ascending, nullCounts: [0, 5, 0]).thriftBytes()
        let offsets = OffsetIndex(pageLocations: [PageLocation(offset: 4, compressedPageSize: 20, firstRowIndex: 0)]).thriftBytes()
        var rng = FormatRNG(seed: 42)
        var decoded = 0
        for round in 0..<1500 {
            let header = Self.mutate(headers[round % headers.count], using: &rng)
            if Self.check(PageHeader.self, header) { decoded += 1 }
            _ = Self.check(ColumnIndex.self, Self.mutate(index, using: &rng))
            _ = Self.check(OffsetIndex.self, Self.mutate(offsets, using: &rng))
            _ = Self.check(BloomFilterHeader.self, Self.mutate(BloomFilterHeader(numBytes: 32).thriftBytes(), using: &rng))
        }
        print("page header fuzzing: 1500 mutated headers, \(decoded) still decoded")
    }

    @Test("random bytes decode or throw, never trap")
    func randomBytes() {
        var rng = FormatRNG(seed: 1)
        for _ in 0..<1000 {
            let bytes = (0..<Int.random(in: 0..<200, using: &rng)).map { _ in UInt8.random(in: 0 ... 255, using: &rng) }
            _ = Self.check(FileMetaData.self, bytes)
            _ = Self.check(PageHeader.self, bytes)
            _ = Self.check(LogicalType.self, bytes)
            bytes.withUnsafeBytes { buffer in
                var reader = CompactReader(buffer)
                _ = try? reader.skip(.struct)
            }
        }
    }
}
