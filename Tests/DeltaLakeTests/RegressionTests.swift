import Columnar
import Foundation
import Testing
@testable import DeltaLake

/// Bugs found in review, each pinned by the scenario that showed it.
@Suite("Delta regressions")
struct RegressionTests {
    @Test("a compaction that rewrote a file this write read or removes is a conflict (dataChange false counts)")
    func optimizeConflicts() throws {
        let path = WriteSupport.folder()
        let table = DeltaTable(path: path)
        try table.write([WriteSupport.prices(days: 0 ... 0, tickers: ["A"])])
        try table.write([WriteSupport.prices(days: 1 ... 1, tickers: ["A"])])
        let stale = try table.snapshot()
        try table.optimize()  // removes both files with dataChange false
        let removal = stale.files.map { DeltaAction.remove($0.removal(at: 0)) }
        let error = #expect(throws: DeltaError.self) {
            try Committer(storage: table.storage).commit(removal, readVersion: stale.version,
                                                        scope: ReadScope(blindAppend: false, predicate: nil, readFiles: []), snapshot: stale)
        }
        #expect(error?.kind == .conflict && error?.message.contains("also deleted") == true, "\(String(describing: error))")
    }

    @Test("a checkpoint that fails after the commit leaves the commit and its files in place")
    func failingCheckpoint() throws {
        let path = WriteSupport.folder()
        let table = DeltaTable(path: path)
        try table.write([WriteSupport.prices(days: 0 ... 0, tickers: ["A"])])
        try FileManager.default.createDirectory(atPath: path + "/_delta_log/_last_checkpoint", withIntermediateDirectories: true)
        for day in 1 ... 9 { try table.write([WriteSupport.prices(days: day ... day, tickers: ["A"])]) }
        let tenth = try table.write([WriteSupport.prices(days: 10 ... 10, tickers: ["A"])])
        #expect(tenth.version == 10 && tenth.warnings.first?.contains("its checkpoint could not be written") == true, "\(tenth)")
        #expect(try table.snapshot().version == 10)
        #expect(try WriteSupport.rows(path).count == 11)
    }

    @Test("DELETE and replaceWhere on a partition column leave the null partition alone")
    func nullPartitions() throws {
        let path = WriteSupport.folder()
        let key = BinaryColumnBuilder(type: .string), n = PrimitiveColumnBuilder<Int64>()
        for (i, value) in (["a", nil, "b"] as [String?]).enumerated() { key.append(value); n.append(Int64(i)) }
        let batch = try RecordBatch(schema: Schema([Field("p", .string), Field("n", .int64)]), columns: [key.finish(), n.finish()])
        var options = WriteOptions()
        options.partitionBy = ["p"]
        let table = DeltaTable(path: path)
        try table.write([batch], options: options)
        try table.delete(where: "p = 'a'")
        #expect(try WriteSupport.rows(path) == [#"{"p":"b","n":2}"#, #"{"p":null,"n":1}"#])
        try table.delete(where: "p != 'a'")
        #expect(try WriteSupport.rows(path) == [#"{"p":null,"n":1}"#], "p != 'a' is unknown for null, so the row stays")
    }

    @Test("float32 stats written as Float text (as Spark writes them) do not skip matching files")
    func float32Stats() throws {
        let schema = Schema([Field("x", .float32)])
        let expression = try ExpressionParser.parse("x = 0.2", schema: schema)
        let skipping = DataSkipping(expression: expression, types: ["x": .float32], partitionColumns: [], storedName: { $0 })
        let file = AddFile(path: "f.parquet", partitionValues: [:], size: 1, modificationTime: 0, dataChange: true,
                           stats: #"{"numRecords":1,"minValues":{"x":0.2},"maxValues":{"x":0.2},"nullCount":{"x":0}}"#)
        #expect(skipping.mayMatch(file))
    }

    @Test("merging a column into a column-mapped table gives it an id and a physical name; delta-rs reads it")
    func columnMappingMerge() throws {
        guard let source = DeltaCorpus.path("table_with_column_mapping") else { return }
        let path = WriteSupport.folder()
        try FileManager.default.copyItem(atPath: source, toPath: path)
        let rows = try RecordBatch(schema: Schema([Field("Super Name", .string), Field("extra", .int64)]),
                                   columns: [Column(BinaryColumn(["Grace Hopper"])), Column(PrimitiveColumn<Int64>([7]))])
        var options = WriteOptions()
        options.schemaMode = .merge
        try DeltaTable(path: path).write([rows], options: options)
        let snapshot = try DeltaTable(path: path).snapshot()
        let extra = try #require(snapshot.fields.first { $0.name == "extra" })
        #expect(extra.fieldId == 3 && extra.physicalName?.hasPrefix("col-") == true)
        #expect(snapshot.metadata.configuration["delta.columnMapping.maxColumnId"] == "3")
        if let expected = try WriteSupport.deltaRows(path) { #expect(try WriteSupport.rows(path) == expected) }
    }

    @Test("names match case-insensitively: ID writes into id instead of adding a column")
    func caseInsensitiveNames() throws {
        let path = WriteSupport.folder()
        let table = DeltaTable(path: path)
        try table.write([RecordBatch(schema: Schema([Field("id", .int64)]), columns: [Column(PrimitiveColumn<Int64>([1]))])])
        var options = WriteOptions()
        options.schemaMode = .merge
        try table.write([RecordBatch(schema: Schema([Field("ID", .int64)]), columns: [Column(PrimitiveColumn<Int64>([2]))])], options: options)
        #expect(try table.snapshot().schema.names == ["id"])
        #expect(try WriteSupport.rows(path) == [#"{"id":1}"#, #"{"id":2}"#])
    }

    @Test("lossy or impossible conversions are refused, not trapped or truncated")
    func conversions() throws {
        let big = Column(PrimitiveColumn<Int64>([9_000_000_000_000_000_000]))
        #expect(ColumnCast.cast(big, to: .decimal(precision: 38, scale: 20)) == nil)
        let wide = try StructColumn(fields: [Field("a", .int64), Field("b", .string)],
                                    children: [Column(PrimitiveColumn<Int64>([1])), Column(BinaryColumn(["lost"]))])
        #expect(ColumnCast.cast(.struct(wide), to: .struct([Field("a", .int64)])) == nil, "a field the table lacks")
        #expect(Checkpointer.retentionMillis("interval 99999999999999 weeks") != nil)
        let duplicate = #expect(throws: ActionDecodingError.self) {
            try DeltaSchema.parse(#"{"type":"struct","fields":[{"name":"id","type":"long"},{"name":"ID","type":"long"}]}"#)
        }
        #expect(duplicate?.message.contains("two fields named 'ID'") == true)
    }

    @Test("UTC timestamps and wall-clock timestamps (timestamp_ntz) are not written into each other")
    func timestampKinds() throws {
        let path = WriteSupport.folder()
        let table = DeltaTable(path: path)
        let utc = try RecordBatch(schema: Schema([Field("t", .timestamp(.micro, timezone: "UTC"))]),
                                  columns: [Column(type: .timestamp(.micro, timezone: "UTC"), values: [.timestamp(1, unit: .micro, timezone: "UTC")])])
        try table.write([utc])
        let local = try RecordBatch(schema: Schema([Field("t", .timestamp(.micro, timezone: nil))]),
                                    columns: [Column(type: .timestamp(.micro, timezone: nil), values: [.timestamp(1, unit: .micro, timezone: nil)])])
        let error = #expect(throws: DeltaError.self) { try table.write([local]) }
        #expect(error?.message.contains("is timestamp_ntz in the data but timestamp in the table") == true)
    }

    @Test("stats of a struct's fields leave out rows hidden by a null struct (counted as nulls)")
    func nestedStats() throws {
        let s = try StructColumn(fields: [Field("a", .int64)], children: [Column(PrimitiveColumn<Int64>([1, 99, 3]))],
                                 validity: Bitmap([true, false, true]))
        let json = FileStatistics.json(names: ["s"], columns: [.struct(s)], rows: 3)
        #expect(json == #"{"numRecords":3,"minValues":{"s":{"a":1}},"maxValues":{"s":{"a":3}},"nullCount":{"s":{"a":1}}}"#)
    }
}
