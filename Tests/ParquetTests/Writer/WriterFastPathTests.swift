import Columnar
import Foundation
import Testing
@testable import Parquet

/// The writer's fast paths: concurrent chunk encoding, zero-copy values, hash-table dictionaries.
@Suite("Parquet writer fast paths")
struct WriterFastPathTests {
    static func write(_ batches: [RecordBatch], _ options: ParquetWriterOptions) throws -> (String, FileMetaData) {
        let path = NSTemporaryDirectory() + "sluice-writer-fast-\(UUID().uuidString).parquet"
        let writer = try ParquetFileWriter(path: path, schema: batches[0].schema, options: options)
        for batch in batches { try writer.write(batch) }
        return (path, try writer.close())
    }

    /// Several columns with and without nulls, repeated and distinct values, NaNs and zeros.
    static func mixedBatch(rows: Int) throws -> RecordBatch {
        let fields = [Field("i", .int32), Field("l", .int64, nullable: true), Field("d", .float64), Field("s", .string),
                      Field("sn", .string, nullable: true), Field("f", .float32, nullable: true)]
        let specials: [Double] = [.nan, -0.0, 0.0, .infinity, -.infinity, Double(bitPattern: 0x7FF8_0000_0000_0001)]
        func row(_ r: Int) -> [ScalarValue] {
            let long: ScalarValue = r % 5 == 0 ? .null : .int(Int64(r) * 1_000_003)
            let double: Double = r % 11 == 0 ? specials[r % specials.count] : Double(r) * 0.5
            let text: ScalarValue = r % 3 == 0 ? .null : .string(String(repeating: "x", count: r % 17))
            let float: ScalarValue = r % 4 == 0 ? .null : .float(Float(r % 9) - 4)
            return [.int(Int64(r % 7)), long, .double(double), .string("t\(r % 13)"), text, float]
        }
        let rowValues = (0 ..< rows).map(row)
        let columns = try fields.enumerated().map { c, field in try Column(type: field.type, values: rowValues.map { $0[c] }) }
        return try RecordBatch(schema: Schema(fields), columns: columns)
    }

    @Test("the thread count does not change the file's bytes, and the file reads back (sliced batches too)")
    func threadsGiveTheSameBytes() throws {
        let batch = try Self.mixedBatch(rows: 5_000)
        // Slices start inside the buffers: exercises the zero-copy offsets and binary offset rebasing.
        let batches = [batch.slice(offset: 3, count: 2_000), batch.slice(offset: 2_003, count: 2_997)]
        var reference: [Bool: Data] = [:]
        for threads in [1, 2, 3, 0] {
            for dictionary in [true, false] {
                var options = ParquetWriterOptions()
                options.threads = threads
                options.dictionary = dictionary
                options.rowGroupRows = 1_500
                options.dataPageSize = 4_096
                let (path, metadata) = try Self.write(batches, options)
                defer { try? FileManager.default.removeItem(atPath: path) }
                #expect(metadata.rowGroups.count == 4)
                let read = try ParquetFileReader(path: path).readAll()
                #expect(read.map(JSONLines.render).joined() == batches.map(JSONLines.render).joined(), "threads \(threads)")
                let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
                if let expected = reference[dictionary] {
                    #expect(bytes == expected, "threads \(threads) dictionary \(dictionary)")
                } else {
                    reference[dictionary] = bytes
                }
            }
        }
    }

    @Test("a dictionary keeps exact bit patterns (NaN payloads, -0.0) and falls back to PLAIN just past its limit")
    func dictionaryBitPatternsAndLimit() throws {
        let values: [Double] = [.nan, -0.0, 0.0, Double(bitPattern: 0x7FF8_0000_0000_0001), -.nan, 1.5, -0.0, .nan]
        let distinct = 6
        for (limit, dictionary) in [(8 * distinct, true), (8 * distinct - 1, false)] {
            var options = ParquetWriterOptions()
            options.dictionaryPageSizeLimit = limit
            options.threads = 1
            let batch = try RecordBatch(schema: Schema([Field("d", .float64, nullable: false)]),
                                        columns: [Column.float64(PrimitiveColumn(values))])
            let (path, metadata) = try Self.write([batch], options)
            defer { try? FileManager.default.removeItem(atPath: path) }
            let chunk = metadata.rowGroups[0].columns[0].metaData!
            #expect(chunk.encodings.contains(.rleDictionary) == dictionary, "limit \(limit)")
            #expect(chunk.statistics?.minValue == withUnsafeBytes(of: (-0.0).bitPattern.littleEndian, Array.init))
            #expect(chunk.statistics?.maxValue == withUnsafeBytes(of: (1.5).bitPattern.littleEndian, Array.init))
            guard case let .float64(column) = try ParquetFileReader(path: path).readAll()[0].columns[0] else {
                Issue.record("not a float64 column"); return
            }
            #expect((0 ..< column.count).map { column.value(at: $0).bitPattern } == values.map(\.bitPattern))
        }
    }

    @Test("a failure while encoding on several threads names the column, and nothing lands at the path")
    func concurrentFailure() throws {
        let fields = [Field("a", .int64), Field("b", .float64), Field("late", .time(.second))]
        let n = 3_000
        let columns = [Column.int64(PrimitiveColumn((0 ..< n).map(Int64.init))), Column.float64(PrimitiveColumn((0 ..< n).map(Double.init))),
                       try Column(type: .time(.second), values: (0 ..< n).map { $0 == n - 1 ? .time(Int64(Int32.max), unit: .second) : .time(1, unit: .second) })]
        let batch = try RecordBatch(schema: Schema(fields), columns: columns)
        for threads in [1, 2, 4] {
            var options = ParquetWriterOptions()
            options.threads = threads
            let path = NSTemporaryDirectory() + "sluice-writer-fast-fail-\(UUID().uuidString).parquet"
            let writer = try ParquetFileWriter(path: path, schema: batch.schema, options: options)
            #expect {
                try writer.write(batch)
                try writer.close()
            } throws: { error in
                (error as? ParquetWriteError)?.message.contains("column 'late'") == true
            }
            #expect(!FileManager.default.fileExists(atPath: path), "threads \(threads)")
        }
    }

    @Test("a negative thread count is refused")
    func negativeThreads() {
        var options = ParquetWriterOptions()
        options.threads = -1
        #expect(throws: ParquetWriteError.self) {
            _ = try ParquetFileWriter(path: NSTemporaryDirectory() + "sluice-never-\(UUID().uuidString).parquet",
                                      schema: Schema([Field("a", .int64)]), options: options)
        }
    }
}
