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
    /// output values in flight (the chunks computed ahead of the sink and the one it writes) stay
    /// near `outputBudgetValues`, whatever the number of threads.
    public var chunkRows: Int?

    /// The output values (doubles) the default chunk size allows in flight: 32M, about 256 MB.
    /// (Smaller chunks fault in less fresh memory before the pool starts reusing it: Alpha158 on
    /// the real panel, median of 8, 0.888 s at 48M, 0.850 s at 32M, 0.857 s at 24M.)
    public static let outputBudgetValues = 32 << 20

    public init(plan: FactorPlan, threads: Int = 0, chunkRows: Int? = nil) {
        self.plan = plan
        self.threads = threads
        self.chunkRows = chunkRows
    }

    /// The rows per chunk for `workers` threads: the given size, or the budget split over three
    /// chunks per thread, which covers the at most `workers + 1` chunks computed ahead of the sink
    /// and the one it writes.
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
        let workerCount = Swift.max(1, Swift.min(requestedWorkers, panel.tickers.count))
        let chunkRows = rowsPerChunk(workers: workerCount)
        var chunks: [Range<Int>] = []
        var first = 0
        while first < panel.tickers.count {
            // The last chunks are a quarter size, so the threads finish close together and the
            // sink's last chunk is short (the end of a run is otherwise one thread's work).
            let remaining = panel.rowCount - panel.offsets[first]
            let size = remaining <= 2 * workerCount * chunkRows ? Swift.max(256, chunkRows / 4) : chunkRows
            var last = first + 1
            while last < panel.tickers.count, panel.offsets[last + 1] - panel.offsets[first] <= size { last += 1 }
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
        let evaluators = (0 ..< workers).map { _ in TickerEvaluator(plan: plan, targets: targets, sources: frozen, capacity: longest) }
        let longestChunk = tickerChunks.map { panel.offsets[$0.upperBound] - panel.offsets[$0.lowerBound] }.max() ?? 0
        let memory = ChunkMemory(byteCount: ChunkLayout(targets: targets.count, rows: longestChunk).byteCount)
        // Worker threads compute chunks at most `workers + 1` ahead of the sink, which takes them
        // in order on this thread meanwhile (a sink that encodes Parquet overlaps the computing).
        let line = ChunkLine(count: tickerChunks.count, ahead: workers + 1)
        let group = DispatchGroup()
        for worker in 0 ..< workers {
            let work = ChunkWork(panel: panel, tickers: tickerChunks, evaluator: evaluators[worker], memory: memory,
                                 targets: targets, schema: schema, from: from)
            // A queue of its own per worker: such queues get a thread even when the shared pool is busy.
            DispatchQueue(label: "sluice.factors.\(worker)").async(group: group) {
                while let k = line.claim() {
                    line.finish(k, Self.chunk(work.panel, tickers: work.tickers[k], evaluator: work.evaluator, memory: work.memory,
                                              targets: work.targets, schema: work.schema, from: work.from))
                }
            }
        }
        var failure: FactorRunError?
        for k in 0 ..< tickerChunks.count {
            let batch = line.take(k)
            do throws(FactorRunError) { try sink(batch) } catch {
                failure = error
                break
            }
        }
        line.stop()
        group.wait()
        if let failure { throw failure }
    }

    /// One chunk's output batch. The factor values go straight from the evaluator into one
    /// buffer (each factor's column a segment of it, 64-byte aligned), their validity bits (NaN
    /// is null) set on the way, so they are copied once and read once.
    private static func chunk(_ panel: Panel, tickers: Range<Int>, evaluator: TickerEvaluator, memory: ChunkMemory,
                              targets: [Int], schema: Schema, from: Int32?) -> RecordBatch {
        let rows = panel.offsets[tickers.lowerBound] ..< panel.offsets[tickers.upperBound]
        // The rows written: all, or those dated from `from`.
        let kept = from.map { day in rows.filter { panel.dates[$0] >= day } } ?? Array(rows)
        let layout = ChunkLayout(targets: targets.count, rows: kept.count)
        var tickerNames: [String?] = []
        tickerNames.reserveCapacity(kept.count)
        let pointer = memory.take(layout.byteCount)
        var present = [Int](repeating: 0, count: targets.count)
        do {
            let base = pointer.bindMemory(to: Double.self, capacity: layout.valueBytes / 8)
            let bits = (pointer + layout.valueBytes).bindMemory(to: UInt8.self, capacity: layout.byteCount - layout.valueBytes)
            bits.initialize(repeating: 0, count: layout.byteCount - layout.valueBytes)
            var written = 0
            for t in tickers {
                let tickerRows = panel.rows(of: t)
                let first = from.map { day in tickerRows.first { panel.dates[$0] >= day } ?? tickerRows.upperBound } ?? tickerRows.lowerBound
                guard first < tickerRows.upperBound else { continue }
                let count = tickerRows.upperBound - first
                evaluator.evaluate(rows: tickerRows) { value in
                    present.withUnsafeMutableBufferPointer { present in
                        for (k, node) in targets.enumerated() {
                            present[k] &+= copyMarking(value(node).baseAddress! + (first - tickerRows.lowerBound), to: base + k * layout.segment + written,
                                                       count: count, bits: bits + k * layout.bitStride, bitOffset: written)
                        }
                    }
                }
                written += count
                for _ in 0 ..< count { tickerNames.append(panel.tickers[t]) }
            }
            // The gaps between segments hold zeros.
            for k in 0 ..< targets.count { (base + k * layout.segment + written).initialize(repeating: 0, count: layout.segment - written) }
        }
        let block = Buffer(adopting: pointer, byteCount: layout.byteCount, release: { [memory] in memory.give($0) })
        var batchColumns: [Column] = [.binary(BinaryColumn(tickerNames)), .int32(PrimitiveColumn(kept.map { panel.dates[$0] }, type: .date32))]
        for k in targets.indices {
            let validity = present[k] == kept.count ? nil : Bitmap(buffer: block, offset: (layout.valueBytes + k * layout.bitStride) * 8, count: kept.count)
            batchColumns.append(.float64(PrimitiveColumn(values: block, offset: k * layout.segment, count: kept.count, validity: validity)))
        }
        // The schema was built from the same fields; a mismatch here is a programming error.
        return try! RecordBatch(schema: schema, columns: batchColumns, rowCount: kept.count)
    }

    /// Copies `count` values from `source` to `destination` and sets bit `bitOffset + i` of `bits`
    /// (zero beforehand) for each value that is not NaN; returns how many are not NaN. The bits
    /// are read from the copy, still in cache, eight values at a time: when their sum is not NaN
    /// none of them is (a NaN, or +inf with -inf, makes it NaN), so their byte is all ones.
    @inline(__always)
    static func copyMarking(_ source: UnsafePointer<Double>, to destination: UnsafeMutablePointer<Double>, count: Int,
                            bits: UnsafeMutablePointer<UInt8>, bitOffset: Int) -> Int {
        destination.update(from: source, count: count)
        var present = 0
        func mark(_ i: Int) {
            let bit = bitOffset &+ i
            let on = destination[i].isNaN ? 0 : 1
            bits[bit >> 3] |= UInt8(truncatingIfNeeded: on) << UInt8(truncatingIfNeeded: bit & 7)
            present &+= on
        }
        var i = 0
        while i < count && (bitOffset &+ i) & 7 != 0 { mark(i); i &+= 1 }
        while i &+ 8 <= count {
            let v = UnsafeRawPointer(destination + i).loadUnaligned(as: SIMD8<Double>.self)
            let quarter = v.lowHalf + v.highHalf
            let half = quarter.lowHalf + quarter.highHalf
            let sum = half[0] + half[1]
            if sum == sum {
                bits[(bitOffset &+ i) >> 3] = 0xFF
                present &+= 8
            } else {
                for j in 0 ..< 8 { mark(i &+ j) }
            }
            i &+= 8
        }
        while i < count { mark(i); i &+= 1 }
        return present
    }
}

/// Where a chunk's output sits in its memory block: each factor's values a segment of `segment`
/// doubles (a multiple of 8, so every segment is 64-byte aligned), then each factor's validity
/// bits in `bitStride` bytes (a multiple of 64).
struct ChunkLayout {
    let targets: Int
    let segment: Int

    init(targets: Int, rows: Int) {
        self.targets = targets
        segment = (rows + 7) & ~7
    }

    var bitStride: Int { (segment / 8 + 63) & ~63 }
    var valueBytes: Int { targets * segment * 8 }
    var byteCount: Int { Swift.max(64, valueBytes + targets * bitStride) }
}

/// Memory for chunks' factor values, reused once the sink lets go of a chunk: fresh memory costs
/// a page fault per 4 KiB, which was about a sixth of the engine's time.
final class ChunkMemory: @unchecked Sendable {
    /// The size of every block (enough for the longest chunk).
    let byteCount: Int
    /// Free blocks' addresses.
    private let free = Mutex<[UInt]>([])

    init(byteCount: Int) { self.byteCount = byteCount }

    /// A block of at least `needed` bytes (a chunk's), 64-byte aligned.
    func take(_ needed: Int) -> UnsafeMutableRawPointer {
        precondition(needed <= byteCount, "a chunk needs \(needed) bytes, blocks have \(byteCount)")
        if let address = free.withLock({ $0.popLast() }), let block = UnsafeMutableRawPointer(bitPattern: address) { return block }
        return UnsafeMutableRawPointer.allocate(byteCount: byteCount, alignment: Buffer.alignment)
    }

    func give(_ block: UnsafeMutableRawPointer) {
        let address = UInt(bitPattern: block)
        free.withLock { $0.append(address) }
    }

    deinit {
        for address in free.withLock({ $0 }) { UnsafeMutableRawPointer(bitPattern: address)?.deallocate() }
    }
}

/// Why factors cannot be computed over an input.
public struct FactorRunError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// What one worker thread needs to compute chunks (its evaluator is its own).
private struct ChunkWork: @unchecked Sendable {
    let panel: Panel
    let tickers: [Range<Int>]
    let evaluator: TickerEvaluator
    let memory: ChunkMemory
    let targets: [Int]
    let schema: Schema
    let from: Int32?
}

/// Chunks handed from worker threads to the sink in order: workers claim chunk numbers in order
/// but no more than `ahead` past the one the sink waits for, so memory holds a bounded number of
/// finished chunks however fast the workers are.
private final class ChunkLine: @unchecked Sendable {
    private let count: Int
    private let ahead: Int
    private let space: DispatchSemaphore
    private let ready: [DispatchSemaphore]
    private let results: Mutex<[Int: RecordBatch]> = Mutex([:])
    private let next = Atomic<Int>(0)
    private let stopped = Atomic<Bool>(false)

    init(count: Int, ahead: Int) {
        self.count = count
        self.ahead = Swift.max(1, ahead)
        space = DispatchSemaphore(value: self.ahead)
        ready = (0 ..< count).map { _ in DispatchSemaphore(value: 0) }
    }

    /// The next chunk to compute, or nil when all are taken or the sink stopped.
    func claim() -> Int? {
        space.wait()
        guard !stopped.load(ordering: .acquiring) else { space.signal(); return nil }
        let k = next.add(1, ordering: .relaxed).oldValue
        guard k < count else { space.signal(); return nil }
        return k
    }

    func finish(_ k: Int, _ batch: RecordBatch) {
        results.withLock { $0[k] = batch }
        ready[k].signal()
    }

    /// Chunk `k` once it is computed (the caller takes them in order).
    func take(_ k: Int) -> RecordBatch {
        ready[k].wait()
        let batch = results.withLock { $0.removeValue(forKey: k)! }
        space.signal()
        return batch
    }

    /// Lets waiting workers go: nothing more will be taken. (As many permits as can be out, so
    /// the semaphore ends no lower than it began, which libdispatch insists on.)
    func stop() {
        stopped.store(true, ordering: .releasing)
        for _ in 0 ... ahead { space.signal() }
    }
}

/// The machine's processor count.
enum System {
    static var processorCount: Int { Swift.max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN))) }
}

#if canImport(Glibc)
import Glibc
#endif
