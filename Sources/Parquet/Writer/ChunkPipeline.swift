import Columnar
import Dispatch
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Encodes a row group's column chunks on several threads and hands them to `write` one at a time,
/// in schema order, as soon as each and all before it are ready: the file's bytes are the same as
/// with one thread, and writing overlaps encoding.
final class ChunkPipeline: @unchecked Sendable {
    /// One leaf to encode: the top-level column holding it and its plan.
    struct Job {
        var column: Column
        var leaf: LeafColumn
    }

    private struct State {
        var nextJob = 0
        var nextToWrite = 0
        var writing = false
        var ready: [Int: EncodedChunk] = [:]
        /// Failures by job index (a write failure is filed under the chunk being written).
        var failures: [Int: ParquetWriteError] = [:]
    }

    private let jobs: [Job]
    private let options: ParquetWriterOptions
    private let path: String
    private let pool: BufferPool
    private let write: (EncodedChunk) throws(ParquetWriteError) -> Void
    private let state = Mutex(State())

    private init(jobs: [Job], options: ParquetWriterOptions, path: String, pool: BufferPool,
                 write: @escaping (EncodedChunk) throws(ParquetWriteError) -> Void) {
        self.jobs = jobs
        self.pool = pool
        self.options = options
        self.path = path
        self.write = write
    }

    /// The number of threads `options.threads` asks for: 0 means one per online processor.
    static func threadCount(_ requested: Int) -> Int {
        requested > 0 ? requested : max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN)))
    }

    /// Encodes every job and passes the chunks to `write` in job order; throws the failure of the
    /// earliest job that failed (nothing after it is written).
    /// `pool` lends the buffers chunks are built in; each is given back once written.
    static func run(_ jobs: [Job], options: ParquetWriterOptions, path: String, pool: BufferPool,
                    write: @escaping (EncodedChunk) throws(ParquetWriteError) -> Void) throws(ParquetWriteError) {
        let threads = min(threadCount(options.threads), jobs.count)
        if threads <= 1 {
            for job in jobs {
                var chunk = try ColumnChunkWriter.encode(job.column, leaf: job.leaf, options: options, path: path, pool: pool)
                try write(chunk)
                pool.give(&chunk.bytes)
            }
            return
        }
        let pipeline = ChunkPipeline(jobs: jobs, options: options, path: path, pool: pool, write: write)
        DispatchQueue.concurrentPerform(iterations: threads) { _ in pipeline.work() }
        if let first = pipeline.state.withLock({ $0.failures.min(by: { $0.key < $1.key })?.value }) { throw first }
    }

    /// One thread's loop: take the next job, encode it, and write whatever is ready in order
    /// unless another thread is writing already.
    private func work() {
        while true {
            let taken: Int? = state.withLock { s in
                guard s.failures.isEmpty, s.nextJob < jobs.count else { return nil }
                s.nextJob += 1
                return s.nextJob - 1
            }
            guard let index = taken else { return }
            let job = jobs[index]
            let result: Result<EncodedChunk, ParquetWriteError> = Result { () throws(ParquetWriteError) in
                try ColumnChunkWriter.encode(job.column, leaf: job.leaf, options: options, path: path, pool: pool)
            }
            var batch: [(Int, EncodedChunk)] = state.withLock { s in
                switch result {
                case let .success(chunk): s.ready[index] = chunk
                case let .failure(error): s.failures[index] = error
                }
                return Self.claim(&s)
            }
            while !batch.isEmpty {
                var failed: (Int, ParquetWriteError)?
                batch.reverse()
                while let (i, written) = batch.popLast() {
                    var chunk = written
                    do throws(ParquetWriteError) { try write(chunk) } catch { failed = (i, error); break }
                    pool.give(&chunk.bytes)
                }
                batch = state.withLock { s in
                    if let (i, error) = failed {
                        s.failures[i] = error
                        s.writing = false
                        return []
                    }
                    return Self.claim(&s, continuing: true)
                }
            }
        }
    }

    /// Takes the ready chunks that come next in order (none once a job has failed) and makes the
    /// caller the writer while there are any. `continuing`: the caller is the writer already;
    /// otherwise it gets nothing while another thread writes (that one takes these chunks next).
    private static func claim(_ s: inout State, continuing: Bool = false) -> [(Int, EncodedChunk)] {
        if s.writing && !continuing { return [] }
        var batch: [(Int, EncodedChunk)] = []
        if s.failures.isEmpty {
            while let chunk = s.ready.removeValue(forKey: s.nextToWrite) {
                batch.append((s.nextToWrite, chunk))
                s.nextToWrite += 1
            }
        }
        s.writing = !batch.isEmpty
        return batch
    }
}
