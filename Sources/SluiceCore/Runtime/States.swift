/// The state of one task in one DAG run (Airflow's names and meanings).
public enum TaskInstanceState: String, Sendable, Codable, CaseIterable {
    /// Created, dependencies not yet met (Airflow's `None`; named so it cannot be mistaken for `Optional.none`).
    case noState = "none"
    /// Dependencies met; waiting for a slot.
    case scheduled
    /// Handed to an executor.
    case queued
    case running
    case success
    case failed
    /// A try failed and another will be made after the retry delay.
    case upForRetry = "up_for_retry"
    /// Not run because upstream tasks failed (per the trigger rule).
    case upstreamFailed = "upstream_failed"
    case skipped
    /// The task no longer exists in the DAG.
    case removed

    /// Finished for good: the run's outcome no longer waits on it.
    public var isFinished: Bool {
        switch self {
        case .success, .failed, .upstreamFailed, .skipped, .removed: return true
        default: return false
        }
    }
}

/// The state of a DAG run.
public enum DagRunState: String, Sendable, Codable, CaseIterable {
    case queued, running, success, failed
}

/// Why a DAG run exists.
public enum DagRunType: String, Sendable, Codable, CaseIterable {
    case scheduled, manual, backfill
}
