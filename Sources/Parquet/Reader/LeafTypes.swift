import Columnar

// How a Parquet leaf's physical and logical (or converted) type maps to a Columnar type.
extension ParquetSchemaMapping {
    /// The Columnar type of a leaf, from its physical type and logical (or converted) type.
    public static func dataType(of element: SchemaElement) throws(ParquetReadError) -> DataType {
        let name = element.name
        func unsupported(_ what: String) -> ParquetReadError {
            ParquetReadError(kind: .unsupported, column: name, message: what)
        }
        func decimal(_ precision: Int32?, _ scale: Int32?, maxPrecision: Int) throws(ParquetReadError) -> DataType {
            guard let precision, let scale, precision >= 1, scale >= 0, scale <= precision else {
                throw ParquetReadError(
                    kind: .corruptMetadata, column: name,
                    message: "DECIMAL with precision \(precision.map(String.init) ?? "unset") and scale \(scale.map(String.init) ?? "unset") is invalid")
            }
            guard precision <= 38 else { throw unsupported("DECIMAL precision \(precision) is above 38, which is not supported yet") }
            guard precision <= maxPrecision else {
                throw ParquetReadError(
                    kind: .corruptMetadata, column: name,
                    message: "DECIMAL precision \(precision) does not fit the physical type \(element.type.map { "\($0)" } ?? "")")
            }
            return .decimal(precision: Int(precision), scale: Int(scale))
        }
        let logical = element.logicalType
        let converted = element.convertedType
        guard let physical = element.type else { throw unsupported("'\(name)' is a group") }
        switch physical {
        case .boolean:
            return .bool
        case .int32:
            switch logical {
            case .integer(let bits, let signed)?:
                switch (bits, signed) {
                case (8, true): return .int8
                case (16, true): return .int16
                case (32, true): return .int32
                case (8, false): return .uint8
                case (16, false): return .uint16
                case (32, false): return .uint32
                default: throw unsupported("INTEGER(\(bits)) on INT32 is invalid")
                }
            case .date?: return .date32
            case .time(_, .millis)?: return .time(.milli)
            case .decimal(let scale, let precision)?: return try decimal(precision, scale, maxPrecision: 9)
            default: break
            }
            switch converted {
            case .int8?: return .int8
            case .int16?: return .int16
            case .uint8?: return .uint8
            case .uint16?: return .uint16
            case .uint32?: return .uint32
            case .date?: return .date32
            case .timeMillis?: return .time(.milli)
            case .decimal?: return try decimal(element.precision, element.scale, maxPrecision: 9)
            default: return .int32
            }
        case .int64:
            switch logical {
            case .integer(let bits, let signed)?:
                guard bits == 64 else { throw unsupported("INTEGER(\(bits)) on INT64 is invalid") }
                return signed ? .int64 : .uint64
            case .timestamp(let adjusted, let unit)?:
                return .timestamp(columnarUnit(unit), timezone: adjusted ? "UTC" : nil)
            case .time(_, let unit)?:
                guard unit != .millis else { throw unsupported("TIME(MILLIS) on INT64 is invalid") }
                return .time(columnarUnit(unit))
            case .decimal(let scale, let precision)?: return try decimal(precision, scale, maxPrecision: 18)
            default: break
            }
            switch converted {
            case .uint64?: return .uint64
            case .timestampMillis?: return .timestamp(.milli, timezone: "UTC")
            case .timestampMicros?: return .timestamp(.micro, timezone: "UTC")
            case .timeMicros?: return .time(.micro)
            case .decimal?: return try decimal(element.precision, element.scale, maxPrecision: 18)
            default: return .int64
            }
        case .int96:
            return .timestamp(.nano, timezone: nil)
        case .float:
            return .float32
        case .double:
            return .float64
        case .byteArray:
            switch logical {
            case .string?, .enum?, .json?: return .string
            case .decimal(let scale, let precision)?: return try decimal(precision, scale, maxPrecision: 38)
            default: break
            }
            switch converted {
            case .utf8?, .enum?, .json?: return .string
            case .decimal?: return try decimal(element.precision, element.scale, maxPrecision: 38)
            default: return .binary
            }
        case .fixedLenByteArray:
            guard let length = element.typeLength, length > 0, length <= 1 << 20 else {
                throw ParquetReadError(
                    kind: .corruptMetadata, column: name,
                    message: "FIXED_LEN_BYTE_ARRAY with type_length \(element.typeLength.map(String.init) ?? "unset") is invalid")
            }
            // Bytes needed for a decimal of p digits: the spec's bound floor(log10(2^(8n-1) - 1)).
            let maxDigits = length >= 16 ? 38 : Int((Double(8 * Int(length) - 1) * 0.30102999566398120).rounded(.down))
            switch logical {
            case .decimal(let scale, let precision)?: return try decimal(precision, scale, maxPrecision: maxDigits)
            default: break
            }
            if converted == .decimal { return try decimal(element.precision, element.scale, maxPrecision: maxDigits) }
            // FLOAT16 is read as Float (every half is exactly a Float); UUID and INTERVAL stay bytes.
            if case .float16? = logical, length == 2 { return .float32 }
            return .fixedSizeBinary(Int(length))
        default:
            throw ParquetReadError(kind: .corruptMetadata, column: name, message: "unknown physical type \(physical)")
        }
    }

    static func columnarUnit(_ unit: Parquet.TimeUnit) -> Columnar.TimeUnit {
        switch unit {
        case .millis: .milli
        case .micros: .micro
        case .nanos: .nano
        }
    }
}
