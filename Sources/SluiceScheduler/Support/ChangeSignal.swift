import Foundation

/// A generation counter that waiters can sleep on: `notify` wakes everyone waiting since an
/// older generation. Connects the remote executor and the API server when they share a process
/// (new work for long-polling workers, new reports for the executor); across processes both
/// sides poll the database instead.
public final class ChangeSignal: @unchecked Sendable {
    private let lock = NSLock()
    private var generation = 0
    private var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
    private var nextWaiter = 0

    public init() {}

    /// The current generation, to pass to `wait(since:timeout:)`.
    public var current: Int { lock.withLock { generation } }

    public func notify() {
        let woken: [CheckedContinuation<Void, Never>] = lock.withLock {
            generation += 1
            defer { waiters.removeAll() }
            return Array(waiters.values)
        }
        for waiter in woken { waiter.resume() }
    }

    /// Returns once the generation differs from `seen`, or after `timeout` seconds.
    public func wait(since seen: Int, timeout: Double) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let id: Int? = lock.withLock {
                if generation != seen { return nil }
                nextWaiter += 1
                waiters[nextWaiter] = continuation
                return nextWaiter
            }
            guard let id else { continuation.resume(); return }
            DispatchQueue.global().asyncAfter(deadline: .now() + max(0, timeout)) { [self] in
                let waiter = lock.withLock { waiters.removeValue(forKey: id) }
                waiter?.resume()
            }
        }
    }
}
