import Columnar

/// Encodes the values of a row's key columns as bytes, for hashing rows by key (MERGE) without
/// boxing every value: fixed-width values as their bytes, strings and binary as a length and
/// their bytes, anything else as its text. Columns of the same types give equal bytes exactly
/// for equal values (floats by bit pattern). A null in any key column gives no key.
struct RowKeys {
    let columns: [Column]

    func key(_ row: Int) -> [UInt8]? {
        var bytes: [UInt8] = []
        return encode(row, into: &bytes) ? bytes : nil
    }

    /// Writes row `row`'s key into `bytes` (emptied first, capacity kept); false when a key
    /// column is null.
    func encode(_ row: Int, into bytes: inout [UInt8]) -> Bool {
        bytes.removeAll(keepingCapacity: true)
        for column in columns {
            guard !column.isNull(row) else { return false }
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
        return true
    }
}

/// The source rows of a MERGE by key: keys stored back to back in one byte arena, found through
/// an open-addressing table of their hashes, so looking up a target row allocates nothing.
struct KeyIndex {
    private var arena: [UInt8] = []
    private var offsets: [Int] = [0]
    private var hashes: [UInt64] = []
    private var slots: [Int32]
    private var mask: Int
    /// Per entry: the source row (batch, row) of the last row with that key.
    private(set) var positions: [(batch: Int, row: Int)] = []
    /// Per entry: whether several source rows share the key.
    private(set) var duplicated: [Bool] = []

    init(capacity: Int) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        slots = [Int32](repeating: -1, count: size)
        mask = size - 1
    }

    var count: Int { positions.count }

    static func hash(_ key: [UInt8]) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in key { h = (h ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return h ^ (h >> 29)
    }

    /// The entry holding `key`, if any.
    func find(_ key: [UInt8]) -> Int? {
        let h = Self.hash(key)
        var slot = Int(truncatingIfNeeded: h) & mask
        while slots[slot] >= 0 {
            let entry = Int(slots[slot])
            if hashes[entry] == h, arena[offsets[entry] ..< offsets[entry + 1]].elementsEqual(key) { return entry }
            slot = (slot + 1) & mask
        }
        return nil
    }

    /// Records `key` for source row `position` (a repeated key is marked duplicated).
    mutating func insert(_ key: [UInt8], _ position: (batch: Int, row: Int)) {
        if let entry = find(key) {
            duplicated[entry] = true
            positions[entry] = position
            return
        }
        if (positions.count + 1) * 2 > slots.count { grow() }
        let h = Self.hash(key)
        var slot = Int(truncatingIfNeeded: h) & mask
        while slots[slot] >= 0 { slot = (slot + 1) & mask }
        slots[slot] = Int32(positions.count)
        arena.append(contentsOf: key)
        offsets.append(arena.count)
        hashes.append(h)
        positions.append(position)
        duplicated.append(false)
    }

    private mutating func grow() {
        slots = [Int32](repeating: -1, count: slots.count * 2)
        mask = slots.count - 1
        for entry in 0 ..< positions.count {
            var slot = Int(truncatingIfNeeded: hashes[entry]) & mask
            while slots[slot] >= 0 { slot = (slot + 1) & mask }
            slots[slot] = Int32(entry)
        }
    }
}
