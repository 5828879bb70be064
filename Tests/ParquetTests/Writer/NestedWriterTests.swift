import Columnar
import Foundation
import Testing
@testable import Parquet

/// The writer's nested columns (struct, list, map), checked against pyarrow: what it reads back,
/// the schema it sees, and the schema and statistics it writes itself for the same data.
@Suite("Parquet writer: nested columns")
struct NestedWriterTests {
    static let codecs: [PageCodec] = [.uncompressed, .snappy, .gzip, .zstd]

    @Test("pyarrow reads back every nesting, for each codec, page version and dictionary setting",
          arguments: codecs, [1, 2])
    func pyarrowReadsNested(codec: PageCodec, pageVersion: Int) throws {
        guard PyarrowView.available("nested round trip") else { return }
        let batch = try NestedSamples.batch(NestedSamples.fields, rows: 230, seed: 11)
        let expected = JSONLines.render(batch)
        // Dictionary off, on, and on with a limit that sends the larger leaves to the PLAIN fallback.
        for (dictionary, limit) in [(false, 1 << 20), (true, 1 << 20), (true, 100)] {
            var options = ParquetWriterOptions()
            options.compression = codec
            options.pageVersion = pageVersion
            options.dictionary = dictionary
            options.dictionaryPageSizeLimit = limit
            options.rowGroupRows = 100
            options.dataPageSize = 64
            let context = "codec \(codec.name), page v\(pageVersion), dictionary \(dictionary) (limit \(limit))"
            let ours = NestedFiles.temporaryPath("ours.parquet"), theirs = NestedFiles.temporaryPath("theirs.parquet")
            defer { try? FileManager.default.removeItem(atPath: ours); try? FileManager.default.removeItem(atPath: theirs) }
            let metadata = try NestedFiles.write(batch, to: ours, options)
            #expect(metadata.numRows == 230 && metadata.rowGroups.count == 3)
            let dictionaryChunks = metadata.rowGroups.flatMap(\.columns).filter { $0.metaData!.encodings.contains(.rleDictionary) }
            #expect(dictionaryChunks.count == (dictionary ? (limit == 100 ? dictionaryChunks.count : 3 * 22 - 3) : 0), "\(context)")
            if limit == 100 { #expect(dictionaryChunks.count > 0 && dictionaryChunks.count < 3 * 22, "some leaves fall back to PLAIN") }
            let view = try PyarrowView.inspect(ours, rewrite: theirs, rowGroupRows: 100)
            #expect(view.jsonl == expected, "\(context)\n\(Self.firstDifference(expected, view.jsonl))")
            #expect(view.arrowSchema == NestedSamples.arrowSchema, "\(context)")
            // Same schema and the same per-chunk statistics as pyarrow writes for the same data.
            #expect(view.parquetSchema == view.rewriteParquetSchema, "\(context)")
            #expect(view.rowGroups.count == 3 && view.rowGroups.allSatisfy { $0.count == 22 }, "\(context)")
            let prices = view.rowGroups[0].first { $0["path"] as? String == "prices.list.element" }
            #expect((prices?["min"] as? Int) != nil && (prices?["null_count"] as? Int ?? 0) > 0, "\(context): \(prices ?? [:])")
            #expect(view.rowGroups == view.rewriteRowGroups, "\(context)\n\(Self.firstDifference(view.rowGroups, view.rewriteRowGroups))")
        }
    }

    @Test("Sluice's reader reads back every nesting Sluice writes, for each codec, page version and dictionary setting",
          arguments: codecs, [1, 2])
    func sluiceReadsNested(codec: PageCodec, pageVersion: Int) throws {
        let batch = try NestedSamples.batch(NestedSamples.fields, rows: 230, seed: 12)
        let expected = JSONLines.render(batch)
        for dictionary in [false, true] {
            var options = ParquetWriterOptions()
            options.compression = codec
            options.pageVersion = pageVersion
            options.dictionary = dictionary
            options.rowGroupRows = 100
            options.dataPageSize = 64
            let path = NestedFiles.temporaryPath("self.parquet")
            defer { try? FileManager.default.removeItem(atPath: path) }
            _ = try NestedFiles.write(batch, to: path, options)
            let reader = try ParquetFileReader(path: path)
            #expect(reader.schema.names == batch.schema.names)
            let text = try reader.readAll().map(JSONLines.render).joined()
            #expect(text == expected, "codec \(codec.name), page v\(pageVersion), dictionary \(dictionary)\n\(Self.firstDifference(expected, text))")
        }
    }

    @Test("a Delta Lake checkpoint-shaped table (add/remove/metaData/protocol actions) reads back in pyarrow, also with no rows")
    func deltaCheckpointShape() throws {
        guard PyarrowView.available("Delta checkpoint shape") else { return }
        let stringMap = DataType.map(key: .string, value: .string)
        let fields: [Field] = [
            Field("txn", .struct([Field("appId", .string), Field("version", .int64), Field("lastUpdated", .int64)])),
            Field("add", .struct([
                Field("path", .string, nullable: false), Field("partitionValues", stringMap, nullable: false),
                Field("size", .int64, nullable: false), Field("modificationTime", .int64, nullable: false),
                Field("dataChange", .bool, nullable: false), Field("stats", .string), Field("tags", stringMap),
            ])),
            Field("remove", .struct([
                Field("path", .string, nullable: false), Field("deletionTimestamp", .int64), Field("dataChange", .bool, nullable: false),
                Field("extendedFileMetadata", .bool), Field("partitionValues", stringMap), Field("size", .int64),
            ])),
            Field("metaData", .struct([
                Field("id", .string, nullable: false), Field("name", .string), Field("description", .string),
                Field("format", .struct([Field("provider", .string, nullable: false), Field("options", stringMap)]), nullable: false),
                Field("schemaString", .string, nullable: false), Field("partitionColumns", .list(of: .string, nullable: false), nullable: false),
                Field("configuration", stringMap), Field("createdTime", .int64),
            ])),
            Field("protocol", .struct([Field("minReaderVersion", .int32, nullable: false), Field("minWriterVersion", .int32, nullable: false)])),
        ]
        for rows in [0, 150] {
            let batch = try NestedSamples.batch(fields, rows: rows, seed: 5)
            var options = ParquetWriterOptions()
            options.rowGroupRows = 64
            options.dataPageSize = 128
            let path = NestedFiles.temporaryPath("checkpoint.parquet")
            defer { try? FileManager.default.removeItem(atPath: path) }
            try NestedFiles.write(batch, to: path, options)
            let view = try PyarrowView.inspect(path)
            #expect(view.jsonl == JSONLines.render(batch), "\(rows) rows\n\(Self.firstDifference(JSONLines.render(batch), view.jsonl))")
            #expect(view.arrowSchema[1] == "add: struct<path: string not null, partitionValues: map<string, string ('partitionValues')> not null, "
                    + "size: int64 not null, modificationTime: int64 not null, dataChange: bool not null, stats: string, "
                    + "tags: map<string, string ('tags')>>")
        }
    }

    @Test("schema elements match pyarrow's exactly: groups, LIST/MAP annotations, repetitions, num_children")
    func schemaMatchesPyarrow() throws {
        guard PyarrowView.available("nested schema") else { return }
        let batch = try NestedSamples.batch(NestedSamples.fields, rows: 20, seed: 3)
        let ours = NestedFiles.temporaryPath("ours.parquet"), theirs = NestedFiles.temporaryPath("theirs.parquet")
        defer { try? FileManager.default.removeItem(atPath: ours); try? FileManager.default.removeItem(atPath: theirs) }
        let metadata = try NestedFiles.write(batch, to: ours, ParquetWriterOptions())
        _ = try PyarrowView.inspect(ours, rewrite: theirs, rowGroupRows: 1000)
        let pyarrow = try NestedFiles.footer(theirs)
        #expect(metadata.schema.count == pyarrow.schema.count)
        // (The root differs only in pyarrow's REQUIRED repetition, which the format leaves unset.)
        for (mine, theirs) in zip(metadata.schema.dropFirst(), pyarrow.schema.dropFirst()) {
            #expect(mine == theirs)
        }
        let paths = metadata.rowGroups[0].columns.map { $0.metaData!.pathInSchema }
        #expect(paths == pyarrow.rowGroups[0].columns.map { $0.metaData!.pathInSchema })
        #expect(paths.contains(["prices", "list", "element"]) && paths.contains(["partitionValues", "key_value", "key"]))
        #expect(metadata.columnOrders?.count == paths.count)
    }

    @Test("levels: a hand-checked list<int64> with null lists, empty lists and null elements")
    func listLevels() throws {
        let column = try Column(type: .list(of: .int64), values: [
            .list([.int(1), .null, .int(3)]), .null, .list([]), .list([.int(4)]),
        ])
        let plan = try FieldPlan.make(Field("l", .list(of: .int64)), path: "t")
        let leaf = try #require(plan.leaves.first)
        #expect(leaf.path == ["l", "list", "element"] && leaf.maxDefinition == 3 && leaf.maxRepetition == 1)
        let shredded = try LevelShredder.shred(column, leaf: leaf, file: "t")
        #expect(shredded.definition == [3, 2, 3, 0, 1, 3])
        #expect(shredded.repetition == [0, 1, 1, 0, 0, 0])
        #expect(shredded.entryCount == 6 && shredded.valueRows == [0, 2, 3])
        // The slice from row 1 keeps the list offsets' base.
        let tail = try LevelShredder.shred(column.slice(offset: 1, count: 3), leaf: leaf, file: "t")
        #expect(tail.definition == [0, 1, 3] && tail.repetition == [0, 0, 0] && tail.valueRows == [3])
    }

    @Test("null struct, list and map rows with child data under them: the hidden slots are skipped")
    func hiddenChildSlots() throws {
        // A list whose null row 1 still spans child rows 2..<4, and a struct whose null row
        // holds non-null children; a map whose null row spans an entry.
        let items = Column(PrimitiveColumn<Int64>([10, 11, 12, 13, 14] as [Int64]))
        let list = try ListColumn(field: Field("item", .int64), offsets: Buffer(copying: [0, 2, 4, 5] as [Int32]), values: items,
                                  count: 3, validity: Bitmap([true, false, true]))
        let structColumn = try StructColumn(fields: [Field("a", .int64, nullable: false), Field("b", .string)],
                                            children: [Column(PrimitiveColumn<Int64>([1, 2, 3] as [Int64])),
                                                       Column(BinaryColumn(["x", "y", nil]))],
                                            validity: Bitmap([true, false, true]))
        let keys = Column(BinaryColumn(["k1", "hidden", "k3"]))
        let values = Column(BinaryColumn(["v1", "h", nil]))
        let map = try MapColumn(keyField: Field("key", .string, nullable: false), valueField: Field("value", .string),
                                offsets: Buffer(copying: [0, 1, 2, 3] as [Int32]), keys: keys, items: values,
                                count: 3, validity: Bitmap([true, false, true]))
        let batch = try RecordBatch([("l", Column(list)), ("s", Column(structColumn)), ("m", Column(map))])
        #expect(JSONLines.render(batch) == """
            {"l":[10,11],"s":{"a":1,"b":"x"},"m":{"k1":"v1"}}
            {"l":null,"s":null,"m":null}
            {"l":[14],"s":{"a":3,"b":null},"m":{"k3":null}}

            """)
        let path = NestedFiles.temporaryPath("hidden.parquet")
        defer { try? FileManager.default.removeItem(atPath: path) }
        for pageVersion in [1, 2] {
            var options = ParquetWriterOptions()
            options.pageVersion = pageVersion
            options.rowGroupRows = 2  // the second row group starts at the null rows' successor
            let metadata = try NestedFiles.write(batch, to: path, options)
            let sA = metadata.rowGroups.flatMap(\.columns).filter { $0.metaData!.pathInSchema == ["s", "a"] }
            #expect(sA.map { $0.metaData!.statistics!.nullCount } == [1, 0], "the null struct's hidden a=2 is not a value")
            guard PyarrowView.available("hidden child slots") else { continue }
            let view = try PyarrowView.inspect(path)
            #expect(view.jsonl == JSONLines.render(batch), "page v\(pageVersion)")
        }
    }

    @Test("pages end only at row boundaries: a long list stays in one page, v2 counts rows and nulls")
    func pagesSplitAtRows() throws {
        var long: [ScalarValue] = (0..<1000).map { .int(Int64($0)) }
        long[5] = .null
        let column = try Column(type: .list(of: .int64), values: [.list([.int(1)]), .list(long), .null, .list([.int(2), .int(3)])])
        let plan = try FieldPlan.make(Field("l", .list(of: .int64)), path: "t")
        var options = ParquetWriterOptions()
        options.pageVersion = 2
        options.compression = .uncompressed
        options.dataPageSize = 16  // two values per page, were it not for the rows
        options.dictionary = false
        let chunk = try ColumnChunkWriter.encode(column, leaf: plan.leaves[0], options: options, path: "t")
        var headers: [DataPageHeaderV2] = []
        var offset = 0
        while offset < chunk.bytes.count {
            let (header, length) = try chunk.bytes.withUnsafeBytes { raw in
                try PageHeader.decodePrefix(UnsafeRawBufferPointer(rebasing: raw[offset...]))
            }
            headers.append(try #require(header.dataPageHeaderV2))
            offset += length + Int(header.compressedPageSize)
        }
        // The first page is cut after two entries, at the next row start: past the long row.
        #expect(headers.map(\.numRows) == [2, 2])
        #expect(headers.map(\.numValues) == [1001, 3])
        #expect(headers.map(\.numNulls) == [1, 1])
        #expect(chunk.metadata.numValues == 1004 && chunk.metadata.statistics?.nullCount == 2)
    }

    @Test("unwritable nested data is refused with a ParquetWriteError naming the column path")
    func refusals() throws {
        func message(_ body: () throws -> Void) -> String {
            do { try body() } catch let error as ParquetWriteError { return error.message } catch { return "other error: \(error)" }
            return "no error"
        }
        let path = NestedFiles.temporaryPath("refused.parquet")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let time = Schema([Field("outer", .struct([Field("times", .list(of: .decimal(precision: 40, scale: 0)))]))])
        #expect(message { _ = try ParquetFileWriter(path: path, schema: time) }.contains("'outer.times.list.element'"))
        let empty = Schema([Field("e", .list(of: .struct([])))])
        #expect(message { _ = try ParquetFileWriter(path: path, schema: empty) }.contains("'e.list.element'"))
        // A null map key: Parquet keys are REQUIRED.
        let mapType = DataType.map(keys: Field("key", .string), values: Field("value", .int64), keysSorted: false)
        let map = try MapColumn(keyField: Field("key", .string), valueField: Field("value", .int64),
                                offsets: Buffer(copying: [0, 2] as [Int32]), keys: Column(BinaryColumn(["a", nil])),
                                items: Column(PrimitiveColumn<Int64>([1, 2] as [Int64])), count: 1)
        let batch = try RecordBatch(schema: Schema([Field("m", mapType)]), columns: [Column(map)])
        #expect(message { try NestedFiles.write(batch, to: path, ParquetWriterOptions()) }.contains("'m.key_value.key'"))
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    /// The first differing line of two renderings, or of two descriptions.
    static func firstDifference(_ expected: String, _ actual: String) -> String {
        let e = expected.split(separator: "\n", omittingEmptySubsequences: false)
        let a = actual.split(separator: "\n", omittingEmptySubsequences: false)
        for i in 0..<max(e.count, a.count) where i >= e.count || i >= a.count || e[i] != a[i] {
            return "line \(i + 1):\n  expected: \(i < e.count ? String(e[i]) : "<end>")\n  pyarrow:  \(i < a.count ? String(a[i]) : "<end>")"
        }
        return ""
    }

    static func firstDifference(_ ours: [[[String: AnyHashable]]], _ theirs: [[[String: AnyHashable]]]) -> String {
        for (g, (mine, pyarrow)) in zip(ours, theirs).enumerated() {
            for (m, p) in zip(mine, pyarrow) where m != p { return "row group \(g):\n  ours:    \(m)\n  pyarrow: \(p)" }
        }
        return ours.count == theirs.count ? "" : "\(ours.count) row groups, pyarrow \(theirs.count)"
    }
}
