/// Decompresses LZ4 blocks (the raw block format, no frame), as Parquet's LZ4_RAW codec stores
/// them, and the Hadoop framing the legacy LZ4 codec uses. Every length and match offset is
/// checked, so a corrupt page is an error, never an out-of-bounds access.
enum LZ4Block {
    /// Decompresses one block that must produce exactly `expected` bytes.
    static func decompress(_ input: UnsafeRawBufferPointer, expected: Int) throws(CodecError) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: expected)
        // Typed throws do not pass through withUnsafeMutableBytes; carry the error in a Result.
        let result: Result<Int, CodecError> = out.withUnsafeMutableBytes { dst in
            do { return .success(try decompress(input, into: dst)) } catch let e as CodecError { return .failure(e) } catch { return .failure(CodecError(message: "\(error)")) }
        }
        let produced = try result.get()
        guard produced == expected else {
            throw CodecError(message: "LZ4 block decompressed to \(produced) bytes, header says \(expected)")
        }
        return out
    }

    /// Decompresses into `dst`; returns the bytes written.
    static func decompress(_ src: UnsafeRawBufferPointer, into dst: UnsafeMutableRawBufferPointer) throws(CodecError) -> Int {
        var ip = 0, op = 0
        let end = src.count
        func fail(_ what: String) -> CodecError { CodecError(message: "corrupt LZ4 block at byte \(ip): \(what)") }
        func readLength(_ base: Int) throws(CodecError) -> Int {
            var length = base
            guard base == 15 else { return length }
            while true {
                guard ip < end else { throw fail("length runs past the end of the block") }
                let b = Int(src[ip])
                ip += 1
                length += b
                guard length <= dst.count else { throw fail("length \(length) exceeds the page size") }
                if b != 255 { return length }
            }
        }
        if end == 0 { return 0 }
        while true {
            guard ip < end else { throw fail("missing token") }
            let token = Int(src[ip])
            ip += 1
            let literals = try readLength(token >> 4)
            guard literals <= end - ip else { throw fail("\(literals) literal bytes but only \(end - ip) left") }
            guard literals <= dst.count - op else { throw fail("literals overflow the page (\(dst.count) bytes)") }
            if literals > 0 {
                dst.baseAddress!.advanced(by: op).copyMemory(from: src.baseAddress!.advanced(by: ip), byteCount: literals)
            }
            ip += literals
            op += literals
            // The last sequence has literals only.
            if ip == end { return op }
            guard end - ip >= 2 else { throw fail("truncated match offset") }
            let offset = Int(src[ip]) | Int(src[ip + 1]) << 8
            ip += 2
            guard offset > 0, offset <= op else { throw fail("match offset \(offset) points before the start of the output") }
            let matchLength = try readLength(token & 15) + 4
            guard matchLength <= dst.count - op else { throw fail("match overflows the page (\(dst.count) bytes)") }
            // Byte by byte: a match may overlap what it is producing.
            var from = op - offset
            for _ in 0..<matchLength {
                dst[op] = dst[from]
                op += 1
                from += 1
            }
            // The format ends blocks with literals, but some writers stop after a match.
            if ip == end { return op }
        }
    }

    /// The legacy LZ4 codec: Hadoop frames ([u32 BE raw size][u32 BE compressed size][block])...,
    /// or, as some writers produced, one raw block; Arrow reads both the same way.
    static func decompressLegacy(_ input: UnsafeRawBufferPointer, expected: Int) throws(CodecError) -> [UInt8] {
        if let framed = try? hadoopFrames(input, expected: expected) { return framed }
        return try decompress(input, expected: expected)
    }

    private static func hadoopFrames(_ input: UnsafeRawBufferPointer, expected: Int) throws(CodecError) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: expected)
        var ip = 0, op = 0
        func u32(_ at: Int) -> Int {
            Int(input[at]) << 24 | Int(input[at + 1]) << 16 | Int(input[at + 2]) << 8 | Int(input[at + 3])
        }
        while ip < input.count {
            guard input.count - ip >= 8 else { throw CodecError(message: "truncated Hadoop LZ4 frame header") }
            let raw = u32(ip), compressed = u32(ip + 4)
            ip += 8
            guard compressed <= input.count - ip, raw <= expected - op else { throw CodecError(message: "Hadoop LZ4 frame sizes do not fit") }
            let block = UnsafeRawBufferPointer(rebasing: input[ip..<(ip + compressed)])
            let start = op
            let result: Result<Int, CodecError> = out.withUnsafeMutableBytes { dst in
                do { return .success(try decompress(block, into: UnsafeMutableRawBufferPointer(rebasing: dst[start..<(start + raw)]))) }
                catch let e as CodecError { return .failure(e) } catch { return .failure(CodecError(message: "\(error)")) }
            }
            let written = try result.get()
            guard written == raw else { throw CodecError(message: "Hadoop LZ4 frame decompressed to \(written) of \(raw) bytes") }
            ip += compressed
            op += raw
        }
        guard op == expected else { throw CodecError(message: "Hadoop LZ4 frames hold \(op) of \(expected) bytes") }
        return out
    }
}
