import ArgumentParser
import Columnar
import DeltaLake
import Factors
import Foundation
import Parquet

/// `sluice factors`: list factor sets, check expressions, compute factors over a panel.
struct FactorsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "factors", abstract: "Compute factors (Qlib's expression language) over a panel of daily bars.",
        subcommands: [FactorsList.self, FactorsCheck.self, FactorsCompute.self])
}

/// `sluice factors list`: the built-in sets, or one set's factors.
struct FactorsList: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the built-in factor sets, or the factors of one set.")
    @Option(help: "alpha158, alpha360, ta, or a .yaml file.") var set: String?
    @Flag(help: "Print the set's YAML (built-in sets: the text they are defined by).") var yaml = false

    func run() throws {
        try reportingErrors {
            guard let name = set else {
                for builtin in FactorSet.builtinNames {
                    let loaded = try FactorSet.load(builtin)
                    Terminal.output("\(builtin)\t\(loaded.factors.count) factors\t\(loaded.description)\n")
                }
                return
            }
            if yaml, let text = FactorSet.builtinText(name) {
                Terminal.output(text)
                return
            }
            let loaded = try FactorSet.load(name)
            for note in loaded.notes { Terminal.error("note: \(note)") }
            Terminal.output(loaded.factors.map { "\($0.name)\t\($0.expression)\n" }.joined())
        }
    }
}

/// `sluice factors check`: parse and compile expressions, reporting the first problem of each.
struct FactorsCheck: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "check", abstract: "Check factor expressions: parse errors point at the column.")
    @Argument(help: "One or more expressions.") var expressions: [String]

    func run() throws {
        var failed = false
        for (index, text) in expressions.enumerated() {
            let result = Result { () throws(FactorCompileError) in try FactorPlan(factors: [("f\(index + 1)", text)]) }
            switch result {
            case .success(let plan):
                let fields = plan.fields.map { "$" + $0 }.joined(separator: " ")
                Terminal.output("ok: \(text)  (reads \(fields.isEmpty ? "no fields" : fields); \(plan.nodes.count) operations)\n")
            case .failure(let error):
                failed = true
                let column = error.column ?? 1
                Terminal.error("error: \(text)\n       \(String(repeating: " ", count: max(0, column - 1)))^ column \(column): \(error.message)")
            }
        }
        if failed { throw ExitCode(1) }
    }
}

/// `sluice factors compute`: a factor set over a panel, to a Parquet file or a Delta table.
struct FactorsCompute: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compute", abstract: "Compute a factor set over a panel (CSV folder, Parquet file or Delta table) into Parquet or Delta.")
    @OptionGroup var global: GlobalOptions
    @Option(help: "alpha158, alpha360, ta, or a .yaml file.") var set: String
    @Option(help: "A folder of per-ticker CSV files, a CSV or Parquet file, or a Delta table (path or db.table).") var input: String
    @Option(help: "A .parquet file, or a Delta table (path or db.table).") var output: String?
    @Flag(help: "Compute without writing (for timing and memory checks).") var discard = false
    @Option(help: "Write rows from this date (YYYY-MM-DD); earlier rows are history for the windows.") var start: String?
    @Option(help: "Use no rows after this date (YYYY-MM-DD).") var end: String?
    @Option(help: "Only the first N tickers (in sorted order).") var tickers: Int?
    @Option(help: "Threads (0: one per processor).") var threads = 0
    @Option(name: .customLong("map"), help: "Input column for a panel name, e.g. --map close=Adj_Close --map ticker=Name (repeatable).")
    var mappings: [String] = []
    @Option(help: "Delta output: overwrite (default), append, or merge (upsert on ticker, date; creates the table when missing).") var mode = "overwrite"
    @Flag(help: "Print the seconds the command's work took (after start-up) to stderr, for benchmarks.") var timing = false

    func run() throws {
        var overrides: [String: String] = [:]
        for mapping in mappings {
            let parts = mapping.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                Terminal.error("error: --map expects NAME=COLUMN, found '\(mapping)'")
                throw ExitCode(2)
            }
            overrides[parts[0].lowercased()] = parts[1]
        }
        func day(_ text: String?, _ option: String) throws -> Int32? {
            guard let text else { return nil }
            guard let day = CalendarDays.parse(text) else {
                Terminal.error("error: --\(option) expects a date YYYY-MM-DD, found '\(text)'")
                throw ExitCode(2)
            }
            return day
        }
        let startDay = try day(start, "start"), endDay = try day(end, "end")
        guard ["overwrite", "append", "merge"].contains(mode) else {
            Terminal.error("error: --mode must be overwrite, append or merge, not '\(mode)'")
            throw ExitCode(2)
        }
        guard (output == nil) == discard else {
            Terminal.error("error: give --output PATH, or --discard to compute without writing")
            throw ExitCode(2)
        }
        let inputPath = try DeltaTarget.resolve(input, global)
        let output = self.output ?? ""
        let toParquet = output.hasSuffix(".parquet")
        let outputPath = discard || toParquet ? output : try DeltaTarget.resolve(output, global)
        try reportingErrors(timing: timing) {
            let clock = ContinuousClock()
            let began = clock.now
            let factorSet = try FactorSet.load(set)
            let plan = try FactorPlan(factors: factorSet.factors)
            var panel = try PanelLoader.load(inputPath, mapping: PanelMapping(overrides: overrides))
            if let endDay { panel = panel.through(day: endDay) }
            if let tickers { panel = panel.prefix(tickers: tickers) }
            for note in panel.notes + factorSet.notes { Terminal.error("note: \(note)") }
            let loaded = clock.now
            var computed = loaded
            let engine = FactorEngine(plan: plan, threads: threads)
            var rows = 0
            if discard {
                let counter = RowCounter()
                try engine.run(panel, from: startDay) { batch throws(FactorRunError) in counter.add(batch.rowCount) }
                computed = clock.now
                rows = counter.value
            } else if toParquet {
                let schema = Schema([Field("ticker", .string, nullable: false), Field("date", .date32, nullable: false)]
                    + plan.outputs.map { Field($0.name, .float64, nullable: true) })
                var options = ParquetWriterOptions()
                // Most factor columns are continuous (all values distinct); counts, ranks and index
                // positions (CNTP, RANK, IMAX...) take a few dozen values. A small dictionary limit
                // gives up on the first within a few hundred values and encodes the second as
                // dictionary indices, which is smaller and much faster than compressing them.
                options.dictionaryPageSizeLimit = 4096
                let writer = try ParquetFileWriter(path: outputPath, schema: schema, options: options)
                let counter = RowCounter()
                try engine.run(panel, from: startDay) { batch throws(FactorRunError) in
                    do throws(ParquetWriteError) {
                        // One row group per chunk of tickers (the engine sizes them: tens of MB).
                        try writer.writeRowGroup(batch)
                        counter.add(batch.rowCount)
                    } catch {
                        throw FactorRunError("\(error)")
                    }
                }
                computed = clock.now
                try writer.close()
                rows = counter.value
            } else {
                let collected = BatchCollector()
                try engine.run(panel, from: startDay) { batch throws(FactorRunError) in collected.add(batch) }
                computed = clock.now
                let batches = collected.batches.filter { $0.rowCount > 0 }
                rows = batches.reduce(0) { $0 + $1.rowCount }
                let table = DeltaTable(path: outputPath)
                if !batches.isEmpty {
                    if mode == "merge" {
                        try table.upsert(batches, on: ["ticker", "date"])
                    } else {
                        var options = WriteOptions()
                        options.mode = mode == "append" ? .append : .overwrite
                        try table.write(batches, options: options)
                    }
                }
            }
            let finished = clock.now
            let elapsed = finished - began
            let destination = discard ? "(discarded)" : outputPath
            Terminal.output(String(format: "%d rows, %d factors, %d tickers, %.3f s -> %@\n", rows, plan.outputs.count, panel.tickers.count, elapsed.seconds, destination))
            if timing {
                // A Parquet file is written while the factors are computed; a Delta table afterwards.
                let (middle, last) = discard ? ("computing", "finishing") : toParquet ? ("computing and streaming the output", "closing the output")
                    : ("computing", "writing the table")
                Terminal.error(String(format: "parts: reading the set and the panel %.3f s, %@ %.3f s, %@ %.3f s",
                                      (loaded - began).seconds, middle, (computed - loaded).seconds, last, (finished - computed).seconds))
            }
        }
    }
}

/// Counts rows delivered by the engine (one delivery at a time).
private final class RowCounter: @unchecked Sendable {
    private(set) var value = 0
    func add(_ n: Int) { value += n }
}

/// Collects the engine's batches in order (one delivery at a time).
private final class BatchCollector: @unchecked Sendable {
    private(set) var batches: [RecordBatch] = []
    func add(_ batch: RecordBatch) { batches.append(batch) }
}
