import Columnar
import DeltaLake
import CSluiceSystem
import Foundation
import Learning
import SluiceCore
import Tracking

/// `train_grid_search`: walk-forward grid search on gold, pinned at the Delta version read (logged
/// as the run's input dataset), every trial a child run, the refitted best model logged in MLflow's
/// format. Trains on a cadence (daily, weekly, monthly) so daily runs stay fast.
public enum TrainGridSearchOperator {
    public static let descriptor = OperatorDescriptor(
        name: "train_grid_search",
        summary: "Grid-searches a gradient-boosted model on gold by walk-forward CV at a pinned Delta version, tracking every trial.",
        details: """
        Point in time: only gold rows whose label was known at the run's date D are used (dates
        before D, less horizon - 1 more), the last `window_dates` of them. Features are every
        numeric column but the label (and `exclude`). The search and its tracking are those of
        `sluice train`; the parent run carries the gold table's path and version, the dates trained
        on and the metrics of the best trial on its walk-forward test folds (out of sample).
        Retraining follows `every`: daily, weekly (Mondays) or monthly (the first weekday of its
        month); with `model_name`, a model that has no version yet is trained on any date. Skipped on other dates and while gold has fewer than
        `min_dates` usable dates. A date this DAG already trained for (a finished run tagged with
        the DAG and date) returns that run instead of training again, so clearing and re-running
        the task repeats the date's decision. Returns {run_id, metric, value, gold_version, rows, dates}.
        """,
        arguments: [
            ArgumentSpec("gold", .string, default: .string("lake/stockdata/gold_training_set"), doc: "The gold Delta table."),
            ArgumentSpec("experiment", .string, default: .string("quant_daily"), doc: "The experiment the runs go to."),
            ArgumentSpec("model", .string, default: .string("xgboost"), allowed: ["xgboost", "lightgbm"], doc: "xgboost or lightgbm."),
            ArgumentSpec("grid", .string, default: .string("max_depth=3,5;eta=0.1;n_estimators=60"), doc: "Parameter grid (as `sluice train --grid`)."),
            ArgumentSpec("label", .string, default: .string("label"), doc: "The label column."),
            ArgumentSpec("exclude", .list(.string), default: .list([]), doc: "Numeric columns that are not features."),
            ArgumentSpec("folds", .int, default: .int(3), doc: "Walk-forward folds."),
            ArgumentSpec("purge_days", .int, default: .int(1), doc: "Dates dropped between training and test (at least the horizon)."),
            ArgumentSpec("embargo_days", .int, default: .int(0), doc: "Extra dates dropped after the purge."),
            ArgumentSpec("window_dates", .int, default: .int(120), doc: "Train on the last N usable dates (0: all, an expanding window)."),
            ArgumentSpec("horizon", .int, default: .int(1), doc: "The label's horizon in dates (rows of the last horizon - 1 dates before D are not yet known)."),
            ArgumentSpec("select", .string, default: .string("rank_ic"), doc: "The metric that picks the best trial."),
            ArgumentSpec("every", .string, default: .string("weekly"), allowed: ["daily", "weekly", "monthly"], doc: "Retraining cadence."),
            ArgumentSpec("model_name", .string, default: .string(""), doc: "A registered model: while it has no version, train whatever the cadence."),
            ArgumentSpec("min_dates", .int, default: .int(20), doc: "Skip while gold has fewer usable dates."),
            ArgumentSpec("threads", .int, default: .int(0), doc: "Threads (0: one per processor)."),
            ArgumentSpec("parallel_trials", .int, default: .int(1),
                         doc: "Trials trained side by side (each with its own fold matrices): 1 keeps peak memory to one set, each trial using every thread."),
            ArgumentSpec("tracking_uri", .string, default: .string(""), doc: "Tracking URI (default: SLUICE_TRACKING_URI, i.e. the configuration's)."),
        ],
        runner: Runner())

    struct Runner: TaskRunner {
        func run(_ context: TaskRunContext) async throws -> TaskResult {
            let arguments = context.arguments
            let day = context.runDay
            let every = arguments.string("every") ?? "weekly"
            let tracking = try TrackingConnection.backend(arguments.string("tracking_uri"))
            let experiment = arguments.string("experiment") ?? "quant_daily"
            if let earlier = try TrackingLedger.trainingRun(tracking, experiment: experiment, dagID: context.dagID, runDate: context.runDate) {
                // A re-run of this date returns what the date trained (training again would compete
                // against champions crowned later).
                let select = earlier.params["select"] ?? "rank_ic"
                context.log.line("\(context.dagID) already trained for \(context.runDate): run \(earlier.info.id)")
                return .success(.map([("run_id", .string(earlier.info.id)), ("experiment", .string(experiment)), ("metric", .string(select)),
                                      ("value", earlier.metrics[select].map(Value.double) ?? .null),
                                      ("gold_version", earlier.tags["sluice.training_table_version"].flatMap(Int64.init).map(Value.int) ?? .null),
                                      ("reused", .bool(true))]))
            }
            let modelName = arguments.string("model_name") ?? ""
            let untrained = !modelName.isEmpty && ((try? tracking.modelVersions(name: modelName))?.isEmpty ?? true)
            if !untrained, !Cadence.isRetrainingDay(day, every: every) {
                return .skipped(reason: "\(context.runDate) is not a retraining day (every: \(every))")
            }
            guard let kind = ModelKind(rawValue: arguments.string("model") ?? "xgboost") else { throw TaskFailure("model must be xgboost or lightgbm") }
            let horizon = arguments.int("horizon") ?? 1, window = arguments.int("window_dates") ?? 120, minDates = arguments.int("min_dates") ?? 20
            guard horizon >= 1, window >= 0, minDates >= 1 else { throw TaskFailure("horizon and min_dates must be at least 1, window_dates at least 0") }
            let goldPath = arguments.string("gold") ?? "lake/stockdata/gold_training_set"
            let gold = DeltaTable(path: goldPath)
            guard let snapshot = try gold.latestSnapshotIfExists() else { return .skipped(reason: "\(goldPath) does not exist yet") }
            // The usable dates: before D, less the last horizon - 1 (their labels end after D).
            let partitionDates = Set(TableScan(snapshot: snapshot).files(matching: nil).compactMap { $0.partitionValues["date"] ?? nil })
            var dates = partitionDates.compactMap(CalendarDays.parse).filter { $0 < day }.sorted()
            dates.removeLast(min(dates.count, horizon - 1))
            if window > 0, dates.count > window { dates.removeFirst(dates.count - window) }
            guard dates.count >= minDates else {
                return .skipped(reason: "gold has \(dates.count) usable dates before \(context.runDate), fewer than min_dates \(minDates)")
            }
            let label = arguments.string("label") ?? "label"
            let data = try Self.dataset(snapshot: snapshot, storage: gold.storage, dates: dates, label: label, excluded: arguments.stringList("exclude"), table: goldPath)
            let grid = arguments.string("grid") ?? ""
            let folds = arguments.int("folds") ?? 3, purge = arguments.int("purge_days") ?? 1, embargo = arguments.int("embargo_days") ?? 0
            let select = arguments.string("select") ?? "rank_ic"
            let validation = try WalkForward(folds: folds, purgeDays: purge, embargoDays: embargo)
            do {
                _ = try validation.folds(dateCount: dates.count)
            } catch {
                return .skipped(reason: "not enough gold dates yet: \(error.message)")
            }
            let search = try GridSearch(grid: ParameterGrid.parse(grid), model: kind, validation: validation,
                                        selection: select, threads: arguments.int("threads") ?? 0, parallelTrials: arguments.int("parallel_trials") ?? 1)
            let result = try search.run(data)
            defer { _ = sluice_release_free_memory() }  // hand the search's freed matrices back: a scheduler lives on for the next dates
            let first = TextFormat.date(days: Int64(dates.first!)), last = TextFormat.date(days: Int64(dates.last!))
            let source = TrainingSource(uri: URL(fileURLWithPath: goldPath).standardized.path, version: snapshot.version, sourceType: "delta",
                                        lineage: ["trained_from": first, "trained_to": last, "trained_dates": String(dates.count), "run_date": context.runDate,
                                                  "dag_id": context.dagID, "dag_run_id": context.runID])
            let report = try TrainingReport.track(result, kind: kind, data: data, source: source, tracking: tracking, experiment: experiment,
                                                  settings: ["grid": grid, "model": kind.rawValue, "folds": String(folds), "purge_days": String(purge),
                                                             "embargo_days": String(embargo), "select": select, "label": label,
                                                             "window_dates": String(window), "horizon": String(horizon)])
            let best = result.trials[result.best]
            let value = best.metrics[select] ?? .nan
            context.log.line(String(format: "trial %d of %d best by %@ (%.6f) on %d rows over %d dates (%@..%@) of gold version %lld; run %@",
                                    result.best + 1, result.trials.count, select, value, data.rowCount, dates.count, first, last, snapshot.version, report.parentRunID))
            return .success(.map([("run_id", .string(report.parentRunID)), ("experiment", .string(experiment)), ("metric", .string(select)),
                                  ("value", .double(value)), ("gold_version", .int(snapshot.version)), ("rows", .int(Int64(data.rowCount))),
                                  ("dates", .int(Int64(dates.count)))]))
        }
    }
}

extension TrainGridSearchOperator.Runner {
    /// Gold's rows of `dates` as a training set; the Delta batches are released when it returns.
    static func dataset(snapshot: Snapshot, storage: any DeltaStorage, dates: [Int32], label: String, excluded: [String], table: String) throws -> LearningDataset {
        let batches = try DateRange.read(snapshot: snapshot, storage: storage, dateRange(dates.first!, dates.last!))
        let features = batches.first.map { LearningDataset.numericColumns(of: $0.schema, excluding: Set(excluded).union([label, "date", "ticker"])) } ?? []
        guard !features.isEmpty else { throw TaskFailure("\(table) has no numeric feature columns besides \(label)") }
        return try LearningDataset(batches: batches, features: features, label: label, date: "date")
    }
}

/// When retraining happens, decided from the run's date alone (so re-runs and backfills agree).
enum Cadence {
    static func isRetrainingDay(_ day: Int32, every: String) -> Bool {
        let weekday = Int((day + 3) % 7)  // 1970-01-01 was a Thursday; 0 = Monday
        switch every {
        case "daily": return true
        case "weekly": return weekday == 0
        default:
            // Monthly: no earlier weekday in the same month.
            let month = TextFormat.date(days: Int64(day)).prefix(7)
            var earlier = day - 1
            while TextFormat.date(days: Int64(earlier)).prefix(7) == month {
                if isWeekday(earlier) { return false }
                earlier -= 1
            }
            return isWeekday(day)
        }
    }

    static func isWeekday(_ day: Int32) -> Bool { (day + 3) % 7 < 5 }
}
