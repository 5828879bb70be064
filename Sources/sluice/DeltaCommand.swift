import ArgumentParser
import Columnar
import DeltaLake
import Foundation

/// `sluice delta`: read and inspect Delta Lake tables.
struct DeltaCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "delta", abstract: "Read and inspect Delta Lake tables.",
        subcommands: [DeltaRead.self, DeltaWrite.self, DeltaDescribe.self, DeltaCheckpoint.self])
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

/// `sluice delta write`: append or overwrite rows from a Parquet or CSV file (creating the table).
struct DeltaWrite: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "write", abstract: "Write rows from a Parquet or CSV file into a table, creating it if needed.")
    @Argument(help: "The table's directory.") var path: String
    @Option(help: "The rows: a .parquet file or a .csv file with a header row.") var from: String
    @Option(help: "append, overwrite, error (refuse if the table exists) or ignore (do nothing if it exists).") var mode = "append"
    @Option(help: "Partition columns of a new table, comma-separated.") var partitionBy: String?
    @Option(help: "With overwrite: replace only the rows matching this predicate.") var replaceWhere: String?
    @Option(help: "merge (add new columns) or overwrite (replace the schema; with --mode overwrite).") var schemaMode: String?
    @Option(help: "CSV column types, e.g. \"date:date,ticker:string,close:double\" (default: inferred).") var schema: String?
    @Option(help: "Idempotent write: the application id.") var appId: String?
    @Option(help: "Idempotent write: the application's version; skipped if already committed.") var appVersion: Int64?

    func run() throws {
        var options = WriteOptions()
        guard let mode = WriteMode(rawValue: mode) else {
            Terminal.error("error: --mode must be append, overwrite, error or ignore, not '\(self.mode)'")
            throw ExitCode(2)
        }
        options.mode = mode
        if let schemaMode {
            guard let parsed = SchemaMode(rawValue: schemaMode) else {
                Terminal.error("error: --schema-mode must be merge or overwrite, not '\(schemaMode)'")
                throw ExitCode(2)
            }
            options.schemaMode = parsed
        }
        if (appId == nil) != (appVersion == nil) {
            Terminal.error("error: --app-id and --app-version go together")
            throw ExitCode(2)
        }
        if replaceWhere != nil && mode != .overwrite {
            Terminal.error("error: --replace-where needs --mode overwrite")
            throw ExitCode(2)
        }
        options.partitionBy = partitionBy?.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        options.replaceWhere = replaceWhere
        options.appId = appId
        options.appVersion = appVersion
        let batches = try InputFiles.batches(from, schema: schema)
        do {
            let result = try DeltaTable(path: path).write(batches, options: options)
            if let version = result.version {
                print("committed version \(version): \(result.rows) rows in \(result.addedFiles) file(s), \(result.removedFiles) file(s) removed")
            } else {
                print("nothing committed: \(result.skipped ?? "no change")")
            }
        } catch {
            Terminal.error("error: \(error)")
            throw ExitCode(1)
        }
    }
}

/// `sluice delta checkpoint`: write a checkpoint of the latest version.
struct DeltaCheckpoint: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "checkpoint", abstract: "Write a checkpoint of the latest version.")
    @Argument(help: "The table's directory.") var path: String

    func run() throws {
        do {
            let version = try Checkpointer(table: DeltaTable(path: path)).write()
            print("checkpoint written at version \(version)")
        } catch {
            Terminal.error("error: \(error)")
            throw ExitCode(1)
        }
    }
}
