import Foundation
import Learning
import SluiceCore
import Tracking

/// `register_model`: a training run's logged model becomes a version of a registered model,
/// carrying the run's lineage tags. Registering the same run again returns its existing version.
public enum RegisterModelOperator {
    public static let descriptor = OperatorDescriptor(
        name: "register_model",
        summary: "Registers a training run's model as a new version of a registered model (idempotent per run).",
        details: """
        The version's tags copy the run's `sluice.*` lineage (the gold table and version it trained
        on, the dates, the feature hash). A run already registered under the name returns that
        version instead of a duplicate. Returns {name, version, run_id}.
        """,
        arguments: [
            ArgumentSpec("name", .string, required: true, doc: "The registered model's name."),
            ArgumentSpec("run_id", .string, required: true, doc: "The training run, e.g. \"{{ xcom('train').run_id }}\"."),
            ArgumentSpec("artifact_path", .string, default: .string("model"), doc: "The model's path inside the run's artifacts."),
            ArgumentSpec("tracking_uri", .string, default: .string(""), doc: "Tracking URI (default: SLUICE_TRACKING_URI, i.e. the configuration's)."),
        ],
        runner: Runner())

    struct Runner: TaskRunner {
        func run(_ context: TaskRunContext) async throws -> TaskResult {
            let name = context.arguments.string("name") ?? "", runID = context.arguments.string("run_id") ?? ""
            guard !name.isEmpty, !runID.isEmpty else { throw TaskFailure("register_model needs a name and a run_id") }
            let tracking = try TrackingConnection.backend(context.arguments.string("tracking_uri"))
            let run = try tracking.run(runID)
            try tracking.registerModel(name: name)
            let version: ModelVersion
            if let existing = try tracking.modelVersions(name: name).first(where: { $0.runID == runID }) {
                version = existing
                context.log.line("run \(runID) is already version \(existing.version) of \(name)")
            } else {
                // The run's `sluice.KEY` lineage tags become the version's KEY tags (as `sluice train --register` sets them).
                var lineage: [String: String] = [:]
                for (key, value) in run.tags where key.hasPrefix("sluice.") && key != "sluice.kind" && key != "sluice.version" { lineage[String(key.dropFirst("sluice.".count))] = value }
                version = try tracking.createModelVersion(name: name, runID: runID, artifactPath: context.arguments.string("artifact_path") ?? "model", tags: lineage)
                context.log.line("registered \(name) version \(version.version) from run \(runID)")
            }
            return .success(.map([("name", .string(name)), ("version", .int(Int64(version.version))), ("run_id", .string(runID))]))
        }
    }
}

/// `promote_model`: the candidate goes to Staging (alias `challenger`); it becomes the champion
/// (Production, alias `champion`, the previous Production version archived) only when its
/// out-of-sample metric beats the current champion's by the margin. The decision is tracked.
public enum PromoteModelOperator {
    public static let descriptor = OperatorDescriptor(
        name: "promote_model",
        summary: "Stages a candidate version and promotes it to champion when its out-of-sample metric beats the champion's by a margin.",
        details: """
        The metric is read from each version's training run: the best trial's mean over its
        walk-forward test folds (out of sample). Higher is better except for rmse and mae. With no
        champion yet, the candidate becomes champion. Every decision is logged as a run in
        `experiment` (both versions, both metrics, the margin, the outcome and the run's date);
        re-running for a version already decided returns that decision and changes nothing, and
        `batch_inference` reads this log to find the champion as of a date. Returns {decision, champion, candidate,
        candidate_metric, champion_metric}.
        """,
        arguments: [
            ArgumentSpec("name", .string, required: true, doc: "The registered model's name."),
            ArgumentSpec("version", .int, required: true, doc: "The candidate, e.g. \"{{ xcom('register').version }}\"."),
            ArgumentSpec("metric", .string, default: .string("rank_ic"), doc: "The training run metric compared."),
            ArgumentSpec("margin", .number, default: .double(0), doc: "How much better than the champion the candidate must be."),
            ArgumentSpec("experiment", .string, default: .string("quant_daily_promotions"), doc: "Where the decisions are logged."),
            ArgumentSpec("tracking_uri", .string, default: .string(""), doc: "Tracking URI (default: SLUICE_TRACKING_URI, i.e. the configuration's)."),
        ],
        runner: Runner())

    struct Runner: TaskRunner {
        func run(_ context: TaskRunContext) async throws -> TaskResult {
            let arguments = context.arguments
            let name = arguments.string("name") ?? ""
            guard let number = arguments.int("version") else { throw TaskFailure("promote_model needs a version") }
            let metric = arguments.string("metric") ?? "rank_ic", margin = arguments.double("margin") ?? 0
            guard margin >= 0 else { throw TaskFailure("margin must be 0 or more, not \(margin)") }
            let tracking = try TrackingConnection.backend(arguments.string("tracking_uri"))
            let versions = try tracking.modelVersions(name: name)
            guard let candidate = versions.first(where: { $0.version == number }) else {
                throw TaskFailure("model '\(name)' has no version \(number) (versions: \(versions.map { String($0.version) }.joined(separator: ", ")))")
            }
            let experimentName = arguments.string("experiment") ?? "quant_daily_promotions"
            if let earlier = try TrackingLedger.promotions(tracking, experiment: experimentName, model: name)
                .first(where: { $0.params["candidate_version"] == String(number) }), let outcome = earlier.params["decision"] {
                // Decided before: a re-run must not compare against champions crowned since.
                context.log.line("\(name) version \(number) was decided before (\(outcome), run \(earlier.info.id))")
                return .success(decision(outcome, candidate: number, champion: earlier.params["champion_version"].flatMap(Int.init),
                                         candidateMetric: earlier.metrics["candidate_\(metric)"], championMetric: earlier.metrics["champion_\(metric)"]))
            }
            let champion = versions.first { $0.aliases.contains("champion") }
            if champion?.version == number {
                context.log.line("\(name) version \(number) is already the champion")
                return .success(decision("already champion", candidate: number, champion: number, candidateMetric: nil, championMetric: nil))
            }
            func value(_ version: ModelVersion) throws -> Double {
                guard let value = try tracking.run(version.runID).metrics[metric], value.isFinite else {
                    throw TaskFailure("the training run \(version.runID) of \(name) version \(version.version) has no finite metric '\(metric)'")
                }
                return value
            }
            let candidateMetric = try value(candidate)
            let championMetric = try champion.map(value)
            let lowerIsBetter = metric == "rmse" || metric == "mae"
            let wins = championMetric.map { lowerIsBetter ? candidateMetric < $0 - margin : candidateMetric > $0 + margin } ?? true
            _ = try tracking.transition(name: name, version: number, to: wins ? .production : .staging, archiveExisting: true)
            try tracking.setAlias(name: name, alias: wins ? "champion" : "challenger", version: number)
            let outcome = wins ? (champion == nil ? "first champion" : "promoted") : "kept champion"
            let experiment = try tracking.experiment(named: experimentName)
            let run = try tracking.createRun(experimentID: experiment.id, name: "promote-\(name)-v\(number)", parentRunID: nil,
                                             tags: ["sluice.kind": "promotion", "sluice.dag_id": context.dagID, "sluice.dag_run_id": context.runID,
                                                    "sluice.run_date": context.runDate])
            var params = ["model": name, "candidate_version": String(number), "metric": metric, "margin": String(margin), "decision": outcome]
            if wins { params["champion_version"] = String(number) } else if let champion { params["champion_version"] = String(champion.version) }
            if let champion { params["previous_champion_version"] = String(champion.version) }
            var metrics = [Metric(key: "candidate_\(metric)", value: candidateMetric)]
            if let championMetric { metrics.append(Metric(key: "champion_\(metric)", value: championMetric)) }
            try tracking.log(runID: run.id, params: params, metrics: metrics, tags: [:])
            try tracking.finish(runID: run.id, status: .finished)
            context.log.line(String(format: "%@ v%d %@ %.6f vs champion %@: %@", name, number, metric, candidateMetric,
                                    championMetric.map { String(format: "v%d %.6f", champion!.version, $0) } ?? "none", outcome))
            return .success(decision(outcome, candidate: number, champion: wins ? number : champion?.version,
                                     candidateMetric: candidateMetric, championMetric: championMetric))
        }

        func decision(_ outcome: String, candidate: Int, champion: Int?, candidateMetric: Double?, championMetric: Double?) -> Value {
            .map([("decision", .string(outcome)), ("candidate", .int(Int64(candidate))), ("champion", champion.map { .int(Int64($0)) } ?? .null),
                  ("candidate_metric", candidateMetric.map(Value.double) ?? .null), ("champion_metric", championMetric.map(Value.double) ?? .null)])
        }
    }
}
