/// A column chunk's dictionary: its distinct values (in first-seen order, as physical values),
/// their PLAIN bytes, and one index per value.
struct ChunkDictionary {
    var entries: WriterValues
    var bytes: [UInt8]
    var indices: [Int32]
    var count: Int { entries.count }
}

/// Builds a dictionary for a column chunk; nil when the column should be written PLAIN (booleans,
/// no values, or a dictionary whose PLAIN size would pass `limit`). Fixed-width values are keyed
/// by bit pattern (NaNs and -0.0 stay distinct), in open-addressing tables (`DictionaryHash`).
enum DictionaryBuilder {
    static func build(_ values: WriterValues, limit: Int) -> ChunkDictionary? {
        guard values.count > 0 else { return nil }
        switch values {
        case .boolean:
            return nil
        case let .int32(v):
            guard let (keys, indices) = fixed(v, as: UInt32.self, limit: limit) else { return nil }
            let entries = keys.map { Int32(bitPattern: $0) }
            return ChunkDictionary(entries: .int32(ValueArray(entries)), bytes: PlainEncoder.encode(entries), indices: indices)
        case let .int64(v):
            guard let (keys, indices) = fixed(v, as: UInt64.self, limit: limit) else { return nil }
            let entries = keys.map { Int64(bitPattern: $0) }
            return ChunkDictionary(entries: .int64(ValueArray(entries)), bytes: PlainEncoder.encode(entries), indices: indices)
        case let .float(v):
            guard let (keys, indices) = fixed(v, as: UInt32.self, limit: limit) else { return nil }
            return ChunkDictionary(entries: .float(ValueArray(keys.map { Float(bitPattern: $0) })), bytes: PlainEncoder.encode(keys), indices: indices)
        case let .double(v):
            guard let (keys, indices) = fixed(v, as: UInt64.self, limit: limit) else { return nil }
            return ChunkDictionary(entries: .double(ValueArray(keys.map { Double(bitPattern: $0) })), bytes: PlainEncoder.encode(keys), indices: indices)
        case let .bytes(buffer):
            guard let (entries, indices) = DictionaryHash.byteArrays(buffer, limit: limit) else { return nil }
            return ChunkDictionary(entries: .bytes(entries), bytes: PlainEncoder.encodeByteArrays(entries), indices: indices)
        case let .fixed(bytes, width):
            guard width > 0 else { return nil }
            var lookup: [ArraySlice<UInt8>: Int32] = [:]
            var entries: [UInt8] = []
            var indices: [Int32] = []
            for start in stride(from: 0, to: bytes.count, by: width) {
                let value = bytes[start..<(start + width)]
                if let index = lookup[value] { indices.append(index); continue }
                if entries.count + width > limit { return nil }
                let index = Int32(lookup.count)
                lookup[value] = index
                entries.append(contentsOf: value)
                indices.append(index)
            }
            return ChunkDictionary(entries: .fixed(entries, width: width), bytes: entries, indices: indices)
        }
    }

    /// Dictionary of fixed-width numbers viewed as their bit patterns `K` (same size as `T`).
    private static func fixed<T, K: FixedWidthInteger & UnsignedInteger>(_ values: ValueArray<T>, as: K.Type, limit: Int) -> ([K], [Int32])? {
        precondition(MemoryLayout<T>.stride == MemoryLayout<K>.stride)
        return values.withUnsafeBufferPointer { typed in
            DictionaryHash.fixed(UnsafeRawBufferPointer(typed), count: typed.count, as: K.self, maxEntries: limit / MemoryLayout<K>.size)
        }
    }
}
