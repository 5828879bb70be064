import Foundation
import SluiceCore
import SluiceMetadata
#if canImport(Glibc)
import Glibc
#endif

/// A task process that outlived the scheduler which started it; the new scheduler watches it
/// and records its outcome from the exit-status file when it ends.
struct AdoptedProcess {
    var attempt: TaskTryRow
    var pid: Int32
    var startTicks: Int64?
    var deadline: Date?
    var skipExitCode: Int
}

/// What a scheduler does when it starts: declares dead the schedulers that stopped
/// heartbeating, and settles every try they left unfinished so nothing is lost or run twice.
struct CrashRecovery {
    let store: MetadataStore
    let jobID: String
    let deadAfter: Double
    let hostname: String

    /// Jobs that are gone: on this host with their process gone (or its pid now ours or reused),
    /// or silent for `deadAfter`.
    func deadJobs(now: Date) throws -> [JobRow] {
        try store.jobs(state: "running").filter { job in
            guard job.id != jobID else { return false }
            if job.hostname == hostname {
                if job.pid == getpid() || !ProcessProbe.isAlive(job.pid, startTicks: job.pidStartTicks) { return true }
            }
            return now.timeIntervalSince(job.latestHeartbeat) > deadAfter
        }
    }

    /// Declares dead jobs dead, then settles every unfinished try no running job owns (so a
    /// recovery interrupted by another crash is finished by the next one). Returns processes
    /// still running, to adopt, and tries whose outcome is known now (to be recorded by the
    /// scheduler, which applies the retry policy).
    func recover(now: Date, catalog: DagCatalog) throws -> (adopted: [AdoptedProcess], settled: [(TaskTryRow, TryResult)]) {
        for job in try deadJobs(now: now) { try store.setJobState(job.id, "dead") }
        var adopted: [AdoptedProcess] = []
        var settled: [(TaskTryRow, TryResult)] = []
        for attempt in try store.orphanedTries() {
            if attempt.state == .queued {
                // Claimed but never started: give the slot back without using up a retry.
                try store.releaseUnstartedTry(tryID: attempt.id!)
                continue
            }
            let task = (try? store.run(dagID: attempt.dagID, runID: attempt.runID)).flatMap { $0 }
                .flatMap { catalog.dag(for: $0) }?.task(attempt.taskID)
            let skipCode = Int(task?.arguments["skip_exit_code"]?.intValue ?? 99)
            if let job = attempt.jobID, job.hasPrefix("worker-") {
                // Its report may be waiting, or its lease still heartbeating: the remote executor
                // records the first and expires the second after the worker heartbeat timeout.
                if let workload = try store.workload(tryID: attempt.id!), [.running, .reported, .done, .lost].contains(workload.state) {
                    continue
                }
                // A remote try whose worker died: nothing here can watch it; the retry policy decides.
                settled.append((attempt, .failed("its worker \(job) is gone (its process ended, or it was silent for \(DurationText.format(deadAfter)))", timedOut: false)))
                continue
            }
            guard let pid = attempt.pid else {
                settled.append((attempt, .failed("the scheduler running this try died (in-process task lost)", timedOut: false)))
                continue
            }
            if let host = attempt.hostname, host != hostname {
                // Its process is on another machine: we cannot watch it, and its scheduler is gone.
                settled.append((attempt, .failed("lost with its scheduler on host \(host)", timedOut: false)))
                continue
            }
            try store.adoptTry(tryID: attempt.id!, jobID: jobID)
            if Self.exitStatus(of: attempt) == "not-started" && !ProcessProbe.isAlive(pid, startTicks: attempt.pidStartTicks) {
                // Stopped at the start gate: it did nothing, so it costs no retry.
                try store.releaseUnstartedTry(tryID: attempt.id!)
                continue
            }
            if ProcessProbe.isAlive(pid, startTicks: attempt.pidStartTicks) {
                let deadline = task?.policy.executionTimeout.map { (attempt.startDate ?? now).addingTimeInterval($0) }
                adopted.append(AdoptedProcess(attempt: attempt, pid: pid, startTicks: attempt.pidStartTicks,
                                              deadline: deadline, skipExitCode: skipCode))
            } else {
                settled.append((attempt, Self.outcome(of: attempt, skipExitCode: skipCode)))
            }
        }
        return (adopted, settled)
    }

    /// What the try's process recorded as its exit status in its log (the last marker line), if anything.
    static func exitStatus(of attempt: TaskTryRow) -> String? {
        guard let handle = FileHandle(forReadingAtPath: attempt.logPath) else { return nil }
        defer { try? handle.close() }
        let size = (try? handle.seekToEnd()) ?? 0
        try? handle.seek(toOffset: size > 65_536 ? size - 65_536 : 0)
        let text = String(decoding: (try? handle.readToEnd()) ?? Data(), as: UTF8.self)
        let marker = Workload.exitStatusMarker(tryID: attempt.id!)
        guard let line = text.split(separator: "\n").last(where: { $0.contains(marker) }),
              let range = line.range(of: marker) else { return nil }
        return line[range.upperBound...].trimmingCharacters(in: .whitespaces)
    }

    /// The result of a process that ended unobserved, from its exit-status file.
    static func outcome(of attempt: TaskTryRow, skipExitCode: Int) -> TryResult {
        guard let text = exitStatus(of: attempt), let code = Int32(text) else {
            return .failed("the process ended without recording an exit status (killed while its scheduler was down)", timedOut: false)
        }
        if code == 0 { return .success(nil) }
        if code == Int32(skipExitCode) { return .skipped("command exited with \(code)") }
        return .failed("command exited with status \(code) (observed after a scheduler restart)", timedOut: false)
    }

    /// Stops an adopted process group (on timeout): SIGTERM now, SIGKILL 5 s later, without blocking.
    static func stop(_ process: AdoptedProcess) {
        let pid = process.pid
        kill(-pid, SIGTERM)
        DispatchQueue.global().asyncAfter(deadline: .now() + 5) {
            if ProcessProbe.groupAlive(pid) { kill(-pid, SIGKILL) }
        }
    }
}
