import Columnar
import Foundation
import Testing
@testable import Parquet

@Suite("Parquet predicates and row-group pruning")
struct RowGroupPruningTests {
    /// 1,000 rows sorted by `id` (and so by `day` and `name`), 100 per row group; `score` has nulls.
    static func sortedFile() throws -> (String, RecordBatch) {
        let fields = [Field("id", .int64, nullable: false), Field("day", .date32), Field("name", .string),
                      Field("score", .float64), Field("u", .uint32)]
        let builders = fields.map { makeColumnBuilder(for: $0.type, capacity: 1000) }
        for r in 0 ..< 1000 {
            try builders[0].append(scalar: .int(Int64(r)))
            try builders[1].append(scalar: .date(days: Int32(17_000 + r)))
            try builders[2].append(scalar: .string(String(format: "n%04d", r)))
            if r % 10 == 3 { builders[3].appendNull() } else { try builders[3].append(scalar: .double(Double(r) / 4)) }
            try builders[4].append(scalar: .uint(UInt64(UInt32.max) - UInt64(999 - r)))
        }
        let batch = try RecordBatch(schema: Schema(fields), columns: builders.map { $0.finish() })
        let path = WriterRoundTripTests.temporaryPath("sorted.parquet")
        var options = ParquetWriterOptions()
        options.rowGroupRows = 100
        _ = try WriterRoundTripTests.write(batch, to: path, options)
        return (path, batch)
    }

    func kept(_ reader: ParquetFileReader, _ conditions: String...) throws -> [Int] {
        try reader.rowGroups(matching: conditions.map { try ParquetPredicate.parse($0, schema: reader.schema) })
    }

    @Test("statistics rule out the row groups of a sorted file that cannot match, for every operator and type")
    func prunesSortedFile() throws {
        let (path, _) = try Self.sortedFile()
        defer { unlink(path) }
        let reader = try ParquetFileReader(path: path)
        #expect(reader.rowGroupCount == 10)
        #expect(try kept(reader, "id >= 950") == [9])
        #expect(try kept(reader, "id < 100") == [0])
        #expect(try kept(reader, "id <= 100") == [0, 1])
        #expect(try kept(reader, "id > 899") == [9])
        #expect(try kept(reader, "id = 250") == [2])
        #expect(try kept(reader, "id = 5000").isEmpty)
        #expect(try kept(reader, "id != 250").count == 10)
        // 17,000 days after the epoch is 2016-07-18; row r is that plus r days.
        #expect(try kept(reader, "day >= 2019-01-01") == [8, 9])
        #expect(try kept(reader, "name < n0150", "id >= 120") == [1])
        #expect(try kept(reader, "score > 240.5") == [9])
        #expect(try kept(reader, "score is null").count == 10)
        #expect(try kept(reader, "id is null").isEmpty)
        // Unsigned statistics compare as unsigned: every value is above 2^31.
        #expect(try kept(reader, "u >= 4294967196") == [9])
        #expect(try kept(reader, "u >= 4294967000") == [7, 8, 9])
        #expect(try kept(reader, "u < 2147483648").isEmpty)
    }

    @Test("a kept row group is never one without a matching row, and rows match as a direct comparison says")
    func soundOnUnsortedData() throws {
        let batch = try WriterRoundTripTests.sampleBatch(rows: 400)
        let path = WriterRoundTripTests.temporaryPath("unsorted.parquet")
        defer { unlink(path) }
        var options = ParquetWriterOptions()
        options.rowGroupRows = 37
        _ = try WriterRoundTripTests.write(batch, to: path, options)
        let reader = try ParquetFileReader(path: path)
        let groups = try (0 ..< reader.rowGroupCount).map { try reader.readRowGroup($0) }
        var checked = 0
        for field in batch.schema.fields {
            let column = try #require(batch.column(named: field.name))
            // Values taken from the data (rows 0, 1 hold the extremes), so predicates hit and miss.
            for row in [0, 1, 5, 200, 399] where !column.value(at: row).isNull {
                for comparison in ParquetPredicate.Comparison.allCases {
                    let predicate = ParquetPredicate(column: field.name, condition: .compare(comparison, column.value(at: row)))
                    let keptGroups = Set(try reader.rowGroups(matching: [predicate]))
                    for (index, group) in groups.enumerated() {
                        let rows = try ParquetPredicate.matchingRows(in: group, [predicate])
                        if !rows.isEmpty {
                            #expect(keptGroups.contains(index), "\(predicate) pruned row group \(index) holding rows \(rows)")
                        }
                        checked += 1
                    }
                }
            }
        }
        #expect(checked > 1000)
        // The direct comparison for a signed 64-bit column, checked without the predicate code.
        let i64 = try #require(batch.column(named: "i64"))
        let pivot: Int64 = 3_000_009
        let expected = (0 ..< batch.rowCount).filter { row in
            if case .int(let v) = i64.value(at: row) { return v < pivot }
            return false
        }
        let predicate = try ParquetPredicate.parse("i64 < 3000009", schema: batch.schema)
        #expect(try ParquetPredicate.matchingRows(in: batch, [predicate]) == expected)
    }

    @Test("conditions parse typed by their column, and bad ones say what was expected")
    func parsing() throws {
        let schema = Schema([Field("d", .date32), Field("ts", .timestamp(.milli, timezone: "UTC")),
                             Field("amount", .decimal(precision: 10, scale: 2)), Field("s", .string), Field("n", .int32)])
        #expect(try ParquetPredicate.parse("d>=2019-01-02", schema: schema).description == "d >= 2019-01-02")
        #expect(try ParquetPredicate.parse(" ts < 2020-01-01T00:00:00Z ", schema: schema).description
            == "ts < 2020-01-01T00:00:00.000000Z")
        #expect(try ParquetPredicate.parse("amount = 12.5", schema: schema).description == "amount = 12.50")
        #expect(try ParquetPredicate.parse("s = 'a b'", schema: schema).description == "s = a b")
        #expect(try ParquetPredicate.parse("n IS NOT NULL", schema: schema).description == "n is not null")
        for (text, message) in [
            ("x = 1", "no column named 'x'"),
            ("n ~ 1", "expected COLUMN OP VALUE"),
            ("n = abc", "'abc' is not a value of column 'n'"),
            ("amount = 1.234", "'1.234' is not a value of column 'amount'"),
            ("d = 2019-02-30", "'2019-02-30' is not a value of column 'd'"),
        ] {
            let error = #expect(throws: ParquetReadError.self) { try ParquetPredicate.parse(text, schema: schema) }
            #expect(error?.kind == .invalidRequest)
            #expect(error?.message.contains(message) == true, "\(text): \(String(describing: error))")
        }
    }

    @Test("predicates on nested columns are refused by name")
    func nestedRefused() throws {
        guard let path = ReaderCorpus.path("datapage_v2.snappy.parquet") else { return }
        let reader = try ParquetFileReader(path: path)
        let predicate = ParquetPredicate(column: "e", condition: .isNull)
        let error = #expect(throws: ParquetReadError.self) { try reader.rowGroups(matching: [predicate]) }
        #expect(error?.message.contains("'e' is not one") == true)
    }
}
