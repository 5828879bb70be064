import Columnar
import Foundation
import Testing
@testable import Parquet

// Expected values come from pyarrow: interop/parquet_corpus_expectations.py renders each corpus
// file pyarrow can read exactly as `JSONLines.render` does (same date, timestamp, decimal, float and
// base64 rules; FLOAT16 as the float32 it is read as) and stores in PyarrowExpectations.swift, per
// file, the row count, the FNV-1a 64 hash of the whole rendering and either the whole rendering
// (small files) or its first three lines. Every value of every file is therefore compared: the
// hash covers the whole rendering.

/// Corpus files pyarrow reads but this reader refuses on purpose, with the reason it must give:
/// pages whose CRC-32 does not match (pyarrow does not verify checksums unless asked to).
let refusedCorpusFiles: [String: String] = [
    "datapage_v1-corrupt-checksum.parquet": "page checksum mismatch",
    "rle-dict-uncompressed-corrupt-checksum.parquet": "page checksum mismatch",
]

@Suite("Parquet reader on the conformance corpus")
struct ReaderCorpusTests {
    @Test("reads every corpus file value-for-value as pyarrow does", arguments: pyarrowExpectations.map(\.file))
    func matchesPyarrow(file: String) throws {
        guard let path = ReaderCorpus.path(file) else { return }
        let expected = try #require(pyarrowExpectations.first { $0.file == file })
        if let reason = refusedCorpusFiles[file] {
            let error = #expect(throws: ParquetReadError.self) {
                let reader = try ParquetFileReader(path: path)
                _ = try reader.readAll(columns: expected.columns)
            }
            #expect(error?.description.contains(reason) == true, "\(String(describing: error))")
            return
        }
        let reader = try ParquetFileReader(path: path)
        let batches = try reader.readAll(columns: expected.columns)
        #expect(batches.reduce(0) { $0 + $1.rowCount } == expected.rows)
        let text = renderAll(batches)
        if expected.isComplete {
            #expect(text == expected.text)
        } else {
            #expect(text.hasPrefix(expected.text), "first rows differ: \(text.prefix(600))")
        }
        #expect(fnv1a64(text) == expected.hash, "rendering hash differs for \(file)")
    }

    @Test("maps Parquet types to the Columnar types pyarrow reports")
    func schemaTypes() throws {
        guard let path = ReaderCorpus.path("alltypes_plain.parquet") else { return }
        let reader = try ParquetFileReader(path: path)
        #expect(reader.schema.fields.map(\.type) == [
            .int32, .bool, .int32, .int32, .int32, .int64, .float32, .float64, .binary, .binary, .timestamp(.nano, timezone: nil),
        ])
        #expect(reader.rowGroupCount == 1)
        if let spark = ReaderCorpus.path("int96_from_spark.parquet") {
            #expect(try ParquetFileReader(path: spark).schema.fields.map(\.type) == [.timestamp(.nano, timezone: nil)])
        }
        if let decimals = ReaderCorpus.path("fixed_length_decimal.parquet") {
            #expect(try ParquetFileReader(path: decimals).schema.fields.map(\.type) == [.decimal(precision: 25, scale: 2)])
        }
        if let strings = ReaderCorpus.path("delta_byte_array.parquet") {
            #expect(try ParquetFileReader(path: strings).schema.fields.allSatisfy { $0.type == .string })
        }
    }

    @Test("projects columns by name, in the order asked for")
    func projection() throws {
        guard let path = ReaderCorpus.path("alltypes_plain.parquet") else { return }
        let reader = try ParquetFileReader(path: path)
        let batch = try reader.readRowGroup(0, columns: ["string_col", "id"])
        #expect(batch.schema.names == ["string_col", "id"])
        #expect(JSONLines.renderRow(0, of: batch) == #"{"string_col":"MA==","id":4}"#)
        let error = #expect(throws: ParquetReadError.self) { try reader.readRowGroup(0, columns: ["nope"]) }
        #expect(error?.kind == .invalidRequest)
        #expect(error?.description.contains(path) == true)
        let range = #expect(throws: ParquetReadError.self) { try reader.readRowGroup(1) }
        #expect(range?.kind == .invalidRequest)
    }

    @Test("reads nested columns by their top-level name, alone or next to flat ones")
    func nestedProjection() throws {
        guard let path = ReaderCorpus.path("datapage_v2.snappy.parquet") else { return }
        let reader = try ParquetFileReader(path: path)
        #expect(reader.schema.names == ["a", "b", "c", "d", "e"])
        #expect(reader.schema.fields[4].type == .list(Field("element", .int32, nullable: false)))
        let batch = try reader.readRowGroup(0, columns: ["e", "a"])
        #expect(JSONLines.renderRow(0, of: batch) == #"{"e":[1,2,3],"a":"abc"}"#)
        #expect(JSONLines.renderRow(2, of: batch) == #"{"e":null,"a":"abc"}"#)
        #expect(JSONLines.renderRow(4, of: batch) == #"{"e":[1,2],"a":"abc"}"#)
    }

    @Test("every corpus file pyarrow cannot read gets its documented outcome")
    func outcomesBeyondPyarrow() throws {
        // Encrypted files: refused while reading the footer.
        for name in ["uniform_encryption", "encrypt_columns_and_footer", "encrypt_columns_plaintext_footer",
                     "encrypt_columns_and_footer_aad", "encrypt_columns_and_footer_ctr", "external_key_material_java"] {
            guard let path = ReaderCorpus.path(name + ".parquet.encrypted") else { return }
            let error = #expect(throws: ParquetReadError.self) { try ParquetFileReader(path: path).readAll() }
            #expect(error?.description.contains("encrypted Parquet") == true, "\(name): \(String(describing: error))")
        }
        // BROTLI pages: the footer reads, the column is refused for its codec.
        if let path = ReaderCorpus.path("large_string_map.brotli.parquet") {
            let reader = try ParquetFileReader(path: path)
            let error = #expect(throws: ParquetReadError.self) { try reader.readAll() }
            #expect(error?.kind == .unsupported)
            #expect(error?.description.contains("the BROTLI codec is not supported") == true, "\(String(describing: error))")
        }
        // A map whose keys are OPTIONAL: pyarrow refuses it ("Map keys must be annotated as
        // required"); parquet-mr and Sluice read it.
        if let path = ReaderCorpus.path("incorrect_map_schema.parquet") {
            let text = renderAll(try ParquetFileReader(path: path).readAll())
            #expect(text == #"{"my_map":{"parent":"another","name":"report"}}"# + "\n")
        }
    }

    @Test("fails with a named error for files that are not Parquet or are missing")
    func notParquet() throws {
        let missing = #expect(throws: ParquetReadError.self) { try ParquetFileReader(path: "/nonexistent/file.parquet") }
        #expect(missing?.kind == .io)
        #expect(missing?.description.contains("/nonexistent/file.parquet") == true)
        guard let readme = ReaderCorpus.path("LICENSE.txt", in: ReaderCorpus.root) else { return }
        let error = #expect(throws: ParquetReadError.self) { try ParquetFileReader(path: readme) }
        #expect(error?.kind == .footer)
    }

    @Test("refuses encrypted files with a footer error")
    func encrypted() throws {
        guard let path = ReaderCorpus.path("uniform_encryption.parquet.encrypted") else { return }
        let error = #expect(throws: ParquetReadError.self) { try ParquetFileReader(path: path) }
        #expect(error?.kind == .footer)
        #expect(error?.description.contains("encrypted") == true)
    }
}
