import Foundation
import Testing

/// The pyarrow write-back check (interop/parquet_writeback.py) through the real
/// `sluice parquet convert` binary and its flags, for a few random tables; the in-process run over
/// many more lives in ParquetTests' PyarrowWritebackTests.
@Suite("sluice parquet convert: pyarrow write-back")
struct ParquetConvertWritebackTests {
    static let python = CLI.repositoryRoot + "/interop/.venv/bin/python"
    static let script = CLI.repositoryRoot + "/interop/parquet_writeback.py"

    /// Seeds whose 6 tables cover every codec, both page versions, dictionary on and off, time32[s]
    /// to time64[ns], decimal128(28, 10), time zones and row groups of 1 to 1000 rows.
    @Test("files rewritten by convert read back in pyarrow with the same values, types and statistics", arguments: [104, 118])
    func convertedFiles(seed: Int) throws {
        guard FileManager.default.isExecutableFile(atPath: Self.python) else {
            print("SKIPPED: interop/.venv missing (run scripts/test.sh); convert write-back test not run")
            return
        }
        let dir = try CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let generated = try Self.runScript(["generate", "--out", dir, "--seed", String(seed), "--count", "6"])
        try #require(generated.status == 0, "generate failed:\n\(generated.stderr)")
        let manifest = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/manifest.json"))) as? [String: Any])
        let files = try #require(manifest["files"] as? [[String: Any]])
        #expect(files.count == 6)
        for entry in files {
            let input = try #require(entry["input"] as? String), output = try #require(entry["output"] as? String)
            let sluice = try #require(entry["sluice"] as? [String: Any])
            // (data_page_size has no flag: convert writes its default pages.)
            let flags = [
                "--compression", try #require(sluice["compression"] as? String),
                "--page-version", String(try #require(sluice["page_version"] as? Int)),
                "--dictionary", try #require(sluice["dictionary"] as? Bool) ? "on" : "off",
                "--row-group-rows", String(try #require(sluice["row_group_rows"] as? Int)),
            ]
            let run = try CLI.run(["parquet", "convert", dir + "/" + input, dir + "/" + output] + flags)
            #expect(run.status == 0 && run.stdout.hasPrefix("wrote \(dir)/\(output): \(entry["rows"] ?? "?") rows"),
                    "convert \(input) \(flags.joined(separator: " ")): \(run.stdout)\(run.stderr)")
        }
        let checked = try Self.runScript(["check", "--dir", dir])
        #expect(checked.stderr.hasSuffix("6 of 6 files match\n"), "pyarrow check (seed \(seed)):\n\(checked.stdout)\(checked.stderr)")
        #expect(checked.status == 0)
    }

    /// Runs interop/parquet_writeback.py; stderr goes to a file so neither pipe can fill up.
    static func runScript(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        let errors = NSTemporaryDirectory() + "sluice-writeback-stderr-\(UUID().uuidString)"
        _ = FileManager.default.createFile(atPath: errors, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: errors) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [script] + arguments
        let out = Pipe()
        process.standardOutput = out
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errors))
        try process.run()
        let stdout = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let stderr = (try? String(contentsOfFile: errors, encoding: .utf8)) ?? ""
        return (process.terminationStatus, stdout, stderr)
    }
}
