/// The ordered fields of a record batch, plus schema-level metadata.
public struct Schema: Hashable, Sendable, CustomStringConvertible {
    /// The fields in column order.
    public let fields: [Field]
    /// Schema-level key/value annotations.
    public var metadata: KeyValueMetadata
    /// First index of each name; -1 marks a name that occurs more than once.
    private let indexByName: [String: Int]

    public init(_ fields: [Field], metadata: KeyValueMetadata = [:]) {
        self.fields = fields
        self.metadata = metadata
        var index: [String: Int] = [:]
        for (i, field) in fields.enumerated() {
            index[field.name] = index[field.name] == nil ? i : -1
        }
        indexByName = index
    }

    /// The number of fields.
    public var count: Int { fields.count }

    /// The field names in order.
    public var names: [String] { fields.map(\.name) }

    /// The field at `index`.
    public subscript(index: Int) -> Field { fields[index] }

    /// The index of the field called `name`; throws for unknown or repeated names.
    public func index(of name: String) throws(ColumnarError) -> Int {
        switch indexByName[name] {
        case nil: throw .unknownField(name: name, available: names)
        case -1: throw .ambiguousField(name: name)
        case let index?: return index
        }
    }

    /// The field called `name`, or nil when there is none or more than one.
    public func field(named name: String) -> Field? {
        guard let index = indexByName[name], index >= 0 else { return nil }
        return fields[index]
    }

    /// A schema with just the named fields, in the order given; metadata is kept.
    public func project(_ names: [String]) throws(ColumnarError) -> Schema {
        var picked: [Field] = []
        for name in names { picked.append(fields[try index(of: name)]) }
        return Schema(picked, metadata: metadata)
    }

    /// True when both schemas have the same field names, types and nullability (metadata ignored).
    public func hasSameFields(as other: Schema) -> Bool {
        fields.count == other.fields.count && zip(fields, other.fields).allSatisfy {
            $0.name == $1.name && $0.type == $1.type && $0.nullable == $1.nullable
        }
    }

    public static func == (lhs: Schema, rhs: Schema) -> Bool {
        lhs.fields == rhs.fields && lhs.metadata == rhs.metadata
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(fields)
        hasher.combine(metadata)
    }

    /// One "name: type" per field, separated by commas, in braces.
    public var description: String {
        "{" + fields.map(\.description).joined(separator: ", ") + "}"
    }
}
