import Columnar
import Foundation
import Parquet
import SluiceCore

/// `generate_market_data`: the run's business day of synthetic bars, as a Parquet file in the
/// landing area (`OUTPUT/date=YYYY-MM-DD/bars.parquet`); weekends are skipped. Regenerating a date
/// writes the same bytes' worth of rows again (atomically), so re-runs are idempotent.
public enum GenerateMarketDataOperator {
    public static let descriptor = OperatorDescriptor(
        name: "generate_market_data",
        summary: "Writes the run's day of deterministic synthetic OHLCV bars (with a weak planted signal) to the landing area.",
        details: """
        Prices follow a random walk per ticker whose next-day return leans on a latent state that
        today's volume reveals (the formula is in docs/pipeline.md); everything is computed from
        (seed, ticker, business day) counters, so any date can be generated alone, in any order,
        with identical results. Weekends produce no file and the task is skipped.
        """,
        arguments: [
            ArgumentSpec("output", .string, default: .string("lake/landing/market"), doc: "Landing folder; the day's file goes to OUTPUT/date=YYYY-MM-DD/bars.parquet."),
            ArgumentSpec("tickers", .int, default: .int(1000), doc: "Number of tickers (T0000, T0001, ...)."),
            ArgumentSpec("seed", .int, default: .int(7), doc: "The generator's seed."),
            ArgumentSpec("signal", .number, default: .double(0.05), doc: "Strength of the planted signal in [0, 1)."),
        ],
        runner: Runner())

    struct Runner: TaskRunner {
        func run(_ context: TaskRunContext) async throws -> TaskResult {
            let tickers = context.arguments.int("tickers") ?? 1000
            let signal = context.arguments.double("signal") ?? 0.05
            guard tickers > 0, tickers <= 100_000 else { throw TaskFailure("tickers must be between 1 and 100000, not \(tickers)") }
            guard signal >= 0, signal < 1 else { throw TaskFailure("signal must be in [0, 1), not \(signal)") }
            let day = context.runDay
            let generator = MarketDataGenerator(seed: UInt64(context.arguments.int("seed") ?? 7), tickers: tickers, signal: signal)
            guard let bars = generator.bars(day: day) else {
                return .skipped(reason: "\(TextFormat.date(days: Int64(day))) is not a business day")
            }
            let folder = (context.arguments.string("output") ?? "lake/landing/market") + "/date=\(TextFormat.date(days: Int64(day)))"
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            let writer = try ParquetFileWriter(path: folder + "/bars.parquet", schema: bars.schema)
            try writer.write(bars)
            try writer.close()
            context.log.line("wrote \(bars.rowCount) bars to \(folder)/bars.parquet")
            return .success(.string(folder + "/bars.parquet"))
        }
    }
}

/// The quant pipeline's operators, added to the built-in ones.
public enum QuantOperators {
    public static var descriptors: [OperatorDescriptor] { [
        GenerateMarketDataOperator.descriptor, IngestDeltaOperator.descriptor, FeaturesUpsertOperator.descriptor, GoldBuildOperator.descriptor,
        TrainGridSearchOperator.descriptor, RegisterModelOperator.descriptor, PromoteModelOperator.descriptor, BatchInferenceOperator.descriptor,
        SignalReportOperator.descriptor,
    ] }

    /// `base` with the quant operators registered.
    public static func registry(_ base: OperatorRegistry = .builtin) -> OperatorRegistry {
        var registry = base
        for descriptor in descriptors { registry.register(descriptor) }
        return registry
    }
}
