/// A position in a source file, 1-based, columns counted in Unicode scalars (as libyaml does).
public struct SourceLocation: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var line: Int
    public var column: Int

    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }

    public static func < (a: SourceLocation, b: SourceLocation) -> Bool {
        (a.line, a.column) < (b.line, b.column)
    }

    public var description: String { "\(line):\(column)" }
}

/// One problem found in a file, printed gcc-style as `FILE:LINE:COLUMN: error: MESSAGE`.
public struct Diagnostic: Sendable, Hashable, CustomStringConvertible {
    public enum Severity: String, Sendable, Hashable { case error, warning, note }

    public var file: String
    public var location: SourceLocation
    public var severity: Severity
    public var message: String

    public init(file: String, location: SourceLocation, severity: Severity = .error, message: String) {
        self.file = file
        self.location = location
        self.severity = severity
        self.message = message
    }

    public var description: String { "\(file):\(location.line):\(location.column): \(severity.rawValue): \(message)" }
}

/// Collects diagnostics for one file in source order.
public struct DiagnosticBag: Sendable {
    public let file: String
    public private(set) var diagnostics: [Diagnostic] = []

    public init(file: String) { self.file = file }

    public mutating func error(_ message: String, at location: SourceLocation) {
        diagnostics.append(Diagnostic(file: file, location: location, severity: .error, message: message))
    }

    public mutating func warning(_ message: String, at location: SourceLocation) {
        diagnostics.append(Diagnostic(file: file, location: location, severity: .warning, message: message))
    }

    public var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }

    /// Diagnostics sorted by position, duplicates removed.
    public var sorted: [Diagnostic] {
        var seen = Set<Diagnostic>()
        return diagnostics
            .filter { seen.insert($0).inserted }
            .sorted { ($0.location, $0.message) < ($1.location, $1.message) }
    }
}

/// Suggests the closest known spelling for a mistyped name ("did you mean ...?").
public enum Spelling {
    /// The candidate nearest to `word` by edit distance, if it is close enough to be a likely typo.
    public static func suggestion(for word: String, among candidates: some Sequence<String>) -> String? {
        let lowered = word.lowercased()
        var best: (name: String, distance: Int)?
        for candidate in candidates {
            let d = editDistance(lowered, candidate.lowercased())
            if best == nil || d < best!.distance { best = (candidate, d) }
        }
        guard let best else { return nil }
        let limit = max(1, min(3, (word.count + 2) / 3))
        if best.distance <= limit { return best.name }
        // Also accept a prefix/containment match for long names ("depends" -> "depends_on").
        if word.count >= 4, best.name.lowercased().hasPrefix(lowered) { return best.name }
        for candidate in candidates where word.count >= 4 && candidate.lowercased().hasPrefix(lowered) {
            return candidate
        }
        // ... and a known name that is a prefix of the word ("integer" -> "int").
        for candidate in candidates where candidate.count >= 3 && lowered.hasPrefix(candidate.lowercased()) {
            return candidate
        }
        return nil
    }

    /// ` (did you mean 'x'?)`, or an empty string when nothing is close.
    public static func didYouMean(_ word: String, among candidates: some Sequence<String>) -> String {
        guard let s = suggestion(for: word, among: candidates) else { return "" }
        return " (did you mean '\(s)'?)"
    }

    /// Damerau-Levenshtein (optimal string alignment) distance.
    public static func editDistance(_ a: String, _ b: String) -> Int {
        let x = Array(a.unicodeScalars), y = Array(b.unicodeScalars)
        if x.isEmpty { return y.count }
        if y.isEmpty { return x.count }
        var prev2 = [Int](repeating: 0, count: y.count + 1)
        var prev = Array(0...y.count)
        var cur = [Int](repeating: 0, count: y.count + 1)
        for i in 1...x.count {
            cur[0] = i
            for j in 1...y.count {
                let cost = x[i - 1] == y[j - 1] ? 0 : 1
                cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
                if i > 1, j > 1, x[i - 1] == y[j - 2], x[i - 2] == y[j - 1] {
                    cur[j] = min(cur[j], prev2[j - 2] + 1)
                }
            }
            (prev2, prev, cur) = (prev, cur, prev2)
        }
        return prev[y.count]
    }
}
