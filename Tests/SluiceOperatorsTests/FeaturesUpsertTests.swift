import Columnar
import DeltaLake
import Factors
import Foundation
import SluiceCore
import Testing
@testable import SluiceOperators

@Suite("features_upsert")
struct FeaturesUpsertTests {
    @Test("the run's date is merged into silver with the values a computation over the whole history gives; re-runs change nothing")
    func upsert() async throws {
        let root = NSTemporaryDirectory() + "sluice-features-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: root) }
        var dates: [String] = []
        var day = CalendarDays.parse("2023-01-02")!
        while dates.count < 100 {
            if MarketDataGenerator.businessDay(day) != nil { dates.append(TextFormat.date(days: Int64(day))) }
            day += 1
        }
        for date in dates {
            _ = try await GenerateMarketDataOperator.descriptor.runner.run(
                IngestDeltaTests.context(GenerateMarketDataOperator.descriptor, date: date, [("output", .string(root + "/landing")), ("tickers", .int(20))]))
            _ = try await IngestDeltaOperator.descriptor.runner.run(
                IngestDeltaTests.context(IngestDeltaOperator.descriptor, date: date,
                                         [("source", .string(root + "/landing/date=\(date)")), ("table", .string(root + "/bronze"))]))
        }
        let set = root + "/set.yaml"
        try """
        name: finite
        factors:
          - {name: MA60, expr: "Mean($close, 60)/$close"}
          - {name: STD20, expr: "Std($close, 20)/$close"}
          - {name: RSQR60, expr: "Rsquare($close, 60)"}
          - {name: CORD30, expr: "Corr($close/Ref($close,1), Log($volume/Ref($volume, 1)+1), 30)"}
          - {name: VOLZ, expr: "Log($volume) - Mean(Log($volume), 20)"}
        """.write(toFile: set, atomically: true, encoding: .utf8)
        let last = dates.last!
        let arguments: [(String, Value)] = [("bronze", .string(root + "/bronze")), ("silver", .string(root + "/silver")), ("sets", .list([.string(set)]))]
        let result = try await FeaturesUpsertOperator.descriptor.runner.run(IngestDeltaTests.context(FeaturesUpsertOperator.descriptor, date: last, arguments))
        if case .success(let value?) = result { #expect(value["rows"] == .int(20) && value["factors"] == .int(5)) } else { Issue.record("\(result)") }
        let silver = try IngestDeltaTests.rows(root + "/silver")
        #expect(silver.count == 20 && silver.allSatisfy { $0.contains("|\(last)|") })
        // The same factors over all of bronze, at the last date.
        let snapshot = try DeltaTable(path: root + "/bronze").snapshot()
        let panel = try PanelLoader.panel(try TableScan(snapshot: snapshot).batches(storage: LocalStorage(root: root + "/bronze")))
        var full: [String] = []
        try FactorEngine(plan: FactorPlan(factors: FactorSet.load(set).factors)).run(panel, from: CalendarDays.parse(last)!) { batch in
            for row in 0 ..< batch.rowCount { full.append(batch.columns.map { $0.value(at: row).keyText }.joined(separator: "|")) }
        }
        // Equal up to the last bits: window sums are grouped by where each series starts, and
        // the run read less history than this computation (ADR 18).
        let expected = full.sorted()
        #expect(silver.count == expected.count)
        for (ours, theirs) in zip(silver, expected) {
            let a = ours.split(separator: "|"), b = theirs.split(separator: "|")
            #expect(a.count == b.count && a.prefix(2) == b.prefix(2), "\(ours) vs \(theirs)")
            for (x, y) in zip(a.dropFirst(2), b.dropFirst(2)) {
                let u = Double(x) ?? .nan, v = Double(y) ?? .nan
                #expect(u.isNaN == v.isNaN && (u.isNaN || abs(u - v) <= 1e-12 * max(abs(u), abs(v)) + 1e-15), "\(ours) vs \(theirs)")
            }
        }
        _ = try await FeaturesUpsertOperator.descriptor.runner.run(IngestDeltaTests.context(FeaturesUpsertOperator.descriptor, date: last, arguments))
        #expect(try IngestDeltaTests.rows(root + "/silver") == silver)
    }
}
