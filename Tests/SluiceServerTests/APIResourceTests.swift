import Foundation
import SluiceCore
import SluiceMetadata
import Testing

@Suite("REST API: DAGs, runs, task instances, backfills, pools, reports")
struct APIResourceTests {
    @Test("DAGs are listed with their runs and next run; one DAG shows tasks and typed params; import errors name the file")
    func dags() async throws {
        let nightly = "dag_id: nightly\nschedule: \"@daily\"\nstart_date: 2024-01-01\ntasks: [{id: a, operator: empty}]\n"
        let server = try await APITestServer(dags: ["ops.yaml": APITestServer.dag, "nightly.yaml": nightly,
                                                    "broken.yaml": "dag_id: broken\ntasks: [{id: a, operator: nope}]\n"])
        let list = try await server.call("GET", "/api/v1/dags", as: "viewer")
        #expect(list.status == 200)
        #expect(list.json["total"] == .int(2))
        let ops = try #require(list.json["items"]?.listValue?.last, "\(list.text)")
        #expect(ops["dag_id"] == .string("ops") && ops["schedule"] == .string("@daily") && ops["is_paused"] == .bool(false))
        #expect(ops["task_count"] == .int(3))
        #expect(ops["next_run"] == .null, "ops ended on 2024-01-03")
        let next = try #require(list.json["items"]?.listValue?.first?["next_run"]?["runs_at"]?.stringValue, "\(list.text)")
        #expect(next <= Date().addingTimeInterval(86_400).utcText(), "nightly's next run is its latest complete day (no catchup)")
        #expect(try await server.call("GET", "/api/v1/dags?limit=1&offset=1", as: "viewer").json["items"]?.listValue?.first?["dag_id"] == .string("ops"))
        let detailAnswer = try await server.call("GET", "/api/v1/dags/ops", as: "viewer")
        let detail = detailAnswer.json
        let tasks = detail["tasks"]?.listValue ?? []
        try #require(tasks.count == 3, "\(detailAnswer.status) \(detailAnswer.text)")
        #expect(tasks.map { $0["task_id"]?.stringValue } == ["hello", "after", "last"])
        #expect(tasks[1]["depends_on"] == .list([.string("hello")]) && tasks[1]["operator"] == .string("bash"))
        #expect(tasks[0]["queue"] == .string("default") && tasks[0]["pool"] == .string("default_pool") && tasks[0]["retries"] == .int(0))
        let params = detail["params"]?.listValue ?? []
        #expect(params.first?["name"] == .string("who") && params.first?["type"] == .string("string") && params.first?["default"] == .string("world"))
        #expect(params.last?["type"] == .string("int") && params.last?["minimum"] == .double(0))
        let unknown = try await server.call("GET", "/api/v1/dags/opz", as: "viewer")
        #expect(unknown.status == 404 && unknown.error == "no DAG 'opz' (did you mean 'ops'?)")
        let errors = try await server.call("GET", "/api/v1/import-errors", as: "viewer").json
        #expect(errors["total"] == .int(1))
        #expect(errors["items"]?.listValue?.first?["file"]?.stringValue?.hasSuffix("broken.yaml") == true)
        #expect(errors["items"]?.listValue?.first?["message"]?.stringValue?.contains("broken.yaml:2:") == true)

        let paused = try await server.call("PATCH", "/api/v1/dags/ops", as: "operator", json: .map([("is_paused", .bool(true))]))
        #expect(paused.status == 200 && paused.json["is_paused"] == .bool(true))
        #expect(try await server.call("GET", "/api/v1/dags?paused=true", as: "viewer").json["total"] == .int(1))
        let missing = try await server.call("PATCH", "/api/v1/dags/ops", as: "operator", json: .map([("paused", .bool(true))]))
        #expect(missing.status == 400 && missing.error.contains("unknown field 'paused'"))
        let wrongType = try await server.call("PATCH", "/api/v1/dags/ops", as: "operator", json: .map([("is_paused", .string("yes"))]))
        #expect(wrongType.status == 400 && wrongType.error.contains("field 'is_paused' must be true or false"))
        await server.stop()
    }

    @Test("an operator triggers a run with conf (201, listed); conf is checked against typed params like the CLI")
    func trigger() async throws {
        let server = try await APITestServer()
        let body = Value.map([("logical_date", .string("2024-01-02")), ("run_id", .string("mine")),
                              ("conf", .map([("who", .string("ana")), ("api_token", .string("tok-12345"))]))])
        let created = try await server.call("POST", "/api/v1/dags/ops/runs", as: "operator", json: body)
        #expect(created.status == 201, "\(created.text)")
        #expect(created.json["run_id"] == .string("mine") && created.json["state"] == .string("queued"))
        #expect(created.json["logical_date"] == .string("2024-01-02T00:00:00.000000Z"))
        #expect(created.json["data_interval_end"] == .string("2024-01-03T00:00:00.000000Z"))
        #expect(created.json["conf"]?["who"] == .string("ana"))
        #expect(created.json["conf"]?["api_token"] == .string("***"), "conf secrets are masked")

        let listed = try await server.call("GET", "/api/v1/dags/ops/runs", as: "viewer").json
        #expect(listed["total"] == .int(1) && listed["items"]?.listValue?.first?["run_id"] == .string("mine"))
        #expect(try await server.call("GET", "/api/v1/dags/ops/runs?state=queued", as: "viewer").json["total"] == .int(1))
        #expect(try await server.call("GET", "/api/v1/dags/ops/runs?state=success", as: "viewer").json["total"] == .int(0))
        let badState = try await server.call("GET", "/api/v1/dags/ops/runs?state=sucess", as: "viewer")
        #expect(badState.status == 400 && badState.error.contains("did you mean 'success'"))
        let one = try await server.call("GET", "/api/v1/dags/ops/runs/mine", as: "viewer").json
        #expect(one["task_states"]?["none"] == .int(3))
        let noRun = try await server.call("GET", "/api/v1/dags/ops/runs/mien", as: "viewer")
        #expect(noRun.status == 404 && noRun.error.contains("did you mean 'mine'"))

        let badConf = try await server.call("POST", "/api/v1/dags/ops/runs", as: "operator", json: .map([("conf", .map([("who", .int(3))]))]))
        #expect(badConf.status == 400)
        #expect(badConf.error == "invalid conf for DAG 'ops': param 'who': expected string, found int 3")
        let below = try await server.call("POST", "/api/v1/dags/ops/runs", as: "operator", json: .map([("conf", .map([("count", .int(-1))]))]))
        #expect(below.status == 400 && below.error.contains("param 'count'"))
        let notObject = try await server.call("POST", "/api/v1/dags/ops/runs", as: "operator", json: .map([("conf", .list([]))]))
        #expect(notObject.status == 400 && notObject.error.contains("field 'conf' must be an object"))
        let badDate = try await server.call("POST", "/api/v1/dags/ops/runs", as: "operator", json: .map([("logical_date", .string("2024-13-01"))]))
        #expect(badDate.status == 400 && badDate.error.contains("field 'logical_date' must be a date"))
        let typo = try await server.call("POST", "/api/v1/dags/ops/runs", as: "operator", json: .map([("confg", .map([]))]))
        #expect(typo.status == 400 && typo.error.contains("unknown field 'confg' (did you mean 'conf'?)"))
        let sameDate = try await server.call("POST", "/api/v1/dags/ops/runs", as: "operator", json: .map([("logical_date", .string("2024-01-02"))]))
        #expect(sameDate.status == 409 && sameDate.error.contains("already has a run"))
        let badID = try await server.call("POST", "/api/v1/dags/ops/runs", as: "operator", json: .map([("run_id", .string("../../etc"))]))
        #expect(badID.status == 400 && badID.error.contains("run id '../../etc'"))
        let malformed = try await server.call("POST", "/api/v1/dags/ops/runs", as: "operator", raw: Data("{\"conf\": ".utf8))
        #expect(malformed.status == 400 && malformed.error.contains("not valid JSON"))
        #expect(try await server.call("GET", "/api/v1/dags/ops/runs", as: "viewer").json["total"] == .int(1))
        await server.stop()
    }

    @Test("task instances: list, detail with tries and XCom, mark and clear with downstream like the CLI")
    func taskInstances() async throws {
        let server = try await APITestServer()
        #expect(try await server.call("POST", "/api/v1/dags/ops/runs", as: "operator", json: .map([("run_id", .string("r1"))])).status == 201)
        let base = "/api/v1/dags/ops/runs/r1/tasks"
        let list = try await server.call("GET", base, as: "viewer").json
        #expect(list["total"] == .int(3) && list["items"]?.listValue?.map { $0["state"]?.stringValue } == ["none", "none", "none"])
        #expect(try await server.call("GET", base + "?limit=1&offset=1", as: "viewer").json["items"]?.listValue?.map { $0["task_id"] } == [.string("after")])

        let marked = try await server.call("POST", base + "/hello/mark", as: "operator", json: .map([("state", .string("success"))]))
        #expect(marked.status == 200 && marked.json["state"] == .string("success"), "\(marked.text)")
        let badState = try await server.call("POST", base + "/hello/mark", as: "operator", json: .map([("state", .string("running"))]))
        #expect(badState.status == 400 && badState.error.contains("field 'state' must be one of success, failed, skipped"))
        let unknown = try await server.call("POST", base + "/helo/mark", as: "operator", json: .map([("state", .string("success"))]))
        #expect(unknown.status == 404 && unknown.error.contains("no task 'helo' (did you mean 'hello'?)"))

        let cleared = try await server.call("POST", base + "/hello/clear", as: "operator", json: .map([("downstream", .bool(true))]))
        #expect(cleared.status == 200, "\(cleared.text)")
        #expect(cleared.json["cleared"] == .list([.string("hello"), .string("after"), .string("last")]))
        #expect(try await server.call("GET", base + "/hello", as: "viewer").json["state"] == .string("none"))
        let only = try await server.call("POST", base + "/after/clear", as: "operator")
        #expect(only.json["cleared"] == .list([.string("after")]))

        // A queued try: marking is a conflict, clearing leaves it alone; the detail shows the try and XCom.
        let run = try #require(try server.store.run(dagID: "ops", runID: "r1"))
        try server.store.transition(runPK: run.id!, [(taskID: "hello", to: .scheduled)], from: .noState)
        let ti = try #require(try server.store.taskInstances(runPK: run.id!).first { $0.taskID == "hello" })
        let attempt = try #require(try server.store.claimTry(tiID: ti.id!, jobID: "job-1", logFolder: server.root + "/logs"))
        let busy = try await server.call("POST", base + "/hello/mark", as: "operator", json: .map([("state", .string("failed"))]))
        #expect(busy.status == 409 && busy.error.contains("queued"))
        let leftAlone = try await server.call("POST", base + "/hello/clear", as: "operator", json: .map([]))
        #expect(leftAlone.json["cleared"] == .list([]) && leftAlone.json["left_alone"] == .list([.string("hello")]))
        try server.store.markTryRunning(tryID: attempt.id!, hostname: "box-1", pid: 42, pidStartTicks: nil)
        try server.store.recordTryFinished(tryID: attempt.id!, outcome: .success, returnValue: .map([("rows", .int(7))]))
        let detail = try await server.call("GET", base + "/hello", as: "viewer").json
        #expect(detail["state"] == .string("success") && detail["run_id"] == .string("r1"))
        let tryJSON = try #require(detail["tries"]?.listValue?.first)
        #expect(tryJSON["try_number"] == .int(1) && tryJSON["state"] == .string("success") && tryJSON["hostname"] == .string("box-1"))
        #expect(tryJSON["job_id"] == .string("job-1") && tryJSON["exit_reason"] == .null)
        #expect(tryJSON["duration_seconds"]?.doubleValue != nil && tryJSON["start"]?.stringValue?.hasSuffix("Z") == true)
        #expect(detail["xcom"]?.listValue?.first?["key"] == .string("return_value"))
        #expect(detail["xcom"]?.listValue?.first?["value"] == .map([("rows", .int(7))]))
        await server.stop()
    }

    @Test("backfills: create over a range, read progress, pause, unpause and cancel with the CLI's rules")
    func backfills() async throws {
        let server = try await APITestServer()
        let body = Value.map([("dag_id", .string("ops")), ("from", .string("2024-01-01")), ("to", .string("2024-01-03")),
                              ("reprocess", .string("failed")), ("conf", .map([("who", .string("bf"))]))])
        let created = try await server.call("POST", "/api/v1/backfills", as: "operator", json: body)
        #expect(created.status == 201, "\(created.text)")
        #expect(created.json["dates"] == .int(3) && created.json["total"] == .int(3) && created.json["done"] == .int(0))
        #expect(created.json["state"] == .string("running") && created.json["reprocess"] == .string("failed"))
        #expect(created.json["max_active_runs"]?.intValue ?? 0 >= 1, "defaults to the DAG's max_active_runs")
        let id = try #require(created.json["id"]?.intValue)
        let path = "/api/v1/backfills/\(id)"
        #expect(try await server.call("GET", path, as: "viewer").json["failed"] == .int(0))
        #expect(try await server.call("GET", "/api/v1/backfills", as: "viewer").json["total"] == .int(1))
        #expect(try await server.call("POST", path + "/pause", as: "operator").json["state"] == .string("paused"))
        let again = try await server.call("POST", path + "/pause", as: "operator")
        #expect(again.status == 409 && again.error == "backfill \(id) is paused")
        #expect(try await server.call("POST", path + "/unpause", as: "operator").json["state"] == .string("running"))
        #expect(try await server.call("POST", path + "/cancel", as: "operator").json["state"] == .string("cancelled"))
        #expect(try await server.call("POST", path + "/cancel", as: "operator").status == 409)
        #expect(try await server.call("GET", "/api/v1/backfills/999", as: "viewer").status == 404)
        #expect(try await server.call("POST", "/api/v1/backfills/999/pause", as: "operator").status == 404)

        func refused(_ fields: [(key: String, value: Value)]) async throws -> APITestServer.Answer {
            try await server.call("POST", "/api/v1/backfills", as: "operator", json: .map(fields))
        }
        let reversed = try await refused([("dag_id", .string("ops")), ("from", .string("2024-01-03")), ("to", .string("2024-01-01"))])
        #expect(reversed.status == 400 && reversed.error.contains("field 'from'") && reversed.error.contains("is after field 'to'"))
        let policy = try await refused([("dag_id", .string("ops")), ("from", .string("2024-01-01")), ("to", .string("2024-01-02")), ("reprocess", .string("some"))])
        #expect(policy.status == 400 && policy.error.contains("field 'reprocess' must be none, failed or all"))
        let missing = try await refused([("dag_id", .string("ops")), ("from", .string("2024-01-01"))])
        #expect(missing.status == 400 && missing.error == "field 'to' is required (a string)")
        let noDag = try await refused([("dag_id", .string("opx")), ("from", .string("2024-01-01")), ("to", .string("2024-01-02"))])
        #expect(noDag.status == 404 && noDag.error.contains("did you mean 'ops'"))
        let badConf = try await refused([("dag_id", .string("ops")), ("from", .string("2024-01-01")), ("to", .string("2024-01-02")),
                                         ("conf", .map([("count", .string("x"))]))])
        #expect(badConf.status == 400 && badConf.error.contains("param 'count'"))
        await server.stop()
    }

    @Test("pools need admin to change; the default pool cannot be deleted")
    func pools() async throws {
        let server = try await APITestServer()
        let created = try await server.call("PUT", "/api/v1/pools/gpu", json: .map([("slots", .int(2)), ("description", .string("the GPU box"))]))
        #expect(created.status == 201 && created.json["slots"] == .int(2) && created.json["free"] == .int(2))
        let resized = try await server.call("PUT", "/api/v1/pools/gpu", json: .map([("slots", .int(3))]))
        #expect(resized.status == 200 && resized.json["slots"] == .int(3) && resized.json["description"] == .string("the GPU box"))
        let pools = try await server.call("GET", "/api/v1/pools", as: "viewer").json
        #expect(pools["items"]?.listValue?.map { $0["name"]?.stringValue } == ["default_pool", "gpu"])
        let negative = try await server.call("PUT", "/api/v1/pools/gpu", json: .map([("slots", .int(-1))]))
        #expect(negative.status == 400 && negative.error.contains("field 'slots'"))
        #expect(try await server.call("DELETE", "/api/v1/pools/gpu", as: "operator").status == 403)
        let defaultPool = try await server.call("DELETE", "/api/v1/pools/default_pool")
        #expect(defaultPool.status == 409 && defaultPool.error == "the default pool cannot be deleted")
        #expect(try await server.call("DELETE", "/api/v1/pools/gpu").status == 204)
        let gone = try await server.call("DELETE", "/api/v1/pools/gpu")
        #expect(gone.status == 404)
        await server.stop()
    }

    @Test("reports are served from the lake's reports folder only")
    func reports() async throws {
        let server = try await APITestServer()
        try "<html><body>IC 0.05</body></html>".write(toFile: server.root + "/lake/reports/signal_report_2024-01-02.html", atomically: true, encoding: .utf8)
        try "top secret".write(toFile: server.root + "/lake/secret.html", atomically: true, encoding: .utf8)
        let list = try await server.call("GET", "/api/v1/reports", as: "viewer").json
        #expect(list["items"]?.listValue?.map { $0["name"]?.stringValue } == ["signal_report_2024-01-02.html"])
        let page = try await server.call("GET", "/api/v1/reports/signal_report_2024-01-02.html", as: "viewer")
        #expect(page.status == 200 && page.text.contains("IC 0.05"))
        #expect(page.headers["content-type"]?.hasPrefix("text/html") == true)
        for name in ["..%2Fsecret.html", "..%2F..%2Flake%2Fsecret.html", "sub%2Fx.html"] {
            let refused = try await server.call("GET", "/api/v1/reports/\(name)", as: "viewer")
            #expect(refused.status == 400, "\(name): \(refused.status)")
            #expect(!refused.text.contains("top secret"))
        }
        // A bare '..' segment never reaches a handler (the URL resolves it first); it must not serve anything either.
        let dotted = try await server.call("GET", "/api/v1/reports/../secret.html", as: "viewer")
        #expect(dotted.status == 400 || dotted.status == 404, "\(dotted.status)")
        #expect(!dotted.text.contains("top secret"))
        #expect(try await server.call("GET", "/api/v1/reports/missing.html", as: "viewer").status == 404)
        #expect(try await server.call("GET", "/api/v1/reports/signal_report_2024-01-02.html", as: nil).status == 401)
        await server.stop()
    }
}
