import Columnar
import Foundation
import Testing
@testable import DeltaLake

/// Small tables for write tests, and helpers to read them back.
enum WriteSupport {
    static func folder() -> String {
        let path = NSTemporaryDirectory() + "sluice-delta-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path + "/table"
    }

    /// Rows (day, ticker, close) for `days` days from 2024-01-01 and `tickers`.
    static func prices(days: ClosedRange<Int>, tickers: [String], bump: Double = 0) throws -> RecordBatch {
        let day = PrimitiveColumnBuilder<Int32>(type: .date32)
        let ticker = BinaryColumnBuilder(type: .string)
        let close = PrimitiveColumnBuilder<Double>()
        for d in days {
            for t in tickers {
                day.append(Int32(19723 + d))
                ticker.append(t)
                close.append(Double(d) * 10 + Double(t.utf8.first ?? 0) + bump)
            }
        }
        return try RecordBatch(schema: Schema([Field("day", .date32), Field("ticker", .string), Field("close", .float64)]),
                               columns: [day.finish(), ticker.finish(), close.finish()])
    }

    static func rows(_ path: String, version: Int64? = nil) throws -> [String] {
        try ConformanceTests.sluiceRows(path, version: version)
    }

    /// delta-rs's rows of the table (sorted, rendered), or nil (with a note) without the venv.
    static func deltaRows(_ path: String, version: Int64? = nil) throws -> [String]? {
        guard FileManager.default.isExecutableFile(atPath: DeltaCorpus.python.path) else {
            print("SKIPPED: interop/.venv missing; delta-rs check not run")
            return nil
        }
        var arguments = [path]
        if let version { arguments += ["--version", String(version)] }
        let output = try ConformanceTests.oracle(arguments, allVersions: false)
        let entry = try #require(try JSONSerialization.jsonObject(with: Data(output[0].utf8)) as? [String: Any])
        return try #require(entry["rows"] as? [String], "delta-rs: \(entry["error"] ?? "?")")
    }
}

@Suite("Delta writes")
struct WriteTests {
    @Test("create, append and overwrite; every version reads the same in Sluice and delta-rs")
    func appendAndOverwrite() throws {
        let path = WriteSupport.folder()
        let table = DeltaTable(path: path)
        var options = WriteOptions()
        options.partitionBy = ["ticker"]
        #expect(try table.write([WriteSupport.prices(days: 0 ... 4, tickers: ["AAPL", "MSFT"])], options: options).version == 0)
        options.partitionBy = nil
        #expect(try table.write([WriteSupport.prices(days: 5 ... 6, tickers: ["AAPL"])], options: options).version == 1)
        options.mode = .overwrite
        let overwritten = try table.write([WriteSupport.prices(days: 7 ... 7, tickers: ["IBM"])], options: options)
        #expect(overwritten.version == 2 && overwritten.removedFiles == 3)
        #expect(try WriteSupport.rows(path).count == 1)
        #expect(try WriteSupport.rows(path, version: 1).count == 12)
        for version in Int64(0) ... 2 {
            if let expected = try WriteSupport.deltaRows(path, version: version) {
                #expect(try WriteSupport.rows(path, version: version) == expected, "version \(version)")
            }
        }
        options.mode = .error
        let refused = #expect(throws: DeltaError.self) { try table.write([WriteSupport.prices(days: 0 ... 0, tickers: ["X"])], options: options) }
        #expect(refused?.message.contains("already exists") == true)
        options.mode = .ignore
        #expect(try table.write([WriteSupport.prices(days: 0 ... 0, tickers: ["X"])], options: options).version == nil)
    }

    @Test("replaceWhere replaces one partition exactly, or the matching rows of a data column")
    func replaceWhere() throws {
        let path = WriteSupport.folder()
        let table = DeltaTable(path: path)
        var options = WriteOptions()
        options.partitionBy = ["day"]
        _ = try table.write([WriteSupport.prices(days: 0 ... 3, tickers: ["A", "B"])], options: options)
        options.mode = .overwrite
        options.replaceWhere = "day = '2024-01-03'"
        let result = try table.write([WriteSupport.prices(days: 2 ... 2, tickers: ["A"], bump: 0.5)], options: options)
        #expect(result.removedFiles == 1)
        let rows = try WriteSupport.rows(path)
        #expect(rows.count == 7)
        #expect(rows.filter { $0.contains("2024-01-03") } == [#"{"day":"2024-01-03","ticker":"A","close":85.5}"#])
        // A data predicate: the files holding ticker B lose those rows, the rest is rewritten.
        options.replaceWhere = "ticker = 'B'"
        _ = try table.write([WriteSupport.prices(days: 9 ... 9, tickers: ["B"])], options: options)
        let after = try WriteSupport.rows(path)
        #expect(after.filter { $0.contains("\"B\"") }.count == 1 && after.count == 5)
        if let expected = try WriteSupport.deltaRows(path) { #expect(after == expected) }
        let outside = #expect(throws: DeltaError.self) {
            options.replaceWhere = "ticker = 'C'"
            try table.write([WriteSupport.prices(days: 1 ... 1, tickers: ["A"])], options: options)
        }
        #expect(outside?.message.contains("must all satisfy replaceWhere") == true)
    }

    @Test("schema enforcement refuses foreign columns and lossy types; merge adds columns; overwrite replaces the schema")
    func schemaRules() throws {
        let path = WriteSupport.folder()
        let table = DeltaTable(path: path)
        _ = try table.write([WriteSupport.prices(days: 0 ... 1, tickers: ["A"])])
        let extra = try RecordBatch(schema: Schema([Field("ticker", .string), Field("volume", .int64)]),
                                    columns: [Column(BinaryColumn(["Z"])), Column(PrimitiveColumn<Int64>([7]))])
        let foreign = #expect(throws: DeltaError.self) { try table.write([extra]) }
        #expect(foreign?.message.contains("column 'volume' is not in the table's schema") == true)
        var options = WriteOptions()
        options.schemaMode = .merge
        #expect(try table.write([extra], options: options).version == 1)
        let snapshot = try table.snapshot()
        #expect(snapshot.schema.names == ["day", "ticker", "close", "volume"])
        #expect(try WriteSupport.rows(path).contains(#"{"day":null,"ticker":"Z","close":null,"volume":7}"#))
        let lossy = try RecordBatch(schema: Schema([Field("close", .string)]), columns: [Column(BinaryColumn(["x"]))])
        let typeError = #expect(throws: DeltaError.self) { try table.write([lossy]) }
        #expect(typeError?.message.contains("cannot be converted without loss") == true)
        options.mode = .overwrite
        options.schemaMode = .overwrite
        _ = try table.write([lossy], options: options)
        #expect(try table.snapshot().schema.names == ["close"])
        if let expected = try WriteSupport.deltaRows(path) { #expect(try WriteSupport.rows(path) == expected) }
    }

    @Test("an application's write at a version it already committed is skipped (txn)")
    func idempotent() throws {
        let path = WriteSupport.folder()
        let table = DeltaTable(path: path)
        var options = WriteOptions()
        options.appId = "quant_daily.bronze"
        options.appVersion = 20240102
        #expect(try table.write([WriteSupport.prices(days: 0 ... 0, tickers: ["A"])], options: options).version == 0)
        let again = try table.write([WriteSupport.prices(days: 0 ... 0, tickers: ["A"])], options: options)
        #expect(again.version == nil && again.skipped?.contains("already committed version 20240102") == true)
        #expect(try WriteSupport.rows(path).count == 1)
        #expect(try table.snapshot().state.transactions["quant_daily.bronze"]?.version == 20240102)
    }

    @Test("partition values with special characters and nulls round-trip through Spark-style paths")
    func partitionEscaping() throws {
        let path = WriteSupport.folder()
        let values: [String?] = ["a/b", "x=y", "sp ace", "é%", nil, "q?#*", ""]
        let key = BinaryColumnBuilder(type: .string)
        let n = PrimitiveColumnBuilder<Int64>()
        for (i, v) in values.enumerated() {
            key.append(v)
            n.append(Int64(i))
        }
        let batch = try RecordBatch(schema: Schema([Field("k", .string), Field("n", .int64)]), columns: [key.finish(), n.finish()])
        var options = WriteOptions()
        options.partitionBy = ["k"]
        _ = try DeltaTable(path: path).write([batch], options: options)
        let rows = try WriteSupport.rows(path)
        #expect(rows.count == values.count)
        #expect(rows.contains(#"{"k":"a/b","n":0}"#) && rows.contains(#"{"k":"é%","n":3}"#) && rows.contains(#"{"k":null,"n":4}"#))
        let directories = try FileManager.default.contentsOfDirectory(atPath: path).sorted()
        #expect(directories.contains("k=a%2Fb") && directories.contains("k=x%3Dy") && directories.contains("k=__HIVE_DEFAULT_PARTITION__"))
        if let expected = try WriteSupport.deltaRows(path) { #expect(rows == expected) }
    }

    @Test("concurrent commits: a blind append rebases past a winner, an overwrite that read the table conflicts")
    func conflicts() throws {
        let path = WriteSupport.folder()
        let table = DeltaTable(path: path)
        _ = try table.write([WriteSupport.prices(days: 0 ... 0, tickers: ["A"])])
        let stale = try table.snapshot()
        _ = try table.write([WriteSupport.prices(days: 1 ... 1, tickers: ["A"])])  // the winner, version 1
        let committer = Committer(storage: table.storage)
        try Data("x".utf8).write(to: URL(fileURLWithPath: path + "/x.parquet"))  // the commit syncs the files it adds
        let append = [DeltaAction.add(AddFile(path: "x.parquet", partitionValues: [:], size: 1, modificationTime: 0, dataChange: true))]
        #expect(try committer.commit(append, readVersion: stale.version, scope: .blind, snapshot: stale) == 2)
        let overwrite = stale.files.map { DeltaAction.remove($0.removal(at: 0)) }
        let error = #expect(throws: DeltaError.self) {
            try committer.commit(overwrite, readVersion: stale.version,
                                 scope: ReadScope(blindAppend: false, predicate: nil, readFiles: []), snapshot: stale)
        }
        #expect(error?.kind == .conflict)
        #expect(error?.description.contains("added") == true, "\(String(describing: error))")
    }

    @Test("a checkpoint every 10 commits, read back by Sluice and delta-rs")
    func checkpoints() throws {
        let path = WriteSupport.folder()
        let table = DeltaTable(path: path)
        var options = WriteOptions()
        options.partitionBy = ["ticker"]
        for day in 0 ... 11 {
            _ = try table.write([WriteSupport.prices(days: day ... day, tickers: ["A", "B"])], options: options)
            options.partitionBy = nil
        }
        let log = try FileManager.default.contentsOfDirectory(atPath: path + "/_delta_log")
        #expect(log.contains("00000000000000000010.checkpoint.parquet") && log.contains("_last_checkpoint"))
        let segment = try LogSegment.build(listing: try table.storage.list("_delta_log")!, target: nil, table: path)
        #expect(segment.checkpoint?.version == 10 && segment.commits.map(\.version) == [11])
        #expect(try WriteSupport.rows(path).count == 24)
        if let expected = try WriteSupport.deltaRows(path) { #expect(try WriteSupport.rows(path) == expected) }
    }
}

@Suite("Delta writes to tables written by Spark")
struct SparkTableWriteTests {
    /// A scratch copy of a conformance table, or nil (with a note) without the corpus.
    static func copy(_ name: String) throws -> String? {
        guard let source = DeltaCorpus.path(name) else { return nil }
        let target = WriteSupport.folder()
        try FileManager.default.copyItem(atPath: source, toPath: target)
        return target
    }

    @Test("tables needing writer features Sluice lacks are refused by name; unused listed features are no obstacle")
    func writerFeatures() throws {
        guard let cdf = try Self.copy("cdf-table"), let identity = try Self.copy("checkpoint-v2-table") else { return }
        let batch = try WriteSupport.prices(days: 0 ... 0, tickers: ["A"])
        let a = #expect(throws: DeltaError.self) { try DeltaTable(path: cdf).write([batch]) }
        #expect(a?.kind == .unsupported && a?.message.contains("changeDataFeed") == true)
        let b = #expect(throws: DeltaError.self) { try DeltaTable(path: identity).delete(where: nil) }
        #expect(b?.message.contains("identityColumns") == true)
    }

    @Test("appends and deletes on a deletion-vector table and a column-mapped table read back as delta-rs reads them")
    func dvAndColumnMapping() throws {
        guard let dv = try Self.copy("table-with-dv-small"), let mapped = try Self.copy("table_with_column_mapping") else { return }
        let values = try RecordBatch(schema: Schema([Field("value", .int32)]), columns: [Column(PrimitiveColumn<Int32>([100, 101]))])
        try DeltaTable(path: dv).write([values])
        try DeltaTable(path: dv).delete(where: "value IN (3, 100)")
        let rows = try WriteSupport.rows(dv)
        #expect(rows.count == 8 && !rows.contains(#"{"value":3}"#) && rows.contains(#"{"value":101}"#))
        if let expected = try WriteSupport.deltaRows(dv) { #expect(rows == expected) }
        let people = try RecordBatch(schema: Schema([Field("Company Very Short", .string), Field("Super Name", .string)]),
                                     columns: [Column(BinaryColumn(["BMS"])), Column(BinaryColumn(["Ada Lovelace"]))])
        try DeltaTable(path: mapped).write([people])
        let mappedRows = try WriteSupport.rows(mapped)
        #expect(mappedRows.contains(#"{"Company Very Short":"BMS","Super Name":"Ada Lovelace"}"#))
        if let expected = try WriteSupport.deltaRows(mapped) { #expect(mappedRows == expected) }
        // The new file stores the column under its physical name, as Spark does.
        let added = try DeltaTable(path: mapped).snapshot().files.last!
        #expect(added.partitionValues.keys.first == "col-173b4db9-b5ad-427f-9e75-516aae37fbbb")
    }
}
