/// A read-only run of bits over a `Buffer`, LSB-first within each byte as in Arrow.
///
/// Used for validity (bit set = value present) and for boolean values.
/// `offset` is in bits, so a slice may start in the middle of a byte.
public struct Bitmap: Sendable, Equatable, CustomStringConvertible {
    /// The bytes holding the bits.
    public let buffer: Buffer
    /// The position, in bits, of the first bit within `buffer`.
    public let offset: Int
    /// The number of bits.
    public let count: Int

    /// Wraps `count` bits of `buffer` starting at bit `offset`.
    public init(buffer: Buffer, offset: Int = 0, count: Int) {
        precondition(offset >= 0 && count >= 0 && offset + count <= buffer.byteCount * 8,
                     "Bitmap: bits \(offset)..<\(offset + count) exceed a \(buffer.byteCount)-byte buffer")
        self.buffer = buffer
        self.offset = offset
        self.count = count
    }

    /// Packs `bits` into a new bitmap.
    public init(_ bits: some Sequence<Bool>) {
        let builder = BitmapBuilder()
        for bit in bits { builder.append(bit) }
        self = builder.finish()
    }

    /// A bitmap of `count` bits, all equal to `value`.
    public init(repeating value: Bool, count: Int) {
        let builder = BitmapBuilder(capacity: count)
        builder.append(repeating: value, count: count)
        self = builder.finish()
    }

    /// The bit at `index` (0-based from `offset`).
    @inlinable
    public subscript(index: Int) -> Bool {
        precondition(index >= 0 && index < count, "Bitmap: index \(index) out of range 0..<\(count)")
        let bit = offset &+ index
        let byte = UnsafeRawPointer(buffer.base).load(fromByteOffset: bit >> 3, as: UInt8.self)
        return byte & (1 << UInt8(truncatingIfNeeded: bit & 7)) != 0
    }

    /// The bits `offset..<offset+count` of this bitmap, sharing its buffer.
    public func slice(offset: Int, count: Int) -> Bitmap {
        precondition(offset >= 0 && count >= 0 && offset + count <= self.count,
                     "Bitmap: slice \(offset)..<\(offset + count) out of range 0..<\(self.count)")
        return Bitmap(buffer: buffer, offset: self.offset + offset, count: count)
    }

    /// The number of set bits (population count).
    public var setCount: Int {
        buffer.withUnsafeBytes { Bitmap.countSetBits(in: $0, bitOffset: offset, count: count) }
    }

    /// The number of unset bits.
    public var unsetCount: Int { count - setCount }

    /// True when the first bit sits at the start of a byte, so the bits can be copied bytewise.
    public var isByteAligned: Bool { offset & 7 == 0 }

    /// The bits as an array of booleans.
    public var bits: [Bool] { (0..<count).map { self[$0] } }

    /// Calls `body` with the bytes that hold the bits; bit `i` of this bitmap is
    /// bit `(offset % 8) + i` counted LSB-first from the first byte passed.
    public func withUnsafeBytes<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        try buffer.withUnsafeBytes { (all) throws(E) in
            let first = offset >> 3
            let last = (offset + count + 7) >> 3
            return try body(UnsafeRawBufferPointer(rebasing: all[first..<last]))
        }
    }

    /// Counts set bits in `count` bits starting at bit `bitOffset` of `bytes`.
    static func countSetBits(in bytes: UnsafeRawBufferPointer, bitOffset: Int, count: Int) -> Int {
        guard count > 0, let base = bytes.baseAddress else { return 0 }
        let end = bitOffset + count
        var bit = bitOffset
        var total = 0
        // Leading bits up to a byte boundary.
        while bit < end && bit & 7 != 0 {
            total += Int((base.load(fromByteOffset: bit >> 3, as: UInt8.self) >> UInt8(bit & 7)) & 1)
            bit += 1
        }
        guard bit < end else { return total }
        var byte = bit >> 3
        let fullEnd = end >> 3
        while byte + 8 <= fullEnd {
            total += base.loadUnaligned(fromByteOffset: byte, as: UInt64.self).nonzeroBitCount
            byte += 8
        }
        while byte < fullEnd {
            total += base.load(fromByteOffset: byte, as: UInt8.self).nonzeroBitCount
            byte += 1
        }
        // Trailing bits of a partial byte.
        let rest = end - fullEnd * 8
        if rest > 0 {
            let mask = UInt8(truncatingIfNeeded: (1 << rest) - 1)
            total += (base.load(fromByteOffset: fullEnd, as: UInt8.self) & mask).nonzeroBitCount
        }
        return total
    }

    /// Bitmaps are equal when they hold the same bits, wherever those bits sit in memory.
    public static func == (lhs: Bitmap, rhs: Bitmap) -> Bool {
        guard lhs.count == rhs.count else { return false }
        for i in 0..<lhs.count where lhs[i] != rhs[i] { return false }
        return true
    }

    /// The bits as a string of 0s and 1s, first bit first.
    public var description: String {
        String((0..<count).map { self[$0] ? "1" as Character : "0" })
    }
}

/// Builds a `Bitmap` one bit or one run at a time; a reference type, not for sharing across tasks.
public final class BitmapBuilder {
    @usableFromInline let storage: ByteStorage
    // Unchecked for speed, as in `ByteStorage`.
    @exclusivity(unchecked) @usableFromInline var bitCount = 0
    @exclusivity(unchecked) @usableFromInline var setBitCount = 0

    /// The number of bits appended so far.
    public var count: Int { bitCount }
    /// The number of set bits appended so far.
    public var setCount: Int { setBitCount }

    /// Creates an empty builder with room for `capacity` bits.
    public init(capacity: Int = 0) {
        storage = ByteStorage(capacity: (capacity + 7) / 8)
    }

    /// Makes room for `additional` more bits.
    public func reserveCapacity(_ additional: Int) {
        storage.reserve(additional: (count + additional + 7) / 8 - storage.count)
    }

    /// Appends one bit.
    @inlinable
    public func append(_ bit: Bool) {
        let index = bitCount
        if index & 7 == 0 { storage.append(UInt8(bit ? 1 : 0)) } else if bit {
            let p = storage.base + (index >> 3)
            p.storeBytes(of: p.load(as: UInt8.self) | (1 << UInt8(index & 7)), as: UInt8.self)
        }
        bitCount = index &+ 1
        if bit { setBitCount &+= 1 }
    }

    /// Appends `n` copies of `bit`.
    public func append(repeating bit: Bool, count n: Int) {
        precondition(n >= 0, "BitmapBuilder: negative count \(n)")
        var remaining = n
        while remaining > 0 && count & 7 != 0 {
            append(bit)
            remaining -= 1
        }
        let whole = remaining >> 3
        if whole > 0 {
            storage.reserve(additional: whole)
            (storage.base + storage.count).initializeMemory(as: UInt8.self, repeating: bit ? 0xFF : 0, count: whole)
            storage.count += whole
            bitCount += whole * 8
            if bit { setBitCount += whole * 8 }
            remaining -= whole * 8
        }
        for _ in 0..<remaining { append(bit) }
    }

    /// Appends every bit of `bitmap`, copying whole bytes when both sides are byte-aligned.
    public func append(_ bitmap: Bitmap) {
        guard bitmap.count > 0 else { return }
        if count & 7 == 0 && bitmap.isByteAligned {
            bitmap.withUnsafeBytes { storage.append(bytes: $0) }
            let extra = bitmap.count & 7
            if extra != 0 {
                // Clear bits past the copied run so later appends can OR into the last byte.
                let last = storage.base + (storage.count - 1)
                last.storeBytes(of: last.load(as: UInt8.self) & UInt8((1 << extra) - 1), as: UInt8.self)
            }
            bitCount += bitmap.count
            setBitCount += bitmap.setCount
        } else {
            for i in 0..<bitmap.count { append(bitmap[i]) }
        }
    }

    /// Returns the bits appended so far as a `Bitmap` and starts empty again.
    public func finish() -> Bitmap {
        let bits = bitCount
        bitCount = 0
        setBitCount = 0
        return Bitmap(buffer: storage.finish(), offset: 0, count: bits)
    }
}
