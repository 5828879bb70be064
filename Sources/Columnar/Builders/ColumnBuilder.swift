/// Appends rows of one type and produces an immutable `Column`.
///
/// Builders are reference types meant for one task at a time (not `Sendable`);
/// nested builders hand out their children so values can be appended in place.
/// After `finish()` a builder is empty and can be reused.
public protocol ColumnBuilder: AnyObject {
    /// The type of the column being built.
    var dataType: DataType { get }
    /// The number of rows appended so far.
    var count: Int { get }
    /// The number of null rows appended so far.
    var nullCount: Int { get }
    /// Appends one null row.
    func appendNull()
    /// Appends `n` null rows.
    func appendNulls(_ n: Int)
    /// Appends a row given as a scalar (`.null` for a null row); throws, appending
    /// nothing, when the value does not fit the type.
    func append(scalar: ScalarValue) throws(ColumnarError)
    /// Appends every row of `column`, which must have exactly this builder's type.
    func append(column: Column) throws(ColumnarError)
    /// Makes room for `additional` more rows.
    func reserveCapacity(_ additional: Int)
    /// Returns the rows appended so far as a column and starts empty again.
    func finish() -> Column
}

extension ColumnBuilder {
    public func appendNulls(_ n: Int) {
        for _ in 0..<n { appendNull() }
    }

    /// Appends each scalar in turn (see `append(scalar:)`).
    public func append(scalars: some Sequence<ScalarValue>) throws(ColumnarError) {
        for scalar in scalars { try append(scalar: scalar) }
    }
}

/// Makes an empty builder for columns of `type`, with room for `capacity` rows.
public func makeColumnBuilder(for type: DataType, capacity: Int = 0) -> any ColumnBuilder {
    switch type {
    case .bool: BooleanColumnBuilder(capacity: capacity)
    case .int8: PrimitiveColumnBuilder<Int8>(type: type, capacity: capacity)
    case .int16: PrimitiveColumnBuilder<Int16>(type: type, capacity: capacity)
    case .int32, .date32, .time(.second), .time(.milli): PrimitiveColumnBuilder<Int32>(type: type, capacity: capacity)
    case .int64, .timestamp, .time: PrimitiveColumnBuilder<Int64>(type: type, capacity: capacity)
    case .uint8: PrimitiveColumnBuilder<UInt8>(type: type, capacity: capacity)
    case .uint16: PrimitiveColumnBuilder<UInt16>(type: type, capacity: capacity)
    case .uint32: PrimitiveColumnBuilder<UInt32>(type: type, capacity: capacity)
    case .uint64: PrimitiveColumnBuilder<UInt64>(type: type, capacity: capacity)
    case .float32: PrimitiveColumnBuilder<Float>(type: type, capacity: capacity)
    case .float64: PrimitiveColumnBuilder<Double>(type: type, capacity: capacity)
    case .decimal: PrimitiveColumnBuilder<Int128>(type: type, capacity: capacity)
    case .string, .binary: BinaryColumnBuilder(type: type, capacity: capacity)
    case .fixedSizeBinary(let width): FixedSizeBinaryColumnBuilder(byteWidth: width, capacity: capacity)
    case .struct(let fields): StructColumnBuilder(fields: fields, capacity: capacity)
    case .list(let item): ListColumnBuilder(field: item, capacity: capacity)
    case .map(let keys, let values, let sorted):
        MapColumnBuilder(keyField: keys, valueField: values, keysSorted: sorted, capacity: capacity)
    }
}

/// Tracks validity for a builder, allocating the bitmap only once a null arrives.
@usableFromInline
final class ValidityBuilder {
    // Unchecked for speed, as in `ByteStorage`.
    @exclusivity(unchecked) @usableFromInline var count = 0
    @exclusivity(unchecked) @usableFromInline var nullCount = 0
    @exclusivity(unchecked) @usableFromInline var bits: BitmapBuilder?

    @usableFromInline init() {}

    @inlinable func appendValid() {
        count &+= 1
        if let bits { bits.append(true) }
    }

    func appendValid(_ n: Int) {
        count += n
        bits?.append(repeating: true, count: n)
    }

    func appendNulls(_ n: Int) {
        guard n > 0 else { return }
        materialize().append(repeating: false, count: n)
        count += n
        nullCount += n
    }

    /// Appends the validity of `n` rows taken from a column (`nil` = all valid).
    func append(_ validity: Bitmap?, count n: Int) {
        guard let validity else { return appendValid(n) }
        let nulls = validity.unsetCount
        if nulls == 0 { return appendValid(n) }
        materialize().append(validity)
        count += n
        nullCount += nulls
    }

    private func materialize() -> BitmapBuilder {
        if let bits { return bits }
        let created = BitmapBuilder(capacity: count + 64)
        created.append(repeating: true, count: count)
        bits = created
        return created
    }

    /// The bitmap so far, or nil when there were no nulls; then starts empty again.
    func finish() -> Bitmap? {
        defer {
            count = 0
            nullCount = 0
            bits = nil
        }
        return nullCount > 0 ? bits?.finish() : nil
    }
}

extension DataType {
    /// True when `scalar` can be appended to a column of this type (`.null` always can).
    public func accepts(_ scalar: ScalarValue) -> Bool {
        if case .null = scalar { return true }
        switch self {
        case .bool: if case .bool = scalar { return true } else { return false }
        case .int8: return Int8(scalar: scalar, type: self) != nil
        case .int16: return Int16(scalar: scalar, type: self) != nil
        case .int32, .date32, .time(.second), .time(.milli): return Int32(scalar: scalar, type: self) != nil
        case .int64, .timestamp, .time: return Int64(scalar: scalar, type: self) != nil
        case .uint8: return UInt8(scalar: scalar, type: self) != nil
        case .uint16: return UInt16(scalar: scalar, type: self) != nil
        case .uint32: return UInt32(scalar: scalar, type: self) != nil
        case .uint64: return UInt64(scalar: scalar, type: self) != nil
        case .float32: return Float(scalar: scalar, type: self) != nil
        case .float64: return Double(scalar: scalar, type: self) != nil
        case .decimal: return Int128(scalar: scalar, type: self) != nil
        case .string: if case .string = scalar { return true } else { return false }
        case .binary: if case .binary = scalar { return true } else { return false }
        case .fixedSizeBinary(let width): if case .binary(let bytes) = scalar { return bytes.count == width } else { return false }
        case .struct(let fields):
            guard case .struct(let entries) = scalar else { return false }
            // Every entry must name a field; fields without an entry become null.
            return entries.allSatisfy { entry in
                fields.first { $0.name == entry.name }.map { $0.type.accepts(entry.value) } ?? false
            }
        case .list(let item):
            guard case .list(let items) = scalar else { return false }
            return items.allSatisfy { item.type.accepts($0) }
        case .map(let keys, let values, _):
            guard case .map(let entries) = scalar else { return false }
            return entries.allSatisfy { keys.type.accepts($0.key) && values.type.accepts($0.value) }
        }
    }
}
