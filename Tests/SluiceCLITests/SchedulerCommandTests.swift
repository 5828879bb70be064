import Foundation
import SluiceCore
import Testing

@Suite("scheduler commands")
struct SchedulerCommandTests {
    /// A project folder with one DAG and a scheduler.yaml pointing into it.
    struct Project {
        let dir: String
        var config: [String] { ["--config", dir + "/scheduler.yaml"] }

        init(dag: String) throws {
            dir = try CLI.temporaryFolder()
            try FileManager.default.createDirectory(atPath: dir + "/dags", withIntermediateDirectories: true)
            try dag.write(toFile: dir + "/dags/dag.yaml", atomically: true, encoding: .utf8)
            try "core: {dags_folder: dags}\nmetadata: {database: meta/sluice.db}\nlogging: {base_log_folder: logs}\n"
                .write(toFile: dir + "/scheduler.yaml", atomically: true, encoding: .utf8)
        }

        func run(_ args: [String], timeout: Double = 120) throws -> CLI.Output { try CLI.run(args + config, cwd: dir, timeout: timeout) }
        func json(_ args: [String]) throws -> Value { try Value.parseJSON(try run(args + ["--json"]).stdout) }
    }

    static let dag = """
    dag_id: ops
    schedule: "@daily"
    start_date: 2024-01-01
    end_date: 2024-01-03
    params:
      who: {type: string, default: world}
    tasks:
      - {id: hello, operator: bash, with: {command: 'echo "hello {{ params.who }} {{ ds }}"', push_last_line: true}}
      - {id: after, operator: bash, depends_on: [hello], with: {command: 'echo "got {{ xcom(''hello'') }}"'}}
    """

    @Test("db migrate, status and reset")
    func db() throws {
        let p = try Project(dag: Self.dag)
        let migrated = try p.run(["db", "migrate"])
        #expect(migrated.stdout.contains("applied v1-core, v2-job-identity-and-run-state-index, v3-remote-workers-and-api-tokens"), "\(migrated.stdout)\(migrated.stderr)")
        #expect(try p.run(["db", "migrate"]).stdout.contains("up to date"))
        #expect(try p.run(["db", "status"]).stdout == "applied  v1-core\napplied  v2-job-identity-and-run-state-index\napplied  v3-remote-workers-and-api-tokens\n")
        let refused = try p.run(["db", "reset"])
        #expect(refused.status == 1 && refused.stderr.contains("--yes"))
        #expect(try p.run(["db", "reset", "--yes"]).status == 0)
    }

    @Test("dags test runs a DAG in-process, renders templates, passes XCom and exits 0")
    func dagsTest() throws {
        let p = try Project(dag: Self.dag)
        let out = try p.run(["dags", "test", "ops", "--logical-date", "2024-01-02", "--conf", #"{"who": "ana"}"#])
        #expect(out.status == 0, "\(out.stdout)\(out.stderr)")
        #expect(out.stdout.contains("hello  success  (try 1)"))
        let runID = try #require(out.stdout.split(separator: "\n").first?.split(separator: " ").dropFirst().first.map(String.init))
        let logs = try p.run(["tasks", "logs", "ops", runID, "after"])
        #expect(logs.stdout.contains("got hello ana 2024-01-02"))
        // Testing the same date again runs that run again, as Airflow does.
        let again = try p.run(["dags", "test", "ops", "--logical-date", "2024-01-02"])
        #expect(again.status == 0)
        #expect(again.stdout.contains("hello  success  (try 2)"))
    }

    @Test("dags test exits 1 when the run fails, and the failure is in the task list")
    func dagsTestFailure() throws {
        let p = try Project(dag: "dag_id: bad\ntasks: [{id: x, operator: bash, with: {command: 'echo boom; exit 4'}}]\n")
        let out = try p.run(["dags", "test", "bad"])
        #expect(out.status == 1)
        #expect(out.stdout.contains("x  failed  (try 1): command exited with status 4"))
    }

    @Test("trigger validates conf; runs and tasks list print stable JSON; clear and state steer a run")
    func triggerListClear() throws {
        let p = try Project(dag: Self.dag)
        let bad = try p.run(["dags", "trigger", "ops", "--conf", #"{"who": 3}"#])
        #expect(bad.status == 1)
        #expect(bad.stderr == "error: invalid conf for DAG 'ops': param 'who': expected string, found int 3\n")
        let notJSON = try p.run(["dags", "trigger", "ops", "--conf", "{who"])
        #expect(notJSON.status == 2)
        let created = try p.json(["dags", "trigger", "ops", "--logical-date", "2024-01-02", "--run-id", "mine"])
        #expect(created["run_id"] == .string("mine") && created["state"] == .string("queued"))
        #expect(created["logical_date"] == .string("2024-01-02T00:00:00.000000Z"))
        #expect(created["data_interval_end"] == .string("2024-01-03T00:00:00.000000Z"))
        #expect(try p.run(["dags", "pause", "ops"]).stdout == "ops: paused\n")
        #expect(try p.run(["scheduler", "--once"]).status == 0)
        let runs = try p.json(["runs", "list", "--dag", "ops"]).listValue ?? []
        #expect(runs.map { $0["run_id"]?.renderedText } == ["mine"], "paused: no scheduled runs")
        let tasks = try p.json(["tasks", "list", "ops", "mine"])
        #expect(tasks["run"]?["state"] == .string("success"))
        #expect(tasks["tasks"]?.listValue?.map { $0["state"]?.renderedText } == ["success", "success"])
        #expect(tasks["tasks"]?.listValue?.first?["tries"]?.listValue?.first?["exit_reason"] == .null)

        #expect(try p.run(["tasks", "clear", "ops", "mine", "--task", "hello", "--downstream"]).stdout == "cleared 2 task(s): hello, after\n")
        #expect(try p.run(["tasks", "state", "ops", "mine", "after"]).stdout == "none\n")
        #expect(try p.run(["tasks", "run", "ops", "mine", "hello"]).stdout == "hello: success (try 2)\n")
        #expect(try p.run(["tasks", "state", "ops", "mine", "after", "--set", "skipped"]).stdout == "skipped\n")
        #expect(try p.run(["tasks", "logs", "ops", "mine", "hello", "--try", "1"]).stdout.contains("hello world 2024-01-02"))
        let unknown = try p.run(["tasks", "list", "ops", "mien"])
        #expect(unknown.status == 1 && unknown.stderr.contains("did you mean 'mine'?"))
    }

    @Test("pools can be created, listed and deleted")
    func pools() throws {
        let p = try Project(dag: Self.dag)
        #expect(try p.run(["pools", "set", "gpu", "2", "--description", "the GPU box"]).status == 0)
        let pools = try p.json(["pools", "list"]).listValue ?? []
        #expect(pools.map { $0["name"]?.renderedText } == ["default_pool", "gpu"])
        #expect(pools.last?["slots"] == .int(2))
        #expect(try p.run(["pools", "delete", "gpu"]).status == 0)
        #expect(try p.run(["pools", "delete", "default_pool"]).stderr == "error: the default pool cannot be deleted\n")
    }

    @Test("backfill --dry-run lists dates; --wait drives it to completion when no scheduler runs")
    func backfill() throws {
        let p = try Project(dag: Self.dag)
        let dry = try p.run(["dags", "backfill", "ops", "--start", "2024-01-01", "--end", "2024-01-03", "--dry-run"])
        #expect(dry.stdout == "2024-01-01T00:00:00.000000Z\n2024-01-02T00:00:00.000000Z\n2024-01-03T00:00:00.000000Z\n")
        #expect(try p.run(["dags", "pause", "ops"]).status == 0)
        let done = try p.run(["dags", "backfill", "ops", "--start", "2024-01-01", "--end", "2024-01-03", "--wait"])
        #expect(done.status == 0, "\(done.stderr)")
        #expect(done.stdout.contains("backfill 1 completed: 3 succeeded, 0 failed"))
        let listed = try p.json(["backfills", "list"]).listValue ?? []
        #expect(listed.first?["state"] == .string("completed"))
        #expect(listed.first?["runs"]?["success"] == .int(3))
        let bad = try p.run(["dags", "backfill", "ops", "--start", "2024-01-05", "--end", "2024-01-01"])
        #expect(bad.stderr == "error: --start is after --end\n")
    }

    @Test("SIGTERM lets the running task finish and be recorded before the scheduler exits")
    func gracefulSigterm() async throws {
        let marker = NSTemporaryDirectory() + "sluice-sigterm-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: marker) }
        // The task announces its start with a file, so the test needs no polling race.
        let p = try Project(dag: "dag_id: slow\ntasks: [{id: nap, operator: bash, with: {command: 'touch \(marker); sleep 2; echo woke'}}]\n")
        #expect(try p.run(["dags", "trigger", "slow", "--run-id", "r1"]).status == 0)
        let scheduler = Process()
        scheduler.executableURL = URL(fileURLWithPath: CLI.binary)
        scheduler.arguments = ["scheduler"] + p.config
        scheduler.currentDirectoryURL = URL(fileURLWithPath: p.dir)
        scheduler.standardOutput = FileHandle.nullDevice
        scheduler.standardError = FileHandle.nullDevice
        try scheduler.run()
        var started = false
        for _ in 0..<1200 {  // up to 60 s on a loaded machine
            if FileManager.default.fileExists(atPath: marker) { started = true; break }
            try await Task.sleep(nanoseconds: 50_000_000)
        }
        #expect(started, "the task never started")
        kill(scheduler.processIdentifier, SIGTERM)
        scheduler.waitUntilExit()
        #expect(scheduler.terminationStatus == 0)
        #expect(try p.run(["tasks", "state", "slow", "r1", "nap"]).stdout == "success\n")
        #expect(try p.run(["tasks", "logs", "slow", "r1", "nap"]).stdout.contains("woke"))
    }
}
