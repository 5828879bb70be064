import Foundation

/// A typed DAG parameter: its default, and the rules a run's conf must satisfy.
public struct ParamSpec: Sendable, Hashable, Codable {
    /// The types a param may declare.
    public enum ParamType: String, Sendable, Codable, CaseIterable {
        case string, int, number, bool, date, list
    }

    public var name: String
    public var type: ParamType
    public var defaultValue: Value?
    public var description: String?
    public var allowed: [Value]?
    public var minimum: Double?
    public var maximum: Double?
    /// Element type of a `list` param, when declared.
    public var items: ParamType?

    public init(name: String, type: ParamType, defaultValue: Value? = nil, description: String? = nil,
                allowed: [Value]? = nil, minimum: Double? = nil, maximum: Double? = nil, items: ParamType? = nil) {
        self.name = name
        self.type = type
        self.defaultValue = defaultValue
        self.description = description
        self.allowed = allowed
        self.minimum = minimum
        self.maximum = maximum
        self.items = items
    }

    /// Why `value` is not acceptable for this param, or nil when it is.
    public func problem(with value: Value) -> String? {
        if let problem = ParamSpec.typeProblem(value, type) { return problem }
        if case let .list(items) = value, let itemType = items.isEmpty ? nil : self.items {
            for (i, item) in items.enumerated() {
                if let problem = ParamSpec.typeProblem(item, itemType) { return "item \(i): \(problem)" }
            }
        }
        if let allowed, !allowed.contains(value) {
            return "\(value.jsonText()) is not one of \(allowed.map { $0.jsonText() }.joined(separator: ", "))"
        }
        if let number = value.doubleValue ?? (value.listValue.map { Double($0.count) }) {
            let what = type == .list ? "length \(Int(number))" : value.jsonText()
            if let minimum, number < minimum { return "\(what) is below the minimum \(ParamSpec.format(minimum))" }
            if let maximum, number > maximum { return "\(what) is above the maximum \(ParamSpec.format(maximum))" }
        }
        return nil
    }

    static func typeProblem(_ value: Value, _ type: ParamType) -> String? {
        switch (type, value) {
        case (.string, .string), (.int, .int), (.number, .int), (.number, .double), (.bool, .bool), (.list, .list):
            return nil
        case let (.date, .string(s)):
            return CivilDate(iso: s) == nil ? "'\(s)' is not a date (expected YYYY-MM-DD)" : nil
        default:
            return "expected \(type.rawValue), found \(value.typeName) \(value.jsonText())"
        }
    }

    static func format(_ d: Double) -> String {
        d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : String(d)
    }

    /// Resolves a run's params: defaults overridden by `conf` entries that name a param.
    /// Returns the problems (unknown names are allowed in conf, as in Airflow, but typed params are checked).
    public static func resolve(_ specs: [ParamSpec], conf: [(key: String, value: Value)]) -> (values: [String: Value], problems: [String]) {
        var values: [String: Value] = [:]
        var problems: [String] = []
        for spec in specs {
            if let supplied = conf.first(where: { $0.key == spec.name })?.value {
                if let problem = spec.problem(with: supplied) {
                    problems.append("param '\(spec.name)': \(problem)")
                } else {
                    values[spec.name] = supplied
                }
            } else if let value = spec.defaultValue {
                values[spec.name] = value
            } else {
                problems.append("param '\(spec.name)' has no default and is missing from conf")
            }
        }
        return (values, problems)
    }
}
