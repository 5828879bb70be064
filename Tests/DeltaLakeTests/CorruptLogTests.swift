import Foundation
import Testing
@testable import DeltaLake

@Suite("Delta: broken logs give one-line errors naming the file, line or version")
struct CorruptLogTests {
    /// A two-version table to break.
    static func table() throws -> String {
        let path = WriteSupport.folder()
        try DeltaTable(path: path).write([WriteSupport.prices(days: 0 ... 0, tickers: ["A"])])
        try DeltaTable(path: path).write([WriteSupport.prices(days: 1 ... 1, tickers: ["A"])])
        return path
    }

    static func error(_ path: String, version: Int64? = nil) -> DeltaError? {
        #expect(throws: DeltaError.self) { _ = try ConformanceTests.sluiceRows(path, version: version) }
    }

    @Test("a line that is not JSON, or an action missing a field, names the commit file and line")
    func badLines() throws {
        let path = try Self.table()
        let commit = path + "/_delta_log/00000000000000000001.json"
        var lines = try String(contentsOfFile: commit, encoding: .utf8).split(separator: "\n").map(String.init)
        lines.insert(#"{"add": {"path": "x.parquet", "size": "#, at: 1)
        try (lines.joined(separator: "\n") + "\n").write(toFile: commit, atomically: true, encoding: .utf8)
        let json = Self.error(path)
        #expect(json?.kind == .corruptLog)
        #expect(json?.description.contains("_delta_log/00000000000000000001.json:2: not a JSON action") == true, "\(String(describing: json))")
        lines[1] = #"{"add": {"path": "x.parquet", "partitionValues": {}, "modificationTime": 1, "dataChange": true}}"#
        try (lines.joined(separator: "\n") + "\n").write(toFile: commit, atomically: true, encoding: .utf8)
        let field = Self.error(path)
        #expect(field?.description.contains("00000000000000000001.json:2: 'add.size' must be an integer") == true, "\(String(describing: field))")
        #expect(try ConformanceTests.sluiceRows(path, version: 0).count == 1, "earlier versions stay readable")
    }

    @Test("a gap in the versions, a missing protocol, and a corrupt checkpoint are named")
    func structure() throws {
        let path = try Self.table()
        try DeltaTable(path: path).write([WriteSupport.prices(days: 2 ... 2, tickers: ["A"])])
        try FileManager.default.removeItem(atPath: path + "/_delta_log/00000000000000000001.json")
        let gap = Self.error(path)
        #expect(gap?.description.contains("commit 00000000000000000001.json is missing between the checkpoint and version 2") == true,
                "\(String(describing: gap))")

        let other = try Self.table()
        let first = other + "/_delta_log/00000000000000000000.json"
        let kept = try String(contentsOfFile: first, encoding: .utf8).split(separator: "\n").filter { !$0.contains("\"protocol\"") }
        try (kept.joined(separator: "\n") + "\n").write(toFile: first, atomically: true, encoding: .utf8)
        #expect(Self.error(other)?.description.contains("version 1 has no protocol action") == true)

        let third = try Self.table()
        try Checkpointer(table: DeltaTable(path: third)).write()
        let checkpoint = third + "/_delta_log/00000000000000000001.checkpoint.parquet"
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: checkpoint)))
        bytes = Array(bytes.prefix(bytes.count / 2))  // a checkpoint cut short
        try Data(bytes).write(to: URL(fileURLWithPath: checkpoint))
        let broken = Self.error(third)
        #expect(broken?.description.contains("_delta_log/00000000000000000001.checkpoint.parquet: unreadable checkpoint") == true,
                "\(String(describing: broken))")
    }

    @Test("a data file that is not Parquet is named, and nothing else is read as if it were fine")
    func badDataFile() throws {
        let path = try Self.table()
        let file = try DeltaTable(path: path).snapshot().files[0]
        try "not parquet".write(toFile: path + "/" + DeltaPath.decode(file.path), atomically: true, encoding: .utf8)
        let error = Self.error(path)
        #expect(error?.description.contains(DeltaPath.decode(file.path) + ": cannot read the data file") == true, "\(String(describing: error))")
    }
}
