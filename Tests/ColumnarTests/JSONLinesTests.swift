import Testing
@testable import Columnar

@Suite("JSON Lines rendering")
struct JSONLinesTests {
    /// Renders one column named "v" as JSON Lines, one line per row.
    func lines(_ type: DataType, _ values: [ScalarValue]) throws -> [String] {
        let batch = try RecordBatch([("v", makeColumn(type, values))])
        return JSONLines.render(batch).split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
    }

    @Test("one object per row with keys in schema order; nulls are null")
    func rowsAndNulls() throws {
        let batch = try RecordBatch([
            ("id", Column(PrimitiveColumn<Int64>([1, nil] as [Int64?]))),
            ("ok", Column(BooleanColumn([true, nil]))),
        ])
        #expect(JSONLines.render(batch) == "{\"id\":1,\"ok\":true}\n{\"id\":null,\"ok\":null}\n")
        #expect(JSONLines.renderRow(1, of: batch) == "{\"id\":null,\"ok\":null}")
    }

    @Test("integers of every width render as JSON numbers, extremes included")
    func integers() throws {
        #expect(try lines(.int64, [.int(.min), .int(.max)]) == ["{\"v\":-9223372036854775808}", "{\"v\":9223372036854775807}"])
        #expect(try lines(.uint64, [.uint(.max)]) == ["{\"v\":18446744073709551615}"])
        #expect(try lines(.int8, [-5]) == ["{\"v\":-5}"])
        #expect(try lines(.uint16, [.uint(65535)]) == ["{\"v\":65535}"])
    }

    @Test("finite floats use the shortest round-tripping form; NaN and infinities become strings")
    func floats() throws {
        #expect(try lines(.float64, [0.1, 1e300, .double(.leastNonzeroMagnitude), 9007199254740992.0, -1.5]) == [
            "{\"v\":0.1}", "{\"v\":1e+300}", "{\"v\":5e-324}", "{\"v\":9007199254740992.0}", "{\"v\":-1.5}",
        ])
        #expect(try lines(.float64, [.double(.nan), .double(.infinity), .double(-.infinity)]) == [
            "{\"v\":\"NaN\"}", "{\"v\":\"Infinity\"}", "{\"v\":\"-Infinity\"}",
        ])
        #expect(try lines(.float32, [.float(0.1), .float(.nan), .float(-.infinity), .float(16_777_216)]) == [
            "{\"v\":0.1}", "{\"v\":\"NaN\"}", "{\"v\":\"-Infinity\"}", "{\"v\":16777216.0}",
        ])
    }

    @Test("negative zero keeps its sign")
    func negativeZero() throws {
        #expect(try lines(.float64, [.double(-0.0), .double(0.0)]) == ["{\"v\":-0.0}", "{\"v\":0.0}"])
        #expect(try lines(.float32, [.float(-0.0)]) == ["{\"v\":-0.0}"])
    }

    @Test("dates render as YYYY-MM-DD, before 1970 and beyond four-digit years too")
    func dates() throws {
        #expect(try lines(.date32, [.date(days: 0), .date(days: 19723), .date(days: 11016), .date(days: -1)]) == [
            "{\"v\":\"1970-01-01\"}", "{\"v\":\"2024-01-01\"}", "{\"v\":\"2000-02-29\"}", "{\"v\":\"1969-12-31\"}",
        ])
        #expect(try lines(.date32, [.date(days: -719162), .date(days: -719529), .date(days: 2932897)]) == [
            "{\"v\":\"0001-01-01\"}", "{\"v\":\"-0001-12-31\"}", "{\"v\":\"+10000-01-01\"}",
        ])
    }

    @Test("timestamps render as ISO-8601 with microseconds, Z only when UTC-adjusted, correct before 1970")
    func timestamps() throws {
        let utc = DataType.timestamp(.micro, timezone: "UTC")
        #expect(try lines(utc, [.timestamp(-1, unit: .micro, timezone: "UTC"), .timestamp(1_700_000_000_123_456, unit: .micro, timezone: "UTC")]) == [
            "{\"v\":\"1969-12-31T23:59:59.999999Z\"}", "{\"v\":\"2023-11-14T22:13:20.123456Z\"}",
        ])
        #expect(try lines(.timestamp(.micro), [.timestamp(1_700_000_000_123_456, unit: .micro, timezone: nil)]) == [
            "{\"v\":\"2023-11-14T22:13:20.123456\"}",
        ])
        #expect(try lines(.timestamp(.milli), [.timestamp(-1_500, unit: .milli, timezone: nil)]) == [
            "{\"v\":\"1969-12-31T23:59:58.500000\"}",
        ])
        #expect(try lines(.timestamp(.second, timezone: "Europe/Paris"), [.timestamp(-86_400 * 365, unit: .second, timezone: "Europe/Paris")]) == [
            "{\"v\":\"1969-01-01T00:00:00.000000Z\"}",
        ])
        #expect(try lines(.timestamp(.nano), [.timestamp(.min, unit: .nano, timezone: nil), .timestamp(1, unit: .nano, timezone: nil)]) == [
            "{\"v\":\"1677-09-21T00:12:43.145224192\"}", "{\"v\":\"1970-01-01T00:00:00.000000001\"}",
        ])
    }

    @Test("times of day render as HH:MM:SS.ffffff")
    func times() throws {
        #expect(try lines(.time(.micro), [.time(3_661_000_001, unit: .micro)]) == ["{\"v\":\"01:01:01.000001\"}"])
        #expect(try lines(.time(.milli), [.time(1_500, unit: .milli)]) == ["{\"v\":\"00:00:01.500000\"}"])
        #expect(try lines(.time(.second), [.time(86_399, unit: .second)]) == ["{\"v\":\"23:59:59.000000\"}"])
    }

    @Test("decimals render as strings with their scale applied")
    func decimals() throws {
        let type = DataType.decimal(precision: 10, scale: 2)
        #expect(try lines(type, [.decimal(12345, precision: 10, scale: 2), .decimal(-5, precision: 10, scale: 2), .decimal(0, precision: 10, scale: 2)]) == [
            "{\"v\":\"123.45\"}", "{\"v\":\"-0.05\"}", "{\"v\":\"0.00\"}",
        ])
        #expect(try lines(.decimal(precision: 5, scale: -2), [.decimal(123, precision: 5, scale: -2)]) == ["{\"v\":\"12300\"}"])
        let big = Int128(String(repeating: "9", count: 38))!
        #expect(try lines(.decimal(precision: 38, scale: 10), [.decimal(-big, precision: 38, scale: 10)]) == [
            "{\"v\":\"-9999999999999999999999999999.9999999999\"}",
        ])
    }

    @Test("strings escape quotes, backslashes and control characters and keep other unicode as is")
    func unicodeStrings() throws {
        let text = "héllo \"q\" \\ \n\t\r\u{08}\u{0C}\u{01}\u{1F} 😀 中文"
        #expect(try lines(.string, [.string(text), .string("")]) == [
            "{\"v\":\"héllo \\\"q\\\" \\\\ \\n\\t\\r\\b\\f\\u0001\\u001f 😀 中文\"}", "{\"v\":\"\"}",
        ])
        let batch = try RecordBatch([("naïve \"key\"", Column(BinaryColumn(["x"])))])
        #expect(JSONLines.renderRow(0, of: batch) == "{\"naïve \\\"key\\\"\":\"x\"}")
    }

    @Test("binary values render as base64 strings")
    func binaryAsBase64() throws {
        #expect(try lines(.binary, [.binary([0, 1, 2, 255]), .binary([]), .binary(Array("f".utf8)), .binary(Array("fo".utf8)), .binary(Array("foo".utf8))]) == [
            "{\"v\":\"AAEC/w==\"}", "{\"v\":\"\"}", "{\"v\":\"Zg==\"}", "{\"v\":\"Zm8=\"}", "{\"v\":\"Zm9v\"}",
        ])
        #expect(try lines(.fixedSizeBinary(2), [.binary([0xFF, 0xFE])]) == ["{\"v\":\"//4=\"}"])
    }

    @Test("structs become objects, lists arrays, and maps objects with keys rendered as strings")
    func nestedValues() throws {
        let structType = DataType.struct([Field("a", .int64), Field("b", .list(of: .float64))])
        #expect(try lines(structType, [.struct([("a", 1), ("b", [1.5, nil, .double(.nan)])]), .null]) == [
            "{\"v\":{\"a\":1,\"b\":[1.5,null,\"NaN\"]}}", "{\"v\":null}",
        ])
        #expect(try lines(.map(key: .string, value: .int64), [.map([("x", 1), ("y", nil)]), .map([])]) == [
            "{\"v\":{\"x\":1,\"y\":null}}", "{\"v\":{}}",
        ])
        #expect(try lines(.map(key: .int32, value: .bool), [.map([(1, true), (-2, false)])]) == ["{\"v\":{\"1\":true,\"-2\":false}}"])
        #expect(try lines(.map(key: .date32, value: .string), [.map([(.date(days: 0), "epoch")])]) == [
            "{\"v\":{\"1970-01-01\":\"epoch\"}}",
        ])
        #expect(try lines(.map(key: .float64, value: .int8), [.map([(.double(.infinity), 1), (0.5, 2)])]) == [
            "{\"v\":{\"Infinity\":1,\"0.5\":2}}",
        ])
        #expect(try lines(.list(of: .list(of: .string)), [[["a"], [], nil]]) == ["{\"v\":[[\"a\"],[],null]}"])
    }
}
