import Testing
@testable import Columnar

@Suite("Record batches")
struct BatchTests {
    let schema = Schema([Field("id", .int64, nullable: false), Field("name", .string)])

    func batch(_ ids: [Int64], _ names: [String?]) throws -> RecordBatch {
        try RecordBatch(schema: schema, columns: [Column(PrimitiveColumn<Int64>(ids)), Column(BinaryColumn(names))])
    }

    @Test("a valid batch exposes its columns by index and by name")
    func validBatch() throws {
        let batch = try batch([1, 2, 3], ["a", nil, "c"])
        #expect(batch.rowCount == 3 && batch.columnCount == 2)
        #expect(batch.column(named: "name")?.scalars == ["a", nil, "c"])
        #expect(batch.column(named: "missing") == nil)
        #expect(batch.row(at: 1) == .struct([("id", 2), ("name", nil)]))
        #expect(try batch.project(["name"]).columns.count == 1)
        #expect(batch.description == "RecordBatch(3 rows, {id: int64 not null, name: string})")
    }

    @Test("batch validation rejects wrong column counts, lengths, types and nulls in non-nullable fields")
    func validationErrors() throws {
        let ids = Column(PrimitiveColumn<Int64>([1, 2, 3] as [Int64]))
        let names = Column(BinaryColumn(["a", "b"]))
        #expect(throws: ColumnarError.columnCountMismatch(expected: 2, actual: 1)) {
            try RecordBatch(schema: schema, columns: [ids])
        }
        #expect(throws: ColumnarError.lengthMismatch(field: "name", expected: 3, actual: 2)) {
            try RecordBatch(schema: schema, columns: [ids, names])
        }
        #expect(throws: ColumnarError.typeMismatch(field: "name", expected: .string, actual: .int64)) {
            try RecordBatch(schema: schema, columns: [ids, ids])
        }
        let nullIds = Column(PrimitiveColumn<Int64>([1, nil] as [Int64?]))
        #expect(throws: ColumnarError.nullsInNonNullableField(field: "id", nullCount: 1)) {
            try RecordBatch(schema: schema, columns: [nullIds, names])
        }
        let error = ColumnarError.lengthMismatch(field: "name", expected: 3, actual: 2)
        #expect(error.description == "column 'name' has 2 row(s) but the batch has 3")
    }

    @Test("slicing a batch slices every column without copying")
    func sliceBatch() throws {
        let batch = try batch([1, 2, 3, 4, 5], ["a", "b", nil, "d", "e"])
        let slice = batch.slice(offset: 1, count: 3)
        #expect(slice.rowCount == 3)
        #expect(slice.column(at: 0).scalars == [2, 3, 4])
        #expect(slice.column(at: 1).scalars == ["b", nil, "d"])
        #expect(slice.column(at: 1).asBinary!.data === batch.column(at: 1).asBinary!.data)
    }

    @Test("concatenating batches appends rows, including from slices, and keeps the first schema")
    func concatenateBatches() throws {
        let first = try batch([1, 2, 3], ["a", nil, "c"])
        let second = try batch([4, 5, 6, 7], ["d", "e", nil, "g"]).slice(offset: 1, count: 3)
        let joined = try RecordBatch.concatenate([first, second, RecordBatch.empty(schema: schema)])
        #expect(joined.rowCount == 6)
        #expect(joined.column(at: 0).scalars == [1, 2, 3, 5, 6, 7])
        #expect(joined.column(at: 1).scalars == ["a", nil, "c", "e", nil, "g"])
        #expect(joined.column(at: 1).nullCount == 2)
        #expect(joined.column(at: 1).asBinary!.withUnsafeOffsets { $0.first } == 0)
    }

    @Test("concatenation refuses mismatched schemas, mismatched column types and empty input")
    func concatenationErrors() throws {
        let first = try batch([1], ["a"])
        let other = try RecordBatch([("id", Column(PrimitiveColumn<Int32>([1] as [Int32])))])
        #expect(throws: ColumnarError.schemaMismatch(expected: first.schema, actual: other.schema)) {
            try RecordBatch.concatenate([first, other])
        }
        #expect(throws: ColumnarError.emptyConcatenation) { try RecordBatch.concatenate([]) }
        #expect(throws: ColumnarError.columnTypeMismatch(expected: .int64, actual: .int32)) {
            try Column.concatenate([first.column(at: 0), other.column(at: 0)])
        }
    }

    @Test("nested columns concatenate with rebased offsets")
    func concatenateNested() throws {
        let type = DataType.struct([Field("tags", .list(of: .string)), Field("attrs", .map(key: .string, value: .int64))])
        let a = try makeColumn(type, [
            .struct([("tags", ["x", "y"]), ("attrs", .map([("k", 1)]))]), .null,
        ])
        let b = try makeColumn(type, [
            .struct([("tags", []), ("attrs", nil)]), .struct([("tags", [nil, "z"]), ("attrs", .map([("k", 2), ("j", nil)]))]),
            .struct([("tags", ["w"]), ("attrs", .map([]))]),
        ])
        let joined = try Column.concatenate([a, b.slice(offset: 1, count: 2), a.slice(offset: 0, count: 1)])
        #expect(joined.scalars == a.scalars + Array(b.scalars[1...]) + [a.scalars[0]])
        let tags = joined.asStruct!.child(named: "tags")!.asList!
        #expect(tags.withUnsafeOffsets { Array($0) } == [0, 2, 2, 4, 5, 7])
    }
}
