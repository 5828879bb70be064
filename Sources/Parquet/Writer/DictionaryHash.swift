#if canImport(Glibc)
import Glibc
#endif

/// Open-addressing hash tables (linear probing, power-of-two sizes, at most half full, growing fourfold) that map a
/// column chunk's values to dictionary indices in first-seen order, giving up as soon as the
/// dictionary would pass its size limit.
enum DictionaryHash {
    private static let multiplier: UInt64 = 0x9E37_79B9_7F4A_7C15

    /// Slot of hash `h` in a table of `1 << bits` slots (Fibonacci hashing: the product's top bits).
    @inline(__always)
    private static func slot(_ h: UInt64, _ bits: Int) -> Int {
        Int(truncatingIfNeeded: (h &* multiplier) &>> UInt64(truncatingIfNeeded: 64 &- bits))
    }

    /// Distinct values among `count` bit patterns of type `K` stored back to back in `raw`, and each
    /// value's index; nil once more than `maxEntries` distinct values appear.
    static func fixed<K: FixedWidthInteger & UnsignedInteger>(_ raw: UnsafeRawBufferPointer, count n: Int, as: K.Type,
                                                              maxEntries: Int) -> ([K], [Int32])? {
        guard n > 0 else { return ([], []) }
        let size = MemoryLayout<K>.stride
        precondition(raw.count >= n * size)
        let base = raw.baseAddress!
        let entryCapacity = max(1, min(maxEntries, n))
        let entries = UnsafeMutablePointer<K>.allocate(capacity: entryCapacity)
        defer { entries.deallocate() }
        var bits = 10
        var slotKeys = UnsafeMutablePointer<K>.allocate(capacity: 1 << bits)
        var slotIndex = UnsafeMutablePointer<Int32>.allocate(capacity: 1 << bits)
        slotIndex.initialize(repeating: -1, count: 1 << bits)
        defer { slotKeys.deallocate(); slotIndex.deallocate() }
        var count = 0
        var failed = false
        let indices = [Int32](unsafeUninitializedCapacity: n) { out, initialized in
            var mask = (1 << bits) - 1
            // No shortcut for a value equal to the one before: in columns that seldom repeat its
            // branch mispredicts, and a repeated value finds its slot at once anyway.
            for i in 0 ..< n {
                let key = base.load(fromByteOffset: i &* size, as: K.self)
                var s = slot(UInt64(truncatingIfNeeded: key), bits)
                var index: Int32
                while true {
                    index = slotIndex[s]
                    if index < 0 || slotKeys[s] == key { break }
                    s = (s &+ 1) & mask
                }
                if index < 0 {
                    guard count < maxEntries else { failed = true; initialized = i; return }
                    index = Int32(count)
                    entries[count] = key
                    slotKeys[s] = key
                    slotIndex[s] = index
                    count += 1
                    if count * 2 > mask + 1 {
                        // Grow: rehash every entry into a table four times the size (fewer rehashes
                        // for columns that end up over the limit, all of whose values are distinct).
                        bits += 2
                        mask = (1 << bits) - 1
                        slotKeys.deallocate(); slotIndex.deallocate()
                        slotKeys = .allocate(capacity: 1 << bits)
                        slotIndex = .allocate(capacity: 1 << bits)
                        slotIndex.initialize(repeating: -1, count: 1 << bits)
                        for e in 0 ..< count {
                            var t = slot(UInt64(truncatingIfNeeded: entries[e]), bits)
                            while slotIndex[t] >= 0 { t = (t &+ 1) & mask }
                            slotKeys[t] = entries[e]
                            slotIndex[t] = Int32(e)
                        }
                    }
                }
                out[i] = index
            }
            initialized = n
        }
        if failed { return nil }
        return (Array(UnsafeBufferPointer(start: entries, count: count)), indices)
    }

    /// A fast hash of `n` bytes at `p`.
    @inline(__always)
    private static func hash(_ p: UnsafeRawPointer, _ n: Int) -> UInt64 {
        var h = UInt64(truncatingIfNeeded: n) &* multiplier
        var i = 0
        while i &+ 8 <= n {
            h = (h ^ p.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* 0xFF51_AFD7_ED55_8CCD
            h ^= h >> 32
            i &+= 8
        }
        if i < n {
            var tail: UInt64 = 0
            var shift: UInt64 = 0
            while i < n {
                tail |= UInt64(p.load(fromByteOffset: i, as: UInt8.self)) << shift
                shift &+= 8
                i &+= 1
            }
            h = (h ^ tail) &* 0xC4CE_B9FE_1A85_EC53
            h ^= h >> 32
        }
        return h
    }

    /// Distinct byte strings of `buffer` and each value's index; nil once the dictionary's PLAIN
    /// size (4 + length per entry) would pass `limit`.
    static func byteArrays(_ buffer: ByteArrayBuffer, limit: Int) -> (ByteArrayBuffer, [Int32])? {
        let n = buffer.count
        var entryStarts: [Int32] = []
        var entryHashes: [UInt64] = []
        var size = 0
        var failed = false
        var bits = 10
        var slotIndex = [Int32](repeating: -1, count: 1 << bits)
        let indices: [Int32] = buffer.offsets.withUnsafeBufferPointer { offsets in
            buffer.values.withUnsafeBytes { values in
                // An empty values array may have no address; then every value is empty and none is read.
                let data = values.baseAddress ?? UnsafeRawPointer(bitPattern: 64)!
                return [Int32](unsafeUninitializedCapacity: n) { out, initialized in
                    var mask = (1 << bits) - 1
                    for i in 0 ..< n {
                        let start = Int(offsets[i])
                        let length = Int(offsets[i + 1]) - start
                        let p = data + start
                        let h = hash(p, length)
                        var s = slot(h, bits)
                        var index: Int32
                        while true {
                            index = slotIndex[s]
                            if index < 0 { break }
                            let e = Int(index)
                            if entryHashes[e] == h {
                                let eStart = Int(offsets[Int(entryStarts[e])])
                                let eLength = Int(offsets[Int(entryStarts[e]) + 1]) - eStart
                                if eLength == length && (length == 0 || memcmp(data + eStart, p, length) == 0) { break }
                            }
                            s = (s &+ 1) & mask
                        }
                        if index < 0 {
                            size += 4 + length
                            guard size <= limit else { failed = true; initialized = i; return }
                            index = Int32(entryStarts.count)
                            entryStarts.append(Int32(i))
                            entryHashes.append(h)
                            slotIndex[s] = index
                            if entryStarts.count * 2 > mask + 1 {
                                bits += 2
                                mask = (1 << bits) - 1
                                slotIndex = [Int32](repeating: -1, count: 1 << bits)
                                for e in 0 ..< entryHashes.count {
                                    var t = slot(entryHashes[e], bits)
                                    while slotIndex[t] >= 0 { t = (t &+ 1) & mask }
                                    slotIndex[t] = Int32(e)
                                }
                            }
                        }
                        out[i] = index
                    }
                    initialized = n
                }
            }
        }
        if failed { return nil }
        var entries = ByteArrayBuffer()
        entries.reserveCapacity(values: entryStarts.count, bytes: size - 4 * entryStarts.count)
        buffer.values.withUnsafeBytes { values in
            for row in entryStarts {
                let start = Int(buffer.offsets[Int(row)]), end = Int(buffer.offsets[Int(row) + 1])
                entries.append(UnsafeRawBufferPointer(rebasing: values[start ..< end]))
            }
        }
        return (entries, indices)
    }
}
