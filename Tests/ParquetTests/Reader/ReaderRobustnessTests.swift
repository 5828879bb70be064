import Columnar
import Foundation
import Testing
@testable import Parquet

@Suite("Parquet reader on corrupt input")
struct ReaderRobustnessTests {
    /// Reads all the flat columns of `path`; returns the error, if any.
    static func readFlat(_ path: String, allColumns: Bool = false) -> ParquetReadError? {
        do throws(ParquetReadError) {
            let reader = try ParquetFileReader(path: path)
            _ = try reader.readAll(columns: allColumns ? nil : reader.schema.names)
            return nil
        } catch {
            return error
        }
    }

    /// The one bad_data file that pyarrow reads (a dictionary index stream of bit width 0); its values
    /// are checked against pyarrow's in ReaderCorpusTests.
    static let readableBadData: Set<String> = ["ARROW-GH-43605.parquet"]

    @Test("every file under bad_data either reads or throws a ParquetReadError naming the file")
    func badData() throws {
        let files = ReaderCorpus.files(in: ReaderCorpus.badData)
        for name in files {
            let path = ReaderCorpus.badData.appendingPathComponent(name).path
            if let error = Self.readFlat(path, allColumns: true) {
                #expect(error.path == path)
                #expect(!Self.readableBadData.contains(name), "\(name): \(error)")
                print("bad_data/\(name): refused: \(error)")
            } else {
                #expect(Self.readableBadData.contains(name), "\(name) should have been refused")
                print("bad_data/\(name): read without error")
            }
        }
    }

    @Test("flipping bytes in the pages of small files never crashes the reader (seeded, 700 cases)")
    func mutations() throws {
        let names = [
            "alltypes_plain.parquet", "alltypes_dictionary.parquet", "datapage_v2.snappy.parquet",
            "rle_boolean_encoding.parquet", "byte_array_decimal.parquet", "delta_encoding_optional_column.parquet",
            "int96_from_spark.parquet", "fixed_length_decimal.parquet", "alltypes_plain.snappy.parquet",
            "byte_stream_split.zstd.parquet", "byte_stream_split_extended.gzip.parquet", "delta_length_byte_array.parquet",
            "delta_byte_array.parquet", "delta_binary_packed.parquet",
        ]
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("sluice-parquet-mutations-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        // SLUICE_READER_MUTATIONS=n runs n cases per file instead of 50 (for longer local fuzzing).
        let perFile = ProcessInfo.processInfo.environment["SLUICE_READER_MUTATIONS"].flatMap { Int($0) } ?? 50
        var generator = SeededGenerator(seed: 0x5EED_0F_5_1CE)
        var failures = 0
        var cases = 0
        for name in names {
            guard let path = ReaderCorpus.path(name) else { continue }
            let original = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
            let reader = try ParquetFileReader(path: path)
            let pageEnd = reader.footerStart
            let target = directory.appendingPathComponent(name)
            for _ in 0 ..< perFile {
                var bytes = original
                let flips = Int.random(in: 1 ... 4, using: &generator)
                for _ in 0 ..< flips {
                    let at = Int.random(in: 4 ..< pageEnd, using: &generator)
                    bytes[at] ^= UInt8.random(in: 1 ... 255, using: &generator)
                }
                try Data(bytes).write(to: target)
                cases += 1
                if let error = Self.readFlat(target.path) {
                    failures += 1
                    #expect(error.path == target.path)
                    if error.kind == .corruptPage { #expect(error.offset != nil && error.column != nil) }
                }
            }
        }
        print("mutation test: \(cases) cases, \(failures) refused with ParquetReadError, the rest read")
    }

    @Test("a truncated file fails with a footer error, never a crash")
    func truncated() throws {
        guard let path = ReaderCorpus.path("alltypes_plain.parquet") else { return }
        let original = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        let target = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-truncated-\(getpid()).parquet")
        defer { try? FileManager.default.removeItem(at: target) }
        for length in [0, 3, 8, 12, original.count / 2, original.count - 1] {
            try Data(original.prefix(length)).write(to: target)
            let error = Self.readFlat(target.path)
            #expect(error?.kind == .footer, "length \(length): \(String(describing: error))")
        }
    }
}

@Suite("Parquet schema mapping")
struct SchemaMappingTests {
    func type(_ element: SchemaElement) throws -> DataType {
        try ParquetSchemaMapping.dataType(of: element)
    }

    @Test("maps logical and converted annotations to Columnar types")
    func annotations() throws {
        #expect(try type(SchemaElement(name: "a", type: .byteArray, logicalType: .string)) == .string)
        #expect(try type(SchemaElement(name: "a", type: .byteArray, convertedType: .utf8)) == .string)
        #expect(try type(SchemaElement(name: "a", type: .byteArray, convertedType: .enum)) == .string)
        #expect(try type(SchemaElement(name: "a", type: .byteArray, logicalType: .json)) == .string)
        #expect(try type(SchemaElement(name: "a", type: .byteArray)) == .binary)
        #expect(try type(SchemaElement(name: "a", type: .int32, logicalType: .integer(bitWidth: 8, isSigned: true))) == .int8)
        #expect(try type(SchemaElement(name: "a", type: .int32, logicalType: .integer(bitWidth: 16, isSigned: false))) == .uint16)
        #expect(try type(SchemaElement(name: "a", type: .int32, convertedType: .uint32)) == .uint32)
        #expect(try type(SchemaElement(name: "a", type: .int64, convertedType: .uint64)) == .uint64)
        #expect(try type(SchemaElement(name: "a", type: .int64, logicalType: .integer(bitWidth: 64, isSigned: true))) == .int64)
        #expect(try type(SchemaElement(name: "a", type: .int32, logicalType: .date)) == .date32)
        #expect(try type(SchemaElement(name: "a", type: .int32, convertedType: .date)) == .date32)
        #expect(try type(SchemaElement(name: "a", type: .int64, logicalType: .timestamp(isAdjustedToUTC: true, unit: .micros)))
            == .timestamp(.micro, timezone: "UTC"))
        #expect(try type(SchemaElement(name: "a", type: .int64, logicalType: .timestamp(isAdjustedToUTC: false, unit: .nanos)))
            == .timestamp(.nano, timezone: nil))
        #expect(try type(SchemaElement(name: "a", type: .int64, convertedType: .timestampMillis)) == .timestamp(.milli, timezone: "UTC"))
        #expect(try type(SchemaElement(name: "a", type: .int32, logicalType: .time(isAdjustedToUTC: false, unit: .millis))) == .time(.milli))
        #expect(try type(SchemaElement(name: "a", type: .int64, convertedType: .timeMicros)) == .time(.micro))
        #expect(try type(SchemaElement(name: "a", type: .int96)) == .timestamp(.nano, timezone: nil))
        #expect(try type(SchemaElement(name: "a", type: .int64, convertedType: .decimal, scale: 2, precision: 18))
            == .decimal(precision: 18, scale: 2))
        #expect(try type(SchemaElement(name: "a", type: .fixedLenByteArray, typeLength: 16, logicalType: .decimal(scale: 3, precision: 38)))
            == .decimal(precision: 38, scale: 3))
        #expect(try type(SchemaElement(name: "a", type: .fixedLenByteArray, typeLength: 2, logicalType: .float16)) == .fixedSizeBinary(2))
        #expect(try type(SchemaElement(name: "a", type: .fixedLenByteArray, typeLength: 7)) == .fixedSizeBinary(7))
        #expect(try type(SchemaElement(name: "a", type: .boolean)) == .bool)
        #expect(try type(SchemaElement(name: "a", type: .float)) == .float32)
        #expect(try type(SchemaElement(name: "a", type: .double)) == .float64)
    }

    @Test("rejects impossible or unsupported annotations with an error naming the column")
    func invalid() {
        let wide = #expect(throws: ParquetReadError.self) {
            try type(SchemaElement(name: "big", type: .fixedLenByteArray, typeLength: 32, logicalType: .decimal(scale: 0, precision: 60)))
        }
        #expect(wide?.kind == .unsupported)
        #expect(wide?.column == "big")
        let narrow = #expect(throws: ParquetReadError.self) {
            try type(SchemaElement(name: "n", type: .int32, logicalType: .decimal(scale: 0, precision: 12)))
        }
        #expect(narrow?.kind == .corruptMetadata)
        let noLength = #expect(throws: ParquetReadError.self) { try type(SchemaElement(name: "f", type: .fixedLenByteArray)) }
        #expect(noLength?.column == "f")
    }

    @Test("records nested and repeated top-level columns as unsupported, naming the leaf path")
    func nested() throws {
        let mapping = try ParquetSchemaMapping([
            SchemaElement(name: "schema", numChildren: 3),
            SchemaElement(name: "id", type: .int64, repetitionType: .required),
            SchemaElement(name: "a", repetitionType: .optional, numChildren: 1),
            SchemaElement(name: "b", type: .int32, repetitionType: .optional),
            SchemaElement(name: "tags", type: .byteArray, repetitionType: .repeated),
        ])
        #expect(mapping.schema.names == ["id"])
        #expect(mapping.leafCount == 3)
        #expect(mapping.unsupported["a"]?.message == "nested column 'a.b' is not supported yet")
        #expect(mapping.unsupported["tags"]?.kind == .unsupported)
        #expect(mapping.schema.fields[0].nullable == false)

        let deeper = try ParquetSchemaMapping([
            SchemaElement(name: "schema", numChildren: 3),
            SchemaElement(name: "s", repetitionType: .optional, numChildren: 2),
            SchemaElement(name: "t", repetitionType: .optional, numChildren: 1),
            SchemaElement(name: "u", type: .int32, repetitionType: .optional),
            SchemaElement(name: "v", type: .int32, repetitionType: .optional),
            SchemaElement(name: "w", type: .double, repetitionType: .optional),
            SchemaElement(name: "x", type: .boolean, repetitionType: .required),
        ])
        #expect(deeper.schema.names == ["w", "x"])
        #expect(deeper.leafCount == 4)
        #expect(deeper.leaves.map(\.leafIndex) == [2, 3])
        #expect(deeper.unsupported["s"]?.message == "nested column 's.t.u' is not supported yet")
    }

    @Test("rejects a schema whose child counts do not add up")
    func corruptTree() {
        #expect(throws: ParquetReadError.self) {
            try ParquetSchemaMapping([SchemaElement(name: "schema", numChildren: 2), SchemaElement(name: "x", type: .int32)])
        }
        #expect(throws: ParquetReadError.self) {
            try ParquetSchemaMapping([
                SchemaElement(name: "schema", numChildren: 1),
                SchemaElement(name: "g", numChildren: 1_000_000),
                SchemaElement(name: "x", type: .int32),
            ])
        }
        #expect(throws: ParquetReadError.self) { try ParquetSchemaMapping([]) }
    }

    @Test("recognises the parquet-mr versions that undercount dictionary headers")
    func parquetMRVersions() {
        #expect(ParquetFileReader.undercountsDictionaryHeader("parquet-mr"))
        #expect(ParquetFileReader.undercountsDictionaryHeader("parquet-mr version 1.2.8"))
        #expect(!ParquetFileReader.undercountsDictionaryHeader("parquet-mr version 1.2.9"))
        #expect(!ParquetFileReader.undercountsDictionaryHeader("parquet-mr version 1.10.0 (build x)"))
        #expect(!ParquetFileReader.undercountsDictionaryHeader("parquet-cpp-arrow version 14.0.2"))
        #expect(!ParquetFileReader.undercountsDictionaryHeader(nil))
    }
}
