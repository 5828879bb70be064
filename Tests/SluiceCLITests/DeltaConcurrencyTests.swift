import Foundation
import SluiceCore
import Testing

@Suite("sluice delta under concurrent writers and kill -9")
struct DeltaConcurrencyTests {
    /// Runs `script` with bash; returns its status and combined output.
    static func bash(_ script: String) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = ["-c", script]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    @Test("8 processes x 25 commits (appends and merges) to one table: every commit lands once, no row lost or duplicated")
    func eightWriters() throws {
        let dir = try CLI.temporaryFolder()
        let table = dir + "/table"
        // Each commit adds 4 rows with unique ids; every fifth commit is a MERGE keyed on id.
        var script = "set -u\nfail=0\n"
        for writer in 0..<8 {
            script += "(\n"
            for commit in 0..<25 {
                let file = "\(dir)/w\(writer)-\(commit).csv"
                let rows = (0..<4).map { k in "\(writer * 10_000 + commit * 10 + k),w\(writer),\(commit)" }.joined(separator: "\n")
                try ("id,writer,commit\n" + rows + "\n").write(toFile: file, atomically: true, encoding: .utf8)
                let command = commit % 5 == 4
                    ? "merge '\(table)' --from '\(file)' --on id"
                    : "write '\(table)' --from '\(file)' --schema id:int64,writer:string,commit:int64"
                script += "  '\(CLI.binary)' delta \(command) > /dev/null || { echo \"writer \(writer) commit \(commit) failed\"; exit 1; }\n"
            }
            script += ") &\npids=\"${pids:-} $!\"\n"
        }
        script += "for p in $pids; do wait $p || fail=1; done\nexit $fail\n"
        let run = try Self.bash(script)
        #expect(run.status == 0, "\(run.output)")
        let read = try CLI.run(["delta", "read", table, "--columns", "id", "--format", "csv"])
        #expect(read.status == 0, "\(read.stderr)")
        let ids = read.stdout.split(separator: "\n").dropFirst().map(String.init)
        #expect(ids.count == 8 * 25 * 4)
        #expect(Set(ids).count == ids.count, "duplicated rows")
        let history = try CLI.run(["delta", "history", table, "--json"])
        #expect(history.stdout.split(separator: "\n").count == 200, "one commit per write or merge")
        if let deltaRows = try Self.deltaRowCount(table) { #expect(deltaRows == 800) }
    }

    @Test("kill -9 of writers mid-commit leaves the table readable with only whole commits")
    func killedWriters() throws {
        let dir = try CLI.temporaryFolder()
        let table = dir + "/table"
        let rows = 50_000
        var csv = "id,payload\n"
        for i in 0..<rows { csv += "\(i),payload-\(i % 97)\n" }
        try csv.write(toFile: dir + "/in.csv", atomically: true, encoding: .utf8)
        #expect(try CLI.run(["parquet", "convert", dir + "/in.csv", dir + "/in.parquet"]).status == 0)
        for attempt in 0..<6 {
            // Kill at a different moment each time: before, during and after the data files.
            let delay = [0.05, 0.15, 0.3, 0.45, 0.6, 0.9][attempt]
            _ = try Self.bash("'\(CLI.binary)' delta write '\(table)' --from '\(dir)/in.parquet' > /dev/null 2>&1 & pid=$!; sleep \(delay); kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null; true")
        }
        _ = try CLI.run(["delta", "write", table, "--from", dir + "/in.parquet"])
        let history = try CLI.run(["delta", "history", table, "--json"])
        #expect(history.status == 0, "\(history.stderr)")
        let commits = history.stdout.split(separator: "\n").count
        let read = try CLI.run(["delta", "read", table, "--columns", "id", "--format", "csv"])
        #expect(read.status == 0, "\(read.stderr)")
        #expect(read.stdout.split(separator: "\n").count - 1 == commits * rows, "every commit whole, nothing else")
        if let deltaRows = try Self.deltaRowCount(table) { #expect(deltaRows == commits * rows) }
    }

    /// delta-rs's row count of the table, or nil without the interop venv.
    static func deltaRowCount(_ table: String) throws -> Int? {
        let python = CLI.repositoryRoot + "/interop/.venv/bin/python"
        guard FileManager.default.isExecutableFile(atPath: python) else {
            print("SKIPPED: interop/.venv missing; delta-rs check not run")
            return nil
        }
        let run = try bash("'\(python)' '\(CLI.repositoryRoot)/interop/delta_oracle.py' '\(table)'")
        guard let data = run.output.split(separator: "\n").last.map({ Data($0.utf8) }),
              let entry = try JSONSerialization.jsonObject(with: data) as? [String: Any], let rows = entry["rows"] as? [String]
        else {
            Issue.record("delta-rs cannot read \(table): \(run.output)")
            return nil
        }
        return rows.count
    }
}
