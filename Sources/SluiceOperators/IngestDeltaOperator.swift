import Columnar
import DeltaLake
import Foundation
import Parquet
import SluiceCore

/// `ingest_delta`: loads the run's day of bars (landing Parquet files) into the bronze Delta
/// table partitioned by date, replacing exactly that date's partition in one atomic commit, after
/// data-quality checks; failing rows either fail the task (nothing is written) or go to a
/// quarantine table with their reason.
public enum IngestDeltaOperator {
    public static let descriptor = OperatorDescriptor(
        name: "ingest_delta",
        summary: "Loads the run's day of bars into the bronze Delta table (that date's partition replaced), after data-quality checks.",
        details: """
        Checks every row: a missing field (null or NaN), a non-positive price, high below low, a
        (ticker, date) key seen twice, a date other than the run's. With quality: fail, any bad row
        fails the task and no table changes. With quality: quarantine, bad rows go to the
        quarantine table (with a reason column) and the rest to bronze; both tables have the run's
        date partition replaced, so re-running a date leaves them as they were.
        """,
        arguments: [
            ArgumentSpec("source", .string, required: true, doc: "A Parquet or CSV file or a folder of them (templated, e.g. lake/landing/market/date={{ ds }})."),
            ArgumentSpec("columns", .map(.string), default: .map([]), doc: "Source column names for bronze's, e.g. {ticker: Name} (default: matched case-insensitively)."),
            ArgumentSpec("only_run_date", .bool, default: .bool(false), doc: "Keep only the rows dated the run's date (files holding many dates), instead of quarantining the others as stale."),
            ArgumentSpec("table", .string, default: .string("lake/stockdata/bronze_market_data"), doc: "The bronze Delta table's path."),
            ArgumentSpec("quality", .string, default: .string("quarantine"), doc: "fail or quarantine."),
            ArgumentSpec("quarantine_table", .string, doc: "Where quarantined rows go (default: TABLE_quarantine)."),
        ],
        runner: Runner())

    struct Runner: TaskRunner {
        func run(_ context: TaskRunContext) async throws -> TaskResult {
            let source = context.arguments.string("source") ?? ""
            let table = context.arguments.string("table") ?? "lake/stockdata/bronze_market_data"
            let policy = context.arguments.string("quality") ?? "quarantine"
            guard policy == "fail" || policy == "quarantine" else { throw TaskFailure("quality must be fail or quarantine, not '\(policy)'") }
            let quarantineTable = context.arguments.string("quarantine_table") ?? table + "_quarantine"
            let day = context.runDay
            let dayText = TextFormat.date(days: Int64(day))
            let mapping = Dictionary(context.arguments.stringMap("columns").map { ($0.key.lowercased(), $0.value) }) { $1 }
            var batch = try BarFiles.read(source, mapping: mapping)
            if context.arguments.bool("only_run_date") ?? false { batch = try BarFiles.rows(of: day, in: batch) }
            let (good, bad, reasons) = try BarQuality.split(batch, day: day)
            if !reasons.isEmpty {
                let summary = BarQuality.summary(reasons)
                guard policy == "quarantine" else {
                    throw TaskFailure("\(source): \(reasons.count) of \(batch.rowCount) rows fail the data-quality checks (\(summary)); nothing was written")
                }
                context.log.line("quarantining \(reasons.count) rows: \(summary)")
            }
            // The quarantine first: if bronze then fails, a re-run rewrites both.
            // Quarantined rows are partitioned by the run's date (a stale row keeps its own date
            // column), so re-running the date replaces exactly what the last run quarantined.
            if policy == "quarantine" {
                let reasonColumn = Column.binary(BinaryColumn(reasons.map(Optional.some)))
                let runDate = Column.int32(PrimitiveColumn([Int32](repeating: day, count: bad.rowCount), type: .date32))
                let quarantined = try RecordBatch(bad.schema.fields.indices.map { (bad.schema.fields[$0].name, bad.columns[$0]) }
                    + [("reason", reasonColumn), ("run_date", runDate)])
                if quarantined.rowCount > 0 || FileManager.default.fileExists(atPath: quarantineTable + "/_delta_log") {
                    _ = try PartitionReplace.write(context.table(quarantineTable, reads: ["source": source]), rows: quarantined, column: "run_date", day: day)
                }
            }
            let result = try PartitionReplace.write(context.table(table, reads: ["source": source]), rows: good, column: "date", day: day)
            context.log.line("\(good.rowCount) rows of \(dayText) into \(table) (version \(result.version.map(String.init) ?? "-"))")
            return .success(.map([("rows", .int(Int64(good.rowCount))), ("quarantined", .int(Int64(reasons.count))),
                                  ("version", result.version.map { .int($0) } ?? .null)]))
        }
    }
}

/// The data-quality rules for daily bars.
enum BarQuality {
    /// The rows that pass, the rows that fail, and each failing row's reason.
    static func split(_ batch: RecordBatch, day: Int32) throws -> (good: RecordBatch, bad: RecordBatch, reasons: [String]) {
        func number(_ name: String, _ row: Int) -> Double? {
            guard let column = batch.column(named: name), !column.isNull(row) else { return nil }
            switch column.value(at: row) {
            case .double(let v): return v.isNaN ? nil : v
            case .float(let v): return v.isNaN ? nil : Double(v)
            case .int(let v): return Double(v)
            default: return nil
            }
        }
        let tickers = batch.column(named: "ticker")!, dates = batch.column(named: "date")!
        var keyCount: [String: Int] = [:]
        for row in 0 ..< batch.rowCount {
            let key = "\(tickers.isNull(row) ? "" : tickers.value(at: row).keyText)|\(dates.isNull(row) ? "" : dates.value(at: row).keyText)"
            keyCount[key, default: 0] += 1
        }
        var goodRows: [Int] = [], badRows: [Int] = [], reasons: [String] = []
        for row in 0 ..< batch.rowCount {
            var problems: [String] = []
            let prices = ["open", "high", "low", "close"].map { ($0, number($0, row)) }
            let missing = (prices.filter { $0.1 == nil }.map(\.0) + (number("volume", row) == nil ? ["volume"] : []) + (tickers.isNull(row) ? ["ticker"] : []))
            if !missing.isEmpty { problems.append("missing \(missing.joined(separator: ","))") }
            if prices.contains(where: { ($0.1 ?? 1) <= 0 }) { problems.append("non-positive price") }
            if let high = number("high", row), let low = number("low", row), high < low { problems.append("high below low") }
            let key = "\(tickers.isNull(row) ? "" : tickers.value(at: row).keyText)|\(dates.isNull(row) ? "" : dates.value(at: row).keyText)"
            if keyCount[key, default: 0] > 1 { problems.append("duplicate key") }
            if dates.isNull(row) { problems.append("missing date") } else if case .date(let d) = dates.value(at: row), d != day {
                problems.append("stale date \(TextFormat.date(days: Int64(d)))")
            }
            if problems.isEmpty { goodRows.append(row) } else { badRows.append(row); reasons.append(problems.joined(separator: "; ")) }
        }
        return (try batch.take(goodRows), try batch.take(badRows), reasons)
    }

    /// Counts by reason, for messages.
    static func summary(_ reasons: [String]) -> String {
        var counts: [String: Int] = [:]
        for reason in reasons { for part in reason.split(separator: ";") { counts[part.trimmingCharacters(in: .whitespaces).components(separatedBy: " 20").first ?? "", default: 0] += 1 } }
        return counts.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
    }
}
