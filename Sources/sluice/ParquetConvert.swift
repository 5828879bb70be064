import ArgumentParser
import Columnar
import Foundation
import Parquet
import SluiceCore

/// `sluice parquet convert`: rewrite a Parquet file, or a CSV file, as Parquet with chosen options.
struct ParquetConvert: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convert", abstract: "Write INPUT (Parquet, or CSV with a header) as a Parquet file.",
        discussion: """
        CSV column types come from --schema "date:date,ticker:string,close:double,..." (types: bool, int32,
        int64, float32, double, string, date, timestamp) or are inferred (int64, double, date, timestamp,
        bool, else string); empty fields are nulls. OUTPUT appears only when it is complete.
        """)
    @Argument(help: "A .parquet or .csv file.") var input: String
    @Argument(help: "The Parquet file to write.") var output: String
    @Option(help: "snappy (default), zstd, gzip or none.") var compression = "snappy"
    @Option(help: "Rows per row group.") var rowGroupRows = 1 << 20
    @Option(help: "Also cut row groups at about this many bytes (uncompressed).") var rowGroupBytes: Int?
    @Option(help: "Data page format, 1 or 2.") var pageVersion = 1
    @Option(help: "Dictionary encoding: on or off.") var dictionary = "on"
    @Option(help: "CSV column types as NAME:TYPE,... (CSV input only).") var schema: String?
    @Option(help: "Threads encoding column chunks: 0 (default) for one per processor, 1 for none beside the main one.") var threads = 0
    @Flag(help: "Read all of INPUT first, then write; print the read and write seconds to stderr.") var timing = false

    func run() throws {
        var options = ParquetWriterOptions()
        options.createdBy = "sluice version \(SluiceVersion.current)"
        switch compression.lowercased() {
        case "snappy": options.compression = .snappy
        case "zstd": options.compression = .zstd
        case "gzip": options.compression = .gzip
        case "none", "uncompressed": options.compression = .uncompressed
        default:
            Terminal.error("error: --compression must be snappy, zstd, gzip or none, not '\(compression)'")
            throw ExitCode(2)
        }
        guard dictionary == "on" || dictionary == "off" else {
            Terminal.error("error: --dictionary must be on or off, not '\(dictionary)'")
            throw ExitCode(2)
        }
        guard pageVersion == 1 || pageVersion == 2, rowGroupRows > 0, rowGroupBytes.map({ $0 > 0 }) ?? true else {
            Terminal.error("error: --page-version must be 1 or 2 and --row-group-rows and --row-group-bytes positive")
            throw ExitCode(2)
        }
        guard threads >= 0 else {
            Terminal.error("error: --threads must be 0 (one per processor) or more")
            throw ExitCode(2)
        }
        options.threads = threads
        options.dictionary = dictionary == "on"
        options.pageVersion = pageVersion
        options.rowGroupRows = rowGroupRows
        options.rowGroupBytes = rowGroupBytes
        let isCSV = input.lowercased().hasSuffix(".csv")
        if schema != nil && !isCSV {
            Terminal.error("error: --schema applies to CSV input only")
            throw ExitCode(2)
        }
        do {
            let metadata = isCSV ? try convertCSV(options) : try convertParquet(options)
            let size = (try? FileManager.default.attributesOfItem(atPath: output)[.size] as? Int) ?? 0
            print("wrote \(output): \(metadata.numRows) rows, \(metadata.rowGroups.count) row group(s), \(size) bytes")
        } catch let exit as ExitCode {
            throw exit
        } catch {
            Terminal.error("error: \(error)")
            throw ExitCode(1)
        }
    }

    private func convertParquet(_ options: ParquetWriterOptions) throws -> FileMetaData {
        let reader = try ParquetFileReader(path: input)
        if timing {
            let clock = ContinuousClock()
            let readStart = clock.now
            var batches: [RecordBatch] = []
            for group in 0..<reader.rowGroupCount { batches.append(try reader.readRowGroup(group)) }
            let writeStart = clock.now
            let writer = try ParquetFileWriter(path: output, schema: reader.schema, options: options)
            for batch in batches { try writer.write(batch) }
            let metadata = try writer.close()
            let end = clock.now
            Terminal.error("read \(Self.seconds(writeStart - readStart)) s, write \(Self.seconds(end - writeStart)) s")
            return metadata
        }
        let writer = try ParquetFileWriter(path: output, schema: reader.schema, options: options)
        for group in 0..<reader.rowGroupCount { try writer.write(try reader.readRowGroup(group)) }
        return try writer.close()
    }

    private static func seconds(_ d: Duration) -> String {
        String(format: "%.3f", d.seconds)
    }

    private func convertCSV(_ options: ParquetWriterOptions) throws -> FileMetaData {
        let batch = try InputFiles.csv(input, schema: schema)
        let writer = try ParquetFileWriter(path: output, schema: batch.schema, options: options)
        try writer.write(batch)
        return try writer.close()
    }
}
