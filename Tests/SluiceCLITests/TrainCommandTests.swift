import Foundation
import Testing

@Suite("sluice train / predict / models / runs --experiment")
struct TrainCommandTests {
    /// A folder of per-ticker CSVs: 30 tickers x 300 days of a seeded random walk.
    static func market() throws -> String {
        let folder = try CLI.temporaryFolder()
        var state: UInt64 = 42
        func next() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) / Double(1 << 53)
        }
        for t in 0 ..< 30 {
            var text = "Date,High,Low,Open,Close,Volume,Name\n"
            var close = 50.0 + Double(t)
            var day = Date(timeIntervalSince1970: 1_577_836_800)  // 2020-01-01
            for _ in 0 ..< 300 {
                close *= 1 + (next() - 0.5) / 25
                let stamp = ISO8601DateFormatter.string(from: day, timeZone: TimeZone(identifier: "UTC")!, formatOptions: [.withFullDate])
                text += "\(stamp),\(close * 1.01),\(close * 0.99),\(close),\(close),\(Int(1000 + next() * 1000)),T\(t)\n"
                day += 86_400
            }
            try text.write(toFile: folder + "/T\(t).csv", atomically: true, encoding: .utf8)
        }
        return folder
    }

    @Test("train grid-searches, tracks every trial, registers the best; models and runs commands read it back; predict scores by alias")
    func trainAndPredict() throws {
        let folder = try Self.market()
        let set = folder + "/gold.yaml"
        try """
        name: gold
        factors:
          - {name: ret_5, expr: "$close / Ref($close, 5) - 1"}
          - {name: ma_ratio, expr: "Mean($close, 10) / $close"}
          - {name: label, expr: "CSRank(Ref($close, -1) / $close - 1) - 0.5"}
        """.write(toFile: set, atomically: true, encoding: .utf8)
        let gold = folder + "/gold.parquet", tracking = folder + "/tracking"
        #expect(try CLI.run(["factors", "compute", "--set", set, "--input", folder, "--output", gold]).status == 0)
        let train = try CLI.run(["train", "--input", gold, "--label", "label", "--grid", "max_depth=2,3;eta=0.1;n_estimators=30", "--folds", "2",
                                 "--purge-days", "1", "--experiment", "cli", "--register", "alpha", "--tracking-uri", tracking])
        #expect(train.status == 0, "\(train.stderr)")
        #expect(train.stdout.hasPrefix("best trial ") && train.stdout.contains("  rank_ic ") && train.stdout.contains("registered alpha version 1"),
                "\(train.stdout)")
        let runs = try CLI.run(["runs", "list", "--experiment", "cli", "--order-by", "metrics.rank_ic DESC", "--tracking-uri", tracking, "--json"])
        #expect(runs.status == 0, "\(runs.stderr)")
        #expect(runs.stdout.components(separatedBy: "\"run_id\"").count - 1 == 3)  // the grid-search run and two trials
        #expect(try CLI.run(["models", "stage", "alpha", "1", "Production", "--tracking-uri", tracking]).stdout == "alpha version 1: Production\n")
        #expect(try CLI.run(["models", "alias", "alpha", "champion", "1", "--tracking-uri", tracking]).status == 0)
        let versions = try CLI.run(["models", "versions", "alpha", "--tracking-uri", tracking]).stdout
        #expect(versions.contains("Production") && versions.contains("champion") && versions.contains("gold.parquet"), "\(versions)")
        let scores = folder + "/scores.parquet"
        let predict = try CLI.run(["predict", "--model", "models:/alpha@champion", "--input", gold, "--output", scores, "--tracking-uri", tracking])
        #expect(predict.status == 0 && predict.stdout.hasPrefix("9000 rows scored with xgboost (2 features)"), "\(predict.stdout) \(predict.stderr)")
        let first = try CLI.run(["parquet", "cat", scores, "--limit", "1"]).stdout
        #expect(first.hasPrefix(#"{"ticker":"T0","date":"2020-01-01","score":"#), "\(first)")
        let bad = try CLI.run(["train", "--input", gold, "--label", "label", "--grid", "max_depth", "--experiment", "cli", "--tracking-uri", tracking])
        #expect(bad.status == 1 && bad.stderr.contains("grid: expected NAME=V1,V2 in 'max_depth'"), "\(bad.stderr)")
        let random = try CLI.run(["train", "--input", gold, "--label", "label", "--grid", "eta=0.1", "--cv", "kfold", "--experiment", "cli"])
        #expect(random.status == 2 && random.stderr.contains("random splits of time series leak the future"))
    }
}
