import Foundation
import Testing
@testable import Parquet

@Suite("page codecs")
struct PageCompressionTests {
    static let sample: [UInt8] = {
        var bytes: [UInt8] = []
        for i in 0..<50_000 { bytes.append(UInt8(truncatingIfNeeded: i % 251 ^ (i >> 7))) }
        return bytes
    }()

    @Test("each codec round-trips a page", arguments: [PageCodec.uncompressed, .snappy, .gzip, .zstd])
    func roundTrip(codec: PageCodec) throws {
        let compressed = try Self.sample.withUnsafeBytes { try PageCompression.compress($0, codec: codec) }
        let back = try compressed.withUnsafeBytes {
            try PageCompression.decompress($0, codec: codec, uncompressedSize: Self.sample.count)
        }
        #expect(back == Self.sample)
        if codec != .uncompressed { #expect(compressed.count < Self.sample.count) }
    }

    @Test("empty pages round-trip", arguments: [PageCodec.uncompressed, .snappy, .gzip, .zstd])
    func empty(codec: PageCodec) throws {
        let compressed = try [UInt8]().withUnsafeBytes { try PageCompression.compress($0, codec: codec) }
        let back = try compressed.withUnsafeBytes { try PageCompression.decompress($0, codec: codec, uncompressedSize: 0) }
        #expect(back.isEmpty)
    }

    @Test("corrupt or truncated pages are errors, never crashes", arguments: [PageCodec.snappy, .gzip, .zstd])
    func corrupt(codec: PageCodec) throws {
        var compressed = try Self.sample.withUnsafeBytes { try PageCompression.compress($0, codec: codec) }
        let truncated = Array(compressed.prefix(compressed.count / 2))
        #expect(throws: CodecError.self) {
            try truncated.withUnsafeBytes { try PageCompression.decompress($0, codec: codec, uncompressedSize: Self.sample.count) }
        }
        for i in stride(from: 0, to: compressed.count, by: max(1, compressed.count / 64)) { compressed[i] ^= 0x5A }
        // Flipped bytes either fail cleanly or decode to something of the declared size.
        if let out = try? compressed.withUnsafeBytes({ try PageCompression.decompress($0, codec: codec, uncompressedSize: Self.sample.count) }) {
            #expect(out.count == Self.sample.count)
        }
    }

    @Test("a header that lies about the uncompressed size is an error")
    func wrongSize() throws {
        let compressed = try Self.sample.withUnsafeBytes { try PageCompression.compress($0, codec: .snappy) }
        #expect(throws: CodecError.self) {
            try compressed.withUnsafeBytes { try PageCompression.decompress($0, codec: .snappy, uncompressedSize: 10) }
        }
        #expect(throws: CodecError.self) {
            try compressed.withUnsafeBytes { try PageCompression.decompress($0, codec: .zstd, uncompressedSize: -1) }
        }
    }

    @Test("LZ4 blocks: literals, overlapping matches, long lengths; Hadoop frames and raw blocks for the legacy codec")
    func lz4() throws {
        func raw(_ bytes: [UInt8], _ size: Int, _ codec: PageCodec = .lz4Raw) throws -> [UInt8] {
            try bytes.withUnsafeBytes { try PageCompression.decompress($0, codec: codec, uncompressedSize: size) }
        }
        #expect(try raw([0x50] + Array("hello".utf8), 5) == Array("hello".utf8))
        // "abc" then a 9-byte match at distance 3 (overlapping its own output), then "!".
        #expect(try raw([0x35, 0x61, 0x62, 0x63, 0x03, 0x00, 0x10, 0x21], 13) == Array("abcabcabcabc!".utf8))
        // 20 literals: 15 in the token plus one extension byte of 5.
        let twenty = Array(repeating: UInt8(ascii: "x"), count: 20)
        #expect(try raw([0xF0, 0x05] + twenty, 20) == twenty)
        // Hadoop framing: [raw size BE][compressed size BE][block].
        let block: [UInt8] = [0x50] + Array("hello".utf8)
        #expect(try raw([0, 0, 0, 5, 0, 0, 0, 6] + block, 5, .lz4) == Array("hello".utf8))
        #expect(try raw(block, 5, .lz4) == Array("hello".utf8), "a raw block under the legacy codec is accepted too")
    }

    @Test("corrupt LZ4 blocks are errors naming the byte", arguments: [
        [UInt8]([0x35, 0x61, 0x62, 0x63, 0x09, 0x00]),   // match offset before the start
        [0x50, 0x61, 0x62],                              // literals run past the end
        [0x35, 0x61, 0x62, 0x63, 0x03],                  // truncated offset
        [0xF0],                                          // length extension missing
        [0x00, 0x00, 0x00],                              // zero offset
    ])
    func corruptLZ4(bytes: [UInt8]) {
        #expect(throws: CodecError.self) {
            try bytes.withUnsafeBytes { try PageCompression.decompress($0, codec: .lz4Raw, uncompressedSize: 13) }
        }
    }

    @Test("codecs we do not have are refused by name")
    func unsupported() {
        do {
            _ = try [UInt8](repeating: 0, count: 4).withUnsafeBytes { try PageCompression.decompress($0, codec: .lzo, uncompressedSize: 4) }
            Issue.record("expected an error")
        } catch {
            #expect((error as? CodecError)?.message == "the LZO codec is not supported")
        }
    }
}
