import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A `sluice` process running in the background (scheduler, worker), its output in a file.
final class Daemon: @unchecked Sendable {
    let process = Process()
    let outputPath: String

    init(_ arguments: [String], cwd: String, environment: [String: String] = [:], name: String) throws {
        outputPath = cwd + "/\(name).out"
        _ = FileManager.default.createFile(atPath: outputPath, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: outputPath))
        process.executableURL = URL(fileURLWithPath: CLI.binary)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: cwd)
        var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("SLUICE__") }
        for (k, v) in environment { env[k] = v }
        process.environment = env
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
    }

    var pid: Int32 { process.processIdentifier }
    var output: String { (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "" }

    /// Waits until the output matches `pattern` (a regular expression); returns the first match's first group (or the match).
    @discardableResult
    func waitFor(_ pattern: String, timeout: Double = 60) throws -> String {
        let regex = try NSRegularExpression(pattern: pattern)
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let text = output
            if let match = regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) {
                let range = match.numberOfRanges > 1 ? match.range(at: 1) : match.range
                return String(text[Range(range, in: text)!])
            }
            if !process.isRunning { break }
            Thread.sleep(forTimeInterval: 0.05)
        }
        throw DaemonError(description: "no '\(pattern)' in the output of \(process.arguments?.first ?? "?") within \(timeout) s:\n\(output.suffix(3000))")
    }

    func signal(_ sig: Int32) { kill(pid, sig) }

    /// SIGTERM, then SIGKILL if it has not exited after `grace` seconds; waits for it.
    func stop(grace: Double = 20) {
        guard process.isRunning else { return }
        kill(pid, SIGTERM)
        let deadline = Date().addingTimeInterval(grace)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        if process.isRunning { kill(pid, SIGKILL) }
        process.waitUntilExit()
    }
}

struct DaemonError: Error, CustomStringConvertible {
    var description: String
}

/// A scheduler with the remote executor and the API in one process, on a free loopback port,
/// in a fresh home folder; workers join it with worker tokens.
final class RemoteCluster: @unchecked Sendable {
    let home: String
    let scheduler: Daemon
    let url: String
    private(set) var workers: [Daemon] = []

    /// `dags`: file name to YAML text.
    init(dags: [String: String], heartbeatTimeout: String = "3s", parallelism: Int = 32) throws {
        home = try CLI.temporaryFolder()
        try FileManager.default.createDirectory(atPath: home + "/dags", withIntermediateDirectories: true)
        try """
        executor:
          kind: remote
          parallelism: \(parallelism)
          worker_heartbeat_interval: 0.5s
          worker_heartbeat_timeout: \(heartbeatTimeout)
        scheduler:
          heartbeat_interval: 1s
          dead_after: 60s
        """.write(toFile: home + "/scheduler.yaml", atomically: true, encoding: .utf8)
        for (name, text) in dags { try text.write(toFile: home + "/dags/" + name, atomically: true, encoding: .utf8) }
        scheduler = try Daemon(["scheduler", "--api", "--port", "0"], cwd: home, name: "scheduler")
        let port = try scheduler.waitFor("listening on http://127\\.0\\.0\\.1:([0-9]+)", timeout: 60)
        url = "http://127.0.0.1:\(port)"
    }

    func sluice(_ arguments: [String]) throws -> CLI.Output {
        try CLI.run(arguments, cwd: home)
    }

    func token(role: String, name: String) throws -> String {
        let out = try sluice(["tokens", "create", "--role", role, "--name", name])
        guard out.status == 0 else { throw DaemonError(description: "tokens create failed: \(out.stderr)") }
        return out.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Starts a worker and waits for its registration; returns it with its worker id.
    @discardableResult
    func startWorker(name: String, token: String, concurrency: Int = 4, queues: String = "default") throws -> (Daemon, String) {
        let worker = try Daemon(["worker", "--api", url, "--concurrency", String(concurrency), "--name", name, "--queues", queues],
                                cwd: home, environment: ["SLUICE_WORKER_TOKEN": token], name: "worker-\(name)")
        workers.append(worker)
        let id = try worker.waitFor("worker (worker-\(name)-[0-9a-f]+) registered", timeout: 60)
        return (worker, id)
    }

    /// The metadata database's answer to a query, through the sqlite3 shell (read-only checks).
    func query(_ sql: String) throws -> [[String]] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        process.arguments = ["-separator", "|", home + "/.sluice/sluice.db", sql]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self).split(separator: "\n").map { $0.split(separator: "|", omittingEmptySubsequences: false).map(String.init) }
    }

    /// Polls `condition` until it holds or `timeout` passes.
    func waitUntil(_ what: String, timeout: Double = 120, _ condition: () throws -> Bool) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if try condition() { return }
            Thread.sleep(forTimeInterval: 0.1)
        }
        throw DaemonError(description: "timed out waiting for \(what); scheduler output:\n\(scheduler.output.suffix(3000))")
    }

    /// An HTTP call to the API with an optional bearer token.
    func http(_ method: String, _ path: String, token: String?, body: String? = nil) -> (status: Int, body: String) {
        var request = URLRequest(url: URL(string: url + path)!)
        request.httpMethod = method
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        if let body {
            request.httpBody = Data(body.utf8)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var result: (Int, String) = (0, "")
        URLSession.shared.dataTask(with: request) { data, response, _ in
            result = ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data ?? Data(), as: UTF8.self))
            done.signal()
        }.resume()
        done.wait()
        return result
    }

    func shutdown() {
        for worker in workers { worker.stop() }
        scheduler.stop()
        try? FileManager.default.removeItem(atPath: home)
    }
}
