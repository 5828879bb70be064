/// The resolution of a timestamp or time-of-day value.
public enum TimeUnit: String, Hashable, Sendable, CaseIterable {
    case second, milli, micro, nano

    /// Arrow's abbreviation: "s", "ms", "us" or "ns".
    public var abbreviation: String {
        switch self {
        case .second: "s"
        case .milli: "ms"
        case .micro: "us"
        case .nano: "ns"
        }
    }

    /// How many ticks of this unit make one second.
    public var ticksPerSecond: Int64 {
        switch self {
        case .second: 1
        case .milli: 1_000
        case .micro: 1_000_000
        case .nano: 1_000_000_000
        }
    }
}

/// The logical type of a column, modelled on Arrow's type system.
///
/// Several logical types share a physical layout: `date32` and `time(.second/.milli)`
/// are stored as `Int32`, `timestamp` and `time(.micro/.nano)` as `Int64`,
/// `decimal` as `Int128`, `string` and `binary` as offsets plus bytes.
public indirect enum DataType: Hashable, Sendable, CustomStringConvertible {
    case bool
    case int8, int16, int32, int64
    case uint8, uint16, uint32, uint64
    case float32, float64
    /// UTF-8 text: 32-bit offsets plus bytes.
    case string
    /// Opaque bytes: 32-bit offsets plus bytes.
    case binary
    /// Byte strings of exactly this many bytes each.
    case fixedSizeBinary(Int)
    /// Days since 1970-01-01, as `Int32`.
    case date32
    /// Ticks since 1970-01-01T00:00:00, as `Int64`. A nil timezone means a naive
    /// (local, wall-clock) timestamp; any timezone ("UTC", "Europe/Paris") means
    /// the value is an instant counted from the UTC epoch.
    case timestamp(TimeUnit, timezone: String?)
    /// Ticks since midnight: `Int32` for seconds and milliseconds, `Int64` for micro- and nanoseconds.
    case time(TimeUnit)
    /// A decimal number stored as an unscaled `Int128`: value = unscaled × 10^-scale.
    case decimal(precision: Int, scale: Int)
    /// One child per field, each as long as the struct column.
    case `struct`([Field])
    /// Variable-length lists: 32-bit offsets into one child column.
    case list(Field)
    /// Key/value maps: 32-bit offsets into a keys column and a values column of equal length.
    case map(keys: Field, values: Field, keysSorted: Bool)

    /// A naive timestamp of the given unit.
    public static func timestamp(_ unit: TimeUnit) -> DataType { .timestamp(unit, timezone: nil) }

    /// A list whose items (named "item", as in Arrow) have type `itemType`.
    public static func list(of itemType: DataType, nullable: Bool = true) -> DataType {
        .list(Field("item", itemType, nullable: nullable))
    }

    /// A map with non-nullable keys named "key" and nullable values named "value", as in Arrow.
    public static func map(key: DataType, value: DataType, keysSorted: Bool = false) -> DataType {
        .map(keys: Field("key", key, nullable: false), values: Field("value", value), keysSorted: keysSorted)
    }

    /// The number of bytes one value occupies in a fixed-width layout; nil for
    /// variable-width and nested types, and for `bool` (one bit per value).
    public var byteWidth: Int? {
        switch self {
        case .int8, .uint8: 1
        case .int16, .uint16: 2
        case .int32, .uint32, .float32, .date32: 4
        case .int64, .uint64, .float64, .timestamp: 8
        case .time(let unit): unit == .second || unit == .milli ? 4 : 8
        case .decimal: 16
        case .fixedSizeBinary(let width): width
        case .bool, .string, .binary, .struct, .list, .map: nil
        }
    }

    /// True for `struct`, `list` and `map`.
    public var isNested: Bool {
        switch self {
        case .struct, .list, .map: true
        default: false
        }
    }

    /// True for the integer and floating-point types.
    public var isNumeric: Bool {
        switch self {
        case .int8, .int16, .int32, .int64, .uint8, .uint16, .uint32, .uint64, .float32, .float64: true
        default: false
        }
    }

    /// The child fields of a nested type, in storage order (a map's are keys then values).
    public var children: [Field] {
        switch self {
        case .struct(let fields): fields
        case .list(let item): [item]
        case .map(let keys, let values, _): [keys, values]
        default: []
        }
    }

    /// Arrow's name for the type, e.g. "int64", "timestamp[us, tz=UTC]", "list<item: string>".
    public var description: String {
        switch self {
        case .bool: "bool"
        case .int8: "int8"
        case .int16: "int16"
        case .int32: "int32"
        case .int64: "int64"
        case .uint8: "uint8"
        case .uint16: "uint16"
        case .uint32: "uint32"
        case .uint64: "uint64"
        case .float32: "float"
        case .float64: "double"
        case .string: "string"
        case .binary: "binary"
        case .fixedSizeBinary(let width): "fixed_size_binary[\(width)]"
        case .date32: "date32[day]"
        case .timestamp(let unit, let timezone):
            if let timezone { "timestamp[\(unit.abbreviation), tz=\(timezone)]" } else { "timestamp[\(unit.abbreviation)]" }
        case .time(let unit): "time\(byteWidth! * 8)[\(unit.abbreviation)]"
        case .decimal(let precision, let scale): "decimal128(\(precision), \(scale))"
        case .struct(let fields): "struct<\(fields.map(\.description).joined(separator: ", "))>"
        case .list(let item): "list<\(item.description)>"
        case .map(let keys, let values, let sorted):
            "map<\(keys.type), \(values.type)\(values.nullable ? "" : " not null")\(sorted ? ", keys_sorted" : "")>"
        }
    }
}
