import Foundation
import Testing

/// A bash task that records its start and fails the check if the previous try of the same task
/// is still alive (its pid is kept in a file): running on two workers at once would show here.
private func guardedTask(_ id: String, folder: String, seconds: Double) -> String {
    """
      - id: \(id)
        operator: bash
        retries: 3
        retry_delay: 0s
        with:
          command: |
            f=\(folder)/$SLUICE_TASK_ID.pid
            if [ -f "$f" ] && kill -0 "$(cat "$f")" 2>/dev/null; then echo "$SLUICE_TASK_ID try $SLUICE_TRY_NUMBER started while pid $(cat "$f") still runs" >> \(folder)/overlaps; fi
            echo $$ > "$f"
            echo "$SLUICE_TASK_ID try $SLUICE_TRY_NUMBER started" >> \(folder)/starts
            sleep \(seconds)
            echo "finished $SLUICE_TASK_ID try $SLUICE_TRY_NUMBER"

    """
}

@Suite("Remote workers on loopback: a scheduler with the API, workers leasing tries over HTTP", .serialized)
struct RemoteWorkerTests {
    @Test("three workers run a 200-task DAG to success; every worker takes a share and logs reach the server")
    func twoHundredTasks() throws {
        var tasks = "  - id: root\n    operator: bash\n    with: {command: \"echo root\"}\n"
        for i in 1 ... 199 {
            tasks += "  - id: t\(i)\n    operator: bash\n    depends_on: [root]\n    with: {command: \"echo task $SLUICE_TASK_ID on $SLUICE_RUN_ID\"}\n"
        }
        let cluster = try RemoteCluster(dags: ["wide.yaml": "dag_id: wide\nschedule: null\ntasks:\n" + tasks], heartbeatTimeout: "30s")
        defer { cluster.shutdown() }
        let token = try cluster.token(role: "worker", name: "workers")
        var ids: [String] = []
        for name in ["w1", "w2", "w3"] { ids.append(try cluster.startWorker(name: name, token: token, concurrency: 4).1) }
        #expect(try cluster.sluice(["dags", "unpause", "wide"]).status == 0)
        #expect(try cluster.sluice(["dags", "trigger", "wide"]).status == 0)
        try cluster.waitUntil("the run to finish", timeout: 300) {
            try cluster.query("SELECT state FROM dag_run WHERE dag_id = 'wide'").first?.first.map { $0 == "success" || $0 == "failed" } ?? false
        }
        #expect(try cluster.query("SELECT state FROM dag_run WHERE dag_id = 'wide'") == [["success"]])
        #expect(try cluster.query("SELECT COUNT(*) FROM task_instance WHERE dag_id = 'wide' AND state = 'success'") == [["200"]])
        // One try each, fenced: every try ran on a registered worker, never twice.
        #expect(try cluster.query("SELECT COUNT(*), COUNT(DISTINCT ti_id) FROM task_try WHERE dag_id = 'wide'") == [["200", "200"]])
        let perWorker = try cluster.query("SELECT job_id, COUNT(*) FROM task_try WHERE dag_id = 'wide' GROUP BY job_id")
        #expect(Set(perWorker.map { $0[0] }) == Set(ids), "tries per worker: \(perWorker)")
        // Logs were uploaded to the scheduler's log folder.
        let logPath = try cluster.query("SELECT log_path FROM task_try WHERE task_id = 't7'").first?.first ?? ""
        let log = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        #expect(log.contains("task t7 on manual__"), "log of t7: \(log)")
        // Metrics count the leases and the outcomes.
        let viewer = try cluster.token(role: "viewer", name: "prometheus")
        let metrics = cluster.http("GET", "/metrics", token: viewer)
        #expect(metrics.status == 200)
        #expect(metrics.body.contains("sluice_workloads_leased_total 200"), "\(metrics.body.prefix(2000))")
        #expect(metrics.body.contains("sluice_task_tries_total{state=\"success\"} 200"))
        #expect(metrics.body.contains("sluice_workers{state=\"running\"} 3"))
    }

    @Test("kill -9 of a worker mid-task: the try is failed and retried on another worker, never running on both")
    func killedWorker() throws {
        let folder = try CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let cluster = try RemoteCluster(dags: ["long.yaml": "dag_id: long\nschedule: null\ntasks:\n" + guardedTask("long", folder: folder, seconds: 4)])
        defer { cluster.shutdown() }
        let token = try cluster.token(role: "worker", name: "workers")
        let (first, firstID) = try cluster.startWorker(name: "doomed", token: token, concurrency: 1)
        #expect(try cluster.sluice(["dags", "unpause", "long"]).status == 0)
        #expect(try cluster.sluice(["dags", "trigger", "long"]).status == 0)
        try cluster.waitUntil("the first try to start") { FileManager.default.fileExists(atPath: folder + "/starts") }
        first.signal(SIGKILL)
        let (_, secondID) = try cluster.startWorker(name: "survivor", token: token, concurrency: 1)
        try cluster.waitUntil("the run to finish", timeout: 120) {
            try cluster.query("SELECT state FROM dag_run WHERE dag_id = 'long'").first?.first.map { $0 == "success" || $0 == "failed" } ?? false
        }
        let tries = try cluster.query("SELECT try_number, state, job_id, exit_reason FROM task_try WHERE task_id = 'long' ORDER BY try_number")
        #expect(tries.count == 2, "tries: \(tries)")
        #expect(tries.first?[1] == "failed" && tries.first?[2] == firstID, "tries: \(tries)")
        #expect(tries.first?[3].contains("stopped heartbeating") == true || tries.first?[3].contains("gone") == true, "tries: \(tries)")
        #expect(tries.last?[1] == "success" && tries.last?[2] == secondID, "tries: \(tries)")
        // The killed worker's task process died with it: the retry never overlapped it.
        #expect(!FileManager.default.fileExists(atPath: folder + "/overlaps"),
                "overlap: \((try? String(contentsOfFile: folder + "/overlaps", encoding: .utf8)) ?? "")")
        let starts = (try? String(contentsOfFile: folder + "/starts", encoding: .utf8)) ?? ""
        #expect(starts == "long try 1 started\nlong try 2 started\n")
    }

    @Test("a worker paused past the heartbeat timeout (a network cut) gets 409 when it calls again; its try stays failed")
    func pausedWorker() throws {
        let folder = try CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let cluster = try RemoteCluster(dags: ["cut.yaml": "dag_id: cut\nschedule: null\ntasks:\n" + guardedTask("cut", folder: folder, seconds: 2)])
        defer { cluster.shutdown() }
        let token = try cluster.token(role: "worker", name: "workers")
        let (paused, pausedID) = try cluster.startWorker(name: "paused", token: token, concurrency: 1)
        #expect(try cluster.sluice(["dags", "unpause", "cut"]).status == 0)
        #expect(try cluster.sluice(["dags", "trigger", "cut"]).status == 0)
        try cluster.waitUntil("the first try to start") { FileManager.default.fileExists(atPath: folder + "/starts") }
        paused.signal(SIGSTOP)
        // Past the 3 s timeout the try is failed; a second worker takes the retry.
        try cluster.waitUntil("the first try to be failed", timeout: 30) {
            try cluster.query("SELECT state FROM task_try WHERE task_id = 'cut' AND try_number = 1").first?.first == "failed"
        }
        let (_, otherID) = try cluster.startWorker(name: "other", token: token, concurrency: 1)
        try cluster.waitUntil("the run to finish", timeout: 60) {
            try cluster.query("SELECT state FROM dag_run WHERE dag_id = 'cut'").first?.first == "success"
        }
        paused.signal(SIGCONT)
        // Its late heartbeat or report is refused with 409; nothing it says changes the record.
        try paused.waitFor("(heartbeat|report) refused \\(409\\)", timeout: 30)
        let tries = try cluster.query("SELECT try_number, state, job_id, exit_reason FROM task_try WHERE task_id = 'cut' ORDER BY try_number")
        #expect(tries.map { $0[1] } == ["failed", "success"], "tries: \(tries)")
        #expect(tries.first?[2] == pausedID && tries.last?[2] == otherID)
        #expect(tries.first?[3].contains("stopped heartbeating") == true, "tries: \(tries)")
        let viewer = try cluster.token(role: "viewer", name: "viewer")
        let metrics = cluster.http("GET", "/metrics", token: viewer).body
        #expect(metrics.range(of: "sluice_worker_calls_rejected_total [1-9]", options: .regularExpression) != nil, "\(metrics.prefix(1500))")
    }

    @Test("SIGTERM drains a worker (running tries finish, no new ones); a second SIGTERM stops them, reported failed and retried")
    func gracefulStop() throws {
        let folder = try CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let tasks = guardedTask("a", folder: folder, seconds: 2) + guardedTask("b", folder: folder, seconds: 2) + guardedTask("c", folder: folder, seconds: 3)
        let cluster = try RemoteCluster(dags: ["drain.yaml": "dag_id: drain\nschedule: null\nmax_active_tasks: 2\ntasks:\n" + tasks])
        defer { cluster.shutdown() }
        let token = try cluster.token(role: "worker", name: "workers")
        let (draining, drainingID) = try cluster.startWorker(name: "draining", token: token, concurrency: 2)
        #expect(try cluster.sluice(["dags", "unpause", "drain"]).status == 0)
        #expect(try cluster.sluice(["dags", "trigger", "drain"]).status == 0)
        try cluster.waitUntil("two tries running") {
            try cluster.query("SELECT COUNT(*) FROM task_try WHERE dag_id = 'drain' AND state = 'running'") == [["2"]]
        }
        draining.signal(SIGTERM)
        draining.process.waitUntilExit()
        #expect(draining.process.terminationStatus == 0, "\(draining.output)")
        #expect(draining.output.contains("stopping: no new tries"))
        let drained = try cluster.query("SELECT task_id, state, job_id FROM task_try WHERE dag_id = 'drain' ORDER BY task_id")
        #expect(drained.count == 3, "tries: \(drained)")
        #expect(drained.prefix(2).allSatisfy { $0[1] == "success" && $0[2] == drainingID }, "tries: \(drained)")
        // The third waits for a worker: the draining one did not take it.
        #expect(drained.last?[1] == "queued" && drained.last?[2] != drainingID, "tries: \(drained)")

        // The third task goes to a worker stopped twice mid-try: failed, then retried elsewhere.
        let (stopped, _) = try cluster.startWorker(name: "stopped", token: token, concurrency: 1)
        try cluster.waitUntil("the third task running") {
            try cluster.query("SELECT state FROM task_try WHERE dag_id = 'drain' AND task_id = 'c'").first?.first == "running"
        }
        stopped.signal(SIGTERM)
        Thread.sleep(forTimeInterval: 0.3)
        stopped.signal(SIGTERM)
        stopped.process.waitUntilExit()
        #expect(stopped.output.contains("stopping now"), "\(stopped.output)")
        let (_, lastID) = try cluster.startWorker(name: "last", token: token, concurrency: 1)
        try cluster.waitUntil("the run to finish", timeout: 60) {
            try cluster.query("SELECT state FROM dag_run WHERE dag_id = 'drain'").first?.first == "success"
        }
        let third = try cluster.query("SELECT try_number, state, job_id, exit_reason FROM task_try WHERE task_id = 'c' ORDER BY try_number")
        #expect(third.count == 2 && third[0][1] == "failed" && third[0][3].contains("worker was stopped"), "tries: \(third)")
        #expect(third.last?[1] == "success" && third.last?[2] == lastID)
        #expect(!FileManager.default.fileExists(atPath: folder + "/overlaps"))
    }

    @Test("a viewer token, a missing token and a revoked token cannot work as a worker; the worker protocol refuses them")
    func refusedTokens() throws {
        let cluster = try RemoteCluster(dags: [:])
        defer { cluster.shutdown() }
        let viewer = try cluster.token(role: "viewer", name: "viewer")
        let revoked = try cluster.token(role: "worker", name: "old-worker")
        #expect(try cluster.sluice(["tokens", "revoke", "old-worker"]).status == 0)

        let asViewer = try CLI.run(["worker", "--api", cluster.url, "--name", "v"], cwd: cluster.home, environment: ["SLUICE_WORKER_TOKEN": viewer], timeout: 60)
        #expect(asViewer.status == 1)
        #expect(asViewer.stderr.contains("403") && asViewer.stderr.contains("worker token"), "\(asViewer.stderr)")
        let asRevoked = try CLI.run(["worker", "--api", cluster.url, "--name", "r"], cwd: cluster.home, environment: ["SLUICE_WORKER_TOKEN": revoked], timeout: 60)
        #expect(asRevoked.status == 1)
        #expect(asRevoked.stderr.contains("401") && asRevoked.stderr.contains("revoked"), "\(asRevoked.stderr)")
        let without = try CLI.run(["worker", "--api", cluster.url, "--name", "n"], cwd: cluster.home, timeout: 60)
        #expect(without.status == 2 && without.stderr.contains("no token"), "\(without.stderr)")

        let body = "{\"name\": \"x\", \"queues\": [\"default\"], \"capacity\": 1}"
        #expect(cluster.http("POST", "/api/v1/workers", token: nil, body: body).status == 401)
        #expect(cluster.http("POST", "/api/v1/workers", token: "slc_not_a_real_token", body: body).status == 401)
        #expect(cluster.http("POST", "/api/v1/workers", token: revoked, body: body).status == 401)
        #expect(cluster.http("POST", "/api/v1/workers", token: viewer, body: body).status == 403)
        #expect(cluster.http("PUT", "/api/v1/workloads/1/heartbeat", token: viewer, body: "{\"lease\": \"x\"}").status == 403)
        // Paths that climb out of their roots are refused, whoever asks.
        let admin = try cluster.token(role: "admin", name: "admin")
        for path in ["/api/v1/dags/x/runs/..%2F..%2F..%2Fetc/tasks/passwd/tries/1/log", "/api/v1/reports/..%2F..%2Fscheduler.yaml",
                     "/api/v1/reports/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd"] {
            let answer = cluster.http("GET", path, token: admin)
            #expect(answer.status == 400 && answer.body.contains("no '/' or '..'"), "\(path): \(answer.status) \(answer.body)")
        }
        // Health is the one open endpoint.
        let health = cluster.http("GET", "/api/v1/health", token: nil)
        #expect(health.status == 200 && health.body.contains("\"status\":\"ok\""), "\(health.body)")
        // A worker token is for the worker protocol only.
        let worker = try cluster.token(role: "worker", name: "worker")
        #expect(cluster.http("GET", "/metrics", token: worker).status == 403)
        // Bad bodies are refused with the field named.
        let bad = cluster.http("POST", "/api/v1/workers", token: worker, body: "{\"name\": \"x\", \"capacity\": \"four\"}")
        #expect(bad.status == 400 && bad.body.contains("capacity"), "\(bad.body)")
        let unknown = cluster.http("POST", "/api/v1/workers", token: worker, body: "{\"name\": \"x\", \"capasity\": 4}")
        #expect(unknown.status == 400 && unknown.body.contains("capasity"), "\(unknown.body)")
        let malformed = cluster.http("POST", "/api/v1/workers", token: worker, body: "{\"name\": ")
        #expect(malformed.status == 400, "\(malformed.body)")
        let huge = cluster.http("POST", "/api/v1/workers", token: worker, body: "{\"name\": \"" + String(repeating: "x", count: 2 << 20) + "\"}")
        #expect(huge.status == 413, "\(huge.status) \(huge.body.prefix(200))")
    }
}
