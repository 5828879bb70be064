import Columnar
import DeltaLake
import Foundation
import Testing
import Tracking

/// The reference DAG (dags/quant_daily.yaml) driven by the CLI as a user drives it.
@Suite("quant_daily end to end")
struct QuantPipelineTests {
    static let tables = ["bronze_market_data", "silver_features", "gold_training_set", "signals"]

    /// Every row of a table as sorted text (columns in name order), and its version.
    static func content(_ path: String) throws -> (rows: [String], version: Int64) {
        let table = DeltaTable(path: path)
        let snapshot = try table.snapshot()
        var rows: [String] = []
        for batch in try TableScan(snapshot: snapshot).batches(storage: table.storage) {
            let order = batch.schema.fields.indices.sorted { batch.schema.fields[$0].name < batch.schema.fields[$1].name }
            for row in 0 ..< batch.rowCount {
                rows.append(order.map { "\(batch.schema.fields[$0].name)=\(batch.columns[$0].value(at: row))" }.joined(separator: "|"))
            }
        }
        return (rows.sorted(), snapshot.version)
    }

    /// Column `name` of every row, keyed by "ticker|date".
    static func values(_ path: String, _ name: String) throws -> [String: Double] {
        let table = DeltaTable(path: path)
        var out: [String: Double] = [:]
        for batch in try TableScan(snapshot: try table.snapshot()).batches(storage: table.storage) {
            let tickers = batch.column(named: "ticker")!, dates = batch.column(named: "date")!, column = batch.column(named: name)!
            for row in 0 ..< batch.rowCount {
                guard case .double(let value) = column.value(at: row) else { continue }
                out[tickers.value(at: row).keyText + "|" + dates.value(at: row).keyText] = value
            }
        }
        return out
    }

    /// Spearman correlation (average ranks for ties), written here apart from the product's code.
    static func spearman(_ a: [Double], _ b: [Double]) -> Double {
        func ranks(_ v: [Double]) -> [Double] {
            v.map { x in Double(v.filter { $0 < x }.count) + Double(v.filter { $0 == x }.count + 1) / 2 }
        }
        let x = ranks(a), y = ranks(b), n = Double(a.count)
        let mx = x.reduce(0, +) / n, my = y.reduce(0, +) / n
        let cov = zip(x, y).reduce(0) { $0 + ($1.0 - mx) * ($1.1 - my) }
        let vx = x.reduce(0) { $0 + ($1 - mx) * ($1 - mx) }, vy = y.reduce(0) { $0 + ($1 - my) * ($1 - my) }
        return cov / (vx * vy).squareRoot()
    }

    @Test("six weeks on 100 tickers: a champion, signals every date after the first training, positive realised RankIC, gold labels per ticker; re-running any task of any date changes no table")
    func backfill() throws {
        let folder = try CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try FileManager.default.createDirectory(atPath: folder + "/dags", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: CLI.repositoryRoot + "/dags/quant_daily.yaml", toPath: folder + "/dags/quant_daily.yaml")
        let environment = ["SLUICE_TRACKING_URI": folder + "/tracking"]
        func sluice(_ arguments: [String]) throws -> CLI.Output {
            let output = try CLI.run(arguments, cwd: folder, environment: environment, timeout: 900)
            #expect(output.status == 0, "sluice \(arguments.joined(separator: " ")): \(output.stderr)")
            return output
        }
        _ = try sluice(["dags", "pause", "quant_daily"])
        let conf = #"{"tickers": 100, "signal": 0.3, "min_dates": 12}"#
        let run = try sluice(["dags", "backfill", "quant_daily", "--start", "2023-01-02", "--end", "2023-02-10", "--conf", conf, "--wait"])
        #expect(run.stdout.contains("30 succeeded, 0 failed"), "\(run.stdout)")

        // A champion, and the promotion log behind it.
        let tracking = try EmbeddedTracking(root: folder + "/tracking")
        let versions = try tracking.modelVersions(name: "quant_alpha158_xgb")
        #expect(versions.contains { $0.aliases.contains("champion") && $0.stage == .production })
        #expect(versions.allSatisfy { $0.tags["training_table_version"] != nil })

        // Signals for every bronze date from the first one on, a full cross-section each.
        let lake = folder + "/lake/stockdata/"
        let closes = try Self.values(lake + "bronze_market_data", "close")
        let scores = try Self.values(lake + "signals", "score")
        let bronzeDates = Set(closes.keys.map { String($0.split(separator: "|")[1]) }).sorted()
        let signalDates = Set(scores.keys.map { String($0.split(separator: "|")[1]) }).sorted()
        #expect(bronzeDates.count == 30)
        #expect(signalDates.count >= 8, "signals on \(signalDates)")
        #expect(signalDates == Array(bronzeDates.drop { $0 < signalDates.first! }))
        let trainings = try tracking.searchRuns(experimentIDs: [try tracking.experiment(named: "quant_daily").id], orderBy: nil)
            .filter { $0.tags["sluice.kind"] == "grid-search" }.compactMap { $0.tags["sluice.run_date"] }.sorted()
        #expect(trainings.first == signalDates.first, "first training \(trainings.first ?? "-"), first signals \(signalDates.first ?? "-")")
        #expect(trainings.count >= 3)
        #expect(scores.count == signalDates.count * 100)

        // Out of sample: each signal date's scores against the next day's realised returns.
        let tickers = (0 ..< 100).map { String(format: "T%04d", $0) }
        var rankICs: [Double] = []
        for date in signalDates {
            guard let next = bronzeDates.first(where: { $0 > date }) else { continue }
            let s = tickers.map { scores["\($0)|\(date)"]! }
            let r = tickers.map { closes["\($0)|\(next)"]! / closes["\($0)|\(date)"]! - 1 }
            rankICs.append(Self.spearman(s, r))
        }
        let meanRankIC = rankICs.reduce(0, +) / Double(rankICs.count)
        #expect(meanRankIC > 0.02, "realised RankIC \(meanRankIC) over \(rankICs.count) dates: \(rankICs)")

        // Every gold label is its own ticker's next close over close - 1; the seed's lead over
        // tickers ordered within a date (Window.partitionBy("date").orderBy("ticker")) is not.
        let labels = try Self.values(lake + "gold_training_set", "label")
        func mismatches(_ label: (String, String) -> Double?) -> Int {
            labels.filter { key, value in
                let parts = key.split(separator: "|").map(String.init)
                guard let expected = label(parts[0], parts[1]) else { return true }
                return abs(expected - value) > 1e-12
            }.count
        }
        #expect(labels.count >= 100 * 28)
        #expect(mismatches { ticker, date in
            bronzeDates.first { $0 > date }.flatMap { next in closes["\(ticker)|\(next)"].map { $0 / closes["\(ticker)|\(date)"]! - 1 } }
        } == 0)
        #expect(mismatches { ticker, date in
            tickers.firstIndex(of: ticker).flatMap { $0 + 1 < tickers.count ? closes["\(tickers[$0 + 1])|\(date)"].map { $0 / closes["\(ticker)|\(date)"]! - 1 } : nil }
        } > labels.count / 2)

        // Clearing and re-running tasks of earlier dates (a retraining Monday, an ordinary day, the
        // first day), one by one and as whole runs, leaves every table as it was, versions included.
        let before = try Self.tables.map { try Self.content(lake + $0) }
        for date in ["2023-01-23", "2023-02-01", "2023-01-02"] {
            let runID = "backfill__\(date)T05:00:00Z"
            for task in ["generate", "ingest", "features", "gold", "train", "register", "promote", "inference", "report"] {
                let state = try sluice(["tasks", "state", "quant_daily", runID, task]).stdout
                guard !state.contains("skipped"), !state.contains("upstream_failed") else { continue }
                _ = try sluice(["tasks", "run", "quant_daily", runID, task])
            }
        }
        _ = try sluice(["dags", "backfill", "quant_daily", "--start", "2023-01-30", "--end", "2023-02-03", "--reprocess", "all", "--conf", conf, "--wait"])
        let after = try Self.tables.map { try Self.content(lake + $0) }
        for (k, name) in Self.tables.enumerated() {
            #expect(after[k].rows == before[k].rows, "\(name) changed")
            #expect(after[k].version == before[k].version, "\(name) went from version \(before[k].version) to \(after[k].version)")
        }
        #expect(try tracking.modelVersions(name: "quant_alpha158_xgb").count == versions.count)

        // Lineage: from a signal row to its model, training run, gold version and the silver and
        // bronze versions behind them.
        let lineage = try sluice(["lineage", "signals", "--date", "2023-02-08", "--ticker", "T0042", "--signals", lake + "signals", "--json"]).stdout
        let steps = try JSONSerialization.jsonObject(with: Data(lineage.utf8)) as? [[String: Any]] ?? []
        #expect(steps.map { $0["kind"] as? String ?? "" } == ["signal", "model", "training", "gold", "silver", "bronze", "bronze", "silver", "bronze"], "\(lineage)")
        let signalDetails = steps.first?["details"] as? [String: String] ?? [:]
        let modelDetails = steps.dropFirst().first?["details"] as? [String: String] ?? [:]
        #expect(signalDetails["model_version"] == modelDetails["version"])
        #expect(modelDetails["training_table_version"] == (steps[3]["details"] as? [String: String])?["version"])
        let missing = try CLI.run(["lineage", "signals", "--date", "2023-02-08", "--ticker", "NOPE", "--signals", lake + "signals"], cwd: folder, environment: environment)
        #expect(missing.status == 1 && missing.stderr.contains("has no signal for NOPE on 2023-02-08"), "\(missing.stderr)")
    }
}
