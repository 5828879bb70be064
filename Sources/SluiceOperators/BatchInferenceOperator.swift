import Columnar
import DeltaLake
import Foundation
import Learning
import SluiceCore
import Tracking

/// `batch_inference`: scores the run's date of silver with the champion model and writes trading
/// signals (rank, decile, side, and the model and silver versions behind them) to a Delta table,
/// replacing exactly that date. Skipped, not failed, while the model URI names no version yet.
public enum BatchInferenceOperator {
    public static let descriptor = OperatorDescriptor(
        name: "batch_inference",
        summary: "Scores the run's date of silver with models:/NAME@champion and writes signals (rank, decile, side) for that date.",
        details: """
        Signals columns: date, ticker, score, rank (1 = highest score; ties by ticker), decile
        (10 = top: 10 - floor((rank - 1) * 10 / n)), side (long for decile 10, short for decile 1,
        else flat), model_name, model_version, silver_version. The date's partition is replaced
        in one commit, so re-running a date leaves one copy. `@champion` means the champion on the
        run's date as promote_model's decision log records it, so re-running an old date scores it
        with the model that scored it then (not one crowned since). Downloaded models are cached by
        name, version and run under the system temporary folder.
        """,
        arguments: [
            ArgumentSpec("model", .string, default: .string("models:/quant_alpha158_xgb@champion"), doc: "models:/NAME@ALIAS, models:/NAME/STAGE or models:/NAME/VERSION."),
            ArgumentSpec("as_of", .string, default: .string("ledger"), allowed: ["ledger", "current"],
                         doc: "For @champion: ledger is the champion on the run's date by promote_model's log (the alias when nothing was logged); current is the alias now."),
            ArgumentSpec("promotions_experiment", .string, default: .string("quant_daily_promotions"), doc: "Where promote_model logs its decisions."),
            ArgumentSpec("silver", .string, default: .string("lake/stockdata/silver_features"), doc: "The silver table (features)."),
            ArgumentSpec("signals", .string, default: .string("lake/stockdata/signals"), doc: "The signals table."),
            ArgumentSpec("tracking_uri", .string, default: .string(""), doc: "Tracking URI (default: SLUICE_TRACKING_URI, i.e. the configuration's)."),
        ],
        runner: Runner())

    struct Runner: TaskRunner {
        func run(_ context: TaskRunContext) async throws -> TaskResult {
            let uri = context.arguments.string("model") ?? "models:/quant_alpha158_xgb@champion"
            let tracking = try TrackingConnection.backend(context.arguments.string("tracking_uri"))
            let version: ModelVersion
            do {
                guard let named = try ChampionAsOf.resolve(uri, context: context, tracking: tracking) else {
                    return .skipped(reason: "\(uri) had no version on \(context.runDate)")
                }
                version = named
            } catch let error as TrackingError where error.kind == .notFound {
                return .skipped(reason: "no model yet: \(error.message)")
            }
            let model = try ModelCache.load(version, tracking: tracking)
            let day = context.runDay
            let silverPath = context.arguments.string("silver") ?? "lake/stockdata/silver_features"
            let (batches, silverRead) = try DateRange.read(silverPath, dateRange(day, day))
            guard let latestSilver = silverRead else { throw TaskFailure("\(silverPath): no Delta table there (features_upsert creates it)") }
            guard !batches.isEmpty else { return .skipped(reason: "silver has no rows on \(context.runDate)") }
            let scores = try model.model.predict(try LearningDataset(scoring: batches, features: model.featureNames))
            // The silver version that last wrote this date (stable when later dates are added).
            let silverVersion = try DeltaTable(path: silverPath).lastChange(ofPartition: ["date": context.runDate], atOrBefore: latestSilver) ?? latestSilver
            guard batches.allSatisfy({ $0.column(named: "ticker") != nil }) else {
                throw TaskFailure("\(silverPath): silver needs a ticker column (it has \(batches[0].schema.names.joined(separator: ", ")))")
            }
            let tickers = try Column.concatenate(batches.map { $0.column(named: "ticker")! })
            let signals = try Signals.batch(day: day, tickers: (0 ..< tickers.count).map { tickers.value(at: $0).keyText }, scores: scores.map(Double.init),
                                            model: version, silverVersion: silverVersion)
            let path = context.arguments.string("signals") ?? "lake/stockdata/signals"
            let reads = ["model": version.name, "model_version": String(version.version), "model_run_id": version.runID, "silver": silverPath, "silver_version": String(silverVersion)]
            let result = try PartitionReplace.write(context.table(path, reads: reads), rows: signals, column: "date", day: day)
            context.log.line("\(signals.rowCount) signals from \(version.name) v\(version.version) on silver version \(silverVersion) written to \(path) (version \(result.version.map(String.init) ?? "-"))")
            return .success(.map([("rows", .int(Int64(signals.rowCount))), ("model_version", .int(Int64(version.version))),
                                  ("silver_version", .int(silverVersion)), ("signals_version", result.version.map { .int($0) } ?? .null)]))
        }
    }
}

/// The signals rows of one date: rank, decile and side from the scores.
enum Signals {
    static func batch(day: Int32, tickers: [String], scores: [Double], model: ModelVersion, silverVersion: Int64) throws -> RecordBatch {
        let n = scores.count
        // Highest score first; NaN scores last; ties by ticker so the order is reproducible.
        let order = (0 ..< n).sorted { a, b in
            let x = scores[a].isNaN ? -Double.infinity : scores[a], y = scores[b].isNaN ? -Double.infinity : scores[b]
            return x != y ? x > y : tickers[a] < tickers[b]
        }
        var rank = [Int64](repeating: 0, count: n), decile = [Int64](repeating: 0, count: n)
        for (position, row) in order.enumerated() {
            rank[row] = Int64(position + 1)
            decile[row] = Int64(10 - position * 10 / n)
        }
        let side = decile.map { $0 == 10 ? "long" : $0 == 1 ? "short" : "flat" }
        return try RecordBatch([
            ("date", .int32(PrimitiveColumn([Int32](repeating: day, count: n), type: .date32))),
            ("ticker", .binary(BinaryColumn(tickers))),
            ("score", .float64(PrimitiveColumn(scores))),
            ("rank", .int64(PrimitiveColumn(rank))),
            ("decile", .int64(PrimitiveColumn(decile))),
            ("side", .binary(BinaryColumn(side))),
            ("model_name", .binary(BinaryColumn([String](repeating: model.name, count: n)))),
            ("model_version", .int64(PrimitiveColumn([Int64](repeating: Int64(model.version), count: n)))),
            ("silver_version", .int64(PrimitiveColumn([Int64](repeating: silverVersion, count: n)))),
        ])
    }
}

/// Registered models downloaded once per (name, version, run) and loaded from the local copy after.
enum ModelCache {
    static func load(_ version: ModelVersion, tracking: any TrackingBackend) throws -> SavedModel {
        let safe = version.name.map { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" ? $0 : "_" }
        let folder = NSTemporaryDirectory() + "sluice-models/\(String(safe))-v\(version.version)-\(version.runID)"
        if !FileManager.default.fileExists(atPath: folder + "/MLmodel") {
            let staging = folder + ".part-\(UUID().uuidString)"
            defer { try? FileManager.default.removeItem(atPath: staging) }
            try FileManager.default.createDirectory(atPath: staging, withIntermediateDirectories: true)
            let directory = try tracking.downloadModel("models:/\(version.name)/\(version.version)", to: staging)
            guard directory == staging else { return try SavedModel.load(directory) }
            // Another process may have finished first; either copy is the same model.
            if rename(staging, folder) != 0, !FileManager.default.fileExists(atPath: folder + "/MLmodel") {
                return try SavedModel.load(staging)
            }
        }
        return try SavedModel.load(folder)
    }
}

/// Which version a model URI means for a run: `models:/NAME@champion` is read as of the run's date.
enum ChampionAsOf {
    static func resolve(_ uri: String, context: TaskRunContext, tracking: any TrackingBackend) throws -> ModelVersion? {
        guard uri.hasPrefix("models:/"), uri.hasSuffix("@champion"), context.arguments.string("as_of") != "current" else {
            guard let version = try tracking.modelVersion(for: uri) else { throw TaskFailure("\(uri) names no registered version (use models:/...)") }
            return version
        }
        let name = String(uri.dropFirst("models:/".count).dropLast("@champion".count))
        let experiment = context.arguments.string("promotions_experiment") ?? "quant_daily_promotions"
        let logged = try TrackingLedger.promotions(tracking, experiment: experiment, model: name)
        guard !logged.isEmpty else { return try tracking.modelVersion(for: uri) }
        guard let number = try TrackingLedger.champion(tracking, experiment: experiment, model: name, asOf: context.runDate) else { return nil }
        guard let version = try tracking.modelVersions(name: name).first(where: { $0.version == number }) else {
            throw TaskFailure("the promotion log of \(name) names version \(number), which the registry does not have")
        }
        return version
    }
}
