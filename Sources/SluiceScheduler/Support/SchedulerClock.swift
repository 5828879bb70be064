import Foundation

/// The scheduler's notion of now, injectable so tests can move time instead of sleeping.
public protocol SchedulerClock: Sendable {
    var now: Date { get }
}

/// Wall-clock time.
public struct SystemClock: SchedulerClock {
    public init() {}
    public var now: Date { Date() }
}

/// Time that moves only when a test says so.
public final class ManualClock: SchedulerClock, @unchecked Sendable {
    private let lock = NSLock()
    private var current: Date

    public init(_ start: Date) { current = start }

    public var now: Date { lock.withLock { current } }

    public func advance(by seconds: Double) { lock.withLock { current = current.addingTimeInterval(seconds) } }

    public func set(_ date: Date) { lock.withLock { current = date } }
}
