import ArgumentParser
import Columnar
import DeltaLake
import Foundation

/// `sluice delta`: read and inspect Delta Lake tables.
struct DeltaCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "delta", abstract: "Read and inspect Delta Lake tables.",
        subcommands: [DeltaRead.self, DeltaScan.self, DeltaWrite.self, DeltaMerge.self, DeltaDelete.self, DeltaHistory.self, DeltaDescribe.self,
                      DeltaCheckpoint.self, DeltaOptimize.self, DeltaVacuum.self, DeltaRestore.self])
}

/// `sluice delta read`: print a table's rows (at a version) as JSON lines or CSV.
struct DeltaRead: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "read", abstract: "Print a table's rows as JSON lines (default) or CSV, as `parquet cat` does.")
    @Argument(help: "The table: its directory, or db.table under the lake root (lake.root).") var path: String
    @OptionGroup var global: GlobalOptions
    @Flag(help: "Print the seconds the command's work took (after start-up) to stderr, for benchmarks.") var timing = false
    @Option(help: "Read this version instead of the latest.") var version: Int64?
    @Option(help: "Read the version current at this time (ISO-8601, e.g. 2024-01-02T10:00:00Z).") var timestamp: String?
    @Option(help: "Columns to print, comma-separated, in this order (default: all).") var columns: String?
    @Option(name: .customLong("where"), help: "Keep the rows matching this predicate (files ruled out by partitions and stats are not read).")
    var condition: String?
    @Option(help: "Stop after this many rows.") var limit: Int?
    @Option(help: "jsonl or csv.") var format = "jsonl"

    func run() throws {
        let path = try DeltaTarget.resolve(self.path, global)
        guard format == "jsonl" || format == "csv" else {
            Terminal.error("error: --format must be jsonl or csv, not '\(format)'")
            throw ExitCode(2)
        }
        let selected = columns?.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        if version != nil && timestamp != nil {
            Terminal.error("error: give --version or --timestamp, not both")
            throw ExitCode(2)
        }
        try reportingErrors(timing: timing) {
            let table = DeltaTable(path: path)
            let snapshot: Snapshot
            if let timestamp {
                guard case .timestamp(let micros, _, _)? = PartitionValues.parse(timestamp, as: .timestamp(.micro, timezone: "UTC")) else {
                    Terminal.error("error: --timestamp '\(timestamp)' is not a timestamp (expected e.g. 2024-01-02T10:00:00Z)")
                    throw ExitCode(2)
                }
                snapshot = try table.snapshot(asOf: micros / 1000)
            } else {
                snapshot = try table.snapshot(version: version)
            }
            let filter = try condition.map { try ExpressionParser.parse($0, schema: snapshot.schema) }
            // The predicate's columns are read too, then dropped if not asked for.
            let shownNames = try TableScan(snapshot: snapshot, columns: selected).outputFields().map(\.name)
            let readNames = shownNames + (filter?.columns.subtracting(shownNames).sorted() ?? [])
            let scan = TableScan(snapshot: snapshot, columns: readNames)
            if format == "csv" { Terminal.output((shownNames.map(CSVText.cell).joined(separator: ",") + "\n")) }
            var remaining = limit ?? Int.max
            for file in scan.files(matching: filter) where remaining > 0 {
                for whole in try scan.read(file, storage: table.storage) where remaining > 0 {
                    let matching = try filter.map { try $0.matches(whole) } ?? [Bool](repeating: true, count: whole.rowCount)
                    let batch = try whole.project(shownNames)
                    let shown = Array((0 ..< batch.rowCount).filter { matching[$0] }.prefix(remaining))
                    remaining -= shown.count
                    if format == "csv" {
                        Terminal.output(CSVText.render(batch, rows: shown))
                    } else {
                        Terminal.output(shown.map { JSONLines.renderRow($0, of: batch) + "\n" }.joined())
                    }
                }
            }
        }
    }
}

/// `sluice delta describe`: a table's version, protocol, schema, partitioning and files.
struct DeltaDescribe: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "describe", abstract: "Show a table's version, protocol, schema and size.")
    @Argument(help: "The table: its directory, or db.table under the lake root (lake.root).") var path: String
    @OptionGroup var global: GlobalOptions
    @Flag(help: "Print the seconds the command's work took (after start-up) to stderr, for benchmarks.") var timing = false
    @Option(help: "Describe this version instead of the latest.") var version: Int64?
    @Flag(help: "Print one JSON object.") var json = false

    func run() throws {
        let path = try DeltaTarget.resolve(self.path, global)
        try reportingErrors(timing: timing) {
            let snapshot = try DeltaTable(path: path).snapshot(version: version)
            let files = snapshot.files
            if json {
                let proto = snapshot.protocol
                var protocolMembers: [(key: String, value: JSONNode)] = [
                    ("minReaderVersion", .int(Int64(proto.minReaderVersion))), ("minWriterVersion", .int(Int64(proto.minWriterVersion))),
                ]
                if let features = proto.readerFeatures { protocolMembers.append(("readerFeatures", .array(features.map(JSONNode.string)))) }
                if let features = proto.writerFeatures { protocolMembers.append(("writerFeatures", .array(features.map(JSONNode.string)))) }
                let object = JSONNode.object([
                    ("table", .string(snapshot.table)), ("version", .int(snapshot.version)), ("id", .string(snapshot.metadata.id)),
                    ("protocol", .object(protocolMembers)),
                    ("partitionColumns", .array(snapshot.partitionColumns.map(JSONNode.string))),
                    ("numFiles", .int(Int64(files.count))), ("sizeInBytes", .int(files.reduce(0) { $0 + $1.size })),
                    ("configuration", .object(snapshot.metadata.configuration.keys.sorted().map { ($0, .string(snapshot.metadata.configuration[$0]!)) })),
                    ("schema", (try? JSONParser.parse(snapshot.metadata.schemaString)) ?? .string(snapshot.metadata.schemaString)),
                ])
                print(object.text)
                return
            }
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
        }
    }
}

/// `sluice delta write`: append or overwrite rows from a Parquet or CSV file (creating the table).
struct DeltaWrite: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "write", abstract: "Write rows from a Parquet or CSV file into a table, creating it if needed.")
    @Argument(help: "The table: its directory, or db.table under the lake root (lake.root).") var path: String
    @OptionGroup var global: GlobalOptions
    @Flag(help: "Print the seconds the command's work took (after start-up) to stderr, for benchmarks.") var timing = false
    @Option(help: "The rows: a .parquet file or a .csv file with a header row.") var from: String
    @Option(help: "append, overwrite, error (refuse if the table exists) or ignore (do nothing if it exists).") var mode = "append"
    @Option(help: "Partition columns of a new table, comma-separated.") var partitionBy: String?
    @Option(help: "With overwrite: replace only the rows matching this predicate.") var replaceWhere: String?
    @Option(help: "merge (add new columns) or overwrite (replace the schema; with --mode overwrite).") var schemaMode: String?
    @Option(help: "CSV column types, e.g. \"date:date,ticker:string,close:double\" (default: inferred).") var schema: String?
    @Option(help: "Idempotent write: the application id.") var appId: String?
    @Option(help: "Idempotent write: the application's version; skipped if already committed.") var appVersion: Int64?

    func run() throws {
        let path = try DeltaTarget.resolve(self.path, global)
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
        try reportingErrors(timing: timing) {
            let result = try DeltaTable(path: path).write(batches, options: options)
            DeltaReport.print(result)
        }
    }
}

/// `sluice delta checkpoint`: write a checkpoint of the latest version.
struct DeltaCheckpoint: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "checkpoint", abstract: "Write a checkpoint of the latest version.")
    @Argument(help: "The table: its directory, or db.table under the lake root (lake.root).") var path: String
    @OptionGroup var global: GlobalOptions
    @Flag(help: "Print the seconds the command's work took (after start-up) to stderr, for benchmarks.") var timing = false

    func run() throws {
        let path = try DeltaTarget.resolve(self.path, global)
        try reportingErrors(timing: timing) {
            let version = try Checkpointer(table: DeltaTable(path: path)).write()
            print("checkpoint written at version \(version)")
        }
    }
}

/// `sluice delta merge`: upsert rows from a file on key columns.
struct DeltaMerge: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge", abstract: "Upsert rows from a Parquet or CSV file into a table on key columns.")
    @Argument(help: "The table: its directory, or db.table under the lake root (lake.root).") var path: String
    @OptionGroup var global: GlobalOptions
    @Flag(help: "Print the seconds the command's work took (after start-up) to stderr, for benchmarks.") var timing = false
    @Option(help: "The source rows: a .parquet or .csv file.") var from: String
    @Option(help: "Key columns, comma-separated.") var on: String
    @Option(help: "update-all, delete or ignore.") var whenMatched = "update-all"
    @Option(help: "insert-all or ignore.") var whenNotMatched = "insert-all"
    @Option(help: "CSV column types (default: inferred).") var schema: String?

    func run() throws {
        let path = try DeltaTarget.resolve(self.path, global)
        guard let matched = MergeMatchedAction(rawValue: whenMatched) else {
            Terminal.error("error: --when-matched must be update-all, delete or ignore, not '\(whenMatched)'")
            throw ExitCode(2)
        }
        guard let notMatched = MergeNotMatchedAction(rawValue: whenNotMatched) else {
            Terminal.error("error: --when-not-matched must be insert-all or ignore, not '\(whenNotMatched)'")
            throw ExitCode(2)
        }
        let keys = on.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        let batches = try InputFiles.batches(from, schema: schema)
        try reportingErrors(timing: timing) {
            let result = try DeltaTable(path: path).merge(batches, on: keys, whenMatched: matched, whenNotMatched: notMatched)
            DeltaReport.print(result)
        }
    }
}

/// `sluice delta delete`: delete the rows matching a predicate.
struct DeltaDelete: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "delete", abstract: "Delete the rows matching a predicate.")
    @Argument(help: "The table: its directory, or db.table under the lake root (lake.root).") var path: String
    @OptionGroup var global: GlobalOptions
    @Flag(help: "Print the seconds the command's work took (after start-up) to stderr, for benchmarks.") var timing = false
    @Option(name: .customLong("where"), help: "The rows to delete, e.g. \"date < '2020-01-01'\".") var condition: String

    func run() throws {
        let path = try DeltaTarget.resolve(self.path, global)
        try reportingErrors(timing: timing) {
            DeltaReport.print(try DeltaTable(path: path).delete(where: condition))
        }
    }
}

/// `sluice delta history`: the table's commits, newest first.
struct DeltaHistory: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "history", abstract: "List the table's commits, newest first.")
    @Argument(help: "The table: its directory, or db.table under the lake root (lake.root).") var path: String
    @OptionGroup var global: GlobalOptions
    @Flag(help: "Print the seconds the command's work took (after start-up) to stderr, for benchmarks.") var timing = false
    @Flag(help: "One JSON object per commit instead of a table.") var json = false

    func run() throws {
        let path = try DeltaTarget.resolve(self.path, global)
        try reportingErrors(timing: timing) {
            let entries = try DeltaTable(path: path).history().reversed()
            if json {
                for entry in entries {
                    let object = JSONNode.object([("version", .int(entry.version)), ("timestamp", .int(entry.timestamp)),
                                                  ("commitInfo", entry.commitInfo ?? .null)])
                    print(object.text)
                }
                return
            }
            let rows = entries.map { entry in
                [String(entry.version), TextFormat.timestamp(entry.timestamp, unit: .milli, utc: true), entry.operation ?? "",
                 entry.commitInfo?["operationParameters"]?.text ?? "", entry.commitInfo?["engineInfo"]?.stringValue ?? ""]
            }
            print(Terminal.table(["VERSION", "TIMESTAMP", "OPERATION", "PARAMETERS", "ENGINE"], rows))
        }
    }
}

/// The one-line report of a commit.
enum DeltaReport {
    static func print(_ result: CommitResult) {
        for warning in result.warnings { Terminal.error("warning: \(warning)") }
        if let version = result.version {
            Swift.print("committed version \(version): \(result.rows) rows in \(result.addedFiles) file(s), \(result.removedFiles) file(s) removed")
        } else {
            Swift.print("nothing committed: \(result.skipped ?? "no change")")
        }
    }
}

/// `sluice delta optimize`: compact small files (optionally Z-ordered).
struct DeltaOptimize: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "optimize", abstract: "Compact small files, optionally Z-ordered by columns.")
    @Argument(help: "The table: its directory, or db.table under the lake root (lake.root).") var path: String
    @OptionGroup var global: GlobalOptions
    @Flag(help: "Print the seconds the command's work took (after start-up) to stderr, for benchmarks.") var timing = false
    @Option(help: "Z-order columns, comma-separated (rewrites every file of each partition).") var zorder: String?

    func run() throws {
        let path = try DeltaTarget.resolve(self.path, global)
        try reportingErrors(timing: timing) {
            let columns = zorder?.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } ?? []
            DeltaReport.print(try DeltaTable(path: path).optimize(zOrderBy: columns))
        }
    }
}

/// `sluice delta vacuum`: delete files no version within the retention needs.
struct DeltaVacuum: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "vacuum", abstract: "Delete data files no longer needed within the retention.")
    @Argument(help: "The table: its directory, or db.table under the lake root (lake.root).") var path: String
    @OptionGroup var global: GlobalOptions
    @Flag(help: "Print the seconds the command's work took (after start-up) to stderr, for benchmarks.") var timing = false
    @Option(help: "Retention in hours (default: the table's delta.deletedFileRetentionDuration, 168).") var retentionHours: Double?
    @Flag(help: "List the files without deleting them.") var dryRun = false
    @Flag(help: "Allow a retention shorter than the table's.") var force = false

    func run() throws {
        let path = try DeltaTarget.resolve(self.path, global)
        try reportingErrors(timing: timing) {
            let result = try DeltaTable(path: path).vacuum(retentionHours: retentionHours, dryRun: dryRun, force: force)
            for file in result.files { print(file) }
            print("\(dryRun ? "would delete" : "deleted") \(result.files.count) file(s), \(result.bytes) bytes")
        }
    }
}

/// `sluice delta restore`: make an earlier version current again.
struct DeltaRestore: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "restore", abstract: "Restore the table to an earlier version (as a new commit).")
    @Argument(help: "The table: its directory, or db.table under the lake root (lake.root).") var path: String
    @OptionGroup var global: GlobalOptions
    @Flag(help: "Print the seconds the command's work took (after start-up) to stderr, for benchmarks.") var timing = false
    @Option(help: "The version to restore.") var version: Int64

    func run() throws {
        let path = try DeltaTarget.resolve(self.path, global)
        try reportingErrors(timing: timing) {
            DeltaReport.print(try DeltaTable(path: path).restore(version: version))
        }
    }
}

/// `sluice delta scan`: read a table's rows without printing them; report the count and time.
struct DeltaScan: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scan", abstract: "Read a table's rows without printing them; report rows, files and seconds.")
    @Argument(help: "The table: its directory, or db.table under the lake root (lake.root).") var path: String
    @OptionGroup var global: GlobalOptions
    @Flag(help: "Print the seconds the command's work took (after start-up) to stderr, for benchmarks.") var timing = false
    @Option(help: "Read this version instead of the latest.") var version: Int64?
    @Option(name: .customLong("where"), help: "Count only the rows matching this predicate.") var condition: String?

    func run() throws {
        let path = try DeltaTarget.resolve(self.path, global)
        let clock = ContinuousClock()
        let start = clock.now
        try reportingErrors(timing: timing) {
            let table = DeltaTable(path: path)
            let snapshot = try table.snapshot(version: version)
            let filter = try condition.map { try ExpressionParser.parse($0, schema: snapshot.schema) }
            let scan = TableScan(snapshot: snapshot)
            let files = scan.files(matching: filter)
            var rows = 0
            for file in files {
                for batch in try scan.read(file, storage: table.storage) {
                    rows += try filter.map { try $0.matches(batch).reduce(0) { $0 + ($1 ? 1 : 0) } } ?? batch.rowCount
                }
            }
            let elapsed = clock.now - start
            let seconds = elapsed.seconds
            print(String(format: "%d rows from %d of %d file(s) at version %lld in %.3f s", rows, files.count, snapshot.files.count,
                         snapshot.version, seconds))
        }
    }
}

/// Resolves a table argument: an existing directory or anything with a `/` is a path; `db.table`
/// is the table under the configured lake root.
enum DeltaTarget {
    static func resolve(_ argument: String, _ global: GlobalOptions) throws -> String {
        guard DeltaCatalog.isTableName(argument), !FileManager.default.fileExists(atPath: argument) else { return argument }
        let config = try global.loadConfig()
        return DeltaCatalog.path(lakeRoot: config.path("lake", "root"), name: argument)
    }
}

/// This process's peak resident memory in MiB: `VmHWM` of /proc/self/status, which starts afresh
/// at exec. (`ru_maxrss` does not: a child spawned by a large parent, e.g. a test runner using
/// vfork, reports the parent's peak as its own.)
extension Duration {
    /// The duration in seconds, for timings printed with `%.3f`.
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}

func peakResidentMiB() -> Int? {
    if let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
       let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
       let kib = Int(line.dropFirst("VmHWM:".count).trimmingCharacters(in: .whitespaces).split(separator: " ").first ?? "") {
        return kib / 1024
    }
    var usage = rusage()
    return getrusage(RUSAGE_SELF.rawValue, &usage) == 0 ? usage.ru_maxrss / 1024 : nil
}

/// Runs a command's work; an error other than an exit code becomes one line on stderr
/// (`error: TABLE: ...`) and exit status 1.
func reportingErrors(timing: Bool = false, _ body: () throws -> Void) throws {
    let clock = ContinuousClock()
    let start = clock.now
    defer {
        if timing {
            let elapsed = clock.now - start
            Terminal.error(String(format: "took %.3f s", elapsed.seconds))
            if let peak = peakResidentMiB() { Terminal.error("peak memory \(peak) MiB") }
        }
    }
    do {
        try body()
    } catch let exit as ExitCode {
        throw exit
    } catch {
        Terminal.error("error: \(error)")
        throw ExitCode(1)
    }
}
