import Foundation

/// Writes the Prometheus text exposition format (version 0.0.4): `# HELP`, `# TYPE` and samples.
struct PrometheusText {
    private(set) var text = ""

    mutating func family(_ name: String, _ type: String, _ help: String) {
        text += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
    }

    mutating func sample(_ name: String, _ labels: [(String, String)] = [], _ value: Double) {
        text += name
        if !labels.isEmpty {
            text += "{" + labels.map { "\($0.0)=\"\(Self.escape($0.1))\"" }.joined(separator: ",") + "}"
        }
        text += " " + Self.number(value) + "\n"
    }

    mutating func histogram(_ name: String, _ help: String, _ histogram: Histogram.Snapshot, labels: [(String, String)] = []) {
        family(name, "histogram", help)
        histogramSamples(name, histogram, labels: labels)
    }

    mutating func histogramSamples(_ name: String, _ histogram: Histogram.Snapshot, labels: [(String, String)] = []) {
        var cumulative = 0
        for (bound, count) in zip(histogram.bounds, histogram.counts) {
            cumulative += count
            sample(name + "_bucket", labels + [("le", Self.number(bound))], Double(cumulative))
        }
        sample(name + "_bucket", labels + [("le", "+Inf")], Double(histogram.total))
        sample(name + "_sum", labels, histogram.sum)
        sample(name + "_count", labels, Double(histogram.total))
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"").replacingOccurrences(of: "\n", with: "\\n")
    }

    static func number(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return String(value)
    }
}

/// A thread-safe histogram with fixed bucket bounds (upper bounds, seconds).
public final class Histogram: @unchecked Sendable {
    /// Counts at one moment.
    struct Snapshot {
        var bounds: [Double]
        var counts: [Int]
        var total: Int
        var sum: Double
    }

    private let lock = NSLock()
    private let bounds: [Double]
    private var counts: [Int]
    private var overflow = 0
    private var sum = 0.0

    public init(bounds: [Double]) {
        self.bounds = bounds
        counts = Array(repeating: 0, count: bounds.count)
    }

    public func observe(_ value: Double) {
        lock.withLock {
            sum += value
            if let index = bounds.firstIndex(where: { value <= $0 }) { counts[index] += 1 } else { overflow += 1 }
        }
    }

    var snapshot: Snapshot {
        lock.withLock { Snapshot(bounds: bounds, counts: counts, total: counts.reduce(0, +) + overflow, sum: sum) }
    }

    /// Bounds for latencies from 1 ms to 60 s. (Task durations use `MetricFigures.durationBounds`,
    /// counted in SQL.)
    public static let latencyBounds: [Double] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]
}
