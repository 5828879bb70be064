import Columnar
import DeltaLake
import Foundation
import SluiceCore
import Testing
@testable import SluiceOperators

@Suite("gold_build")
struct GoldBuildTests {
    @Test("every gold label is the same ticker's forward return, entering only once known; re-runs change nothing")
    func labels() async throws {
        let root = NSTemporaryDirectory() + "sluice-gold-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: root) }
        var dates: [String] = []
        var day = CalendarDays.parse("2023-02-01")!
        while dates.count < 30 {
            if MarketDataGenerator.businessDay(day) != nil { dates.append(TextFormat.date(days: Int64(day))) }
            day += 1
        }
        let set = root + "/set.yaml"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        try "name: small\nfactors:\n  - {name: MA5, expr: \"Mean($close, 5)/$close\"}\n".write(toFile: set, atomically: true, encoding: .utf8)
        func run(_ descriptor: OperatorDescriptor, _ date: String, _ arguments: [(String, Value)]) async throws -> TaskResult {
            try await descriptor.runner.run(IngestDeltaTests.context(descriptor, date: date, arguments))
        }
        let tables: [(String, Value)] = [("bronze", .string(root + "/bronze")), ("silver", .string(root + "/silver")), ("gold", .string(root + "/gold"))]
        for date in dates {
            _ = try await run(GenerateMarketDataOperator.descriptor, date, [("output", .string(root + "/landing")), ("tickers", .int(12))])
            _ = try await run(IngestDeltaOperator.descriptor, date, [("source", .string(root + "/landing/date=\(date)")), ("table", .string(root + "/bronze"))])
            _ = try await run(FeaturesUpsertOperator.descriptor, date, Array(tables.prefix(2)) + [("sets", .list([.string(set)]))])
            _ = try await run(GoldBuildOperator.descriptor, date, tables)
        }
        // Closes by ticker in date order, straight from bronze.
        var closes: [String: [(String, Double)]] = [:]
        for batch in try TableScan(snapshot: DeltaTable(path: root + "/bronze").snapshot()).batches(storage: LocalStorage(root: root + "/bronze")) {
            guard case .float64(let c) = batch.column(named: "close")! else { continue }
            for row in 0 ..< batch.rowCount {
                closes[batch.column(named: "ticker")!.value(at: row).keyText, default: []].append((batch.column(named: "date")!.value(at: row).keyText, c.value(at: row)))
            }
        }
        var expected: [String: Double] = [:]
        for (ticker, series) in closes {
            let sorted = series.sorted { $0.0 < $1.0 }
            for k in 0 ..< sorted.count - 1 { expected["\(ticker)|\(sorted[k].0)"] = sorted[k + 1].1 / sorted[k].1 - 1 }
        }
        var gold: [String: Double] = [:]
        for batch in try TableScan(snapshot: DeltaTable(path: root + "/gold").snapshot()).batches(storage: LocalStorage(root: root + "/gold")) {
            guard case .float64(let labels) = batch.column(named: "label")! else { continue }
            for row in 0 ..< batch.rowCount {
                gold["\(batch.column(named: "ticker")!.value(at: row).keyText)|\(batch.column(named: "date")!.value(at: row).keyText)"] = labels.value(at: row)
            }
        }
        // Every date but the last has its label (the last one's next close does not exist yet).
        #expect(gold.count == 12 * 29)
        #expect(!gold.keys.contains { $0.hasSuffix(dates.last!) })
        #expect(gold.allSatisfy { key, label in expected[key].map { abs($0 - label) <= 1e-12 * max(1, abs($0)) } == true })
        let before = try IngestDeltaTests.rows(root + "/gold")
        _ = try await run(GoldBuildOperator.descriptor, dates[15], tables)
        #expect(try IngestDeltaTests.rows(root + "/gold") == before)
    }
}
