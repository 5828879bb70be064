import ArgumentParser
import Columnar
import DeltaLake
import Foundation
import Learning
import Parquet
import SluiceCore
import SluiceOperators
import Tracking

/// Where the CLI tracks: `--tracking-uri`, else `tracking.backend` / `tracking.uri` of the configuration.
enum TrackingChoice {
    static func backend(_ override: String?, _ global: GlobalOptions) throws -> any TrackingBackend {
        let config = try global.loadConfig()
        // As MLflow's MLFLOW_TRACKING_URI: the environment's SLUICE_TRACKING_URI wins over the file.
        let uri = override ?? ProcessInfo.processInfo.environment["SLUICE_TRACKING_URI"].flatMap { $0.isEmpty ? nil : $0 } ?? configuredURI(config)
        exportLightGBM(config)
        return try TrackingConnection.backend(uri, token: config.string("tracking", "token"))
    }

    /// The configuration's tracking URI (a folder resolved against the configuration, or a server).
    static func configuredURI(_ config: SluiceConfig) -> String {
        config.string("tracking", "backend") == "mlflow" ? config.string("tracking", "uri") : config.path("tracking", "uri")
    }

    /// Lets in-process operators find the configured tracking backend and LightGBM library.
    static func export(_ config: SluiceConfig) {
        TrackingConnection.export(uri: configuredURI(config), token: config.string("tracking", "token"))
        exportLightGBM(config)
    }

    /// `learning.lightgbm_library`, where LightGBM's loader looks first, unless the environment already names one.
    static func exportLightGBM(_ config: SluiceConfig) {
        let library = config.string("learning", "lightgbm_library")
        if !library.isEmpty, getenv("SLUICE_LIGHTGBM_LIBRARY") == nil { setenv("SLUICE_LIGHTGBM_LIBRARY", library, 1) }
    }
}

/// A training input: a Delta table (its rows and version, for lineage) or a Parquet/CSV file.
struct TrainingInput {
    var batches: [RecordBatch]
    var uri: String
    var version: Int64?
    var sourceType: String

    static func load(_ argument: String, _ global: GlobalOptions) throws -> TrainingInput {
        let path = try DeltaTarget.resolve(argument, global)
        if FileManager.default.fileExists(atPath: path + "/_delta_log") {
            let table = DeltaTable(path: path)
            let snapshot = try table.snapshot()
            return TrainingInput(batches: try TableScan(snapshot: snapshot).batches(storage: table.storage), uri: URL(fileURLWithPath: path).standardized.path,
                                 version: snapshot.version, sourceType: "delta")
        }
        return TrainingInput(batches: try InputFiles.batches(path, schema: nil), uri: URL(fileURLWithPath: path).standardized.path, version: nil,
                             sourceType: path.hasSuffix(".parquet") ? "parquet" : "csv")
    }

    /// Numeric columns other than the label, the date, the ticker and `excluded`.
    func numericColumns(excluding excluded: Set<String>) -> [String] {
        batches.first.map { LearningDataset.numericColumns(of: $0.schema, excluding: excluded) } ?? []
    }
}

/// `sluice train`: walk-forward grid search of XGBoost or LightGBM, every trial tracked, the best
/// refitted, saved in MLflow's format, and optionally registered.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "train", abstract: "Grid-search a gradient-boosted model by walk-forward CV, tracking every trial.")
    @OptionGroup var global: GlobalOptions
    @Option(help: "A Delta table (path or db.table) or a Parquet/CSV file.") var input: String
    @Option(help: "The label column.") var label: String
    @Option(help: "Feature columns, comma-separated (default: every numeric column but the label).") var features: String?
    @Option(help: "Columns to leave out of the features, comma-separated.") var exclude: String?
    @Option(help: "The date column (walk-forward folds and cross-sectional metrics).") var dateColumn = "date"
    @Option(help: "xgboost or lightgbm.") var model = "xgboost"
    @Option(help: "Parameter grid, e.g. \"max_depth=3,5;eta=0.05,0.1;n_estimators=100,200\".") var grid: String
    @Option(help: "walk-forward (the only cross-validation offered: random splits leak the future).") var cv = "walk-forward"
    @Option(help: "Walk-forward folds.") var folds = 3
    @Option(help: "Dates dropped between training and test (at least the label horizon).") var purgeDays = 1
    @Option(help: "Extra dates dropped after the purge.") var embargoDays = 0
    @Option(help: "A sliding training window of this many dates (default: expanding).") var slidingDates: Int?
    @Option(help: "The metric that picks the best trial: rank_ic, ic, icir, rank_icir, long_short, rmse, mae.") var select = "rank_ic"
    @Option(help: "The experiment to track the runs in.") var experiment: String
    @Option(help: "Register the best model under this name.") var register: String?
    @Option(help: "Tracking URI (a folder, or http://host:port of an MLflow server); default from scheduler.yaml.") var trackingUri: String?
    @Option(help: "Threads (0: one per processor).") var threads = 0
    @Flag(help: "Print the seconds the work took (and its parts) to stderr, for benchmarks.") var timing = false

    func run() throws {
        guard cv == "walk-forward" else {
            Terminal.error("error: --cv must be walk-forward (random splits of time series leak the future into training)")
            throw ExitCode(2)
        }
        guard let kind = ModelKind(rawValue: model) else {
            Terminal.error("error: --model must be xgboost or lightgbm, not '\(model)'")
            throw ExitCode(2)
        }
        try reportingErrors(timing: timing) {
            let clock = ContinuousClock()
            var mark = clock.now
            func lap(_ label: String) {
                guard timing else { return }
                let elapsed = clock.now - mark
                Terminal.error(String(format: "%@ %.3f s", label, elapsed.seconds))
                mark = clock.now
            }
            let tracking = try TrackingChoice.backend(trackingUri, global)
            let source = try TrainingInput.load(input, global)
            let excluded = Set((exclude ?? "").split(separator: ",").map(String.init)).union([label, dateColumn, "ticker"])
            let featureNames = features.map { $0.split(separator: ",").map(String.init) } ?? source.numericColumns(excluding: excluded)
            let data = try LearningDataset(batches: source.batches, features: featureNames, label: label, date: dateColumn)
            lap("data preparation")
            let search = try GridSearch(grid: ParameterGrid.parse(grid), model: kind,
                                        validation: WalkForward(folds: folds, window: slidingDates.map { .sliding(dates: $0) } ?? .expanding,
                                                                purgeDays: purgeDays, embargoDays: embargoDays),
                                        selection: select, threads: threads)
            let result = try search.run(data)
            lap("grid search and refit")
            let report = try TrainingReport.track(result, kind: kind, data: data, source: TrainingSource(uri: source.uri, version: source.version, sourceType: source.sourceType), tracking: tracking, experiment: experiment,
                                                  settings: ["grid": grid, "model": model, "cv": cv, "folds": String(folds), "purge_days": String(purgeDays),
                                                             "embargo_days": String(embargoDays), "select": select, "label": label])
            var version: ModelVersion?
            if let register {
                try tracking.registerModel(name: register)
                version = try tracking.createModelVersion(name: register, runID: report.parentRunID, artifactPath: "model", tags: report.lineage)
            }
            let best = result.trials[result.best]
            let parameters = best.parameters.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            Terminal.output("best trial \(result.best + 1) of \(result.trials.count): \(parameters)\n")
            Terminal.output(Evaluation.metricNames.map { String(format: "  %@ %.6f", $0, best.metrics[$0] ?? .nan) }.joined(separator: "\n") + "\n")
            Terminal.output("run \(report.parentRunID) in experiment \(experiment) (refit on all \(data.rowCount) rows, \(result.refitRounds) rounds)\n")
            if let version { Terminal.output("registered \(version.name) version \(version.version)\n") }
            lap("tracking and registry")
        }
    }
}

/// `sluice predict`: scores an input with a model from the registry (`models:/NAME@champion`,
/// `models:/NAME/Production`, `models:/NAME/3`), a run (`runs:/RUN_ID/model`) or a local MLflow
/// model directory, into Parquet (ticker and date when the input has them, then `score`).
struct PredictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "predict", abstract: "Score an input with a registered or local model.")
    @OptionGroup var global: GlobalOptions
    @Option(help: "models:/NAME@ALIAS, models:/NAME/STAGE, models:/NAME/VERSION, runs:/RUN_ID/PATH, or a model directory.") var model: String
    @Option(help: "A Delta table (path or db.table) or a Parquet/CSV file with the model's feature columns.") var input: String
    @Option(help: "The output .parquet file.") var output: String
    @Option(help: "The tracking URI (default from scheduler.yaml).") var trackingUri: String?

    func run() throws {
        try reportingErrors {
            var directory = model
            var temporary: String?
            if model.hasPrefix("models:/") || model.hasPrefix("runs:/") {
                let local = NSTemporaryDirectory() + "sluice-predict-\(UUID().uuidString)"
                temporary = local
                directory = try TrackingChoice.backend(trackingUri, global).downloadModel(model, to: local)
            }
            defer { if let temporary { try? FileManager.default.removeItem(atPath: temporary) } }
            let loaded = try SavedModel.load(directory)
            let source = try TrainingInput.load(input, global)
            let data = try LearningDataset(scoring: source.batches, features: loaded.featureNames)
            let scores = try loaded.model.predict(data)
            try ScoreOutput.write(scores, batches: source.batches, to: output)
            Terminal.output("\(scores.count) rows scored with \(loaded.kind.rawValue) (\(loaded.featureNames.count) features) -> \(output)\n")
        }
    }
}

/// Writes scores beside the input's ticker and date columns.
enum ScoreOutput {
    static func write(_ scores: [Float], batches: [RecordBatch], to path: String) throws {
        var named: [(String, Column)] = []
        let rows = batches.reduce(0) { $0 + $1.rowCount }
        for key in ["ticker", "date"] where batches.first?.column(named: key) != nil {
            named.append((key, try Column.concatenate(batches.map { $0.column(named: key)! })))
        }
        guard scores.count == rows else { throw LearningError("\(scores.count) scores for \(rows) rows") }
        named.append(("score", .float64(PrimitiveColumn(scores.map { Double($0) }))))
        let batch = try RecordBatch(named)
        let writer = try ParquetFileWriter(path: path, schema: batch.schema)
        try writer.write(batch)
        try writer.close()
    }
}
