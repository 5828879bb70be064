import CSnappy
import CZlib
import CZstd


/// The compression codecs of Parquet pages (`CompressionCodec` in parquet.thrift).
public enum PageCodec: Int32, Sendable, CaseIterable {
    case uncompressed = 0
    case snappy = 1
    case gzip = 2
    case lzo = 3
    case brotli = 4
    case lz4 = 5
    case zstd = 6
    case lz4Raw = 7

    public var name: String {
        switch self {
        case .uncompressed: return "UNCOMPRESSED"
        case .snappy: return "SNAPPY"
        case .gzip: return "GZIP"
        case .lzo: return "LZO"
        case .brotli: return "BROTLI"
        case .lz4: return "LZ4"
        case .zstd: return "ZSTD"
        case .lz4Raw: return "LZ4_RAW"
        }
    }
}

/// A page that could not be compressed or decompressed.
public struct CodecError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

/// Compresses and decompresses page bodies with the system libraries (snappy, zlib, zstd).
public enum PageCompression {
    /// The CRC-32 (zlib's polynomial) of `bytes`: what a page header's `crc` holds for the page's
    /// bytes as stored (compressed), header excluded.
    public static func crc32(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        var crc: UInt = CZlib.crc32(0, nil, 0)
        var rest = bytes
        while !rest.isEmpty {
            let n = min(rest.count, Int(UInt32.max))
            crc = CZlib.crc32(crc, rest.baseAddress!.assumingMemoryBound(to: UInt8.self), UInt32(n))
            rest = UnsafeRawBufferPointer(rebasing: rest[n...])
        }
        return UInt32(truncatingIfNeeded: crc)
    }

    /// Whether pages compressed with `codec` can be decompressed (BROTLI and LZO cannot: neither
    /// library is part of the build).
    public static func canDecompress(_ codec: PageCodec) -> Bool {
        switch codec {
        case .uncompressed, .snappy, .gzip, .zstd, .lz4, .lz4Raw: true
        default: false
        }
    }

    /// Decompresses `input` whose decompressed size the page header states; the result must have
    /// exactly that size (a corrupt page must not make us allocate or read beyond it).
    public static func decompress(_ input: UnsafeRawBufferPointer, codec: PageCodec, uncompressedSize: Int) throws(CodecError) -> [UInt8] {
        guard uncompressedSize >= 0, uncompressedSize <= 1 << 31 else {
            throw CodecError(message: "implausible uncompressed page size \(uncompressedSize)")
        }
        switch codec {
        case .uncompressed:
            guard input.count == uncompressedSize else {
                throw CodecError(message: "uncompressed page holds \(input.count) bytes, header says \(uncompressedSize)")
            }
            return Array(input)
        case .snappy:
            var length = 0
            guard snappy_uncompressed_length(input.baseAddress?.assumingMemoryBound(to: CChar.self), input.count, &length) == SNAPPY_OK,
                  length == uncompressedSize else {
                throw CodecError(message: "corrupt snappy page (declared length does not match the page header)")
            }
            var out = [UInt8](repeating: 0, count: max(1, length))
            var outLength = length
            let status = out.withUnsafeMutableBytes { dst in
                snappy_uncompress(input.baseAddress?.assumingMemoryBound(to: CChar.self), input.count,
                                  dst.baseAddress?.assumingMemoryBound(to: CChar.self), &outLength)
            }
            guard status == SNAPPY_OK, outLength == uncompressedSize else { throw CodecError(message: "corrupt snappy page") }
            out.removeLast(out.count - outLength)
            return out
        case .zstd:
            var out = [UInt8](repeating: 0, count: max(1, uncompressedSize))
            let n = out.withUnsafeMutableBytes { dst in
                ZSTD_decompress(dst.baseAddress, uncompressedSize, input.baseAddress, input.count)
            }
            if ZSTD_isError(n) != 0 {
                throw CodecError(message: "corrupt zstd page: \(String(cString: ZSTD_getErrorName(n)))")
            }
            guard n == uncompressedSize else { throw CodecError(message: "zstd page decompressed to \(n) bytes, header says \(uncompressedSize)") }
            out.removeLast(out.count - n)
            return out
        case .gzip:
            return try inflate(input, expected: uncompressedSize)
        case .lz4Raw:
            return try LZ4Block.decompress(input, expected: uncompressedSize)
        case .lz4:
            return try LZ4Block.decompressLegacy(input, expected: uncompressedSize)
        default:
            throw CodecError(message: "the \(codec.name) codec is not supported")
        }
    }

    /// Decompresses `input` into `output`, which must be filled exactly (its size is the page
    /// header's decompressed size). SNAPPY and ZSTD write straight into `output`, sparing the
    /// reader an allocation per page; the other codecs go through `decompress(_:codec:uncompressedSize:)`.
    public static func decompress(_ input: UnsafeRawBufferPointer, codec: PageCodec, into output: UnsafeMutableRawBufferPointer) throws(CodecError) {
        let uncompressedSize = output.count
        switch codec {
        case .snappy:
            var length = 0
            guard snappy_uncompressed_length(input.baseAddress?.assumingMemoryBound(to: CChar.self), input.count, &length) == SNAPPY_OK,
                  length == uncompressedSize else {
                throw CodecError(message: "corrupt snappy page (declared length does not match the page header)")
            }
            var outLength = length
            var spare: CChar = 0  // an empty page still goes through snappy's checks
            let status = withUnsafeMutablePointer(to: &spare) { spare in
                snappy_uncompress(input.baseAddress?.assumingMemoryBound(to: CChar.self), input.count,
                                  length > 0 ? output.baseAddress?.assumingMemoryBound(to: CChar.self) : spare, &outLength)
            }
            guard status == SNAPPY_OK, outLength == uncompressedSize else { throw CodecError(message: "corrupt snappy page") }
        case .zstd where uncompressedSize > 0:
            let n = ZSTD_decompress(output.baseAddress, uncompressedSize, input.baseAddress, input.count)
            if ZSTD_isError(n) != 0 {
                throw CodecError(message: "corrupt zstd page: \(String(cString: ZSTD_getErrorName(n)))")
            }
            guard n == uncompressedSize else { throw CodecError(message: "zstd page decompressed to \(n) bytes, header says \(uncompressedSize)") }
        default:
            let bytes = try decompress(input, codec: codec, uncompressedSize: uncompressedSize)
            guard bytes.count == uncompressedSize else {
                throw CodecError(message: "page decompressed to \(bytes.count) bytes, header says \(uncompressedSize)")
            }
            if uncompressedSize > 0 {
                bytes.withUnsafeBytes { output.baseAddress!.copyMemory(from: $0.baseAddress!, byteCount: uncompressedSize) }
            }
        }
    }

    /// Compresses a page body.
    public static func compress(_ input: UnsafeRawBufferPointer, codec: PageCodec, level: Int32? = nil) throws(CodecError) -> [UInt8] {
        switch codec {
        case .uncompressed:
            return Array(input)
        case .snappy:
            var length = snappy_max_compressed_length(input.count)
            var out = [UInt8](repeating: 0, count: length)
            let status = out.withUnsafeMutableBytes { dst in
                snappy_compress(input.baseAddress?.assumingMemoryBound(to: CChar.self), input.count,
                                dst.baseAddress?.assumingMemoryBound(to: CChar.self), &length)
            }
            guard status == SNAPPY_OK else { throw CodecError(message: "snappy compression failed") }
            out.removeLast(out.count - length)
            return out
        case .zstd:
            let bound = ZSTD_compressBound(input.count)
            var out = [UInt8](repeating: 0, count: bound)
            let n = out.withUnsafeMutableBytes { dst in
                ZSTD_compress(dst.baseAddress, bound, input.baseAddress, input.count, level ?? 1)
            }
            if ZSTD_isError(n) != 0 { throw CodecError(message: "zstd compression failed: \(String(cString: ZSTD_getErrorName(n)))") }
            out.removeLast(out.count - n)
            return out
        case .gzip:
            return try deflate(input, level: level ?? 6)
        default:
            throw CodecError(message: "writing \(codec.name) pages is not supported")
        }
    }

    /// Compresses a page body into `scratch` (grown when too small; reused across pages to spare
    /// allocations) and returns the compressed size: the first bytes of `scratch` hold the result.
    public static func compress(_ input: UnsafeRawBufferPointer, codec: PageCodec, level: Int32? = nil,
                                scratch: inout [UInt8]) throws(CodecError) -> Int {
        let bound: Int
        switch codec {
        case .snappy: bound = snappy_max_compressed_length(input.count)
        case .zstd: bound = ZSTD_compressBound(input.count)
        default:
            scratch = try compress(input, codec: codec, level: level)
            return scratch.count
        }
        if scratch.count < bound { scratch.append(contentsOf: repeatElement(0, count: bound - scratch.count)) }
        if codec == .snappy {
            var length = bound
            let status = scratch.withUnsafeMutableBytes { dst in
                snappy_compress(input.baseAddress?.assumingMemoryBound(to: CChar.self), input.count,
                                dst.baseAddress?.assumingMemoryBound(to: CChar.self), &length)
            }
            guard status == SNAPPY_OK else { throw CodecError(message: "snappy compression failed") }
            return length
        }
        let n = scratch.withUnsafeMutableBytes { dst in
            ZSTD_compress(dst.baseAddress, bound, input.baseAddress, input.count, level ?? 1)
        }
        if ZSTD_isError(n) != 0 { throw CodecError(message: "zstd compression failed: \(String(cString: ZSTD_getErrorName(n)))") }
        return n
    }

    /// GZIP (RFC 1952) as Parquet uses it; concatenated members are accepted.
    private static func inflate(_ input: UnsafeRawBufferPointer, expected: Int) throws(CodecError) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: max(1, expected))
        var stream = z_stream()
        // 15 + 32: zlib or gzip header, detected automatically.
        guard inflateInit2_(&stream, 15 + 32, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw CodecError(message: "zlib could not start")
        }
        defer { inflateEnd(&stream) }
        var produced = 0
        var consumed = 0
        var status: Int32 = Z_OK
        out.withUnsafeMutableBytes { dst in
            while true {
                stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.advanced(by: consumed).assumingMemoryBound(to: Bytef.self))
                stream.avail_in = uInt(input.count - consumed)
                stream.next_out = dst.baseAddress?.advanced(by: produced).assumingMemoryBound(to: Bytef.self)
                stream.avail_out = uInt(expected - produced)
                status = zlib_inflate(&stream)
                produced = expected - Int(stream.avail_out)
                consumed = input.count - Int(stream.avail_in)
                // Another gzip member may follow the first.
                if status == Z_STREAM_END && consumed < input.count && produced < expected {
                    inflateReset(&stream)
                    continue
                }
                break
            }
        }
        guard status == Z_STREAM_END || (status == Z_OK && produced == expected), produced == expected else {
            throw CodecError(message: "corrupt gzip page (inflated \(produced) of \(expected) bytes, zlib status \(status))")
        }
        out.removeLast(out.count - produced)
        return out
    }

    private static func zlib_inflate(_ stream: inout z_stream) -> Int32 { CZlib.inflate(&stream, Z_NO_FLUSH) }

    private static func deflate(_ input: UnsafeRawBufferPointer, level: Int32) throws(CodecError) -> [UInt8] {
        var stream = z_stream()
        // 15 + 16: a gzip header, as Parquet's GZIP codec specifies.
        guard deflateInit2_(&stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw CodecError(message: "zlib could not start")
        }
        defer { deflateEnd(&stream) }
        let bound = Int(deflateBound(&stream, uLong(input.count))) + 32
        var out = [UInt8](repeating: 0, count: bound)
        let status: Int32 = out.withUnsafeMutableBytes { dst in
            stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: Bytef.self))
            stream.avail_in = uInt(input.count)
            stream.next_out = dst.baseAddress?.assumingMemoryBound(to: Bytef.self)
            stream.avail_out = uInt(bound)
            return CZlib.deflate(&stream, Z_FINISH)
        }
        guard status == Z_STREAM_END else { throw CodecError(message: "gzip compression failed (zlib status \(status))") }
        out.removeLast(out.count - Int(stream.total_out))
        return out
    }
}
