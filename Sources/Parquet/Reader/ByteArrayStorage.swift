import Columnar

/// A chunk's BYTE_ARRAY values laid out as the string or binary column will hold them: `Int32`
/// offsets from a leading 0, and the bytes, both written in place and handed over without a copy.
/// Like `ByteArrayBuffer`, it refuses to pass `Int32.max` bytes.
final class ByteArrayStorage {
    /// `count + 1` offsets.
    let offsets: BufferBuilder
    let data = BufferBuilder()
    /// Values held.
    private(set) var count = 0
    /// The end of the last value.
    private(set) var byteCount = 0
    /// Most bytes reserved up front from an estimate (more are allocated as they come).
    static let maximumEstimate = 1 << 28

    /// Room for `capacity` values (the bytes are reserved from the first estimate, see `expect`).
    init(capacity: Int) {
        offsets = BufferBuilder(capacity: (max(0, capacity) + 1) * 4)
        offsets.append(uninitializedCount: 1, of: Int32.self) { $0[0] = 0 }
    }

    /// Whether `extra` more bytes still fit under the 32-bit offsets.
    func canGrow(by extra: Int) -> Bool { extra >= 0 && extra <= Int(Int32.max) - byteCount }

    /// Reserves room for about `bytes` more bytes, once, so the data does not grow by copying.
    func expect(bytes: Int) {
        guard data.count == 0, bytes > 0 else { return }
        data.reserveCapacity(min(bytes, Self.maximumEstimate))
    }

    /// Appends `n` values of `total` bytes (checked to fit): `body` writes their `n` end offsets
    /// (the first value starts at `byteCount`) and their bytes, with `slack` spare bytes after
    /// them that it may scribble on.
    @inline(__always)
    func append(_ n: Int, total: Int, slack: Int, _ body: (_ ends: UnsafeMutableBufferPointer<Int32>, _ bytes: UnsafeMutableRawPointer) -> Void) {
        let first = byteCount
        offsets.append(uninitializedCount: n, of: Int32.self) { ends in
            data.append(uninitializedCount: total, slack: slack, of: UInt8.self) { bytes in
                body(ends, UnsafeMutableRawPointer(bytes.baseAddress!))
            }
        }
        count += n
        byteCount = first + total
    }

    /// Appends the values of `page` (decoded by a PLAIN or DELTA decoder); false, appending
    /// nothing, when they would pass `Int32.max` bytes.
    func append(_ page: ByteArrayBuffer) -> Bool {
        let total = page.values.count
        guard canGrow(by: total) else { return false }
        let base = Int32(byteCount)
        page.offsets.withUnsafeBufferPointer { source in
            page.values.withUnsafeBytes { bytes in
                append(page.count, total: total, slack: 0) { ends, out in
                    for i in 0 ..< page.count { ends[i] = base + source[i + 1] }
                    if total > 0 { out.copyMemory(from: bytes.baseAddress!, byteCount: total) }
                }
            }
        }
        return true
    }

    /// The offsets and bytes as buffers (`count` stays what it was).
    func finish() -> (offsets: Buffer, data: Buffer) {
        (offsets.finish(), data.finish())
    }
}
