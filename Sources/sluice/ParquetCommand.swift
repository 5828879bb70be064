import ArgumentParser
import Foundation
import Parquet
import SluiceCore

/// `sluice parquet schema|meta`: inspect Parquet files.
struct ParquetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "parquet", abstract: "Inspect Parquet files.",
        subcommands: [ParquetSchema.self, ParquetMeta.self, ParquetCat.self, ParquetScan.self, ParquetConvert.self])
}

/// Reads a Parquet file's footer, naming the file and byte offset on failure.
enum ParquetFiles {
    static func metadata(_ path: String) throws -> FileMetaData {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            Terminal.error("error: \(path): cannot open the file")
            throw ExitCode(1)
        }
        defer { try? handle.close() }
        do {
            let size = Int(try handle.seekToEnd())
            var want = min(size, 64 * 1024)
            while true {
                try handle.seek(toOffset: UInt64(size - want))
                let tail = [UInt8](try handle.read(upToCount: want) ?? Data())
                do {
                    let metadata = try ParquetFooter.read(fileBytes: tail, fileSize: size)
                    if tail.count < size {
                        try handle.seek(toOffset: 0)
                        let head = [UInt8](try handle.read(upToCount: 4) ?? Data())
                        try head.withUnsafeBytes { try ParquetFooter.checkLeadingMagic($0) }
                    }
                    return metadata
                } catch let error as ParquetFooterError {
                    if case let .tailTooShort(needed) = error.kind, needed <= size, needed > want {
                        want = needed
                        continue
                    }
                    Terminal.error("error: \(path): \(error)")
                    throw ExitCode(1)
                }
            }
        } catch let exit as ExitCode {
            throw exit
        } catch {
            Terminal.error("error: \(path): \(error.localizedDescription)")
            throw ExitCode(1)
        }
    }
}

struct ParquetSchema: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "schema", abstract: "Print a Parquet file's schema.")
    @Argument(help: "The Parquet file.") var file: String
    @Flag(help: "Print JSON (stable format, see docs/cli.md).") var json = false

    func run() throws {
        let metadata = try ParquetFiles.metadata(file)
        guard !metadata.schema.isEmpty else {
            Terminal.error("error: \(file): the footer's schema list is empty (expected at least a root element)")
            throw ExitCode(1)
        }
        var index = 0
        let root = SchemaTree.build(metadata.schema, &index)
        if json {
            print(Value.map([("name", .string(root.element.name)), ("fields", .list(root.children.map(SchemaTree.json)))]).jsonText(pretty: true))
        } else {
            print(SchemaTree.text(root))
        }
    }
}

/// The flattened schema list rebuilt as a tree.
struct SchemaTree {
    var element: SchemaElement
    var children: [SchemaTree]

    /// Depth-first rebuild; `numChildren` counts are trusted only as far as elements exist.
    static func build(_ elements: [SchemaElement], _ index: inout Int, depth: Int = 0) -> SchemaTree {
        let element = elements[index]
        index += 1
        var children: [SchemaTree] = []
        let count = depth > 64 ? 0 : Int(element.numChildren ?? 0)
        for _ in 0..<count where index < elements.count {
            children.append(build(elements, &index, depth: depth + 1))
        }
        return SchemaTree(element: element, children: children)
    }

    static func annotation(_ e: SchemaElement) -> String {
        var parts: [String] = []
        if let logical = e.logicalType { parts.append("\(logical)") } else if let converted = e.convertedType { parts.append("\(converted)") }
        if let p = e.precision, let s = e.scale, e.logicalType == nil { parts.append("precision \(p), scale \(s)") }
        return parts.isEmpty ? "" : " (\(parts.joined(separator: ", ")))"
    }

    static func text(_ root: SchemaTree) -> String {
        var lines = ["message \(root.element.name) {"]
        func walk(_ node: SchemaTree, _ indent: String) {
            let e = node.element
            let repetition = (e.repetitionType.map { "\($0)" } ?? "required").lowercased()
            if e.isGroup {
                lines.append("\(indent)\(repetition) group \(e.name)\(annotation(e)) {")
                for child in node.children { walk(child, indent + "  ") }
                lines.append("\(indent)}")
            } else {
                var type = e.type.map { "\($0)" }?.lowercased() ?? "?"
                if let length = e.typeLength, e.type?.description == "FIXED_LEN_BYTE_ARRAY" { type += "(\(length))" }
                lines.append("\(indent)\(repetition) \(type) \(e.name)\(annotation(e));")
            }
        }
        for child in root.children { walk(child, "  ") }
        lines.append("}")
        return lines.joined(separator: "\n")
    }

    static func json(_ node: SchemaTree) -> Value {
        let e = node.element
        var pairs: [(key: String, value: Value)] = [("name", .string(e.name))]
        pairs.append(("repetition", e.repetitionType.map { .string("\($0)") } ?? .null))
        if e.isGroup {
            pairs.append(("logical_type", e.logicalType.map { .string("\($0)") } ?? .null))
            pairs.append(("converted_type", e.convertedType.map { .string("\($0)") } ?? .null))
            pairs.append(("fields", .list(node.children.map(json))))
        } else {
            pairs.append(("physical_type", e.type.map { .string("\($0)") } ?? .null))
            pairs.append(("type_length", e.typeLength.map { .int(Int64($0)) } ?? .null))
            pairs.append(("logical_type", e.logicalType.map { .string("\($0)") } ?? .null))
            pairs.append(("converted_type", e.convertedType.map { .string("\($0)") } ?? .null))
            pairs.append(("precision", e.precision.map { .int(Int64($0)) } ?? .null))
            pairs.append(("scale", e.scale.map { .int(Int64($0)) } ?? .null))
            pairs.append(("field_id", e.fieldId.map { .int(Int64($0)) } ?? .null))
        }
        return .map(pairs)
    }
}

struct ParquetMeta: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "meta", abstract: "Print row groups, column chunks, encodings, codecs, sizes and statistics.")
    @Argument(help: "The Parquet file.") var file: String
    @Flag(help: "Print JSON (stable format, see docs/cli.md).") var json = false

    func run() throws {
        let m = try ParquetFiles.metadata(file)
        let groups: [Value] = m.rowGroups.enumerated().map { i, group in
            .map([
                ("index", .int(Int64(i))), ("num_rows", .int(group.numRows)), ("total_byte_size", .int(group.totalByteSize)),
                ("columns", .list(group.columns.map(chunkJSON))),
            ])
        }
        let document = Value.map([
            ("file", .string(file)), ("version", .int(Int64(m.version))), ("created_by", m.createdBy.map(Value.string) ?? .null),
            ("num_rows", .int(m.numRows)), ("num_row_groups", .int(Int64(m.rowGroups.count))),
            ("key_value_metadata", .map((m.keyValueMetadata ?? []).map { ($0.key, $0.value.map(Value.string) ?? .null) })),
            ("row_groups", .list(groups)),
        ])
        if json { print(document.jsonText(pretty: true)); return }
        print("file:        \(file)")
        print("version:     \(m.version)    created_by: \(m.createdBy ?? "-")")
        print("rows:        \(m.numRows) in \(m.rowGroups.count) row group(s)")
        for kv in m.keyValueMetadata ?? [] {
            let value = kv.value ?? ""
            print("metadata:    \(kv.key) = \(value.count > 80 ? String(value.prefix(77)) + "..." : value)")
        }
        for (i, group) in m.rowGroups.enumerated() {
            print("\nrow group \(i): \(group.numRows) rows, \(group.totalByteSize) bytes")
            let rows = group.columns.map { chunk -> [String] in
                guard let c = chunk.metaData else { return ["?", "", "", "", "", "", "", ""] }
                let stats = c.statistics
                return [c.pathInSchema.joined(separator: "."), "\(c.type)", "\(c.codec.name)",
                        c.encodings.map { "\($0)" }.joined(separator: ","), "\(c.numValues)",
                        "\(c.totalCompressedSize)/\(c.totalUncompressedSize)", stats?.nullCount.map(String.init) ?? "-",
                        StatisticsText.range(stats, type: c.type)]
            }
            print(Terminal.table(["column", "type", "codec", "encodings", "values", "compressed/raw", "nulls", "min..max"], rows))
        }
    }

    func chunkJSON(_ chunk: ColumnChunk) -> Value {
        guard let c = chunk.metaData else { return .map([("file_offset", .int(chunk.fileOffset))]) }
        let stats = c.statistics
        return .map([
            ("path", .string(c.pathInSchema.joined(separator: "."))), ("physical_type", .string("\(c.type)")),
            ("codec", .string(c.codec.name)), ("encodings", .list(c.encodings.map { .string("\($0)") })),
            ("num_values", .int(c.numValues)), ("total_compressed_size", .int(c.totalCompressedSize)),
            ("total_uncompressed_size", .int(c.totalUncompressedSize)), ("data_page_offset", .int(c.dataPageOffset)),
            ("dictionary_page_offset", c.dictionaryPageOffset.map { .int($0) } ?? .null),
            ("statistics", stats.map { s in
                .map([("null_count", s.nullCount.map { .int($0) } ?? .null),
                      ("distinct_count", s.distinctCount.map { .int($0) } ?? .null),
                      ("min", StatisticsText.value(s.minValue ?? s.min, type: c.type).map(Value.string) ?? .null),
                      ("max", StatisticsText.value(s.maxValue ?? s.max, type: c.type).map(Value.string) ?? .null)])
            } ?? .null),
        ])
    }
}

/// Renders statistics' PLAIN-encoded min/max for display.
enum StatisticsText {
    static func range(_ stats: Statistics?, type: PhysicalType) -> String {
        guard let stats else { return "-" }
        let lo = value(stats.minValue ?? stats.min, type: type) ?? "?"
        let hi = value(stats.maxValue ?? stats.max, type: type) ?? "?"
        let text = "\(lo)..\(hi)"
        return text.count > 60 ? String(text.prefix(57)) + "..." : text
    }

    static func value(_ bytes: [UInt8]?, type: PhysicalType) -> String? {
        guard let bytes else { return nil }
        func load<T: FixedWidthInteger>(_: T.Type) -> T? {
            guard bytes.count == MemoryLayout<T>.size else { return nil }
            return bytes.withUnsafeBytes { $0.loadUnaligned(as: T.self) }
        }
        switch "\(type)" {
        case "BOOLEAN": return bytes.first.map { $0 != 0 ? "true" : "false" }
        case "INT32": return load(Int32.self).map(String.init)
        case "INT64": return load(Int64.self).map(String.init)
        case "FLOAT": return load(UInt32.self).map { "\(Float(bitPattern: $0))" }
        case "DOUBLE": return load(UInt64.self).map { "\(Double(bitPattern: $0))" }
        default:
            if let text = String(validating: bytes, as: UTF8.self), text.unicodeScalars.allSatisfy({ $0.value >= 0x20 }) { return text }
            return "0x" + bytes.map { String(format: "%02x", $0) }.joined()
        }
    }
}
