import ArgumentParser
import Columnar
import DeltaLake
import Foundation

/// `sluice delta`: read and inspect Delta Lake tables.
struct DeltaCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "delta", abstract: "Read and inspect Delta Lake tables.",
        subcommands: [DeltaRead.self, DeltaDescribe.self])
}

/// `sluice delta read`: print a table's rows (at a version) as JSON lines or CSV.
struct DeltaRead: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "read", abstract: "Print a table's rows as JSON lines (default) or CSV, as `parquet cat` does.")
    @Argument(help: "The table's directory.") var path: String
    @Option(help: "Read this version instead of the latest.") var version: Int64?
    @Option(help: "Columns to print, comma-separated, in this order (default: all).") var columns: String?
    @Option(help: "Stop after this many rows.") var limit: Int?
    @Option(help: "jsonl or csv.") var format = "jsonl"

    func run() throws {
        guard format == "jsonl" || format == "csv" else {
            Terminal.error("error: --format must be jsonl or csv, not '\(format)'")
            throw ExitCode(2)
        }
        let selected = columns?.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        do {
            let table = DeltaTable(path: path)
            let snapshot = try table.snapshot(version: version)
            let scan = TableScan(snapshot: snapshot, columns: selected)
            let names = try scan.outputFields().map(\.name)
            if format == "csv" { Terminal.output((names.map(CSVText.cell).joined(separator: ",") + "\n")) }
            var remaining = limit ?? Int.max
            for file in snapshot.files where remaining > 0 {
                for batch in try scan.read(file, storage: table.storage) where remaining > 0 {
                    let shown = Array((0 ..< batch.rowCount).prefix(remaining))
                    remaining -= shown.count
                    if format == "csv" {
                        Terminal.output(CSVText.render(batch, rows: shown))
                    } else {
                        Terminal.output(shown.map { JSONLines.renderRow($0, of: batch) + "\n" }.joined())
                    }
                }
            }
        } catch {
            Terminal.error("error: \(error)")
            throw ExitCode(1)
        }
    }
}

/// `sluice delta describe`: a table's version, protocol, schema, partitioning and files.
struct DeltaDescribe: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "describe", abstract: "Show a table's version, protocol, schema and size.")
    @Argument(help: "The table's directory.") var path: String
    @Option(help: "Describe this version instead of the latest.") var version: Int64?

    func run() throws {
        do {
            let snapshot = try DeltaTable(path: path).snapshot(version: version)
            let files = snapshot.files
            print("table:      \(snapshot.table)")
            print("version:    \(snapshot.version)")
            print("protocol:   reader \(snapshot.protocol.minReaderVersion), writer \(snapshot.protocol.minWriterVersion)"
                + (snapshot.protocol.readerFeatures.map { "; reader features \($0.joined(separator: ","))" } ?? "")
                + (snapshot.protocol.writerFeatures.map { "; writer features \($0.joined(separator: ","))" } ?? ""))
            print("id:         \(snapshot.metadata.id)")
            print("partitions: \(snapshot.partitionColumns.isEmpty ? "none" : snapshot.partitionColumns.joined(separator: ", "))")
            print("files:      \(files.count) (\(files.reduce(0) { $0 + $1.size }) bytes)")
            print("columns:")
            for field in snapshot.schema.fields {
                print("  \(field.name): \(field.type)\(field.nullable ? "" : " not null")")
            }
        } catch {
            Terminal.error("error: \(error)")
            throw ExitCode(1)
        }
    }
}
