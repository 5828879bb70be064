import ArgumentParser
import Foundation
import SluiceMetadata
import SluiceScheduler
import SluiceServer

/// `sluice scheduler`: the daemon.
struct SchedulerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scheduler",
        abstract: "Run the scheduler: create runs, execute tasks, drive backfills.",
        discussion: """
        Re-reads the DAG folder every 30 seconds. SIGTERM or SIGINT stop it gracefully: no new work
        is started, running tasks finish and are recorded, then it exits. A scheduler killed outright
        loses nothing: the next one settles what it left behind.
        """)
    @OptionGroup var options: GlobalOptions
    @Flag(help: "Work until nothing is queued or running, then exit.") var once = false
    @Option(help: "Exit after this many scheduling passes.") var numRuns: Int?
    @Flag(help: "Also serve the HTTP API (and the remote-worker protocol) from this process.") var api = false
    @OptionGroup var listen: ListenOptions

    func run() async throws {
        let runtime = try Runtime(options)
        try runtime.syncDags()
        let queued = ChangeSignal(), reports = ChangeSignal()
        let executor = runtime.makeExecutor(remoteSignals: (queued, reports))
        let scheduler = runtime.makeScheduler(parseFolder: true, executor: executor)
        var server: Task<Void, Never>?
        if api {
            let context = ServerContext(store: runtime.store, options: listen.serverOptions(runtime.config), workQueued: queued,
                                        reportsArrived: reports)
            let metrics = context.metrics
            scheduler.onPass = { metrics.schedulerLoop.observe($0) }
            server = APIServerCommand.serve(context)
        }
        defer { server?.cancel() }
        if executor is RemoteExecutor {
            Terminal.note("executor: remote (workers lease tries through the API server\(api ? " in this process" : "; run 'sluice api-server' next to this scheduler"))")
        }
        let signals = SignalHandlers { scheduler.requestStop() }
        defer { signals.cancel() }
        let stop: SchedulerStop = once ? .whenIdle : numRuns.map { .afterPasses($0) } ?? .never
        Terminal.note("scheduler \(scheduler.jobID) started (database \(runtime.store.path))")
        scheduler.onTryFinished = { ti, result in
            var line = "[\(isoMicros(Date()).renderedText)] \(ti.dagID) \(ti.runID) \(ti.taskID) try \(ti.tryNumber): \(ti.state.rawValue)"
            if case let .failed(reason, _) = result { line += " (\(reason))" }
            Terminal.note(line)
        }
        do {
            let passes = try await scheduler.run(until: stop)
            Terminal.note("scheduler stopped after \(passes) pass(es)")
        } catch {
            Terminal.error("error: \(error)")
            throw ExitCode(1)
        }
    }
}

/// Turns SIGTERM and SIGINT into a callback (the default action is restored by `cancel`).
/// `announce` prints the usual note first; the worker, which says more itself, passes false.
final class SignalHandlers: @unchecked Sendable {
    private var sources: [DispatchSourceSignal] = []

    init(announce: Bool = true, _ handler: @escaping @Sendable () -> Void) {
        for sig in [SIGTERM, SIGINT] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler {
                if announce { Terminal.note("received signal \(sig): finishing running tasks, then exiting") }
                handler()
            }
            source.resume()
            sources.append(source)
        }
    }

    func cancel() {
        for source in sources { source.cancel() }
        signal(SIGTERM, SIG_DFL)
        signal(SIGINT, SIG_DFL)
    }
}
