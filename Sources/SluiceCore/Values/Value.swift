import Foundation

/// A JSON-shaped value: operator arguments, params, DAG run conf and XCom payloads all use it.
public enum Value: Sendable, Hashable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case list([Value])
    /// Keys keep their insertion order so output is stable and matches the source file.
    case map([(key: String, value: Value)])

    public static func == (lhs: Value, rhs: Value) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case let (.bool(a), .bool(b)): return a == b
        case let (.int(a), .int(b)): return a == b
        case let (.double(a), .double(b)): return a == b || (a.isNaN && b.isNaN)
        case let (.string(a), .string(b)): return a == b
        case let (.list(a), .list(b)): return a == b
        case let (.map(a), .map(b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        default: return false
        }
    }

    public func hash(into hasher: inout Hasher) {
        switch self {
        case .null: hasher.combine(0)
        case let .bool(b): hasher.combine(1); hasher.combine(b)
        case let .int(i): hasher.combine(2); hasher.combine(i)
        case let .double(d): hasher.combine(3); hasher.combine(d.isNaN ? Double.nan.bitPattern : d.bitPattern)
        case let .string(s): hasher.combine(4); hasher.combine(s)
        case let .list(l): hasher.combine(5); hasher.combine(l)
        case let .map(m):
            hasher.combine(6)
            for (k, v) in m { hasher.combine(k); hasher.combine(v) }
        }
    }

    /// The name of this value's type as users see it in error messages.
    public var typeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "bool"
        case .int: return "int"
        case .double: return "number"
        case .string: return "string"
        case .list: return "list"
        case .map: return "mapping"
        }
    }

    public var stringValue: String? { if case let .string(s) = self { return s }; return nil }
    public var boolValue: Bool? { if case let .bool(b) = self { return b }; return nil }
    public var intValue: Int64? { if case let .int(i) = self { return i }; return nil }
    /// Integers widen to doubles; nothing else converts.
    public var doubleValue: Double? {
        switch self {
        case let .double(d): return d
        case let .int(i): return Double(i)
        default: return nil
        }
    }
    public var listValue: [Value]? { if case let .list(l) = self { return l }; return nil }
    public var mapValue: [(key: String, value: Value)]? { if case let .map(m) = self { return m }; return nil }
    public var isNull: Bool { if case .null = self { return true }; return false }

    /// Looks a key up in a mapping value (nil for non-mappings and missing keys).
    public subscript(key: String) -> Value? {
        guard case let .map(pairs) = self else { return nil }
        return pairs.first(where: { $0.key == key })?.value
    }

    /// The text a template substitutes for this value: strings bare, everything else as JSON.
    public var renderedText: String {
        switch self {
        case let .string(s): return s
        case .null: return ""
        default: return jsonText()
        }
    }
}

extension Value: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null; return }
        if let b = try? container.decode(Bool.self) { self = .bool(b); return }
        if let i = try? container.decode(Int64.self) { self = .int(i); return }
        if let d = try? container.decode(Double.self) { self = .double(d); return }
        if let s = try? container.decode(String.self) { self = .string(s); return }
        if let l = try? container.decode([Value].self) { self = .list(l); return }
        // Decode mappings through JSONSerialization-free ordered keys.
        let keyed = try decoder.container(keyedBy: AnyCodingKey.self)
        var pairs: [(key: String, value: Value)] = []
        for key in keyed.allKeys {
            pairs.append((key.stringValue, try keyed.decode(Value.self, forKey: key)))
        }
        self = .map(pairs)
    }

    public func encode(to encoder: any Encoder) throws {
        switch self {
        case .null:
            var c = encoder.singleValueContainer(); try c.encodeNil()
        case let .bool(b):
            var c = encoder.singleValueContainer(); try c.encode(b)
        case let .int(i):
            var c = encoder.singleValueContainer(); try c.encode(i)
        case let .double(d):
            var c = encoder.singleValueContainer(); try c.encode(d)
        case let .string(s):
            var c = encoder.singleValueContainer(); try c.encode(s)
        case let .list(l):
            var c = encoder.unkeyedContainer()
            for v in l { try c.encode(v) }
        case let .map(m):
            var c = encoder.container(keyedBy: AnyCodingKey.self)
            for (k, v) in m { try c.encode(v, forKey: AnyCodingKey(k)) }
        }
    }
}

/// A coding key made from any string, for mappings with user-chosen keys.
struct AnyCodingKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(_ string: String) { stringValue = string }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { return nil }
}
