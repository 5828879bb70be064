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
        at a time. Nested columns are not readable yet: name the flat ones with --columns.
        """)
    @Argument(help: "The Parquet file.") var file: String
    @Option(help: "Columns to print, comma-separated, in this order (default: all).") var columns: String?
    @Option(help: "Stop after this many rows.") var limit: Int?
    @Option(help: "jsonl or csv.") var format = "jsonl"

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
        let out = FileHandle.standardOutput
        do {
            let reader = try ParquetFileReader(path: file)
            var remaining = limit ?? Int.max
            var wroteHeader = false
            for group in 0..<reader.rowGroupCount where remaining > 0 {
                var batch = try reader.readRowGroup(group, columns: selected)
                if batch.rowCount > remaining { batch = batch.slice(offset: 0, count: remaining) }
                remaining -= batch.rowCount
                if format == "csv" {
                    if !wroteHeader {
                        out.write(Data((batch.schema.fields.map { CSVText.cell($0.name) }.joined(separator: ",") + "\n").utf8))
                        wroteHeader = true
                    }
                    out.write(Data(CSVText.render(batch).utf8))
                } else {
                    out.write(Data(JSONLines.render(batch).utf8))
                }
            }
            if format == "csv" && !wroteHeader {
                // No row groups: still print the header of the selected columns.
                let names = selected ?? reader.schema.fields.map(\.name)
                out.write(Data((names.map(CSVText.cell).joined(separator: ",") + "\n").utf8))
            }
        } catch {
            Terminal.error("error: \(error)")
            throw ExitCode(1)
        }
    }
}

/// CSV rendering (RFC 4180): values as in JSONL, strings unquoted unless they need quoting, null empty.
enum CSVText {
    static func render(_ batch: RecordBatch) -> String {
        var text = ""
        for row in 0..<batch.rowCount {
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

    func run() throws {
        let selected = columns?.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        let clock = ContinuousClock()
        let start = clock.now
        do {
            let reader = try ParquetFileReader(path: file)
            var rows = 0
            var columnCount = 0
            for group in 0..<reader.rowGroupCount {
                let batch = try reader.readRowGroup(group, columns: selected)
                rows += batch.rowCount
                columnCount = batch.columns.count
            }
            let elapsed = clock.now - start
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            print(String(format: "%d rows, %d column(s), %d row group(s) in %.3f s", rows, columnCount, reader.rowGroupCount, seconds))
        } catch {
            Terminal.error("error: \(error)")
            throw ExitCode(1)
        }
    }
}
