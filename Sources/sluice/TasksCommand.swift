import ArgumentParser
import Foundation
import SluiceCore
import SluiceMetadata
import SluiceScheduler

/// `sluice tasks list|logs|clear|state|run`.
struct TasksCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tasks", abstract: "Inspect and steer the task instances of a run.",
        subcommands: [TasksList.self, TasksLogs.self, TasksClear.self, TasksState.self, TasksRun.self])
}

/// The stable JSON form of a task instance (see docs/cli.md), shared with the REST API.
func taskInstanceJSON(_ ti: TaskInstanceRow, tries: [TaskTryRow]? = nil) -> Value { ti.json(tries: tries) }

struct TasksList: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "States and try numbers of a run's tasks.")
    @OptionGroup var options: GlobalOptions
    @Argument(help: "The dag_id.") var dagID: String
    @Argument(help: "The run_id.") var runID: String
    @Flag(help: "Print JSON, each task with its tries (stable format, see docs/cli.md).") var json = false

    func run() throws {
        let runtime = try Runtime(options)
        let run = try runtime.run(dagID, runID)
        let tis = try runtime.store.taskInstances(runPK: run.id!)
        if json {
            let items = try tis.map { taskInstanceJSON($0, tries: try runtime.store.tries(tiID: $0.id!)) }
            print(Value.map([("run", runJSON(run)), ("tasks", .list(items))]).jsonText(pretty: true))
            return
        }
        print("\(run.dagID) \(run.runID): \(run.state.rawValue)")
        print(Terminal.table(["task_id", "state", "try", "start", "duration"], tis.map { ti in
            [ti.taskID, ti.state.rawValue, "\(ti.tryNumber)/\(ti.maxTries)", ti.startDate.map { isoMicros($0).renderedText } ?? "-",
             ti.startDate.flatMap { s in ti.endDate.map { String(format: "%.3fs", $0.timeIntervalSince(s)) } } ?? "-"]
        }))
    }
}

struct TasksLogs: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "logs", abstract: "Print a try's log.")
    @OptionGroup var options: GlobalOptions
    @Argument(help: "The dag_id.") var dagID: String
    @Argument(help: "The run_id.") var runID: String
    @Argument(help: "The task_id.") var taskID: String
    @Option(name: .customLong("try"), help: "Try number (default: the latest).") var tryNumber: Int?
    @Flag(help: "Keep printing while the try runs.") var follow = false

    func run() throws {
        let runtime = try Runtime(options)
        let run = try runtime.run(dagID, runID)
        guard let ti = try runtime.store.taskInstances(runPK: run.id!).first(where: { $0.taskID == taskID }) else {
            Terminal.error("error: run \(runID) has no task '\(taskID)'")
            throw ExitCode(1)
        }
        let tries = try runtime.store.tries(tiID: ti.id!)
        guard let attempt = tryNumber.map({ n in tries.first { $0.tryNumber == n } }) ?? tries.last else {
            Terminal.error(tries.isEmpty ? "error: task '\(taskID)' has not run yet" : "error: no try \(tryNumber!) (tries: 1-\(tries.count))")
            throw ExitCode(1)
        }
        var offset: UInt64 = 0
        func printNew() {
            guard let handle = FileHandle(forReadingAtPath: attempt.logPath) else { return }
            defer { try? handle.close() }
            try? handle.seek(toOffset: offset)
            let data = (try? handle.readToEnd()) ?? Data()
            offset += UInt64(data.count)
            Terminal.output(data)
        }
        if !FileManager.default.fileExists(atPath: attempt.logPath) && attempt.state != .queued && attempt.state != .running {
            Terminal.note("no log for try \(attempt.tryNumber): the task's operator writes none (e.g. empty) or it never started")
            return
        }
        printNew()
        while follow {
            guard let current = try runtime.store.attempt(id: attempt.id!), current.state == .queued || current.state == .running else { break }
            usleep(200_000)
            printNew()
        }
        if follow { printNew() }
    }
}

struct TasksClear: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clear", abstract: "Clear task instances so they run again (history is kept).",
        discussion: "Without --task, every task of the run is cleared. Running tasks are left to finish.")
    @OptionGroup var options: GlobalOptions
    @Argument(help: "The dag_id.") var dagID: String
    @Argument(help: "The run_id.") var runID: String
    @Option(name: .customLong("task"), help: "A task to clear (repeatable).") var tasks: [String] = []
    @Flag(help: "Also clear everything downstream of the given tasks.") var downstream = false

    func run() throws {
        let runtime = try Runtime(options)
        let run = try runtime.run(dagID, runID)
        let bag = try runtime.syncDags(quiet: true)
        let dag = try runtime.dag(dagID, bag: bag)
        let outcome: ClearOutcome
        do { outcome = try RunSteering(store: runtime.store).clear(dag: dag, run: run, taskIDs: tasks, downstream: downstream) } catch {
            Terminal.error("error: \(error)")
            throw ExitCode(1)
        }
        let cleared = outcome.cleared
        print("cleared \(cleared.count) task(s)\(cleared.isEmpty ? "" : ": " + cleared.joined(separator: ", "))")
        if !outcome.leftAlone.isEmpty { Terminal.note("left alone (queued or running): \(outcome.leftAlone.joined(separator: ", "))") }
    }
}

struct TasksState: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "state", abstract: "Print a task instance's state, or set it with --set success|failed|skipped.")
    @OptionGroup var options: GlobalOptions
    @Argument(help: "The dag_id.") var dagID: String
    @Argument(help: "The run_id.") var runID: String
    @Argument(help: "The task_id.") var taskID: String
    @Option(name: .customLong("set"), help: "Mark the task success, failed or skipped.") var newState: String?

    func run() throws {
        let runtime = try Runtime(options)
        let run = try runtime.run(dagID, runID)
        if let newState {
            guard let state = TaskInstanceState(rawValue: newState) else {
                Terminal.error("error: unknown state '\(newState)'; use success, failed or skipped")
                throw ExitCode(2)
            }
            do { try runtime.store.markTask(runPK: run.id!, taskID: taskID, state: state) } catch {
                Terminal.error("error: \(error.message)")
                throw ExitCode(1)
            }
        }
        guard let ti = try runtime.store.taskInstances(runPK: run.id!).first(where: { $0.taskID == taskID }) else {
            Terminal.error("error: run \(runID) has no task '\(taskID)'")
            throw ExitCode(1)
        }
        print(ti.state.rawValue)
    }
}

struct TasksRun: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run", abstract: "Run one task of a run now, ignoring its dependencies; exit 1 if it fails.")
    @OptionGroup var options: GlobalOptions
    @Argument(help: "The dag_id.") var dagID: String
    @Argument(help: "The run_id.") var runID: String
    @Argument(help: "The task_id.") var taskID: String

    func run() async throws {
        let runtime = try Runtime(options)
        try runtime.syncDags(quiet: true)
        let run = try runtime.run(dagID, runID)
        let scheduler = runtime.makeScheduler(parseFolder: false)
        do {
            let ti = try await scheduler.runTaskNow(runPK: run.id!, taskID: taskID)
            print("\(taskID): \(ti.state.rawValue) (try \(ti.tryNumber))")
            if ti.state != .success && ti.state != .skipped { throw ExitCode(1) }
        } catch let exit as ExitCode {
            throw exit
        } catch {
            Terminal.error("error: \(error)")
            throw ExitCode(1)
        }
    }
}
