/// A column of structs: one child column per field, each aligned row for row
/// with the struct, plus the struct's own validity bitmap.
///
/// A null struct row still has a slot in every child (null when built here).
public struct StructColumn: Sendable {
    /// The fields, in child order.
    public let fields: [Field]
    /// One column per field, each exactly `count` rows long.
    public let children: [Column]
    /// The number of rows.
    public let count: Int
    /// Row `i` is valid when bit `i` is set; nil when every row is valid.
    public let validity: Bitmap?
    /// The number of null rows.
    public let nullCount: Int

    /// Assembles a struct column; throws when children do not match `fields` in number, type or length.
    /// `count` is only needed when there are no fields.
    public init(fields: [Field], children: [Column], count: Int? = nil, validity: Bitmap? = nil) throws(ColumnarError) {
        guard fields.count == children.count else {
            throw .columnCountMismatch(expected: fields.count, actual: children.count)
        }
        let rows = count ?? children.first?.count ?? validity?.count ?? 0
        for (field, child) in zip(fields, children) {
            guard child.dataType == field.type else {
                throw .typeMismatch(field: field.name, expected: field.type, actual: child.dataType)
            }
            guard child.count == rows else { throw .lengthMismatch(field: field.name, expected: rows, actual: child.count) }
        }
        if let validity, validity.count != rows {
            throw .lengthMismatch(field: "<validity>", expected: rows, actual: validity.count)
        }
        self.init(unchecked: fields, children: children, count: rows, validity: validity)
    }

    init(unchecked fields: [Field], children: [Column], count: Int, validity: Bitmap?) {
        self.fields = fields
        self.children = children
        self.count = count
        self.validity = validity
        self.nullCount = validity.map(\.unsetCount) ?? 0
    }

    /// `.struct(fields)`.
    public var dataType: DataType { .struct(fields) }

    /// The child for the field called `name` (the first, if repeated).
    public func child(named name: String) -> Column? {
        fields.firstIndex { $0.name == name }.map { children[$0] }
    }

    /// True when row `index` is null.
    @inlinable
    public func isNull(_ index: Int) -> Bool {
        precondition(index >= 0 && index < count, "StructColumn: row \(index) out of range 0..<\(count)")
        guard let validity else { return false }
        return !validity[index]
    }

    /// The rows `offset..<offset+count`; children are sliced alike, buffers are shared.
    public func slice(offset: Int, count: Int) -> StructColumn {
        checkSlice(offset, count, of: self.count)
        return StructColumn(unchecked: fields, children: children.map { $0.slice(offset: offset, count: count) },
                            count: count, validity: validity?.slice(offset: offset, count: count))
    }
}

/// A column of lists: `Int32` offsets into one child column, as in Arrow.
///
/// Row `i` holds child rows `offsets[offset + i] ..< offsets[offset + i + 1]`.
/// Slicing a list column shares the child unchanged.
public struct ListColumn: Sendable {
    /// The item field (name, type and nullability of the child).
    public let field: Field
    /// `Int32` offsets into `values`; rows use entries `offset ... offset + count`.
    public let offsets: Buffer
    /// The concatenated items of all rows.
    public let values: Column
    /// The index of row 0's start offset within `offsets`.
    public let offset: Int
    /// The number of rows.
    public let count: Int
    /// Row `i` is valid when bit `i` is set; nil when every row is valid.
    public let validity: Bitmap?
    /// The number of null rows.
    public let nullCount: Int

    /// Assembles a list column; throws when `values` does not have the item field's type.
    public init(field: Field, offsets: Buffer, values: Column, offset: Int = 0, count: Int, validity: Bitmap? = nil) throws(ColumnarError) {
        guard values.dataType == field.type else {
            throw .typeMismatch(field: field.name, expected: field.type, actual: values.dataType)
        }
        checkOffsets(offsets, offset: offset, count: count, childCount: values.count, validity: validity, in: "ListColumn")
        self.init(unchecked: field, offsets: offsets, values: values, offset: offset, count: count, validity: validity)
    }

    init(unchecked field: Field, offsets: Buffer, values: Column, offset: Int, count: Int, validity: Bitmap?) {
        self.field = field
        self.offsets = offsets
        self.values = values
        self.offset = offset
        self.count = count
        self.validity = validity
        self.nullCount = validity.map(\.unsetCount) ?? 0
    }

    /// `.list(field)`.
    public var dataType: DataType { .list(field) }

    /// Calls `body` with the `count + 1` offsets bounding this column's rows.
    @inlinable
    public func withUnsafeOffsets<R, E: Error>(_ body: (UnsafeBufferPointer<Int32>) throws(E) -> R) throws(E) -> R {
        try offsets.withUnsafeBufferPointer(as: Int32.self, offset: offset, count: count + 1, body)
    }

    /// The child rows that make up row `index`.
    @inlinable
    public func valueRange(at index: Int) -> Range<Int> {
        precondition(index >= 0 && index < count, "ListColumn: row \(index) out of range 0..<\(count)")
        return Int(offsets.load(at: offset &+ index, as: Int32.self)) ..< Int(offsets.load(at: offset &+ index &+ 1, as: Int32.self))
    }

    /// The items of row `index` as a zero-copy slice of the child column.
    public func values(at index: Int) -> Column {
        let range = valueRange(at: index)
        return values.slice(offset: range.lowerBound, count: range.count)
    }

    /// True when row `index` is null.
    @inlinable
    public func isNull(_ index: Int) -> Bool {
        precondition(index >= 0 && index < count, "ListColumn: row \(index) out of range 0..<\(count)")
        guard let validity else { return false }
        return !validity[index]
    }

    /// The rows `offset..<offset+count`, sharing the offsets and the child.
    public func slice(offset: Int, count: Int) -> ListColumn {
        checkSlice(offset, count, of: self.count)
        return ListColumn(unchecked: field, offsets: offsets, values: values, offset: self.offset + offset,
                          count: count, validity: validity?.slice(offset: offset, count: count))
    }
}

/// A column of maps: `Int32` offsets into a keys column and a values column of equal length.
///
/// Row `i` holds entries `offsets[offset + i] ..< offsets[offset + i + 1]`.
/// (Arrow nests keys and values in a struct child; here they are two
/// children side by side, which is the same memory minus the struct.)
public struct MapColumn: Sendable {
    /// The key field (keys are normally not nullable).
    public let keyField: Field
    /// The value field.
    public let valueField: Field
    /// Whether each row's keys are sorted.
    public let keysSorted: Bool
    /// `Int32` offsets into `keys` and `items`; rows use entries `offset ... offset + count`.
    public let offsets: Buffer
    /// The keys of all rows, back to back.
    public let keys: Column
    /// The values of all rows, aligned with `keys`.
    public let items: Column
    /// The index of row 0's start offset within `offsets`.
    public let offset: Int
    /// The number of rows.
    public let count: Int
    /// Row `i` is valid when bit `i` is set; nil when every row is valid.
    public let validity: Bitmap?
    /// The number of null rows.
    public let nullCount: Int

    /// Assembles a map column; throws when the children do not match the fields or each other.
    public init(keyField: Field, valueField: Field, keysSorted: Bool = false, offsets: Buffer, keys: Column, items: Column,
                offset: Int = 0, count: Int, validity: Bitmap? = nil) throws(ColumnarError) {
        guard keys.dataType == keyField.type else {
            throw .typeMismatch(field: keyField.name, expected: keyField.type, actual: keys.dataType)
        }
        guard items.dataType == valueField.type else {
            throw .typeMismatch(field: valueField.name, expected: valueField.type, actual: items.dataType)
        }
        guard keys.count == items.count else {
            throw .lengthMismatch(field: valueField.name, expected: keys.count, actual: items.count)
        }
        checkOffsets(offsets, offset: offset, count: count, childCount: keys.count, validity: validity, in: "MapColumn")
        self.init(unchecked: keyField, valueField: valueField, keysSorted: keysSorted, offsets: offsets, keys: keys,
                  items: items, offset: offset, count: count, validity: validity)
    }

    init(unchecked keyField: Field, valueField: Field, keysSorted: Bool, offsets: Buffer, keys: Column, items: Column,
         offset: Int, count: Int, validity: Bitmap?) {
        self.keyField = keyField
        self.valueField = valueField
        self.keysSorted = keysSorted
        self.offsets = offsets
        self.keys = keys
        self.items = items
        self.offset = offset
        self.count = count
        self.validity = validity
        self.nullCount = validity.map(\.unsetCount) ?? 0
    }

    /// `.map(keys: keyField, values: valueField, keysSorted: keysSorted)`.
    public var dataType: DataType { .map(keys: keyField, values: valueField, keysSorted: keysSorted) }

    /// Calls `body` with the `count + 1` offsets bounding this column's rows.
    @inlinable
    public func withUnsafeOffsets<R, E: Error>(_ body: (UnsafeBufferPointer<Int32>) throws(E) -> R) throws(E) -> R {
        try offsets.withUnsafeBufferPointer(as: Int32.self, offset: offset, count: count + 1, body)
    }

    /// The entries (rows of `keys` and `items`) that make up row `index`.
    @inlinable
    public func entryRange(at index: Int) -> Range<Int> {
        precondition(index >= 0 && index < count, "MapColumn: row \(index) out of range 0..<\(count)")
        return Int(offsets.load(at: offset &+ index, as: Int32.self)) ..< Int(offsets.load(at: offset &+ index &+ 1, as: Int32.self))
    }

    /// The keys of row `index` as a zero-copy slice.
    public func keys(at index: Int) -> Column {
        let range = entryRange(at: index)
        return keys.slice(offset: range.lowerBound, count: range.count)
    }

    /// The values of row `index` as a zero-copy slice.
    public func items(at index: Int) -> Column {
        let range = entryRange(at: index)
        return items.slice(offset: range.lowerBound, count: range.count)
    }

    /// True when row `index` is null.
    @inlinable
    public func isNull(_ index: Int) -> Bool {
        precondition(index >= 0 && index < count, "MapColumn: row \(index) out of range 0..<\(count)")
        guard let validity else { return false }
        return !validity[index]
    }

    /// The rows `offset..<offset+count`, sharing the offsets and the children.
    public func slice(offset: Int, count: Int) -> MapColumn {
        checkSlice(offset, count, of: self.count)
        return MapColumn(unchecked: keyField, valueField: valueField, keysSorted: keysSorted, offsets: offsets,
                         keys: keys, items: items, offset: self.offset + offset, count: count,
                         validity: validity?.slice(offset: offset, count: count))
    }
}

/// Traps unless `offsets` holds `count + 1` non-decreasing entries from `offset`, all within `0...childCount`.
func checkOffsets(_ offsets: Buffer, offset: Int, count: Int, childCount: Int, validity: Bitmap?, in type: String) {
    precondition(offset >= 0 && count >= 0 && (offset + count + 1) * 4 <= offsets.byteCount,
                 "\(type): offsets buffer too small for rows \(offset)..<\(offset + count)")
    precondition(validity == nil || validity!.count == count,
                 "\(type): validity has \(validity?.count ?? 0) bits for \(count) rows")
    offsets.withUnsafeBufferPointer(as: Int32.self, offset: offset, count: count + 1) { bounds in
        precondition(bounds[0] >= 0 && Int(bounds[count]) <= childCount,
                     "\(type): offsets point outside the \(childCount)-row child")
        for i in 0..<count {
            precondition(bounds[i] <= bounds[i + 1], "\(type): offsets decrease at row \(i)")
        }
    }
}
