/// When a task may run given the states of its upstream tasks (Airflow's names and meanings).
public enum TriggerRule: String, Sendable, Codable, CaseIterable {
    case allSuccess = "all_success"
    case allFailed = "all_failed"
    case allDone = "all_done"
    case oneSuccess = "one_success"
    case oneFailed = "one_failed"
    case oneDone = "one_done"
    case noneFailed = "none_failed"
    case noneFailedMinOneSuccess = "none_failed_min_one_success"
    case noneSkipped = "none_skipped"
    case always = "always"
}
