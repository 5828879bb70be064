import Foundation
import Testing

/// A folder with `dags/` and `plugins/` run by the `sluice` binary, as a user's project is.
private struct PluginProject {
    let root: String

    init(plugins: [String: [String: String]], dags: [String: String]) throws {
        root = try CLI.temporaryFolder()
        for (name, files) in plugins {
            let folder = root + "/plugins/" + name
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            for (file, text) in files {
                try text.write(toFile: folder + "/" + file, atomically: true, encoding: .utf8)
                if file.hasSuffix(".sh") { chmod(folder + "/" + file, 0o755) }
            }
        }
        try FileManager.default.createDirectory(atPath: root + "/dags", withIntermediateDirectories: true)
        for (file, text) in dags { try text.write(toFile: root + "/dags/" + file, atomically: true, encoding: .utf8) }
    }

    func run(_ arguments: [String], environment: [String: String] = [:]) throws -> CLI.Output {
        try CLI.run(arguments, cwd: root, environment: environment, timeout: 300)
    }

    func read(_ path: String) -> String { (try? String(contentsOfFile: root + "/" + path, encoding: .utf8)) ?? "" }

    func remove() { try? FileManager.default.removeItem(atPath: root) }
}

private let pusher = [
    "plugin.yaml": """
    name: pusher
    description: Pushes a greeting and a count; keeps its context for the test.
    command: ./push.sh
    arguments:
      name:
        type: string
        required: true
      times:
        type: int
        default: 2
    """,
    "push.sh": """
    #!/bin/sh
    cat > "$SLUICE_WORKING_DIR/context-$SLUICE_TASK_ID.json"
    echo "pushing for $SLUICE_ARG_NAME"
    echo "{\\"xcom\\": \\"return_value\\", \\"value\\": \\"hello $SLUICE_ARG_NAME\\"}" >> "$SLUICE_RESULT_FILE"
    echo "{\\"xcom\\": \\"count\\", \\"value\\": $SLUICE_ARG_TIMES}" >> "$SLUICE_RESULT_FILE"
    echo "{\\"metric\\": \\"rows\\", \\"value\\": 12.5}" >> "$SLUICE_RESULT_FILE"
    """,
]

private let flaky = [
    "plugin.yaml": "name: flaky\ndescription: Fails its first try.\ncommand: [sh, flaky.sh]\narguments: {}\n",
    "flaky.sh": "cat > /dev/null\nif [ \"$SLUICE_TRY_NUMBER\" = 1 ]; then echo 'first try fails'; exit 3; fi\necho 'second try works'\n",
]

private let sleeper = [
    "plugin.yaml": "name: sleeper\ndescription: Starts a background child and hangs.\ncommand: [sh, sleeper.sh]\narguments:\n  marker: {type: string, required: true}\n",
    "sleeper.sh": "cat > /dev/null\nsleep \"$SLUICE_ARG_MARKER\" &\nsleep \"$SLUICE_ARG_MARKER\"\n",
]

@Suite("Plugins: operators from the plugins folder, run with the same retries, logs and XCom")
struct PluginTests {
    @Test("a plugin task validates, gets its context on stdin, pushes XCom (several keys) that a downstream bash task reads")
    func runsAndPushes() throws {
        let dag = """
        dag_id: greet
        schedule: null
        params:
          who: {type: string, default: world}
        tasks:
          - id: first
            operator: pusher
            with: {name: "{{ params.who }}", times: 3}
          - id: second
            operator: pusher
            depends_on: [first]
            with:
              name: again
              xcom_pull: [first, "first:count"]
          - id: show
            operator: bash
            depends_on: [second]
            with: {command: "echo got {{ xcom('first') }} x{{ xcom('first', 'count') }}"}
        """
        let project = try PluginProject(plugins: ["pusher": pusher], dags: ["greet.yaml": dag])
        defer { project.remove() }
        let validated = try project.run(["dags", "validate"])
        #expect(validated.status == 0, "\(validated.stdout)\(validated.stderr)")
        let listed = try project.run(["operators", "list"])
        #expect(listed.stdout.contains("pusher") && listed.stdout.contains("plugins/pusher/plugin.yaml"), "\(listed.stdout)")
        let run = try project.run(["dags", "test", "greet", "--logical-date", "2024-03-01", "--conf", "{\"who\": \"quant\"}"])
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        let logs = try FileManager.default.subpathsOfDirectory(atPath: project.root + "/logs").filter { $0.hasSuffix("show/try-1.log") }
        #expect(project.read("logs/" + (logs.first ?? "")).contains("got hello quant x3"), "\(logs)")
        // The context the plugin read.
        let context = project.read("context-second.json")
        for fragment in ["\"dag_id\":\"greet\"", "\"task_id\":\"second\"", "\"try_number\":1", "\"arguments\":{\"name\":\"again\",\"times\":2}",
                         "\"params\":{\"who\":\"quant\"}", "\"xcom\":{\"first\":\"hello quant\",\"first:count\":3}",
                         "\"logical_date\":\"2024-03-01T00:00:00Z\"", "\"ds\":\"2024-03-01\"", "\"result_file\":"] {
            #expect(context.contains(fragment), "missing \(fragment) in \(context)")
        }
        let firstLog = try FileManager.default.subpathsOfDirectory(atPath: project.root + "/logs").filter { $0.hasSuffix("first/try-1.log") }
        let log = project.read("logs/" + (firstLog.first ?? ""))
        #expect(log.contains("pushing for quant") && log.contains("metric rows = 12.5"), "\(log)")
    }

    @Test("bad plugin arguments in a DAG and a malformed manifest are FILE:LINE:COLUMN errors")
    func validation() throws {
        let dag = """
        dag_id: wrong
        schedule: null
        tasks:
          - id: missing
            operator: pusher
            with: {times: 1}
          - id: typed
            operator: pusher
            with: {name: x, times: many}
        """
        let broken = ["plugin.yaml": "name: broken\ndescription: x\ncommand: [sh, x.sh]\narguments:\n  size: {type: integr, required: true}\n  mode: {type: string, defualt: fast}\n"]
        let project = try PluginProject(plugins: ["pusher": pusher, "broken": broken], dags: ["wrong.yaml": dag])
        defer { project.remove() }
        let result = try project.run(["dags", "validate"])
        #expect(result.status == 1)
        let out = result.stdout
        #expect(out.contains("plugins/broken/plugin.yaml:5:16: error: type of argument 'size' must be one of string, int, number"), "\(out)")
        #expect(out.contains("plugins/broken/plugin.yaml:6:24: error: unknown key 'defualt' in argument 'mode' (did you mean 'default'?)"), "\(out)")
        #expect(out.contains("dags/wrong.yaml:6:11: error: operator 'pusher' needs argument 'name'"), "\(out)")
        #expect(out.range(of: "dags/wrong.yaml:9:[0-9]+: error: .*times", options: .regularExpression) != nil, "\(out)")
    }

    @Test("a failing plugin is retried per the task's policy")
    func retries() throws {
        let dag = "dag_id: retry\nschedule: null\ntasks:\n  - id: shaky\n    operator: flaky\n    retries: 1\n    retry_delay: 0s\n"
        let project = try PluginProject(plugins: ["flaky": flaky], dags: ["retry.yaml": dag])
        defer { project.remove() }
        let run = try project.run(["dags", "test", "retry", "--logical-date", "2024-03-01", "--json"])
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        let logs = try FileManager.default.subpathsOfDirectory(atPath: project.root + "/logs").filter { $0.contains("shaky/try-") }.sorted()
        #expect(logs.count == 2)
        #expect(project.read("logs/" + logs[0]).contains("first try fails") && project.read("logs/" + logs[0]).contains("exited with status 3"))
        #expect(project.read("logs/" + logs[1]).contains("second try works"))
    }

    @Test("a plugin past its execution_timeout is stopped with everything it started: no orphan remains")
    func timeout() throws {
        // A sleep length no other process uses: it names the plugin's processes on the command line.
        let marker = String(Int.random(in: 100_000_000 ... 999_999_999))
        let dag = "dag_id: hang\nschedule: null\ntasks:\n  - id: stuck\n    operator: sleeper\n    execution_timeout: 1s\n    with: {marker: \"\(marker)\"}\n"
        let project = try PluginProject(plugins: ["sleeper": sleeper], dags: ["hang.yaml": dag])
        defer { project.remove() }
        let started = Date()
        let run = try project.run(["dags", "test", "hang", "--logical-date", "2024-03-01"])
        #expect(run.status == 1)
        #expect(Date().timeIntervalSince(started) < 60)
        let logs = try FileManager.default.subpathsOfDirectory(atPath: project.root + "/logs").filter { $0.hasSuffix("stuck/try-1.log") }
        #expect(project.read("logs/" + (logs.first ?? "")).contains("timed out"), "\(run.stdout)")
        // Give the group's SIGKILL (5 s after SIGTERM at most) time, then look for the background child.
        var survivors = ""
        for _ in 0 ..< 80 {
            // "[s]leep" matches the sleeper but not this shell's own command line.
            survivors = try CLI.shell("pgrep -f '[s]leep \(marker)' || true")
            if survivors.isEmpty { break }
            Thread.sleep(forTimeInterval: 0.1)
        }
        #expect(survivors.isEmpty, "processes left behind: \(survivors)")
    }

    @Test("the shipped Python plugin reads a Delta table Sluice wrote (delta-rs) and the shell plugin gates on its XCom")
    func shippedExamples() throws {
        let python = CLI.repositoryRoot + "/interop/.venv/bin"
        guard FileManager.default.fileExists(atPath: python + "/python3") else {
            print("SKIPPED: no interop venv with deltalake (interop/.venv); the shipped plugin example did not run")
            return
        }
        let project = try PluginProject(plugins: [:], dags: [:])
        defer { project.remove() }
        try? FileManager.default.removeItem(atPath: project.root + "/plugins")
        try? FileManager.default.removeItem(atPath: project.root + "/dags")
        try FileManager.default.copyItem(atPath: CLI.repositoryRoot + "/plugins", toPath: project.root + "/plugins")
        try FileManager.default.createDirectory(atPath: project.root + "/dags", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: CLI.repositoryRoot + "/dags/examples/plugins_demo.yaml", toPath: project.root + "/dags/plugins_demo.yaml")
        let path = python + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
        let run = try project.run(["dags", "test", "plugins_demo", "--logical-date", "2024-03-01", "--json"], environment: ["PATH": path])
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        let logs = try FileManager.default.subpathsOfDirectory(atPath: project.root + "/logs")
        let report = project.read("logs/" + (logs.first { $0.hasSuffix("report/try-1.log") } ?? ""))
        #expect(report.contains("bronze has 50 rows; gate passed 50"), "\(report)")
        let summary = project.read("logs/" + (logs.first { $0.hasSuffix("summary/try-1.log") } ?? ""))
        #expect(summary.contains("version 0: 50 rows"), "\(summary)")
    }
}

extension CLI {
    /// Output of a shell command (for process checks).
    static func shell(_ command: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
