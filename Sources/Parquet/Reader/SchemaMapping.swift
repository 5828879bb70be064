import Columnar

/// One flat (top-level, non-repeated) leaf column of a Parquet file and how it maps to Columnar.
public struct ParquetLeafColumn: Sendable {
    /// The column's name (also its Columnar field name).
    public var name: String
    /// Index of the column among the file's leaves: its `ColumnChunk` in every row group.
    public var leafIndex: Int
    /// The schema element describing it.
    public var element: SchemaElement
    /// The Columnar field it is read as.
    public var field: Field
    /// 0 for REQUIRED columns, 1 for OPTIONAL ones.
    public var maxDefinitionLevel: Int

    public var physicalType: PhysicalType { element.type ?? .boolean }
}

/// The Columnar view of a Parquet schema. Only flat schemas are read for now: the root's children
/// must be leaves that are REQUIRED or OPTIONAL. Any other top-level column (a group, a repeated
/// leaf) is recorded in `unsupported` with the error reading it gives, so the flat columns of a
/// partly nested file can still be read by projection.
public struct ParquetSchemaMapping: Sendable {
    /// Every top-level column name in file order, readable or not.
    public var topLevelNames: [String]
    /// The readable top-level columns, in file order.
    public var leaves: [ParquetLeafColumn]
    /// Top-level columns that cannot be read yet, by name, with the reason.
    public var unsupported: [String: ParquetReadError]
    /// How many leaf columns the schema has (the number of column chunks per row group).
    public var leafCount: Int

    /// The Columnar schema of the readable columns (unsupported ones left out).
    public var schema: Schema { Schema(leaves.map(\.field)) }

    /// Maps `elements` (the flattened tree of `FileMetaData.schema`, root first).
    public init(_ elements: [SchemaElement]) throws(ParquetReadError) {
        guard let root = elements.first else {
            throw ParquetReadError(kind: .corruptMetadata, message: "the schema has no root element")
        }
        let rootChildren = Int(root.numChildren ?? 0)
        guard root.isGroup, rootChildren >= 0, rootChildren < elements.count else {
            throw ParquetReadError(
                kind: .corruptMetadata,
                message: "the schema root '\(root.name)' claims \(root.numChildren.map(String.init) ?? "no") children but the schema lists \(elements.count - 1) further elements")
        }
        var names: [String] = []
        var leaves: [ParquetLeafColumn] = []
        var unsupported: [String: ParquetReadError] = [:]
        var seen = Set<String>()
        var position = 1
        var leafIndex = 0
        for _ in 0 ..< rootChildren {
            guard position < elements.count else {
                throw ParquetReadError(kind: .corruptMetadata, message: "the schema ends before the root's \(rootChildren) children do")
            }
            let element = elements[position]
            let name = element.name
            guard seen.insert(name).inserted else {
                throw ParquetReadError(kind: .corruptMetadata, column: name, message: "the schema has two top-level columns named '\(name)'")
            }
            names.append(name)
            if element.isGroup {
                let (end, leafCountInGroup, firstLeafPath) = try Self.skipSubtree(elements, at: position, path: [])
                unsupported[name] = ParquetReadError(
                    kind: .unsupported, column: firstLeafPath.joined(separator: "."),
                    message: "nested column '\(firstLeafPath.joined(separator: "."))' is not supported yet")
                position = end
                leafIndex += leafCountInGroup
                continue
            }
            let repetition = element.repetitionType ?? .required
            if repetition != .required && repetition != .optional {
                unsupported[name] = ParquetReadError(
                    kind: .unsupported, column: name,
                    message: "nested column '\(name)' (\(repetition) leaf) is not supported yet")
            } else {
                do throws(ParquetReadError) {
                    let type = try Self.dataType(of: element)
                    let nullable = repetition == .optional
                    leaves.append(ParquetLeafColumn(
                        name: name, leafIndex: leafIndex, element: element,
                        field: Field(name, type, nullable: nullable), maxDefinitionLevel: nullable ? 1 : 0))
                } catch {
                    unsupported[name] = error
                }
            }
            position += 1
            leafIndex += 1
        }
        guard position == elements.count else {
            throw ParquetReadError(
                kind: .corruptMetadata,
                message: "the schema lists \(elements.count) elements but the root's children span only \(position)")
        }
        self.topLevelNames = names
        self.leaves = leaves
        self.unsupported = unsupported
        self.leafCount = leafIndex
    }

    /// Walks the subtree at `index`; returns the index after it, its leaf count and the path of
    /// its first leaf (for error messages).
    private static func skipSubtree(_ elements: [SchemaElement], at index: Int, path: [String]) throws(ParquetReadError)
        -> (end: Int, leaves: Int, firstLeaf: [String])
    {
        // An explicit stack instead of recursion: a hostile schema may nest deeply.
        var stack: [Int] = [1]  // children still to visit per open group
        var position = index
        var leaves = 0
        var firstLeaf: [String] = []
        var currentPath = path
        while !stack.isEmpty {
            if stack[stack.count - 1] == 0 {
                stack.removeLast()
                // One open group per stack entry after the first: drop the group just finished.
                while currentPath.count > max(0, stack.count - 1) { currentPath.removeLast() }
                continue
            }
            stack[stack.count - 1] -= 1
            guard position < elements.count else {
                throw ParquetReadError(kind: .corruptMetadata, message: "the schema ends inside group '\(elements[index].name)'")
            }
            let element = elements[position]
            position += 1
            if element.isGroup {
                let children = Int(element.numChildren ?? 0)
                guard children >= 0, children <= elements.count - position else {
                    throw ParquetReadError(
                        kind: .corruptMetadata, column: element.name,
                        message: "group '\(element.name)' claims \(children) children, more than the schema holds")
                }
                currentPath.append(element.name)
                stack.append(children)
            } else {
                leaves += 1
                if firstLeaf.isEmpty { firstLeaf = currentPath + [element.name] }
            }
        }
        if firstLeaf.isEmpty { firstLeaf = [elements[index].name] }
        return (position, leaves, firstLeaf)
    }

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
            // FLOAT16 (and UUID, INTERVAL) stay raw fixed-size bytes for now.
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
