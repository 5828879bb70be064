import ArgumentParser
import Foundation
import SluiceCore

/// `sluice`: the command-line entry point.
@main
struct SluiceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sluice",
        abstract: "A workflow orchestrator for quantitative research: YAML DAGs, Delta tables, factors, models.",
        version: SluiceVersion.current,
        subcommands: [VersionCommand.self, DagsCommand.self, OperatorsCommand.self, ConfigCommand.self]
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

    /// The built-in operators (plugins join them in a later release).
    func registry(_ config: SluiceConfig) -> OperatorRegistry { .builtin }
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
