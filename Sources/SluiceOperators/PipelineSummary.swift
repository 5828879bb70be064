import Columnar
import DeltaLake
import Foundation
import Tracking

/// The reference pipeline's state in a few lines: its tables and versions, the champion and its
/// metrics, the last date's top signals, the realised out-of-sample quality of all signals so far,
/// and the newest report.
public enum PipelineSummary {
    public static func render(tables root: String, model: String, reports: String, tracking: any TrackingBackend, top: Int = 10) throws -> String {
        var out = "tables\n"
        for name in ["bronze_market_data", "bronze_market_data_quarantine", "silver_features", "gold_training_set", "signals"] {
            let table = DeltaTable(path: root + "/" + name)
            guard let snapshot = try table.latestSnapshotIfExists() else {
                out += "  \(name.padding(toLength: 30, withPad: " ", startingAt: 0)) (none)\n"
                continue
            }
            let files = snapshot.files
            let dates = Set(files.compactMap { ($0.partitionValues["date"] ?? nil) ?? ($0.partitionValues["run_date"] ?? nil) }).sorted()
            let rows = files.compactMap(\.numRecords).reduce(0, +)
            out += "  \(name.padding(toLength: 30, withPad: " ", startingAt: 0)) version \(snapshot.version), \(rows) rows, \(snapshot.fields.count) columns"
                + (dates.isEmpty ? "" : ", \(dates.count) dates \(dates.first!)..\(dates.last!)") + "\n"
        }
        // The champion and its training run's out-of-sample (walk-forward test) metrics.
        if let champion = try? tracking.modelVersion(for: "models:/\(model)@champion") {
            let run = try tracking.run(champion.runID)
            let metrics = ["rank_ic", "ic", "rank_icir", "icir", "long_short", "rmse"].compactMap { key in run.metrics[key].map { String(format: "%@ %.4f", key, $0) } }
            let versions = try tracking.modelVersions(name: model)
            out += "\nchampion: \(model) version \(champion.version) of \(versions.count) (\(champion.stage.rawValue)), run \(champion.runID)\n"
            out += "  trained on gold version \(champion.tags["training_table_version"] ?? "?") over \(champion.tags["trained_from"] ?? "?")..\(champion.tags["trained_to"] ?? "?") "
                + "(\(champion.tags["trained_dates"] ?? "?") dates); best trial: "
                + run.params.filter { $0.key.hasPrefix("best.") }.sorted { $0.key < $1.key }.map { "\($0.key.dropFirst(5))=\($0.value)" }.joined(separator: " ") + "\n"
            out += "  walk-forward test folds: " + metrics.joined(separator: ", ") + "\n"
        } else {
            out += "\nchampion: none yet for \(model)\n"
        }
        // Signals: the last date's top names, and every date's realised quality.
        let signalsTable = DeltaTable(path: root + "/signals")
        if let snapshot = try signalsTable.latestSnapshotIfExists() {
            let batches = try TableScan(snapshot: snapshot).batches(storage: signalsTable.storage)
            let signals = try SignalRows(batches, table: root + "/signals")
            if let last = signals.rows.map(\.date).max() {
                let best = signals.rows.filter { $0.date == last }.sorted { $0.score != $1.score ? $0.score > $1.score : $0.ticker < $1.ticker }
                out += "\ntop \(min(top, best.count)) signals of \(TextFormat.date(days: Int64(last))) (of \(best.count)):\n"
                for (k, row) in best.prefix(top).enumerated() {
                    out += String(format: "  %2d  %@  score %+.6f  decile %lld  %@\n", k + 1, row.ticker, row.score, row.decile, row.side)
                }
            }
            let bronze = DeltaTable(path: root + "/bronze_market_data")
            let closes = try TableScan(snapshot: try bronze.snapshot(), columns: ["ticker", "date", "close"]).batches(storage: bronze.storage)
            let days = SignalEvaluation.days(signals.rows, returns: try RealisedReturns(closes, table: root + "/bronze_market_data"))
            if !days.isEmpty {
                let summary = SignalSummary(days)
                out += String(format: "\nout of sample (signals against the next day's realised returns, %d dates):\n", days.count)
                out += String(format: "  RankIC %.4f (RankICIR %.3f), IC %.4f, decile spread %.4f%%/day, long-short cumulative %+.2f%%, Sharpe %.2f, max drawdown %.2f%%, turnover %.2f\n",
                              summary.rankIC, summary.rankICIR, summary.ic, summary.decileSpread * 100, summary.cumulativeLongShort * 100,
                              summary.sharpe, summary.maxDrawdown * 100, summary.turnover)
            }
        } else {
            out += "\nno signals yet\n"
        }
        let pages = ((try? FileManager.default.contentsOfDirectory(atPath: reports)) ?? []).filter { $0.hasPrefix("signal_report_") && $0.hasSuffix(".html") }.sorted()
        out += "\nreport: " + (pages.last.map { reports + "/" + $0 } ?? "none yet in \(reports)") + "\n"
        return out
    }
}
