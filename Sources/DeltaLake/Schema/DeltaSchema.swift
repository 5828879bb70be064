import Columnar
import Foundation

/// A column of a Delta table schema (`metaData.schemaString`), with its column-mapping names.
public struct DeltaField: Sendable, Equatable {
    public var name: String
    public var type: DeltaType
    public var nullable: Bool
    /// The field's metadata object (column mapping ids and physical names, comments, ...).
    public var metadata: [(key: String, value: JSONNode)]

    public static func == (lhs: DeltaField, rhs: DeltaField) -> Bool {
        lhs.name == rhs.name && lhs.type == rhs.type && lhs.nullable == rhs.nullable
            && JSONNode.object(lhs.metadata) == JSONNode.object(rhs.metadata)
    }

    /// The name of the column in the data files (`delta.columnMapping.physicalName`), or nil.
    public var physicalName: String? {
        metadata.first { $0.key == "delta.columnMapping.physicalName" }?.value.stringValue
    }

    /// The name a column has in data files, partition values and stats: its physical name under
    /// column mapping, else its logical name.
    static func storedName(_ logical: String, in fields: [DeltaField], columnMapping: Bool) -> String {
        guard columnMapping, let field = fields.first(where: { $0.name == logical }) else { return logical }
        return field.physicalName ?? logical
    }

    /// The Parquet field id under id column mapping (`delta.columnMapping.id`), or nil.
    public var fieldId: Int64? {
        metadata.first { $0.key == "delta.columnMapping.id" }?.value.intValue
    }
}

/// A Delta data type.
public indirect enum DeltaType: Sendable, Equatable {
    case primitive(String)
    case decimal(precision: Int, scale: Int)
    case `struct`([DeltaField])
    case array(element: DeltaType, containsNull: Bool)
    case map(key: DeltaType, value: DeltaType, valueContainsNull: Bool)
}

/// Parsing `schemaString` and mapping Delta types to Columnar ones.
public enum DeltaSchema {
    /// The primitive type names of the protocol.
    static let primitives: Set<String> = [
        "string", "long", "integer", "short", "byte", "float", "double", "boolean", "binary", "date", "timestamp", "timestamp_ntz",
    ]

    /// The fields of a schema string (a JSON `struct` type).
    static func parse(_ text: String) throws(ActionDecodingError) -> [DeltaField] {
        let node: JSONNode
        do throws(JSONParseError) {
            node = try JSONParser.parse(text)
        } catch {
            throw ActionDecodingError(message: "the schema string is not JSON: \(error)")
        }
        guard case .struct(let fields) = try type(node, path: "schema") else {
            throw ActionDecodingError(message: "the schema string is not a struct type")
        }
        return fields
    }

    static func type(_ node: JSONNode, path: String) throws(ActionDecodingError) -> DeltaType {
        if let name = node.stringValue {
            if primitives.contains(name) { return .primitive(name) }
            if name.hasPrefix("decimal(") && name.hasSuffix(")") {
                let inner = name.dropFirst(8).dropLast().split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
                guard inner.count == 2, let p = inner[0], let s = inner[1], p >= 1, p <= 38, s >= 0, s <= p else {
                    throw ActionDecodingError(message: "\(path): invalid decimal type '\(name)'")
                }
                return .decimal(precision: p, scale: s)
            }
            if name == "decimal" { return .decimal(precision: 10, scale: 0) }
            throw ActionDecodingError(message: "\(path): unsupported data type '\(name)'")
        }
        guard let kind = node["type"]?.stringValue else {
            throw ActionDecodingError(message: "\(path): a type must be a name or an object with a 'type'")
        }
        switch kind {
        case "struct":
            guard case .array(let items)? = node["fields"] else { throw ActionDecodingError(message: "\(path): a struct needs 'fields'") }
            var fields: [DeltaField] = []
            var names = Set<String>()
            for item in items {
                guard let name = item["name"]?.stringValue, let typeNode = item["type"] else {
                    throw ActionDecodingError(message: "\(path): a field needs a 'name' and a 'type'")
                }
                guard names.insert(name.lowercased()).inserted else {
                    throw ActionDecodingError(message: "\(path): two fields named '\(name)' (names are case-insensitive)")
                }
                var metadata: [(key: String, value: JSONNode)] = []
                if case .object(let members)? = item["metadata"] { metadata = members }
                fields.append(DeltaField(name: name, type: try type(typeNode, path: path + "." + name),
                                         nullable: item["nullable"]?.boolValue ?? true, metadata: metadata))
            }
            return .struct(fields)
        case "array":
            guard let element = node["elementType"] else { throw ActionDecodingError(message: "\(path): an array needs 'elementType'") }
            return .array(element: try type(element, path: path + ".element"), containsNull: node["containsNull"]?.boolValue ?? true)
        case "map":
            guard let key = node["keyType"], let value = node["valueType"] else {
                throw ActionDecodingError(message: "\(path): a map needs 'keyType' and 'valueType'")
            }
            return .map(key: try type(key, path: path + ".key"), value: try type(value, path: path + ".value"),
                        valueContainsNull: node["valueContainsNull"]?.boolValue ?? true)
        default:
            throw ActionDecodingError(message: "\(path): unsupported data type '\(kind)'")
        }
    }

    /// The Columnar type of a Delta type (timestamps are UTC microseconds, timestamp_ntz local ones).
    public static func columnarType(_ type: DeltaType) -> DataType {
        switch type {
        case .primitive(let name):
            switch name {
            case "string": return .string
            case "long": return .int64
            case "integer": return .int32
            case "short": return .int16
            case "byte": return .int8
            case "float": return .float32
            case "double": return .float64
            case "boolean": return .bool
            case "binary": return .binary
            case "date": return .date32
            case "timestamp": return .timestamp(.micro, timezone: "UTC")
            default: return .timestamp(.micro, timezone: nil)  // timestamp_ntz
            }
        case .decimal(let p, let s): return .decimal(precision: p, scale: s)
        case .struct(let fields): return .struct(fields.map(columnarField))
        case .array(let element, let containsNull): return .list(Field("element", columnarType(element), nullable: containsNull))
        case .map(let key, let value, let valueContainsNull):
            return .map(keys: Field("key", columnarType(key), nullable: false),
                        values: Field("value", columnarType(value), nullable: valueContainsNull), keysSorted: false)
        }
    }

    /// The Columnar field of a Delta field (its logical name).
    public static func columnarField(_ field: DeltaField) -> Field {
        Field(field.name, columnarType(field.type), nullable: field.nullable)
    }
}
