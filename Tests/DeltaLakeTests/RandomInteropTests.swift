import Columnar
import Foundation
import Testing
@testable import DeltaLake

/// A small deterministic generator (SplitMix64) so each seed gives the same tables.
struct SeededRandom {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func int(_ range: Range<Int>) -> Int { range.lowerBound + Int(next() % UInt64(range.count)) }
    mutating func chance(_ p: Double) -> Bool { Double(next() % 1_000_000) / 1_000_000 < p }
}

/// Rows in the schema delta_rs_writer.py uses: id, day, ticker, close, qty, flag, amount.
enum InteropRows {
    static let tickers = ["AAPL", "MSFT", "a b", "x=y", "é", "q?#"]
    static let schema = Schema([
        Field("id", .int64), Field("day", .date32), Field("ticker", .string), Field("close", .float64), Field("qty", .int32),
        Field("flag", .bool), Field("amount", .decimal(precision: 10, scale: 2)),
    ])

    static func batch(_ random: inout SeededRandom, ids: Range<Int>) throws -> RecordBatch {
        let builders = schema.fields.map { makeColumnBuilder(for: $0.type, capacity: ids.count) }
        for id in ids {
            try builders[0].append(scalar: .int(Int64(id)))
            try builders[1].append(scalar: .date(days: Int32(19723 + random.int(0 ..< 30))))
            try builders[2].append(scalar: .string(tickers[random.int(0 ..< tickers.count)]))
            if random.chance(0.1) { builders[3].appendNull() } else { try builders[3].append(scalar: .double(Double(random.int(100 ..< 5_000_000)) / 10000)) }
            try builders[4].append(scalar: .int(Int64(random.int(-1000 ..< 1000))))
            try builders[5].append(scalar: .bool(random.chance(0.5)))
            try builders[6].append(scalar: .decimal(Int128(random.int(-1_000_000 ..< 1_000_000)), precision: 10, scale: 2))
        }
        return try RecordBatch(schema: schema, columns: builders.map { $0.finish() })
    }
}

@Suite("Delta interop with delta-rs, both ways, on random tables")
struct RandomInteropTests {
    /// Every version of the table reads the same in Sluice and delta-rs.
    static func compareAllVersions(_ path: String, context: String) throws -> Int {
        var compared = 0
        for line in try ConformanceTests.oracle([path]) {
            let entry = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let version = try #require(entry["version"] as? Int)
            guard let expected = entry["rows"] as? [String] else {
                Issue.record("\(context) v\(version): delta-rs cannot read it: \(entry["error"] ?? "?")")
                continue
            }
            let rows = try ConformanceTests.sluiceRows(path, version: Int64(version))
            #expect(rows == expected, "\(context) v\(version): \(rows.count) rows vs \(expected.count)\n\(ConformanceTests.firstDifference(rows, expected))")
            compared += 1
        }
        return compared
    }

    @Test("random sequences of Sluice writes, merges, deletes, optimizes and checkpoints read the same in delta-rs at every version",
          arguments: [1, 2, 3, 4])
    func sluiceWrites(seed: Int) throws {
        guard FileManager.default.isExecutableFile(atPath: DeltaCorpus.python.path) else {
            print("SKIPPED: interop/.venv missing; delta-rs interop not run")
            return
        }
        var random = SeededRandom(state: UInt64(seed) &* 7919)
        let path = WriteSupport.folder()
        let table = DeltaTable(path: path)
        var options = WriteOptions()
        options.partitionBy = [[], ["ticker"], ["day"]][seed % 3]
        options.configuration = ["delta.checkpointInterval": "5"]
        var nextId = 0
        try table.write([InteropRows.batch(&random, ids: 0 ..< 120)], options: options)
        nextId = 120
        for _ in 0 ..< 14 {
            switch random.int(0 ..< 7) {
            case 0, 1:
                let count = random.int(1 ..< 80)
                var append = WriteOptions()
                append.mode = .append
                try table.write([InteropRows.batch(&random, ids: nextId ..< nextId + count)], options: append)
                nextId += count
            case 2:
                let ticker = InteropRows.tickers[random.int(0 ..< InteropRows.tickers.count)]
                var overwrite = WriteOptions()
                overwrite.mode = .overwrite
                overwrite.replaceWhere = "ticker = '\(ticker.replacingOccurrences(of: "'", with: "''"))'"
                let batch = try InteropRows.batch(&random, ids: nextId ..< nextId + 20)
                let keep = try ExpressionParser.parse(overwrite.replaceWhere!, schema: InteropRows.schema).matches(batch)
                try table.write([batch.filter(keep)], options: overwrite)
                nextId += 20
            case 3:
                try table.delete(where: ["qty < -800", "flag = TRUE AND close > 300", "day IN (DATE '2024-01-03', DATE '2024-01-09')"][random.int(0 ..< 3)])
            case 4:
                let start = max(0, nextId - 60)
                try table.merge([InteropRows.batch(&random, ids: start ..< nextId + 10)], on: ["id"])
                nextId += 10
            case 5:
                try table.optimize(zOrderBy: random.chance(0.5) ? ["qty"] : [])
            default:
                try Checkpointer(table: table).write()
            }
        }
        let compared = try Self.compareAllVersions(path, context: "seed \(seed)")
        #expect(compared >= 8, "most operations commit a version")
    }

    @Test("tables delta-rs writes (with its checkpoint) are appended to and merged into by Sluice, and delta-rs still reads them",
          arguments: [1, 2, 3])
    func deltaRsWrites(seed: Int) throws {
        guard FileManager.default.isExecutableFile(atPath: DeltaCorpus.python.path) else {
            print("SKIPPED: interop/.venv missing; delta-rs interop not run")
            return
        }
        let path = WriteSupport.folder()
        let writer = Process()
        writer.executableURL = DeltaCorpus.python
        writer.arguments = [DeltaCorpus.repository.appendingPathComponent("interop/delta_rs_writer.py").path, path, "--seed", String(seed)]
        writer.standardOutput = FileHandle.nullDevice
        try writer.run()
        writer.waitUntilExit()
        try #require(writer.terminationStatus == 0, "delta_rs_writer.py failed")
        let table = DeltaTable(path: path)
        var random = SeededRandom(state: UInt64(seed) &* 104_729)
        try table.write([InteropRows.batch(&random, ids: 5000 ..< 5100)])
        try table.merge([InteropRows.batch(&random, ids: 150 ..< 260)], on: ["id"])
        try table.delete(where: "ticker = 'x=y'")
        try Checkpointer(table: table).write()
        try table.write([InteropRows.batch(&random, ids: 6000 ..< 6010)])
        let compared = try Self.compareAllVersions(path, context: "delta-rs seed \(seed)")
        #expect(compared >= 10)
    }
}
