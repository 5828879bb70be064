import Testing
@testable import Columnar

@Suite("Nested columns")
struct NestedTests {
    @Test("a struct column is built through its child builders and read back by field")
    func structThroughChildBuilders() throws {
        let builder = StructColumnBuilder(fields: [Field("id", .int64, nullable: false), Field("name", .string)])
        let ids = builder.child(at: 0, as: PrimitiveColumnBuilder<Int64>.self)
        let names = builder.child(at: 1, as: BinaryColumnBuilder.self)
        ids.append(1); names.append("ann"); builder.endStruct()
        builder.appendNull()
        ids.append(3); names.append(nil); builder.endStruct()
        let column = builder.finishTyped()
        #expect(column.count == 3 && column.nullCount == 1)
        #expect(column.child(named: "id")?.primitive(Int64.self)?.optionalValues == [1, nil, 3])
        #expect(column.child(named: "name")?.asBinary?.string(at: 0) == "ann")
        #expect(Column(column).value(at: 2) == .struct([("id", 3), ("name", nil)]))
        #expect(Column(column).value(at: 1) == .null)
    }

    @Test("a list column's rows are offset ranges into one child column")
    func listOffsets() throws {
        let builder = ListColumnBuilder(itemType: .string)
        let items = builder.values(as: BinaryColumnBuilder.self)
        items.append("a"); items.append("b"); builder.endList()
        builder.endList()
        builder.appendNull()
        items.append(nil); builder.endList()
        let column = builder.finishTyped()
        #expect(column.withUnsafeOffsets { Array($0) } == [0, 2, 2, 2, 3])
        #expect(column.valueRange(at: 0) == 0..<2)
        #expect(column.values.scalars == ["a", "b", nil])
        #expect(Column(column).scalars == [["a", "b"], [], nil, [nil]])
        #expect(column.dataType.description == "list<item: string>")
    }

    @Test("a map column keeps keys and values side by side under shared offsets")
    func mapEntries() throws {
        let builder = MapColumnBuilder(keyType: .string, valueType: .float64)
        let keys = builder.keys as! BinaryColumnBuilder
        let values = builder.items as! PrimitiveColumnBuilder<Double>
        keys.append("x"); values.append(1.5)
        keys.append("y"); values.append(nil)
        builder.endMap()
        builder.appendNull()
        builder.endMap()
        let column = builder.finishTyped()
        #expect(column.count == 3 && column.nullCount == 1)
        #expect(column.entryRange(at: 0) == 0..<2 && column.entryRange(at: 2) == 2..<2)
        #expect(Column(column).value(at: 0) == .map([("x", 1.5), ("y", nil)]))
        #expect(column.dataType.description == "map<string, double>")
    }

    @Test("deeply nested values (list of struct holding a map) round-trip through scalars")
    func deepNesting() throws {
        let inner = DataType.map(key: .int32, value: .list(of: .bool))
        let type = DataType.list(of: .struct([Field("m", inner), Field("d", .date32)]))
        let values: [ScalarValue] = [
            [.struct([("m", .map([(1, [true, nil]), (2, nil)])), ("d", .date(days: 3))]), nil],
            nil,
            [],
            [.struct([("m", .map([])), ("d", nil)])],
        ]
        let column = try makeColumn(type, values)
        #expect(column.scalars == values)
        #expect(column.nullCount == 1)
        let children = column.asList!.values.asStruct!
        #expect(children.count == 3)
        #expect(children.child(named: "m")!.asMap!.items.asList!.values.count == 2)
    }

    @Test("assembling nested columns from parts checks types and lengths")
    func assemblingChecksParts() throws {
        let ints = Column(PrimitiveColumn<Int64>([1, 2, 3] as [Int64]))
        let strings = Column(BinaryColumn(["a", "b"]))
        #expect(throws: ColumnarError.lengthMismatch(field: "s", expected: 3, actual: 2)) {
            try StructColumn(fields: [Field("i", .int64), Field("s", .string)], children: [ints, strings])
        }
        #expect(throws: ColumnarError.typeMismatch(field: "i", expected: .int32, actual: .int64)) {
            try StructColumn(fields: [Field("i", .int32)], children: [ints])
        }
        let offsets = Buffer(copying: [0, 1, 3] as [Int32])
        let list = try ListColumn(field: Field("item", .int64), offsets: offsets, values: ints, count: 2)
        #expect(Column(list).scalars == [[1], [2, 3]])
        #expect(throws: ColumnarError.self) {
            try ListColumn(field: Field("item", .string), offsets: offsets, values: ints, count: 2)
        }
        let map = try MapColumn(keyField: Field("key", .int64, nullable: false), valueField: Field("value", .int64),
                                offsets: offsets, keys: ints, items: ints, count: 2)
        #expect(Column(map).value(at: 1) == .map([(2, 2), (3, 3)]))
    }
}
