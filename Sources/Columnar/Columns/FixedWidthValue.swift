/// A value type that `PrimitiveColumn` stores contiguously, one fixed-size slot per row.
///
/// The conformances (`Int8`…`UInt64`, `Float`, `Double`, `Int128`) map each
/// physical type to the `Column` case that holds it and to the logical types
/// it can carry (`Int32` also carries `date32` and `time32`, `Int64` carries
/// `timestamp` and `time64`, `Int128` carries `decimal`).
public protocol FixedWidthValue: BitwiseCopyable, Sendable, Equatable {
    /// The type a column of these values gets when none is given.
    static var defaultDataType: DataType { get }
    /// True when columns of `type` store their values as `Self`.
    static func canStore(_ type: DataType) -> Bool
    /// The stored form of `scalar` in a column of `type`, or nil when it does not fit.
    init?(scalar: ScalarValue, type: DataType)
    /// This stored value as a scalar of the logical `type`.
    func scalar(type: DataType) -> ScalarValue
    /// Wraps a typed column in its `Column` case.
    static func wrap(_ column: PrimitiveColumn<Self>) -> Column
    /// The typed column inside `column`, when `column` stores `Self` values.
    static func unwrap(_ column: Column) -> PrimitiveColumn<Self>?
}

extension FixedWidthInteger {
    /// The integer held by an `.int` or `.uint` scalar, when it fits exactly.
    static func exactly(_ scalar: ScalarValue) -> Self? {
        switch scalar {
        case .int(let v): Self(exactly: v)
        case .uint(let v): Self(exactly: v)
        default: nil
        }
    }
}

extension FixedWidthValue where Self: FixedWidthInteger & SignedInteger {
    public init?(scalar: ScalarValue, type: DataType) {
        guard type == Self.defaultDataType, let v = Self.exactly(scalar) else { return nil }
        self = v
    }
    public func scalar(type: DataType) -> ScalarValue { .int(Int64(self)) }
    public static func canStore(_ type: DataType) -> Bool { type == defaultDataType }
}

extension FixedWidthValue where Self: FixedWidthInteger & UnsignedInteger {
    public init?(scalar: ScalarValue, type: DataType) {
        guard type == Self.defaultDataType, let v = Self.exactly(scalar) else { return nil }
        self = v
    }
    public func scalar(type: DataType) -> ScalarValue { .uint(UInt64(self)) }
    public static func canStore(_ type: DataType) -> Bool { type == defaultDataType }
}

extension Int8: FixedWidthValue {
    public static var defaultDataType: DataType { .int8 }
    public static func wrap(_ column: PrimitiveColumn<Int8>) -> Column { .int8(column) }
    public static func unwrap(_ column: Column) -> PrimitiveColumn<Int8>? {
        if case .int8(let c) = column { c } else { nil }
    }
}

extension Int16: FixedWidthValue {
    public static var defaultDataType: DataType { .int16 }
    public static func wrap(_ column: PrimitiveColumn<Int16>) -> Column { .int16(column) }
    public static func unwrap(_ column: Column) -> PrimitiveColumn<Int16>? {
        if case .int16(let c) = column { c } else { nil }
    }
}

extension Int32: FixedWidthValue {
    public static var defaultDataType: DataType { .int32 }
    public static func canStore(_ type: DataType) -> Bool {
        switch type {
        case .int32, .date32, .time(.second), .time(.milli): true
        default: false
        }
    }
    public init?(scalar: ScalarValue, type: DataType) {
        switch (type, scalar) {
        case (.int32, _):
            guard let v = Int32.exactly(scalar) else { return nil }
            self = v
        case (.date32, .date(let days)):
            self = days
        case (.time(let unit), .time(let v, let valueUnit)) where unit == valueUnit && Int32.canStore(type):
            guard let v = Int32(exactly: v) else { return nil }
            self = v
        default:
            return nil
        }
    }
    public func scalar(type: DataType) -> ScalarValue {
        switch type {
        case .date32: .date(days: self)
        case .time(let unit): .time(Int64(self), unit: unit)
        default: .int(Int64(self))
        }
    }
    public static func wrap(_ column: PrimitiveColumn<Int32>) -> Column { .int32(column) }
    public static func unwrap(_ column: Column) -> PrimitiveColumn<Int32>? {
        if case .int32(let c) = column { c } else { nil }
    }
}

extension Int64: FixedWidthValue {
    public static var defaultDataType: DataType { .int64 }
    public static func canStore(_ type: DataType) -> Bool {
        switch type {
        case .int64, .timestamp, .time(.micro), .time(.nano): true
        default: false
        }
    }
    public init?(scalar: ScalarValue, type: DataType) {
        switch (type, scalar) {
        case (.int64, _):
            guard let v = Int64.exactly(scalar) else { return nil }
            self = v
        case (.timestamp(let unit, _), .timestamp(let v, let valueUnit, _)) where unit == valueUnit:
            self = v
        case (.time(let unit), .time(let v, let valueUnit)) where unit == valueUnit && Int64.canStore(type):
            self = v
        default:
            return nil
        }
    }
    public func scalar(type: DataType) -> ScalarValue {
        switch type {
        case .timestamp(let unit, let timezone): .timestamp(self, unit: unit, timezone: timezone)
        case .time(let unit): .time(self, unit: unit)
        default: .int(self)
        }
    }
    public static func wrap(_ column: PrimitiveColumn<Int64>) -> Column { .int64(column) }
    public static func unwrap(_ column: Column) -> PrimitiveColumn<Int64>? {
        if case .int64(let c) = column { c } else { nil }
    }
}

extension UInt8: FixedWidthValue {
    public static var defaultDataType: DataType { .uint8 }
    public static func wrap(_ column: PrimitiveColumn<UInt8>) -> Column { .uint8(column) }
    public static func unwrap(_ column: Column) -> PrimitiveColumn<UInt8>? {
        if case .uint8(let c) = column { c } else { nil }
    }
}

extension UInt16: FixedWidthValue {
    public static var defaultDataType: DataType { .uint16 }
    public static func wrap(_ column: PrimitiveColumn<UInt16>) -> Column { .uint16(column) }
    public static func unwrap(_ column: Column) -> PrimitiveColumn<UInt16>? {
        if case .uint16(let c) = column { c } else { nil }
    }
}

extension UInt32: FixedWidthValue {
    public static var defaultDataType: DataType { .uint32 }
    public static func wrap(_ column: PrimitiveColumn<UInt32>) -> Column { .uint32(column) }
    public static func unwrap(_ column: Column) -> PrimitiveColumn<UInt32>? {
        if case .uint32(let c) = column { c } else { nil }
    }
}

extension UInt64: FixedWidthValue {
    public static var defaultDataType: DataType { .uint64 }
    public static func wrap(_ column: PrimitiveColumn<UInt64>) -> Column { .uint64(column) }
    public static func unwrap(_ column: Column) -> PrimitiveColumn<UInt64>? {
        if case .uint64(let c) = column { c } else { nil }
    }
}

extension Float: FixedWidthValue {
    public static var defaultDataType: DataType { .float32 }
    public static func canStore(_ type: DataType) -> Bool { type == .float32 }
    public init?(scalar: ScalarValue, type: DataType) {
        guard type == .float32 else { return nil }
        switch scalar {
        case .float(let v): self = v
        case .double(let v) where v.isNaN || Double(Float(v)) == v: self = Float(v)
        default: return nil
        }
    }
    public func scalar(type: DataType) -> ScalarValue { .float(self) }
    public static func wrap(_ column: PrimitiveColumn<Float>) -> Column { .float32(column) }
    public static func unwrap(_ column: Column) -> PrimitiveColumn<Float>? {
        if case .float32(let c) = column { c } else { nil }
    }
}

extension Double: FixedWidthValue {
    public static var defaultDataType: DataType { .float64 }
    public static func canStore(_ type: DataType) -> Bool { type == .float64 }
    public init?(scalar: ScalarValue, type: DataType) {
        guard type == .float64 else { return nil }
        switch scalar {
        case .double(let v): self = v
        case .float(let v): self = Double(v)
        default: return nil
        }
    }
    public func scalar(type: DataType) -> ScalarValue { .double(self) }
    public static func wrap(_ column: PrimitiveColumn<Double>) -> Column { .float64(column) }
    public static func unwrap(_ column: Column) -> PrimitiveColumn<Double>? {
        if case .float64(let c) = column { c } else { nil }
    }
}

extension Int128: FixedWidthValue {
    /// The widest decimal with integral values.
    public static var defaultDataType: DataType { .decimal(precision: 38, scale: 0) }
    public static func canStore(_ type: DataType) -> Bool {
        if case .decimal = type { true } else { false }
    }
    /// Accepts a decimal scalar of the column's scale whose digits fit the column's precision.
    public init?(scalar: ScalarValue, type: DataType) {
        guard case .decimal(let precision, let scale) = type,
              case .decimal(let v, _, let valueScale) = scalar, valueScale == scale,
              v.magnitude < Int128.powerOfTen(precision).magnitude
        else { return nil }
        self = v
    }
    public func scalar(type: DataType) -> ScalarValue {
        guard case .decimal(let precision, let scale) = type else { return .decimal(self, precision: 38, scale: 0) }
        return .decimal(self, precision: precision, scale: scale)
    }
    public static func wrap(_ column: PrimitiveColumn<Int128>) -> Column { .decimal128(column) }
    public static func unwrap(_ column: Column) -> PrimitiveColumn<Int128>? {
        if case .decimal128(let c) = column { c } else { nil }
    }

    /// 10^exponent, saturating at `Int128.max` above 10^38.
    static func powerOfTen(_ exponent: Int) -> Int128 {
        var result: Int128 = 1
        for _ in 0..<Swift.max(0, exponent) {
            let (next, overflow) = result.multipliedReportingOverflow(by: 10)
            if overflow { return .max }
            result = next
        }
        return result
    }
}
