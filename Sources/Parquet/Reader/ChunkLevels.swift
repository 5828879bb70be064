// Reading a chunk's repetition and definition levels.
extension ChunkState {
    static func bitWidth(_ maxLevel: Int) -> Int {
        maxLevel == 0 ? 0 : Int.bitWidth - maxLevel.leadingZeroBitCount
    }

    /// Decodes `n` levels of one kind from the start of `raw` (RLE with a length prefix, or the
    /// legacy BIT_PACKED layout); returns them and the bytes they took.
    func readLevelsV1(
        _ raw: UnsafeRawBufferPointer, base: Int, encoding: Encoding, maxLevel: Int, count n: Int, section: String
    ) throws -> (levels: [UInt8], byteCount: Int) {
        let width = Self.bitWidth(maxLevel)
        var consumed = 0
        do {
            switch encoding {
            case .rle:
                var decoder = try RLEHybridDecoder(lengthPrefixed: raw, bitWidth: width, baseOffset: base)
                let levels = try decodeLevels(n, maxLevel: maxLevel, section: section) { try decoder.decode(into: $0) }
                return (levels, decoder.encodedByteCount)
            case .bitPacked:
                let levels = try decodeLevels(n, maxLevel: maxLevel, section: section) { out in
                    var wide = [Int32](repeating: 0, count: out.count)
                    consumed = try wide.withUnsafeMutableBufferPointer { buffer in
                        try LegacyBitPacked.decode(raw, bitWidth: width, into: buffer)
                    }
                    for i in 0 ..< out.count { out[i] = UInt8(truncatingIfNeeded: wide[i]) }
                }
                return (levels, consumed)
            default:
                throw fail("\(section) encoding \(encoding) is not supported")
            }
        } catch let error as EncodingError {
            throw fail(error, section: section)
        }
    }

    /// Decodes `n` levels from a data page v2 level section (RLE runs without a length prefix).
    func readLevelsV2(_ section: UnsafeRawBufferPointer, base: Int, maxLevel: Int, count n: Int, name: String) throws -> [UInt8] {
        do {
            var decoder = try RLEHybridDecoder(section, bitWidth: Self.bitWidth(maxLevel), baseOffset: base)
            return try decodeLevels(n, maxLevel: maxLevel, section: name) { try decoder.decode(into: $0) }
        } catch let error as EncodingError {
            throw fail(error, section: name)
        }
    }

    /// `n` levels decoded by `body`, each checked to be at most `maxLevel`.
    func decodeLevels(_ n: Int, maxLevel: Int, section: String, _ body: (UnsafeMutableBufferPointer<UInt8>) throws -> Void) throws -> [UInt8] {
        var levels = [UInt8](repeating: 0, count: n)
        let highest = try levels.withUnsafeMutableBufferPointer { buffer in
            try body(buffer)
            return buffer.reduce(0 as UInt8) { max($0, $1) }
        }
        let limit = UInt8(maxLevel)
        if highest > limit, let level = levels.first(where: { $0 > limit }) {
            throw fail("\(section): level \(level) is above the column's maximum of \(maxLevel)")
        }
        return levels
    }

    /// For a data page v1 of a flat column: when the page's `n` definition levels (RLE) are all
    /// the maximum and no page before had a null, counts them in `elidedLevels` instead of storing
    /// them and returns the bytes they take; nil when they must be stored (stored levels are
    /// brought up to date first).
    mutating func elideLevelsV1(_ section: UnsafeRawBufferPointer, base: Int, encoding: Encoding, count n: Int) throws -> Int? {
        if elidesLevels, definitionLevels.isEmpty, encoding == .rle,
           var decoder = try? RLEHybridDecoder(lengthPrefixed: section, bitWidth: 1, baseOffset: base),
           (try? decoder.allEqual(n, to: 1)) == true {
            elidedLevels += n
            return decoder.encodedByteCount
        }
        // Anything else (nulls, a corrupt stream) goes through the full decoding, which reports problems.
        materializeElidedLevels()
        return nil
    }

    /// `elideLevelsV1` for a data page v2 definition level section (bare RLE runs).
    mutating func elideLevelsV2(_ section: UnsafeRawBufferPointer, base: Int, count n: Int) throws -> Bool {
        if elidesLevels, definitionLevels.isEmpty,
           var decoder = try? RLEHybridDecoder(section, bitWidth: 1, baseOffset: base),
           (try? decoder.allEqual(n, to: 1)) == true {
            elidedLevels += n
            return true
        }
        materializeElidedLevels()
        return false
    }

    /// Stores the definition levels left out so far (all at the maximum) ahead of the stored ones.
    mutating func materializeElidedLevels() {
        guard elidedLevels > 0 else { return }
        var levels = [UInt8](repeating: UInt8(maxDefinition), count: elidedLevels)
        levels.reserveCapacity(max(rowCount, elidedLevels + definitionLevels.count))
        levels.append(contentsOf: definitionLevels)
        definitionLevels = levels
        elidedLevels = 0
    }

    /// Counts the page's rows (entries at repetition level 0) and its non-null entries, from the
    /// levels appended for it (all non-null when its definition levels were elided).
    mutating func countPage(entries n: Int, definitionsElided: Bool) throws -> (rows: Int, nonNull: Int) {
        var rows = n
        if maxRepetition > 0 {
            let start = repetitionLevels.count - n
            if entriesRead == 0, n > 0, repetitionLevels[start] != 0 {
                throw fail("the column chunk's first entry has repetition level \(repetitionLevels[start]), not 0")
            }
            rows = repetitionLevels.withUnsafeBufferPointer { all in
                UnsafeBufferPointer(rebasing: all[start...]).reduce(0) { $0 + ($1 == 0 ? 1 : 0) }
            }
        }
        var nonNull = n
        if maxDefinition > 0 && !definitionsElided {
            let limit = UInt8(maxDefinition)
            nonNull = definitionLevels.withUnsafeBufferPointer { all in
                UnsafeBufferPointer(rebasing: all[(all.count - n)...]).reduce(0) { $0 + ($1 == limit ? 1 : 0) }
            }
        }
        guard rows <= rowCount - rowsRead else {
            throw fail("the data page holds \(rows) rows but only \(rowCount - rowsRead) of the row group's \(rowCount) remain")
        }
        return (rows, nonNull)
    }
}
