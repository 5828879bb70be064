import Foundation

/// Collects executor events so the scheduler loop can wait for "an event, or until a deadline".
final class EventMailbox: @unchecked Sendable {
    private let lock = NSLock()
    private var pending: [ExecutorEvent] = []
    private var waiter: CheckedContinuation<Void, Never>?

    func post(_ event: ExecutorEvent) {
        let resume: CheckedContinuation<Void, Never>? = lock.withLock {
            pending.append(event)
            defer { waiter = nil }
            return waiter
        }
        resume?.resume()
    }

    /// Everything posted so far (possibly nothing).
    func drain() -> [ExecutorEvent] {
        lock.withLock {
            defer { pending.removeAll() }
            return pending
        }
    }

    /// Returns once an event is pending or `seconds` have passed.
    func wait(upTo seconds: Double) async {
        guard seconds > 0 else { return }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let ready: Bool = lock.withLock {
                if !pending.isEmpty { return true }
                waiter = continuation
                return false
            }
            if ready { continuation.resume(); return }
            DispatchQueue.global().asyncAfter(deadline: .now() + seconds) { [self] in
                let resume: CheckedContinuation<Void, Never>? = lock.withLock {
                    defer { waiter = nil }
                    return waiter
                }
                resume?.resume()
            }
        }
    }
}
