/// Ordered string key/value pairs attached to a field or a schema; keys are unique.
public struct KeyValueMetadata: Hashable, Sendable, Sequence, ExpressibleByDictionaryLiteral, CustomStringConvertible {
    /// One key/value pair.
    public typealias Element = (key: String, value: String)

    private var keyList: [String] = []
    private var valueList: [String] = []

    /// Empty metadata.
    public init() {}

    /// Metadata from pairs in order; a repeated key keeps its first position and last value.
    public init(_ pairs: some Sequence<(String, String)>) {
        for (key, value) in pairs { self[key] = value }
    }

    public init(dictionaryLiteral elements: (String, String)...) {
        self.init(elements)
    }

    /// The value for `key`; setting nil removes the key, setting a new key appends it.
    public subscript(key: String) -> String? {
        get { keyList.firstIndex(of: key).map { valueList[$0] } }
        set {
            if let index = keyList.firstIndex(of: key) {
                if let newValue { valueList[index] = newValue } else {
                    keyList.remove(at: index)
                    valueList.remove(at: index)
                }
            } else if let newValue {
                keyList.append(key)
                valueList.append(newValue)
            }
        }
    }

    /// The keys in order.
    public var keys: [String] { keyList }
    /// The number of pairs.
    public var count: Int { keyList.count }
    /// True when there are no pairs.
    public var isEmpty: Bool { keyList.isEmpty }

    public func makeIterator() -> some IteratorProtocol<Element> {
        zip(keyList, valueList).lazy.map { (key: $0, value: $1) }.makeIterator()
    }

    public var description: String {
        "[" + zip(keyList, valueList).map { "\($0): \($1)" }.joined(separator: ", ") + "]"
    }
}

/// A named, typed slot in a schema or nested type, with nullability and metadata.
public struct Field: Hashable, Sendable, CustomStringConvertible {
    /// The field's name.
    public var name: String
    /// The field's type.
    public var type: DataType
    /// Whether the column may hold nulls.
    public var nullable: Bool
    /// Free-form key/value annotations, kept in order.
    public var metadata: KeyValueMetadata

    public init(_ name: String, _ type: DataType, nullable: Bool = true, metadata: KeyValueMetadata = [:]) {
        self.name = name
        self.type = type
        self.nullable = nullable
        self.metadata = metadata
    }

    /// "name: type", with " not null" for non-nullable fields (as Arrow prints them).
    public var description: String {
        "\(name): \(type)\(nullable ? "" : " not null")"
    }
}
