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
        for backfill in try store.backfills(states: [.running]) {
            guard let id = backfill.id else { continue }
            let runs = try store.runs(dagID: backfill.dagID)
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
                    try store.reprocessRun(pk: run.id!, forBackfill: id, taskIDs: dag.tasks.map(\.id), retries: retries, now: now)
                    active += 1
                    continue
                }
                pending += 1
                guard active < backfill.maxActiveRuns else { continue }
                // A date the (since edited) schedule no longer produces still gets its run.
                let interval = intervals[date]
                    ?? DataInterval(start: date, end: max(date, dag.timetable.dataInterval(forLogicalDate: date)?.end ?? date))
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
