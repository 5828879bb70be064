import Columnar
import Foundation
import Parquet
import Testing

/// The Parquet files of the Delta Lake conformance tables (data files and checkpoints written by
/// Spark and delta-rs; checkpoints are deeply nested: add/remove/metaData structs with maps and
/// lists) must read back exactly as pyarrow reads them (interop/parquet_render.py).
@Suite("Parquet files of the Delta conformance tables")
struct DeltaCorpusParquetTests {
    static let tables = ReaderCorpus.root.deletingLastPathComponent().appendingPathComponent("delta/tables")

    @Test("every data file and checkpoint reads value-for-value as pyarrow reads it")
    func matchesPyarrow() throws {
        let python = PyarrowDifferentialTests.python
        guard FileManager.default.isExecutableFile(atPath: python.path) else {
            print("SKIPPED: interop/.venv missing (run scripts/test.sh); Delta corpus Parquet check not run")
            return
        }
        guard let walker = FileManager.default.enumerator(atPath: Self.tables.path) else {
            print("SKIPPED: Delta conformance tables \(Self.tables.path) are not present")
            return
        }
        let files = walker.compactMap { $0 as? String }.filter { $0.hasSuffix(".parquet") }.sorted()
            .map { Self.tables.appendingPathComponent($0).path }
        #expect(files.count > 300)
        var matched = 0, checkpoints = 0
        for line in try Self.render(files, python: python) {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let file = try #require(object["file"] as? String)
            guard let expected = object["text"] as? String else {
                Issue.record("pyarrow cannot read \(file): \(object["error"] ?? "?")")
                continue
            }
            do {
                let text = try ParquetFileReader(path: file).readAll().map(JSONLines.render).joined()
                #expect(text == expected, "\(file) differs from pyarrow")
                if text == expected {
                    matched += 1
                    if (file as NSString).lastPathComponent.contains(".checkpoint.") { checkpoints += 1 }
                }
            } catch {
                Issue.record("\(file): \(error)")
            }
        }
        #expect(matched == files.count)
        #expect(checkpoints > 10)
        print("Delta corpus: \(matched) of \(files.count) Parquet files match pyarrow (\(checkpoints) checkpoints)")
    }

    /// Runs interop/parquet_render.py over `files`; its output goes to a file, so no pipe can fill.
    static func render(_ files: [String], python: URL) throws -> [String] {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-render-\(UUID().uuidString).jsonl")
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: output) }
        let process = Process()
        process.executableURL = python
        process.arguments = [PyarrowDifferentialTests.repository.appendingPathComponent("interop/parquet_render.py").path] + files
        process.standardOutput = try FileHandle(forWritingTo: output)
        try process.run()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "parquet_render.py failed")
        return try String(contentsOf: output, encoding: .utf8).split(separator: "\n").map(String.init)
    }
}
