import Columnar
import Foundation
import Testing
@testable import Parquet

/// Regressions found by the pyarrow write-back differential test (interop/parquet_writeback.py).
@Suite("Parquet writer regressions")
struct WriterRegressionTests {
    static func batch(_ fields: [Field], _ rows: [[ScalarValue]]) throws -> RecordBatch {
        let columns = try fields.enumerated().map { c, field in try Column(type: field.type, values: rows.map { $0[c] }) }
        return try RecordBatch(schema: Schema(fields), columns: columns)
    }

    static func write(_ batch: RecordBatch, _ options: ParquetWriterOptions = ParquetWriterOptions()) throws -> (String, FileMetaData) {
        let path = NSTemporaryDirectory() + "sluice-writer-regression-\(UUID().uuidString).parquet"
        let writer = try ParquetFileWriter(path: path, schema: batch.schema, options: options)
        try writer.write(batch)
        return (path, try writer.close())
    }

    @Test("time-of-day columns are written (they were refused): TIME(MILLIS) INT32 for s and ms, MICROS/NANOS INT64")
    func timeColumns() throws {
        let fields = [Field("s", .time(.second)), Field("ms", .time(.milli)), Field("us", .time(.micro)), Field("ns", .time(.nano))]
        let rows: [[ScalarValue]] = [
            [.time(0, unit: .second), .time(0, unit: .milli), .time(0, unit: .micro), .time(0, unit: .nano)],
            [.time(86_399, unit: .second), .time(86_399_999, unit: .milli), .time(86_399_999_999, unit: .micro),
             .time(86_399_999_999_999, unit: .nano)],
            [.null, .null, .null, .null],
            [.time(3_723, unit: .second), .time(3_723_004, unit: .milli), .time(3_723_000_005, unit: .micro),
             .time(3_723_000_000_006, unit: .nano)],
        ]
        for dictionary in [true, false] {
            var options = ParquetWriterOptions()
            options.dictionary = dictionary
            let (path, metadata) = try Self.write(try Self.batch(fields, rows), options)
            defer { try? FileManager.default.removeItem(atPath: path) }
            let elements = metadata.schema.dropFirst()
            #expect(elements.map(\.type) == [.int32, .int32, .int64, .int64])
            #expect(elements.map(\.logicalType) == [.time(isAdjustedToUTC: false, unit: .millis), .time(isAdjustedToUTC: false, unit: .millis),
                                                    .time(isAdjustedToUTC: false, unit: .micros), .time(isAdjustedToUTC: false, unit: .nanos)])
            // Seconds come back as milliseconds (Parquet has no TIME(SECONDS)); the rest unchanged.
            let reader = try ParquetFileReader(path: path)
            #expect(reader.schema.fields.map(\.type) == [.time(.milli), .time(.milli), .time(.micro), .time(.nano)])
            let expected = try Self.batch(
                [Field("s", .time(.milli)), fields[1], fields[2], fields[3]],
                rows.map { row in [row[0] == .null ? .null : .time(Self.seconds(row[0]) * 1000, unit: .milli)] + row.dropFirst() })
            #expect(try reader.readAll().map(JSONLines.render).joined() == JSONLines.render(expected), "dictionary \(dictionary)")
            let stats = metadata.rowGroups[0].columns[0].metaData!.statistics!
            #expect(stats.minValue == [0, 0, 0, 0] && stats.maxValue == withUnsafeBytes(of: Int32(86_399_000).littleEndian, Array.init))
        }
    }

    static func seconds(_ value: ScalarValue) -> Int64 {
        if case let .time(v, _) = value { return v }
        return 0
    }

    @Test("decimals stored as FIXED_LEN_BYTE_ARRAY get min/max in signed order (they had none)")
    func fixedLengthDecimalStatistics() throws {
        let field = Field("d", .decimal(precision: 30, scale: 2))
        let values: [Int128] = [5, -1, 170_141_183_460_469_231_731, -3, 0, 255, 256, -256, -99_999_999_999_999_999_999]
        let (path, metadata) = try Self.write(try Self.batch([field], values.map { [.decimal($0, precision: 30, scale: 2)] } + [[.null]]))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let width = LeafPlan.decimalWidth(30)
        #expect(width == 13 && metadata.schema[1].typeLength == 13)
        func bigEndian(_ v: Int128) -> [UInt8] { (0..<width).reversed().map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }
        let stats = try #require(metadata.rowGroups[0].columns[0].metaData?.statistics)
        #expect(stats.nullCount == 1)
        #expect(stats.minValue == bigEndian(-99_999_999_999_999_999_999), "a negative minimum, not the smallest unsigned bytes")
        #expect(stats.maxValue == bigEndian(170_141_183_460_469_231_731))
        #expect(ChunkStatistics.signedPrecedes(ArraySlice(bigEndian(-1)), ArraySlice(bigEndian(0))))
        #expect(ChunkStatistics.signedPrecedes(ArraySlice(bigEndian(255)), ArraySlice(bigEndian(256))))
        #expect(!ChunkStatistics.signedPrecedes(ArraySlice(bigEndian(-3)), ArraySlice(bigEndian(-256))))
    }
}
