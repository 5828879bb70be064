#if canImport(Glibc)
import Glibc
#endif

/// The huge page size the allocator aligns large buffers to.
let hugePageSize = 2 << 20
/// Buffers from this size on are placed on huge pages where the system allows it.
let hugePageThreshold = 4 << 20

/// Asks the kernel to back `byteCount` bytes at `pointer` with transparent huge pages (Linux; a
/// hint that changes nothing else).
func adviseHugePages(_ pointer: UnsafeMutableRawPointer, byteCount: Int) {
    #if canImport(Glibc)
    if byteCount > 0 { _ = madvise(pointer, byteCount, MADV_HUGEPAGE) }
    #endif
}

/// An immutable block of 64-byte aligned bytes shared by columns and their slices.
///
/// A buffer is never written after it is created, so any number of columns,
/// slices and threads may read it at once. Its allocation is padded with zero
/// bytes up to a multiple of `Buffer.alignment`.
public final class Buffer: @unchecked Sendable {
    /// The alignment, in bytes, of every buffer's first byte (as Arrow recommends).
    public static let alignment = 64

    @usableFromInline let base: UnsafeMutableRawPointer
    /// The number of meaningful bytes.
    public let byteCount: Int
    /// Gives the memory back when the buffer goes (nil: it is deallocated).
    private let release: (@Sendable (UnsafeMutableRawPointer) -> Void)?

    /// Takes ownership of `base`, which must come from `Buffer.allocate(capacity:)`.
    @usableFromInline init(owning base: UnsafeMutableRawPointer, byteCount: Int) {
        self.base = base
        self.byteCount = byteCount
        release = nil
    }

    /// Wraps memory someone else manages (a pool, say): `base` must be aligned to `alignment`,
    /// its `byteCount` bytes already written and zero bytes after them up to a multiple of the
    /// alignment; `release` gets it back when the last column using the buffer goes.
    public init(adopting base: UnsafeMutableRawPointer, byteCount: Int, release: @escaping @Sendable (UnsafeMutableRawPointer) -> Void) {
        precondition(Int(bitPattern: base) % Buffer.alignment == 0, "Buffer: adopted memory must be \(Buffer.alignment)-byte aligned")
        self.base = base
        self.byteCount = byteCount
        self.release = release
    }

    deinit {
        if let release { release(base) } else { base.deallocate() }
    }

    /// Allocates `byteCount` bytes (uninitialized) aligned to `alignment`, or from `hugePageThreshold`
    /// bytes on, to a huge page and with transparent huge pages asked for: memory that is about to be
    /// filled then takes one page fault per 2 MiB rather than one per 4 KiB. Free with `deallocate()`.
    public static func allocateMemory(byteCount: Int, alignment: Int) -> UnsafeMutableRawPointer {
        guard byteCount >= hugePageThreshold else {
            return UnsafeMutableRawPointer.allocate(byteCount: byteCount, alignment: alignment)
        }
        let pointer = UnsafeMutableRawPointer.allocate(byteCount: byteCount, alignment: Swift.max(alignment, hugePageSize))
        adviseHugePages(pointer, byteCount: byteCount & ~(hugePageSize - 1))
        return pointer
    }

    /// Allocates at least `capacity` bytes (rounded up to the alignment), zeroed from byte `zeroFrom` on.
    @usableFromInline static func allocate(capacity: Int, zeroFrom: Int = 0) -> (UnsafeMutableRawPointer, Int) {
        precondition(capacity >= 0, "Buffer: negative capacity \(capacity)")
        let rounded = Swift.max(alignment, (capacity + alignment - 1) & ~(alignment - 1))
        // Large buffers start on a huge page boundary and ask for huge pages.
        let pointer = allocateMemory(byteCount: rounded, alignment: alignment)
        (pointer + zeroFrom).initializeMemory(as: UInt8.self, repeating: 0, count: rounded - zeroFrom)
        return (pointer, rounded)
    }

    /// Creates a buffer of `byteCount` zero bytes and lets `body` fill them in.
    public convenience init<E: Error>(
        byteCount: Int,
        initializingWith body: (UnsafeMutableRawBufferPointer) throws(E) -> Void
    ) throws(E) {
        try self.init(byteCount: byteCount, zeroFrom: 0, body)
    }

    /// A buffer of `byteCount` bytes, zeroed from byte `zeroFrom` on (the padding always), that
    /// `body` fills in: the copying initialisers skip clearing memory they overwrite at once.
    private init<E: Error>(
        byteCount: Int, zeroFrom: Int,
        _ body: (UnsafeMutableRawBufferPointer) throws(E) -> Void
    ) throws(E) {
        let (pointer, _) = Buffer.allocate(capacity: byteCount, zeroFrom: zeroFrom)
        do throws(E) {
            try body(UnsafeMutableRawBufferPointer(start: pointer, count: byteCount))
        } catch {
            pointer.deallocate()
            throw error
        }
        self.base = pointer
        self.byteCount = byteCount
        release = nil
    }

    /// Creates a buffer holding a copy of `bytes`.
    public convenience init(copying bytes: UnsafeRawBufferPointer) {
        self.init(byteCount: bytes.count, zeroFrom: bytes.count, { target in
            if let source = bytes.baseAddress, !bytes.isEmpty {
                target.baseAddress!.copyMemory(from: source, byteCount: bytes.count)
            }
        })
    }

    /// Creates a buffer holding a copy of `values`, laid out contiguously.
    public convenience init<T: BitwiseCopyable>(copying values: some Collection<T>) {
        let stride = MemoryLayout<T>.stride
        self.init(byteCount: values.count * stride, zeroFrom: values.count * stride, { target in
            let copied: Void? = values.withContiguousStorageIfAvailable { source in
                if let start = source.baseAddress, !source.isEmpty {
                    target.baseAddress!.copyMemory(from: start, byteCount: source.count * stride)
                }
            }
            guard copied == nil else { return }
            var offset = 0
            for value in values {
                target.storeBytes(of: value, toByteOffset: offset, as: T.self)
                offset += stride
            }
        })
    }

    /// An empty buffer.
    public static let empty = Buffer(byteCount: 0) { _ in }

    /// Calls `body` with the buffer's bytes.
    @inlinable
    public func withUnsafeBytes<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        try body(UnsafeRawBufferPointer(start: base, count: byteCount))
    }

    /// Calls `body` with `count` values of type `T` starting at element `offset`.
    @inlinable
    public func withUnsafeBufferPointer<T: BitwiseCopyable, R, E: Error>(
        as type: T.Type, offset: Int, count: Int,
        _ body: (UnsafeBufferPointer<T>) throws(E) -> R
    ) throws(E) -> R {
        let stride = MemoryLayout<T>.stride
        precondition(offset >= 0 && count >= 0 && (offset + count) * stride <= byteCount,
                     "Buffer: elements \(offset)..<\(offset + count) of \(T.self) exceed \(byteCount) bytes")
        let typed = UnsafeRawPointer(base).bindMemory(to: T.self, capacity: byteCount / stride)
        return try body(UnsafeBufferPointer(start: typed + offset, count: count))
    }

    /// Reads the element of type `T` at element index `index`.
    @inlinable
    public func load<T: BitwiseCopyable>(at index: Int, as type: T.Type) -> T {
        UnsafeRawPointer(base).load(fromByteOffset: index &* MemoryLayout<T>.stride, as: T.self)
    }
}

/// Growable, 64-byte aligned byte storage that builders fill and then hand over as a `Buffer`.
@usableFromInline
final class ByteStorage {
    // Builders are confined to one task and never hold an access across calls,
    // so the runtime exclusivity checks (costly on every append) are skipped.
    @exclusivity(unchecked) @usableFromInline var base: UnsafeMutableRawPointer
    @exclusivity(unchecked) @usableFromInline var count: Int = 0
    @exclusivity(unchecked) @usableFromInline var capacity: Int

    @usableFromInline init(capacity: Int = 0) {
        (base, self.capacity) = Buffer.allocate(capacity: capacity)
    }

    deinit { base.deallocate() }

    /// Makes room for `additional` more bytes.
    @inlinable func reserve(additional: Int) {
        if count &+ additional > capacity { grow(minimumCapacity: count + additional) }
    }

    @usableFromInline func grow(minimumCapacity: Int) {
        let (pointer, rounded) = Buffer.allocate(capacity: Swift.max(minimumCapacity, capacity * 2), zeroFrom: count)
        pointer.copyMemory(from: base, byteCount: count)
        base.deallocate()
        base = pointer
        capacity = rounded
    }

    @inlinable func append<T: BitwiseCopyable>(_ value: T) {
        reserve(additional: MemoryLayout<T>.stride)
        base.storeBytes(of: value, toByteOffset: count, as: T.self)
        count &+= MemoryLayout<T>.stride
    }

    @inlinable func append(bytes: UnsafeRawBufferPointer) {
        guard let source = bytes.baseAddress, !bytes.isEmpty else { return }
        reserve(additional: bytes.count)
        (base + count).copyMemory(from: source, byteCount: bytes.count)
        count &+= bytes.count
    }

    /// Appends `n` zero bytes.
    @inlinable func appendZeros(_ n: Int) {
        reserve(additional: n)
        (base + count).initializeMemory(as: UInt8.self, repeating: 0, count: n)
        count &+= n
    }

    /// Reads the value of type `T` at byte offset `offset`.
    @inlinable func load<T: BitwiseCopyable>(fromByteOffset offset: Int, as type: T.Type) -> T {
        UnsafeRawPointer(base).loadUnaligned(fromByteOffset: offset, as: T.self)
    }

    /// Hands the bytes written so far over as an immutable buffer and starts empty again.
    ///
    /// The allocation is passed on without copying unless more than a quarter
    /// of it (and over 4 KiB) would be wasted, in which case it is shrunk.
    @usableFromInline func finish() -> Buffer {
        let used = Swift.max(Buffer.alignment, (count + Buffer.alignment - 1) & ~(Buffer.alignment - 1))
        let buffer: Buffer
        if capacity - used > Swift.max(4096, used / 4) {
            buffer = Buffer(copying: UnsafeRawBufferPointer(start: base, count: count))
            base.deallocate()
        } else {
            // Bytes past `count` are still zero from the allocation: the padding promise holds.
            buffer = Buffer(owning: base, byteCount: count)
        }
        (base, capacity) = Buffer.allocate(capacity: 0)
        count = 0
        return buffer
    }
}
