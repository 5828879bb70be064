import Foundation
import SluiceCore
import SluiceMetadata

/// Task logs by try, read from an offset, with an optional long poll for live tails. Only files
/// inside the configured log folder are served, and known secrets are masked.
enum LogRoutes {
    /// The most bytes one call returns.
    static let maxChunk = 1 << 20
    /// The longest a call may wait for the log to grow, in seconds.
    static let maxWait = 30.0

    static func register(_ table: RouteTable, _ context: ServerContext) {
        let store = context.store, lookup = Lookup(store: store)

        table.add(.get, "/api/v1/dags/{dag_id}/runs/{run_id}/tasks/{task_id}/tries/{try_number}/log", role: .viewer) { request in
            let run = try lookup.run(request)
            let ti = try lookup.taskInstance(request, in: run)
            let number = try request.intParameter("try_number")
            let offset = try request.intQuery("offset", default: 0, range: 0 ... Int(Int64.max / 2))
            let wait = try waitQuery(request)
            let tries = try wrap { () throws(MetadataError) in try store.tries(tiID: ti.id!) }
            guard var attempt = tries.first(where: { Int64($0.tryNumber) == number }) else {
                let known = tries.isEmpty ? "it has not run yet" : "tries: 1-\(tries.count)"
                throw APIError.notFound("task '\(ti.taskID)' of run '\(run.runID)' has no try \(number) (\(known))")
            }
            guard let path = PathGuard.resolve(attempt.logPath, inside: context.options.logFolder) else {
                throw APIError(.forbidden, "the log of try \(number) is not inside the log folder")
            }
            let deadline = Date().addingTimeInterval(wait)
            while true {
                let live = attempt.state == .queued || attempt.state == .running
                if !live || (fileSize(path) ?? 0) > offset || Date() >= deadline { break }
                try? await Task.sleep(nanoseconds: 200_000_000)
                attempt = try wrap { () throws(MetadataError) in try store.attempt(id: attempt.id!) } ?? attempt
            }
            let live = attempt.state == .queued || attempt.state == .running
            guard let size = fileSize(path) else {
                if live { return chunkReply("", offset: offset, next: offset, complete: false) }
                throw APIError.notFound("try \(number) of task '\(ti.taskID)' wrote no log (its operator writes none, or it never started)")
            }
            guard offset <= size else { throw APIError.badRequest("query parameter 'offset' (\(offset)) is past the end of the log (\(size) bytes)") }
            let data = readChunk(path, offset: offset, size: size, cutAtLine: live || offset + maxChunk < size)
            let next = offset + data.count
            let text = context.masker.masked(String(decoding: data, as: UTF8.self))
            return chunkReply(text, offset: offset, next: next, complete: !live && next >= size)
        }
    }

    static func chunkReply(_ text: String, offset: Int, next: Int, complete: Bool) -> APIReply {
        .json(.map([("content", .string(text)), ("offset", .int(Int64(offset))), ("next_offset", .int(Int64(next))),
                    ("complete", .bool(complete))]))
    }

    /// The `wait` query parameter: seconds to long-poll, 0...30.
    static func waitQuery(_ request: APIRequest) throws(APIError) -> Double {
        guard let text = request.query("wait") else { return 0 }
        guard let seconds = Double(text), seconds.isFinite, seconds >= 0, seconds <= maxWait else {
            throw APIError.badRequest("query parameter 'wait' must be a number of seconds in 0...\(Int(maxWait)), got '\(text)'")
        }
        return seconds
    }

    static func fileSize(_ path: String) -> Int? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return Int(info.st_size)
    }

    /// Up to `maxChunk` bytes from `offset`. When more may follow, the chunk ends after its last
    /// complete line (so a secret is never split between two calls and left unmasked), or at
    /// least on a whole UTF-8 character.
    static func readChunk(_ path: String, offset: Int, size: Int, cutAtLine: Bool) -> Data {
        guard let handle = FileHandle(forReadingAtPath: path) else { return Data() }
        defer { try? handle.close() }
        do { try handle.seek(toOffset: UInt64(offset)) } catch { return Data() }
        var data = (try? handle.read(upToCount: min(maxChunk, size - offset))) ?? Data()
        guard cutAtLine, !data.isEmpty, data.last != UInt8(ascii: "\n") else { return data }
        if let newline = data.lastIndex(of: UInt8(ascii: "\n")) {
            data = data.prefix(through: newline)
        } else {
            data = data.prefix(wholeCharacterLength(data))
        }
        return Data(data)
    }

    /// The length of `data` without a trailing, incomplete UTF-8 sequence.
    static func wholeCharacterLength(_ data: Data) -> Int {
        let bytes = [UInt8](data.suffix(4))
        for back in 1 ... bytes.count {
            let byte = bytes[bytes.count - back]
            if byte & 0b1100_0000 == 0b1000_0000 { continue }  // a continuation byte: keep looking for the lead
            let length = byte >= 0xF0 ? 4 : byte >= 0xE0 ? 3 : byte >= 0xC0 ? 2 : 1
            return length > back ? data.count - back : data.count
        }
        return data.count
    }
}
