import ArgumentParser
import Foundation
import SluiceCore
import SluiceScheduler
import SluiceWorker

/// `sluice worker`: runs tries leased from an API server; never opens the metadata database.
struct WorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Run tasks for a scheduler with the remote executor, leasing them over HTTP.",
        discussion: """
        Each try runs in its own child process, heartbeats while it runs, and uploads its log. SIGTERM
        (or SIGINT) stops fetching and lets running tries finish; a second one stops them, and they
        are reported failed so the scheduler retries them. The token (role worker) can also come
        from SLUICE_WORKER_TOKEN, which keeps it out of process listings.
        """)
    @OptionGroup var options: GlobalOptions
    @Option(help: "The API server, e.g. http://scheduler-host:8080.") var api: String
    @Option(help: "A worker token (default: $SLUICE_WORKER_TOKEN).") var token: String?
    @Option(help: "Comma-separated queues to take work from.") var queues = "default"
    @Option(help: "Tries to run at once.") var concurrency = 4
    @Option(help: "A name for this worker (default: the host name).") var name: String?
    @Option(help: "Folder for running tries' local files (default: a temporary folder).") var workFolder: String?

    func run() async throws {
        // Reads the configuration only for the tracking URI and lake settings operators use.
        _ = try options.loadConfig()
        guard let url = URL(string: api), url.scheme == "http" || url.scheme == "https", url.host != nil else {
            Terminal.error("error: --api '\(api)' is not an http(s)://HOST:PORT address")
            throw ExitCode(2)
        }
        guard let token = token ?? ProcessInfo.processInfo.environment["SLUICE_WORKER_TOKEN"], !token.isEmpty else {
            Terminal.error("error: no token: pass --token or set SLUICE_WORKER_TOKEN (create one with 'sluice tokens create --role worker --name NAME')")
            throw ExitCode(2)
        }
        let queueList = queues.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !queueList.isEmpty else {
            Terminal.error("error: --queues must name at least one queue")
            throw ExitCode(2)
        }
        guard concurrency >= 1, concurrency <= 1024 else {
            Terminal.error("error: --concurrency must be between 1 and 1024, got \(concurrency)")
            throw ExitCode(2)
        }
        let hostName = ProcessInfo.processInfo.hostName
        let workerName = name ?? hostName.split(separator: ".").first.map(String.init) ?? "worker"
        let folder = workFolder ?? (NSTemporaryDirectory() as NSString).appendingPathComponent("sluice-worker-\(getpid())")
        // This very binary runs each try (`sluice worker-task`).
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        let worker = Worker(options: WorkerOptions(api: url, token: token, name: workerName, queues: queueList, concurrency: concurrency,
                                                   executable: executable, workFolder: folder))
        worker.say = { Terminal.note("[\(Date().utcText(microseconds: false))] \($0)") }
        // Every signal counts: the first drains, the second stops running tries.
        let signals = SignalHandlers(announce: false) { worker.requestStop() }
        defer { signals.cancel() }
        do {
            try await worker.run()
        } catch {
            Terminal.error("error: \(error.description)")
            throw ExitCode(1)
        }
        if workFolder == nil { try? FileManager.default.removeItem(atPath: folder) }
    }
}

/// `sluice worker-task --serve`: one process of a worker's pool of task processes (internal).
struct WorkerTaskCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "worker-task", abstract: "Serve tries for 'sluice worker' (internal).",
                                                    shouldDisplay: false)
    @OptionGroup var options: GlobalOptions
    @Flag(help: "Serve tries from stdin for a worker's process pool.") var serve = false

    func run() async throws {
        guard serve else {
            Terminal.error("error: worker-task is started by 'sluice worker' with --serve; it is not meant to be run by hand")
            throw ExitCode(2)
        }
        let config = try options.loadConfig()
        TrackingChoice.export(config)
        if getenv("SLUICE_LAKE_ROOT") == nil { setenv("SLUICE_LAKE_ROOT", config.path("lake", "root"), 1) }
        let status = await WorkerTask.serve(registry: options.registry(config))
        if status != 0 { throw ExitCode(status) }
    }
}
