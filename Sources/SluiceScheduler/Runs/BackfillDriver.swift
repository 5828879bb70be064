import Foundation
import SluiceCore
import SluiceMetadata

/// Drives running backfills: creates (or, per the reprocess policy, clears and re-runs) the runs
/// for their dates, never more than the backfill's max_active_runs at once, and marks them
/// completed when every date is done.
struct BackfillDriver {
    let store: MetadataStore
    let creator: RunCreator
    let catalog: DagCatalog

    func drive(now: Date) throws {
        for backfill in try store.backfills(states: [.running, .cancelled]) {
            guard let id = backfill.id else { continue }
            let runs = try store.runs(dagID: backfill.dagID, limit: 1_000_000)
            if backfill.state == .cancelled {
                // Runs the backfill queued but never started are dropped from the work.
                for run in runs where run.backfillID == id && run.state == .queued {
                    try store.setRunState(pk: run.id!, .failed, now: now)
                }
                continue
            }
            guard let dag = catalog.active[backfill.dagID]?.dag else { continue }
            let byDate = Dictionary(runs.map { ($0.logicalDate, $0) }, uniquingKeysWith: { a, _ in a })
            var active = runs.filter { $0.backfillID == id && ($0.state == .queued || $0.state == .running) }.count
            var pending = 0
            let intervals = Dictionary(RunCreator.backfillDates(dag: dag, start: backfill.fromDate, end: backfill.toDate)
                .map { ($0.start, $0) }, uniquingKeysWith: { a, _ in a })
            for date in backfill.dates {
                if let run = byDate[date] {
                    if run.backfillID == id {
                        if run.state == .queued || run.state == .running { pending += 1 }
                        continue
                    }
                    let rerun: Bool
                    switch backfill.reprocess {
                    case .none: rerun = false
                    case .failed: rerun = run.state == .failed
                    case .all: rerun = run.state == .failed || run.state == .success
                    }
                    guard rerun else { continue }
                    pending += 1
                    guard active < backfill.maxActiveRuns else { continue }
                    let retries = Dictionary(uniqueKeysWithValues: dag.tasks.map { ($0.id, $0.policy.retries) })
                    try store.attachRun(pk: run.id!, toBackfill: id)
                    try store.clear(runPK: run.id!, taskIDs: dag.tasks.map(\.id), retries: retries, now: now)
                    active += 1
                    continue
                }
                pending += 1
                guard active < backfill.maxActiveRuns, let interval = intervals[date] else { continue }
                do {
                    _ = try store.createRun(dag: dag, runID: RunCreator.runID(.backfill, date), type: .backfill, interval: interval,
                                            conf: (try? Value.parseJSON(backfill.conf)) ?? .map([]), backfillID: id, now: now)
                    active += 1
                } catch {
                    guard error.isConflict else { throw error }
                    continue  // created concurrently; the next pass sees it
                }
            }
            if pending == 0 { try store.setBackfillState(id: id, .completed, now: now) }
        }
    }
}
