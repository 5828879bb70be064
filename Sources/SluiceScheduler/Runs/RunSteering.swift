import Foundation
import SluiceCore
import SluiceMetadata

/// What a clear asked for and what it did.
public struct ClearOutcome: Sendable, Equatable {
    /// Every task selected: the ones named (or all), then what lies downstream of them.
    public var selected: [String]
    /// The tasks reset to run again.
    public var cleared: [String]
    /// Selected tasks left alone because they are queued or running (they finish first).
    public var leftAlone: [String] { Set(selected).subtracting(cleared).sorted() }
}

/// What a user may do to a backfill after creating it.
public enum BackfillAction: String, Sendable, CaseIterable {
    case pause, unpause, cancel

    /// The states the action applies to, and the state it leads to.
    var transition: (from: [BackfillRow.State], to: BackfillRow.State) {
        switch self {
        case .pause: return ([.running], .paused)
        case .unpause: return ([.paused], .running)
        case .cancel: return ([.running, .paused], .cancelled)
        }
    }
}

/// Steering runs by hand, shared by the CLI (`sluice tasks clear`, `sluice backfills pause|unpause|cancel`)
/// and the REST API so both validate and act the same way.
public struct RunSteering {
    let store: MetadataStore

    public init(store: MetadataStore) { self.store = store }

    /// The tasks a clear touches: `taskIDs` (every task when empty) and, with `downstream`,
    /// everything downstream of them. Unknown task ids are refused with a suggestion.
    public static func clearSelection(dag: DagDefinition, taskIDs: [String], downstream: Bool) throws(SchedulerError) -> [String] {
        for task in taskIDs where dag.task(task) == nil {
            throw SchedulerError("DAG '\(dag.dagID)' has no task '\(task)'\(Spelling.didYouMean(task, among: dag.tasks.map(\.id)))", kind: .notFound)
        }
        var selected = taskIDs.isEmpty ? dag.tasks.map(\.id) : taskIDs
        guard downstream else { return selected }
        let down = dag.downstream
        var queue = selected
        var seen = Set(selected)
        while let next = queue.popLast() {
            for d in down[next] ?? [] where seen.insert(d).inserted {
                queue.append(d)
                selected.append(d)
            }
        }
        return selected
    }

    /// Clears the selected tasks of `run` so they run again, each with its task's retry budget.
    public func clear(dag: DagDefinition, run: DagRunRow, taskIDs: [String], downstream: Bool, now: Date = Date()) throws -> ClearOutcome {
        let selected = try Self.clearSelection(dag: dag, taskIDs: taskIDs, downstream: downstream)
        let retries = Dictionary(uniqueKeysWithValues: dag.tasks.map { ($0.id, $0.policy.retries) })
        let cleared = try store.clear(runPK: run.id!, taskIDs: selected, retries: retries, now: now)
        return ClearOutcome(selected: selected, cleared: cleared)
    }

    /// Pauses, unpauses or cancels a backfill; refused (as a conflict) when its state does not allow it.
    @discardableResult
    public func steerBackfill(id: Int64, _ action: BackfillAction, now: Date = Date()) throws -> BackfillRow {
        guard let backfill = try store.backfill(id: id) else { throw SchedulerError("no backfill \(id)", kind: .notFound) }
        let (from, to) = action.transition
        guard from.contains(backfill.state) else { throw SchedulerError("backfill \(id) is \(backfill.state.rawValue)", kind: .conflict) }
        if to == .cancelled { try store.cancelBackfill(id: id, now: now) } else { try store.setBackfillState(id: id, to, now: now) }
        return try store.backfill(id: id) ?? backfill
    }
}
