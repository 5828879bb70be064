import Testing
@testable import Columnar

@Suite("Bitmap")
struct BitmapTests {
    @Test("bits are stored LSB-first within each byte, as Arrow lays them out")
    func lsbFirstLayout() {
        let bitmap = Bitmap([true, false, true, true, false, false, false, false, false, true])
        #expect(bitmap.count == 10)
        let bytes = bitmap.withUnsafeBytes { Array($0) }
        #expect(bytes == [0b0000_1101, 0b0000_0010])
        #expect(bitmap[0] && !bitmap[1] && bitmap[2] && bitmap[3] && bitmap[9])
        #expect(bitmap.description == "1011000001")
    }

    @Test("popcount is exact for every start offset and length, including unaligned ones")
    func popcountAtAnyOffset() {
        var generator = SplitMix64(seed: 7)
        let bits = (0..<300).map { _ in Bool.random(using: &generator) }
        let bitmap = Bitmap(bits)
        for offset in [0, 1, 3, 7, 8, 9, 63, 64, 65, 130] {
            for count in [0, 1, 5, 8, 13, 64, 65, 100, 300 - offset] where offset + count <= bits.count {
                let slice = bitmap.slice(offset: offset, count: count)
                let expected = bits[offset..<offset + count].filter { $0 }.count
                #expect(slice.setCount == expected, "offset \(offset) count \(count)")
                #expect(slice.unsetCount == count - expected)
                #expect(slice.bits == Array(bits[offset..<offset + count]))
            }
        }
    }

    @Test("a slice shares the buffer and starts mid-byte")
    func sliceSharesBuffer() {
        let bitmap = Bitmap((0..<20).map { $0 % 3 == 0 })
        let slice = bitmap.slice(offset: 5, count: 9)
        #expect(slice.buffer === bitmap.buffer)
        #expect(slice.offset == 5)
        #expect(!slice.isByteAligned)
        #expect(slice.bits == (5..<14).map { $0 % 3 == 0 })
        let nested = slice.slice(offset: 4, count: 3)
        #expect(nested.offset == 9)
        #expect(nested.bits == [true, false, false])
    }

    @Test("the builder appends runs and other bitmaps at aligned and unaligned positions")
    func builderAppendsRunsAndBitmaps() {
        let source = Bitmap((0..<37).map { $0 % 5 != 1 })
        for prefix in [0, 3, 8] {
            let builder = BitmapBuilder()
            builder.append(repeating: true, count: prefix)
            builder.append(source)
            builder.append(source.slice(offset: 3, count: 20))
            builder.append(repeating: false, count: 17)
            builder.append(true)
            let built = builder.finish()
            let expected = Array(repeating: true, count: prefix) + source.bits + Array(source.bits[3..<23])
                + Array(repeating: false, count: 17) + [true]
            #expect(built.bits == expected, "prefix \(prefix)")
            #expect(built.setCount == expected.filter { $0 }.count)
        }
    }

    @Test("copying a byte-aligned slice clears the source's bits past its end")
    func alignedCopyMasksTail() {
        let ones = Bitmap(repeating: true, count: 16)
        let builder = BitmapBuilder()
        builder.append(ones.slice(offset: 8, count: 5))
        builder.append(repeating: false, count: 3)
        builder.append(ones.slice(offset: 0, count: 2))
        let built = builder.finish()
        #expect(built.bits == [true, true, true, true, true, false, false, false, true, true])
        #expect(built.setCount == 7)
    }

    @Test("bitmaps compare by their bits, not by their buffers or offsets")
    func equalityIsByBits() {
        let a = Bitmap([false, true, true, false])
        let b = Bitmap([true, false, true, true, false]).slice(offset: 1, count: 4)
        #expect(a == b)
        #expect(a != Bitmap([false, true, true, true]))
        #expect(Bitmap(repeating: true, count: 70).setCount == 70)
    }
}
