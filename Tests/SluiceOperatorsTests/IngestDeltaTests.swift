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
}
