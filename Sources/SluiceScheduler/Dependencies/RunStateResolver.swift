import SluiceCore

/// A DAG run's outcome from the states of its task instances, following Airflow 3's rule.
///
/// - While any task instance is unfinished, the run is running. The one exception is a
///   deadlock: tasks remain unfinished but none of them can ever start. Then the run failed.
/// - Once every task instance is finished, only the leaves decide (leaves are tasks with no
///   downstream tasks; removed leaf instances are ignored). The run failed if any leaf is
///   failed or upstream_failed, and succeeded otherwise, i.e. when every leaf succeeded or was
///   skipped. A failure further up does not fail the run by itself: if the leaves after it
///   still succeed or skip (through `all_done`, `one_failed`, `always`, ...), the run succeeds.
/// - A run whose leaves are all removed (or that has none) succeeds once everything is finished.
public enum RunStateResolver {
    /// The run's state, `.running` when it is not decided yet.
    ///
    /// - Parameters:
    ///   - taskStates: every task instance of the run, leaves included.
    ///   - leafTaskStates: the task instances of the leaf tasks (removed ones may be included;
    ///     they are ignored).
    ///   - isDeadlocked: the caller's verdict that unfinished task instances exist and none can
    ///     ever progress: none is queued or running, none awaits a retry, none has its
    ///     dependencies met, and the last scheduling pass changed no state. Trigger rules alone
    ///     never deadlock (see `TriggerRuleEvaluator`); other dependencies (say, a task waiting
    ///     on its previous run) can. Ignored once every task instance is finished.
    public static func state(
        taskStates: some Sequence<TaskInstanceState>,
        leafTaskStates: some Sequence<TaskInstanceState>,
        isDeadlocked: Bool = false
    ) -> DagRunState {
        let allFinished = taskStates.allSatisfy(\.isFinished)
        if allFinished {
            let leaves = leafTaskStates.filter { $0 != .removed }
            if leaves.contains(where: { $0 == .failed || $0 == .upstreamFailed }) {
                return .failed
            }
            // Every task is finished, so each counted leaf is success or skipped here.
            return .success
        }
        return isDeadlocked ? .failed : .running
    }

    /// The run's state for task instances keyed by task id, with each task's direct upstream
    /// task ids; leaves are worked out from the edges. Tasks missing from `upstream` have none.
    public static func state<ID: Hashable>(
        taskStates: [ID: TaskInstanceState],
        upstream: [ID: [ID]],
        isDeadlocked: Bool = false
    ) -> DagRunState {
        let leafIDs = leaves(of: taskStates.keys, upstream: upstream)
        return state(
            taskStates: taskStates.values,
            leafTaskStates: leafIDs.compactMap { taskStates[$0] },
            isDeadlocked: isDeadlocked
        )
    }

    /// The tasks among `tasks` that no task in `upstream` lists as one of its upstreams.
    public static func leaves<ID: Hashable>(of tasks: some Sequence<ID>, upstream: [ID: [ID]]) -> Set<ID> {
        var hasDownstream = Set<ID>()
        for ups in upstream.values {
            hasDownstream.formUnion(ups)
        }
        return Set(tasks).subtracting(hasDownstream)
    }
}
