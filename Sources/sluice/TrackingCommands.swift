import ArgumentParser
import Foundation
import Learning
import SluiceCore
import Tracking

/// Tracked runs as tables and JSON.
enum TrackedRuns {
    static func json(_ run: Run) -> Value {
        func object(_ values: [String: Value]) -> Value { .map(values.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }) }
        let inputs = run.inputs.map { input in
            object(["name": .string(input.name), "digest": .string(input.digest), "source_type": .string(input.sourceType),
                    "source": .string(input.source), "context": .string(input.context)])
        }
        return .map([
            ("run_id", .string(run.info.id)), ("experiment_id", .string(run.info.experimentID)), ("name", .string(run.info.name)),
            ("status", .string(run.info.status.rawValue)), ("start_time", .int(run.info.startTime)), ("end_time", run.info.endTime.map { .int($0) } ?? .null),
            ("artifact_uri", .string(run.info.artifactURI)), ("parent_run_id", run.parentRunID.map { .string($0) } ?? .null),
            ("params", object(run.params.mapValues { .string($0) })), ("metrics", object(run.metrics.mapValues { .double($0) })),
            ("tags", object(run.tags.mapValues { .string($0) })), ("inputs", .list(inputs)),
        ])
    }

    static func list(experiment: String, orderBy: String?, limit: Int, json: Bool, trackingURI: String?, _ options: GlobalOptions) throws {
        let tracking = try TrackingChoice.backend(trackingURI, options)
        guard let found = try tracking.experiments().first(where: { $0.name == experiment }) else {
            throw TrackingError(.notFound, "no experiment '\(experiment)'")
        }
        let runs = Array(try tracking.searchRuns(experimentIDs: [found.id], orderBy: orderBy).prefix(limit))
        if json {
            print(Value.list(runs.map(Self.json)).jsonText(pretty: true))
            return
        }
        let metricNames = Array(Set(runs.flatMap { $0.metrics.keys }).filter { !$0.hasPrefix("fold_") }).sorted().prefix(4)
        let rows = runs.map { run in
            [run.info.id, run.info.name, run.info.status.rawValue, run.parentRunID.map { String($0.prefix(8)) } ?? "-"]
                + metricNames.map { name in run.metrics[name].map { String(format: "%.6f", $0) } ?? "-" }
        }
        print(Terminal.table(["run_id", "name", "status", "parent"] + metricNames, rows))
    }
}

/// `sluice runs show RUN_ID`: one tracked run with its params, metrics, tags and inputs.
struct RunsShow: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show a tracked run: params, metrics, tags, input datasets.")
    @OptionGroup var options: GlobalOptions
    @Argument(help: "The run id.") var runID: String
    @Option(help: "The tracking URI (default from scheduler.yaml).") var trackingUri: String?

    func run() throws {
        try reportingErrors {
            let run = try TrackingChoice.backend(trackingUri, options).run(runID)
            print(TrackedRuns.json(run).jsonText(pretty: true))
        }
    }
}

/// `sluice experiments list`.
struct ExperimentsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "experiments", abstract: "Tracked experiments.", subcommands: [ExperimentsList.self])
}

struct ExperimentsList: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List experiments.")
    @OptionGroup var options: GlobalOptions
    @Option(help: "The tracking URI (default from scheduler.yaml).") var trackingUri: String?

    func run() throws {
        try reportingErrors {
            let experiments = try TrackingChoice.backend(trackingUri, options).experiments()
            print(Terminal.table(["id", "name", "artifact_location"], experiments.map { [$0.id, $0.name, $0.artifactLocation] }))
        }
    }
}

/// `sluice models list|versions|stage|alias`: the model registry.
struct ModelsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "models", abstract: "The model registry: versions, stages, aliases.",
                                                    subcommands: [ModelsList.self, ModelsVersions.self, ModelsStage.self, ModelsAlias.self])
}

struct ModelsList: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List registered models.")
    @OptionGroup var options: GlobalOptions
    @Option(help: "The tracking URI (default from scheduler.yaml).") var trackingUri: String?

    func run() throws {
        try reportingErrors {
            for name in try TrackingChoice.backend(trackingUri, options).registeredModels() { print(name) }
        }
    }
}

struct ModelsVersions: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "versions", abstract: "List a model's versions with stages, aliases and lineage.")
    @OptionGroup var options: GlobalOptions
    @Argument(help: "The registered model.") var name: String
    @Option(help: "The tracking URI (default from scheduler.yaml).") var trackingUri: String?

    func run() throws {
        try reportingErrors {
            let versions = try TrackingChoice.backend(trackingUri, options).modelVersions(name: name)
            print(Terminal.table(["version", "stage", "aliases", "run_id", "training_table", "table_version"], versions.map { v in
                [String(v.version), v.stage.rawValue, v.aliases.joined(separator: ","), v.runID, v.tags["training_table"] ?? "-", v.tags["training_table_version"] ?? "-"]
            }))
        }
    }
}

struct ModelsStage: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "stage", abstract: "Move a version to None, Staging, Production or Archived.")
    @OptionGroup var options: GlobalOptions
    @Argument(help: "The registered model.") var name: String
    @Argument(help: "The version.") var version: Int
    @Argument(help: "None, Staging, Production or Archived.") var stage: String
    @Flag(help: "Archive the versions already in that stage.") var archiveExisting = false
    @Option(help: "The tracking URI (default from scheduler.yaml).") var trackingUri: String?

    func run() throws {
        guard let target = ModelStage(text: stage) else {
            Terminal.error("error: stage must be None, Staging, Production or Archived, not '\(stage)'")
            throw ExitCode(2)
        }
        try reportingErrors {
            let updated = try TrackingChoice.backend(trackingUri, options).transition(name: name, version: version, to: target, archiveExisting: archiveExisting)
            print("\(updated.name) version \(updated.version): \(updated.stage.rawValue)")
        }
    }
}

struct ModelsAlias: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "alias", abstract: "Point an alias (champion, challenger) at a version.")
    @OptionGroup var options: GlobalOptions
    @Argument(help: "The registered model.") var name: String
    @Argument(help: "The alias.") var alias: String
    @Argument(help: "The version.") var version: Int
    @Option(help: "The tracking URI (default from scheduler.yaml).") var trackingUri: String?

    func run() throws {
        try reportingErrors {
            try TrackingChoice.backend(trackingUri, options).setAlias(name: name, alias: alias, version: version)
            print("\(name)@\(alias) -> version \(version)")
        }
    }
}
