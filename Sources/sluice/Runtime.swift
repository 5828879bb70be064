import ArgumentParser
import Foundation
import SluiceCore
import SluiceMetadata
import SluiceScheduler

/// What commands that touch the metadata database share: configuration, the store, the DAGs.
struct Runtime {
    let config: SluiceConfig
    let store: MetadataStore
    let registry: OperatorRegistry

    init(_ options: GlobalOptions) throws {
        config = try options.loadConfig()
        registry = options.registry(config)
        for problem in options.pluginProblems(config) { Terminal.error("warning: plugin not loaded: \(problem.description)") }
        TrackingChoice.export(config)
        // Plugins and operators read the lake root from the environment, as they do the tracking URI.
        if getenv("SLUICE_LAKE_ROOT") == nil { setenv("SLUICE_LAKE_ROOT", config.path("lake", "root"), 1) }
        do {
            store = try MetadataStore(path: config.path("metadata", "database"))
        } catch {
            Terminal.error("error: \(error.message)")
            throw ExitCode(2)
        }
    }

    var loader: DagFileLoader { DagFileLoader(registry: registry, defaultTimezone: config.defaultTimezone) }

    /// Parses the DAG folder and records it in the store (problems go to stderr, not fatal).
    @discardableResult
    func syncDags(quiet: Bool = false) throws -> DagBag {
        let bag = DagBag.load(paths: [config.dagsFolder], loader: loader)
        try store.syncDags(bag)
        if !quiet, !bag.importErrors.isEmpty {
            Terminal.error("warning: \(bag.importErrors.count) DAG file(s) failed to load (see 'sluice dags validate'):")
            for file in bag.importErrors.keys.sorted() { Terminal.error("  " + bag.importErrors[file]!) }
        }
        return bag
    }

    /// The DAG's current definition, or a one-line error naming close matches.
    func dag(_ dagID: String, bag: DagBag) throws -> DagDefinition {
        if let dag = bag.dags[dagID] { return dag }
        Terminal.error("error: no DAG '\(dagID)'\(Spelling.didYouMean(dagID, among: bag.dags.keys))")
        throw ExitCode(1)
    }

    func run(_ dagID: String, _ runID: String) throws -> DagRunRow {
        if let run = try store.run(dagID: dagID, runID: runID) { return run }
        let known = (try? store.runs(dagID: dagID, limit: 50).map(\.runID)) ?? []
        Terminal.error("error: DAG '\(dagID)' has no run '\(runID)'\(Spelling.didYouMean(runID, among: known))")
        throw ExitCode(1)
    }

    func makeScheduler(parallelism: Int? = nil, parseFolder: Bool) -> Scheduler {
        makeScheduler(parallelism: parallelism, parseFolder: parseFolder, executor: nil)
    }

    /// The executor `executor.kind` names: local threads, or remote workers (whose signals an API
    /// server in the same process shares).
    func makeExecutor(parallelism: Int? = nil, remoteSignals: (ChangeSignal, ChangeSignal)? = nil) -> any Executor {
        let p = parallelism ?? config.int("executor", "parallelism")
        guard config.string("executor", "kind") == "remote" else {
            return LocalExecutor(registry: registry, store: store, parallelism: p)
        }
        let options = RemoteExecutorOptions(parallelism: p, heartbeatTimeout: config.seconds("executor", "worker_heartbeat_timeout"))
        if let (queued, reports) = remoteSignals {
            return RemoteExecutor(store: store, options: options, workQueued: queued, reportsArrived: reports)
        }
        return RemoteExecutor(store: store, options: options)
    }

    func makeScheduler(parallelism: Int? = nil, parseFolder: Bool, executor: (any Executor)?) -> Scheduler {
        let p = parallelism ?? config.int("executor", "parallelism")
        let executor = executor ?? LocalExecutor(registry: registry, store: store, parallelism: p)
        let options = SchedulerOptions(parallelism: p, heartbeatInterval: config.seconds("scheduler", "heartbeat_interval"),
                                       deadAfter: config.seconds("scheduler", "dead_after"),
                                       logFolder: config.path("logging", "base_log_folder"),
                                       dagsFolder: parseFolder ? config.dagsFolder : nil, loader: loader)
        return Scheduler(store: store, executor: executor, registry: registry, options: options)
    }
}

/// Dates on the command line: `2024-01-31`, `2024-01-31T09:30`, with or without an offset,
/// read in the DAG's time zone.
func parseDate(_ text: String, zone: TimeZone, flag: String) throws -> Date {
    if let date = DateTimeText.parse(text, zone: zone) { return date }
    Terminal.error("error: \(flag) '\(text)' is not a date (expected YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS][Z|±HH:MM])")
    throw ExitCode(2)
}

/// ISO-8601 in UTC with microseconds, the format of every timestamp in `--json` output.
func isoMicros(_ date: Date?) -> Value {
    date.map { .string($0.utcText()) } ?? .null
}
