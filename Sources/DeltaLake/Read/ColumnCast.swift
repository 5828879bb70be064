import Columnar

/// Turns a column read from a data file into the table's type for it: relabels what only differs
/// in names or nullability (nested fields, string/binary), converts timestamps to microseconds
/// (Spark's INT96 nanoseconds), widens integers and floats (type widening), rescales decimals.
enum ColumnCast {
    /// `column` as `type`, or nil when no lossless conversion exists.
    static func cast(_ column: Column, to type: DataType) -> Column? {
        let from = column.dataType
        if from == type { return column }
        switch (column, type) {
        case (.struct(let s), .struct(let fields)):
            // Children by name; a field the file lacks becomes all nulls, one the table lacks is
            // refused (it would be lost).
            guard s.fields.allSatisfy({ source in fields.contains { $0.name == source.name } }) else { return nil }
            var children: [Column] = []
            for field in fields {
                if let child = s.child(named: field.name) {
                    guard let converted = cast(child, to: field.type) else { return nil }
                    children.append(converted)
                } else {
                    children.append(nulls(field.type, count: s.count))
                }
            }
            return try? .struct(StructColumn(fields: fields, children: children, count: s.count, validity: s.validity))
        case (.list(let l), .list(let field)):
            guard let values = cast(l.values, to: field.type) else { return nil }
            return try? .list(ListColumn(field: field, offsets: l.offsets, values: values, offset: l.offset, count: l.count, validity: l.validity))
        case (.map(let m), .map(let keyField, let valueField, let sorted)):
            guard let keys = cast(m.keys, to: keyField.type), let items = cast(m.items, to: valueField.type) else { return nil }
            return try? .map(MapColumn(keyField: keyField, valueField: valueField, keysSorted: sorted, offsets: m.offsets, keys: keys,
                                       items: items, offset: m.offset, count: m.count, validity: m.validity))
        case (.binary(let b), .string), (.binary(let b), .binary):
            return .binary(BinaryColumn(type: type, offsets: b.offsets, data: b.data, offset: b.offset, count: b.count, validity: b.validity))
        case (.int32(let c), .date32), (.int32(let c), .int32):
            return .int32(PrimitiveColumn(type: type, values: c.values, offset: c.offset, count: c.count, validity: c.validity))
        case (.int64(let c), .timestamp(let unit, _)) where from.isTimestamp(unit: unit):
            return .int64(PrimitiveColumn(type: type, values: c.values, offset: c.offset, count: c.count, validity: c.validity))
        default:
            return convertValues(column, to: type)
        }
    }

    /// Conversions that change values, value by value.
    private static func convertValues(_ column: Column, to type: DataType) -> Column? {
        let from = column.dataType
        let convert: (ScalarValue) -> ScalarValue?
        switch (from, type) {
        case (.timestamp(let unit, _), .timestamp(let target, let zone)):
            convert = { value in
                guard case .timestamp(let v, _, _) = value else { return value }
                return .timestamp(rescale(v, from: unit, to: target), unit: target, timezone: zone)
            }
        case (.int8, .int16), (.int8, .int32), (.int8, .int64), (.int16, .int32), (.int16, .int64), (.int32, .int64),
             (.uint8, .int16), (.uint8, .int32), (.uint8, .int64), (.uint16, .int32), (.uint16, .int64), (.uint32, .int64):
            convert = { value in
                if case .uint(let v) = value { return .int(Int64(v)) }
                return value
            }
        case (.float32, .float64):
            convert = { value in
                guard case .float(let v) = value else { return value }
                return .double(Double(v))
            }
        case (.int32, .float64), (.int64, .float64):
            convert = { value in
                guard case .int(let v) = value else { return value }
                return .double(Double(v))
            }
        case (.decimal(_, let fromScale), .decimal(let precision, let scale)) where scale >= fromScale:
            convert = { value in
                guard case .decimal(let v, _, _) = value else { return value }
                var scaled = v
                for _ in fromScale ..< scale {
                    let (next, overflow) = scaled.multipliedReportingOverflow(by: 10)
                    if overflow { return nil }
                    scaled = next
                }
                return .decimal(scaled, precision: precision, scale: scale)
            }
        case (.int32, .decimal(let precision, let scale)), (.int64, .decimal(let precision, let scale)):
            convert = { value in
                guard case .int(let v) = value else { return value }
                var scaled = Int128(v)
                for _ in 0 ..< scale {
                    let (next, overflow) = scaled.multipliedReportingOverflow(by: 10)
                    if overflow { return nil }
                    scaled = next
                }
                return .decimal(scaled, precision: precision, scale: scale)
            }
        default:
            return nil
        }
        let builder = makeColumnBuilder(for: type, capacity: column.count)
        for row in 0 ..< column.count {
            guard let value = convert(column.value(at: row)) else { return nil }
            do { try builder.append(scalar: value) } catch { return nil }
        }
        return builder.finish()
    }

    /// Ticks of `from` as ticks of `to`, flooring when the target is coarser.
    static func rescale(_ value: Int64, from: TimeUnit, to: TimeUnit) -> Int64 {
        let f = from.ticksPerSecond, t = to.ticksPerSecond
        if f == t { return value }
        if t > f { return value &* (t / f) }
        let divisor = f / t
        let (q, r) = value.quotientAndRemainder(dividingBy: divisor)
        return r < 0 ? q - 1 : q
    }

    /// A column of `count` nulls of `type`.
    static func nulls(_ type: DataType, count: Int) -> Column {
        let builder = makeColumnBuilder(for: type, capacity: count)
        for _ in 0 ..< count { builder.appendNull() }
        return builder.finish()
    }
}

extension DataType {
    func isTimestamp(unit: TimeUnit) -> Bool {
        if case .timestamp(let u, _) = self { return u == unit }
        return false
    }
}
