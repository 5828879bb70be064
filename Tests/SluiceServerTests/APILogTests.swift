import Foundation
import SluiceCore
import SluiceMetadata
import Testing

@Suite("REST API: task logs and secret masking")
struct APILogTests {
    /// A run `r1` whose task `hello` has a claimed try logging under `logFolder`.
    static func claimedTry(_ server: APITestServer, logFolder: String? = nil) async throws -> TaskTryRow {
        #expect(try await server.call("POST", "/api/v1/dags/ops/runs", as: "operator", json: .map([("run_id", .string("r1"))])).status == 201)
        let run = try #require(try server.store.run(dagID: "ops", runID: "r1"))
        try server.store.transition(runPK: run.id!, [(taskID: "hello", to: .scheduled)], from: .noState)
        let ti = try #require(try server.store.taskInstances(runPK: run.id!).first { $0.taskID == "hello" })
        return try #require(try server.store.claimTry(tiID: ti.id!, jobID: "job-1", logFolder: logFolder ?? server.root + "/logs"))
    }

    static let logPath = "/api/v1/dags/ops/runs/r1/tasks/hello/tries/1/log"

    @Test("a worker's log chunks land at their offset; a repeated chunk is not written twice; a gap is refused with the size to resend from")
    func logUpload() async throws {
        let server = try await APITestServer()
        let attempt = try await Self.claimedTry(server)
        try server.store.enqueueWorkload(tryID: attempt.id!, queue: "default", priority: 0, payload: "{}")
        let lease = try #require(try server.store.leaseWorkloads(workerID: "w1", hostname: "box", queues: ["default"], limit: 1).first).lease
        let upload = "/api/v1/workloads/\(attempt.id!)/logs?lease=\(lease)&offset="
        let first = try await server.call("POST", upload + "0", as: "worker", raw: Data("hello\n".utf8))
        #expect(first.status == 200 && first.json["size"] == .int(6), "\(first.text)")
        // The same chunk again (its answer was lost): nothing is appended.
        let again = try await server.call("POST", upload + "0", as: "worker", raw: Data("hello\n".utf8))
        #expect(again.status == 200 && again.json["size"] == .int(6))
        // A chunk past the end would leave a gap: 409, with the size to resend from as a field.
        let gap = try await server.call("POST", upload + "9", as: "worker", raw: Data("later\n".utf8))
        #expect(gap.status == 409 && gap.json["size"] == .int(6) && gap.error.contains("resend from 6"), "\(gap.text)")
        let next = try await server.call("POST", upload + "6", as: "worker", raw: Data("world\n".utf8))
        #expect(next.status == 200 && next.json["size"] == .int(12))
        #expect(try String(contentsOfFile: attempt.logPath, encoding: .utf8) == "hello\nworld\n")
        // A lease that does not hold is refused without a size (the worker stops shipping).
        let stale = try await server.call("POST", "/api/v1/workloads/\(attempt.id!)/logs?lease=nope&offset=12", as: "worker", raw: Data("x".utf8))
        #expect(stale.status == 409 && stale.json["size"] == nil, "\(stale.text)")
    }

    @Test("a written log is returned from an offset with known secrets masked; complete once the try has ended")
    func readLog() async throws {
        let server = try await APITestServer()
        let attempt = try await Self.claimedTry(server)
        try server.store.markTryRunning(tryID: attempt.id!, hostname: "box", pid: nil, pidStartTicks: nil)
        try FileManager.default.createDirectory(atPath: (attempt.logPath as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let text = "starting\npassword is \(APITestServer.secret) ok\n"
        try text.write(toFile: attempt.logPath, atomically: true, encoding: .utf8)
        let first = try await server.call("GET", Self.logPath, as: "viewer")
        #expect(first.status == 200, "\(first.text)")
        #expect(first.json["content"] == .string("starting\npassword is *** ok\n"))
        #expect(!first.text.contains(APITestServer.secret))
        #expect(first.json["offset"] == .int(0) && first.json["next_offset"] == .int(Int64(text.utf8.count)))
        #expect(first.json["complete"] == .bool(false), "the try still runs")
        let tail = try await server.call("GET", Self.logPath + "?offset=9", as: "viewer")
        #expect(tail.json["content"]?.stringValue?.hasPrefix("password is ***") == true)
        try server.store.recordTryFinished(tryID: attempt.id!, outcome: .success)
        let done = try await server.call("GET", Self.logPath + "?offset=\(text.utf8.count)", as: "viewer")
        #expect(done.json["content"] == .string("") && done.json["complete"] == .bool(true))
        let past = try await server.call("GET", Self.logPath + "?offset=100000", as: "viewer")
        #expect(past.status == 400 && past.error.contains("offset"))
        #expect(try await server.call("GET", "/api/v1/dags/ops/runs/r1/tasks/hello/tries/2/log", as: "viewer").status == 404)
        await server.stop()
    }

    @Test("wait long-polls until the log grows, ending on a whole line")
    func livetail() async throws {
        let server = try await APITestServer()
        let attempt = try await Self.claimedTry(server)
        try server.store.markTryRunning(tryID: attempt.id!, hostname: "box", pid: nil, pidStartTicks: nil)
        try FileManager.default.createDirectory(atPath: (attempt.logPath as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try "line 1\n".write(toFile: attempt.logPath, atomically: true, encoding: .utf8)
        let writer = Task {
            try await Task.sleep(nanoseconds: 500_000_000)
            let handle = try #require(FileHandle(forWritingAtPath: attempt.logPath))
            try handle.seekToEnd()
            try handle.write(contentsOf: Data("line 2\npartial".utf8))
            try handle.close()
        }
        let started = Date()
        let grown = try await server.call("GET", Self.logPath + "?offset=7&wait=10", as: "viewer")
        try await writer.value
        #expect(Date().timeIntervalSince(started) < 8, "answered when the log grew, not at the deadline")
        #expect(grown.json["content"] == .string("line 2\n"), "\(grown.text)")
        #expect(grown.json["next_offset"] == .int(14) && grown.json["complete"] == .bool(false))
        let badWait = try await server.call("GET", Self.logPath + "?wait=31", as: "viewer")
        #expect(badWait.status == 400 && badWait.error.contains("'wait'"))
        await server.stop()
    }

    @Test("run and task ids with '..' or '/' are refused with 400; a log path outside the log folder with 403")
    func traversal() async throws {
        let server = try await APITestServer()
        let outside = server.root + "/elsewhere"
        let attempt = try await Self.claimedTry(server, logFolder: outside)
        try FileManager.default.createDirectory(atPath: (attempt.logPath as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try "private".write(toFile: attempt.logPath, atomically: true, encoding: .utf8)
        for path in [
            "/api/v1/dags/ops/runs/..%2F..%2Fetc/tasks/hello/tries/1/log",
            "/api/v1/dags/ops/runs/r1/tasks/..%2F..%2F..%2Fpasswd/tries/1/log",
            "/api/v1/dags/..%2F..%2Fsecrets/runs/r1/tasks/hello/tries/1/log",
        ] {
            let answer = try await server.call("GET", path, as: "viewer")
            #expect(answer.status == 400, "\(path): \(answer.status) \(answer.text)")
            #expect(answer.error.contains("must be a plain identifier"), "\(path): \(answer.text)")
        }
        let dotted = try await server.call("GET", "/api/v1/dags/ops/runs/r1/tasks/hello/../../../../../etc/passwd", as: "viewer")
        #expect(dotted.status == 400 || dotted.status == 404, "\(dotted.status)")
        let escaped = try await server.call("GET", Self.logPath, as: "viewer")
        #expect(escaped.status == 403, "\(escaped.text)")
        #expect(!escaped.text.contains("private"))
        await server.stop()
    }

    @Test("secrets are masked in DAG arguments, conf, rendered arguments and the environment of a try")
    func masking() async throws {
        let server = try await APITestServer()
        let dag = try await server.call("GET", "/api/v1/dags/ops", as: "viewer").json
        let env = dag["tasks"]?.listValue?.first?["arguments"]?["env"]
        #expect(env?["DB_PASSWORD"] == .string("***") && env?["MODE"] == .string("fast"))
        #expect(!(try await server.call("GET", "/api/v1/dags/ops", as: "viewer").text.contains("hunter22")))

        let attempt = try await Self.claimedTry(server)
        let payload = Value.map([
            ("arguments", .map([("command", .string("curl -u admin:\(APITestServer.secret) http://x")),
                                ("env", .map([("DB_PASSWORD", .string("hunter22")), ("MODE", .string("fast"))]))])),
            ("environment", .map([("SLUICE_DAG_ID", .string("ops")), ("AWS_SECRET_ACCESS_KEY", .string("AKIA-very-secret"))])),
        ])
        try server.store.enqueueWorkload(tryID: attempt.id!, queue: "default", priority: 1, payload: payload.jsonText())
        let detail = try await server.call("GET", "/api/v1/dags/ops/runs/r1/tasks/hello", as: "viewer")
        let tryJSON = try #require(detail.json["tries"]?.listValue?.first)
        #expect(tryJSON["rendered_arguments"]?["command"] == .string("curl -u admin:*** http://x"))
        #expect(tryJSON["rendered_arguments"]?["env"]?["DB_PASSWORD"] == .string("***"))
        #expect(tryJSON["rendered_arguments"]?["env"]?["MODE"] == .string("fast"))
        #expect(tryJSON["environment"]?["AWS_SECRET_ACCESS_KEY"] == .string("***"))
        #expect(tryJSON["environment"]?["SLUICE_DAG_ID"] == .string("ops"))
        for secret in ["hunter22", "AKIA-very-secret", APITestServer.secret] { #expect(!detail.text.contains(secret), "\(secret) leaked") }
        await server.stop()
    }
}
