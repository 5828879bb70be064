/// The type of an operator argument, used to validate DAG files and to document operators.
public indirect enum ArgumentType: Sendable, Hashable, CustomStringConvertible {
    case string
    case int
    case number
    case bool
    /// `30s`, `5m`, `PT1H`, or a number of seconds.
    case duration
    /// `YYYY-MM-DD`.
    case date
    case list(ArgumentType)
    /// A mapping with string keys.
    case map(ArgumentType)
    case any

    public var description: String {
        switch self {
        case .string: return "string"
        case .int: return "int"
        case .number: return "number"
        case .bool: return "bool"
        case .duration: return "duration"
        case .date: return "date"
        case let .list(element): return "list of \(element)"
        case let .map(element): return "mapping of string to \(element)"
        case .any: return "any"
        }
    }

    /// Why `value` does not fit this type, or nil. Strings holding `{{ templates }}` fit any
    /// scalar type: they are checked again after rendering.
    public func problem(with value: Value) -> String? {
        if case let .string(s) = value, s.contains("{{"), !isCollection { return nil }
        switch (self, value) {
        case (.any, _), (.string, .string), (.int, .int), (.number, .int), (.number, .double), (.bool, .bool):
            return nil
        case (.duration, .int), (.duration, .double):
            return (value.doubleValue ?? -1) >= 0 ? nil : "a duration cannot be negative"
        case let (.duration, .string(s)):
            return DurationText.seconds(s) == nil ? "'\(s)' is not a duration (use 30s, 5m, 2h, 1d or ISO-8601 like PT5M)" : nil
        case let (.date, .string(s)):
            return CivilDate(iso: s) == nil ? "'\(s)' is not a date (expected YYYY-MM-DD)" : nil
        case let (.list(element), .list(items)):
            for (i, item) in items.enumerated() {
                if let p = element.problem(with: item) { return "item \(i): \(p)" }
            }
            return nil
        case let (.map(element), .map(pairs)):
            for pair in pairs {
                if let p = element.problem(with: pair.value) { return "key '\(pair.key)': \(p)" }
            }
            return nil
        default:
            return "expected \(article)\(self), found \(value.typeName)"
        }
    }

    private var isCollection: Bool {
        switch self {
        case .list, .map: return true
        default: return false
        }
    }

    private var article: String {
        switch self {
        case .int: return "an "
        case .any: return ""
        case .list, .map: return "a "
        default: return "a "
        }
    }
}

/// One argument an operator accepts under a task's `with:`.
public struct ArgumentSpec: Sendable, Hashable {
    public var name: String
    public var type: ArgumentType
    public var required: Bool
    public var defaultValue: Value?
    /// Allowed values, for string arguments that are really enumerations.
    public var allowed: [String]?
    /// Whether `{{ }}` templates in this argument are rendered before the task runs.
    public var templated: Bool
    public var doc: String

    public init(_ name: String, _ type: ArgumentType, required: Bool = false, default defaultValue: Value? = nil,
                allowed: [String]? = nil, templated: Bool = true, doc: String) {
        self.name = name
        self.type = type
        self.required = required
        self.defaultValue = defaultValue
        self.allowed = allowed
        self.templated = templated
        self.doc = doc
    }
}
