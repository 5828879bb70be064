import Columnar
import Foundation
import Testing
@testable import DeltaLake

@Suite("Delta OPTIMIZE, VACUUM and RESTORE")
struct MaintenanceTests {
    @Test("OPTIMIZE compacts each partition's small files without changing the rows; Z-order sorts along the curve")
    func optimize() throws {
        let path = WriteSupport.folder()
        let table = DeltaTable(path: path)
        var options = WriteOptions()
        options.partitionBy = ["ticker"]
        for day in 0 ... 4 {
            try table.write([WriteSupport.prices(days: day ... day, tickers: ["A", "B"])], options: options)
            options.partitionBy = nil
        }
        let before = try WriteSupport.rows(path)
        let result = try table.optimize()
        #expect(result.removedFiles == 10 && result.addedFiles == 2)
        #expect(try WriteSupport.rows(path) == before)
        let last = try table.history().last!
        #expect(last.operation == "OPTIMIZE")
        #expect(try table.snapshot().files.allSatisfy { !$0.dataChange })
        #expect(try table.optimize().version == nil, "nothing left to compact")
        let zordered = try table.optimize(zOrderBy: ["close", "day"])
        #expect(zordered.version != nil)
        #expect(try WriteSupport.rows(path) == before)
        if let expected = try WriteSupport.deltaRows(path) { #expect(before == expected) }
        let bad = #expect(throws: DeltaError.self) { try table.optimize(zOrderBy: ["ticker"]) }
        #expect(bad?.message.contains("is a partition column") == true)
    }

    @Test("Z-order interleaves ranks: points close on both axes stay close in the order")
    func zOrderCurve() throws {
        let x = PrimitiveColumnBuilder<Int64>(), y = PrimitiveColumnBuilder<Int64>()
        for i in 0 ..< 4 { for j in 0 ..< 4 { x.append(Int64(i)); y.append(Int64(j)) } }
        let batch = try RecordBatch(schema: Schema([Field("x", .int64), Field("y", .int64)]), columns: [x.finish(), y.finish()])
        let order = ZOrder.permutation(batch, columns: ["x", "y"])
        // The first quadrant (x, y < 2) comes first, whole.
        let firstFour = Set(order.prefix(4).map { ($0 / 4, $0 % 4) }.map { "\($0.0),\($0.1)" })
        #expect(firstFour == ["0,0", "0,1", "1,0", "1,1"])
    }

    @Test("VACUUM keeps what versions within the retention need, refuses short retention unless forced, and dry-runs")
    func vacuum() throws {
        let path = WriteSupport.folder()
        let table = DeltaTable(path: path)
        try table.write([WriteSupport.prices(days: 0 ... 1, tickers: ["A"])])
        var options = WriteOptions()
        options.mode = .overwrite
        try table.write([WriteSupport.prices(days: 2 ... 3, tickers: ["A"])], options: options)
        #expect(try table.vacuum().files.isEmpty, "the removed file is younger than 7 days")
        let refused = #expect(throws: DeltaError.self) { try table.vacuum(retentionHours: 1) }
        #expect(refused?.message.contains("below the table's 168.0 hours") == true)
        // An orphan (as a crashed writer leaves) and the overwritten file go with a forced zero retention.
        try "x".write(toFile: path + "/orphan.parquet", atomically: true, encoding: .utf8)
        Thread.sleep(forTimeInterval: 0.01)
        let dry = try table.vacuum(retentionHours: 0, dryRun: true, force: true)
        #expect(dry.files.count == 2 && dry.files.contains("orphan.parquet"))
        #expect(FileManager.default.fileExists(atPath: path + "/orphan.parquet"))
        _ = try table.vacuum(retentionHours: 0, force: true)
        #expect(!FileManager.default.fileExists(atPath: path + "/orphan.parquet"))
        #expect(try WriteSupport.rows(path).count == 2)
        let gone = #expect(throws: DeltaError.self) { try WriteSupport.rows(path, version: 0) }
        #expect(gone?.message.contains("cannot read the data file") == true)
    }

    @Test("RESTORE brings back an earlier version's files as a new commit")
    func restore() throws {
        let path = WriteSupport.folder()
        let table = DeltaTable(path: path)
        try table.write([WriteSupport.prices(days: 0 ... 1, tickers: ["A"])])
        try table.write([WriteSupport.prices(days: 2 ... 2, tickers: ["A"])])
        try table.delete(where: "day < DATE '2024-01-02'")
        let restored = try table.restore(version: 1)
        #expect(restored.version == 3)
        #expect(try WriteSupport.rows(path) == (try WriteSupport.rows(path, version: 1)))
        #expect(try table.history().last?.operation == "RESTORE")
        if let expected = try WriteSupport.deltaRows(path) { #expect(try WriteSupport.rows(path) == expected) }
    }

    @Test("a checkpoint cleans up log files past delta.logRetentionDuration that precede it; the table stays readable")
    func logCleanup() throws {
        let path = WriteSupport.folder()
        let table = DeltaTable(path: path)
        var options = WriteOptions()
        options.configuration = ["delta.checkpointInterval": "3", "delta.logRetentionDuration": "interval 0 seconds"]
        for day in 0 ... 6 {
            try table.write([WriteSupport.prices(days: day ... day, tickers: ["A"])], options: options)
            Thread.sleep(forTimeInterval: 0.002)
        }
        let log = try FileManager.default.contentsOfDirectory(atPath: path + "/_delta_log").sorted()
        #expect(!log.contains("00000000000000000000.json") && !log.contains("00000000000000000005.json"))
        #expect(log.contains("00000000000000000006.checkpoint.parquet") && log.contains("00000000000000000006.json"))
        #expect(try WriteSupport.rows(path).count == 7)
        let old = #expect(throws: DeltaError.self) { try table.snapshot(version: 2) }
        #expect(old?.kind == .invalidRequest)
        if let expected = try WriteSupport.deltaRows(path) { #expect(try WriteSupport.rows(path) == expected) }
    }
}
