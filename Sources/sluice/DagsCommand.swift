import ArgumentParser
import Foundation
import SluiceCore

/// `sluice dags ...`: list, show and validate DAG files.
struct DagsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dags",
        abstract: "List, inspect and validate DAGs.",
        subcommands: [DagsList.self, DagsShow.self, DagsValidate.self, DagsTrigger.self, DagsTest.self, DagsBackfill.self, DagsPause.self, DagsUnpause.self]
    )
}

/// Loads the DAG folder, reporting (but not failing on) files with errors.
func loadDagBag(_ options: GlobalOptions, paths: [String] = []) throws -> (SluiceConfig, DagBag) {
    let config = try options.loadConfig()
    let loader = DagFileLoader(registry: options.registry(config), defaultTimezone: config.defaultTimezone)
    let bag = DagBag.load(paths: paths.isEmpty ? [config.dagsFolder] : paths, loader: loader)
    return (config, bag)
}

/// Shortens absolute paths under the working directory for display.
func displayPath(_ path: String) -> String {
    let cwd = FileManager.default.currentDirectoryPath + "/"
    return path.hasPrefix(cwd) ? String(path.dropFirst(cwd.count)) : path
}

struct DagsList: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the DAGs in the DAG folder.")

    @OptionGroup var options: GlobalOptions
    @Flag(help: "Print a JSON array (stable format, see docs/cli.md).") var json = false

    func run() throws {
        let (_, bag) = try loadDagBag(options)
        let dags = bag.dags.values.sorted { $0.dagID < $1.dagID }
        if json {
            let items: [Value] = dags.map { dag in
                .map([
                    ("dag_id", .string(dag.dagID)),
                    ("file", .string(displayPath(dag.file))),
                    ("schedule", dag.scheduleText.map(Value.string) ?? .null),
                    ("timezone", .string(dag.timezone)),
                    ("tasks", .int(Int64(dag.tasks.count))),
                    ("tags", .list(dag.tags.map(Value.string))),
                    ("description", dag.description.map(Value.string) ?? .null),
                ])
            }
            let errors: [Value] = bag.importErrors.keys.sorted().map { file in
                .map([("file", .string(displayPath(file))), ("error", .string(bag.importErrors[file]!))])
            }
            print(Value.map([("dags", .list(items)), ("import_errors", .list(errors))]).jsonText(pretty: true))
            return
        }
        let rows = dags.map { dag in
            [dag.dagID, dag.scheduleText ?? "None", "\(dag.tasks.count)", dag.tags.joined(separator: ","), displayPath(dag.file)]
        }
        print(Terminal.table(["dag_id", "schedule", "tasks", "tags", "file"], rows))
        if !bag.importErrors.isEmpty {
            Terminal.error("\n\(bag.importErrors.count) file(s) failed to load (run 'sluice dags validate' for every problem):")
            for file in bag.importErrors.keys.sorted() { Terminal.error("  " + bag.importErrors[file]!) }
        }
    }
}

struct DagsValidate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check DAG files and print every problem as FILE:LINE:COLUMN: error: MESSAGE.",
        discussion: "Exits 1 when any file has an error. Without paths, validates the configured DAG folder.")

    @OptionGroup var options: GlobalOptions
    @Argument(help: "DAG files or folders (default: the configured dags folder).") var paths: [String] = []
    @Flag(name: .shortAndLong, help: "Print only problems, no summary.") var quiet = false

    func run() throws {
        let clock = ContinuousClock()
        let start = clock.now
        let (_, bag) = try loadDagBag(options, paths: paths)
        let elapsed = clock.now - start
        var out = ""
        // Broken plugin manifests are errors too: their operators are missing from every DAG.
        let pluginProblems = options.pluginProblems(try options.loadConfig())
        for diagnostic in pluginProblems + bag.diagnostics {
            var d = diagnostic
            d.file = displayPath(d.file)
            out += d.description + "\n"
        }
        Terminal.output(out)
        let errors = (pluginProblems + bag.diagnostics).filter { $0.severity == .error }.count
        if !quiet {
            let tasks = bag.dags.values.reduce(0) { $0 + $1.tasks.count }
            let ms = elapsed.seconds * 1000
            Terminal.note(String(format: "%d file(s), %d DAG(s), %d task(s): %d error(s) in %.1f ms",
                                 bag.files.count, bag.dags.count, tasks, errors, ms))
        }
        if errors > 0 || bag.files.isEmpty && !paths.isEmpty { throw ExitCode(1) }
    }
}
