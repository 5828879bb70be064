import ArgumentParser
import Foundation
import SluiceCore
import SluiceOperators

/// `sluice pipeline summary`: the reference pipeline's tables, champion, signals and report.
struct PipelineCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "pipeline", abstract: "The quant pipeline's state.", subcommands: [PipelineSummaryCommand.self])
}

struct PipelineSummaryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "summary", abstract: "Tables and versions, the champion and its metrics, the last date's top signals, out-of-sample RankIC, the report.")
    @OptionGroup var global: GlobalOptions
    @Option(help: "The folder holding the pipeline's tables (default: LAKE_ROOT/stockdata).") var tables: String?
    @Option(help: "The registered model.") var model = "quant_alpha158_xgb"
    @Option(help: "The reports folder.") var reports = "lake/reports"
    @Option(help: "How many of the last date's signals to list.") var top = 10
    @Option(help: "Tracking URI (default from scheduler.yaml).") var trackingUri: String?

    func run() throws {
        try reportingErrors {
            let root = try tables ?? (global.loadConfig().path("lake", "root") + "/stockdata")
            Terminal.output(try PipelineSummary.render(tables: root, model: model, reports: reports,
                                                       tracking: try TrackingChoice.backend(trackingUri, global), top: top))
        }
    }
}
