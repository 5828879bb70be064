import Columnar

/// How one Columnar field is stored: its Parquet schema element and physical representation.
struct LeafPlan {
    /// The physical values a column's non-null entries become.
    enum Storage {
        case boolean
        case int32(unsigned: Bool)
        case int64(unsigned: Bool)
        case float
        case double
        case byteArray
        case fixedLen(Int)
        /// Decimal stored as big-endian two's complement in `width` bytes.
        case decimalBytes(width: Int)
    }

    var element: SchemaElement
    var storage: Storage
    var physical: PhysicalType
    /// Multiplier (or divisor, when negative) from the column's time unit to the stored one
    /// (timestamps: microseconds; time of day in seconds: milliseconds).
    var timestampScale: Int64 = 1

    /// The plan for a primitive field (named `label` in messages: its full column path), or an error naming it.
    static func make(_ field: Field, path: String, label: String? = nil) throws(ParquetWriteError) -> LeafPlan {
        let label = label ?? field.name
        let repetition: FieldRepetitionType = field.nullable ? .optional : .required
        func element(_ physical: PhysicalType, logical: LogicalType? = nil, converted: ConvertedType? = nil,
                     length: Int32? = nil, precision: Int32? = nil, scale: Int32? = nil) -> SchemaElement {
            SchemaElement(name: field.name, type: physical, typeLength: length, repetitionType: repetition,
                          convertedType: converted, scale: scale, precision: precision, logicalType: logical)
        }
        func int(_ bits: Int8, _ signed: Bool, _ converted: ConvertedType) -> LeafPlan {
            let physical: PhysicalType = bits == 64 ? .int64 : .int32
            return LeafPlan(element: element(physical, logical: .integer(bitWidth: bits, isSigned: signed), converted: converted),
                            storage: bits == 64 ? .int64(unsigned: !signed) : .int32(unsigned: !signed), physical: physical)
        }
        switch field.type {
        case .bool: return LeafPlan(element: element(.boolean), storage: .boolean, physical: .boolean)
        case .int8: return int(8, true, .int8)
        case .int16: return int(16, true, .int16)
        case .int32: return LeafPlan(element: element(.int32), storage: .int32(unsigned: false), physical: .int32)
        case .int64: return LeafPlan(element: element(.int64), storage: .int64(unsigned: false), physical: .int64)
        case .uint8: return int(8, false, .uint8)
        case .uint16: return int(16, false, .uint16)
        case .uint32: return int(32, false, .uint32)
        case .uint64: return int(64, false, .uint64)
        case .float32: return LeafPlan(element: element(.float), storage: .float, physical: .float)
        case .float64: return LeafPlan(element: element(.double), storage: .double, physical: .double)
        case .string: return LeafPlan(element: element(.byteArray, logical: .string, converted: .utf8), storage: .byteArray, physical: .byteArray)
        case .binary: return LeafPlan(element: element(.byteArray), storage: .byteArray, physical: .byteArray)
        case let .fixedSizeBinary(n):
            return LeafPlan(element: element(.fixedLenByteArray, length: Int32(n)), storage: .fixedLen(n), physical: .fixedLenByteArray)
        case .date32:
            return LeafPlan(element: element(.int32, logical: .date, converted: .date), storage: .int32(unsigned: false), physical: .int32)
        case let .timestamp(unit, timezone):
            // Written as INT64 microseconds (what Delta Lake requires).
            let utc = timezone != nil
            var plan = LeafPlan(element: element(.int64, logical: .timestamp(isAdjustedToUTC: utc, unit: .micros),
                                                 converted: utc ? .timestampMicros : nil),
                                storage: .int64(unsigned: false), physical: .int64)
            switch unit {
            case .second: plan.timestampScale = 1_000_000
            case .milli: plan.timestampScale = 1_000
            case .micro: plan.timestampScale = 1
            case .nano: plan.timestampScale = -1_000
            }
            return plan
        case let .time(unit):
            // TIME(isAdjustedToUTC=false), as pyarrow writes it: seconds and milliseconds as INT32
            // milliseconds, microseconds and nanoseconds as INT64 in their own unit.
            let stored: Parquet.TimeUnit = unit == .micro ? .micros : unit == .nano ? .nanos : .millis
            let physical: PhysicalType = stored == .millis ? .int32 : .int64
            var plan = LeafPlan(element: element(physical, logical: .time(isAdjustedToUTC: false, unit: stored)),
                                storage: physical == .int32 ? .int32(unsigned: false) : .int64(unsigned: false), physical: physical)
            if unit == .second { plan.timestampScale = 1_000 }
            return plan
        case let .decimal(precision, scale):
            guard precision >= 1, precision <= 38 else {
                throw ParquetWriteError(path: path, message: "column '\(label)': decimal precision \(precision) is outside 1...38")
            }
            let logical = LogicalType.decimal(scale: Int32(scale), precision: Int32(precision))
            if precision <= 9 {
                return LeafPlan(element: element(.int32, logical: logical, converted: .decimal, precision: Int32(precision), scale: Int32(scale)),
                                storage: .int32(unsigned: false), physical: .int32)
            }
            if precision <= 18 {
                return LeafPlan(element: element(.int64, logical: logical, converted: .decimal, precision: Int32(precision), scale: Int32(scale)),
                                storage: .int64(unsigned: false), physical: .int64)
            }
            let width = decimalWidth(precision)
            return LeafPlan(element: element(.fixedLenByteArray, logical: logical, converted: .decimal, length: Int32(width),
                                             precision: Int32(precision), scale: Int32(scale)),
                            storage: .decimalBytes(width: width), physical: .fixedLenByteArray)
        default:
            throw ParquetWriteError(path: path, message: "column '\(label)' of type \(field.type) cannot be written to Parquet yet")
        }
    }

    /// Fewest bytes whose two's complement holds every decimal of `precision` digits.
    static func decimalWidth(_ precision: Int) -> Int {
        var width = 1
        while true {
            // Largest magnitude in `width` signed bytes: 2^(8w-1) - 1, compared in log10.
            let digits = Double(8 * width - 1) * 0.301029995663981
            if digits >= Double(precision) { return width }
            width += 1
        }
    }
}
