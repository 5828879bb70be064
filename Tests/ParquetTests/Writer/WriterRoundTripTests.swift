import Columnar
import Foundation
import Testing
@testable import Parquet

@Suite("Parquet writer")
struct WriterRoundTripTests {
    /// Every flat type, with nulls, special floats, unicode and edge values; `rows` rows.
    static func sampleBatch(rows: Int = 300) throws -> RecordBatch {
        let fields: [Field] = [
            Field("b", .bool), Field("i8", .int8), Field("i16", .int16), Field("i32", .int32, nullable: false),
            Field("i64", .int64), Field("u8", .uint8), Field("u16", .uint16), Field("u32", .uint32), Field("u64", .uint64),
            Field("f32", .float32), Field("f64", .float64), Field("s", .string), Field("bin", .binary),
            Field("fix", .fixedSizeBinary(3)), Field("d", .date32), Field("ts", .timestamp(.micro, timezone: "UTC")),
            Field("ts_ms", .timestamp(.milli, timezone: nil)), Field("dec9", .decimal(precision: 9, scale: 2)),
            Field("dec18", .decimal(precision: 18, scale: 4)), Field("dec30", .decimal(precision: 30, scale: 5)),
        ]
        var columns: [Column] = []
        for (c, field) in fields.enumerated() {
            let builder = makeColumnBuilder(for: field.type, capacity: rows)
            for r in 0..<rows {
                // Rows 0 and 1 carry the extreme values, so they are never null.
                if field.nullable && r > 1 && (r * 7 + c) % 11 == 0 { builder.appendNull(); continue }
                let k = Int64(r) * 7919 % 1000 - 500
                let value: ScalarValue
                switch field.type {
                case .bool: value = .bool(r % 3 == 0)
                case .int8: value = .int(Int64(Int8(truncatingIfNeeded: k)))
                case .int16: value = .int(k * 61)
                case .int32: value = .int(r == 0 ? Int64(Int32.min) : r == 1 ? Int64(Int32.max) : k * 4099)
                case .int64: value = .int(r == 0 ? Int64.min : r == 1 ? Int64.max : k * 1_000_003)
                case .uint8: value = .uint(UInt64(r % 256))
                case .uint16: value = .uint(UInt64(r * 211 % 65_536))
                case .uint32: value = .uint(r == 1 ? UInt64(UInt32.max) : UInt64(r * 104_729))
                case .uint64: value = .uint(r == 1 ? UInt64.max : UInt64(r) * 9_999_991)
                case .float32:
                    let specials: [Float] = [.nan, .infinity, -0.0, .leastNonzeroMagnitude]
                    value = .float(r % 7 == 0 ? specials[r / 7 % 4] : Float(k) / 3)
                case .float64: value = .double(r % 13 == 0 ? -.infinity : Double(k) / 7 + 0.1)
                case .string: value = .string(r % 17 == 0 ? "" : "v\(k % 40)é✓\(r % 5)")
                case .binary: value = .binary(Array("bin\(k % 9)".utf8) + [0, 255])
                case .fixedSizeBinary: value = .binary([UInt8(r % 256), UInt8(k & 0xFF), 7])
                case .date32: value = .date(days: Int32(k * 30))
                case .timestamp(.micro, _): value = .timestamp(k * 3_600_000_123, unit: .micro, timezone: "UTC")
                case .timestamp(_, _): value = .timestamp(k * 86_400_001, unit: .milli, timezone: nil)
                case let .decimal(p, s): value = .decimal(Int128(k) * Int128(p > 18 ? 1_000_000_000_000_000_000 : 12_345), precision: p, scale: s)
                default: value = .null
                }
                try builder.append(scalar: value)
            }
            columns.append(builder.finish())
        }
        return try RecordBatch(schema: Schema(fields), columns: columns)
    }

    static func temporaryPath(_ name: String) -> String {
        NSTemporaryDirectory() + "sluice-writer-\(UUID().uuidString)-\(name)"
    }

    static func render(_ batches: [RecordBatch]) -> String { batches.map(JSONLines.render).joined() }

    static func write(_ batch: RecordBatch, to path: String, _ options: ParquetWriterOptions) throws -> FileMetaData {
        let writer = try ParquetFileWriter(path: path, schema: batch.schema, options: options)
        // In two parts, so row groups and pages cut across batch boundaries.
        try writer.write(batch.slice(offset: 0, count: batch.rowCount / 3))
        try writer.write(batch.slice(offset: batch.rowCount / 3, count: batch.rowCount - batch.rowCount / 3))
        return try writer.close()
    }

    @Test("every flat type round-trips through the reader, for each codec, page version and dictionary setting",
          arguments: [PageCodec.uncompressed, .snappy, .gzip, .zstd], [1, 2])
    func roundTrip(codec: PageCodec, pageVersion: Int) throws {
        let batch = try Self.sampleBatch()
        for dictionary in [true, false] {
            var options = ParquetWriterOptions()
            options.compression = codec
            options.pageVersion = pageVersion
            options.dictionary = dictionary
            options.rowGroupRows = 128
            options.dataPageSize = 256
            let path = Self.temporaryPath("rt.parquet")
            defer { try? FileManager.default.removeItem(atPath: path) }
            let metadata = try Self.write(batch, to: path, options)
            #expect(metadata.numRows == 300 && metadata.rowGroups.count == 3)
            let back = try ParquetFileReader(path: path).readAll()
            #expect(Self.render(back) == JSONLines.render(batch), "codec \(codec.name), page v\(pageVersion), dictionary \(dictionary)")
        }
    }

    @Test("statistics: null counts, min and max in each type's order (unsigned, NaN and ±0 rules)")
    func statistics() throws {
        let batch = try Self.sampleBatch()
        let path = Self.temporaryPath("stats.parquet")
        defer { try? FileManager.default.removeItem(atPath: path) }
        var options = ParquetWriterOptions()
        options.rowGroupRows = 1000
        let metadata = try Self.write(batch, to: path, options)
        let chunks = Dictionary(uniqueKeysWithValues: metadata.rowGroups[0].columns.map { ($0.metaData!.pathInSchema[0], $0.metaData!.statistics!) })
        func i64(_ b: [UInt8]?) -> Int64 { b!.withUnsafeBytes { $0.loadUnaligned(as: Int64.self) } }
        func u64(_ b: [UInt8]?) -> UInt64 { b!.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) } }
        #expect(i64(chunks["i64"]?.minValue) == Int64.min && i64(chunks["i64"]?.maxValue) == Int64.max)
        #expect(u64(chunks["u64"]?.maxValue) == UInt64.max, "unsigned order: UInt64.max is the maximum, not -1")
        #expect(chunks["i32"]?.nullCount == 0)
        // Column 11 ("s") is null where r > 1 and (r * 7 + 11) % 11 == 0: rows 11, 22, ..., 297.
        let stringNulls: Int64 = 27
        #expect(chunks["s"]?.nullCount == stringNulls)
        #expect(chunks["s"]?.minValue == [])
    }

    @Test("a column that cannot be written is refused before anything lands at the path")
    func refusals() throws {
        let unwritable = Schema([Field("d", .decimal(precision: 40, scale: 0))])
        #expect(throws: ParquetWriteError.self) { try ParquetFileWriter(path: Self.temporaryPath("n.parquet"), schema: unwritable) }
        let path = NSTemporaryDirectory() + "sluice-no-such-dir-\(UUID().uuidString)/x.parquet"
        #expect(throws: ParquetWriteError.self) { try ParquetFileWriter(path: path, schema: try Self.sampleBatch(rows: 1).schema) }
        // A writer dropped without close() leaves neither the file nor its temporary behind.
        let dir = NSTemporaryDirectory() + "sluice-writer-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        do {
            let writer = try ParquetFileWriter(path: dir + "/t.parquet", schema: try Self.sampleBatch(rows: 1).schema)
            try writer.write(try Self.sampleBatch(rows: 10))
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).isEmpty)
    }

    @Test("row groups are cut by size as well as by row count, whichever comes first")
    func rowGroupsBySize() throws {
        let batch = try Self.sampleBatch(rows: 3000)
        let path = Self.temporaryPath("bysize.parquet")
        defer { unlink(path) }
        var options = ParquetWriterOptions()
        options.rowGroupBytes = 64 << 10
        let metadata = try Self.write(batch, to: path, options)
        let perRow = batch.columns.reduce(0) { $0 + $1.estimatedByteCount } / batch.rowCount
        #expect(metadata.rowGroups.count >= 3000 * perRow / (64 << 10))
        #expect(metadata.rowGroups.allSatisfy { Int($0.numRows) * perRow <= (64 << 10) + perRow })
        #expect(Self.render(try ParquetFileReader(path: path).readAll()) == JSONLines.render(batch))
        options.rowGroupRows = 100
        #expect(try Self.write(batch, to: path, options).rowGroups.count == 30, "the row limit still applies")
    }

    @Test("pyarrow reads what Sluice writes: its own rewrite of our file reads back identical")
    func pyarrowReadsIt() throws {
        let python = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("interop/.venv/bin/python").path
        guard FileManager.default.isExecutableFile(atPath: python) else {
            print("SKIPPED: interop/.venv missing (run scripts/test.sh); pyarrow write-side check not run")
            return
        }
        let batch = try Self.sampleBatch()
        for pageVersion in [1, 2] {
            var options = ParquetWriterOptions()
            options.pageVersion = pageVersion
            options.rowGroupRows = 100
            let ours = Self.temporaryPath("ours.parquet"), theirs = Self.temporaryPath("theirs.parquet")
            defer { try? FileManager.default.removeItem(atPath: ours); try? FileManager.default.removeItem(atPath: theirs) }
            _ = try Self.write(batch, to: ours, options)
            let script = """
            import sys, pyarrow.parquet as pq
            t = pq.read_table(sys.argv[1])
            assert t.num_rows == 300, t.num_rows
            pq.write_table(t, sys.argv[2], compression='zstd', use_dictionary=False)
            print(pq.ParquetFile(sys.argv[1]).metadata.row_group(0).column(4).statistics.max)
            """
            let process = Process()
            process.executableURL = URL(fileURLWithPath: python)
            process.arguments = ["-c", script, ours, theirs]
            let out = Pipe()
            process.standardOutput = out
            process.standardError = out
            try process.run()
            let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            #expect(process.terminationStatus == 0, "pyarrow failed: \(text)")
            #expect(text == "\(Int64.max)\n", "pyarrow reads our statistics")
            let back = try ParquetFileReader(path: theirs).readAll()
            #expect(Self.render(back) == JSONLines.render(batch), "page v\(pageVersion)")
        }
    }
}
