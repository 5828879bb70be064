// Run-at-a-time consumers of an RLE / bit-packed hybrid stream: dictionary indices handed over
// run by run (so a reader can gather dictionary values without materialising the indices), and a
// check that levels are all one value (so a reader need not store the levels of a page without nulls).

extension RLEHybridDecoder {
    /// Values of a bit-packed run unpacked at a time by `decodeIndexRuns`.
    static let indexBatch = 1024

    /// Decodes the next `n` dictionary indices and hands them over a run at a time: `repeated(index,
    /// count)` for a repeated run, `literal(indices)` for (a batch of up to 1024 values of) a
    /// bit-packed run. Every index is checked to be below `dictionaryCount` before it is handed
    /// over; the counts handed over add up to `n` unless something throws.
    @inline(__always)
    mutating func decodeIndexRuns(
        count n: Int, dictionaryCount: Int,
        repeated: (_ index: Int, _ count: Int) throws -> Void,
        literal: (_ indices: UnsafeBufferPointer<UInt32>) throws -> Void
    ) throws {
        let limit = UInt32(clamping: max(0, dictionaryCount))
        func outOfRange(_ index: UInt32, at position: Int) -> EncodingError {
            EncodingError(.valueOutOfRange, encoding: "RLE_DICTIONARY", offset: baseOffset + position,
                          "dictionary index \(index) is out of range for a dictionary of \(dictionaryCount) values")
        }
        var done = 0
        try withUnsafeTemporaryAllocation(of: UInt32.self, capacity: Self.indexBatch) { batch in
            let tmp = batch.baseAddress!
            while done < n {
                if repeatRemaining > 0 {
                    let k = min(repeatRemaining, n - done)
                    guard repeatValue < limit else { throw outOfRange(repeatValue, at: position) }
                    try repeated(Int(repeatValue), k)
                    repeatRemaining -= k
                    done += k
                    valuesRead += k
                } else if packedRemaining > 0 {
                    let k = min(packedRemaining, n - done, Self.indexBatch)
                    BitPacking.unpackUnchecked(data.baseAddress.map { $0 + packedStart }, byteCount: data.count - packedStart,
                                               bitWidth: bitWidth, startIndex: packedIndex, count: k, into: tmp)
                    var maxSeen: UInt32 = 0
                    for i in 0 ..< k { maxSeen = max(maxSeen, tmp[i]) }
                    guard maxSeen < limit else { throw outOfRange(maxSeen, at: packedStart) }
                    try literal(UnsafeBufferPointer(start: tmp, count: k))
                    packedIndex += k
                    packedRemaining -= k
                    done += k
                    valuesRead += k
                } else {
                    try startRun(requested: n - done)
                }
            }
        }
    }

    /// Whether the next `n` values all equal `value`. When they do they are consumed; when not (or
    /// on a throw) the decoder is left somewhere in between, so callers probe a copy.
    mutating func allEqual(_ n: Int, to value: UInt32) throws(EncodingError) -> Bool {
        var done = 0
        while done < n {
            if repeatRemaining > 0 {
                let k = min(repeatRemaining, n - done)
                guard repeatValue == value else { return false }
                repeatRemaining -= k
                done += k
                valuesRead += k
            } else if packedRemaining > 0 {
                let k = min(packedRemaining, n - done, Self.indexBatch)
                let same = withUnsafeTemporaryAllocation(of: UInt32.self, capacity: Self.indexBatch) { batch in
                    let tmp = batch.baseAddress!
                    BitPacking.unpackUnchecked(data.baseAddress.map { $0 + packedStart }, byteCount: data.count - packedStart,
                                               bitWidth: bitWidth, startIndex: packedIndex, count: k, into: tmp)
                    var differ: UInt32 = 0
                    for i in 0 ..< k { differ |= tmp[i] ^ value }
                    return differ == 0
                }
                guard same else { return false }
                packedIndex += k
                packedRemaining -= k
                done += k
                valuesRead += k
            } else {
                try startRun(requested: n - done)
            }
        }
        return true
    }
}
