import ArgumentParser
import Columnar
import Foundation
import Parquet

/// Reads a command's input rows: a Parquet file (all row groups) or a CSV file with a header row
/// (types from a `name:type,...` spec, or inferred). Errors are printed as one line and exit 1.
enum InputFiles {
    static func batches(_ path: String, schema: String?) throws -> [RecordBatch] {
        if path.lowercased().hasSuffix(".csv") { return [try csv(path, schema: schema)] }
        do {
            return try ParquetFileReader(path: path).readAll()
        } catch {
            Terminal.error("error: \(error)")
            throw ExitCode(1)
        }
    }

    static func csv(_ path: String, schema: String?) throws -> RecordBatch {
        guard let data = FileManager.default.contents(atPath: path) else {
            Terminal.error("error: \(path): cannot read the file")
            throw ExitCode(1)
        }
        guard let text = String(validating: data, as: UTF8.self) else {
            Terminal.error("error: \(path): the file is not UTF-8 text")
            throw ExitCode(1)
        }
        do {
            let types = try schema.map { try CSVReader.parseSchemaSpec($0) }
            return try CSVReader.read(text, types: types)
        } catch let error as CSVError {
            Terminal.error("error: \(schema != nil && error.line == 1 && error.message.contains("type") ? "--schema" : path):\(error)")
            throw ExitCode(1)
        }
    }
}
