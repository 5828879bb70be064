import Columnar
import Foundation
import Parquet
import SluiceCore
import Testing
@testable import SluiceOperators

/// A log sink that keeps lines in memory.
final class MemoryLog: TaskLogSink, @unchecked Sendable {
    var lines: [String] = []
    func write(_ bytes: UnsafeRawBufferPointer) { lines.append(String(decoding: bytes, as: UTF8.self)) }
    func line(_ text: String) { lines.append(text) }
}

func doubles(_ batch: RecordBatch, _ name: String) -> [Double] {
    guard case .float64(let c)? = batch.column(named: name) else { return [] }
    return (0 ..< c.count).map { c.value(at: $0) }
}

@Suite("generate_market_data")
struct GenerateMarketDataTests {
    @Test("a date's bars are the same whenever and in whatever order they are generated; weekends have none")
    func deterministic() throws {
        let generator = MarketDataGenerator(seed: 11, tickers: 50)
        let monday: Int32 = 19_359  // 2023-01-02
        let a = generator.bars(day: monday + 3)!, b = generator.bars(day: monday)!, again = generator.bars(day: monday + 3)!
        #expect(doubles(a, "close") == doubles(again, "close") && doubles(a, "volume") == doubles(again, "volume"))
        #expect(doubles(a, "close") != doubles(b, "close"))
        #expect(generator.bars(day: monday + 5) == nil && generator.bars(day: monday + 6) == nil)
        #expect(MarketDataGenerator(seed: 12, tickers: 50).bars(day: monday).map { doubles($0, "close") } != doubles(b, "close"))
        // Bars are well formed: high above open and close, low below, prices and volumes positive.
        let open = doubles(a, "open"), high = doubles(a, "high"), low = doubles(a, "low"), close = doubles(a, "close"), volume = doubles(a, "volume")
        for i in 0 ..< 50 {
            #expect(high[i] >= max(open[i], close[i]) && low[i] <= min(open[i], close[i]) && low[i] > 0 && volume[i] > 0)
        }
        // Today's open follows yesterday's close (the previous business day, across the weekend).
        let friday = generator.bars(day: monday - 3)!
        let gaps = zip(doubles(friday, "close"), doubles(b, "open")).map { abs(log($1 / $0)) }
        #expect(gaps.max()! < 0.05)
    }

    @Test("the planted signal: today's volume ranks tomorrow's returns (mean daily rank IC clearly positive), and not without it")
    func plantedSignal() {
        func meanRankIC(signal: Double) -> Double {
            // Early 2018 days: each sums few returns since the generator's start, so this stays quick.
            let generator = MarketDataGenerator(seed: 3, tickers: 400, signal: signal)
            var days: [Int32] = []
            var day: Int32 = 17_532
            while days.count < 200 {
                if MarketDataGenerator.businessDay(day) != nil { days.append(day) }
                day += 1
            }
            let bars = days.map { generator.bars(day: $0)! }
            var ics: [Double] = []
            for k in 1 ..< bars.count - 1 {
                let volume = doubles(bars[k], "volume"), next = zip(doubles(bars[k], "close"), doubles(bars[k + 1], "close")).map { $1 / $0 - 1 }
                ics.append(rankCorrelation(volume.map(log), next))
            }
            return ics.reduce(0, +) / Double(ics.count)
        }
        let planted = meanRankIC(signal: 0.05), none = meanRankIC(signal: 0)
        // Expected about 0.027 with the default strength; the standard error of a 198-day mean
        // over 400 tickers is about 0.0035.
        #expect(planted > 0.015, "planted \(planted)")
        #expect(abs(none) < 0.015, "none \(none)")
    }

    @Test("the operator writes the day's file to the landing area, skips weekends, and re-runs identically")
    func operatorRun() async throws {
        let folder = NSTemporaryDirectory() + "sluice-landing-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: folder) }
        func run(_ date: String) async throws -> TaskResult {
            let day = Date(timeIntervalSince1970: Double(CalendarDays.parse(date)!) * 86_400)
            let arguments = try OperatorRegistry.coerce(.map([("output", .string(folder)), ("tickers", .int(20))]), for: GenerateMarketDataOperator.descriptor)
            let context = TaskRunContext(dagID: "d", taskID: "generate", runID: "r", tryNumber: 1, logicalDate: day, dataIntervalStart: day,
                                         dataIntervalEnd: day + 86_400, arguments: arguments, executionTimeout: nil, log: MemoryLog())
            return try await GenerateMarketDataOperator.descriptor.runner.run(context)
        }
        let first = try await run("2023-03-15")
        #expect(first == .success(.string(folder + "/date=2023-03-15/bars.parquet")))
        let rows = try ParquetFileReader(path: folder + "/date=2023-03-15/bars.parquet").readRowGroup(0)
        #expect(rows.rowCount == 20 && rows.schema.names == ["ticker", "date", "open", "high", "low", "close", "volume"])
        #expect(try await run("2023-03-15") == first)
        let again = try ParquetFileReader(path: folder + "/date=2023-03-15/bars.parquet").readRowGroup(0)
        #expect(doubles(again, "close") == doubles(rows, "close"))
        if case .skipped(let reason) = try await run("2023-03-18") { #expect(reason.contains("not a business day")) } else { Issue.record("a Saturday ran") }
    }
}

/// Spearman correlation (Pearson of ranks; ties do not occur in continuous data).
func rankCorrelation(_ a: [Double], _ b: [Double]) -> Double {
    func ranks(_ v: [Double]) -> [Double] {
        var r = [Double](repeating: 0, count: v.count)
        for (rank, index) in v.indices.sorted(by: { v[$0] < v[$1] }).enumerated() { r[index] = Double(rank) }
        return r
    }
    let x = ranks(a), y = ranks(b)
    let mx = x.reduce(0, +) / Double(x.count), my = y.reduce(0, +) / Double(y.count)
    var sxy = 0.0, sxx = 0.0, syy = 0.0
    for (p, q) in zip(x, y) { sxy += (p - mx) * (q - my); sxx += (p - mx) * (p - mx); syy += (q - my) * (q - my) }
    return sxy / (sxx * syy).squareRoot()
}
