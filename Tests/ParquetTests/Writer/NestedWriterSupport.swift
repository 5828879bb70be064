import Columnar
import Foundation
import Testing
@testable import Parquet

/// pyarrow's view of a Parquet file, from interop/parquet_inspect.py.
struct PyarrowView {
    /// pyarrow's reading, rendered as `JSONLines.render` renders batches.
    var jsonl: String
    /// "name: type" per top-level field, as pyarrow reads the file.
    var arrowSchema: [String]
    /// Per row group, per column chunk: path, num_values, null_count, min, max.
    var rowGroups: [[[String: AnyHashable]]]
    /// The same for pyarrow's own rewrite of the table (when asked for).
    var rewriteRowGroups: [[[String: AnyHashable]]]
    /// pyarrow's printout of the file's Parquet schema, and of its rewrite's.
    var parquetSchema: String
    var rewriteParquetSchema: String

    static let repository = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // Writer
        .deletingLastPathComponent()  // ParquetTests
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()  // repository
    static let python = repository.appendingPathComponent("interop/.venv/bin/python").path
    static let script = repository.appendingPathComponent("interop/parquet_inspect.py").path

    /// True when the interop venv exists; otherwise prints why the pyarrow check is skipped.
    static func available(_ test: String) -> Bool {
        if FileManager.default.isExecutableFile(atPath: python) { return true }
        print("SKIPPED: interop/.venv missing (run scripts/test.sh); pyarrow check '\(test)' not run")
        return false
    }

    /// Runs the inspector on `path`; with `rewrite`, pyarrow also rewrites the table there in
    /// row groups of `rowGroupRows` rows.
    static func inspect(_ path: String, rewrite: String? = nil, rowGroupRows: Int = 0) throws -> PyarrowView {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [script, path] + (rewrite.map { ["--rewrite", $0, String(rowGroupRows)] } ?? [])
        let out = Pipe(), errors = Pipe()
        process.standardOutput = out
        process.standardError = errors
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        let errorText = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "pyarrow could not read \(path):\n\(errorText)")
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        func groups(_ value: Any?) -> [[[String: AnyHashable]]] {
            ((value as? [[String: Any]]) ?? []).map { ($0["columns"] as? [[String: AnyHashable]]) ?? [] }
        }
        let rewrite = object["rewrite"] as? [String: Any]
        return PyarrowView(jsonl: object["jsonl"] as? String ?? "", arrowSchema: object["arrow_schema"] as? [String] ?? [],
                           rowGroups: groups(object["row_groups"]), rewriteRowGroups: groups(rewrite?["row_groups"]),
                           parquetSchema: object["parquet_schema"] as? String ?? "",
                           rewriteParquetSchema: rewrite?["parquet_schema"] as? String ?? "")
    }
}

/// Deterministic nested sample data: random values of any nested type, with nulls at every level.
struct NestedSamples {
    private var state: UInt64

    init(seed: UInt64) { state = seed &* 0x9E37_79B9_7F4A_7C15 | 1 }

    /// SplitMix64.
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func int(_ n: Int) -> Int { Int(next() % UInt64(n)) }

    static let words = ["", "a", "b", "xyz", "é✓", "日本", "\"q\"", "back\\slash", "line\nbreak", "long-long-long-long"]

    /// A random value of `type` (null one time in six when `nullable`).
    mutating func value(_ type: DataType, nullable: Bool) -> ScalarValue {
        if nullable && int(6) == 0 { return .null }
        switch type {
        case .bool: return .bool(int(2) == 0)
        case .int32: return .int(Int64(int(2001)) - 1000)
        case .int64: return .int(Int64(bitPattern: next()) >> Int64(int(64)))
        case .float64: return .double(Double(int(100_001)) / 8 - 5000)
        case .string: return .string(Self.words[int(Self.words.count)] + (int(3) == 0 ? "\(int(50))" : ""))
        case .binary: return .binary((0..<int(5)).map { _ in UInt8(int(256)) })
        case .date32: return .date(days: Int32(int(40_000)) - 10_000)
        case let .timestamp(unit, timezone): return .timestamp(Int64(int(1 << 40)), unit: unit, timezone: timezone)
        case let .decimal(p, s): return .decimal(Int128(int(10_000_001)) - 5_000_000, precision: p, scale: s)
        case let .struct(fields): return .struct(fields.map { (name: $0.name, value: value($0.type, nullable: $0.nullable)) })
        case let .list(item): return .list((0..<int(5)).map { _ in value(item.type, nullable: item.nullable) })
        case let .map(keys, values, _):
            // Distinct keys per row (as in Delta's partitionValues).
            let count = int(4)
            let start = int(20)
            return .map((0..<count).map { i in
                let key: ScalarValue = keys.type == .string ? .string("k\(start + i)") : .int(Int64(start + i))
                return (key: key, value: value(values.type, nullable: values.nullable))
            })
        default: return .null
        }
    }

    /// A batch of `rows` random rows of `fields`.
    static func batch(_ fields: [Field], rows: Int, seed: UInt64) throws -> RecordBatch {
        var samples = NestedSamples(seed: seed)
        var columns: [Column] = []
        for field in fields {
            let builder = makeColumnBuilder(for: field.type, capacity: rows)
            for _ in 0..<rows { try builder.append(scalar: samples.value(field.type, nullable: field.nullable)) }
            columns.append(builder.finish())
        }
        return try RecordBatch(schema: Schema(fields), columns: columns)
    }

    /// The fields of the main nested test table: every nesting the writer supports, nullable
    /// and not, with a flat column among them.
    static let fields: [Field] = [
        Field("s", .struct([Field("a", .int32), Field("b", .string, nullable: false),
                            Field("inner", .struct([Field("d", .float64), Field("e", .bool)]))])),
        Field("s_req", .struct([Field("x", .int64), Field("ts", .timestamp(.micro, timezone: "UTC"))]), nullable: false),
        Field("prices", .list(of: .int64)),
        Field("prices_req", .list(of: .int64, nullable: false), nullable: false),
        Field("nested", .list(of: .list(of: .string))),
        Field("points", .list(of: .struct([Field("x", .int32), Field("label", .string)]))),
        Field("tagged", .struct([Field("tags", .list(of: .string)), Field("n", .int64)])),
        Field("flat", .int64),
        Field("partitionValues", .map(key: .string, value: .string), nullable: false),
        Field("attrs", .map(key: .string, value: .struct([Field("a", .int64), Field("b", .date32)]))),
        Field("ids", .map(key: .int32, value: .binary)),
        Field("dec", .list(of: .decimal(precision: 10, scale: 2))),
    ]

    /// What pyarrow reports for `fields` (list items are named "element" in Parquet; pyarrow
    /// names a map's entries after the map).
    static let arrowSchema = [
        "s: struct<a: int32, b: string not null, inner: struct<d: double, e: bool>>",
        "s_req: struct<x: int64, ts: timestamp[us, tz=UTC]> not null",
        "prices: list<element: int64>",
        "prices_req: list<element: int64 not null> not null",
        "nested: list<element: list<element: string>>",
        "points: list<element: struct<x: int32, label: string>>",
        "tagged: struct<tags: list<element: string>, n: int64>",
        "flat: int64",
        "partitionValues: map<string, string ('partitionValues')> not null",
        "attrs: map<string, struct<a: int64, b: date32[day]> ('attrs')>",
        "ids: map<int32, binary ('ids')>",
        "dec: list<element: decimal128(10, 2)>",
    ]
}

/// Test file paths and a writer that writes in uneven slices.
enum NestedFiles {
    static func temporaryPath(_ name: String) -> String {
        NSTemporaryDirectory() + "sluice-nested-\(UUID().uuidString)-\(name)"
    }

    /// Writes `batch` in three uneven slices (so row groups and pages cut across slices and
    /// list offsets do not start at zero).
    @discardableResult
    static func write(_ batch: RecordBatch, to path: String, _ options: ParquetWriterOptions) throws -> FileMetaData {
        let writer = try ParquetFileWriter(path: path, schema: batch.schema, options: options)
        let a = batch.rowCount / 5, b = batch.rowCount / 2
        try writer.write(batch.slice(offset: 0, count: a))
        try writer.write(batch.slice(offset: a, count: b - a))
        try writer.write(batch.slice(offset: b, count: batch.rowCount - b))
        return try writer.close()
    }

    /// The footer of the Parquet file at `path`, read with Sluice's footer decoder.
    static func footer(_ path: String) throws -> FileMetaData {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        return try ParquetFooter.read(fileBytes: bytes, fileSize: bytes.count)
    }
}
