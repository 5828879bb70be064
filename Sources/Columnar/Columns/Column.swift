/// A column of any type: an enum over the concrete layouts, each an immutable,
/// `Sendable` value whose buffers are shared by slices.
///
/// Cases follow the physical layout, not the logical type: a `date32` column
/// is `.int32` and a timestamp column `.int64` (see `dataType` for the logical
/// type); `string` and `binary` columns are both `.binary`; decimals are `.decimal128`.
/// Kernels switch on the case (or call `primitive(_:)`) once per column and
/// then run over `withUnsafeBufferPointer`.
public enum Column: Sendable, CustomStringConvertible {
    case bool(BooleanColumn)
    case int8(PrimitiveColumn<Int8>)
    case int16(PrimitiveColumn<Int16>)
    /// `int32`, `date32`, `time32`.
    case int32(PrimitiveColumn<Int32>)
    /// `int64`, `timestamp`, `time64`.
    case int64(PrimitiveColumn<Int64>)
    case uint8(PrimitiveColumn<UInt8>)
    case uint16(PrimitiveColumn<UInt16>)
    case uint32(PrimitiveColumn<UInt32>)
    case uint64(PrimitiveColumn<UInt64>)
    case float32(PrimitiveColumn<Float>)
    case float64(PrimitiveColumn<Double>)
    /// `decimal(precision, scale)`, stored as unscaled `Int128`.
    case decimal128(PrimitiveColumn<Int128>)
    /// `string` and `binary`.
    case binary(BinaryColumn)
    case fixedSizeBinary(FixedSizeBinaryColumn)
    case `struct`(StructColumn)
    indirect case list(ListColumn)
    indirect case map(MapColumn)

    /// Wraps a primitive column in its case.
    public init<Value: FixedWidthValue>(_ column: PrimitiveColumn<Value>) { self = Value.wrap(column) }
    /// Wraps a boolean column.
    public init(_ column: BooleanColumn) { self = .bool(column) }
    /// Wraps a string or binary column.
    public init(_ column: BinaryColumn) { self = .binary(column) }
    /// Wraps a fixed-size binary column.
    public init(_ column: FixedSizeBinaryColumn) { self = .fixedSizeBinary(column) }
    /// Wraps a struct column.
    public init(_ column: StructColumn) { self = .struct(column) }
    /// Wraps a list column.
    public init(_ column: ListColumn) { self = .list(column) }
    /// Wraps a map column.
    public init(_ column: MapColumn) { self = .map(column) }

    /// Builds a column of `type` from scalar values (`.null` for nulls).
    public init(type: DataType, values: some Sequence<ScalarValue>) throws(ColumnarError) {
        let builder = makeColumnBuilder(for: type)
        for value in values { try builder.append(scalar: value) }
        self = builder.finish()
    }

    /// The logical type.
    public var dataType: DataType {
        switch self {
        case .bool: .bool
        case .int8(let c): c.dataType
        case .int16(let c): c.dataType
        case .int32(let c): c.dataType
        case .int64(let c): c.dataType
        case .uint8(let c): c.dataType
        case .uint16(let c): c.dataType
        case .uint32(let c): c.dataType
        case .uint64(let c): c.dataType
        case .float32(let c): c.dataType
        case .float64(let c): c.dataType
        case .decimal128(let c): c.dataType
        case .binary(let c): c.dataType
        case .fixedSizeBinary(let c): c.dataType
        case .struct(let c): c.dataType
        case .list(let c): c.dataType
        case .map(let c): c.dataType
        }
    }

    /// The number of rows.
    public var count: Int {
        switch self {
        case .bool(let c): c.count
        case .int8(let c): c.count
        case .int16(let c): c.count
        case .int32(let c): c.count
        case .int64(let c): c.count
        case .uint8(let c): c.count
        case .uint16(let c): c.count
        case .uint32(let c): c.count
        case .uint64(let c): c.count
        case .float32(let c): c.count
        case .float64(let c): c.count
        case .decimal128(let c): c.count
        case .binary(let c): c.count
        case .fixedSizeBinary(let c): c.count
        case .struct(let c): c.count
        case .list(let c): c.count
        case .map(let c): c.count
        }
    }

    /// The validity bitmap (bit set = valid), nil when every row is valid.
    public var validity: Bitmap? {
        switch self {
        case .bool(let c): c.validity
        case .int8(let c): c.validity
        case .int16(let c): c.validity
        case .int32(let c): c.validity
        case .int64(let c): c.validity
        case .uint8(let c): c.validity
        case .uint16(let c): c.validity
        case .uint32(let c): c.validity
        case .uint64(let c): c.validity
        case .float32(let c): c.validity
        case .float64(let c): c.validity
        case .decimal128(let c): c.validity
        case .binary(let c): c.validity
        case .fixedSizeBinary(let c): c.validity
        case .struct(let c): c.validity
        case .list(let c): c.validity
        case .map(let c): c.validity
        }
    }

    /// The number of null rows (computed when the column or slice was made).
    public var nullCount: Int {
        switch self {
        case .bool(let c): c.nullCount
        case .int8(let c): c.nullCount
        case .int16(let c): c.nullCount
        case .int32(let c): c.nullCount
        case .int64(let c): c.nullCount
        case .uint8(let c): c.nullCount
        case .uint16(let c): c.nullCount
        case .uint32(let c): c.nullCount
        case .uint64(let c): c.nullCount
        case .float32(let c): c.nullCount
        case .float64(let c): c.nullCount
        case .decimal128(let c): c.nullCount
        case .binary(let c): c.nullCount
        case .fixedSizeBinary(let c): c.nullCount
        case .struct(let c): c.nullCount
        case .list(let c): c.nullCount
        case .map(let c): c.nullCount
        }
    }

    /// True when row `index` is null.
    public func isNull(_ index: Int) -> Bool {
        precondition(index >= 0 && index < count, "Column: row \(index) out of range 0..<\(count)")
        guard let validity else { return false }
        return !validity[index]
    }

    /// The rows `offset..<offset+count`, sharing this column's buffers (no values are copied).
    public func slice(offset: Int, count: Int) -> Column {
        switch self {
        case .bool(let c): .bool(c.slice(offset: offset, count: count))
        case .int8(let c): .int8(c.slice(offset: offset, count: count))
        case .int16(let c): .int16(c.slice(offset: offset, count: count))
        case .int32(let c): .int32(c.slice(offset: offset, count: count))
        case .int64(let c): .int64(c.slice(offset: offset, count: count))
        case .uint8(let c): .uint8(c.slice(offset: offset, count: count))
        case .uint16(let c): .uint16(c.slice(offset: offset, count: count))
        case .uint32(let c): .uint32(c.slice(offset: offset, count: count))
        case .uint64(let c): .uint64(c.slice(offset: offset, count: count))
        case .float32(let c): .float32(c.slice(offset: offset, count: count))
        case .float64(let c): .float64(c.slice(offset: offset, count: count))
        case .decimal128(let c): .decimal128(c.slice(offset: offset, count: count))
        case .binary(let c): .binary(c.slice(offset: offset, count: count))
        case .fixedSizeBinary(let c): .fixedSizeBinary(c.slice(offset: offset, count: count))
        case .struct(let c): .struct(c.slice(offset: offset, count: count))
        case .list(let c): .list(c.slice(offset: offset, count: count))
        case .map(let c): .map(c.slice(offset: offset, count: count))
        }
    }

    /// The typed column when this column stores `Value`s, e.g. `column.primitive(Double.self)`.
    public func primitive<Value: FixedWidthValue>(_ type: Value.Type) -> PrimitiveColumn<Value>? {
        Value.unwrap(self)
    }

    /// The boolean column, if this is one.
    public var asBoolean: BooleanColumn? { if case .bool(let c) = self { c } else { nil } }
    /// The string or binary column, if this is one.
    public var asBinary: BinaryColumn? { if case .binary(let c) = self { c } else { nil } }
    /// The fixed-size binary column, if this is one.
    public var asFixedSizeBinary: FixedSizeBinaryColumn? { if case .fixedSizeBinary(let c) = self { c } else { nil } }
    /// The struct column, if this is one.
    public var asStruct: StructColumn? { if case .struct(let c) = self { c } else { nil } }
    /// The list column, if this is one.
    public var asList: ListColumn? { if case .list(let c) = self { c } else { nil } }
    /// The map column, if this is one.
    public var asMap: MapColumn? { if case .map(let c) = self { c } else { nil } }

    /// Row `index` as a scalar (`.null` when null), converted to its logical type.
    public func value(at index: Int) -> ScalarValue {
        if isNull(index) { return .null }
        switch self {
        case .bool(let c): return .bool(c.value(at: index))
        case .int8(let c): return c.value(at: index).scalar(type: c.dataType)
        case .int16(let c): return c.value(at: index).scalar(type: c.dataType)
        case .int32(let c): return c.value(at: index).scalar(type: c.dataType)
        case .int64(let c): return c.value(at: index).scalar(type: c.dataType)
        case .uint8(let c): return c.value(at: index).scalar(type: c.dataType)
        case .uint16(let c): return c.value(at: index).scalar(type: c.dataType)
        case .uint32(let c): return c.value(at: index).scalar(type: c.dataType)
        case .uint64(let c): return c.value(at: index).scalar(type: c.dataType)
        case .float32(let c): return c.value(at: index).scalar(type: c.dataType)
        case .float64(let c): return c.value(at: index).scalar(type: c.dataType)
        case .decimal128(let c): return c.value(at: index).scalar(type: c.dataType)
        case .binary(let c):
            return c.isUTF8 ? .string(c.string(at: index)!) : .binary(c.bytes(at: index)!)
        case .fixedSizeBinary(let c): return .binary(c.bytes(at: index)!)
        case .struct(let c):
            return .struct(zip(c.fields, c.children).map { (name: $0.name, value: $1.value(at: index)) })
        case .list(let c):
            return .list(c.valueRange(at: index).map { c.values.value(at: $0) })
        case .map(let c):
            return .map(c.entryRange(at: index).map { (key: c.keys.value(at: $0), value: c.items.value(at: $0)) })
        }
    }

    /// Every row as a scalar.
    public var scalars: [ScalarValue] { (0..<count).map { value(at: $0) } }

    /// The type and the rows as JSON values, e.g. `int64 [1, null, 3]`; past 20 rows the rest is counted, not shown.
    public var description: String {
        let shown = (0..<Swift.min(count, 20)).map { value(at: $0).json }
        let more = count > 20 ? ", … \(count - 20) more" : ""
        return "\(dataType) [" + shown.joined(separator: ", ") + more + "]"
    }

    /// Appends the rows of `columns`, in order, into one new column; throws when their types differ.
    public static func concatenate(_ columns: [Column]) throws(ColumnarError) -> Column {
        guard let first = columns.first else { throw .emptyConcatenation }
        let builder = makeColumnBuilder(for: first.dataType, capacity: columns.reduce(0) { $0 + $1.count })
        for column in columns { try builder.append(column: column) }
        return builder.finish()
    }
}

extension Column {
    /// About how many bytes the column's values take in memory (values, offsets, children; not
    /// validity): what a writer cutting row groups by size counts.
    public var estimatedByteCount: Int {
        switch self {
        case .bool(let c): return (c.count + 7) / 8
        case .binary(let c): return c.count * 4 + (c.count == 0 ? 0 : c.byteRange(at: c.count - 1).upperBound - c.byteRange(at: 0).lowerBound)
        case .struct(let c): return c.children.reduce(0) { $0 + $1.estimatedByteCount }
        case .list(let c): return c.count * 4 + c.values.estimatedByteCount
        case .map(let c): return c.count * 4 + c.keys.estimatedByteCount + c.items.estimatedByteCount
        default: return count * (dataType.byteWidth ?? 8)
        }
    }
}
