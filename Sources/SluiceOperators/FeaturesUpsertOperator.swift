import Columnar
import DeltaLake
import Factors
import Foundation
import SluiceCore

/// `features_upsert`: computes factor sets from bronze over the lookback they need and MERGEs the
/// run's date into silver on (ticker, date).
public enum FeaturesUpsertOperator {
    public static let descriptor = OperatorDescriptor(
        name: "features_upsert",
        summary: "Computes factor sets from bronze over a lookback and MERGEs the run's date into silver on (ticker, date).",
        details: """
        Reads only bronze's partitions in [D - lookback_days, D] (data skipping on the date
        partition), evaluates the sets (alpha158, alpha360, ta or a YAML file) with the earlier
        rows as history, and upserts the rows of date D. Finite-window sets (alpha158) give the
        values a computation over the whole history gives (to about 1e-13 relative: window sums are
        grouped by where the series starts) once the lookback covers their longest window; sets
        with unbounded memory (ta's OBV, EMA-based indicators) depend on the lookback. Re-running a
        date gives the same values bit for bit.
        """,
        arguments: [
            ArgumentSpec("bronze", .string, default: .string("lake/stockdata/bronze_market_data"), doc: "The bronze Delta table."),
            ArgumentSpec("silver", .string, default: .string("lake/stockdata/silver_features"), doc: "The silver Delta table."),
            ArgumentSpec("sets", .list(.string), default: .list([.string("alpha158")]), doc: "Factor sets: alpha158, alpha360, ta, or YAML files."),
            ArgumentSpec("lookback_days", .int, default: .int(120), doc: "Calendar days of history read before the run's date."),
        ],
        runner: Runner())

    struct Runner: TaskRunner {
        func run(_ context: TaskRunContext) async throws -> TaskResult {
            let bronze = context.arguments.string("bronze") ?? "lake/stockdata/bronze_market_data"
            let silver = context.arguments.string("silver") ?? "lake/stockdata/silver_features"
            let sets = context.arguments["sets"]?.listValue?.compactMap(\.stringValue) ?? ["alpha158"]
            let lookback = context.arguments.int("lookback_days") ?? 120
            guard lookback >= 0 else { throw TaskFailure("lookback_days must be 0 or more") }
            let day = context.runDay
            var factors: [(name: String, expression: String)] = []
            for name in sets { factors += try FactorSet.load(name).factors }
            let plan = try FactorPlan(factors: factors)
            // Bronze over the lookback, reading only the date partitions in range.
            let range = dateRange(day - Int32(lookback), day)
            let (batches, bronzeVersion) = try DateRange.read(bronze, range)
            guard bronzeVersion != nil else { throw TaskFailure("\(bronze): no Delta table there (ingest_delta creates it)") }
            guard batches.contains(where: { $0.rowCount > 0 }) else {
                return .skipped(reason: "bronze has no rows in \(range)")
            }
            let panel = try PanelLoader.panel(batches, source: bronze)
            var output: [RecordBatch] = []
            try FactorEngine(plan: plan).run(panel, from: day) { batch throws(FactorRunError) in
                // Only the run's date (rows after it cannot exist: bronze was read up to D).
                output.append(batch)
            }
            let rows = output.reduce(0) { $0 + $1.rowCount }
            guard rows > 0 else { return .skipped(reason: "bronze has no rows on \(TextFormat.date(days: Int64(day)))") }
            let target = context.table(silver, reads: ["bronze": bronze, "bronze_version": String(bronzeVersion!)])
            let result = try target.upsert(output.filter { $0.rowCount > 0 }, on: ["ticker", "date"], partitionBy: ["date"])
            context.log.line("\(rows) rows x \(plan.outputs.count) factors merged into \(silver) (version \(result.version.map(String.init) ?? "-")) from bronze version \(bronzeVersion.map(String.init) ?? "-")")
            return .success(.map([("rows", .int(Int64(rows))), ("factors", .int(Int64(plan.outputs.count))),
                                  ("bronze_version", bronzeVersion.map { .int($0) } ?? .null), ("silver_version", result.version.map { .int($0) } ?? .null)]))
        }
    }
}
