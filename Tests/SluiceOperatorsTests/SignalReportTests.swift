import Columnar
import DeltaLake
import Foundation
import SluiceCore
import Testing
import Tracking
@testable import SluiceOperators

@Suite("signal_report")
struct SignalReportTests {
    /// Nine business days; the report runs on the eighth, so the ninth close must not be seen.
    static let dates = ["2024-03-04", "2024-03-05", "2024-03-06", "2024-03-07", "2024-03-08", "2024-03-11", "2024-03-12", "2024-03-13", "2024-03-14"]
    static let runIndex = 7
    static let tickers = ["A", "B", "C"]
    /// C has no bar on 2024-03-07: its signal of 03-06 is judged against 03-08, its signal of 03-07 not at all.
    static let closes: [String: [Double?]] = [
        "A": [100, 101, 99, 102, 103, 101, 104, 105, 103],
        "B": [50, 50.5, 51, 50, 49, 50, 51.5, 51, 52],
        "C": [20, 19.8, 20.2, nil, 20.6, 20.4, 20.0, 20.5, 21],
    ]
    /// Per date, the scores of A, B, C (ties on 03-05 and 03-11) and their sides.
    static let scores: [[Double]] = [[0.5, 0.1, -0.3], [0.3, -0.1, -0.1], [-0.2, 0.4, 0.1], [0.3, -0.1, 0.6], [0.1, 0.3, 0.2],
                                     [0.4, 0.4, -0.5], [0.6, -0.2, 0.1], [0.2, 0.5, 0.3], [0.1, 0.2, 0.3]]
    static let sides: [[String]] = [["long", "flat", "short"], ["long", "short", "short"], ["short", "long", "flat"], ["flat", "short", "long"],
                                    ["short", "long", "flat"], ["long", "long", "short"], ["long", "short", "flat"], ["short", "long", "flat"],
                                    ["short", "flat", "long"]]

    /// Writes bronze and signals, both partitioned by date, under `root`.
    static func lake(_ root: String) throws {
        var options = WriteOptions()
        options.partitionBy = ["date"]
        var ticker: [String?] = [], day: [Int32] = [], close: [Double?] = []
        for (k, date) in dates.enumerated() {
            for t in tickers { if let c = closes[t]![k] { ticker.append(t); day.append(CalendarDays.parse(date)!); close.append(c) } }
        }
        let bronze = try RecordBatch([("ticker", .binary(BinaryColumn(ticker))), ("date", .int32(PrimitiveColumn(day, type: .date32))),
                                      ("open", .float64(PrimitiveColumn(close))), ("high", .float64(PrimitiveColumn(close.map { $0! * 1.01 }))),
                                      ("low", .float64(PrimitiveColumn(close.map { $0! * 0.99 }))), ("close", .float64(PrimitiveColumn(close))),
                                      ("volume", .float64(PrimitiveColumn(close.map { _ in 1e6 })))])
        try DeltaTable(path: root + "/bronze").write([bronze], options: options)
        var sTicker: [String?] = [], sDay: [Int32] = [], score: [Double] = [], rank: [Int64] = [], decile: [Int64] = [], side: [String?] = []
        for (k, date) in dates.enumerated() {
            for (i, t) in tickers.enumerated() {
                sTicker.append(t); sDay.append(CalendarDays.parse(date)!); score.append(scores[k][i]); side.append(sides[k][i])
                rank.append(Int64(1 + scores[k].filter { $0 > scores[k][i] }.count))
                decile.append(sides[k][i] == "long" ? 10 : sides[k][i] == "short" ? 1 : 5)
            }
        }
        let n = sTicker.count
        let signals = try RecordBatch([("date", .int32(PrimitiveColumn(sDay, type: .date32))), ("ticker", .binary(BinaryColumn(sTicker))),
                                       ("score", .float64(PrimitiveColumn(score))), ("rank", .int64(PrimitiveColumn(rank))), ("decile", .int64(PrimitiveColumn(decile))),
                                       ("side", .binary(BinaryColumn(side))), ("model_name", .binary(BinaryColumn([String?](repeating: "alpha", count: n)))),
                                       ("model_version", .int64(PrimitiveColumn([Int64](repeating: 3, count: n)))),
                                       ("silver_version", .int64(PrimitiveColumn([Int64](repeating: 12, count: n))))])
        try DeltaTable(path: root + "/signals").write([signals], options: options)
    }

    /// What the report should find for date index k, computed straight from the arrays above:
    /// returns by walking the ticker's closes up to the run's date, correlations by the sum formula,
    /// ranks by counting.
    struct Expected { var ic, rankIC, longShort: Double; var longs: Set<String> }

    static func expected(_ k: Int, through last: Int = runIndex) -> Expected? {
        var score: [Double] = [], realised: [Double] = [], long: [Double] = [], short: [Double] = []
        for (i, t) in tickers.enumerated() {
            guard let now = closes[t]![k], let next = (k + 1 ..< last + 1).lazy.compactMap({ closes[t]![$0] }).first else { continue }
            score.append(scores[k][i]); realised.append(next / now - 1)
            if sides[k][i] == "long" { long.append(next / now - 1) }
            if sides[k][i] == "short" { short.append(next / now - 1) }
        }
        guard !score.isEmpty else { return nil }
        func correlation(_ x: [Double], _ y: [Double]) -> Double {
            let n = Double(x.count), sx = x.reduce(0, +), sy = y.reduce(0, +)
            let sxy = zip(x, y).map(*).reduce(0, +), sxx = x.map { $0 * $0 }.reduce(0, +), syy = y.map { $0 * $0 }.reduce(0, +)
            return (n * sxy - sx * sy) / ((n * sxx - sx * sx) * (n * syy - sy * sy)).squareRoot()
        }
        func ranks(_ v: [Double]) -> [Double] { v.map { x in 1 + Double(v.filter { $0 < x }.count) + Double(v.filter { $0 == x }.count - 1) / 2 } }
        let longShort = long.isEmpty || short.isEmpty ? Double.nan : long.reduce(0, +) / Double(long.count) - short.reduce(0, +) / Double(short.count)
        return Expected(ic: correlation(score, realised), rankIC: correlation(ranks(score), ranks(realised)), longShort: longShort,
                        longs: Set(tickers.indices.filter { sides[k][$0] == "long" }.map { tickers[$0] }))
    }

    static func close(_ a: Double, _ b: Double, _ tolerance: Double = 1e-12) -> Bool { abs(a - b) <= tolerance * max(1, abs(b)) }

    static func run(_ root: String, _ arguments: [(String, Value)] = [], date: String = dates[runIndex]) async throws -> TaskResult {
        let base: [(String, Value)] = [("signals", .string(root + "/signals")), ("bronze", .string(root + "/bronze")), ("reports", .string(root + "/reports")),
                                       ("tracking_uri", .string(root + "/tracking")), ("window_days", .int(30))]
        let merged = base.filter { key, _ in !arguments.contains { $0.0 == key } } + arguments
        return try await SignalReportOperator.descriptor.runner.run(IngestDeltaTests.context(SignalReportOperator.descriptor, date: date, merged))
    }

    @Test("metrics match returns computed straight from the closes; the date whose next close comes after D is left out")
    func metrics() async throws {
        let root = NSTemporaryDirectory() + "sluice-signal-report-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: root) }
        try Self.lake(root)
        let result = try await Self.run(root)
        guard case .success(let value?) = result else { Issue.record("\(result)"); return }

        // Per date, through the operator's own reading of the tables.
        let range = dateRange(CalendarDays.parse(Self.dates[Self.runIndex])! - 30, CalendarDays.parse(Self.dates[Self.runIndex])!)
        let days = SignalEvaluation.days(try SignalRows(DateRange.read(root + "/signals", range).batches, table: "signals").rows,
                                         returns: try RealisedReturns(DateRange.read(root + "/bronze", range).batches, table: "bronze"))
        let expected = (0 ... Self.runIndex).compactMap { k in Self.expected(k).map { (k, $0) } }
        #expect(expected.map(\.0) == Array(0 ..< Self.runIndex))  // 03-13 has no close after it by D (03-14 is later)
        #expect(days.map { TextFormat.date(days: Int64($0.date)) } == Array(Self.dates.prefix(Self.runIndex)))
        for (day, (_, want)) in zip(days, expected) {
            #expect(Self.close(day.ic, want.ic) && Self.close(day.rankIC, want.rankIC), "\(day)")
            #expect(want.longShort.isNaN ? day.longShort.isNaN : Self.close(day.longShort, want.longShort), "\(day)")
            #expect(want.longShort.isNaN ? day.decileSpread.isNaN : Self.close(day.decileSpread, want.longShort), "\(day)")
        }
        // 03-07: C (the long) has no close that day, so no long-short; A and B still give an IC.
        #expect(days[3].count == 2 && days[3].longShort.isNaN && Self.close(days[3].ic, 1))

        // The window, from the per-date values by plain loops.
        let ics = expected.map(\.1.ic), longShorts = expected.map(\.1.longShort).filter { !$0.isNaN }
        let meanIC = ics.reduce(0, +) / Double(ics.count)
        let icStd = (ics.map { ($0 - meanIC) * ($0 - meanIC) }.reduce(0, +) / Double(ics.count - 1)).squareRoot()
        var wealth = [1.0]
        for r in longShorts { wealth.append(wealth.last! * (1 + r)) }
        var drawdown = 0.0
        for i in wealth.indices { for j in 0 ... i { drawdown = max(drawdown, 1 - wealth[i] / wealth[j]) } }
        let meanLS = longShorts.reduce(0, +) / Double(longShorts.count)
        let lsStd = (longShorts.map { ($0 - meanLS) * ($0 - meanLS) }.reduce(0, +) / Double(longShorts.count - 1)).squareRoot()
        var changes: [Double] = []
        for (previous, current) in zip(expected, expected.dropFirst()) {
            changes.append(1 - Double(current.1.longs.intersection(previous.1.longs).count) / Double(current.1.longs.count))
        }
        let want: [String: Double] = [
            "ic": meanIC, "rank_ic": expected.map(\.1.rankIC).reduce(0, +) / Double(expected.count), "icir": meanIC / icStd,
            "long_short_mean": meanLS, "decile_spread": meanLS, "cumulative_long_short": wealth.last! - 1, "max_drawdown": drawdown,
            "sharpe": meanLS / lsStd * 252.0.squareRoot(), "turnover": changes.reduce(0, +) / Double(changes.count),
        ]
        for (name, number) in want {
            guard case .double(let got)? = value[name] else { Issue.record("no \(name) in \(value)"); continue }
            #expect(Self.close(got, number), "\(name): \(got) vs \(number)")
        }
        // The same numbers from numpy/scipy (pearsonr, spearmanr, cumprod), and turnover by hand: 0,1,1,1,½,0 over six changes.
        let oracle: [String: Double] = ["ic": 0.33412232173831835, "rank_ic": 0.3380036291120626, "icir": 0.36928473573109166,
                                        "cumulative_long_short": 0.04039007865534061, "max_drawdown": 0.08302479089263648,
                                        "sharpe": 2.8660105224274437, "turnover": 3.5 / 6]
        for (name, number) in oracle { #expect(value[name]?.doubleValue.map { Self.close($0, number, 1e-9) } == true, "\(name)") }
        #expect(value["dates"] == .int(7))

        // The page: two charts, the evaluated dates only, no script.
        let path = root + "/reports/signal_report_2024-03-13.html"
        #expect(value["report"] == .string(path))
        let html = try String(contentsOfFile: path, encoding: .utf8)
        #expect(html.components(separatedBy: "<svg").count - 1 == 2)
        #expect(html.contains("<td>2024-03-12</td>") && !html.contains("<td>2024-03-13</td>") && !html.contains("<script"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: root + "/reports") == ["signal_report_2024-03-13.html"])

        // The tracking run: finite metrics, the inputs as params, the page as artifact `report`.
        let tracking = try EmbeddedTracking(root: root + "/tracking")
        let runs = try tracking.searchRuns(experimentIDs: [try tracking.experiment(named: "quant_daily_reports").id], orderBy: nil)
        #expect(runs.count == 1)
        let run = try #require(runs.first)
        #expect(run.info.name == "signal-report-2024-03-13" && run.info.status == .finished && value["run_id"] == .string(run.info.id))
        #expect(run.metrics["ic"].map { Self.close($0, meanIC) } == true && run.metrics["dates"] == 7 && run.metrics.values.allSatisfy(\.isFinite))
        #expect(run.params["window_days"] == "30" && run.params["date"] == "2024-03-13" && run.params["signals_table"] == root + "/signals"
            && run.params["signals_version"] == "0")
        let download = root + "/download"
        try tracking.downloadArtifacts(runID: run.info.id, artifactPath: "report", to: download)
        #expect(FileManager.default.contents(atPath: download + "/signal_report_2024-03-13.html") == FileManager.default.contents(atPath: path))
    }

    @Test("the window reads only its own dates; a Sharpe of fewer than two dates is left out")
    func window() async throws {
        let root = NSTemporaryDirectory() + "sluice-signal-report-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: root) }
        try Self.lake(root)
        // [03-09, 03-13]: signals of 03-11 and 03-12 are judged.
        let two = try await Self.run(root, [("window_days", .int(4))])
        guard case .success(let value?) = two else { Issue.record("\(two)"); return }
        #expect(value["dates"] == .int(2))
        let ic = (Self.expected(5)!.ic + Self.expected(6)!.ic) / 2
        #expect(value["ic"]?.doubleValue.map { Self.close($0, ic) } == true)
        // [03-11, 03-12] on 03-12: only 03-11 is known, so there is no spread of daily returns.
        let one = try await Self.run(root, [("window_days", .int(1))], date: "2024-03-12")
        guard case .success(let single?) = one else { Issue.record("\(one)"); return }
        #expect(single["dates"] == .int(1) && single["sharpe"] == .null && single["icir"] == .null)
        #expect(single["cumulative_long_short"]?.doubleValue.map { Self.close($0, Self.expected(5, through: 6)!.longShort) } == true)
        let tracking = try EmbeddedTracking(root: root + "/tracking")
        let runs = try tracking.searchRuns(experimentIDs: [try tracking.experiment(named: "quant_daily_reports").id], orderBy: nil)
        let metrics = try #require(runs.first { $0.info.name == "signal-report-2024-03-12" }).metrics
        #expect(metrics["sharpe"] == nil && metrics["ic"] != nil)
        // [03-06, 03-08] on 03-08: the curve's first move is a loss, a drawdown from the start (1).
        let losing = try await Self.run(root, [("window_days", .int(2))], date: "2024-03-08")
        guard case .success(let falling?) = losing else { Issue.record("\(losing)"); return }
        let loss = Self.expected(2, through: 4)!.longShort
        #expect(falling["dates"] == .int(2) && loss < 0 && falling["max_drawdown"]?.doubleValue.map { Self.close($0, -loss) } == true)
    }

    @Test("skipped without signals or without a known return; a missing bronze table fails naming it")
    func skips() async throws {
        let root = NSTemporaryDirectory() + "sluice-signal-report-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: root) }
        let none = try await Self.run(root)
        guard case .skipped = none else { Issue.record("\(none)"); return }
        try Self.lake(root)
        // On the first date no signal has a next close yet.
        let early = try await Self.run(root, date: Self.dates[0])
        guard case .skipped = early else { Issue.record("\(early)"); return }
        #expect(!FileManager.default.fileExists(atPath: root + "/reports"))
        let failure = await #expect(throws: TaskFailure.self) { try await Self.run(root, [("bronze", .string(root + "/missing"))]) }
        #expect(failure?.message.contains(root + "/missing") == true)
    }
}
