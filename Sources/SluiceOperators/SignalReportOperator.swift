import Columnar
import DeltaLake
import Foundation
import Learning
import SluiceCore
import Tracking

/// `signal_report`: how the signals of the last `window_days` fared against the returns they
/// predicted, as a self-contained HTML report written to the reports folder and logged to tracking.
public enum SignalReportOperator {
    public static let descriptor = OperatorDescriptor(
        name: "signal_report",
        summary: "Evaluates signals against realised returns (IC, RankIC, long-short, Sharpe, turnover, drawdown) into an HTML report logged to tracking.",
        details: """
        For the run's date D, signals and bronze closes are read over [D - window_days, D] (those
        partitions only). A signal of date t is judged by its ticker's realised return: the close at
        the same ticker's next bronze date over the close at t, minus 1, so dates whose next close
        is not known by D are left out. Per date: IC (Pearson of score and return), RankIC (Spearman,
        ties averaged), decile spread (decile 10 minus decile 1) and long-short (side long minus
        short). Over the window: their means, ICIR, the compounded long-short return, its annualised
        Sharpe, turnover of the long book and the long-short curve's maximum drawdown. The report
        goes to REPORTS/signal_report_D.html and to a tracking run `signal-report-D` (metrics,
        params, the page under artifact path `report`). Skipped while there is no signals table or
        no signal date in the window with a known return. Returns the summary metrics, the report's
        path and the run id.
        """,
        arguments: [
            ArgumentSpec("signals", .string, default: .string("lake/stockdata/signals"), doc: "The signals table (batch_inference writes it)."),
            ArgumentSpec("bronze", .string, default: .string("lake/stockdata/bronze_market_data"), doc: "The bronze table (closes)."),
            ArgumentSpec("window_days", .int, default: .int(60), doc: "Calendar days before D whose signals are evaluated."),
            ArgumentSpec("reports", .string, default: .string("lake/reports"), doc: "The folder the HTML report is written to."),
            ArgumentSpec("report_experiment", .string, default: .string("quant_daily_reports"), doc: "The experiment the report's run goes to."),
            ArgumentSpec("tracking_uri", .string, default: .string(""), doc: "Tracking URI (default: SLUICE_TRACKING_URI, i.e. the configuration's)."),
        ],
        runner: Runner())

    struct Runner: TaskRunner {
        func run(_ context: TaskRunContext) async throws -> TaskResult {
            let arguments = context.arguments
            let window = arguments.int("window_days") ?? 60
            guard window >= 1 else { throw TaskFailure("window_days must be at least 1") }
            let day = context.runDay
            let range = dateRange(day - Int32(window), day)
            let signalsPath = arguments.string("signals") ?? "lake/stockdata/signals"
            let (signalBatches, signalsVersion) = try DateRange.read(signalsPath, range)
            guard let signalsVersion else { return .skipped(reason: "\(signalsPath) does not exist yet (batch_inference creates it)") }
            // Closes up to D only: a return is known exactly when the ticker's next row exists by D.
            let bronzePath = arguments.string("bronze") ?? "lake/stockdata/bronze_market_data"
            let (bronze, bronzeVersion) = try DateRange.read(bronzePath, range)
            guard let bronzeVersion else { throw TaskFailure("\(bronzePath): no Delta table there (ingest_delta creates it)") }
            let signals = try SignalRows(signalBatches, table: signalsPath)
            let days = SignalEvaluation.days(signals.rows, returns: try RealisedReturns(bronze, table: bronzePath))
            guard !days.isEmpty else { return .skipped(reason: "no signal date in \(range) has a realised return known by \(context.runDate)") }
            let report = SignalReport(runDate: context.runDate, windowDays: window, signals: (signalsPath, signalsVersion),
                                      bronze: (bronzePath, bronzeVersion), models: signals.models, days: days, summary: SignalSummary(days))

            let reports = LocalStorage(root: arguments.string("reports") ?? "lake/reports")
            let name = "signal_report_\(context.runDate).html"
            let html = Array(report.html.utf8)
            try reports.makeDirectories("")
            try reports.replace(name, html)  // temp file + rename: readers never see half a page
            let path = reports.localPath(name)
            let runID = try track(report, html: html, name: name, context: context)
            context.log.line("signal report for \(days.count) dates over \(range): \(path) (run \(runID))")
            let metrics = report.summary.metrics.map { ($0.name, $0.value.isFinite ? Value.double($0.value) : .null) }
            return .success(.map(metrics + [("dates", .int(Int64(days.count))), ("report", .string(path)), ("run_id", .string(runID))]))
        }

        /// A run `signal-report-D` with the finite summary metrics, the inputs as params and the page as artifact `report`.
        func track(_ report: SignalReport, html: [UInt8], name: String, context: TaskRunContext) throws -> String {
            let tracking = try TrackingConnection.backend(context.arguments.string("tracking_uri"))
            let experiment = try tracking.experiment(named: context.arguments.string("report_experiment") ?? "quant_daily_reports")
            let run = try tracking.createRun(experimentID: experiment.id, name: "signal-report-\(report.runDate)", parentRunID: nil,
                                             tags: ["sluice.kind": "signal-report", "sluice.version": SluiceVersion.current,
                                                    "sluice.dag_id": context.dagID, "sluice.dag_run_id": context.runID])
            do {
                let metrics = report.summary.metrics.filter { $0.value.isFinite }.map { Metric(key: $0.name, value: $0.value) }
                    + [Metric(key: "dates", value: Double(report.days.count))]
                try tracking.log(runID: run.id, params: ["window_days": String(report.windowDays), "date": report.runDate,
                                                         "signals_table": report.signals.path, "signals_version": String(report.signals.version),
                                                         "bronze_table": report.bronze.path, "bronze_version": String(report.bronze.version)],
                                 metrics: metrics, tags: [:])
                let directory = NSTemporaryDirectory() + "sluice-report-\(UUID().uuidString)"
                defer { try? FileManager.default.removeItem(atPath: directory) }
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
                try Data(html).write(to: URL(fileURLWithPath: directory + "/" + name))
                try tracking.uploadArtifacts(runID: run.id, from: directory, to: "report")
                try tracking.finish(runID: run.id, status: .finished)
                return run.id
            } catch {
                try? tracking.finish(runID: run.id, status: .failed)
                throw error
            }
        }
    }
}

/// What the report shows: its inputs, the per-date numbers and the window's summary.
struct SignalReport {
    var runDate: String
    var windowDays: Int
    var signals: (path: String, version: Int64)
    var bronze: (path: String, version: Int64)
    /// The models the signals came from (`NAME vVERSION`).
    var models: [String]
    var days: [SignalDay]
    var summary: SignalSummary
}

/// One signal: a ticker's score on a date, its decile and its side of the book.
struct SignalRow {
    var date: Int32
    var ticker: String
    var score: Double
    var decile: Int64
    var side: String
}

/// The rows of a signals table (those with a score), and the models that wrote them.
struct SignalRows {
    var rows: [SignalRow] = []
    var models: [String] = []

    init(_ batches: [RecordBatch], table: String) throws {
        var models: Set<String> = []
        for batch in batches {
            guard let date = batch.column(named: "date"), let ticker = batch.column(named: "ticker"), let score = batch.column(named: "score"),
                  let decile = batch.column(named: "decile"), let side = batch.column(named: "side") else {
                throw TaskFailure("\(table): signals need columns date, ticker, score, decile and side (it has \(batch.schema.names.joined(separator: ", ")))")
            }
            let name = batch.column(named: "model_name"), version = batch.column(named: "model_version")
            for row in 0 ..< batch.rowCount {
                guard case .date(let day) = date.value(at: row), case .string(let symbol) = ticker.value(at: row),
                      let value = NumericCell.number(score, row), value.isFinite else { continue }
                rows.append(SignalRow(date: day, ticker: symbol, score: value, decile: NumericCell.number(decile, row).map { Int64($0) } ?? 0,
                                      side: side.value(at: row).keyText))
                if let name { models.insert(name.value(at: row).keyText + (version.map { " v" + $0.value(at: row).keyText } ?? "")) }
            }
        }
        self.models = models.sorted()
    }
}

/// Each ticker's return from a bronze date to its own next bronze date (never across tickers).
struct RealisedReturns {
    private var returns: [String: [Int32: Double]] = [:]

    init(_ batches: [RecordBatch], table: String) throws {
        var closes: [String: [(day: Int32, close: Double?)]] = [:]
        for batch in batches {
            guard let date = batch.column(named: "date"), let ticker = batch.column(named: "ticker"), let close = batch.column(named: "close") else {
                throw TaskFailure("\(table): bronze needs columns date, ticker and close (it has \(batch.schema.names.joined(separator: ", ")))")
            }
            for row in 0 ..< batch.rowCount {
                guard case .date(let day) = date.value(at: row), case .string(let symbol) = ticker.value(at: row) else { continue }
                closes[symbol, default: []].append((day, NumericCell.number(close, row)))
            }
        }
        for (ticker, series) in closes {
            let sorted = series.sorted { $0.day < $1.day }
            for (now, next) in zip(sorted, sorted.dropFirst()) {
                guard let a = now.close, let b = next.close, a > 0 else { continue }
                returns[ticker, default: [:]][now.day] = b / a - 1
            }
        }
    }

    /// The realised return of a signal on `day`, nil while the ticker's next close is unknown.
    func of(_ ticker: String, on day: Int32) -> Double? { returns[ticker]?[day] }
}

/// Reading numbers of any numeric column type.
enum NumericCell {
    static func number(_ column: Column, _ row: Int) -> Double? {
        switch column.value(at: row) {
        case .double(let v): v
        case .float(let v): Double(v)
        case .int(let v): Double(v)
        case .uint(let v): Double(v)
        default: nil
        }
    }
}

/// One evaluated signal date; a metric is NaN where it is undefined (fewer than two returns, a
/// constant score or return, an empty decile or side).
struct SignalDay {
    var date: Int32
    /// Signals of the date whose return is known.
    var count: Int
    var ic: Double
    var rankIC: Double
    var decileSpread: Double
    var longShort: Double
    /// The fraction of the long book new since the previous evaluated date (NaN on the first).
    var turnover: Double
}

enum SignalEvaluation {
    /// The dates having at least one signal with a known return, in order.
    static func days(_ rows: [SignalRow], returns: RealisedReturns) -> [SignalDay] {
        var byDate: [Int32: [SignalRow]] = [:]
        for row in rows { byDate[row.date, default: []].append(row) }
        var days: [SignalDay] = []
        var previousLongs: Set<String>?
        for date in byDate.keys.sorted() {
            let signals = byDate[date]!
            let known = signals.compactMap { row in returns.of(row.ticker, on: date).map { (signal: row, realised: $0) } }
            guard !known.isEmpty else { continue }
            let scores = known.map(\.signal.score), realised = known.map(\.realised)
            func meanReturn(_ keep: (SignalRow) -> Bool) -> Double { SampleStatistics.mean(known.filter { keep($0.signal) }.map(\.realised)) }
            // The book is what the signals say, whether or not each name's return is known.
            let longs = Set(signals.filter { $0.side == "long" }.map(\.ticker))
            var turnover = Double.nan
            if let previousLongs, !longs.isEmpty { turnover = 1 - Double(longs.intersection(previousLongs).count) / Double(longs.count) }
            previousLongs = longs
            days.append(SignalDay(date: date, count: known.count, ic: SampleStatistics.pearson(scores, realised),
                                  rankIC: SampleStatistics.pearson(SampleStatistics.averageRanks(scores), SampleStatistics.averageRanks(realised)),
                                  decileSpread: meanReturn { $0.decile == 10 } - meanReturn { $0.decile == 1 },
                                  longShort: meanReturn { $0.side == "long" } - meanReturn { $0.side == "short" }, turnover: turnover))
        }
        return days
    }
}

/// The window's numbers; each averages the dates where its daily value is defined.
struct SignalSummary {
    var ic, rankIC, icir, rankICIR, decileSpread, longShort: Double
    /// Π(1 + long-short) - 1 over the dates.
    var cumulativeLongShort: Double
    /// Annualised: mean / std (ddof 1) of the daily long-short, times √252; NaN under two dates.
    var sharpe: Double
    var turnover: Double
    /// The largest fall of the compounded long-short curve (starting at 1) from a peak, as a fraction of the peak.
    var maxDrawdown: Double
    /// The compounded long-short return after each date (NaN before the first long-short).
    var cumulative: [Double] = []
    /// Each date's mean RankIC over it and the `rollingDates - 1` dates before it.
    var rollingRankIC: [Double]
    static let rollingDates = 5

    init(_ days: [SignalDay]) {
        let ics = days.map(\.ic).filter(\.isFinite), rankICs = days.map(\.rankIC).filter(\.isFinite)
        let longShorts = days.map(\.longShort).filter(\.isFinite)
        ic = SampleStatistics.mean(ics)
        rankIC = SampleStatistics.mean(rankICs)
        icir = ic / SampleStatistics.std(ics)
        rankICIR = rankIC / SampleStatistics.std(rankICs)
        decileSpread = SampleStatistics.mean(days.map(\.decileSpread).filter(\.isFinite))
        longShort = SampleStatistics.mean(longShorts)
        sharpe = longShort / SampleStatistics.std(longShorts) * 252.0.squareRoot()
        turnover = SampleStatistics.mean(days.map(\.turnover).filter(\.isFinite))
        var wealth = 1.0, peak = 1.0, drawdown = 0.0, started = false
        for day in days {
            if day.longShort.isFinite {
                wealth *= 1 + day.longShort
                peak = max(peak, wealth)
                drawdown = max(drawdown, 1 - wealth / peak)
                started = true
            }
            cumulative.append(started ? wealth - 1 : .nan)
        }
        cumulativeLongShort = started ? wealth - 1 : .nan
        maxDrawdown = started ? drawdown : .nan
        rollingRankIC = days.indices.map { k in SampleStatistics.mean(days[max(0, k - Self.rollingDates + 1) ... k].map(\.rankIC).filter(\.isFinite)) }
    }

    /// The metrics under the names tracked and returned (NaN where undefined).
    var metrics: [(name: String, value: Double)] {
        [("ic", ic), ("rank_ic", rankIC), ("icir", icir), ("rank_icir", rankICIR), ("decile_spread", decileSpread), ("long_short_mean", longShort),
         ("cumulative_long_short", cumulativeLongShort), ("sharpe", sharpe), ("turnover", turnover), ("max_drawdown", maxDrawdown)]
    }
}

/// The report's statistics: Learning's, with a Pearson correlation that is NaN (not nil) when undefined.
enum SampleStatistics {
    static func mean(_ v: [Double]) -> Double { Metrics.mean(v) }
    static func std(_ v: [Double]) -> Double { Metrics.std(v) }
    static func pearson(_ a: [Double], _ b: [Double]) -> Double { a.count >= 2 ? Metrics.pearson(a, b) ?? .nan : .nan }
    static func averageRanks(_ v: [Double]) -> [Double] { Metrics.averageRanks(v) }
}
