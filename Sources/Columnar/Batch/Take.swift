extension Column {
    /// The rows at `indices`, in that order (indices may repeat). A contiguous ascending run is a
    /// zero-copy slice; fixed-width and binary columns gather through raw buffers; nested columns
    /// go row by row.
    public func take(_ indices: [Int]) -> Column {
        precondition(indices.allSatisfy { $0 >= 0 && $0 < count }, "Column.take: index out of range 0..<\(count)")
        if let first = indices.first, indices.last == first + indices.count - 1,
           indices.enumerated().allSatisfy({ $0.element == first + $0.offset })
        {
            return slice(offset: first, count: indices.count)
        }
        func gather<T: FixedWidthValue>(_ c: PrimitiveColumn<T>) -> Column {
            let builder = PrimitiveColumnBuilder<T>(type: c.dataType, capacity: indices.count)
            c.withUnsafeBufferPointer { values in
                if c.nullCount == 0 {
                    builder.append(contentsOf: indices.lazy.map { values[$0] })
                } else {
                    for i in indices { if c.isNull(i) { builder.appendNull() } else { builder.append(values[i]) } }
                }
            }
            return builder.finish()
        }
        switch self {
        case .int8(let c): return gather(c)
        case .int16(let c): return gather(c)
        case .int32(let c): return gather(c)
        case .int64(let c): return gather(c)
        case .uint8(let c): return gather(c)
        case .uint16(let c): return gather(c)
        case .uint32(let c): return gather(c)
        case .uint64(let c): return gather(c)
        case .float32(let c): return gather(c)
        case .float64(let c): return gather(c)
        case .decimal128(let c): return gather(c)
        case .binary(let c):
            let builder = BinaryColumnBuilder(type: c.dataType, capacity: indices.count)
            c.withUnsafeData { data in
                for i in indices {
                    if c.isNull(i) { builder.appendNull() } else { builder.append(bytes: UnsafeRawBufferPointer(rebasing: data[c.byteRange(at: i)])) }
                }
            }
            return builder.finish()
        default:
            let builder = makeColumnBuilder(for: dataType, capacity: indices.count)
            for i in indices { try? builder.append(column: slice(offset: i, count: 1)) }
            return builder.finish()
        }
    }
}

extension RecordBatch {
    /// The rows at `indices`, in that order (see `Column.take`).
    public func take(_ indices: [Int]) throws(ColumnarError) -> RecordBatch {
        try RecordBatch(schema: schema, columns: columns.map { $0.take(indices) }, rowCount: indices.count)
    }
}
