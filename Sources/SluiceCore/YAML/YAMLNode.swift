/// A YAML node with the position it came from, so every later error can point at it.
public struct YAMLNode: Sendable {
    /// How a scalar was written; quoted scalars are always strings.
    public enum ScalarStyle: Sendable, Hashable { case plain, singleQuoted, doubleQuoted, literal, folded }

    /// The node's content.
    public enum Kind: Sendable {
        case scalar(String, ScalarStyle)
        case sequence([YAMLNode])
        case mapping([YAMLPair])
    }

    public var kind: Kind
    /// Where the node starts (for a quoted scalar: at the opening quote).
    public var location: SourceLocation
    /// Explicit tag such as `!!str`, if any.
    public var tag: String?
    /// Offsets (in Unicode scalars) of the node's first character and one past its last in the source.
    public var sourceRange: Range<Int>

    public init(kind: Kind, location: SourceLocation, tag: String? = nil, sourceRange: Range<Int>) {
        self.kind = kind
        self.location = location
        self.tag = tag
        self.sourceRange = sourceRange
    }

    /// The scalar's text, or nil for collections.
    public var scalarText: String? {
        if case let .scalar(text, _) = kind { return text }
        return nil
    }

    public var sequence: [YAMLNode]? {
        if case let .sequence(items) = kind { return items }
        return nil
    }

    public var mapping: [YAMLPair]? {
        if case let .mapping(pairs) = kind { return pairs }
        return nil
    }

    /// True for a plain scalar that YAML reads as null (`~`, `null`, empty) with no explicit string tag.
    public var isNull: Bool {
        guard case let .scalar(text, style) = kind, style == .plain, tag == nil || tag == "tag:yaml.org,2002:null" else {
            return false
        }
        return text.isEmpty || text == "~" || text == "null" || text == "Null" || text == "NULL"
    }

    /// The value under the YAML 1.2 core schema: plain scalars resolve to null, bool, int or float;
    /// quoted and block scalars are strings. `yes`/`no`/`on`/`off` stay strings (no Norway problem).
    public var value: Value {
        switch kind {
        case let .scalar(text, style):
            if style != .plain || tag == "tag:yaml.org,2002:str" { return .string(text) }
            return YAMLNode.resolvePlain(text)
        case let .sequence(items):
            return .list(items.map(\.value))
        case let .mapping(pairs):
            return .map(pairs.map { ($0.key.scalarText ?? $0.key.value.renderedText, $0.value.value) })
        }
    }

    /// A short description of the node's kind for "expected X, found Y" messages.
    public var kindDescription: String {
        switch kind {
        case .sequence: return "a list"
        case .mapping: return "a mapping"
        case .scalar:
            switch value {
            case .null: return "null"
            case .bool: return "a boolean"
            case .int: return "an integer"
            case .double: return "a number"
            default: return "a string"
            }
        }
    }

    static func resolvePlain(_ text: String) -> Value {
        switch text {
        case "", "~", "null", "Null", "NULL": return .null
        case "true", "True", "TRUE": return .bool(true)
        case "false", "False", "FALSE": return .bool(false)
        case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF": return .double(.infinity)
        case "-.inf", "-.Inf", "-.INF": return .double(-.infinity)
        case ".nan", ".NaN", ".NAN": return .double(.nan)
        default: break
        }
        guard let first = text.utf8.first,
              first == UInt8(ascii: "-") || first == UInt8(ascii: "+") || first == UInt8(ascii: ".")
                || (first >= UInt8(ascii: "0") && first <= UInt8(ascii: "9"))
        else { return .string(text) }
        if let i = Int64(text) { return .int(i) }
        if text.hasPrefix("0x"), let i = Int64(text.dropFirst(2), radix: 16) { return .int(i) }
        if text.hasPrefix("0o"), let i = Int64(text.dropFirst(2), radix: 8) { return .int(i) }
        if isFloatSyntax(text), let d = Double(text) { return .double(d) }
        return .string(text)
    }

    /// YAML 1.2 core float: `[-+]? ( \. [0-9]+ | [0-9]+ ( \. [0-9]* )? ) ( [eE] [-+]? [0-9]+ )?`.
    private static func isFloatSyntax(_ text: String) -> Bool {
        var it = Array(text.utf8)[...]
        func digits() -> Int {
            var n = 0
            while let c = it.first, c >= 48, c <= 57 { it = it.dropFirst(); n += 1 }
            return n
        }
        if let c = it.first, c == UInt8(ascii: "-") || c == UInt8(ascii: "+") { it = it.dropFirst() }
        var mantissa = digits()
        if it.first == UInt8(ascii: ".") { it = it.dropFirst(); mantissa += digits() }
        guard mantissa > 0 else { return false }
        if let c = it.first, c == UInt8(ascii: "e") || c == UInt8(ascii: "E") {
            it = it.dropFirst()
            if let s = it.first, s == UInt8(ascii: "-") || s == UInt8(ascii: "+") { it = it.dropFirst() }
            guard digits() > 0 else { return false }
        }
        return it.isEmpty
    }
}

/// One `key: value` entry of a YAML mapping.
public struct YAMLPair: Sendable {
    public var key: YAMLNode
    public var value: YAMLNode
}

/// A YAML document with the source text it came from.
public struct YAMLDocument: Sendable {
    /// The root node, or nil when the document is empty.
    public var root: YAMLNode?
    /// The source as Unicode scalars, for mapping offsets inside scalars back to line:column.
    public var source: [Unicode.Scalar]
}
