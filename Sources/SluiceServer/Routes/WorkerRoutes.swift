import Foundation
import HTTPTypes
import NIOCore
import SluiceCore
import SluiceMetadata
import SluiceScheduler

/// The remote-worker protocol: register, long-poll fetch, per-try heartbeats, reports, log
/// upload and XCom, all fenced by the lease a fetch grants. Worker tokens only.
enum WorkerRoutes {
    static func register(_ table: RouteTable, _ context: ServerContext) {
        let store = context.store

        table.add(.post, "/api/v1/workers", role: .worker) { request in
            let body = try await request.json()
            try body.only(["name", "hostname", "queues", "capacity", "pid"])
            let name = try body.string("name", required: true)!
            guard !name.isEmpty, name.count <= 100, name.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) }) else {
                throw APIError.badRequest("field 'name' must be 1-100 letters, digits, '-', '_' or '.'")
            }
            let hostname = try body.string("hostname") ?? "unknown"
            let queues = try body.strings("queues") ?? ["default"]
            guard !queues.isEmpty, queues.allSatisfy({ !$0.isEmpty && $0.count <= 100 }) else {
                throw APIError.badRequest("field 'queues' must list at least one non-empty queue name")
            }
            let capacity = Int(try body.int("capacity", range: 1 ... 1024) ?? 1)
            let pid = Int32(try body.int("pid", range: 0 ... Int64(Int32.max)) ?? 0)
            let id = "worker-\(name)-\(UUID().uuidString.prefix(8).lowercased())"
            try wrap { () throws(MetadataError) in
                try store.registerWorker(id: id, name: name, hostname: hostname, pid: pid, queues: queues, capacity: capacity, tokenID: request.token?.id)
            }
            return .json(.map([
                ("worker_id", .string(id)),
                ("heartbeat_interval", .double(context.options.workerHeartbeatInterval)),
                ("heartbeat_timeout", .double(context.options.workerHeartbeatTimeout)),
                ("max_fetch_wait", .double(context.options.maxFetchWait)),
            ]), status: .created)
        }

        table.add(.post, "/api/v1/workers/{worker_id}/fetch", role: .worker) { request in
            let worker = try ownWorker(request, store)
            let body = try await request.json()
            try body.only(["free_slots", "wait"])
            let slots = min(worker.capacity, Int(try body.int("free_slots", required: true, range: 0 ... 1024)!))
            let wait = min(context.options.maxFetchWait, max(0, try body.double("wait") ?? 0))
            let deadline = Date().addingTimeInterval(wait)
            var touched = Date()
            while true {
                let seen = context.workQueued.current
                if slots > 0, try wrap({ () throws(MetadataError) in try store.hasQueuedWorkload(queues: worker.queues) }) {
                    let leased = try wrap { () throws(MetadataError) in
                        try store.leaseWorkloads(workerID: worker.id, hostname: worker.hostname, queues: worker.queues, limit: slots)
                    }
                    if !leased.isEmpty {
                        let now = Date()
                        for item in leased { context.metrics.dispatchLatency.observe(now.timeIntervalSince(item.queuedAt)) }
                        context.metrics.countLease(leased.count)
                        let items: [Value] = leased.map { item in
                            .map([("try_id", .int(item.tryID)), ("lease", .string(item.lease)),
                                  ("workload", (try? Value.parseJSON(item.payload)) ?? .null)])
                        }
                        return .json(.map([("workloads", .list(items))]))
                    }
                }
                let remaining = deadline.timeIntervalSinceNow
                if remaining <= 0 { break }
                // Woken at once by a scheduler in this process; polling covers one elsewhere.
                await context.workQueued.wait(since: seen, timeout: min(remaining, 0.05))
                if Date().timeIntervalSince(touched) >= 1 {
                    _ = try? store.touchWorker(id: worker.id)
                    touched = Date()
                }
            }
            return .json(.map([("workloads", .list([]))]))
        }

        table.add(.post, "/api/v1/workers/{worker_id}/heartbeat", role: .worker) { request in
            let worker = try ownWorker(request, store)
            return .json(.map([("worker_id", .string(worker.id)), ("state", .string("running"))]))
        }

        table.add(.delete, "/api/v1/workers/{worker_id}", role: .worker) { request in
            let worker = try ownWorker(request, store)
            try wrap { () throws(MetadataError) in try store.deregisterWorker(id: worker.id) }
            return .empty(.noContent)
        }

        table.add(.put, "/api/v1/workloads/{try_id}/heartbeat", role: .worker) { request in
            let tryID = try request.intParameter("try_id")
            let body = try await request.json()
            try body.only(["lease"])
            let lease = try body.string("lease", required: true)!
            let check = try wrap { () throws(MetadataError) in try store.heartbeatWorkload(tryID: tryID, lease: lease) }
            if case let .current(cancel) = check { return .json(.map([("cancel", .bool(cancel))])) }
            throw refusal(check, tryID: tryID, context)
        }

        table.add(.post, "/api/v1/workloads/{try_id}/result", role: .worker) { request in
            let tryID = try request.intParameter("try_id")
            let body = try await request.json()
            try body.only(["lease", "state", "reason", "timed_out", "return_value"])
            let lease = try body.string("lease", required: true)!
            let state = try body.string("state", required: true)!
            guard ["success", "failed", "skipped"].contains(state) else {
                throw APIError.badRequest("field 'state' must be success, failed or skipped, got '\(state)'")
            }
            let report = TryReport(state: state, reason: try body.string("reason"), timedOut: try body.bool("timed_out"), returnValue: body["return_value"])
            let text = (try? RemoteJSON.encoder().encode(report)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
            let check = try wrap { () throws(MetadataError) in try store.reportWorkload(tryID: tryID, lease: lease, result: text) }
            guard case .current = check else { throw refusal(check, tryID: tryID, context) }
            context.reportsArrived.notify()
            return .json(.map([("recorded", .bool(true))]))
        }

        table.add(.post, "/api/v1/workloads/{try_id}/logs", role: .worker) { request in
            let tryID = try request.intParameter("try_id")
            guard let lease = request.query("lease") else { throw APIError.badRequest("query parameter 'lease' is required") }
            let offset = try request.intQuery("offset", default: 0, range: 0 ... Int.max)
            let check = try wrap { () throws(MetadataError) in try store.leaseHolds(tryID: tryID, lease: lease) }
            guard case .current = check else { throw refusal(check, tryID: tryID, context) }
            guard let attempt = try wrap({ () throws(MetadataError) in try store.attempt(id: tryID) }),
                  let path = PathGuard.resolve(attempt.logPath, inside: context.options.logFolder) else {
                throw APIError(.forbidden, "the log of try \(tryID) is not inside the log folder")
            }
            let chunk = try await request.body()
            let size = try LogAppender.append(chunk, at: offset, to: path)
            return .json(.map([("size", .int(Int64(size)))]))
        }

        table.add(.post, "/api/v1/workloads/{try_id}/xcom", role: .worker) { request in
            let tryID = try request.intParameter("try_id")
            let body = try await request.json()
            try body.only(["lease", "key", "value"])
            let lease = try body.string("lease", required: true)!
            let key = try body.string("key", required: true)!
            guard !key.isEmpty, key.count <= 200 else { throw APIError.badRequest("field 'key' must be 1-200 characters") }
            guard let value = body["value"] else { throw APIError.badRequest("field 'value' is required (any JSON value)") }
            let check = try wrap { () throws(MetadataError) in try store.pushXCom(tryID: tryID, lease: lease, key: key, value: value) }
            guard case .current = check else { throw refusal(check, tryID: tryID, context) }
            return .json(.map([("recorded", .bool(true))]))
        }

        table.add(.get, "/api/v1/workloads/{try_id}/xcom/{task_id}/{key}", role: .worker) { request in
            let tryID = try request.intParameter("try_id")
            guard let lease = request.query("lease") else { throw APIError.badRequest("query parameter 'lease' is required") }
            let check = try wrap { () throws(MetadataError) in try store.leaseHolds(tryID: tryID, lease: lease) }
            guard case .current = check else { throw refusal(check, tryID: tryID, context) }
            let taskID = request.parameter("task_id"), key = request.parameter("key")
            guard let runPK = try wrap({ () throws(MetadataError) in try store.runPK(ofTry: tryID) }),
                  let value = try wrap({ () throws(MetadataError) in try store.xcom(runPK: runPK, taskID: taskID, key: key) }) else {
                throw APIError.notFound("no XCom '\(key)' from task '\(taskID)' in this run")
            }
            return .json(.map([("task_id", .string(taskID)), ("key", .string(key)), ("value", value)]))
        }
    }

    /// The worker named in the path, registered with the caller's token.
    static func ownWorker(_ request: APIRequest, _ store: MetadataStore) throws(APIError) -> WorkerRecord {
        let id = request.parameter("worker_id")
        guard let worker = try wrap({ () throws(MetadataError) in try store.worker(id: id) }),
              let owner = try wrap({ () throws(MetadataError) in try store.workerTokenID(id: id) }) else {
            throw APIError.notFound("no worker '\(id)' (register first)")
        }
        guard owner == request.token?.id else { throw APIError(.forbidden, "worker '\(id)' was registered with another token") }
        guard try wrap({ () throws(MetadataError) in try store.touchWorker(id: id) }) else {
            throw APIError.conflict("worker '\(id)' has deregistered; register again")
        }
        return worker
    }

    /// The 409 (or 404) for a call whose lease no longer holds.
    static func refusal(_ check: LeaseCheck, tryID: Int64, _ context: ServerContext) -> APIError {
        switch check {
        case .unknown: return .notFound("no workload for try \(tryID)")
        case let .superseded(why):
            context.metrics.countRejected()
            return .conflict(why + "; stop this try and do not report it")
        case .current: return .conflict("try \(tryID): unexpected state")
        }
    }
}

/// Runs a store call, turning its errors into 503s (the database is the server's dependency).
func wrap<T>(_ body: () throws(MetadataError) -> T) throws(APIError) -> T {
    do { return try body() } catch {
        if error.isConflict { throw APIError.conflict(error.message) }
        throw APIError(.serviceUnavailable, error.message)
    }
}

/// Appends uploaded log chunks at their offset: a repeated chunk (a retried upload) is not
/// written twice, and a gap is refused.
enum LogAppender {
    static func append(_ chunk: ByteBuffer, at offset: Int, to path: String) throws(APIError) -> Int {
        try? FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw APIError(.internalServerError, "cannot open the log file: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var info = stat()
        fstat(fd, &info)
        // One writer at a time per log: a retried upload racing its original must not append twice.
        flock(fd, LOCK_EX)
        defer { flock(fd, LOCK_UN) }
        fstat(fd, &info)
        let size = Int(info.st_size)
        guard offset <= size else {
            throw APIError(.conflict, "log chunk at offset \(offset) but the log has \(size) bytes; resend from \(size)",
                           fields: [("size", .int(Int64(size)))])
        }
        let skip = size - offset
        guard chunk.readableBytes > skip else { return size }
        let written = chunk.withUnsafeReadableBytes { raw in
            write(fd, raw.baseAddress! + skip, raw.count - skip)
        }
        guard written == chunk.readableBytes - skip else {
            throw APIError(.internalServerError, "cannot write the log file: \(String(cString: strerror(errno)))")
        }
        return size + written
    }
}
