import Testing
@testable import Columnar

@Suite("BufferBuilder")
struct BufferBuilderTests {
    @Test("values written in place become the buffer, zero padded to the alignment")
    func writesInPlace() throws {
        let builder = BufferBuilder(capacity: 12)
        builder.append(uninitializedCount: 3, of: Int32.self) { out in
            for i in 0 ..< 3 { out[i] = Int32(i + 1) }
        }
        #expect(builder.count == 12)
        // Past the capacity: the storage grows and keeps what was written.
        builder.append(uninitializedCount: 2, of: Int32.self) { out in out[0] = -1; out[1] = 7 }
        withUnsafeBytes(of: Int32(9)) { builder.append(bytes: $0) }
        let buffer = builder.finish()
        #expect(buffer.byteCount == 24)
        #expect((0 ..< 6).map { buffer.load(at: $0, as: Int32.self) } == [1, 2, 3, -1, 7, 9])
        // The padding up to the 64-byte alignment is zero.
        let padding = UnsafeRawPointer(buffer.base).load(fromByteOffset: 24, as: UInt64.self)
        #expect(padding == 0)
        #expect(builder.count == 0)
    }

    @Test("nothing is appended when the body throws")
    func throwingBody() {
        struct Failure: Error {}
        let builder = BufferBuilder(capacity: 16)
        #expect(throws: Failure.self) {
            try builder.append(uninitializedCount: 4, of: Int32.self) { out in
                out[0] = 5
                throw Failure()
            }
        }
        #expect(builder.count == 0)
        let buffer = builder.finish()
        #expect(buffer.byteCount == 0)
        // The unused capacity is zeroed by finish.
        #expect(UnsafeRawPointer(buffer.base).load(as: UInt32.self) == 0)
    }

    @Test("an unused large capacity is not kept")
    func shrinks() {
        let builder = BufferBuilder(capacity: 1 << 20)
        [UInt8(1), 2, 3].withUnsafeBytes { builder.append(bytes: $0) }
        let buffer = builder.finish()
        #expect(buffer.byteCount == 3)
        #expect(buffer.load(at: 2, as: UInt8.self) == 3)
    }
}
