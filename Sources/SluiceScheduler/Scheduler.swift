import Foundation
import SluiceCore
import SluiceMetadata

/// Settings of one scheduler process.
public struct SchedulerOptions: Sendable {
    public var parallelism: Int
    public var heartbeatInterval: Double
    /// A scheduler silent this long (or whose process is gone, on this host) is dead.
    public var deadAfter: Double
    public var logFolder: String
    /// Parse this folder every `reparseInterval` seconds; nil when DAGs are synced by the caller.
    public var dagsFolder: String?
    public var reparseInterval: Double
    public var loader: DagFileLoader
    /// Longest sleep between passes when nothing happens.
    public var idleWait: Double

    public init(parallelism: Int = 8, heartbeatInterval: Double = 5, deadAfter: Double = 30, logFolder: String,
                dagsFolder: String? = nil, reparseInterval: Double = 30, loader: DagFileLoader = DagFileLoader(), idleWait: Double = 1) {
        self.parallelism = parallelism
        self.heartbeatInterval = heartbeatInterval
        self.deadAfter = deadAfter
        self.logFolder = logFolder
        self.dagsFolder = dagsFolder
        self.reparseInterval = reparseInterval
        self.loader = loader
        self.idleWait = idleWait
    }
}

/// When `Scheduler.run` returns.
public enum SchedulerStop: Sendable {
    /// Until `requestStop()` (SIGTERM).
    case never
    /// After N scheduling passes.
    case afterPasses(Int)
    /// When no run is queued or running and no try is in flight.
    case whenIdle
    /// When all of these runs have finished (for `sluice dags test`); other runs are not touched.
    case whenRunsFinish(Set<Int64>)
}

/// The scheduler: creates runs, evaluates dependencies when upstream tasks change, queues work
/// within the limits, hands it to an executor, records every try, retries, and recovers what
/// a dead scheduler left behind. Each concern lives in its own type; this one sequences them.
public final class Scheduler: @unchecked Sendable {
    public let jobID: String
    let store: MetadataStore
    let executor: any Executor
    let registry: OperatorRegistry
    let options: SchedulerOptions
    let clock: any SchedulerClock
    let catalog: DagCatalog
    let evaluator: DependencyEvaluator
    let creator: RunCreator
    let queuer: TaskQueuer
    let builder: WorkloadBuilder
    let mailbox = EventMailbox()
    private let hostname = ProcessProbe.hostname
    private let stopLock = NSLock()
    private var stopRequested = false
    private var adopted: [Int64: AdoptedProcess] = [:]
    private var inFlight: Set<Int64> = []
    private var lastHeartbeat = Date.distantPast
    private var lastParse = Date.distantPast
    private var lastChangeCounter: Int?
    private var scope: Set<Int64>?
    /// Set when a run finished or started (queued runs and backfills may now proceed).
    private var needsFullPass = true
    private var nextFullPass = Date.distantPast
    /// Earliest pending retry, cached so the fast path need not ask the database.
    private var nextRetryDue: Date?
    private var poolSlots: [String: Int] = [:]

    /// Called after each try is recorded (for `dags test` and progress output).
    public var onTryFinished: (@Sendable (TaskInstanceRow, TryResult) -> Void)?
    /// Called with the duration of each full scheduling pass, in seconds (for metrics).
    public var onPass: (@Sendable (Double) -> Void)?

    public init(store: MetadataStore, executor: any Executor, registry: OperatorRegistry, options: SchedulerOptions,
                clock: any SchedulerClock = SystemClock()) {
        self.jobID = "scheduler-\(ProcessProbe.hostname)-\(getpid())-\(UUID().uuidString.prefix(8))"
        self.store = store
        self.executor = executor
        self.registry = registry
        self.options = options
        self.clock = clock
        self.catalog = DagCatalog(store: store)
        self.evaluator = DependencyEvaluator(store: store)
        self.creator = RunCreator(store: store)
        self.queuer = TaskQueuer(store: store, parallelism: options.parallelism)
        self.builder = WorkloadBuilder(store: store)
    }

    /// Asks the loop to stop creating and queueing work, let running tries finish, and return.
    public func requestStop() { stopLock.withLock { stopRequested = true } }
    var isStopping: Bool { stopLock.withLock { stopRequested } }

    /// Runs scheduling passes until `stop` says so. Returns the number of passes made.
    @discardableResult
    public func run(until stop: SchedulerStop) async throws -> Int {
        if case let .whenRunsFinish(runs) = stop { scope = runs }
        try await prepare()
        var passes = 0
        do {
            while true {
                // Full passes (run creation, backfills, retries, heartbeats) run when something
                // asks for one or every `idleWait`; task completions are handled on the fast path
                // below without waiting for a pass.
                if needsFullPass || clock.now >= nextFullPass {
                    let started = DispatchTime.now().uptimeNanoseconds
                    try pass()
                    onPass?(Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9)
                    passes += 1
                }
                if try isStopping || shouldStop(stop, passes: passes) { break }
                await mailbox.wait(upTo: sleepBudget())
                try handleEvents()
            }
        } catch {
            await finish()
            throw error
        }
        await finish()
        return passes
    }

    private var forwarder: Task<Void, Never>?

    /// Registers this scheduler, starts the executor and settles what dead schedulers left.
    func prepare(recovering: Bool = true) async throws {
        try store.registerJob(id: jobID, kind: "scheduler", hostname: hostname, pid: getpid(),
                              pidStartTicks: ProcessProbe.startTicks(of: getpid()), now: clock.now)
        lastHeartbeat = clock.now
        try await executor.start()
        forwarder = Task.detached { [executor, mailbox] in
            for await event in executor.events { mailbox.post(event) }
        }
        guard recovering else { return }
        try recover()
        // A scheduler that died between two writes (a run marked running but its roots not yet
        // evaluated, a try recorded but its downstream not) left work nobody would notice: one
        // full sweep at start settles it; afterwards evaluation is driven by changes only.
        try sweepRunningRuns(now: clock.now)
    }

    /// One pass, then waits up to `seconds` for executor events and records them (for tests).
    func step(waitingUpTo seconds: Double) async throws {
        try pass()
        await mailbox.wait(upTo: seconds)
        try handleEvents()
    }

    /// True while tries are running here or adopted processes are watched.
    var hasWorkInFlight: Bool { !inFlight.isEmpty || !adopted.isEmpty }

    /// Lets running tries finish (SIGTERM semantics), records their outcomes, stops the executor.
    func finish() async {
        // Tries on remote workers go on without us; the next scheduler records them.
        while executor.triesOutliveScheduler ? !adopted.isEmpty : hasWorkInFlight {
            await mailbox.wait(upTo: 0.2)
            do {
                // Keep heartbeating: a long task must not make this scheduler look dead meanwhile.
                if clock.now.timeIntervalSince(lastHeartbeat) >= options.heartbeatInterval {
                    try store.heartbeat(jobID: jobID, now: clock.now)
                    lastHeartbeat = clock.now
                }
                try handleEvents()
                try watchAdopted()
            } catch {
                break
            }
        }
        await executor.shutdown(graceful: true)
        // The executor's stream ends after shutdown: every event it sent is in the mailbox then.
        await forwarder?.value
        try? handleEvents()
        try? store.setJobState(jobID, "stopped")
    }

    /// One full scheduling pass: everything that is due now.
    func pass() throws {
        let now = clock.now
        needsFullPass = false
        nextFullPass = now.addingTimeInterval(options.idleWait)
        poolSlots = Dictionary(uniqueKeysWithValues: try store.pools().map { ($0.name, $0.slots) })
        if now.timeIntervalSince(lastHeartbeat) >= options.heartbeatInterval {
            try store.heartbeat(jobID: jobID, now: now)
            lastHeartbeat = now
            // Other schedulers may have died since we started: settle what they left, every beat.
            try recover()
        }
        if let folder = options.dagsFolder, scope == nil, now.timeIntervalSince(lastParse) >= options.reparseInterval {
            try store.syncDags(DagBag.load(paths: [folder], loader: options.loader), now: now)
            lastParse = now
        }
        try catalog.refresh()
        let counter = try store.externalChangeCounter()
        let externalChange = lastChangeCounter != nil && counter != lastChangeCounter
        lastChangeCounter = counter

        if scope == nil && !isStopping {
            let active = try store.runs(states: [.queued, .running]).filter { $0.runType != .backfill }
            let counts = Dictionary(grouping: active, by: \.dagID).mapValues(\.count)
            for (row, dag) in catalog.active.values.sorted(by: { $0.row.dagID < $1.row.dagID }) {
                try creator.createScheduledRuns(row: row, dag: dag, activeRuns: counts[dag.dagID] ?? 0, now: now)
            }
            try BackfillDriver(store: store, creator: creator, catalog: catalog).drive(now: now)
        }
        try startQueuedRuns(now: now)
        nextRetryDue = try store.nextRetryTime()
        if let due = nextRetryDue, due <= now {
            try store.promoteDueRetries(now: now)
            nextRetryDue = try store.nextRetryTime()
        }
        if externalChange { try sweepRunningRuns(now: now) }
        try watchAdopted()
        if !isStopping { try queueWork(now: now) }
    }

    private func startQueuedRuns(now: Date) throws {
        let runs = try store.runs(states: [.queued, .running])
        var running: [String: Int] = [:]
        var runningByBackfill: [Int64: Int] = [:]
        for run in runs where run.state == .running {
            if let bf = run.backfillID { runningByBackfill[bf, default: 0] += 1 } else { running[run.dagID, default: 0] += 1 }
        }
        let backfillLimits = Dictionary(uniqueKeysWithValues: try store.backfills().map { ($0.id!, $0.maxActiveRuns) })
        for run in runs.reversed() where run.state == .queued {
            if let scope, !scope.contains(run.id!) { continue }
            guard let graph = catalog.graph(for: run) else { continue }
            let dag = graph.dag
            if let isPaused = catalog.active[run.dagID]?.row.isPaused, isPaused, run.runType == .scheduled { continue }
            if let bf = run.backfillID {
                guard runningByBackfill[bf, default: 0] < (backfillLimits[bf] ?? 1) else { continue }
                runningByBackfill[bf, default: 0] += 1
            } else if scope == nil {
                guard running[run.dagID, default: 0] < dag.maxActiveRuns else { continue }
                running[run.dagID, default: 0] += 1
            }
            try store.setRunState(pk: run.id!, .running, now: now)
            prepareLogFolders(run: run, graph: graph)
            var started = run
            started.state = .running
            try evaluator.evaluateAll(run: started, graph: graph, now: now)
            try completeIfFinished(started, graph: graph, now: now)
        }
    }

    /// Creates the run's task log folders in the background, so a task's first try does not pay
    /// for it between its upstream ending and its own start (opening the log retries if needed).
    private func prepareLogFolders(run: DagRunRow, graph: DagGraph) {
        let base = "\(options.logFolder)/\(run.dagID)/\(run.runID)"
        let tasks = graph.dag.tasks.filter { registry.descriptor(named: $0.operatorName)?.isNoOp != true }.map(\.id)
        guard !tasks.isEmpty else { return }
        Task.detached(priority: .utility) {
            try? FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
            for task in tasks { mkdir(base + "/" + task, 0o755) }
        }
    }

    /// Re-evaluates every running run, after someone else changed the database (clear, mark).
    private func sweepRunningRuns(now: Date) throws {
        for run in try store.runs(states: [.running]) {
            if let scope, !scope.contains(run.id!) { continue }
            guard let graph = catalog.graph(for: run) else { continue }
            try evaluator.evaluateAll(run: run, graph: graph, now: now)
            try completeIfFinished(run, graph: graph, now: now)
        }
    }

    /// Queues what may start; repeats while no-op tasks complete on the spot (their downstream
    /// becomes ready at once).
    private func queueWork(now: Date) throws {
        for _ in 0..<100_000 {
            guard try queueBatch(now: now) > 0 else { return }
        }
    }

    /// One round of queueing; returns how many no-op tries it completed directly.
    private func queueBatch(now: Date) throws -> Int {
        var completed = 0
        let picked = try queuer.pick(executorSlots: executor.freeSlots, pools: poolSlots, maxActiveTasks: { [catalog] dagID in
            catalog.active[dagID]?.dag.maxActiveTasks ?? 16
        }, scope: scope)
        guard !picked.isEmpty else { return 0 }
        for candidate in picked {
            guard let claimed = try store.claim(tiID: candidate.tiID, jobID: jobID, logFolder: options.logFolder, now: now),
                  let graph = catalog.graph(for: claimed.run) else { continue }
            let (attempt, ti, run) = (claimed.attempt, claimed.instance, claimed.run)
            guard poolSlots[ti.pool] != nil else {
                try finish(attempt: attempt, result: .failed("pool '\(ti.pool)' does not exist (create it with 'sluice pools set')", timedOut: false),
                           startedAt: now, at: now)
                continue
            }
            guard let task = graph.task(ti.taskID), let descriptor = registry.descriptor(named: task.operatorName) else {
                try finish(attempt: attempt, result: .failed("task '\(ti.taskID)' or its operator is no longer available", timedOut: false),
                           startedAt: now, at: now)
                continue
            }
            if descriptor.isNoOp {
                try finish(attempt: attempt, result: .success(nil), startedAt: now, at: now)
                completed += 1
                continue
            }
            do {
                let workload = try builder.build(attempt: attempt, ti: ti, run: run, graph: graph, task: task, descriptor: descriptor)
                inFlight.insert(attempt.id!)
                executor.submit(workload)
            } catch {
                // A template or argument that fails to render fails the try, with the reason in its log.
                if let log = try? TaskLogFile(path: attempt.logPath) { log.line("cannot start: \(error.message)") }
                try finish(attempt: attempt, result: .failed(error.message, timedOut: false), startedAt: now, at: now)
            }
        }
        return completed
    }

    private func handleEvents() throws {
        for event in mailbox.drain() {
            if case let .finished(tryID, result, startedAt, _) = event {
                inFlight.remove(tryID)
                guard let context = try store.tryContext(tryID: tryID) else { continue }
                // End times and retry delays follow the scheduler's clock (injectable in tests).
                try finish(context, result: result, startedAt: startedAt, at: clock.now)
            }
        }
        // Finishing a try may have scheduled downstream work: start it without waiting a pass.
        if !isStopping { try queueWork(now: clock.now) }
    }

    /// Records a try's outcome (applying the retry policy) and re-evaluates its downstream.
    func finish(attempt: TaskTryRow, result: TryResult, startedAt: Date?, at: Date) throws {
        guard let context = try store.tryContext(tryID: attempt.id!) else { return }
        try finish(context, result: result, startedAt: startedAt, at: at)
    }

    func finish(_ context: MetadataStore.TryContext, result: TryResult, startedAt: Date?, at: Date) throws {
        let (attempt, ti, run) = (context.attempt, context.instance, context.run)
        guard let graph = catalog.graph(for: run) else { return }
        let policy = graph.task(attempt.taskID)?.policy ?? TaskPolicy()
        let outcome: TryOutcome
        var value: Value?
        switch result {
        case let .success(v): outcome = .success; value = v
        case let .skipped(reason): outcome = .skipped(reason: reason)
        case let .failed(reason, _):
            let retryAt = attempt.tryNumber < ti.maxTries
                ? at.addingTimeInterval(policy.delay(beforeTry: attempt.tryNumber + 1, seed: "\(attempt.dagID).\(attempt.taskID).\(attempt.runID)"))
                : nil
            outcome = .failed(reason: reason, retryAt: retryAt)
            if let retryAt { nextRetryDue = min(nextRetryDue ?? retryAt, retryAt) }
        }
        guard let updated = try store.recordTryFinished(tryID: attempt.id!, outcome: outcome, returnValue: value,
                                                        startedAt: startedAt, now: at) else { return }
        onTryFinished?(updated, result)
        if updated.state.isFinished {
            try evaluator.evaluate(run: run, graph: graph, taskIDs: graph.downstream[attempt.taskID] ?? [], now: at)
            try completeIfFinished(run, graph: graph, now: at)
        }
    }

    private func completeIfFinished(_ run: DagRunRow, graph: DagGraph, now: Date) throws {
        // Counting is cheap; the full read happens once per run, when it is done.
        guard try store.unfinishedCount(runPK: run.id!) == 0 else { return }
        let instances = try store.taskInstances(runPK: run.id!)
        let states = Dictionary(uniqueKeysWithValues: instances.map { ($0.taskID, $0.state) })
        let upstream = Dictionary(uniqueKeysWithValues: graph.dag.tasks.map { ($0.id, $0.dependsOn) })
        let state = RunStateResolver.state(taskStates: states, upstream: upstream)
        if state != .running {
            try store.setRunState(pk: run.id!, state, now: now)
            needsFullPass = true
        }
    }

    private func recover() throws {
        let recovery = CrashRecovery(store: store, jobID: jobID, deadAfter: options.deadAfter, hostname: hostname)
        try catalog.refresh()
        let (found, settled) = try recovery.recover(now: clock.now, catalog: catalog)
        for process in found where adopted[process.attempt.id!] == nil { adopted[process.attempt.id!] = process }
        for (attempt, result) in settled { try finish(attempt: attempt, result: result, startedAt: attempt.startDate, at: clock.now) }
    }

    /// Checks processes adopted from a dead scheduler: records those that ended, stops those past their timeout.
    private func watchAdopted() throws {
        for (tryID, process) in adopted {
            if ProcessProbe.isAlive(process.pid, startTicks: process.startTicks) {
                if let deadline = process.deadline, clock.now >= deadline {
                    CrashRecovery.stop(process)
                    adopted[tryID] = nil
                    try finish(attempt: process.attempt, result: .failed("timed out (execution_timeout) while adopted after a scheduler restart", timedOut: true),
                               startedAt: process.attempt.startDate, at: clock.now)
                }
                continue
            }
            adopted[tryID] = nil
            if CrashRecovery.exitStatus(of: process.attempt) == "not-started" {
                // It stopped at its start gate: it did nothing, so it costs no retry.
                try store.releaseUnstartedTry(tryID: tryID)
                continue
            }
            try finish(attempt: process.attempt, result: CrashRecovery.outcome(of: process.attempt, skipExitCode: process.skipExitCode),
                       startedAt: process.attempt.startDate, at: clock.now)
        }
    }

    private func shouldStop(_ stop: SchedulerStop, passes: Int) throws -> Bool {
        switch stop {
        case .never: return false
        case let .afterPasses(n): return passes >= n
        case .whenIdle:
            guard inFlight.isEmpty, adopted.isEmpty else { return false }
            if !(try store.runs(states: [.queued, .running], limit: 1).isEmpty) { return false }
            return try store.backfills(states: [.running]).isEmpty
        case let .whenRunsFinish(runs):
            for pk in runs {
                guard let run = try store.run(pk: pk) else { continue }
                if run.state == .queued || run.state == .running { return false }
            }
            return inFlight.isEmpty
        }
    }

    /// How long the loop may sleep: until the next retry is due, at most `idleWait`.
    private func sleepBudget() -> Double {
        var budget = options.idleWait
        if !adopted.isEmpty { budget = min(budget, 0.1) }
        budget = min(budget, max(0, nextFullPass.timeIntervalSince(clock.now)))
        if needsFullPass { budget = 0 }
        if let retry = nextRetryDue { budget = min(budget, max(0, retry.timeIntervalSince(clock.now))) }
        return budget
    }
}

extension Scheduler {
    /// Runs one task of a run now, whatever its dependencies (`sluice tasks run`): a finished
    /// instance is cleared first; the try is recorded like any other, and its downstream tasks
    /// are evaluated afterwards (a running scheduler then takes them on).
    public func runTaskNow(runPK: Int64, taskID: String) async throws -> TaskInstanceRow {
        // No recovery here: this short-lived process could not watch adopted processes to the end.
        try await prepare(recovering: false)
        do {
            let result = try await runPrepared(runPK: runPK, taskID: taskID)
            await finish()
            return result
        } catch {
            await finish()
            throw error
        }
    }

    private func runPrepared(runPK: Int64, taskID: String) async throws -> TaskInstanceRow {
        try catalog.refresh()
        guard let run = try store.run(pk: runPK), let graph = catalog.graph(for: run), let task = graph.task(taskID) else {
            throw SchedulerError("no task '\(taskID)' in that run")
        }
        guard var ti = try store.taskInstances(runPK: runPK).first(where: { $0.taskID == taskID }) else {
            throw SchedulerError("no task instance '\(taskID)' in that run")
        }
        if ti.state == .running || ti.state == .queued { throw SchedulerError("task '\(taskID)' is already \(ti.state.rawValue)") }
        if ti.state != .noState && ti.state != .scheduled {
            try store.clear(runPK: runPK, taskIDs: [taskID], retries: [taskID: task.policy.retries], now: clock.now)
        }
        if try store.run(pk: runPK)?.state != .running { try store.setRunState(pk: runPK, .running, now: clock.now) }
        try store.transition(runPK: runPK, [(taskID, .scheduled)], from: .noState, now: clock.now)
        ti = try store.taskInstance(id: ti.id!)!
        guard let attempt = try store.claimTry(tiID: ti.id!, jobID: jobID, logFolder: options.logFolder, now: clock.now),
              let descriptor = registry.descriptor(named: task.operatorName) else {
            throw SchedulerError("task '\(taskID)' could not be claimed (state \(ti.state.rawValue))")
        }
        do {
            let workload = try builder.build(attempt: attempt, ti: ti, run: run, graph: graph, task: task, descriptor: descriptor)
            inFlight.insert(attempt.id!)
            executor.submit(workload)
        } catch {
            try finish(attempt: attempt, result: .failed(error.message, timedOut: false), startedAt: clock.now, at: clock.now)
        }
        while !inFlight.isEmpty {
            await mailbox.wait(upTo: 0.5)
            for event in mailbox.drain() {
                if case let .finished(tryID, result, startedAt, _) = event, let done = try store.attempt(id: tryID) {
                    inFlight.remove(tryID)
                    try finish(attempt: done, result: result, startedAt: startedAt, at: clock.now)
                }
            }
        }
        return try store.taskInstance(id: ti.id!)!
    }
}
