import Columnar

/// Encodes the values of a row's key columns as bytes, for hashing rows by key (MERGE) without
/// boxing every value: fixed-width values as their bytes, strings and binary as a length and
/// their bytes, anything else as its text. Columns of the same types give equal bytes exactly
/// for equal values (floats by bit pattern). A null in any key column gives no key.
struct RowKeys {
    let columns: [Column]

    func key(_ row: Int) -> [UInt8]? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(16 * columns.count)
        for column in columns {
            guard !column.isNull(row) else { return nil }
            func raw<T: FixedWidthValue>(_ c: PrimitiveColumn<T>) {
                withUnsafeBytes(of: c.value(at: row)) { bytes.append(contentsOf: $0) }
            }
            switch column {
            case .bool(let c): bytes.append(c.value(at: row) ? 1 : 0)
            case .int8(let c): raw(c)
            case .int16(let c): raw(c)
            case .int32(let c): raw(c)
            case .int64(let c): raw(c)
            case .uint8(let c): raw(c)
            case .uint16(let c): raw(c)
            case .uint32(let c): raw(c)
            case .uint64(let c): raw(c)
            case .float32(let c): raw(c)
            case .float64(let c): raw(c)
            case .decimal128(let c): raw(c)
            case .binary(let c):
                c.withUnsafeBytes(at: row) { value in
                    withUnsafeBytes(of: UInt32(value.count)) { bytes.append(contentsOf: $0) }
                    bytes.append(contentsOf: value)
                }
            default:
                let text = Array(column.value(at: row).keyText.utf8)
                withUnsafeBytes(of: UInt32(text.count)) { bytes.append(contentsOf: $0) }
                bytes.append(contentsOf: text)
            }
        }
        return bytes
    }
}
