import ArgumentParser
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import SluiceCore
import SluiceOperators

/// Starts the CLI, accepting the global `--config` before the subcommand as well as after it.
@main
enum SluiceMain {
    static func main() async {
        // A write to a pipe whose reader is gone (a task's start gate, a closed stdout) must be
        // an error we handle, not a signal that kills the scheduler.
        signal(SIGPIPE, SIG_IGN)
        await SluiceCommand.main(GlobalArguments.normalize(Array(CommandLine.arguments.dropFirst())))
    }
}

/// `sluice`: the command-line entry point.
struct SluiceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sluice",
        abstract: "A workflow orchestrator for quantitative research: YAML DAGs, Delta tables, factors, models.",
        version: SluiceVersion.current,
        subcommands: [VersionCommand.self, DagsCommand.self, TasksCommand.self, RunsCommand.self, BackfillsCommand.self, PoolsCommand.self, SchedulerCommand.self, APIServerCommand.self, WorkerCommand.self, WorkerTaskCommand.self, TokensCommand.self, ParquetCommand.self, DeltaCommand.self, FactorsCommand.self, TrainCommand.self, PredictCommand.self, ExperimentsCommand.self, ModelsCommand.self, LineageCommand.self, PipelineCommand.self, OperatorsCommand.self, ConfigCommand.self, DbCommand.self]
    )
}

/// Options every command that reads configuration accepts.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: "Configuration file (default: ./scheduler.yaml; missing is fine).")
    var config: String?

    /// The effective configuration, or an exit with one line per problem.
    func loadConfig() throws -> SluiceConfig {
        do {
            return try SluiceConfig.load(path: config ?? "scheduler.yaml", required: config != nil)
        } catch {
            Terminal.error(error.description)
            throw ExitCode(2)
        }
    }

    /// The built-in operators and the valid plugins of the configured plugins folder.
    func registry(_ config: SluiceConfig) -> OperatorRegistry {
        var registry = QuantOperators.registry(.builtin)
        for descriptor in PluginOperators.load(folder: config.pluginsFolder, reserved: Set(registry.names)).descriptors {
            registry.register(descriptor)
        }
        return registry
    }

    /// Problems of the plugins folder's manifests (each FILE:LINE:COLUMN).
    func pluginProblems(_ config: SluiceConfig) -> [Diagnostic] {
        PluginOperators.load(folder: config.pluginsFolder, reserved: Set(QuantOperators.registry(.builtin).names)).diagnostics
    }
}

/// `sluice version`.
struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "version", abstract: "Print Sluice's version.")

    @Flag(help: "Print as JSON.") var json = false

    func run() {
        if json {
            print(Value.map([("version", .string(SluiceVersion.current)), ("swift", .string(SluiceVersion.swift))]).jsonText())
        } else {
            print("sluice \(SluiceVersion.current)")
        }
    }
}

/// Writing to the terminal: results to stdout, problems and progress to stderr.
enum Terminal {
    static func error(_ text: String) {
        FileHandle.standardError.write(Data((text.hasSuffix("\n") ? text : text + "\n").utf8))
    }

    static func note(_ text: String) { error(text) }

    /// Writes `text` to standard output unbuffered. When the reader has gone (`| head`), the
    /// process ends quietly with status 0 instead of trapping on EPIPE as FileHandle.write does.
    static func output(_ text: String) {
        var text = text
        text.withUTF8 { write(UnsafeRawBufferPointer($0)) }
    }

    /// Writes raw bytes (a log file's, which need not be UTF-8) to standard output, as `output`.
    static func output(_ data: Data) {
        data.withUnsafeBytes { write($0) }
    }

    private static func write(_ bytes: UnsafeRawBufferPointer) {
        var done = 0
        while done < bytes.count {
            let n = Glibc.write(1, bytes.baseAddress! + done, bytes.count - done)
            if n < 0 {
                if errno == EINTR { continue }
                if errno == EPIPE { exit(0) }
                return
            }
            done += n
        }
    }

    /// Left-aligned columns separated by two spaces.
    static func table(_ header: [String], _ rows: [[String]]) -> String {
        var widths = header.map(\.count)
        for row in rows { for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], cell.count) } }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { i, cell in
                i == cells.count - 1 ? cell : cell.padding(toLength: widths[i], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }
        return ([line(header)] + rows.map(line)).joined(separator: "\n")
    }
}

/// Rewrites `sluice --config X dags list` to `sluice dags list --config X`, since each leaf command
/// owns the option.
enum GlobalArguments {
    static func normalize(_ arguments: [String]) -> [String] {
        var rest: [String] = []
        var moved: [String] = []
        var i = 0
        var sawCommand = false
        while i < arguments.count {
            let arg = arguments[i]
            if !sawCommand && arg == "--config", i + 1 < arguments.count {
                moved += [arg, arguments[i + 1]]
                i += 2
                continue
            }
            if !sawCommand && arg.hasPrefix("--config=") {
                moved.append(arg)
                i += 1
                continue
            }
            if !arg.hasPrefix("-") { sawCommand = true }
            rest.append(arg)
            i += 1
        }
        if moved.isEmpty { return arguments }
        // Options go before a `--` terminator if there is one.
        if let dashes = rest.firstIndex(of: "--") { rest.insert(contentsOf: moved, at: dashes); return rest }
        return rest + moved
    }
}
