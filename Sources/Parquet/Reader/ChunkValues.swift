import Columnar

// Decoding a chunk's values: PLAIN and the other value encodings, and dictionary indices gathered
// straight into the values.
extension PhysicalValues {
    /// Bytes per value of the physical types held in `numbers` (0 for the others).
    static func numberWidth(_ physical: PhysicalType) -> Int {
        switch physical {
        case .int32, .float: 4
        case .int64, .double: 8
        default: 0
        }
    }

    /// How many values are held, for the physical type.
    func count(of physical: PhysicalType, typeLength: Int) -> Int {
        switch physical {
        case .boolean: return bools.count
        case .int32, .int64, .float, .double: return (numberBuffer?.byteCount ?? numbers.count) / Self.numberWidth(physical)
        case .int96: return int96s.count
        case .byteArray: return byteArrays?.count ?? bytes.count
        default: return typeLength > 0 ? fixed.count / typeLength : 0
        }
    }
}

extension ChunkState {
    /// Sizes the value and level storage for the whole chunk once, so decoding rarely re-grows it.
    mutating func reserveCapacity() {
        let n = max(0, rowCount)
        switch physical {
        case .boolean: values.bools.reserveCapacity(n)
        case .int32, .int64, .float, .double: values = PhysicalValues(numbers: n, width: PhysicalValues.numberWidth(physical))
        case .int96: values.int96s.reserveCapacity(n)
        case .byteArray: values.byteArrays = ByteArrayStorage(capacity: n)
        default: break
        }
        if maxDefinition > 0 && !elidesLevels { definitionLevels.reserveCapacity(n) }
        if maxRepetition > 0 { repetitionLevels.reserveCapacity(n) }
    }

    /// Turns the numbers written so far into the buffer the column will share (no copy).
    mutating func finishValues() {
        if PhysicalValues.numberWidth(physical) > 0 { values.numberBuffer = values.numbers.finish() }
        if let storage = values.byteArrays { values.byteArrayBuffers = storage.finish() }
    }

    mutating func readValues(encoding: Encoding, data: UnsafeRawBufferPointer, count: Int, base: Int) throws {
        do {
            if encoding == .rleDictionary || encoding == .plainDictionary {
                guard let dictionary else { throw fail("dictionary-encoded page without a dictionary page") }
                var decoder = try RLEHybridDecoder(dictionaryIndices: data, baseOffset: base)
                try gather(from: dictionary, decoder: &decoder, count: count)
            } else {
                // Move the arrays out while decoding: passing `&values` to a method of `self` would
                // keep a second reference and make every append copy the whole chunk so far.
                var decoded = values
                values = PhysicalValues()
                defer { values = decoded }
                try decodeValues(into: &decoded, encoding: encoding, data: data, count: count, base: base)
                if let storage = decoded.byteArrays {
                    // The page's byte arrays were decoded on their own: move them to the chunk's.
                    storage.expect(bytes: decoded.bytes.values.count / max(1, count) * max(1, rowCount - rowsRead))
                    guard storage.append(decoded.bytes) else {
                        throw fail("the column chunk's byte arrays would exceed \(Int32.max) bytes")
                    }
                    decoded.bytes = ByteArrayBuffer()
                }
            }
        } catch let error as EncodingError {
            throw fail(error, section: "\(encoding) values")
        }
    }

    /// Appends the dictionary entries of the next `n` indices of `decoder` to `values`, a run of
    /// indices at a time (each index is checked against the dictionary size by the decoder).
    mutating func gather(from dictionary: PhysicalValues, decoder: inout RLEHybridDecoder, count n: Int) throws {
        guard n > 0 else { return }
        let entries = dictionary.count(of: physical, typeLength: typeLength)
        guard entries == dictionaryCount else {
            throw fail("the dictionary holds \(entries) values but its page header says \(dictionaryCount)")
        }
        switch physical {
        case .int32: try gatherNumbers(Int32.self, dictionary.numbers, decoder: &decoder, count: n)
        case .int64: try gatherNumbers(Int64.self, dictionary.numbers, decoder: &decoder, count: n)
        case .float: try gatherNumbers(Float.self, dictionary.numbers, decoder: &decoder, count: n)
        case .double: try gatherNumbers(Double.self, dictionary.numbers, decoder: &decoder, count: n)
        case .boolean: try gatherArray(&values.bools, dictionary.bools, decoder: &decoder, count: n)
        case .int96: try gatherArray(&values.int96s, dictionary.int96s, decoder: &decoder, count: n)
        case .byteArray: try gatherByteArrays(dictionary.bytes, decoder: &decoder, count: n)
        default:
            guard values.fixed.count / max(1, typeLength) + n <= Int(Int32.max) / max(1, typeLength) else {
                throw fail("the column chunk's fixed-length values would exceed \(Int32.max) bytes")
            }
            let width = typeLength
            values.fixed.reserveCapacity(values.fixed.count + n * width)
            try dictionary.fixed.withUnsafeBufferPointer { dict in
                try decoder.decodeIndexRuns(count: n, dictionaryCount: dictionaryCount, repeated: { index, k in
                    let entry = UnsafeBufferPointer(rebasing: dict[index * width ..< (index + 1) * width])
                    for _ in 0 ..< k { values.fixed.append(contentsOf: entry) }
                }, literal: { indices in
                    for index in indices {
                        let i = Int(index)
                        values.fixed.append(contentsOf: UnsafeBufferPointer(rebasing: dict[i * width ..< (i + 1) * width]))
                    }
                })
            }
        }
    }

    /// Gathers numbers straight into the chunk's value memory: a repeated run is one fill.
    func gatherNumbers<T: BitwiseCopyable>(_ type: T.Type, _ dictionary: BufferBuilder, decoder: inout RLEHybridDecoder, count n: Int) throws {
        try dictionary.withUnsafeBytes { raw in
            let dict = raw.bindMemory(to: T.self)
            try appendDecoded(values.numbers, n, T.self) { out in
                let o = out.baseAddress!
                var done = 0
                try decoder.decodeIndexRuns(count: n, dictionaryCount: dictionaryCount, repeated: { index, k in
                    (o + done).initialize(repeating: dict[index], count: k)
                    done += k
                }, literal: { indices in
                    let at = o + done
                    for j in 0 ..< indices.count { at[j] = dict[Int(indices[j])] }
                    done += indices.count
                })
            }
        }
    }

    /// Gathers the values of one of the array-backed physical types (booleans, INT96).
    func gatherArray<T>(_ out: inout [T], _ dictionary: [T], decoder: inout RLEHybridDecoder, count n: Int) throws {
        out.reserveCapacity(out.count + n)
        try dictionary.withUnsafeBufferPointer { dict in
            try decoder.decodeIndexRuns(count: n, dictionaryCount: dictionaryCount, repeated: { index, k in
                out.append(contentsOf: repeatElement(dict[index], count: k))
            }, literal: { indices in
                for index in indices { out.append(dict[Int(index)]) }
            })
        }
    }

    /// Gathers byte arrays: offsets and bytes of a batch of indices in one pass. Values of up to
    /// 16 bytes are copied as one 16-byte load and store: the dictionary's bytes are read from a
    /// copy with 16 bytes of padding, and the bytes appended have 16 bytes of slack.
    mutating func gatherByteArrays(_ dictionary: ByteArrayBuffer, decoder: inout RLEHybridDecoder, count n: Int) throws {
        guard let storage = values.byteArrays else { throw fail("byte arrays gathered into a chunk of \(physical) values") }
        if paddedDictionaryBytes.count != dictionary.values.count + Self.copyPadding {
            paddedDictionaryBytes = dictionary.values + repeatElement(0, count: Self.copyPadding)
        }
        storage.expect(bytes: (dictionary.values.count / max(1, dictionary.count) + 1) * max(1, rowCount - rowsRead))
        let padded = paddedDictionaryBytes
        try dictionary.offsets.withUnsafeBufferPointer { offsets in
            try padded.withUnsafeBytes { source in
                func tooLarge() -> ParquetReadError { fail("the column chunk's byte arrays would exceed \(Int32.max) bytes") }
                try decoder.decodeIndexRuns(count: n, dictionaryCount: dictionaryCount, repeated: { index, k in
                    let start = Int(offsets[index]), length = Int(offsets[index + 1]) - start
                    guard length == 0 || k <= Int(Int32.max) / length, storage.canGrow(by: length * k) else { throw tooLarge() }
                    Self.appendByteArrays(k, total: length * k, into: storage, source: source) { _ in (start, length) }
                }, literal: { indices in
                    var total = 0
                    for index in indices { total += Int(offsets[Int(index) + 1]) - Int(offsets[Int(index)]) }
                    guard storage.canGrow(by: total) else { throw tooLarge() }
                    Self.appendByteArrays(indices.count, total: total, into: storage, source: source) { j in
                        let i = Int(indices[j])
                        let start = Int(offsets[i])
                        return (start, Int(offsets[i + 1]) - start)
                    }
                })
            }
        }
    }

    /// Bytes readable past the end of each value copied by `appendByteArrays`.
    static let copyPadding = 16

    /// Appends `count` byte arrays whose `total` size is known (and checked to fit): value `j` is
    /// the `range(j)` (start and length) of `source`, which has `copyPadding` readable bytes past
    /// every range.
    @inline(__always)
    static func appendByteArrays(
        _ count: Int, total: Int, into storage: ByteArrayStorage, source: UnsafeRawBufferPointer,
        _ range: (Int) -> (start: Int, length: Int)
    ) {
        let first = storage.byteCount
        storage.append(count, total: total, slack: copyPadding) { ends, dst in
            let src = source.baseAddress!
            var at = 0
            for j in 0 ..< count {
                let (start, length) = range(j)
                if length <= copyPadding {
                    (dst + at).storeBytes(of: (src + start).loadUnaligned(as: SIMD16<UInt8>.self), as: SIMD16<UInt8>.self)
                } else {
                    (dst + at).copyMemory(from: src + start, byteCount: length)
                }
                at += length
                ends[j] = Int32(truncatingIfNeeded: first + at)
            }
        }
    }

    func unsupportedEncoding(_ encoding: Encoding) -> ParquetReadError {
        ParquetReadError(
            kind: .unsupported, column: column.name, offset: pageOffset,
            message: "encoding \(encoding) is not supported for \(physical) values")
    }

    /// Decodes `count` values of the column's physical type with `encoding` (not a dictionary encoding).
    func decodeValues(
        into out: inout PhysicalValues, encoding: Encoding, data: UnsafeRawBufferPointer, count n: Int, base: Int
    ) throws {
        switch physical {
        case .boolean:
            switch encoding {
            case .plain:
                guard (n + 7) / 8 <= data.count else { throw fail("\(n) PLAIN booleans need \((n + 7) / 8) bytes, the page has \(data.count)") }
                var decoder = PlainDecoder(data, baseOffset: base)
                try appendDecoded(&out.bools, n, zero: false) { try decoder.decodeBooleans(into: $0) }
            case .rle:
                var decoder = try RLEHybridDecoder(lengthPrefixed: data, bitWidth: 1, baseOffset: base)
                try appendDecoded(&out.bools, n, zero: false) { try decoder.decodeBooleans(into: $0) }
            default: throw unsupportedEncoding(encoding)
            }
        case .int32:
            try decodeNumeric(out.numbers, Int32.self, encoding: encoding, data: data, count: n, base: base, delta: { data, buffer in
                var decoder = try DeltaBinaryPackedDecoder<Int32>(data, baseOffset: base)
                try decoder.decode(into: buffer)
            })
        case .int64:
            try decodeNumeric(out.numbers, Int64.self, encoding: encoding, data: data, count: n, base: base, delta: { data, buffer in
                var decoder = try DeltaBinaryPackedDecoder<Int64>(data, baseOffset: base)
                try decoder.decode(into: buffer)
            })
        case .float:
            try decodeNumeric(out.numbers, Float.self, encoding: encoding, data: data, count: n, base: base, delta: nil)
        case .double:
            try decodeNumeric(out.numbers, Double.self, encoding: encoding, data: data, count: n, base: base, delta: nil)
        case .int96:
            guard encoding == .plain else { throw unsupportedEncoding(encoding) }
            guard n <= data.count / 12 else { throw fail("\(n) INT96 values need \(n * 12) bytes, the page has \(data.count)") }
            var decoder = PlainDecoder(data, baseOffset: base)
            try appendDecoded(&out.int96s, n, zero: Int96(low: 0, high: 0)) { try decoder.decode(into: $0) }
        case .byteArray:
            switch encoding {
            case .plain:
                guard n <= data.count / 4 else { throw fail("\(n) PLAIN byte arrays need at least \(n * 4) bytes, the page has \(data.count)") }
                var decoder = PlainDecoder(data, baseOffset: base)
                try decoder.decodeByteArrays(count: n, into: &out.bytes)
            case .deltaLengthByteArray:
                var decoder = try DeltaLengthByteArrayDecoder(data, count: n, baseOffset: base)
                try decoder.decode(count: n, into: &out.bytes)
            case .deltaByteArray:
                var decoder = try DeltaByteArrayDecoder(data, count: n, baseOffset: base)
                try decoder.decode(count: n, into: &out.bytes)
            default: throw unsupportedEncoding(encoding)
            }
        case .fixedLenByteArray:
            let width = typeLength
            switch encoding {
            case .plain:
                guard n <= data.count / width else { throw fail("\(n) values of \(width) bytes need \(n * width) bytes, the page has \(data.count)") }
                var decoder = PlainDecoder(data, baseOffset: base)
                try decoder.decodeFixedLenByteArrays(count: n, width: width, into: &out.fixed)
            case .deltaByteArray:
                var decoder = try DeltaByteArrayDecoder(data, count: n, baseOffset: base)
                try decoder.decodeFixed(count: n, width: width, into: &out.fixed)
            case .byteStreamSplit:
                var decoder = try ByteStreamSplitDecoder(data, width: width, baseOffset: base)
                guard decoder.valueCount == n else {
                    throw fail("BYTE_STREAM_SPLIT section holds \(decoder.valueCount) values, the page needs \(n)")
                }
                try decoder.decodeFixedLenByteArrays(count: n, into: &out.fixed)
            default: throw unsupportedEncoding(encoding)
            }
        default:
            throw fail("unknown physical type \(physical)")
        }
    }

    /// PLAIN, BYTE_STREAM_SPLIT and (for integers) DELTA_BINARY_PACKED fixed-width values.
    func decodeNumeric<T: PlainFixedWidth & BitwiseCopyable>(
        _ storage: BufferBuilder, _ type: T.Type, encoding: Encoding, data: UnsafeRawBufferPointer, count n: Int, base: Int,
        delta: ((UnsafeRawBufferPointer, UnsafeMutableBufferPointer<T>) throws -> Void)?
    ) throws {
        let width = T.plainByteWidth
        switch encoding {
        case .plain:
            guard n <= data.count / width else { throw fail("\(n) values of \(width) bytes need \(n * width) bytes, the page has \(data.count)") }
            var decoder = PlainDecoder(data, baseOffset: base)
            try appendDecoded(storage, n, T.self) { try decoder.decode(into: $0) }
        case .byteStreamSplit:
            var decoder = try ByteStreamSplitDecoder(data, width: width, baseOffset: base)
            guard decoder.valueCount == n else {
                throw fail("BYTE_STREAM_SPLIT section holds \(decoder.valueCount) values, the page needs \(n)")
            }
            try appendDecoded(storage, n, T.self) { try decoder.decode(into: $0) }
        case .deltaBinaryPacked where delta != nil:
            // A DELTA_BINARY_PACKED stream needs at least a few header bytes, then at most
            // 64 bits per value; a page of 0 bytes can hold no values.
            guard n == 0 || !data.isEmpty else { throw fail("empty DELTA_BINARY_PACKED section for \(n) values") }
            try appendDecoded(storage, n, T.self) { try delta!(data, $0) }
        default:
            throw unsupportedEncoding(encoding)
        }
    }
}
