import Foundation
import SluiceCore
import SluiceMetadata

/// Decides, for task instances still in `none`, whether they can be scheduled, must be skipped
/// or are upstream_failed, following each task's trigger rule. Called only for the tasks whose
/// upstream just changed (and for a run's tasks when it starts), never as a full sweep per loop.
struct DependencyEvaluator {
    let store: MetadataStore

    /// Evaluates `taskIDs` of a run and cascades: a task that becomes skipped or upstream_failed
    /// re-evaluates its own downstream. Returns the tasks moved to `scheduled`.
    @discardableResult
    func evaluate(run: DagRunRow, graph: DagGraph, taskIDs: [String], now: Date) throws -> [String] {
        let downstream = graph.downstream
        var scheduled: [String] = []
        var work = taskIDs
        // Each pass changes at least one `none` task or ends, so this terminates.
        while !work.isEmpty {
            let batch = work
            work = []
            var needed = Set(batch)
            for id in batch { needed.formUnion(graph.task(id)?.dependsOn ?? []) }
            let states = try store.taskStates(runPK: run.id!, taskIDs: Array(needed))
            var changes: [(taskID: String, to: TaskInstanceState)] = []
            for id in Set(batch) {
                guard states[id] == .noState, let task = graph.task(id) else { continue }
                let upstream = UpstreamSummary(states: task.dependsOn.map { states[$0] ?? .removed })
                switch TriggerRuleEvaluator.decide(task.policy.triggerRule, upstream: upstream) {
                case .wait: continue
                case .run: changes.append((id, .scheduled))
                case .skip: changes.append((id, .skipped))
                case .upstreamFailed: changes.append((id, .upstreamFailed))
                }
            }
            let changed = Set(try store.transition(runPK: run.id!, changes, from: .noState, now: now))
            for change in changes where changed.contains(change.taskID) {
                if change.to == .scheduled { scheduled.append(change.taskID) } else { work += downstream[change.taskID] ?? [] }
            }
        }
        return scheduled
    }

    /// Every task of the run still in `none` (used when a run starts or was cleared).
    func evaluateAll(run: DagRunRow, graph: DagGraph, now: Date) throws {
        let pending = Set(try store.taskInstances(runPK: run.id!).filter { $0.state == .noState }.map(\.taskID))
        // Tasks deleted from the DAG since the run was created can never run: mark them removed
        // (Airflow's state) so the run can finish.
        let gone = pending.filter { graph.task($0) == nil }
        if !gone.isEmpty { try store.transition(runPK: run.id!, gone.map { ($0, .removed) }, from: .noState, now: now) }
        // Topological order lets one pass settle chains of skips.
        let order = graph.order.filter(pending.contains)
        try evaluate(run: run, graph: graph, taskIDs: order, now: now)
    }
}
