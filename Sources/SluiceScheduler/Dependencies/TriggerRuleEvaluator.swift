import SluiceCore

/// How the direct upstream task instances of one task instance stand right now.
///
/// Only finished states are counted one by one. Anything still unfinished (none, scheduled,
/// queued, running, up_for_retry) shows up only as the gap between `done` and `total`.
public struct UpstreamSummary: Sendable, Hashable {
    /// Number of direct upstream task instances.
    public var total: Int
    public var success: Int
    public var failed: Int
    public var skipped: Int
    public var upstreamFailed: Int
    public var removed: Int

    /// Upstream task instances in a finished state (success, failed, skipped, upstream_failed,
    /// removed).
    public var done: Int { success + failed + skipped + upstreamFailed + removed }

    /// Upstream task instances that are not finished yet.
    public var pending: Int { total - done }

    /// True once every upstream task instance is finished.
    public var allDone: Bool { done >= total }

    /// Failures of any kind: the upstream ran and failed, or was itself stopped by its upstreams.
    public var failures: Int { failed + upstreamFailed }

    /// Counts taken directly. `total` must be at least the sum of the finished counts.
    public init(
        total: Int,
        success: Int = 0,
        failed: Int = 0,
        skipped: Int = 0,
        upstreamFailed: Int = 0,
        removed: Int = 0
    ) {
        precondition(
            [success, failed, skipped, upstreamFailed, removed].allSatisfy { $0 >= 0 },
            "upstream counts cannot be negative"
        )
        self.total = total
        self.success = success
        self.failed = failed
        self.skipped = skipped
        self.upstreamFailed = upstreamFailed
        self.removed = removed
        precondition(done <= total, "more finished upstream task instances than upstream task instances")
    }

    /// Counts the given states, one per direct upstream task instance.
    public init(states: some Sequence<TaskInstanceState>) {
        self.init(total: 0)
        for state in states {
            total += 1
            switch state {
            case .success: success += 1
            case .failed: failed += 1
            case .skipped: skipped += 1
            case .upstreamFailed: upstreamFailed += 1
            case .removed: removed += 1
            case .noState, .scheduled, .queued, .running, .upForRetry: break
            }
        }
    }
}

/// What the trigger rule says about a task instance that has not started yet.
public enum TriggerDecision: Sendable, Hashable {
    /// Not decided: some upstream task instance still has to finish.
    case wait
    /// The rule is met: the task instance may be scheduled.
    case run
    /// The rule can no longer be met in a way that calls for running: mark the task instance skipped.
    case skip
    /// The rule can no longer be met because of upstream failures: mark it upstream_failed.
    case upstreamFailed

    /// The state a task instance takes on this decision without running, if any.
    public var terminalState: TaskInstanceState? {
        switch self {
        case .skip: return .skipped
        case .upstreamFailed: return .upstreamFailed
        case .wait, .run: return nil
        }
    }
}

/// Airflow 3's trigger-rule dependency, as the scheduler applies it (the mode in which a rule
/// that can no longer be met marks the task instance skipped or upstream_failed at once).
///
/// The rules, in the words of this implementation. "Failures" means failed plus
/// upstream_failed upstreams; "done" means upstreams in any finished state.
///
/// - A task with no upstream tasks always runs, whatever its rule; so does `always`.
/// - `all_success`: any failure makes it upstream_failed and any skip makes it skipped, at
///   once, without waiting for the other upstreams (a failure wins over a skip seen in the
///   same evaluation). It runs when every upstream succeeded; removed upstreams count as
///   successes.
/// - `all_failed`: any success or skip makes it skipped at once. It runs when every upstream
///   failed or is upstream_failed; removed upstreams count as failures.
/// - `all_done`: waits until every upstream is finished, then runs. Never skipped.
/// - `one_success`: runs as soon as one upstream succeeded, without waiting for the rest.
///   Once all upstreams are finished with no success, it is skipped if every one of them was
///   skipped and upstream_failed otherwise (so failures, upstream_failed and removed upstreams
///   all lead to upstream_failed).
/// - `one_failed`: runs as soon as one upstream is failed or upstream_failed. Once all are
///   finished with neither, it is skipped.
/// - `one_done`: runs as soon as one upstream succeeded or failed. upstream_failed does not
///   count as done here: once all are finished with no success and no failure (only skipped,
///   upstream_failed or removed), it is skipped, never upstream_failed.
/// - `none_failed`: any failure makes it upstream_failed at once. It runs once every upstream
///   succeeded, was skipped or was removed; it is never skipped.
/// - `none_failed_min_one_success`: any failure makes it upstream_failed at once. If every
///   upstream was skipped it is skipped. Once all are finished with no success (say skipped
///   plus removed) it is upstream_failed. Otherwise it runs once every upstream succeeded,
///   was skipped or was removed, with at least one success.
/// - `none_skipped`: any skip makes it skipped at once. Otherwise it runs once every upstream
///   is finished, whether they succeeded or failed.
///
/// With these rules a task whose upstreams are all finished never waits, so a run made only
/// of trigger-rule dependencies can always make progress.
///
/// Not modelled (Sluice has no such concepts): setup/teardown tasks and their extra rules,
/// mapped task instances, and `depends_on_past`'s "wait before skipping".
public enum TriggerRuleEvaluator {
    /// The decision for a task instance with `rule` whose direct upstreams stand as `upstream`.
    ///
    /// Only meaningful for a task instance that has not started (state none, or up_for_retry
    /// about to be retried); once decided `.skip` or `.upstreamFailed`, the caller sets that
    /// state and does not ask again.
    public static func decide(_ rule: TriggerRule, upstream: UpstreamSummary) -> TriggerDecision {
        if upstream.total == 0 { return .run }
        let up = upstream
        switch rule {
        case .always:
            return .run

        case .allSuccess:
            if up.failures > 0 { return .upstreamFailed }
            if up.skipped > 0 { return .skip }
            return up.success + up.removed >= up.total ? .run : .wait

        case .allFailed:
            if up.success > 0 || up.skipped > 0 { return .skip }
            return up.failures + up.removed >= up.total ? .run : .wait

        case .allDone:
            return up.allDone ? .run : .wait

        case .oneSuccess:
            if up.success > 0 { return .run }
            guard up.allDone else { return .wait }
            return up.skipped == up.done ? .skip : .upstreamFailed

        case .oneFailed:
            if up.failures > 0 { return .run }
            return up.allDone ? .skip : .wait

        case .oneDone:
            if up.success + up.failed > 0 { return .run }
            return up.allDone ? .skip : .wait

        case .noneFailed:
            if up.failures > 0 { return .upstreamFailed }
            return up.allDone ? .run : .wait

        case .noneFailedMinOneSuccess:
            if up.failures > 0 { return .upstreamFailed }
            if up.skipped == up.total { return .skip }
            guard up.allDone else { return .wait }
            return up.success > 0 ? .run : .upstreamFailed

        case .noneSkipped:
            if up.skipped > 0 { return .skip }
            return up.allDone ? .run : .wait
        }
    }

    /// The decision for a task instance with `rule` whose direct upstreams are in `upstreamStates`.
    public static func decide(
        _ rule: TriggerRule,
        upstreamStates: some Sequence<TaskInstanceState>
    ) -> TriggerDecision {
        decide(rule, upstream: UpstreamSummary(states: upstreamStates))
    }
}
