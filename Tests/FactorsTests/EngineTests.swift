import Columnar
import Foundation
import Testing
@testable import Factors

/// A small panel: tickers with different histories (one starts late), a sector column.
func samplePanel() -> Panel {
    var rows = PanelRows()
    let tickers = ["BBB", "AAA", "CCC"]
    for (k, ticker) in tickers.enumerated() {
        let days = ticker == "CCC" ? 20 ..< 40 : 0 ..< 40
        for day in days {
            rows.dates.append(Int32(18_000 + day))
            rows.appendTicker(ticker)
            let phase: Double = Double(day) * 0.7 + Double(k)
            let close: Double = 100 + Double(k) * 10 + sin(phase) * 5
            rows.fields["close", default: []].append(close)
            rows.fields["volume", default: []].append(1000 + Double((day * 37 + k * 11) % 100))
            rows.fields["sector", default: []].append(k == 2 ? 1 : 0)
        }
    }
    return rows.assemble()
}

/// Runs `factors` over `panel`, returning each factor's values by (ticker, date).
func compute(_ factors: [(String, String)], _ panel: Panel, from: Int32? = nil, chunkRows: Int = 25, threads: Int = 2) throws -> (batches: [RecordBatch], values: [String: [String: Double]]) {
    let plan = try FactorPlan(factors: factors.map { (name: $0.0, expression: $0.1) })
    var batches: [RecordBatch] = []
    try FactorEngine(plan: plan, threads: threads, chunkRows: chunkRows).run(panel, from: from) { batches.append($0) }
    var values: [String: [String: Double]] = [:]
    for batch in batches {
        let tickers = batch.columns[0], dates = batch.columns[1]
        for (k, factor) in factors.enumerated() {
            guard case .float64(let column) = batch.columns[k + 2] else { continue }
            for row in 0 ..< batch.rowCount {
                let key = "\(tickers.value(at: row).keyText) \(dates.value(at: row).keyText)"
                values[factor.0, default: [:]][key] = column.isNull(row) ? .nan : column.value(at: row)
            }
        }
    }
    return (batches, values)
}

@Suite("Factor engine")
struct EngineTests {
    @Test("rows come out sorted by ticker then date, whatever the chunking and thread count")
    func ordering() throws {
        let panel = samplePanel()
        for (chunkRows, threads) in [(1, 2), (25, 2), (1000, 1), (7, 3)] {
            let (batches, _) = try compute([("m", "Mean($close, 5)")], panel, chunkRows: chunkRows, threads: threads)
            var keys: [String] = []
            for batch in batches {
                for row in 0 ..< batch.rowCount {
                    keys.append("\(batch.columns[0].value(at: row).keyText) \(batch.columns[1].value(at: row).keyText)")
                }
            }
            #expect(keys == keys.sorted() && keys.count == 100, "chunkRows \(chunkRows) threads \(threads)")
        }
    }

    @Test("time-series operators never see another ticker's rows")
    func perTicker() throws {
        let panel = samplePanel()
        let (_, values) = try compute([("prev", "Ref($close, 1)"), ("m3", "Mean($close, 3)")], panel)
        // CCC's first row has no previous close even though BBB's rows come just before it.
        #expect(values["prev"]!["CCC 2019-05-04"]!.isNaN)
        let closes = (0 ..< 3).map { panel.fields["close"]![panel.offsets[2] + $0] }
        #expect(agree(values["m3"]!["CCC 2019-05-06"]!, closes.reduce(0, +) / 3))
    }

    @Test("cross-sectional operators work per date over the tickers present that day")
    func crossSection() throws {
        let panel = samplePanel()
        let (_, values) = try compute([("rank", "CSRank($close)"), ("demean", "CSDemean($close)"), ("z", "CSZScore($close)"),
                                       ("scale", "CSScale($close - 110)"), ("neutral", "CSNeutralize($close, $sector)"),
                                       ("mixed", "Mean(CSRank($close), 3)")], panel)
        // Day 5 (2019-04-19): only AAA and BBB; BBB's close is the lower.
        let a = values["rank"]!["AAA 2019-04-19"]!, b = values["rank"]!["BBB 2019-04-19"]!
        #expect(a == 1 && b == 0.5)
        #expect(agree(values["demean"]!["AAA 2019-04-19"]! + values["demean"]!["BBB 2019-04-19"]!, 0, absolute: 1e-12))
        // Day 25: three tickers; z-scores sum to 0 with sample std 1.
        let zs = ["AAA", "BBB", "CCC"].map { values["z"]!["\($0) 2019-05-09"]! }
        #expect(agree(zs.reduce(0, +), 0, absolute: 1e-12))
        #expect(agree(zs.map { $0 * $0 }.reduce(0, +) / 2, 1))
        let scales = ["AAA", "BBB", "CCC"].map { values["scale"]!["\($0) 2019-05-09"]! }
        #expect(agree(scales.map(abs).reduce(0, +), 1))
        // CCC is alone in its sector: neutralised to exactly 0.
        #expect(values["neutral"]!["CCC 2019-05-09"]! == 0)
        // A time-series operator over a cross-sectional one.
        let ranks = ["2019-04-17", "2019-04-18", "2019-04-19"].map { values["rank"]!["AAA \($0)"]! }
        #expect(agree(values["mixed"]!["AAA 2019-04-19"]!, ranks.reduce(0, +) / 3))
    }

    @Test("Mask reads another ticker's series by date")
    func mask() throws {
        let panel = samplePanel()
        let (_, values) = try compute([("rel", "$close / Mask($close, \"AAA\")")], panel)
        #expect(values["rel"]!["AAA 2019-05-09"]! == 1)
        #expect(values["rel"]!["CCC 2019-05-09"]! > 1)
        #expect(throws: FactorRunError.self) { try compute([("x", "Mask($close, \"ZZZ\")")], panel) }
    }

    @Test("rows before --start are history: windows still see them, but they are not written")
    func start() throws {
        let panel = samplePanel()
        let all = try compute([("m", "Mean($close, 10)")], panel).values["m"]!
        let later = try compute([("m", "Mean($close, 10)")], panel, from: 18_030).values["m"]!
        #expect(later.count == 30)
        for (key, value) in later { #expect(value == all[key]!) }
    }

    @Test("shared subexpressions are one node: Alpha158 compiles to far fewer operations than it writes")
    func sharing() throws {
        let set = try FactorSet.load("alpha158")
        let plan = try FactorPlan(factors: set.factors)
        let unshared = set.factors.reduce(0) { total, factor in total + ((try? FactorPlan(factors: [factor]).nodes.count) ?? 0) }
        #expect(plan.nodes.count * 2 < unshared, "\(plan.nodes.count) nodes shared vs \(unshared) unshared")
        let previousClose = plan.nodes.filter { $0.operation == .ref(1) && plan.nodes[$0.inputs[0]].operation == .field("close") }
        #expect(previousClose.count == 1)
        #expect(Set(plan.nodes).count == plan.nodes.count)
    }

    @Test("operators computed together in one pass (same input and window) give what each gives alone")
    func fused() throws {
        let panel = samplePanel()
        let texts = ["Mean($close, 5)", "Std($close, 5)", "Sum($close, 5)", "Skew($close, 5)", "Max($close, 5)", "IdxMax($close, 5)",
                     "Min($close, 5)", "IdxMin($close, 5)", "Slope($close, 5)", "Rsquare($close, 5)", "Resi($close, 5)", "Rank($close, 5)",
                     "Quantile($close, 5, 0.2)", "Quantile($close, 5, 0.8)", "Med($close, 5)", "TsRank($close, 5)", "Kurt($close, 0)"]
        let together = try compute(texts.enumerated().map { ("f\($0.offset)", $0.element) }, panel).values
        for (k, text) in texts.enumerated() {
            let alone = try compute([("f\(k)", text)], panel).values["f\(k)"]!
            #expect(alone.keys.allSatisfy { agree(alone[$0]!, together["f\(k)"]![$0]!, relative: 0, absolute: 0) || alone[$0]! == together["f\(k)"]![$0]! }, "\(text)")
        }
    }

    @Test("a chunk's copy marks exactly its NaN values as null, wherever its rows start in the bitmap")
    func copyMarking() {
        var rng = SplitMix(seed: 19)
        for count in [0, 1, 7, 8, 9, 16, 17, 40, 203] {
            for bitOffset in 0 ..< 17 {
                // Runs of NaN (warm-up rows), single NaNs, infinities of both signs, finite values.
                let source: [Double] = (0 ..< count).map { i in
                    switch rng.next() % 16 {
                    case 0: .nan
                    case 1: i.isMultiple(of: 2) ? .infinity : -.infinity
                    case 2, 3: i < 12 ? .nan : 1
                    default: Double(rng.next() % 1000) - 500
                    }
                }
                var destination = [Double](repeating: 0, count: count)
                var bits = [UInt8](repeating: 0, count: (bitOffset + count + 7) / 8 + 1)
                let present = source.withUnsafeBufferPointer { src in
                    destination.withUnsafeMutableBufferPointer { dst in
                        bits.withUnsafeMutableBufferPointer { b in
                            FactorEngine.copyMarking(src.baseAddress ?? UnsafePointer(bitPattern: 8)!, to: dst.baseAddress ?? UnsafeMutablePointer(bitPattern: 8)!,
                                                     count: count, bits: b.baseAddress!, bitOffset: bitOffset)
                        }
                    }
                }
                let expected = source.map { !$0.isNaN }
                let marked = (0 ..< count).map { bits[(bitOffset + $0) / 8] & (1 << UInt8((bitOffset + $0) % 8)) != 0 }
                #expect(marked == expected, "count \(count) offset \(bitOffset)")
                #expect(present == expected.filter { $0 }.count)
                #expect(zip(source, destination).allSatisfy { $0.bitPattern == $1.bitPattern })
                // Bits outside the rows stay clear.
                #expect((0 ..< bitOffset).allSatisfy { bits[$0 / 8] & (1 << UInt8($0 % 8)) == 0 })
            }
        }
    }

    @Test("missing values are null in the output, in every chunk, and only they")
    func nulls() throws {
        var rows = PanelRows()
        var rng = SplitMix(seed: 23)
        for (k, ticker) in ["AAA", "BBB", "CCC", "DDD"].enumerated() {
            for day in 0 ..< 37 + k * 5 {
                rows.dates.append(Int32(18_000 + day))
                rows.appendTicker(ticker)
                rows.fields["close", default: []].append(rng.next() % 9 == 0 ? .nan : 100 + Double(rng.next() % 50))
            }
        }
        let panel = rows.assemble()
        for chunkRows in [1, 13, 1000] {
            let (batches, _) = try compute([("r", "Ref($close, 3)"), ("m", "Mean($close, 4)"), ("c", "$close")], panel, chunkRows: chunkRows)
            for batch in batches {
                for k in 2 ..< 5 {
                    guard case .float64(let column) = batch.columns[k] else { Issue.record("not float64"); continue }
                    let nulls = (0 ..< batch.rowCount).filter { column.isNull($0) }
                    #expect(column.nullCount == nulls.count)
                    // Null exactly where the value is NaN; no stored NaN behind a valid bit.
                    for row in 0 ..< batch.rowCount where !column.isNull(row) { #expect(!column.value(at: row).isNaN) }
                }
            }
            let closes = batches.flatMap { batch -> [Bool] in
                guard case .float64(let column) = batch.columns[4] else { return [] }
                return (0 ..< batch.rowCount).map { column.isNull($0) }
            }
            #expect(closes == panel.fields["close"]!.map(\.isNaN), "chunkRows \(chunkRows)")
        }
    }

    @Test("a missing field is named with the columns the input has")
    func missingField() throws {
        #expect(throws: FactorRunError.self) { try compute([("x", "$vwap / $close")], samplePanel()) }
    }
}

@Suite("Panel loading")
struct PanelLoadingTests {
    /// A batch of (ticker, date, close, volume) rows in the given order.
    static func batch(_ rows: [(String, Int32, Double, Int64)]) throws -> RecordBatch {
        let schema = Schema([Field("ticker", .string, nullable: false), Field("date", .date32, nullable: false),
                             Field("close", .float64, nullable: true), Field("volume", .int64, nullable: true)])
        return try RecordBatch(schema: schema, columns: [
            .binary(BinaryColumn(rows.map { Optional($0.0) })), .int32(PrimitiveColumn(rows.map(\.1), type: .date32)),
            .float64(PrimitiveColumn(rows.map(\.2))), .int64(PrimitiveColumn(rows.map(\.3))),
        ], rowCount: rows.count)
    }

    @Test("rows that arrive sorted and the same rows shuffled give the same panel")
    func sortedAndShuffled() throws {
        var rows: [(String, Int32, Double, Int64)] = []
        for ticker in ["AAA", "BBB", "CCC"] {
            for day in 0 ..< 30 { rows.append((ticker, Int32(19_000 + day), Double(day) + (ticker == "BBB" ? 0.5 : 0), Int64(day * 100))) }
        }
        var rng = SplitMix(seed: 7)
        var shuffled = rows
        for i in stride(from: shuffled.count - 1, to: 0, by: -1) { shuffled.swapAt(i, Int(rng.next() % UInt64(i + 1))) }
        let sorted = try PanelLoader.panel([Self.batch(rows)])
        let mixed = try PanelLoader.panel([Self.batch(Array(shuffled.prefix(40))), Self.batch(Array(shuffled.dropFirst(40)))])
        #expect(sorted.tickers == ["AAA", "BBB", "CCC"] && sorted.offsets == [0, 30, 60, 90])
        #expect(mixed.tickers == sorted.tickers && mixed.offsets == sorted.offsets && mixed.dates == sorted.dates)
        #expect(mixed.fields["close"] == sorted.fields["close"] && mixed.fields["volume"] == sorted.fields["volume"])
        #expect(sorted.fields["volume"]?[31] == 100)
    }

    @Test("a repeated (ticker, date) row keeps the last one read and says so, even in otherwise sorted input")
    func duplicates() throws {
        let panel = try PanelLoader.panel([Self.batch([("AAA", 19_000, 1, 10), ("AAA", 19_001, 2, 20), ("AAA", 19_001, 3, 30), ("BBB", 19_000, 4, 40)])])
        #expect(panel.dates == [19_000, 19_001, 19_000])
        #expect(panel.fields["close"] == [1, 3, 4])
        #expect(panel.notes.contains { $0.contains("1 duplicate") })
    }
}
