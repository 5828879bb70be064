import Columnar
import Foundation
import Parquet
import Testing

/// Differential test against pyarrow: interop/parquet_random.py writes random tables (flat for
/// seeds 1–4; for seeds 5–8 half the columns are structs, lists and maps nested up to three deep) with
/// random writer options (codecs, dictionary on/off, data page v1/v2, small pages and row groups,
/// DELTA_* and BYTE_STREAM_SPLIT encodings, statistics on/off) plus pyarrow's own reading of each
/// file rendered the way `JSONLines.render` renders; every file must read back to exactly that text.
@Suite("pyarrow differential")
struct PyarrowDifferentialTests {
    static let repository: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // Interop
        .deletingLastPathComponent()  // ParquetTests
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()  // repository
    static let script = repository.appendingPathComponent("interop/parquet_random.py")
    static let python = repository.appendingPathComponent("interop/.venv/bin/python")

    static let seeds = [1, 2, 3, 4, 5, 6, 7, 8]
    /// Seeds whose tables include nested columns.
    static let nestedSeeds: Set<Int> = [5, 6, 7, 8]
    static let tablesPerSeed = 50

    @Test("random pyarrow files read back exactly as pyarrow reads them", arguments: seeds)
    func randomFiles(seed: Int) throws {
        guard FileManager.default.isExecutableFile(atPath: Self.python.path) else {
            print("SKIPPED: interop/.venv missing (run scripts/test.sh)")
            return
        }
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("sluice-pyarrow-diff-\(seed)-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        try runGenerator(seed: seed, into: directory)

        let manifestData = try Data(contentsOf: directory.appendingPathComponent("manifest.json"))
        let manifest = try #require(try JSONSerialization.jsonObject(with: manifestData) as? [String: Any])
        let files = try #require(manifest["files"] as? [[String: Any]])
        #expect(files.count == Self.tablesPerSeed)

        var rowsCompared = 0
        for entry in files {
            let parquet = try #require(entry["parquet"] as? String)
            let jsonl = try #require(entry["jsonl"] as? String)
            let context = "seed \(seed) \(parquet): \(Self.describe(entry))"
            let expected = try String(contentsOf: directory.appendingPathComponent(jsonl), encoding: .utf8)
            let actual: String
            do {
                let reader = try ParquetFileReader(path: directory.appendingPathComponent(parquet).path)
                actual = try reader.readAll().map(JSONLines.render).joined()
            } catch {
                Issue.record("\(context)\nread failed: \(error)")
                continue
            }
            if actual != expected {
                Issue.record("\(context)\n\(Self.firstDifference(expected: expected, actual: actual))")
            } else {
                rowsCompared += (entry["rows"] as? Int) ?? 0
            }
        }
        print("pyarrow differential: seed \(seed): \(files.count) files, \(rowsCompared) rows matched")
    }

    private func runGenerator(seed: Int, into directory: URL) throws {
        let process = Process()
        process.executableURL = Self.python
        process.arguments = [
            Self.script.path, "--out", directory.path, "--seed", String(seed), "--count", String(Self.tablesPerSeed),
            "--nested", Self.nestedSeeds.contains(seed) ? "0.5" : "0",
        ]
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        let errorText = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "parquet_random.py failed (seed \(seed)):\n\(errorText)")
    }

    /// The manifest entry's columns and writer options, for failure messages.
    static func describe(_ entry: [String: Any]) -> String {
        var parts: [String] = []
        for key in ["rows", "row_groups", "columns", "options"] {
            guard let value = entry[key] else { continue }
            if JSONSerialization.isValidJSONObject(value),
                let data = try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .withoutEscapingSlashes])
            {
                parts.append("\(key)=\(String(decoding: data, as: UTF8.self))")
            } else {
                parts.append("\(key)=\(value)")
            }
        }
        return parts.joined(separator: " ")
    }

    /// The first line where the two renderings differ (1-based), with both versions.
    static func firstDifference(expected: String, actual: String) -> String {
        let expectedLines = expected.split(separator: "\n", omittingEmptySubsequences: false)
        let actualLines = actual.split(separator: "\n", omittingEmptySubsequences: false)
        for index in 0 ..< max(expectedLines.count, actualLines.count) {
            let e = index < expectedLines.count ? String(expectedLines[index]) : "<end of output>"
            let a = index < actualLines.count ? String(actualLines[index]) : "<end of output>"
            if e != a {
                return "first difference at line \(index + 1) (pyarrow \(expectedLines.count - 1) rows, Sluice \(actualLines.count - 1) rows)\n  pyarrow: \(e)\n  sluice:  \(a)"
            }
        }
        return "renderings differ"
    }
}
