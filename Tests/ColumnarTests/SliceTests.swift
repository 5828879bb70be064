import Testing
@testable import Columnar

@Suite("Slicing")
struct SliceTests {
    @Test("slicing a primitive column shares its buffer and offsets into it")
    func primitiveSliceIsZeroCopy() {
        let column = PrimitiveColumn<Int64>((0..<100).map { $0 % 7 == 0 ? nil : Int64($0) })
        let slice = column.slice(offset: 13, count: 30)
        #expect(slice.values === column.values)
        #expect(slice.validity?.buffer === column.validity?.buffer)
        #expect(baseAddress(slice) == baseAddress(column)! + 13 * 8)
        #expect(slice.optionalValues == Array(column.optionalValues[13..<43]))
        #expect(slice.nullCount == (13..<43).filter { $0 % 7 == 0 }.count)
    }

    @Test("slices at non-byte offsets read the right validity bits, and slices of slices compose")
    func unalignedValiditySlices() {
        let values: [Int32?] = (0..<50).map { $0 % 3 == 1 ? nil : Int32($0) }
        let column = Column(PrimitiveColumn<Int32>(values))
        for offset in [1, 3, 5, 7, 9, 11] {
            let slice = column.slice(offset: offset, count: 50 - offset - 2)
            #expect(slice.validity!.offset == offset)
            #expect(slice.scalars == values[offset..<48].map { $0.map { .int(Int64($0)) } ?? .null })
            #expect(slice.nullCount == values[offset..<48].filter { $0 == nil }.count)
            let inner = slice.slice(offset: 3, count: 10)
            #expect(inner.scalars == values[offset + 3..<offset + 13].map { $0.map { .int(Int64($0)) } ?? .null })
            #expect(inner.nullCount == values[offset + 3..<offset + 13].filter { $0 == nil }.count)
        }
    }

    @Test("boolean, string and fixed-size binary slices share buffers and keep values")
    func otherLeafSlices() throws {
        let bools = BooleanColumn((0..<20).map { $0 % 4 == 0 ? nil : $0 % 3 == 0 })
        let boolSlice = bools.slice(offset: 5, count: 10)
        #expect(boolSlice.values.buffer === bools.values.buffer)
        #expect((0..<10).map { boolSlice[$0] } == (5..<15).map { bools[$0] })
        #expect(boolSlice.nullCount == 2)

        let strings = BinaryColumn(["a", nil, "bcd", "", "éé", nil, "z"])
        let stringSlice = strings.slice(offset: 2, count: 4)
        #expect(stringSlice.data === strings.data && stringSlice.offsets === strings.offsets)
        #expect((0..<4).map { stringSlice.string(at: $0) } == ["bcd", "", "éé", nil])
        #expect(stringSlice.withUnsafeOffsets { Array($0) } == [1, 4, 4, 8, 8])
        #expect(stringSlice.byteCount == 7)

        let fixed = try makeColumn(.fixedSizeBinary(2), [.binary([1, 2]), .null, .binary([3, 4]), .binary([5, 6])])
        let fixedSlice = fixed.slice(offset: 1, count: 3)
        #expect(fixedSlice.asFixedSizeBinary!.data === fixed.asFixedSizeBinary!.data)
        #expect(fixedSlice.scalars == [.null, .binary([3, 4]), .binary([5, 6])])
    }

    @Test("columns and batches are Sendable: concurrent tasks read slices of one shared buffer")
    func concurrentReads() async throws {
        let column = PrimitiveColumn<Int64>((0..<10_000).map { Int64($0) })
        let batch = try RecordBatch([("n", Column(column))])
        let total = await withTaskGroup(of: Int64.self) { group in
            for part in 0..<4 {
                group.addTask {
                    let slice = batch.slice(offset: part * 2_500, count: 2_500).column(at: 0).primitive(Int64.self)!
                    return slice.withUnsafeBufferPointer { $0.reduce(0, +) }
                }
            }
            return await group.reduce(0, +)
        }
        #expect(total == (0..<10_000).reduce(0, +))
    }

    @Test("nested slices keep children aligned: struct children are sliced, list and map children are shared")
    func nestedSlices() throws {
        let structType = DataType.struct([Field("x", .int64), Field("y", .string)])
        let structs = try makeColumn(structType, [
            .struct([("x", 1), ("y", "a")]), .null, .struct([("x", 3), ("y", nil)]), .struct([("x", 4), ("y", "d")]),
        ])
        let structSlice = structs.slice(offset: 1, count: 3)
        #expect(structSlice.scalars == Array(structs.scalars[1...]))
        #expect(structSlice.asStruct!.children[0].count == 3)

        let lists = try makeColumn(.list(of: .int32), [[1, 2], nil, [], [3, 4, 5], [6]])
        let listSlice = lists.slice(offset: 2, count: 3)
        #expect(listSlice.scalars == [[], [3, 4, 5], [6]])
        #expect(listSlice.asList!.values.count == 6, "the child is shared whole")
        #expect(listSlice.asList!.values(at: 1).scalars == [3, 4, 5])

        let maps = try makeColumn(.map(key: .string, value: .int64), [
            .map([("a", 1)]), .map([]), .null, .map([("b", 2), ("c", nil)]),
        ])
        let mapSlice = maps.slice(offset: 1, count: 3)
        #expect(mapSlice.scalars == Array(maps.scalars[1...]))
        #expect(mapSlice.nullCount == 1)
        #expect(mapSlice.asMap!.keys(at: 2).scalars == ["b", "c"])
    }
}
