import Columnar
import Dispatch
import Synchronization

/// Computes a factor plan over a panel on all cores: time-series work per ticker (tickers in
/// chunks, chunks spread over threads), cross-sectional and `Mask` nodes per date over the whole
/// panel beforehand. Results stream out chunk by chunk, in ticker order, so memory is bounded
/// by the chunks in flight rather than by the panel times the number of factors.
public struct FactorEngine: Sendable {
    public let plan: FactorPlan
    /// Threads to use: 0 for one per processor.
    public var threads: Int
    /// About this many rows per output chunk (whole tickers); nil to size chunks so that all the
    /// output values in flight (a wave of two chunks per thread, plus each thread's scratch) stay
    /// near `outputBudgetValues`, whatever the number of threads.
    public var chunkRows: Int?

    /// The output values (doubles) the default chunk size allows in flight: 48M, about 384 MB.
    public static let outputBudgetValues = 48 << 20

    public init(plan: FactorPlan, threads: Int = 0, chunkRows: Int? = nil) {
        self.plan = plan
        self.threads = threads
        self.chunkRows = chunkRows
    }

    /// The rows per chunk for `workers` threads: the given size, or the budget split over the
    /// three chunk-sized buffers each thread holds (two in its wave, one scratch).
    func rowsPerChunk(workers: Int) -> Int {
        if let chunkRows { return chunkRows }
        return Swift.max(256, Self.outputBudgetValues / (3 * Swift.max(1, workers) * Swift.max(1, plan.outputs.count)))
    }

    /// Evaluates every factor over `panel` and hands `sink` one batch per chunk of tickers, in
    /// ticker order: columns `ticker`, `date`, then one float64 column per factor (NaN and
    /// infinite-free missing values as null). Rows dated before `from` are used as history only.
    public func run(_ panel: Panel, from: Int32? = nil, sink: (RecordBatch) throws(FactorRunError) -> Void) throws(FactorRunError) {
        for field in plan.fields where panel.fields[field] == nil {
            throw FactorRunError("the input has no column for $\(field) (columns: \(panel.fields.keys.sorted().map { "$" + $0 }.joined(separator: " ")))")
        }
        var sources = EvaluationSources()
        for field in plan.fields {
            let values = panel.fields[field]!
            let buffer = UnsafeMutableBufferPointer<Double>.allocate(capacity: Swift.max(1, values.count))
            _ = buffer.initialize(from: values)
            sources.fields[field] = buffer
        }
        defer {
            for buffer in sources.fields.values { buffer.deallocate() }
            for buffer in sources.materialized.values { buffer.deallocate() }
        }
        let longest = (0 ..< panel.tickers.count).map { panel.rows(of: $0).count }.max() ?? 1
        try materialize(panel, sources: &sources, longest: longest)

        // Chunks of whole tickers, about chunkRows rows each.
        let requestedWorkers = threads == 0 ? System.processorCount : threads
        let chunkRows = rowsPerChunk(workers: Swift.max(1, Swift.min(requestedWorkers, panel.tickers.count)))
        var chunks: [Range<Int>] = []
        var first = 0
        while first < panel.tickers.count {
            var last = first + 1
            while last < panel.tickers.count, panel.offsets[last + 1] - panel.offsets[first] <= chunkRows { last += 1 }
            chunks.append(first ..< last)
            first = last
        }
        let tickerChunks = chunks
        let targets = plan.outputs.map(\.node)
        let schema = Schema([Field("ticker", .string, nullable: false), Field("date", .date32, nullable: false)]
            + plan.outputs.map { Field($0.name, .float64, nullable: true) })
        let workers = Swift.max(1, Swift.min(requestedWorkers, tickerChunks.count))
        let frozen = sources
        let plan = plan
        // Waves of chunks: computed on all threads, then handed to the sink in order on this
        // thread (a sink that encodes Parquet uses all threads itself). Memory holds one wave.
        let wave = workers * 2
        var waveStart = 0
        let evaluators = (0 ..< workers).map { _ in TickerEvaluator(plan: plan, targets: targets, sources: frozen, capacity: longest) }
        let pool = EvaluatorPool(evaluators)
        let scratches = (0 ..< workers).map { _ in OutputScratch(columns: targets.count) }
        while waveStart < tickerChunks.count {
            let range = waveStart ..< Swift.min(tickerChunks.count, waveStart + wave)
            let results = Mutex<[RecordBatch?]>(Array(repeating: nil, count: range.count))
            let next = Atomic<Int>(0)
            DispatchQueue.concurrentPerform(iterations: workers) { worker in
                let evaluator = pool.evaluators[worker]
                while true {
                    let k = next.add(1, ordering: .relaxed).oldValue
                    guard k < range.count else { return }
                    let batch = Self.chunk(panel, tickers: tickerChunks[range.lowerBound + k], evaluator: evaluator, scratch: scratches[worker], targets: targets, schema: schema, from: from)
                    results.withLock { $0[k] = batch }
                }
            }
            for batch in results.withLock({ $0 }) {
                if let batch { try sink(batch) }
            }
            waveStart = range.upperBound
        }
    }

    /// One chunk's output batch.
    private static func chunk(_ panel: Panel, tickers: Range<Int>, evaluator: TickerEvaluator, scratch: OutputScratch,
                              targets: [Int], schema: Schema, from: Int32?) -> RecordBatch {
        let rows = panel.offsets[tickers.lowerBound] ..< panel.offsets[tickers.upperBound]
        // The rows written: all, or those dated from `from`.
        let kept = from.map { day in rows.filter { panel.dates[$0] >= day } } ?? Array(rows)
        scratch.reserve(rows: kept.count)
        var tickerNames: [String?] = []
        tickerNames.reserveCapacity(kept.count)
        var written = 0
        for t in tickers {
            let tickerRows = panel.rows(of: t)
            let first = from.map { day in tickerRows.first { panel.dates[$0] >= day } ?? tickerRows.upperBound } ?? tickerRows.lowerBound
            guard first < tickerRows.upperBound else { continue }
            let count = tickerRows.upperBound - first
            evaluator.evaluate(rows: tickerRows) { value in
                for (k, node) in targets.enumerated() {
                    let values = value(node)
                    (scratch.columns[k].baseAddress! + written).update(from: values.baseAddress! + (first - tickerRows.lowerBound), count: count)
                }
            }
            written += count
            for _ in 0 ..< count { tickerNames.append(panel.tickers[t]) }
        }
        var batchColumns: [Column] = [.binary(BinaryColumn(tickerNames)), .int32(PrimitiveColumn(kept.map { panel.dates[$0] }, type: .date32))]
        for k in targets.indices { batchColumns.append(.float64(nullableColumn(UnsafeBufferPointer(rebasing: scratch.columns[k][0 ..< written])))) }
        // The schema was built from the same fields; a mismatch here is a programming error.
        return try! RecordBatch(schema: schema, columns: batchColumns, rowCount: kept.count)
    }

    /// A float64 column with NaN stored as null.
    static func nullableColumn(_ values: UnsafeBufferPointer<Double>) -> PrimitiveColumn<Double> {
        var nulls = 0
        for v in values where v.isNaN { nulls += 1 }
        let data = Buffer(copying: UnsafeRawBufferPointer(values))
        guard nulls > 0 else { return PrimitiveColumn(values: data, count: values.count) }
        let bits = Buffer(byteCount: (values.count + 7) / 8) { raw in
            for (i, v) in values.enumerated() where !v.isNaN { raw[i >> 3] |= 1 << UInt8(i & 7) }
        }
        return PrimitiveColumn(values: data, count: values.count, validity: Bitmap(buffer: bits, count: values.count))
    }
}

/// One worker's buffers for a chunk's output values (one per factor), reused from chunk to chunk.
final class OutputScratch: @unchecked Sendable {
    private(set) var columns: [UnsafeMutableBufferPointer<Double>]
    private var capacity = 0

    init(columns: Int) {
        self.columns = Array(repeating: UnsafeMutableBufferPointer(start: nil, count: 0), count: columns)
    }

    func reserve(rows: Int) {
        guard rows > capacity else { return }
        for buffer in columns where buffer.baseAddress != nil { buffer.deallocate() }
        capacity = Swift.max(rows, capacity * 2)
        columns = columns.map { _ in UnsafeMutableBufferPointer<Double>.allocate(capacity: capacity) }
    }

    deinit {
        for buffer in columns where buffer.baseAddress != nil { buffer.deallocate() }
    }
}

/// Why factors cannot be computed over an input.
public struct FactorRunError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Per-thread evaluators (each used by one thread at a time).
private final class EvaluatorPool: @unchecked Sendable {
    let evaluators: [TickerEvaluator]
    init(_ evaluators: [TickerEvaluator]) { self.evaluators = evaluators }
}

/// The machine's processor count.
enum System {
    static var processorCount: Int { Swift.max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN))) }
}

#if canImport(Glibc)
import Glibc
#endif
