import ArgumentParser
import Columnar
import Foundation
import SluiceCore
import SluiceOperators

/// `sluice lineage`: where a pipeline output came from.
struct LineageCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "lineage", abstract: "Trace a pipeline output back to its model, training run and table versions.",
                                                    subcommands: [SignalsLineage.self])
}

/// `sluice lineage signals --date D --ticker T`: signal row -> model version -> training run ->
/// gold version -> the silver and bronze versions behind it.
struct SignalsLineage: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "signals", abstract: "Trace one signal row to the model, run and Delta versions behind it.")
    @OptionGroup var global: GlobalOptions
    @Option(help: "The signal's date (YYYY-MM-DD).") var date: String
    @Option(help: "The signal's ticker.") var ticker: String
    @Option(help: "The signals table (a path or db.table).") var signals = "stockdata.signals"
    @Option(help: "Tracking URI (default from scheduler.yaml).") var trackingUri: String?
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        guard date.count == 10, CalendarDays.parse(date) != nil else {
            Terminal.error("error: --date '\(date)' is not a date (expected YYYY-MM-DD)")
            throw ExitCode(2)
        }
        try reportingErrors {
            let lineage = try SignalLineage.trace(signals: try DeltaTarget.resolve(signals, global), date: date, ticker: ticker,
                                                  tracking: try TrackingChoice.backend(trackingUri, global))
            if json {
                let steps: [Value] = lineage.steps.map { step in
                    .map([("kind", .string(step.kind.trimmingCharacters(in: .whitespaces))), ("summary", .string(step.summary)),
                          ("details", .map(step.details.map { ($0.key, .string($0.value)) }))])
                }
                Terminal.output(Value.list(steps).jsonText(pretty: true) + "\n")
            } else {
                let width = lineage.steps.map(\.kind.count).max() ?? 0
                for step in lineage.steps { Terminal.output(step.kind.padding(toLength: width + 2, withPad: " ", startingAt: 0) + step.summary + "\n") }
            }
        }
    }
}
