import Foundation
import SluiceCore
import Testing

@Suite("crash recovery", .serialized)
struct CrashRecoveryTests {
    /// SplitMix64, so the kill moments are random but reproducible from the printed seed.
    struct SeededRandom: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    @Test("kill -9 of the scheduler at 10 random moments: every run succeeds, every task's line appears once per successful try")
    func killNineTenTimes() async throws {
        let dir = try CLI.temporaryFolder()
        let out = dir + "/lines.txt"
        try FileManager.default.createDirectory(atPath: dir + "/dags", withIntermediateDirectories: true)
        var dag = """
        dag_id: crash
        schedule: "@daily"
        start_date: 2024-01-01
        end_date: 2024-01-30
        max_active_runs: 4
        default_args: {retries: 2, retry_delay: 1s}
        tasks:

        """
        for (i, task) in ["t1", "t2", "t3"].enumerated() {
            dag += "  - {id: \(task), operator: bash\(i > 0 ? ", depends_on: [t\(i)]" : ""), with: {command: 'echo \"$SLUICE_RUN_ID \(task)\" >> \(out); sleep 0.1'}}\n"
        }
        try dag.write(toFile: dir + "/dags/crash.yaml", atomically: true, encoding: .utf8)
        try """
        core: {dags_folder: \(dir)/dags}
        metadata: {database: \(dir)/sluice.db}
        logging: {base_log_folder: \(dir)/logs}
        executor: {parallelism: 8}
        """.write(toFile: dir + "/scheduler.yaml", atomically: true, encoding: .utf8)
        let config = ["--config", dir + "/scheduler.yaml"]

        let created = try CLI.run(["dags", "backfill", "crash", "--start", "2024-01-01", "--end", "2024-01-30"] + config)
        #expect(created.status == 0, "\(created.stderr)")

        let seed = UInt64(Date().timeIntervalSince1970 * 1000)
        print("crash test seed \(seed)")
        var random = SeededRandom(state: seed)
        for _ in 0..<10 {
            let scheduler = Process()
            scheduler.executableURL = URL(fileURLWithPath: CLI.binary)
            scheduler.arguments = ["scheduler"] + config
            scheduler.standardOutput = FileHandle.nullDevice
            scheduler.standardError = FileHandle.nullDevice
            try scheduler.run()
            let pause = Double.random(in: 0.15...0.9, using: &random)
            try await Task.sleep(nanoseconds: UInt64(pause * 1e9))
            kill(scheduler.processIdentifier, SIGKILL)
            scheduler.waitUntilExit()
        }
        let finish = try CLI.run(["scheduler", "--once"] + config, timeout: 120)
        #expect(finish.status == 0, "\(finish.stderr)")

        let runs = try Value.parseJSON(try CLI.run(["runs", "list", "--dag", "crash", "--json"] + config).stdout).listValue ?? []
        #expect(runs.count == 30)
        #expect(runs.allSatisfy { $0["state"] == .string("success") }, "\(runs.map { $0["state"]?.renderedText ?? "" })")

        let lines = (try String(contentsOfFile: out, encoding: .utf8)).split(separator: "\n").map(String.init)
        var lineCounts: [String: Int] = [:]
        for line in lines { lineCounts[line, default: 0] += 1 }
        var successes: [String: Int] = [:]
        for run in runs {
            let runID = run["run_id"]!.renderedText
            let listing = try Value.parseJSON(try CLI.run(["tasks", "list", "crash", runID, "--json"] + config).stdout)
            for task in listing["tasks"]?.listValue ?? [] {
                let key = "\(runID) \(task["task_id"]!.renderedText)"
                successes[key] = (task["tries"]?.listValue ?? []).filter { $0["state"] == .string("success") }.count
            }
        }
        #expect(successes.count == 90)
        #expect(successes.values.allSatisfy { $0 == 1 })
        #expect(lineCounts == successes, "a task line appeared a different number of times than its successful tries (seed \(seed))")
        try? FileManager.default.removeItem(atPath: dir)
    }
}
