import Columnar
import DeltaLake
import Factors
import Foundation
import SluiceCore

/// `gold_build`: the training set. A row's label is the forward return of the same ticker over
/// its own next `horizon` rows (never across tickers); it enters gold only once known at the run's
/// date D (point in time), joined to that row's silver features, and is MERGEd on (ticker, date).
public enum GoldBuildOperator {
    public static let descriptor = OperatorDescriptor(
        name: "gold_build",
        summary: "Joins silver features with labels that have become known by the run's date and MERGEs them into gold.",
        details: """
        Labels come from bronze read up to D only, so a label is known exactly when the ticker's
        `horizon`-th next row exists by D. form: forward is close(t+h)/close(t) - 1; qlib is Qlib's
        Ref($close, -1 - h)/Ref($close, -1) - 1 (entering at the next open). Rows of the lookback
        whose labels are known are upserted, so re-running any date changes nothing.
        """,
        arguments: [
            ArgumentSpec("bronze", .string, default: .string("lake/stockdata/bronze_market_data"), doc: "The bronze table (prices)."),
            ArgumentSpec("silver", .string, default: .string("lake/stockdata/silver_features"), doc: "The silver table (features)."),
            ArgumentSpec("gold", .string, default: .string("lake/stockdata/gold_training_set"), doc: "The gold table."),
            ArgumentSpec("horizon", .int, default: .int(1), doc: "Label horizon in rows (trading days) of the same ticker."),
            ArgumentSpec("form", .string, default: .string("forward"), doc: "forward or qlib."),
            ArgumentSpec("lookback_days", .int, default: .int(30), doc: "Calendar days before D whose rows may have matured."),
        ],
        runner: Runner())

    struct Runner: TaskRunner {
        func run(_ context: TaskRunContext) async throws -> TaskResult {
            let arguments = context.arguments
            let horizon = arguments.int("horizon") ?? 1
            let form = arguments.string("form") ?? "forward"
            guard horizon >= 1 else { throw TaskFailure("horizon must be at least 1") }
            guard form == "forward" || form == "qlib" else { throw TaskFailure("form must be forward or qlib, not '\(form)'") }
            let lookback = arguments.int("lookback_days") ?? 30
            let day = context.runDay
            let from = day - Int32(lookback)
            let range = dateRange(from, day)
            // Labels from bronze up to D (nothing later can leak in).
            let bronzePath = arguments.string("bronze") ?? "lake/stockdata/bronze_market_data"
            let (bronze, bronzeVersion) = try DateRange.read(bronzePath, range)
            guard bronzeVersion != nil else { throw TaskFailure("\(bronzePath): no Delta table there (ingest_delta creates it)") }
            guard !bronze.isEmpty else { return .skipped(reason: "bronze has no rows in \(range)") }
            let expression = form == "forward" ? "Ref($close, -\(horizon)) / $close - 1" : "Ref($close, -\(1 + horizon)) / Ref($close, -1) - 1"
            var labels: [String: Double] = [:]
            try FactorEngine(plan: FactorPlan(factors: [("label", expression)])).run(try PanelLoader.panel(bronze)) { batch throws(FactorRunError) in
                guard case .float64(let values) = batch.columns[2] else { return }
                for row in 0 ..< batch.rowCount where !values.isNull(row) && values.value(at: row).isFinite {
                    labels[batch.columns[0].value(at: row).keyText + "|" + batch.columns[1].value(at: row).keyText] = values.value(at: row)
                }
            }
            // The silver rows whose labels are known, with the label appended.
            var rows: [RecordBatch] = []
            let silverPath = arguments.string("silver") ?? "lake/stockdata/silver_features"
            let (silverRows, silverVersion) = try DateRange.read(silverPath, range)
            for batch in silverRows {
                guard let tickers = batch.column(named: "ticker"), let dates = batch.column(named: "date") else { continue }
                var keep: [Int] = [], values: [Double] = []
                for row in 0 ..< batch.rowCount {
                    if let label = labels[tickers.value(at: row).keyText + "|" + dates.value(at: row).keyText] { keep.append(row); values.append(label) }
                }
                guard !keep.isEmpty else { continue }
                let taken = try batch.take(keep)
                rows.append(try RecordBatch(taken.schema.fields.indices.map { (taken.schema.fields[$0].name, taken.columns[$0]) }
                    + [("label", .float64(PrimitiveColumn(values)))]))
            }
            guard !rows.isEmpty else { return .skipped(reason: "no silver row in \(range) has a known label yet") }
            let target = context.table(arguments.string("gold") ?? "lake/stockdata/gold_training_set",
                                       reads: ["bronze": bronzePath, "bronze_version": String(bronzeVersion!), "silver": silverPath,
                                                "silver_version": silverVersion.map(String.init) ?? "-"])
            let result = try target.upsert(rows, on: ["ticker", "date"], partitionBy: ["date"])
            let count = rows.reduce(0) { $0 + $1.rowCount }
            context.log.line("\(count) labelled rows upserted into gold (version \(result.version.map(String.init) ?? "-"))")
            return .success(.map([("rows", .int(Int64(count))), ("gold_version", result.version.map { .int($0) } ?? .null)]))
        }
    }
}
