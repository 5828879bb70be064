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

    @Test("flipping bytes in the pages of small files, flat and nested, never crashes the reader (seeded, 3,600 cases)")
    func mutations() throws {
        let names = [
            "alltypes_plain.parquet", "alltypes_dictionary.parquet", "datapage_v2.snappy.parquet",
            "rle_boolean_encoding.parquet", "byte_array_decimal.parquet", "delta_encoding_optional_column.parquet",
            "int96_from_spark.parquet", "fixed_length_decimal.parquet", "alltypes_plain.snappy.parquet",
            "byte_stream_split.zstd.parquet", "byte_stream_split_extended.gzip.parquet", "delta_length_byte_array.parquet",
            "delta_byte_array.parquet", "delta_binary_packed.parquet",
            // Nested: levels and assembly of structs, lists (all layouts) and maps.
            "nested_lists.snappy.parquet", "nested_maps.snappy.parquet", "nullable.impala.parquet",
            "nonnullable.impala.parquet", "repeated_no_annotation.parquet", "old_list_structure.parquet",
            "list_columns.parquet", "nested_structs.rust.parquet", "map_no_value.parquet", "null_list.parquet",
        ]
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("sluice-parquet-mutations-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        // SLUICE_READER_MUTATIONS=n runs n cases per file instead of 150 (for longer local fuzzing).
        let perFile = ProcessInfo.processInfo.environment["SLUICE_READER_MUTATIONS"].flatMap { Int($0) } ?? 150
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
        #expect(try type(SchemaElement(name: "a", type: .fixedLenByteArray, typeLength: 2, logicalType: .float16)) == .float32)
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

    @Test("maps structs, bare repeated fields and the list layouts to Columnar types with their levels")
    func nested() throws {
        let mapping = try ParquetSchemaMapping([
            SchemaElement(name: "schema", numChildren: 5),
            SchemaElement(name: "id", type: .int64, repetitionType: .required),
            SchemaElement(name: "a", repetitionType: .optional, numChildren: 1),
            SchemaElement(name: "b", type: .int32, repetitionType: .optional),
            SchemaElement(name: "tags", type: .byteArray, repetitionType: .repeated, convertedType: .utf8),
            // Standard 3-level list of optional doubles.
            SchemaElement(name: "prices", repetitionType: .optional, numChildren: 1, convertedType: .list),
            SchemaElement(name: "list", repetitionType: .repeated, numChildren: 1),
            SchemaElement(name: "element", type: .double, repetitionType: .optional),
            // Legacy 2-level list whose repeated group (named `array`) is the element struct.
            SchemaElement(name: "pairs", repetitionType: .required, numChildren: 1, logicalType: .list),
            SchemaElement(name: "array", repetitionType: .repeated, numChildren: 1),
            SchemaElement(name: "x", type: .int32, repetitionType: .required),
        ])
        #expect(mapping.schema.names == ["id", "a", "tags", "prices", "pairs"])
        #expect(mapping.leafCount == 5)
        #expect(mapping.unsupported.isEmpty)
        #expect(mapping.schema.fields[1].type == .struct([Field("b", .int32, nullable: true)]))
        #expect(mapping.schema.fields[2] == Field("tags", .list(Field("tags", .string, nullable: false)), nullable: false))
        #expect(mapping.schema.fields[3] == Field("prices", .list(Field("element", .float64, nullable: true)), nullable: true))
        #expect(mapping.schema.fields[4].type == .list(Field("array", .struct([Field("x", .int32, nullable: false)]), nullable: false)))
        let levels = mapping.leaves.map { [$0.leafIndex, $0.maxDefinitionLevel, $0.maxRepetitionLevel] }
        #expect(levels == [[0, 0, 0], [1, 2, 0], [2, 1, 1], [3, 3, 1], [4, 1, 1]])
        #expect(mapping.leaves.map(\.name) == ["id", "a.b", "tags", "prices.list.element", "pairs.array.x"])
    }

    @Test("refuses malformed LIST and MAP groups as unsupported, keeping the other columns readable")
    func malformedNested() throws {
        let mapping = try ParquetSchemaMapping([
            SchemaElement(name: "schema", numChildren: 3),
            SchemaElement(name: "l", repetitionType: .optional, numChildren: 1, convertedType: .list),
            SchemaElement(name: "e", type: .int32, repetitionType: .optional),
            SchemaElement(name: "m", repetitionType: .optional, numChildren: 1, convertedType: .map),
            SchemaElement(name: "key_value", repetitionType: .repeated, numChildren: 3),
            SchemaElement(name: "key", type: .int32, repetitionType: .required),
            SchemaElement(name: "v1", type: .int32, repetitionType: .optional),
            SchemaElement(name: "v2", type: .int32, repetitionType: .optional),
            SchemaElement(name: "w", type: .double, repetitionType: .optional),
        ])
        #expect(mapping.schema.names == ["w"])
        #expect(mapping.leafCount == 5)
        #expect(mapping.leaves.map(\.leafIndex) == [4])
        #expect(mapping.unsupported["l"]?.message == "LIST group 'l' must have exactly one REPEATED child")
        #expect(mapping.unsupported["m"]?.message == "MAP group 'm' must hold one REPEATED group of a key and a value")
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
