import Foundation

/// Typed reads of YAML nodes that record a positioned diagnostic instead of failing.
struct NodeReader {
    var bag: DiagnosticBag

    mutating func error(_ message: String, at node: YAMLNode) { bag.error(message, at: node.location) }

    mutating func string(_ node: YAMLNode, _ what: String) -> String? {
        guard case let .scalar(text, style) = node.kind, !node.isNull else {
            error("\(what) must be a string, found \(node.kindDescription)", at: node)
            return nil
        }
        if style == .plain, case .bool = node.value {
            error("\(what) must be a string, found a boolean (quote it: \"\(text)\")", at: node)
            return nil
        }
        return text
    }

    mutating func bool(_ node: YAMLNode, _ what: String) -> Bool? {
        guard case let .bool(b) = node.value, node.scalarText != nil else {
            error("\(what) must be true or false, found \(node.kindDescription)", at: node)
            return nil
        }
        return b
    }

    mutating func int(_ node: YAMLNode, _ what: String, minimum: Int? = nil) -> Int? {
        guard case let .int(i) = node.value, node.scalarText != nil, let v = Int(exactly: i) else {
            error("\(what) must be an integer, found \(node.kindDescription)", at: node)
            return nil
        }
        if let minimum, v < minimum {
            error("\(what) must be at least \(minimum), found \(v)", at: node)
            return nil
        }
        return v
    }

    /// Seconds from `30s`, `5m`, `PT5M` or a number of seconds.
    mutating func duration(_ node: YAMLNode, _ what: String) -> Double? {
        switch node.value {
        case let .int(i) where i >= 0: return Double(i)
        case let .double(d) where d >= 0 && d.isFinite: return d
        case let .string(s):
            if let seconds = DurationText.seconds(s) { return seconds }
            error("\(what) '\(s)' is not a duration (use 30s, 5m, 2h, 1d or ISO-8601 like PT5M)", at: node)
            return nil
        default:
            error("\(what) must be a duration such as 30s, 5m or PT5M, found \(node.kindDescription)", at: node)
            return nil
        }
    }

    mutating func stringList(_ node: YAMLNode, _ what: String) -> [(String, YAMLNode)]? {
        if case .scalar = node.kind, !node.isNull, let s = node.scalarText { return [(s, node)] }
        guard let items = node.sequence else {
            error("\(what) must be a list of strings, found \(node.kindDescription)", at: node)
            return nil
        }
        var result: [(String, YAMLNode)] = []
        for item in items {
            if let s = string(item, "each entry of \(what)") { result.append((s, item)) }
        }
        return result
    }

    /// A mapping's entries with string keys; reports non-mappings and non-string keys.
    mutating func mapping(_ node: YAMLNode, _ what: String) -> [YAMLPair]? {
        guard let pairs = node.mapping else {
            error("\(what) must be a mapping, found \(node.kindDescription)", at: node)
            return nil
        }
        return pairs.filter { pair in
            if pair.key.scalarText == nil { return false }
            return true
        }
    }

    /// Reports keys not in `known`, with a suggestion.
    mutating func checkKeys(_ pairs: [YAMLPair], known: [String], in what: String) {
        for pair in pairs {
            guard let key = pair.key.scalarText, !known.contains(key) else { continue }
            error("unknown key '\(key)' in \(what)\(Spelling.didYouMean(key, among: known))", at: pair.key)
        }
    }

    /// A date or date-time: `2024-01-01` (midnight in `zone`), `2024-01-01T09:30[:00]`, or with
    /// an explicit offset (`Z`, `+02:00`).
    mutating func dateTime(_ node: YAMLNode, _ what: String, zone: TimeZone) -> Date? {
        guard let text = node.scalarText, !node.isNull else {
            error("\(what) must be a date like 2024-01-31 or 2024-01-31T09:30:00, found \(node.kindDescription)", at: node)
            return nil
        }
        if let date = DateTimeText.parse(text, zone: zone) { return date }
        error("\(what) '\(text)' is not a valid date (expected YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS][Z|±HH:MM])", at: node)
        return nil
    }
}

/// Reads the dates DAG files and CLI flags accept.
public enum DateTimeText {
    /// `2024-01-01` (midnight in `zone`), `2024-01-01T09:30[:00]` or `2024-01-01 09:30:00` in
    /// `zone`, or with an explicit `Z` / `±HH:MM` offset.
    public static func parse(_ raw: String, zone: TimeZone) -> Date? {
        let text = raw.trimmingCharacters(in: .whitespaces)
        guard text.count >= 10, let date = CivilDate(iso: text.prefix(10)) else { return nil }
        var rest = text.dropFirst(10)
        if rest.isEmpty { return zone.resolvedInstant(for: LocalDateTime(date: date)) }
        guard let sep = rest.first, sep == "T" || sep == " " else { return nil }
        rest = rest.dropFirst()
        var offset: Int?
        if rest.hasSuffix("Z") {
            offset = 0
            rest = rest.dropLast()
        } else if rest.count > 6, let sign = rest.dropLast(5).last, sign == "+" || sign == "-" {
            let tz = rest.suffix(5)
            let parts = tz.split(separator: ":")
            guard parts.count == 2, let h = Int(parts[0]), let m = Int(parts[1]), h < 24, m < 60 else { return nil }
            offset = (sign == "+" ? 1 : -1) * (h * 3600 + m * 60)
            rest = rest.dropLast(6)
        }
        let fields = rest.split(separator: ":", omittingEmptySubsequences: false)
        guard fields.count == 2 || fields.count == 3,
              fields.allSatisfy({ $0.count == 2 }) || (fields.count == 3 && fields[2].count > 2 && fields[2].contains(".")),
              let h = Int(fields[0]), let m = Int(fields[1]), h < 24, m < 60 else { return nil }
        var seconds = 0.0
        if fields.count == 3 {
            guard let s = Double(fields[2]), s >= 0, s < 60 else { return nil }
            seconds = s
        }
        let local = LocalDateTime(date: date, hour: h, minute: m, second: Int(seconds))
        let fraction = seconds - Double(Int(seconds))
        if let offset {
            return Date(timeIntervalSince1970: TimeInterval(local.secondsSinceEpoch - Int64(offset)) + fraction)
        }
        return zone.resolvedInstant(for: local).addingTimeInterval(fraction)
    }
}
