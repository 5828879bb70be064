/// How a task is retried, timed out, pooled and prioritised: `default_args` merged with the
/// task's own overrides. Defaults are Airflow's.
public struct TaskPolicy: Sendable, Hashable, Codable {
    public var retries: Int = 0
    /// Seconds before the first retry.
    public var retryDelay: Double = 300
    public var retryExponentialBackoff: Bool = false
    /// Upper bound on the delay between tries, in seconds, when backoff is on.
    public var maxRetryDelay: Double?
    /// Seconds a try may run before it is stopped and failed.
    public var executionTimeout: Double?
    public var pool: String = "default_pool"
    public var poolSlots: Int = 1
    public var queue: String = "default"
    public var priorityWeight: Int = 1
    public var triggerRule: TriggerRule = .allSuccess

    public init() {}

    /// The keys of `default_args` (and of per-task overrides), with a description for docs and errors.
    public static let keys: [(name: String, expects: String)] = [
        ("retries", "a non-negative integer"),
        ("retry_delay", "a duration such as 30s, 5m or PT5M"),
        ("retry_exponential_backoff", "true or false"),
        ("max_retry_delay", "a duration such as 1h"),
        ("execution_timeout", "a duration such as 2h"),
        ("pool", "a pool name"),
        ("pool_slots", "a positive integer"),
        ("queue", "a queue name"),
        ("priority_weight", "an integer"),
        ("trigger_rule", "one of " + TriggerRule.allCases.map(\.rawValue).joined(separator: ", ")),
    ]

    /// Delay before try `nextTry` (2, 3, ...): `retry_delay`, doubled per try when backoff is on,
    /// plus a deterministic jitter of up to 10% derived from `seed`, capped by `max_retry_delay`.
    public func delay(beforeTry nextTry: Int, seed: String) -> Double {
        guard retryExponentialBackoff else { return retryDelay }
        let exponent = max(0, nextTry - 2)
        let base = retryDelay * Double(1 << min(exponent, 30))
        var hash: UInt64 = 14_695_981_039_346_656_037
        for byte in "\(seed)#\(nextTry)".utf8 {
            hash = (hash ^ UInt64(byte)) &* 1_099_511_628_211
        }
        let jitter = base * 0.1 * Double(hash % 1000) / 1000
        let delay = base + jitter
        if let cap = maxRetryDelay { return min(delay, cap) }
        return delay
    }
}
