import Columnar

/// Columnar types as Delta types, and Delta schemas as `schemaString` JSON.
extension DeltaSchema {
    /// The Delta type a Columnar column is stored as; nil for types Delta has no place for
    /// (unsigned 64-bit integers, fixed-size binary, times of day, nanosecond precision is kept
    /// as microseconds).
    public static func deltaType(_ type: DataType) -> DeltaType? {
        switch type {
        case .bool: return .primitive("boolean")
        case .int8: return .primitive("byte")
        case .int16, .uint8: return .primitive("short")
        case .int32, .uint16: return .primitive("integer")
        case .int64, .uint32: return .primitive("long")
        case .float32: return .primitive("float")
        case .float64: return .primitive("double")
        case .string: return .primitive("string")
        case .binary: return .primitive("binary")
        case .date32: return .primitive("date")
        case .timestamp(_, let zone): return .primitive(zone == nil ? "timestamp_ntz" : "timestamp")
        case .decimal(let p, let s): return .decimal(precision: p, scale: s)
        case .struct(let fields):
            var converted: [DeltaField] = []
            for field in fields {
                guard let inner = deltaType(field.type) else { return nil }
                converted.append(DeltaField(name: field.name, type: inner, nullable: field.nullable, metadata: []))
            }
            return .struct(converted)
        case .list(let item):
            guard let element = deltaType(item.type) else { return nil }
            return .array(element: element, containsNull: item.nullable)
        case .map(let keys, let values, _):
            guard let key = deltaType(keys.type), let value = deltaType(values.type) else { return nil }
            return .map(key: key, value: value, valueContainsNull: values.nullable)
        default: return nil
        }
    }

    /// The JSON of a type as `schemaString` holds it.
    static func json(_ type: DeltaType) -> JSONNode {
        switch type {
        case .primitive(let name): return .string(name)
        case .decimal(let p, let s): return .string("decimal(\(p),\(s))")
        case .struct(let fields):
            return .object([("type", .string("struct")), ("fields", .array(fields.map { field in
                .object([("name", .string(field.name)), ("type", json(field.type)), ("nullable", .bool(field.nullable)),
                         ("metadata", .object(field.metadata))])
            }))])
        case .array(let element, let containsNull):
            return .object([("type", .string("array")), ("elementType", json(element)), ("containsNull", .bool(containsNull))])
        case .map(let key, let value, let valueContainsNull):
            return .object([("type", .string("map")), ("keyType", json(key)), ("valueType", json(value)),
                            ("valueContainsNull", .bool(valueContainsNull))])
        }
    }

    /// `schemaString` for `fields`.
    public static func schemaString(_ fields: [DeltaField]) -> String {
        json(.struct(fields)).text
    }
}
