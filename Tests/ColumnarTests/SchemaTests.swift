import Testing
@testable import Columnar

@Suite("Types and schemas")
struct SchemaTests {
    @Test("data types print under Arrow's names")
    func arrowNames() {
        let cases: [(DataType, String)] = [
            (.bool, "bool"), (.int8, "int8"), (.int64, "int64"), (.uint16, "uint16"),
            (.float32, "float"), (.float64, "double"), (.string, "string"), (.binary, "binary"),
            (.fixedSizeBinary(16), "fixed_size_binary[16]"), (.date32, "date32[day]"),
            (.timestamp(.micro, timezone: "UTC"), "timestamp[us, tz=UTC]"), (.timestamp(.nano), "timestamp[ns]"),
            (.time(.milli), "time32[ms]"), (.time(.micro), "time64[us]"),
            (.decimal(precision: 10, scale: 2), "decimal128(10, 2)"),
            (.list(of: .string), "list<item: string>"),
            (.struct([Field("a", .int64), Field("b", .string, nullable: false)]), "struct<a: int64, b: string not null>"),
            (.map(key: .string, value: .int64), "map<string, int64>"),
            (.map(key: .int32, value: .string, keysSorted: true), "map<int32, string, keys_sorted>"),
        ]
        for (type, name) in cases { #expect(type.description == name) }
        #expect(DataType.time(.second).byteWidth == 4 && DataType.time(.nano).byteWidth == 8)
        #expect(DataType.decimal(precision: 5, scale: 0).byteWidth == 16)
    }

    @Test("metadata keeps insertion order and unique keys")
    func metadataOrder() {
        var metadata: KeyValueMetadata = ["z": "1", "a": "2"]
        metadata["m"] = "3"
        metadata["z"] = "4"
        #expect(metadata.keys == ["z", "a", "m"])
        #expect(metadata["z"] == "4")
        metadata["a"] = nil
        #expect(metadata.map(\.key) == ["z", "m"])
        #expect(metadata != ["m": "3", "z": "4"], "order is part of equality")
        let field = Field("price", .float64, metadata: ["unit": "USD"])
        #expect(field.metadata["unit"] == "USD")
    }

    @Test("a schema finds fields by name and projects them in the requested order")
    func lookupAndProjection() throws {
        let schema = Schema([Field("a", .int64), Field("b", .string), Field("c", .bool)], metadata: ["source": "test"])
        #expect(try schema.index(of: "b") == 1)
        #expect(schema.field(named: "c")?.type == .bool)
        #expect(schema.field(named: "nope") == nil)
        let projected = try schema.project(["c", "a"])
        #expect(projected.names == ["c", "a"])
        #expect(projected.metadata["source"] == "test")
    }

    @Test("projecting an unknown or ambiguous name fails with a clear error")
    func projectionErrors() {
        let schema = Schema([Field("a", .int64), Field("b", .string), Field("b", .bool)])
        #expect(throws: ColumnarError.unknownField(name: "zz", available: ["a", "b", "b"])) {
            try schema.project(["a", "zz"])
        }
        #expect(throws: ColumnarError.ambiguousField(name: "b")) { try schema.project(["b"]) }
        let message = ColumnarError.unknownField(name: "zz", available: ["a", "b"]).description
        #expect(message == "unknown field 'zz'; the schema has: 'a', 'b'")
        #expect(schema.field(named: "b") == nil)
    }
}
