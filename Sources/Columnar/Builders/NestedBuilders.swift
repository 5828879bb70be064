/// Builds a `StructColumn`: append each field's value to its child builder,
/// then call `endStruct()`; `appendNull()` appends a null to every child too.
public final class StructColumnBuilder: ColumnBuilder {
    /// The fields, in child order.
    public let fields: [Field]
    /// One builder per field.
    public let children: [any ColumnBuilder]
    let validity = ValidityBuilder()

    /// Creates an empty builder with one child builder per field.
    public init(fields: [Field], capacity: Int = 0) {
        self.fields = fields
        children = fields.map { makeColumnBuilder(for: $0.type, capacity: capacity) }
    }

    public var dataType: DataType { .struct(fields) }
    public var count: Int { validity.count }
    public var nullCount: Int { validity.nullCount }

    /// The child builder for field `index`.
    public func child(at index: Int) -> any ColumnBuilder { children[index] }

    /// The child builder for field `index`, as its concrete builder type.
    public func child<Builder: ColumnBuilder>(at index: Int, as type: Builder.Type) -> Builder {
        guard let typed = children[index] as? Builder else {
            preconditionFailure("StructColumnBuilder: child \(index) is \(Swift.type(of: children[index])), not \(Builder.self)")
        }
        return typed
    }

    /// The child builder for the field called `name` (the first, if repeated).
    public func child(named name: String) -> (any ColumnBuilder)? {
        fields.firstIndex { $0.name == name }.map { children[$0] }
    }

    /// Ends a valid row; every child must have received exactly one value since the last row.
    public func endStruct() {
        for (field, child) in zip(fields, children) {
            precondition(child.count == count + 1,
                         "StructColumnBuilder: child '\(field.name)' has \(child.count) rows, expected \(count + 1)")
        }
        validity.appendValid()
    }

    /// Appends a null row, with a null in every child.
    public func appendNull() {
        for child in children { child.appendNull() }
        validity.appendNulls(1)
    }

    public func appendNulls(_ n: Int) {
        for child in children { child.appendNulls(n) }
        validity.appendNulls(n)
    }

    /// Appends a `.struct` scalar: entries are matched to fields by name, missing fields get null.
    public func append(scalar: ScalarValue) throws(ColumnarError) {
        if scalar.isNull { return appendNull() }
        guard dataType.accepts(scalar), case .struct(let entries) = scalar else {
            throw .valueTypeMismatch(expected: dataType, value: scalar)
        }
        for (field, child) in zip(fields, children) {
            try child.append(scalar: entries.first { $0.name == field.name }?.value ?? .null)
        }
        endStruct()
    }

    public func append(column: Column) throws(ColumnarError) {
        guard column.dataType == dataType, let typed = column.asStruct else {
            throw .columnTypeMismatch(expected: dataType, actual: column.dataType)
        }
        for (child, part) in zip(children, typed.children) { try child.append(column: part) }
        validity.append(typed.validity, count: typed.count)
    }

    public func reserveCapacity(_ additional: Int) {
        for child in children { child.reserveCapacity(additional) }
    }

    /// Returns the rows so far as a typed column and starts empty again.
    public func finishTyped() -> StructColumn {
        let rows = count
        let bitmap = validity.finish()
        return StructColumn(unchecked: fields, children: children.map { $0.finish() }, count: rows, validity: bitmap)
    }

    public func finish() -> Column { .struct(finishTyped()) }
}

/// Builds a `ListColumn`: append a row's items to `values`, then call `endList()`.
public final class ListColumnBuilder: ColumnBuilder {
    /// The item field.
    public let field: Field
    /// The builder of the concatenated items.
    public let values: any ColumnBuilder
    let offsets: ByteStorage
    let validity = ValidityBuilder()

    /// Creates an empty builder for lists of `field`'s type.
    public init(field: Field, capacity: Int = 0) {
        self.field = field
        values = makeColumnBuilder(for: field.type, capacity: capacity)
        offsets = ByteStorage(capacity: (capacity + 1) * 4)
        offsets.append(Int32(0))
    }

    /// Creates an empty builder for lists of nullable items named "item".
    public convenience init(itemType: DataType, capacity: Int = 0) {
        self.init(field: Field("item", itemType), capacity: capacity)
    }

    public var dataType: DataType { .list(field) }
    public var count: Int { validity.count }
    public var nullCount: Int { validity.nullCount }

    /// The item builder as its concrete builder type.
    public func values<Builder: ColumnBuilder>(as type: Builder.Type) -> Builder {
        guard let typed = values as? Builder else {
            preconditionFailure("ListColumnBuilder: values builder is \(Swift.type(of: values)), not \(Builder.self)")
        }
        return typed
    }

    private func closeRow() {
        precondition(values.count <= Int(Int32.max), "ListColumnBuilder: more than 2^31 items in one column")
        offsets.append(Int32(truncatingIfNeeded: values.count))
    }

    /// Ends a valid row holding every item appended to `values` since the previous row.
    public func endList() {
        closeRow()
        validity.appendValid()
    }

    /// Appends a null row (holding no items).
    public func appendNull() {
        closeRow()
        validity.appendNulls(1)
    }

    /// Appends a `.list` scalar.
    public func append(scalar: ScalarValue) throws(ColumnarError) {
        if scalar.isNull { return appendNull() }
        guard dataType.accepts(scalar), case .list(let items) = scalar else {
            throw .valueTypeMismatch(expected: dataType, value: scalar)
        }
        for item in items { try values.append(scalar: item) }
        endList()
    }

    public func append(column: Column) throws(ColumnarError) {
        guard column.dataType == dataType, let typed = column.asList else {
            throw .columnTypeMismatch(expected: dataType, actual: column.dataType)
        }
        guard typed.count > 0 else { return }
        try typed.withUnsafeOffsets { (bounds) throws(ColumnarError) in
            let first = Int(bounds[0])
            let shift = values.count - first
            try values.append(column: typed.values.slice(offset: first, count: Int(bounds[typed.count]) - first))
            precondition(values.count <= Int(Int32.max), "ListColumnBuilder: more than 2^31 items in one column")
            for i in 1...typed.count { offsets.append(Int32(truncatingIfNeeded: Int(bounds[i]) + shift)) }
        }
        validity.append(typed.validity, count: typed.count)
    }

    public func reserveCapacity(_ additional: Int) { offsets.reserve(additional: additional * 4) }

    /// Returns the rows so far as a typed column and starts empty again.
    public func finishTyped() -> ListColumn {
        let rows = count
        let bitmap = validity.finish()
        let column = ListColumn(unchecked: field, offsets: offsets.finish(), values: values.finish(), offset: 0,
                                count: rows, validity: bitmap)
        offsets.append(Int32(0))
        return column
    }

    public func finish() -> Column { .list(finishTyped()) }
}

/// Builds a `MapColumn`: append a row's entries to `keys` and `items`, then call `endMap()`.
public final class MapColumnBuilder: ColumnBuilder {
    /// The key field.
    public let keyField: Field
    /// The value field.
    public let valueField: Field
    /// Whether rows promise sorted keys (recorded in the type, not checked).
    public let keysSorted: Bool
    /// The builder of all keys.
    public let keys: any ColumnBuilder
    /// The builder of all values, aligned with `keys`.
    public let items: any ColumnBuilder
    let offsets: ByteStorage
    let validity = ValidityBuilder()

    /// Creates an empty builder for maps of the given fields.
    public init(keyField: Field, valueField: Field, keysSorted: Bool = false, capacity: Int = 0) {
        self.keyField = keyField
        self.valueField = valueField
        self.keysSorted = keysSorted
        keys = makeColumnBuilder(for: keyField.type, capacity: capacity)
        items = makeColumnBuilder(for: valueField.type, capacity: capacity)
        offsets = ByteStorage(capacity: (capacity + 1) * 4)
        offsets.append(Int32(0))
    }

    /// Creates an empty builder for maps with non-nullable "key" and nullable "value" fields.
    public convenience init(keyType: DataType, valueType: DataType, keysSorted: Bool = false, capacity: Int = 0) {
        self.init(keyField: Field("key", keyType, nullable: false), valueField: Field("value", valueType),
                  keysSorted: keysSorted, capacity: capacity)
    }

    public var dataType: DataType { .map(keys: keyField, values: valueField, keysSorted: keysSorted) }
    public var count: Int { validity.count }
    public var nullCount: Int { validity.nullCount }

    private func closeRow() {
        precondition(keys.count == items.count,
                     "MapColumnBuilder: \(keys.count) keys but \(items.count) values")
        precondition(keys.count <= Int(Int32.max), "MapColumnBuilder: more than 2^31 entries in one column")
        offsets.append(Int32(truncatingIfNeeded: keys.count))
    }

    /// Ends a valid row holding every entry appended since the previous row.
    public func endMap() {
        closeRow()
        validity.appendValid()
    }

    /// Appends a null row (holding no entries).
    public func appendNull() {
        closeRow()
        validity.appendNulls(1)
    }

    /// Appends a `.map` scalar.
    public func append(scalar: ScalarValue) throws(ColumnarError) {
        if scalar.isNull { return appendNull() }
        guard dataType.accepts(scalar), case .map(let entries) = scalar else {
            throw .valueTypeMismatch(expected: dataType, value: scalar)
        }
        for entry in entries {
            try keys.append(scalar: entry.key)
            try items.append(scalar: entry.value)
        }
        endMap()
    }

    public func append(column: Column) throws(ColumnarError) {
        guard column.dataType == dataType, let typed = column.asMap else {
            throw .columnTypeMismatch(expected: dataType, actual: column.dataType)
        }
        guard typed.count > 0 else { return }
        try typed.withUnsafeOffsets { (bounds) throws(ColumnarError) in
            let first = Int(bounds[0])
            let entries = Int(bounds[typed.count]) - first
            let shift = keys.count - first
            try keys.append(column: typed.keys.slice(offset: first, count: entries))
            try items.append(column: typed.items.slice(offset: first, count: entries))
            precondition(keys.count <= Int(Int32.max), "MapColumnBuilder: more than 2^31 entries in one column")
            for i in 1...typed.count { offsets.append(Int32(truncatingIfNeeded: Int(bounds[i]) + shift)) }
        }
        validity.append(typed.validity, count: typed.count)
    }

    public func reserveCapacity(_ additional: Int) { offsets.reserve(additional: additional * 4) }

    /// Returns the rows so far as a typed column and starts empty again.
    public func finishTyped() -> MapColumn {
        let rows = count
        let bitmap = validity.finish()
        let column = MapColumn(unchecked: keyField, valueField: valueField, keysSorted: keysSorted,
                               offsets: offsets.finish(), keys: keys.finish(), items: items.finish(),
                               offset: 0, count: rows, validity: bitmap)
        offsets.append(Int32(0))
        return column
    }

    public func finish() -> Column { .map(finishTyped()) }
}
