import Columnar

// Skipping row groups whose column statistics show that no row can satisfy a predicate.
extension ParquetFileReader {
    /// The row groups (indices, in order) whose statistics do not rule out all of `predicates`;
    /// a row group without usable statistics for a column is kept. Predicates must name flat
    /// top-level columns.
    public func rowGroups(matching predicates: [ParquetPredicate]) throws(ParquetReadError) -> [Int] {
        var leaves: [(ParquetPredicate, ParquetLeafColumn)] = []
        for predicate in predicates {
            guard let node = mapping.columns.first(where: { $0.field.name == predicate.column }),
                  case .leaf(let leaf) = node.kind, leaf.maxRepetitionLevel == 0
            else {
                throw ParquetReadError(kind: .invalidRequest, path: path, column: predicate.column,
                                       message: "predicates apply to flat columns; '\(predicate.column)' is not one")
            }
            leaves.append((predicate, leaf))
        }
        var kept: [Int] = []
        for (index, rowGroup) in metadata.rowGroups.enumerated() {
            let ruledOut = leaves.contains { predicate, leaf in
                guard leaf.leafIndex < rowGroup.columns.count, let meta = rowGroup.columns[leaf.leafIndex].metaData else { return false }
                let bounds = statisticBounds(meta.statistics, leaf: leaf)
                return predicate.rulesOut(min: bounds.min, max: bounds.max, nullCount: meta.statistics?.nullCount,
                                          valueCount: rowGroup.numRows, type: leaf.field.type)
            }
            if !ruledOut { kept.append(index) }
        }
        return kept
    }

    /// The chunk's min and max as keys of the leaf's order, when the statistics can be trusted:
    /// `min_value`/`max_value` always (unless the column order is unknown), the legacy `min`/`max`
    /// only for types whose order they were written in (signed integers, floats, booleans).
    func statisticBounds(_ statistics: Statistics?, leaf: ParquetLeafColumn) -> (min: StatisticKey?, max: StatisticKey?) {
        guard let statistics else { return (nil, nil) }
        if let orders = metadata.columnOrders, leaf.leafIndex < orders.count {
            switch orders[leaf.leafIndex] {
            case .typeDefinedOrder: break
            default: return (nil, nil)
            }
        }
        if let min = statistics.minValue, let max = statistics.maxValue {
            return (Self.key(min, leaf: leaf), Self.key(max, leaf: leaf))
        }
        let legacyTrusted: Bool
        switch leaf.field.type {
        case .bool, .int8, .int16, .int32, .int64, .float32, .float64, .date32, .time: legacyTrusted = true
        case .timestamp: legacyTrusted = leaf.physicalType == .int64
        default: legacyTrusted = false
        }
        guard legacyTrusted, let min = statistics.min, let max = statistics.max else { return (nil, nil) }
        return (Self.key(min, leaf: leaf), Self.key(max, leaf: leaf))
    }

    /// A plain-encoded statistic value of `leaf` as a key (nil when malformed or not comparable).
    static func key(_ bytes: [UInt8], leaf: ParquetLeafColumn) -> StatisticKey? {
        func little<T: FixedWidthInteger>(_ type: T.Type) -> T? {
            guard bytes.count == MemoryLayout<T>.size else { return nil }
            return bytes.withUnsafeBytes { $0.loadUnaligned(as: T.self) }
        }
        let type = leaf.field.type
        switch leaf.physicalType {
        case .boolean:
            guard bytes.count == 1 else { return nil }
            return .integer(bytes[0] == 0 ? 0 : 1)
        case .int32:
            guard let v = little(Int32.self) else { return nil }
            switch type {
            case .uint8, .uint16, .uint32: return .integer(Int128(UInt32(bitPattern: v)))
            default: return .integer(Int128(v))
            }
        case .int64:
            guard let v = little(Int64.self) else { return nil }
            return type == .uint64 ? .integer(Int128(UInt64(bitPattern: v))) : .integer(Int128(v))
        case .float:
            guard let bits = little(UInt32.self) else { return nil }
            let v = Float(bitPattern: bits)
            return v.isNaN ? nil : .real(Double(v))
        case .double:
            guard let bits = little(UInt64.self) else { return nil }
            let v = Double(bitPattern: bits)
            return v.isNaN ? nil : .real(v)
        case .byteArray, .fixedLenByteArray:
            guard case .decimal = type else { return .bytes(bytes) }
            // Big-endian two's complement, at most 16 bytes.
            guard let first = bytes.first, bytes.count <= 16 else { return nil }
            var value: UInt128 = first & 0x80 != 0 ? ~0 : 0
            for byte in bytes { value = (value << 8) | UInt128(byte) }
            return .integer(Int128(bitPattern: value))
        default:
            return nil
        }
    }
}
