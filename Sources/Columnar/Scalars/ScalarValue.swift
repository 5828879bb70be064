/// One value of any column type, for display, tests and row-wise access.
///
/// Equality treats floating-point values by identity: all NaNs are equal to
/// each other, and `0.0` differs from `-0.0`. Decimals compare by unscaled
/// value, precision and scale; timestamps by value, unit and timezone.
public indirect enum ScalarValue: Sendable, Hashable, CustomStringConvertible {
    case null
    case bool(Bool)
    /// Any signed integer type.
    case int(Int64)
    /// Any unsigned integer type.
    case uint(UInt64)
    /// A `float32` value.
    case float(Float)
    /// A `float64` value.
    case double(Double)
    case string(String)
    /// `binary` and `fixedSizeBinary` values.
    case binary([UInt8])
    /// Days since 1970-01-01.
    case date(days: Int32)
    /// Ticks of `unit` since the epoch; a nil timezone means naive (wall-clock) time.
    case timestamp(Int64, unit: TimeUnit, timezone: String?)
    /// Ticks of `unit` since midnight.
    case time(Int64, unit: TimeUnit)
    /// unscaled × 10^-scale.
    case decimal(Int128, precision: Int, scale: Int)
    /// Named field values in field order.
    case `struct`([(name: String, value: ScalarValue)])
    case list([ScalarValue])
    /// Key/value entries in stored order.
    case map([(key: ScalarValue, value: ScalarValue)])

    /// True for `.null`.
    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    public static func == (lhs: ScalarValue, rhs: ScalarValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case let (.bool(a), .bool(b)): return a == b
        case let (.int(a), .int(b)): return a == b
        case let (.uint(a), .uint(b)): return a == b
        case let (.float(a), .float(b)): return a.isNaN ? b.isNaN : a.bitPattern == b.bitPattern
        case let (.double(a), .double(b)): return a.isNaN ? b.isNaN : a.bitPattern == b.bitPattern
        case let (.string(a), .string(b)): return a == b
        case let (.binary(a), .binary(b)): return a == b
        case let (.date(a), .date(b)): return a == b
        case let (.timestamp(a, unitA, zoneA), .timestamp(b, unitB, zoneB)):
            return a == b && unitA == unitB && zoneA == zoneB
        case let (.time(a, unitA), .time(b, unitB)): return a == b && unitA == unitB
        case let (.decimal(a, precisionA, scaleA), .decimal(b, precisionB, scaleB)):
            return a == b && precisionA == precisionB && scaleA == scaleB
        case let (.struct(a), .struct(b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.name == $1.name && $0.value == $1.value }
        case let (.list(a), .list(b)): return a == b
        case let (.map(a), .map(b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        default: return false
        }
    }

    public func hash(into hasher: inout Hasher) {
        switch self {
        case .null: hasher.combine(0)
        case .bool(let v): hasher.combine(1); hasher.combine(v)
        case .int(let v): hasher.combine(2); hasher.combine(v)
        case .uint(let v): hasher.combine(3); hasher.combine(v)
        case .float(let v): hasher.combine(4); hasher.combine(v.isNaN ? UInt32.max : v.bitPattern)
        case .double(let v): hasher.combine(5); hasher.combine(v.isNaN ? UInt64.max : v.bitPattern)
        case .string(let v): hasher.combine(6); hasher.combine(v)
        case .binary(let v): hasher.combine(7); hasher.combine(v)
        case .date(let v): hasher.combine(8); hasher.combine(v)
        case .timestamp(let v, let unit, let zone): hasher.combine(9); hasher.combine(v); hasher.combine(unit); hasher.combine(zone)
        case .time(let v, let unit): hasher.combine(10); hasher.combine(v); hasher.combine(unit)
        case .decimal(let v, let precision, let scale):
            hasher.combine(11); hasher.combine(v); hasher.combine(precision); hasher.combine(scale)
        case .struct(let entries):
            hasher.combine(12)
            for entry in entries { hasher.combine(entry.name); hasher.combine(entry.value) }
        case .list(let items): hasher.combine(13); hasher.combine(items)
        case .map(let entries):
            hasher.combine(14)
            for entry in entries { hasher.combine(entry.key); hasher.combine(entry.value) }
        }
    }

    /// The value's JSON rendering (see `JSONLines`).
    public var description: String { json }
}

extension ScalarValue: ExpressibleByNilLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral, ExpressibleByStringLiteral, ExpressibleByArrayLiteral
{
    public init(nilLiteral: ()) { self = .null }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(integerLiteral value: Int64) { self = .int(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(stringLiteral value: String) { self = .string(value) }
    public init(arrayLiteral elements: ScalarValue...) { self = .list(elements) }
}
