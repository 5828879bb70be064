/// Growable, 64-byte aligned bytes that a producer (a decoder, say) writes in place and then hands
/// over as a `Buffer` without copying.
///
/// Unlike the column builders, new capacity is not zeroed up front: bytes are only ever exposed
/// after `append` has had them written, and `finish()` zeroes whatever lies between the bytes
/// written and the end of the allocation, so the `Buffer` padding promise holds. Not for sharing
/// across tasks.
public final class BufferBuilder {
    @usableFromInline var base: UnsafeMutableRawPointer
    @usableFromInline var written = 0
    /// Bytes written so far.
    public var count: Int { written }
    /// Usable bytes of the allocation: `count ..< capacity` is uninitialized, and the rest of the
    /// allocation (rounded up to the alignment) is zero.
    @usableFromInline var capacity: Int

    /// Creates an empty builder with room for `capacity` bytes.
    public init(capacity: Int = 0) {
        precondition(capacity >= 0, "BufferBuilder: negative capacity \(capacity)")
        (base, _) = Buffer.allocate(capacity: capacity, zeroFrom: capacity)
        self.capacity = capacity
    }

    deinit { base.deallocate() }

    /// Makes room for `additional` more bytes.
    public func reserveCapacity(_ additional: Int) {
        precondition(additional >= 0 && additional <= Int.max / 2 - count, "BufferBuilder: cannot reserve \(additional) more bytes")
        guard count + additional > capacity else { return }
        let wanted = Swift.max(count + additional, capacity * 2)
        let (pointer, _) = Buffer.allocate(capacity: wanted, zeroFrom: wanted)
        pointer.copyMemory(from: base, byteCount: count)
        base.deallocate()
        base = pointer
        capacity = wanted
    }

    /// Appends `n` values of `T` that `body` writes (the memory is uninitialized before); nothing
    /// is appended if `body` throws. The bytes written so far must be a whole number of `T`s.
    ///
    /// `body` gets `n + slack` values: the `slack` ones after the first `n` are room it may
    /// scribble on (a copy loop storing whole words, say) but are not kept.
    @inlinable
    public func append<T: BitwiseCopyable, E: Error>(
        uninitializedCount n: Int, slack: Int = 0, of type: T.Type,
        initializingWith body: (UnsafeMutableBufferPointer<T>) throws(E) -> Void
    ) throws(E) {
        let stride = MemoryLayout<T>.stride
        precondition(n >= 0 && slack >= 0 && count % MemoryLayout<T>.alignment == 0,
                     "BufferBuilder: cannot append \(n) \(T.self) at byte \(count)")
        reserveCapacity((n + slack) * stride)
        let start = (base + count).bindMemory(to: T.self, capacity: n + slack)
        try body(UnsafeMutableBufferPointer(start: start, count: n + slack))
        written += n * stride
    }

    /// Appends a copy of `bytes`.
    public func append(bytes: UnsafeRawBufferPointer) {
        guard let source = bytes.baseAddress, !bytes.isEmpty else { return }
        reserveCapacity(bytes.count)
        (base + count).copyMemory(from: source, byteCount: bytes.count)
        written += bytes.count
    }

    /// Calls `body` with the bytes written so far, which it may change in place.
    @inlinable
    public func withUnsafeMutableBytes<R, E: Error>(_ body: (UnsafeMutableRawBufferPointer) throws(E) -> R) throws(E) -> R {
        try body(UnsafeMutableRawBufferPointer(start: base, count: count))
    }

    /// Calls `body` with the bytes written so far.
    @inlinable
    public func withUnsafeBytes<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        try body(UnsafeRawBufferPointer(start: base, count: count))
    }

    /// Hands the bytes written so far over as an immutable buffer and starts empty again.
    ///
    /// The allocation is passed on without copying unless more than a quarter of it (and over
    /// 4 KiB) would be wasted, in which case it is shrunk.
    public func finish() -> Buffer {
        let buffer: Buffer
        if capacity - count > Swift.max(4096, count / 4) {
            buffer = Buffer(copying: UnsafeRawBufferPointer(start: base, count: count))
            base.deallocate()
        } else {
            // The unused capacity becomes padding, which must be zero.
            (base + count).initializeMemory(as: UInt8.self, repeating: 0, count: capacity - count)
            buffer = Buffer(owning: base, byteCount: count)
        }
        (base, _) = Buffer.allocate(capacity: 0)
        capacity = 0
        written = 0
        return buffer
    }
}
