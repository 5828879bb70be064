import Columnar
import Foundation
import Parquet
import Testing
@testable import Factors

/// Paths to the market data and the Python oracles (interop/), skipping visibly when absent.
enum FactorOracle {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let python = repository.appendingPathComponent("interop/.venv/bin/python").path
    static let market = repository.deletingLastPathComponent().appendingPathComponent("shared/data/market").path

    /// True when the market data and the interop venv are there; otherwise prints why not.
    static func available(_ test: String) -> Bool {
        guard FileManager.default.fileExists(atPath: market) else {
            print("SKIPPED (\(test)): no market data at ../shared/data/market")
            return false
        }
        guard FileManager.default.isExecutableFile(atPath: python) else {
            print("SKIPPED (\(test)): interop/.venv missing (run scripts/test.sh)")
            return false
        }
        return true
    }

    /// Runs an interop script; throws with its stderr when it fails.
    static func run(_ script: String, _ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [repository.appendingPathComponent("interop/" + script).path] + arguments
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        let stderr = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw FactorRunError("\(script) failed: \(String(decoding: stderr, as: UTF8.self))")
        }
    }

    static func temporaryDirectory() throws -> String {
        let path = NSTemporaryDirectory() + "sluice-factors-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// Column `name` of a Parquet file as doubles (null as NaN), all row groups.
    static func columns(_ path: String) throws -> (keys: [String], values: [String: [Double]]) {
        let reader = try ParquetFileReader(path: path)
        var keys: [String] = []
        var values: [String: [Double]] = [:]
        for group in 0 ..< reader.rowGroupCount {
            let batch = try reader.readRowGroup(group)
            let tickers = batch.column(named: "ticker")!, dates = batch.column(named: "date")!
            for row in 0 ..< batch.rowCount { keys.append("\(tickers.value(at: row).keyText) \(dates.value(at: row).keyText)") }
            for (field, column) in zip(batch.schema.fields, batch.columns) where field.name != "ticker" && field.name != "date" {
                guard case .float64(let c) = column else { continue }
                values[field.name, default: []].append(contentsOf: (0 ..< c.count).map { c.isNull($0) ? .nan : c.value(at: $0) })
            }
        }
        return (keys, values)
    }

    /// Sluice's values for `factors` over the market panel, in the same layout.
    static func sluice(_ factors: [(name: String, expression: String)], tickers: Int? = nil) throws -> (keys: [String], values: [String: [Double]]) {
        var panel = try PanelLoader.load(market)
        if let tickers { panel = panel.prefix(tickers: tickers) }
        let plan = try FactorPlan(factors: factors)
        var keys: [String] = []
        var values: [String: [Double]] = [:]
        try FactorEngine(plan: plan).run(panel) { batch throws(FactorRunError) in
            for row in 0 ..< batch.rowCount { keys.append("\(batch.columns[0].value(at: row).keyText) \(batch.columns[1].value(at: row).keyText)") }
            for (k, output) in plan.outputs.enumerated() {
                guard case .float64(let c) = batch.columns[k + 2] else { continue }
                values[output.name, default: []].append(contentsOf: (0 ..< c.count).map { c.isNull($0) ? .nan : c.value(at: $0) })
            }
        }
        return (keys, values)
    }

    /// The factors (by name) whose values differ somewhere, with an example each.
    static func differences(_ ours: (keys: [String], values: [String: [Double]]), _ theirs: (keys: [String], values: [String: [Double]]),
                            names: [String], relative: Double = 1e-9, absolute: Double = 1e-12) -> [String] {
        guard ours.keys == theirs.keys else { return ["rows differ: \(ours.keys.count) vs \(theirs.keys.count)"] }
        var problems: [String] = []
        for name in names {
            guard let a = ours.values[name], let b = theirs.values[name] else { problems.append("\(name): missing"); continue }
            let bad = a.indices.filter { !agree(a[$0], b[$0], relative: relative, absolute: absolute) }
            if let first = bad.first {
                problems.append("\(name): \(bad.count) rows, e.g. \(ours.keys[first]): \(a[first]) vs \(b[first])")
            }
        }
        return problems
    }
}

@Suite("Factors against the independent Python oracles, on the real market data", .serialized)
struct OracleTests {
    @Test("Alpha158 on all 482 tickers agrees with the pandas/numpy oracle to 1e-9, NaN positions identical")
    func alpha158() throws {
        guard FactorOracle.available("Alpha158 oracle") else { return }
        let directory = try FactorOracle.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FactorOracle.run("alpha158_oracle.py", ["--input", FactorOracle.market, "--output", directory + "/oracle.parquet"])
        let set = try FactorSet.load("alpha158")
        let ours = try FactorOracle.sluice(set.factors)
        let theirs = try FactorOracle.columns(directory + "/oracle.parquet")
        #expect(ours.keys.count == 592_355)
        let problems = FactorOracle.differences(ours, theirs, names: set.factors.map(\.name))
        #expect(problems.isEmpty, "\(problems.count) factors differ: \(problems.prefix(10))")
    }

    @Test("the ta set agrees with TA-Lib (RSI, MACD, BBANDS, ATR, OBV) and pandas on all 482 tickers")
    func ta() throws {
        guard FactorOracle.available("ta oracle") else { return }
        let directory = try FactorOracle.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FactorOracle.run("ta_oracle.py", ["--input", FactorOracle.market, "--output", directory + "/oracle.parquet"])
        let set = try FactorSet.load("ta")
        let ours = try FactorOracle.sluice(set.factors)
        let theirs = try FactorOracle.columns(directory + "/oracle.parquet")
        let problems = FactorOracle.differences(ours, theirs, names: set.factors.map(\.name))
        #expect(problems.isEmpty, "\(problems.count) indicators differ: \(problems)")
    }

    @Test("1,000 random valid expressions agree with the oracle's own evaluation of the same text on 25 tickers")
    func randomExpressions() throws {
        guard FactorOracle.available("random expressions") else { return }
        var generator = ExpressionGenerator(seed: 20_261_129)
        var factors: [(name: String, expression: String)] = []
        var seen: Set<String> = []
        while factors.count < 1000 {
            let text = generator.expression()
            if seen.insert(text).inserted { factors.append(("e\(factors.count)", text)) }
        }
        let directory = try FactorOracle.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let json = "[" + factors.map { #"{"name":"\#($0.name)","expr":"\#($0.expression.replacingOccurrences(of: "\"", with: "\\\""))"}"# }.joined(separator: ",") + "]"
        try json.write(toFile: directory + "/exprs.json", atomically: true, encoding: .utf8)
        try FactorOracle.run("factor_oracle.py", ["eval", "--input", FactorOracle.market, "--exprs", directory + "/exprs.json",
                                                  "--output", directory + "/oracle.parquet", "--tickers", "25"])
        let ours = try FactorOracle.sluice(factors, tickers: 25)
        let theirs = try FactorOracle.columns(directory + "/oracle.parquet")
        let problems = FactorOracle.differences(ours, theirs, names: factors.map(\.name))
        let texts = Dictionary(uniqueKeysWithValues: factors.map { ($0.name, $0.expression) })
        #expect(problems.isEmpty, "\(problems.count) of 1000 differ: \(problems.prefix(8).map { "\($0) [\(texts[String($0.prefix { $0 != ":" })] ?? "")]" })")
    }
}
