import Columnar
import Foundation
import Testing
@testable import DeltaLake

@Suite("Delta DELETE, MERGE, history and time travel")
struct MutationTests {
    @Test("DELETE removes whole files and rewrites partly matching ones; delta-rs agrees")
    func delete() throws {
        let path = WriteSupport.folder()
        let table = DeltaTable(path: path)
        var options = WriteOptions()
        options.partitionBy = ["ticker"]
        try table.write([WriteSupport.prices(days: 0 ... 9, tickers: ["A", "B", "C"])], options: options)
        let whole = try table.delete(where: "ticker = 'C'")
        #expect(whole.removedFiles == 1 && whole.addedFiles == 0)
        let partial = try table.delete(where: "ticker = 'A' AND day < DATE '2024-01-04'")
        #expect(partial.removedFiles == 1 && partial.rows == 7)
        let rows = try WriteSupport.rows(path)
        #expect(rows.count == 17)
        #expect(!rows.contains { $0.contains(#""ticker":"C""#) })
        if let expected = try WriteSupport.deltaRows(path) { #expect(rows == expected) }
        #expect(try table.delete(where: "ticker = 'Z'").version == nil)
        let bad = #expect(throws: DeltaError.self) { try table.delete(where: "close > 'x'") }
        #expect(bad?.message.contains("'x' is not a value of column 'close'") == true)
    }

    @Test("MERGE updates matched rows, inserts new ones, and refuses several source rows for one target row")
    func merge() throws {
        let path = WriteSupport.folder()
        let table = DeltaTable(path: path)
        var options = WriteOptions()
        options.partitionBy = ["day"]
        try table.write([WriteSupport.prices(days: 0 ... 4, tickers: ["A", "B"])], options: options)
        // Days 3..5 for A with new prices: 2 updates, 1 insert.
        let result = try table.merge([WriteSupport.prices(days: 3 ... 5, tickers: ["A"], bump: 1000)], on: ["day", "ticker"])
        #expect(result.removedFiles == 2)
        var rows = try WriteSupport.rows(path)
        #expect(rows.count == 11)
        #expect(rows.contains(#"{"day":"2024-01-04","ticker":"A","close":1095.0}"#))
        #expect(rows.contains(#"{"day":"2024-01-04","ticker":"B","close":96.0}"#))
        #expect(rows.contains(#"{"day":"2024-01-06","ticker":"A","close":1115.0}"#))
        if let expected = try WriteSupport.deltaRows(path) { #expect(rows == expected) }
        // Matched rows deleted, unmatched ignored.
        try table.merge([WriteSupport.prices(days: 0 ... 0, tickers: ["B", "Q"])], on: ["day", "ticker"], whenMatched: .delete, whenNotMatched: .ignore)
        rows = try WriteSupport.rows(path)
        #expect(rows.count == 10 && !rows.contains { $0.contains(#""ticker":"Q""#) })
        // One source row matching two target rows updates both.
        try table.write([WriteSupport.prices(days: 9 ... 9, tickers: ["D"]), WriteSupport.prices(days: 9 ... 9, tickers: ["D"])])
        try table.merge([WriteSupport.prices(days: 9 ... 9, tickers: ["D"], bump: 1)], on: ["day", "ticker"])
        #expect(try WriteSupport.rows(path).filter { $0.contains(#""ticker":"D""#) } == Array(repeating: #"{"day":"2024-01-10","ticker":"D","close":159.0}"#, count: 2))
        let twice = try RecordBatch.concatenate([WriteSupport.prices(days: 1 ... 1, tickers: ["A"]), WriteSupport.prices(days: 1 ... 1, tickers: ["A"])])
        let error = #expect(throws: DeltaError.self) { try table.merge([twice], on: ["day", "ticker"]) }
        #expect(error?.message.contains("several source rows match the same target row") == true)
    }

    @Test("MERGE update-changed rewrites only files whose rows differ and commits nothing for equal rows; custom commitInfo fields; the last change of a partition; delta-rs reads it")
    func mergeChangedAndCommitMetadata() throws {
        let path = WriteSupport.folder()
        var table = DeltaTable(path: path)
        table.commitMetadata = ["sluice.task_id": "features", "operation": "not overridden"]
        var options = WriteOptions()
        options.partitionBy = ["day"]
        try table.write([WriteSupport.prices(days: 0 ... 4, tickers: ["A", "B"])], options: options)
        // The same rows again: nothing to change, nothing committed.
        let same = try table.merge([WriteSupport.prices(days: 2 ... 3, tickers: ["A", "B"])], on: ["day", "ticker"], whenMatched: .updateChanged)
        #expect(same.version == nil && same.removedFiles == 0)
        // One changed row (day 3) and one new day: only day 3's file is rewritten.
        let changed = try RecordBatch.concatenate([WriteSupport.prices(days: 2 ... 2, tickers: ["A", "B"]), WriteSupport.prices(days: 3 ... 3, tickers: ["A"], bump: 7),
                                                   WriteSupport.prices(days: 5 ... 5, tickers: ["A"])])
        let result = try table.merge([changed], on: ["day", "ticker"], whenMatched: .updateChanged)
        #expect(result.version == 1 && result.removedFiles == 1)
        let rows = try WriteSupport.rows(path)
        #expect(rows.count == 11)
        #expect(rows.contains(#"{"day":"2024-01-04","ticker":"A","close":102.0}"#) && rows.contains(#"{"day":"2024-01-06","ticker":"A","close":115.0}"#))
        if let expected = try WriteSupport.deltaRows(path) { #expect(rows == expected) }
        let history = try table.history()
        #expect(history.map(\.operation) == ["CREATE TABLE", "MERGE"])
        #expect(history.allSatisfy { $0.commitInfo?["sluice.task_id"]?.stringValue == "features" })
        #expect(history[1].commitInfo?["operationMetrics"]?["numTargetRowsUpdated"]?.stringValue == "1")
        #expect(history[1].commitInfo?["operationParameters"]?["matchedPredicates"]?.stringValue?.contains("NOT (target <=> source)") == true)
        // The last version that touched each day's partition.
        #expect(try table.lastChange(ofPartition: ["day": "2024-01-04"]) == 1)
        #expect(try table.lastChange(ofPartition: ["day": "2024-01-03"]) == 0)
        #expect(try table.lastChange(ofPartition: ["day": "2024-01-03"], atOrBefore: 0) == 0)
        #expect(try table.lastChange(ofPartition: ["day": "2024-01-06"], atOrBefore: 0) == nil)
        #expect(try table.lastChange(ofPartition: ["day": "2030-01-01"]) == nil)
    }

    @Test("history lists every commit with its operation; time travel by timestamp picks the version current then")
    func historyAndTimeTravel() throws {
        let path = WriteSupport.folder()
        let table = DeltaTable(path: path)
        try table.write([WriteSupport.prices(days: 0 ... 0, tickers: ["A"])])
        try table.write([WriteSupport.prices(days: 1 ... 1, tickers: ["A"])])
        try table.delete(where: "day = DATE '2024-01-01'")
        let history = try table.history()
        #expect(history.map(\.operation) == ["CREATE TABLE", "WRITE", "DELETE"])
        #expect(zip(history, history.dropFirst()).allSatisfy { $0.timestamp < $1.timestamp })
        #expect(try table.snapshot(asOf: history[1].timestamp).version == 1)
        #expect(try table.snapshot(asOf: history[2].timestamp).version == 2)
        let early = #expect(throws: DeltaError.self) { try table.snapshot(asOf: history[0].timestamp - 1) }
        #expect(early?.message.contains("before the earliest available commit") == true)
    }

    @Test("the predicate language: precedence, IN, IS NULL, typed literals, case-insensitive names, errors with columns")
    func predicates() throws {
        let schema = Schema([Field("Date", .date32), Field("ticker", .string), Field("close", .float64), Field("n", .int64)])
        func parse(_ text: String) throws -> String { try ExpressionParser.parse(text, schema: schema).description }
        #expect(try parse("ticker = 'A' OR ticker = 'B' AND n > 1") == "(ticker = 'A' OR (ticker = 'B' AND n > 1))")
        #expect(try parse("NOT (n IN (1, 2) OR close IS NULL)") == "NOT (n IN (1, 2) OR close IS NULL)")
        #expect(try parse("date >= DATE '2024-01-02' AND 5 < n") == "(Date >= DATE '2024-01-02' AND n > 5)")
        #expect(try parse("ticker NOT IN ('x') AND n IS NOT NULL") == "(NOT ticker IN ('x') AND n IS NOT NULL)")
        for (text, column, message) in [
            ("n = ", 5, "expected a literal"), ("nope = 1", 1, "no column named 'nope'"), ("n = 'x'", 5, "'x' is not a value of column 'n'"),
            ("ticker = 'open", 10, "unterminated string literal"), ("n = 1 AND", 10, "expected a column name"), ("n ~ 1", 3, "unexpected character"),
        ] {
            let error = #expect(throws: ExpressionError.self) { try ExpressionParser.parse(text, schema: schema) }
            #expect(error?.column == column && error?.message.contains(message) == true, "\(text): \(String(describing: error))")
        }
        let batch = try RecordBatch(schema: Schema([Field("n", .int64)]), columns: [Column(PrimitiveColumn<Int64>([1, 2, 3] as [Int64?]))])
        #expect(try ExpressionParser.parse("n IN (1, 3) OR n IS NULL", schema: schema).matches(batch) == [true, false, true])
    }
}
