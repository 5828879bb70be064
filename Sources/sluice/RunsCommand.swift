import ArgumentParser
import Foundation
import SluiceCore
import SluiceMetadata

/// `sluice runs list`.
struct RunsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "runs", abstract: "Inspect DAG runs, and tracked training runs (--experiment).",
                                                    subcommands: [RunsList.self, RunsShow.self])
}

struct RunsList: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List runs, newest logical date first.")
    @OptionGroup var options: GlobalOptions
    @Option(help: "Only this DAG.") var dag: String?
    @Option(help: "Only runs in this state (queued, running, success, failed).") var state: String?
    @Option(help: "At most this many runs.") var limit = 100
    @Flag(help: "Print a JSON array (stable format, see docs/cli.md).") var json = false
    @Option(help: "List the tracked runs of this experiment instead of DAG runs.") var experiment: String?
    @Option(help: "Tracked runs: order, e.g. \"metrics.rank_ic DESC\".") var orderBy: String?
    @Option(help: "Tracked runs: the tracking URI (default from scheduler.yaml).") var trackingUri: String?

    func run() throws {
        if let experiment {
            try reportingErrors { try TrackedRuns.list(experiment: experiment, orderBy: orderBy, limit: limit, json: json, trackingURI: trackingUri, options) }
            return
        }
        let runtime = try Runtime(options)
        var states: [DagRunState] = []
        if let state {
            guard let s = DagRunState(rawValue: state) else {
                Terminal.error("error: unknown run state '\(state)'; expected one of \(DagRunState.allCases.map(\.rawValue).joined(separator: ", "))")
                throw ExitCode(2)
            }
            states = [s]
        }
        let runs = try runtime.store.runs(dagID: dag, states: states, limit: limit)
        if json {
            print(Value.list(runs.map(runJSON)).jsonText(pretty: true))
            return
        }
        let rows = runs.map { r in
            [r.dagID, r.runID, r.runType.rawValue, r.state.rawValue, isoMicros(r.logicalDate).renderedText,
             r.startDate.map { isoMicros($0).renderedText } ?? "-", r.endDate.map { isoMicros($0).renderedText } ?? "-"]
        }
        print(Terminal.table(["dag_id", "run_id", "type", "state", "logical_date", "start", "end"], rows))
    }
}

/// `sluice pools set|list|delete`.
struct PoolsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "pools", abstract: "Manage pools (named task slots).",
                                                    subcommands: [PoolsSet.self, PoolsList.self, PoolsDelete.self])
}

struct PoolsSet: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "set", abstract: "Create a pool or change its size.")
    @OptionGroup var options: GlobalOptions
    @Argument(help: "Pool name.") var name: String
    @Argument(help: "Number of slots.") var slots: Int
    @Option(help: "What the pool is for.") var description: String?

    func run() throws {
        let runtime = try Runtime(options)
        do { try runtime.store.setPool(name, slots: slots, description: description) } catch {
            Terminal.error("error: \(error.message)")
            throw ExitCode(1)
        }
        print("pool \(name): \(slots) slot(s)")
    }
}

struct PoolsList: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List pools with used and free slots.")
    @OptionGroup var options: GlobalOptions
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        let runtime = try Runtime(options)
        let usage = try runtime.store.slotUsage()
        let pools = try runtime.store.pools()
        if json {
            print(Value.list(pools.map { p in
                .map([("name", .string(p.name)), ("slots", .int(Int64(p.slots))), ("used", .int(Int64(usage.byPool[p.name] ?? 0))),
                      ("description", .string(p.description))])
            }).jsonText(pretty: true))
            return
        }
        print(Terminal.table(["pool", "slots", "used", "description"],
                             pools.map { [$0.name, "\($0.slots)", "\(usage.byPool[$0.name] ?? 0)", $0.description] }))
    }
}

struct PoolsDelete: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "delete", abstract: "Delete a pool.")
    @OptionGroup var options: GlobalOptions
    @Argument(help: "Pool name.") var name: String

    func run() throws {
        let runtime = try Runtime(options)
        do { try runtime.store.deletePool(name) } catch {
            Terminal.error("error: \(error.message)")
            throw ExitCode(1)
        }
        print("pool \(name): deleted")
    }
}
