/// Builds a dictionary for a column chunk: its PLAIN-encoded entries, entry count and one index
/// per value; nil when the column should be written PLAIN (booleans, no values, or a dictionary
/// whose PLAIN size would pass `limit`).
enum DictionaryBuilder {
    static func build(_ values: WriterValues, limit: Int) -> (bytes: [UInt8], count: Int, indices: [Int32])? {
        guard values.count > 0 else { return nil }
        switch values {
        case .boolean:
            return nil
        case let .int32(v):
            return fixed(v, width: 4, limit: limit, key: { $0 }).map { (PlainEncoder.encode($0.0), $0.0.count, $0.1) }
        case let .int64(v):
            return fixed(v, width: 8, limit: limit, key: { $0 }).map { (PlainEncoder.encode($0.0), $0.0.count, $0.1) }
        case let .float(v):
            return fixed(v, width: 4, limit: limit, key: { $0.bitPattern }).map { (PlainEncoder.encode($0.0), $0.0.count, $0.1) }
        case let .double(v):
            return fixed(v, width: 8, limit: limit, key: { $0.bitPattern }).map { (PlainEncoder.encode($0.0), $0.0.count, $0.1) }
        case let .bytes(buffer):
            var lookup: [ArraySlice<UInt8>: Int32] = [:]
            var entries = ByteArrayBuffer()
            var indices: [Int32] = []
            indices.reserveCapacity(buffer.count)
            var size = 0
            for i in 0..<buffer.count {
                let value = buffer[i]
                if let index = lookup[value] { indices.append(index); continue }
                size += 4 + value.count
                if size > limit { return nil }
                let index = Int32(lookup.count)
                lookup[value] = index
                value.withUnsafeBytes { entries.append($0) }
                indices.append(index)
            }
            return (PlainEncoder.encodeByteArrays(entries), lookup.count, indices)
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
            return (entries, lookup.count, indices)
        }
    }

    /// Dictionary for fixed-width numbers, keyed by bit pattern (so NaNs and -0.0 stay distinct).
    private static func fixed<T, K: Hashable>(_ values: [T], width: Int, limit: Int, key: (T) -> K) -> ([T], [Int32])? {
        var lookup: [K: Int32] = [:]
        var entries: [T] = []
        var indices: [Int32] = []
        indices.reserveCapacity(values.count)
        for value in values {
            let k = key(value)
            if let index = lookup[k] { indices.append(index); continue }
            if (entries.count + 1) * width > limit { return nil }
            let index = Int32(entries.count)
            lookup[k] = index
            entries.append(value)
            indices.append(index)
        }
        return (entries, indices)
    }
}
