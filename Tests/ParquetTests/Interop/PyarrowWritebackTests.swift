import Columnar
import Foundation
import Parquet
import Testing

/// Write-side differential test against pyarrow: interop/parquet_writeback.py generates random
/// tables (every flat type Sluice writes; for seeds 16–18 also structs, lists and maps nested up to
/// three deep, whose leaves' statistics are compared with pyarrow's own writing) with a manifest of Sluice writer options per file; Sluice
/// rewrites each file as `sluice parquet convert` does; the script's check mode then reads every
/// rewrite with pyarrow and compares types, values, row groups, encodings and statistics with the
/// original (see the expected mapping in the script's docstring).
@Suite("pyarrow write-back differential")
struct PyarrowWritebackTests {
    static let repository: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // Interop
        .deletingLastPathComponent()  // ParquetTests
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()  // repository
    static let script = repository.appendingPathComponent("interop/parquet_writeback.py")
    static let python = repository.appendingPathComponent("interop/.venv/bin/python")

    static let seeds = [11, 12, 13, 14, 15, 16, 17, 18]
    /// Seeds whose tables include nested columns.
    static let nestedSeeds: Set<Int> = [16, 17, 18]
    static let tablesPerSeed = 40

    @Test("random tables Sluice writes read back in pyarrow with the same values, types and statistics", arguments: seeds)
    func randomTables(seed: Int) throws {
        guard FileManager.default.isExecutableFile(atPath: Self.python.path) else {
            print("SKIPPED: interop/.venv missing (run scripts/test.sh); pyarrow write-back test not run")
            return
        }
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("sluice-pyarrow-writeback-\(seed)-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let generated = try Self.runScript(["generate", "--out", directory.path, "--seed", String(seed), "--count", String(Self.tablesPerSeed),
                                            "--nested", Self.nestedSeeds.contains(seed) ? "0.5" : "0"])
        try #require(generated.status == 0, "parquet_writeback.py generate failed (seed \(seed)):\n\(generated.stderr)")

        let files = try Self.manifestFiles(directory)
        #expect(files.count == Self.tablesPerSeed)
        var entries: [String: [String: Any]] = [:]
        for entry in files {
            let input = try #require(entry["input"] as? String), output = try #require(entry["output"] as? String)
            entries[output] = entry
            do {
                try Self.convert(directory.appendingPathComponent(input).path, to: directory.appendingPathComponent(output).path,
                                 options: try Self.writerOptions(entry))
            } catch {
                Issue.record("seed \(seed) \(input): Sluice could not rewrite it: \(error)\n\(Self.describe(entry))")
            }
        }
        let checked = try Self.runScript(["check", "--dir", directory.path])
        let results = Self.parseResults(checked.stdout)
        #expect(results.count == files.count, "check reported \(results.count) of \(files.count) files:\n\(checked.stderr)")
        var groups = 0
        for result in results {
            groups += result.rowGroups
            guard !result.problems.isEmpty else { continue }
            let entry = entries[result.file] ?? [:]
            let shown = result.problems.prefix(12).joined(separator: "\n  ")
            Issue.record("seed \(seed) \(result.file): \(result.problems.count) difference(s) from pyarrow:\n  \(shown)\n\(Self.describe(entry))")
        }
        #expect(checked.status == 0 || results.contains(where: { !$0.problems.isEmpty }), "check failed:\n\(checked.stderr)")
        print("pyarrow write-back: seed \(seed): \(results.count) files, \(groups) row groups, \(results.filter(\.problems.isEmpty).count) identical")
    }

    /// `sluice parquet convert`'s Parquet path, in process.
    static func convert(_ input: String, to output: String, options: ParquetWriterOptions) throws {
        let reader = try ParquetFileReader(path: input)
        let writer = try ParquetFileWriter(path: output, schema: reader.schema, options: options)
        for group in 0..<reader.rowGroupCount { try writer.write(try reader.readRowGroup(group)) }
        try writer.close()
    }

    /// The manifest entry's `sluice` options as writer options (what `convert`'s flags set).
    static func writerOptions(_ entry: [String: Any]) throws -> ParquetWriterOptions {
        let sluice = try #require(entry["sluice"] as? [String: Any])
        var options = ParquetWriterOptions()
        let codecs: [String: PageCodec] = ["snappy": .snappy, "zstd": .zstd, "gzip": .gzip, "none": .uncompressed]
        options.compression = try #require(codecs[sluice["compression"] as? String ?? ""], "codec in \(sluice)")
        options.pageVersion = try #require(sluice["page_version"] as? Int)
        options.dictionary = try #require(sluice["dictionary"] as? Bool)
        options.rowGroupRows = try #require(sluice["row_group_rows"] as? Int)
        if let pageSize = sluice["data_page_size"] as? Int { options.dataPageSize = pageSize }
        return options
    }

    static func manifestFiles(_ directory: URL) throws -> [[String: Any]] {
        let data = try Data(contentsOf: directory.appendingPathComponent("manifest.json"))
        let manifest = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        return try #require(manifest["files"] as? [[String: Any]])
    }

    /// One file's verdict from the check mode.
    struct CheckResult {
        var file: String
        var problems: [String]
        var rowGroups: Int
    }

    /// The check mode's JSON lines, one per file.
    static func parseResults(_ stdout: String) -> [CheckResult] {
        stdout.split(separator: "\n").compactMap { line in
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                let file = object["file"] as? String
            else { return nil }
            return CheckResult(file: file, problems: object["problems"] as? [String] ?? ["unreadable verdict: \(line)"],
                               rowGroups: object["row_groups"] as? Int ?? 0)
        }
    }

    /// Runs interop/parquet_writeback.py with `arguments`; stderr goes to a file so neither pipe
    /// can fill up and block the script.
    static func runScript(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        let errors = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-writeback-stderr-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: errors.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: errors) }
        let process = Process()
        process.executableURL = python
        process.arguments = [script.path] + arguments
        let out = Pipe()
        process.standardOutput = out
        process.standardError = try FileHandle(forWritingTo: errors)
        try process.run()
        let stdout = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, stdout, (try? String(contentsOf: errors, encoding: .utf8)) ?? "")
    }

    /// The manifest entry's columns, Sluice options and input options, for failure messages.
    static func describe(_ entry: [String: Any]) -> String {
        ["rows", "columns", "sluice", "input_options"].compactMap { key in
            guard let value = entry[key] else { return nil }
            guard JSONSerialization.isValidJSONObject(value),
                let data = try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .withoutEscapingSlashes])
            else { return "\(key)=\(value)" }
            return "\(key)=\(String(decoding: data, as: UTF8.self))"
        }.joined(separator: " ")
    }
}
