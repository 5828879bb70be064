import ArgumentParser
import Foundation
import SluiceCore
import SluiceMetadata
import SluiceScheduler

struct DagsBackfill: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backfill",
        abstract: "Run a DAG for every scheduled logical date in a range.",
        discussion: """
        Creates a backfill record that the scheduler drives. Dates that already have a run are
        skipped (--reprocess none, the default), re-run if that run failed (failed), or re-run in
        any case once finished (all). --wait follows progress until it completes; if no scheduler
        is running, this command drives the backfill itself.
        """)
    @OptionGroup var options: GlobalOptions
    @Argument(help: "The dag_id.") var dagID: String
    @Option(help: "First logical date (inclusive).") var start: String
    @Option(help: "Last logical date (inclusive; a bare date includes that whole day).") var end: String
    @Option(help: "Existing runs to re-run: none, failed or all.") var reprocess = "none"
    @Option(help: "Runs of this backfill active at once (default: the DAG's max_active_runs).") var maxActiveRuns: Int?
    @Option(help: "Run configuration as a JSON object.") var conf: String?
    @Flag(help: "Only list the logical dates it would run.") var dryRun = false
    @Flag(help: "Wait for the backfill to finish, showing progress.") var wait = false

    func run() async throws {
        let runtime = try Runtime(options)
        let bag = try runtime.syncDags(quiet: true)
        let dag = try runtime.dag(dagID, bag: bag)
        let from = try parseDate(start, zone: dag.zone, flag: "--start")
        _ = try parseDate(end, zone: dag.zone, flag: "--end")
        let to = ManualRuns.backfillEnd(end, zone: dag.zone)!
        guard let policy = BackfillRow.Reprocess(rawValue: reprocess) else {
            Terminal.error("error: --reprocess must be none, failed or all (got '\(reprocess)')")
            throw ExitCode(2)
        }
        if let maxActiveRuns, maxActiveRuns < 1 {
            Terminal.error("error: --max-active-runs must be at least 1")
            throw ExitCode(2)
        }
        let manual = ManualRuns(store: runtime.store)
        if dryRun {
            let intervals = manual.backfillIntervals(dag: dag, start: from, end: to)
            for interval in intervals {
                let existing = try runtime.store.run(dagID: dagID, logicalDate: interval.start)
                let note = existing.map { run -> String in
                    let rerun = policy == .all || (policy == .failed && run.state == .failed)
                    return rerun ? "  (re-run: existing \(run.state.rawValue) run)" : "  (skip: existing \(run.state.rawValue) run)"
                } ?? ""
                print(isoMicros(interval.start).renderedText + note)
            }
            Terminal.note("\(intervals.count) logical date(s)")
            return
        }
        let confValue: Value
        do { confValue = try conf.map { try Value.parseJSON($0) } ?? .map([]) } catch {
            Terminal.error("error: --conf is not valid JSON (\(error))")
            throw ExitCode(2)
        }
        guard from <= to else {
            Terminal.error("error: --start is after --end")
            throw ExitCode(1)
        }
        let backfill: BackfillRow
        do {
            backfill = try manual.createBackfill(dag: dag, start: from, end: to, reprocess: policy,
                                                 maxActiveRuns: maxActiveRuns, conf: confValue)
        } catch {
            Terminal.error("error: \(error)")
            throw ExitCode(1)
        }
        print("backfill \(backfill.id!) of \(dagID): \(backfill.dates.count) logical date(s), reprocess \(policy.rawValue)")
        guard wait else { return }
        try await BackfillProgress(runtime: runtime, backfillID: backfill.id!).follow()
    }
}

/// Follows a backfill until it completes, driving it in-process when no scheduler is alive.
struct BackfillProgress {
    let runtime: Runtime
    let backfillID: Int64

    func follow() async throws {
        let liveScheduler = try runtime.store.jobs(state: "running").contains {
            Date().timeIntervalSince($0.latestHeartbeat) < runtime.config.seconds("scheduler", "dead_after")
        }
        let started = Date()
        let tty = isatty(STDERR_FILENO) == 1
        let ticker = Task.detached { [runtime, backfillID] in
            while !Task.isCancelled {
                if tty { Self.render(runtime: runtime, id: backfillID, started: started) }
                try? await Task.sleep(nanoseconds: 250_000_000)
            }
        }
        if liveScheduler {
            while try runtime.store.backfill(id: backfillID)?.state == .running { try await Task.sleep(nanoseconds: 250_000_000) }
        } else {
            Terminal.note("no scheduler is running: driving the backfill in this process")
            let scheduler = runtime.makeScheduler(parseFolder: false)
            try await scheduler.run(until: .whenIdle)
        }
        ticker.cancel()
        if tty { Self.render(runtime: runtime, id: backfillID, started: started); Terminal.note("") }
        let counts = try runtime.store.backfillRunCounts(id: backfillID)
        let state = try runtime.store.backfill(id: backfillID)?.state.rawValue ?? "?"
        print("backfill \(backfillID) \(state): \(counts[.success] ?? 0) succeeded, \(counts[.failed] ?? 0) failed")
        if (counts[.failed] ?? 0) > 0 { throw ExitCode(1) }
    }

    /// One line: a bar of finished runs, running counts and an ETA.
    static func render(runtime: Runtime, id: Int64, started: Date) {
        guard let backfill = try? runtime.store.backfill(id: id), let counts = try? runtime.store.backfillRunCounts(id: id) else { return }
        let total = max(1, backfill.dates.count)
        let done = (counts[.success] ?? 0) + (counts[.failed] ?? 0)
        let running = counts[.running] ?? 0
        let width = 30
        let filled = min(width, done * width / total)
        let elapsed = Date().timeIntervalSince(started)
        let eta = done > 0 ? elapsed / Double(done) * Double(total - done) : 0
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        let line = String(format: "\r[%@] %d/%d runs done, %d running, %d failed, ETA %@   ", bar, done, total, running,
                          counts[.failed] ?? 0, done > 0 ? DurationText.format(eta) : "?")
        FileHandle.standardError.write(Data(line.utf8))
    }
}

/// `sluice backfills list|pause|unpause|cancel`.
struct BackfillsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backfills", abstract: "List and steer backfills.",
        subcommands: [BackfillsList.self, BackfillsPause.self, BackfillsUnpause.self, BackfillsCancel.self])
}

struct BackfillsList: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List backfills with their progress.")
    @OptionGroup var options: GlobalOptions
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        let runtime = try Runtime(options)
        let backfills = try runtime.store.backfills()
        var items: [Value] = []
        var rows: [[String]] = []
        for b in backfills {
            let counts = try runtime.store.backfillRunCounts(id: b.id!)
            items.append(b.json(runCounts: counts))
            rows.append(["\(b.id!)", b.dagID, b.state.rawValue, "\(b.dates.count)", "\(counts[.success] ?? 0)",
                         "\(counts[.running] ?? 0)", "\(counts[.failed] ?? 0)", b.reprocess.rawValue])
        }
        if json { print(Value.list(items).jsonText(pretty: true)); return }
        print(Terminal.table(["id", "dag_id", "state", "dates", "success", "running", "failed", "reprocess"], rows))
    }
}

private func setBackfill(_ options: GlobalOptions, _ id: Int64, _ action: BackfillAction) throws {
    let runtime = try Runtime(options)
    let backfill: BackfillRow
    do { backfill = try RunSteering(store: runtime.store).steerBackfill(id: id, action) } catch {
        Terminal.error("error: \(error)")
        throw ExitCode(1)
    }
    print("backfill \(id): \(backfill.state.rawValue)")
}

struct BackfillsPause: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "pause", abstract: "Stop starting new runs of a backfill.")
    @OptionGroup var options: GlobalOptions
    @Argument(help: "Backfill id.") var id: Int64
    func run() throws { try setBackfill(options, id, .pause) }
}

struct BackfillsUnpause: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "unpause", abstract: "Resume a paused backfill.")
    @OptionGroup var options: GlobalOptions
    @Argument(help: "Backfill id.") var id: Int64
    func run() throws { try setBackfill(options, id, .unpause) }
}

struct BackfillsCancel: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cancel", abstract: "Cancel a backfill: runs not yet started are dropped; running ones finish.")
    @OptionGroup var options: GlobalOptions
    @Argument(help: "Backfill id.") var id: Int64
    func run() throws { try setBackfill(options, id, .cancel) }
}
