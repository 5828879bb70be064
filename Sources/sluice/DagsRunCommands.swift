import ArgumentParser
import Foundation
import SluiceCore
import SluiceMetadata
import SluiceScheduler

struct DagsTrigger: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trigger", abstract: "Create a manual run; the scheduler runs it.",
        discussion: "conf is a JSON object checked against the DAG's params. Without --logical-date the run's logical date is now.")
    @OptionGroup var options: GlobalOptions
    @Argument(help: "The dag_id.") var dagID: String
    @Option(help: "Logical date (YYYY-MM-DD or a date-time), in the DAG's timezone.") var logicalDate: String?
    @Option(help: "Run configuration as a JSON object.") var conf: String?
    @Option(help: "Run id (default manual__<logical date>).") var runID: String?
    @Flag(help: "Print the run as JSON.") var json = false

    func run() throws {
        let runtime = try Runtime(options)
        let bag = try runtime.syncDags()
        let dag = try runtime.dag(dagID, bag: bag)
        let date = try logicalDate.map { try parseDate($0, zone: dag.zone, flag: "--logical-date") }
        let confValue: Value
        do { confValue = try conf.map { try Value.parseJSON($0) } ?? .map([]) } catch {
            Terminal.error("error: --conf is not valid JSON (\(error))")
            throw ExitCode(2)
        }
        do {
            let run = try ManualRuns(store: runtime.store).trigger(dag: dag, logicalDate: date, conf: confValue, runID: runID)
            if json { print(runJSON(run).jsonText(pretty: true)) } else { print("created run \(run.runID) of \(dagID) (state \(run.state.rawValue))") }
        } catch {
            Terminal.error("error: \(error)")
            throw ExitCode(1)
        }
    }
}

struct DagsPause: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "pause", abstract: "Stop creating scheduled runs for a DAG.")
    @OptionGroup var options: GlobalOptions
    @Argument(help: "The dag_id.") var dagID: String
    func run() throws { try setPaused(options, dagID, true) }
}

struct DagsUnpause: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "unpause", abstract: "Resume creating scheduled runs for a DAG.")
    @OptionGroup var options: GlobalOptions
    @Argument(help: "The dag_id.") var dagID: String
    func run() throws { try setPaused(options, dagID, false) }
}

private func setPaused(_ options: GlobalOptions, _ dagID: String, _ paused: Bool) throws {
    let runtime = try Runtime(options)
    let bag = try runtime.syncDags(quiet: true)
    _ = try runtime.dag(dagID, bag: bag)
    try runtime.store.setPaused(dagID, paused)
    print("\(dagID): \(paused ? "paused" : "unpaused")")
}

struct DagsTest: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "Run one DAG run now, in this process, printing each task as it finishes.",
        discussion: "No scheduler is needed. Exits 0 if the run succeeded and 1 if it failed. The run is recorded like any other.")
    @OptionGroup var options: GlobalOptions
    @Argument(help: "The dag_id.") var dagID: String
    @Option(help: "Logical date (default: now).") var logicalDate: String?
    @Option(help: "Run configuration as a JSON object.") var conf: String?
    @Flag(help: "Print one JSON object with the run and every task when done.") var json = false

    func run() async throws {
        let runtime = try Runtime(options)
        let bag = try runtime.syncDags(quiet: json)
        let dag = try runtime.dag(dagID, bag: bag)
        let date = try logicalDate.map { try parseDate($0, zone: dag.zone, flag: "--logical-date") }
        let confValue = try conf.map { text -> Value in
            do { return try Value.parseJSON(text) } catch {
                Terminal.error("error: --conf is not valid JSON (\(error))")
                throw ExitCode(2)
            }
        } ?? .map([])
        let clock = ContinuousClock()
        let start = clock.now
        let run: DagRunRow
        let when = date ?? Date()
        do {
            if let existing = try runtime.store.run(dagID: dagID, logicalDate: when) {
                // As in Airflow, testing a date that already has a run runs that run again.
                guard existing.state != .queued && existing.state != .running else {
                    Terminal.error("error: run \(existing.runID) of \(dagID) for that logical date is \(existing.state.rawValue); wait for it or pick another date")
                    throw ExitCode(1)
                }
                let retries = Dictionary(uniqueKeysWithValues: dag.tasks.map { ($0.id, $0.policy.retries) })
                try runtime.store.clear(runPK: existing.id!, taskIDs: dag.tasks.map(\.id), retries: retries)
                if !json { Terminal.note("re-running the existing run \(existing.runID)") }
                run = try runtime.store.run(pk: existing.id!)!
            } else {
                run = try ManualRuns(store: runtime.store).trigger(dag: dag, logicalDate: when, conf: confValue,
                                                    runID: "test__" + isoMicros(when).renderedText)
            }
        } catch let exit as ExitCode {
            throw exit
        } catch {
            Terminal.error("error: \(error)")
            throw ExitCode(1)
        }
        let scheduler = runtime.makeScheduler(parseFolder: false)
        if !json {
            print("run \(run.runID) of \(dagID)")
            scheduler.onTryFinished = { ti, result in
                var line = "  \(ti.taskID)  \(ti.state.rawValue)  (try \(ti.tryNumber))"
                if case let .failed(reason, _) = result { line += ": \(reason)" }
                print(line)
            }
        }
        try await scheduler.run(until: .whenRunsFinish([run.id!]))
        let elapsed = clock.now - start
        let seconds = elapsed.seconds
        guard let finished = try runtime.store.run(pk: run.id!) else { throw ExitCode(1) }
        if json {
            let tis = try runtime.store.taskInstances(runPK: run.id!)
            let tasks: [Value] = tis.map { ti in
                .map([("task_id", .string(ti.taskID)), ("state", .string(ti.state.rawValue)), ("try_number", .int(Int64(ti.tryNumber))),
                      ("start", isoMicros(ti.startDate)), ("end", isoMicros(ti.endDate))])
            }
            print(Value.map([("dag_id", .string(dagID)), ("run_id", .string(run.runID)), ("state", .string(finished.state.rawValue)),
                             ("seconds", .double(seconds)), ("tasks", .list(tasks))]).jsonText())
        } else {
            print(String(format: "run %@: %@ in %.3f s", run.runID, finished.state.rawValue, seconds))
        }
        if finished.state != .success { throw ExitCode(1) }
    }
}

/// The stable JSON form of a run (see docs/cli.md), shared with the REST API.
func runJSON(_ run: DagRunRow) -> Value { run.json }
