import Columnar
import Foundation
import Testing
@testable import DeltaLake

/// What Sluice must do with a conformance table that delta-rs cannot fully read (or where the two
/// legitimately differ), with the reason.
enum PinnedOutcome {
    /// The log reads (the live files must equal delta-rs's) but a data file is not in the corpus.
    case dataFilesAbsent
    /// Sluice refuses the table with an error containing this text.
    case refused(String)
}

/// Tables whose outcome is pinned rather than compared row for row with delta-rs.
let pinnedDeltaTables: [String: PinnedOutcome] = [
    "checkpoint_with_partitions": .dataFilesAbsent,
    "checkpoints": .dataFilesAbsent,
    "checkpoints_vacuumed": .dataFilesAbsent,
    "latest_not_checkpointed": .dataFilesAbsent,
    "with_checkpoint_no_last_checkpoint": .dataFilesAbsent,
    "table-with-domain-metadata": .dataFilesAbsent,
    "checkpoints_tombstones": .refused("there is no _delta_log directory"),
    "golden": .refused("there is no _delta_log directory"),  // a folder of tables, each tested on its own
    "simple_table_features": .refused("reader version 5 is not supported"),
    "spark-shredded-variant-preview-delta": .refused("variantShredding-preview"),
    "spark-variant-checkpoint": .refused("reader feature variantType-preview"),
    "spark-variant-stable-feature-checkpoint": .refused("reader feature variantType"),
]

/// Rows where Sluice and delta-rs differ on purpose: INT96 timestamps before 1970 are floored to
/// microseconds, as Spark does (the nanoseconds of the day are non-negative); delta-rs truncates
/// the total toward zero and so rounds them up.
let pinnedDeltaRows: [String: [String]] = [
    "table_with_edge_timestamps": [
        #"{"BIG_DATE":"1816-03-28T05:56:08.066277Z","NORMAL_DATE":"2022-02-01T00:00:00.000000Z","SOME_VALUE":2}"#,
        #"{"BIG_DATE":"1816-03-29T05:56:08.066277Z","NORMAL_DATE":"2022-01-01T00:00:00.000000Z","SOME_VALUE":1}"#,
    ],
]

@Suite("Delta conformance tables against delta-rs")
struct ConformanceTests {
    @Test("every table at every version its log allows reads the rows delta-rs reads, or has its pinned outcome")
    func everyTable() throws {
        guard FileManager.default.isExecutableFile(atPath: DeltaCorpus.python.path) else {
            print("SKIPPED: interop/.venv missing (run scripts/test.sh); Delta conformance test not run")
            return
        }
        let names = DeltaCorpus.all
        guard !names.isEmpty else { return }
        var paths = names.map { DeltaCorpus.tables.appendingPathComponent($0).path }
        let golden = DeltaCorpus.tables.appendingPathComponent("golden")
        for name in (try? FileManager.default.contentsOfDirectory(atPath: golden.path))?.sorted() ?? [] {
            paths.append(golden.appendingPathComponent(name).path)
        }
        var compared = 0, pinned = 0
        for line in try Self.oracle(paths) {
            let entry = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let path = try #require(entry["table"] as? String)
            let name = (path as NSString).lastPathComponent
            let version = entry["version"] as? Int
            let context = "\(name) v\(version.map(String.init) ?? "latest")"
            if case .refused? = pinnedDeltaTables[name] {
                try Self.check(pinnedDeltaTables[name]!, path: path, version: version, delta: entry, context: context)
                pinned += 1
                continue
            }
            if entry["files"] == nil {
                // delta-rs cannot load this version's log (its commits were cleaned up, or it lacks
                // a protocol and metadata): Sluice must refuse it too.
                let error = #expect(throws: DeltaError.self) { try Self.sluiceRows(path, version: version.map(Int64.init)) }
                #expect(error?.kind == .invalidRequest || error?.kind == .corruptLog, "\(context): \(String(describing: error))")
                pinned += 1
                continue
            }
            if let outcome = pinnedDeltaTables[name] {
                try Self.check(outcome, path: path, version: version, delta: entry, context: context)
                pinned += 1
                continue
            }
            guard let expected = entry["rows"] as? [String] else {
                Issue.record("\(context): delta-rs cannot read it (\(entry["error"] ?? "?")) and no outcome is pinned")
                continue
            }
            let rows: [String]
            do {
                rows = try Self.sluiceRows(path, version: version.map(Int64.init))
            } catch {
                Issue.record("\(context): Sluice fails: \(error)")
                continue
            }
            if let pinnedRows = pinnedDeltaRows[name] {
                #expect(rows == pinnedRows, "\(context)")
            } else {
                #expect(rows == expected, "\(context): \(rows.count) rows vs delta-rs \(expected.count)\n\(Self.firstDifference(rows, expected))")
            }
            compared += 1
        }
        #expect(compared > 150)
        print("Delta conformance: \(compared) table versions match delta-rs, \(pinned) have pinned outcomes")
    }

    static func check(_ outcome: PinnedOutcome, path: String, version: Int?, delta: [String: Any], context: String) throws {
        switch outcome {
        case .dataFilesAbsent:
            let snapshot = try DeltaTable(path: path).snapshot(version: version.map(Int64.init))
            let files = snapshot.files.map(\.path).sorted()
            #expect(files == (delta["files"] as? [String])?.sorted(), "\(context): live files differ from delta-rs")
            if let first = snapshot.files.first {
                let error = #expect(throws: DeltaError.self) {
                    try TableScan(snapshot: snapshot).read(first, storage: LocalStorage(root: path))
                }
                #expect(error?.message.contains("cannot read the data file") == true, "\(context): \(String(describing: error))")
            }
        case .refused(let reason):
            let error = #expect(throws: DeltaError.self) { try sluiceRows(path, version: version.map(Int64.init)) }
            #expect(error?.description.contains(reason) == true, "\(context): \(String(describing: error))")
        }
    }

    /// Sluice's rows of the table at `version`, rendered and sorted.
    static func sluiceRows(_ path: String, version: Int64?) throws -> [String] {
        let table = DeltaTable(path: path)
        let snapshot = try table.snapshot(version: version)
        let batches = try TableScan(snapshot: snapshot).batches(storage: table.storage)
        return batches.flatMap { JSONLines.render($0).split(separator: "\n").map(String.init) }.sorted()
    }

    static func firstDifference(_ a: [String], _ b: [String]) -> String {
        guard let i = (0 ..< min(a.count, b.count)).first(where: { a[$0] != b[$0] }) else { return "" }
        return "first difference at sorted row \(i):\n  sluice:   \(a[i])\n  delta-rs: \(b[i])"
    }

    /// Runs interop/delta_oracle.py (with --all-versions unless told otherwise) over `arguments`
    /// (table paths, possibly `--version N`); output goes to a file.
    static func oracle(_ arguments: [String], allVersions: Bool = true) throws -> [String] {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-delta-oracle-\(UUID().uuidString).jsonl")
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: output) }
        let process = Process()
        process.executableURL = DeltaCorpus.python
        process.arguments = [DeltaCorpus.repository.appendingPathComponent("interop/delta_oracle.py").path]
            + (allVersions ? ["--all-versions"] : []) + arguments
        process.standardOutput = try FileHandle(forWritingTo: output)
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "delta_oracle.py failed")
        return try String(contentsOf: output, encoding: .utf8).split(separator: "\n").map(String.init)
    }
}
