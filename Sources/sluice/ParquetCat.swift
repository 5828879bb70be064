import ArgumentParser
import Columnar
import Foundation
import Parquet
import SluiceCore

/// `sluice parquet cat`: print a Parquet file's rows as JSON lines or CSV.
struct ParquetCat: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cat", abstract: "Print rows as JSON lines (default) or CSV.",
        discussion: """
        JSONL: one object per row; null → null; numbers as JSON numbers (floats round-trip exactly);
        NaN/±Inf → "NaN", "Infinity", "-Infinity"; dates "YYYY-MM-DD"; timestamps ISO-8601 with
        microseconds (Z when UTC-adjusted); decimals as strings; binary as base64. Reads one row group
        at a time; structs print as objects, lists as arrays, maps as objects. --where keeps the rows
        that satisfy every condition (COLUMN OP VALUE with OP one of = != < <= > >=, or COLUMN is
        [not] null, on flat columns) and skips row groups whose statistics rule them out.
        """)
    @Argument(help: "The Parquet file.") var file: String
    @Option(help: "Columns to print, comma-separated, in this order (default: all).") var columns: String?
    @Option(help: "Stop after this many rows.") var limit: Int?
    @Option(help: "jsonl or csv.") var format = "jsonl"
    @Option(name: .customLong("where"), help: "A row condition, e.g. 'date>=2019-01-02' (repeatable; all must hold).")
    var conditions: [String] = []

    func run() throws {
        guard format == "jsonl" || format == "csv" else {
            Terminal.error("error: --format must be jsonl or csv, not '\(format)'")
            throw ExitCode(2)
        }
        if let limit, limit < 0 {
            Terminal.error("error: --limit must be 0 or more")
            throw ExitCode(2)
        }
        let selected = columns?.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        do {
            let reader = try ParquetFileReader(path: file)
            let scope = try PredicateScope(reader: reader, columns: selected, conditions: conditions)
            var remaining = limit ?? Int.max
            var wroteHeader = false
            for group in scope.rowGroups where remaining > 0 {
                let (batch, rows) = try scope.read(group)
                let shown = Array(rows.prefix(remaining))
                remaining -= shown.count
                if format == "csv" {
                    if !wroteHeader {
                        Terminal.output((batch.schema.fields.map { CSVText.cell($0.name) }.joined(separator: ",") + "\n"))
                        wroteHeader = true
                    }
                    Terminal.output(CSVText.render(batch, rows: shown))
                } else {
                    Terminal.output(shown.map { JSONLines.renderRow($0, of: batch) + "\n" }.joined())
                }
            }
            if format == "csv" && !wroteHeader {
                // No row groups: still print the header of the selected columns.
                let names = selected ?? reader.schema.fields.map(\.name)
                Terminal.output((names.map(CSVText.cell).joined(separator: ",") + "\n"))
            }
        } catch {
            Terminal.error("error: \(error)")
            throw ExitCode(1)
        }
    }
}

/// CSV rendering (RFC 4180): values as in JSONL, strings unquoted unless they need quoting, null empty.
enum CSVText {
    static func render(_ batch: RecordBatch, rows: [Int]) -> String {
        var text = ""
        for row in rows {
            text += batch.columns.map { cell(for: $0.value(at: row)) }.joined(separator: ",")
            text += "\n"
        }
        return text
    }

    static func cell(for value: ScalarValue) -> String {
        if value.isNull { return "" }
        if case let .string(s) = value { return cell(s) }
        let json = value.json
        // Dates, timestamps, decimals and binary render as JSON strings: keep their text, unquoted.
        if json.hasPrefix("\""), case let .string(s)? = try? Value.parseJSON(json) { return cell(s) }
        return cell(json)
    }

    static func cell(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

/// `sluice parquet scan`: read every row group (decode everything) and report the count and time.
struct ParquetScan: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scan", abstract: "Read a file's rows without printing them; report rows and seconds.")
    @Argument(help: "The Parquet file.") var file: String
    @Option(help: "Columns to read, comma-separated (default: all).") var columns: String?
    @Option(name: .customLong("where"), help: "A row condition, as for cat (repeatable; all must hold).")
    var conditions: [String] = []
    @Option(help: "Threads decoding a row group's columns (default: one per processor; 1: single-threaded).")
    var threads: Int?
    @Option(help: "Scan this many times in one process and report the fastest (warm memory, as in-process benchmarks measure).")
    var `repeat`: Int = 1

    func run() throws {
        let selected = columns?.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        if let threads, threads < 1 {
            Terminal.error("error: --threads must be 1 or more")
            throw ExitCode(2)
        }
        guard `repeat` >= 1 else {
            Terminal.error("error: --repeat must be 1 or more")
            throw ExitCode(2)
        }
        do {
            var best = Double.infinity
            var line = ""
            for _ in 0 ..< `repeat` {
                let (seconds, report) = try scan(selected)
                if seconds < best { best = seconds }
                line = report
            }
            print(String(format: line, best))
        } catch {
            Terminal.error("error: \(error)")
            throw ExitCode(1)
        }
    }

    /// One scan: its seconds, and the report line with a `%.3f` left for the seconds.
    func scan(_ selected: [String]?) throws -> (Double, String) {
        let clock = ContinuousClock()
        let start = clock.now
        let reader = try ParquetFileReader(path: file)
        if let threads { reader.threadCount = threads }
        let scope = try PredicateScope(reader: reader, columns: selected, conditions: conditions)
        var rows = 0
        var columnCount = selected?.count ?? reader.schema.fields.count
        if conditions.isEmpty {
            // As many row groups at a time as there are threads, so that every thread has a
            // column to decode even when few columns are selected; and no list of matching
            // rows to build (it would cost more than some columns' decoding).
            var groups = scope.rowGroups[...]
            while !groups.isEmpty {
                let window = Array(groups.prefix(reader.threadCount))
                groups = groups.dropFirst(window.count)
                for batch in try reader.readRowGroups(window, columns: selected) {
                    rows += batch.rowCount
                    columnCount = batch.columns.count
                }
            }
        }
        for group in scope.rowGroups where !conditions.isEmpty {
            let (batch, matching) = try scope.read(group)
            rows += matching.count
            columnCount = batch.columns.count
        }
        let elapsed = clock.now - start
        let seconds = elapsed.seconds
        var line = String(format: "%d rows, %d column(s), %d row group(s) in ", rows, columnCount, reader.rowGroupCount) + "%.3f s"
        if !conditions.isEmpty { line += " (\(scope.rowGroups.count) row group(s) read, the others ruled out by statistics)" }
        return (seconds, line)
    }
}

/// The row groups and rows that `--where` conditions select, and the columns to show.
struct PredicateScope {
    let reader: ParquetFileReader
    let columns: [String]?
    let predicates: [ParquetPredicate]
    let rowGroups: [Int]

    init(reader: ParquetFileReader, columns: [String]?, conditions: [String]) throws {
        self.reader = reader
        self.columns = columns
        predicates = try conditions.map { condition throws(ParquetReadError) in try ParquetPredicate.parse(condition, schema: reader.schema) }
        rowGroups = try reader.rowGroups(matching: predicates)
    }

    /// Row group `group` with the shown columns, and the rows of it that satisfy the predicates.
    func read(_ group: Int) throws -> (RecordBatch, [Int]) {
        guard !predicates.isEmpty else {
            let batch = try reader.readRowGroup(group, columns: columns)
            return (batch, Array(0..<batch.rowCount))
        }
        let shown = columns ?? reader.schema.names
        let extra = predicates.map(\.column).filter { !shown.contains($0) }
        let batch = try reader.readRowGroup(group, columns: shown + Array(Set(extra)).sorted())
        let rows = try ParquetPredicate.matchingRows(in: batch, predicates)
        return (try batch.project(shown), rows)
    }
}
