import Columnar
import DeltaLake
import Foundation
import Parquet
import SluiceCore
import Testing
@testable import SluiceOperators

@Suite("ingest_delta")
struct IngestDeltaTests {
    static func context(_ operatorDescriptor: OperatorDescriptor, date: String, _ arguments: [(String, Value)]) throws -> TaskRunContext {
        let day = Date(timeIntervalSince1970: Double(CalendarDays.parse(date)!) * 86_400)
        return TaskRunContext(dagID: "d", taskID: "t", runID: "r", tryNumber: 1, logicalDate: day, dataIntervalStart: day, dataIntervalEnd: day + 86_400,
                              arguments: try OperatorRegistry.coerce(.map(arguments), for: operatorDescriptor), executionTimeout: nil, log: MemoryLog())
    }

    static func rows(_ table: String) throws -> [String] {
        let snapshot = try DeltaTable(path: table).snapshot()
        var rows: [String] = []
        for batch in try TableScan(snapshot: snapshot).batches(storage: LocalStorage(root: table)) {
            for row in 0 ..< batch.rowCount { rows.append(batch.columns.map { $0.value(at: row).keyText }.joined(separator: "|")) }
        }
        return rows.sorted()
    }

    @Test("a generated day lands in bronze, its partition replaced on re-run; other dates stay")
    func ingest() async throws {
        let root = NSTemporaryDirectory() + "sluice-ingest-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: root) }
        for date in ["2023-03-14", "2023-03-15"] {
            _ = try await GenerateMarketDataOperator.descriptor.runner.run(
                Self.context(GenerateMarketDataOperator.descriptor, date: date, [("output", .string(root + "/landing")), ("tickers", .int(25))]))
            _ = try await IngestDeltaOperator.descriptor.runner.run(
                Self.context(IngestDeltaOperator.descriptor, date: date, [("source", .string(root + "/landing/date=\(date)")), ("table", .string(root + "/bronze"))]))
        }
        let before = try Self.rows(root + "/bronze")
        #expect(before.count == 50)
        let again = try await IngestDeltaOperator.descriptor.runner.run(
            Self.context(IngestDeltaOperator.descriptor, date: "2023-03-15", [("source", .string(root + "/landing/date=2023-03-15")), ("table", .string(root + "/bronze"))]))
        #expect(try Self.rows(root + "/bronze") == before)
        if case .success(let value?) = again { #expect(value["rows"] == .int(25) && value["quarantined"] == .int(0)) } else { Issue.record("\(again)") }
        #expect(try DeltaTable(path: root + "/bronze").snapshot().partitionColumns == ["date"])
    }

    @Test("bad rows are quarantined with their reasons, or fail the task with nothing written")
    func quality() async throws {
        let root = NSTemporaryDirectory() + "sluice-ingest-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: root) }
        let day = CalendarDays.parse("2023-03-15")!
        let tickers: [String?] = ["A", "B", "C", "C", "D", "E"]
        let dates: [Int32] = [day, day, day, day, day, day - 1]
        let open: [Double?] = [10, 10, 10, 10, -1, 10], high: [Double?] = [11, 9, 11, 11, 11, 11], low: [Double?] = [9, 10, 9, 9, 9, 9]
        let close: [Double?] = [10.5, 9.5, 10, 10, 10, nil], volume: [Double?] = [100, 100, 100, 100, 100, 100]
        let batch = try RecordBatch([("ticker", .binary(BinaryColumn(tickers))), ("date", .int32(PrimitiveColumn(dates, type: .date32))),
                                     ("open", .float64(PrimitiveColumn(open))), ("high", .float64(PrimitiveColumn(high))), ("low", .float64(PrimitiveColumn(low))),
                                     ("close", .float64(PrimitiveColumn(close))), ("volume", .float64(PrimitiveColumn(volume)))])
        try FileManager.default.createDirectory(atPath: root + "/landing", withIntermediateDirectories: true)
        let writer = try ParquetFileWriter(path: root + "/landing/bars.parquet", schema: batch.schema)
        try writer.write(batch)
        try writer.close()
        await #expect(throws: TaskFailure.self) {
            try await IngestDeltaOperator.descriptor.runner.run(Self.context(IngestDeltaOperator.descriptor, date: "2023-03-15",
                [("source", .string(root + "/landing")), ("table", .string(root + "/bronze")), ("quality", .string("fail"))]))
        }
        #expect(!FileManager.default.fileExists(atPath: root + "/bronze"))
        _ = try await IngestDeltaOperator.descriptor.runner.run(Self.context(IngestDeltaOperator.descriptor, date: "2023-03-15",
            [("source", .string(root + "/landing")), ("table", .string(root + "/bronze"))]))
        #expect(try Self.rows(root + "/bronze").map { $0.prefix(2) } == ["A|"])
        let quarantined = try Self.rows(root + "/bronze_quarantine")
        #expect(quarantined.count == 5)
        #expect(quarantined.contains { $0.hasPrefix("B|") && $0.contains("high below low") })
        #expect(quarantined.filter { $0.hasPrefix("C|") && $0.contains("duplicate key") }.count == 2)
        #expect(quarantined.contains { $0.hasPrefix("D|") && $0.contains("non-positive price") })
        #expect(quarantined.contains { $0.hasPrefix("E|") && $0.contains("missing close") && $0.contains("stale date 2023-03-14") })
        // Re-running the date replaces the quarantine of that run, stale rows included: nothing doubles.
        _ = try await IngestDeltaOperator.descriptor.runner.run(Self.context(IngestDeltaOperator.descriptor, date: "2023-03-15",
            [("source", .string(root + "/landing")), ("table", .string(root + "/bronze"))]))
        #expect(try Self.rows(root + "/bronze_quarantine") == quarantined)
        #expect(try Self.rows(root + "/bronze").count == 1)
    }

    @Test("a corrupt landing file or a malformed CSV fails the task naming the file and place; bronze keeps what it had")
    func corruptLanding() async throws {
        let root = NSTemporaryDirectory() + "sluice-ingest-corrupt-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: root) }
        func ingest(_ date: String, _ source: String, _ extra: [(String, Value)] = []) async throws -> TaskResult {
            try await IngestDeltaOperator.descriptor.runner.run(Self.context(IngestDeltaOperator.descriptor, date: date,
                [("source", .string(source)), ("table", .string(root + "/bronze"))] + extra))
        }
        _ = try await GenerateMarketDataOperator.descriptor.runner.run(
            Self.context(GenerateMarketDataOperator.descriptor, date: "2023-03-14", [("output", .string(root + "/landing")), ("tickers", .int(10))]))
        _ = try await ingest("2023-03-14", root + "/landing/date=2023-03-14")
        let before = try Self.rows(root + "/bronze"), version = try DeltaTable(path: root + "/bronze").snapshot().version
        // A Parquet file cut short, as a crashed copy leaves it.
        let day = root + "/landing/date=2023-03-15"
        try FileManager.default.createDirectory(atPath: day, withIntermediateDirectories: true)
        let good = try Data(contentsOf: URL(fileURLWithPath: root + "/landing/date=2023-03-14/bars.parquet"))
        try good.prefix(good.count / 2).write(to: URL(fileURLWithPath: day + "/bars.parquet"))
        do {
            _ = try await ingest("2023-03-15", day)
            Issue.record("a truncated Parquet file was ingested")
        } catch {
            #expect("\(error)".contains(day + "/bars.parquet"), "\(error)")
        }
        // A CSV row with a missing field, then one whose price is not a number.
        try FileManager.default.removeItem(atPath: day + "/bars.parquet")
        try "ticker,date,open,high,low,close,volume\nA,2023-03-15,1,2,0.5,1.5,100\nB,2023-03-15,1,2\n".write(toFile: day + "/bars.csv", atomically: true, encoding: .utf8)
        do {
            _ = try await ingest("2023-03-15", day)
            Issue.record("a CSV row with missing fields was ingested")
        } catch {
            #expect("\(error)".contains(day + "/bars.csv:3:1"), "\(error)")
        }
        try "ticker,date,open,high,low,close,volume\nA,2023-03-15,1,2,0.5,1.5,100\nB,2023-03-15,1,2,0.5,x,100\n".write(toFile: day + "/bars.csv", atomically: true, encoding: .utf8)
        do {
            _ = try await ingest("2023-03-15", day)
            Issue.record("a CSV close of 'x' was ingested")
        } catch {
            #expect("\(error)".contains(day + "/bars.csv"), "\(error)")
        }
        #expect(try Self.rows(root + "/bronze") == before)
        #expect(try DeltaTable(path: root + "/bronze").snapshot().version == version)
    }

    @Test("CSV files holding many dates and their own column names: the run's date is taken, mapped to bronze's columns and types")
    func csvWithMapping() async throws {
        let root = NSTemporaryDirectory() + "sluice-ingest-csv-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: root + "/market", withIntermediateDirectories: true)
        try "Date,High,Low,Open,Close,Volume,Name\n2019-03-04,11,9,10,10.5,1000,AAA\n2019-03-05,12,10,10.5,11,1200,AAA\n"
            .write(toFile: root + "/market/AAA.csv", atomically: true, encoding: .utf8)
        try "Date,High,Low,Open,Close,Volume,Name\n2019-03-04,21,19,20,20.5,3000,BBB\n2019-03-05,22,20,20.5,21,3300,BBB\n"
            .write(toFile: root + "/market/BBB.csv", atomically: true, encoding: .utf8)
        let result = try await IngestDeltaOperator.descriptor.runner.run(Self.context(IngestDeltaOperator.descriptor, date: "2019-03-05",
            [("source", .string(root + "/market")), ("table", .string(root + "/bronze")), ("quality", .string("fail")),
             ("columns", .map([("ticker", .string("Name"))])), ("only_run_date", .bool(true))]))
        guard case .success = result else { Issue.record("ingest did not succeed: \(result)"); return }
        #expect(try Self.rows(root + "/bronze") == ["AAA|2019-03-05|10.5|12.0|10.0|11.0|1200.0", "BBB|2019-03-05|20.5|22.0|20.0|21.0|3300.0"])
        let fields = try DeltaTable(path: root + "/bronze").snapshot().fields.map { "\($0.name):\($0.type)" }
        #expect(fields.contains(#"volume:primitive("double")"#) && fields.contains(#"date:primitive("date")"#), "\(fields)")
    }
}
