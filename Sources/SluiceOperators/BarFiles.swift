import Columnar
import Foundation
import Parquet
import SluiceCore

/// Reading daily bars from landing files (Parquet or CSV with a header row) into bronze's columns
/// and types: ticker string, date date32, open/high/low/close/volume float64.
enum BarFiles {
    static let columns = ["ticker", "date", "open", "high", "low", "close", "volume"]

    /// Every row of `source` (a file, or the .parquet/.csv files of a folder in name order).
    /// `mapping` names the source column of a bronze column; others match case-insensitively.
    static func read(_ source: String, mapping: [String: String] = [:]) throws -> RecordBatch {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: source, isDirectory: &isDirectory) else { throw TaskFailure("\(source): no such file or folder") }
        let readable = { (name: String) in name.lowercased().hasSuffix(".parquet") || name.lowercased().hasSuffix(".csv") }
        let files = isDirectory.boolValue
            ? try FileManager.default.contentsOfDirectory(atPath: source).filter(readable).sorted().map { source + "/" + $0 }
            : [source]
        guard !files.isEmpty else { throw TaskFailure("\(source): no .parquet or .csv files") }
        var batches: [RecordBatch] = []
        for file in files {
            for batch in try raw(file) { batches.append(try normalise(batch, file: file, mapping: mapping)) }
        }
        return batches.count == 1 ? batches[0] : try RecordBatch.concatenate(batches)
    }

    /// The rows dated `day`.
    static func rows(of day: Int32, in batch: RecordBatch) throws -> RecordBatch {
        guard case .int32(let dates) = batch.columns[1] else { return batch }
        return try batch.take((0 ..< batch.rowCount).filter { !dates.isNull($0) && dates.value(at: $0) == day })
    }

    static func raw(_ file: String) throws -> [RecordBatch] {
        guard file.lowercased().hasSuffix(".csv") else {
            let reader = try ParquetFileReader(path: file)
            return try (0 ..< reader.rowGroupCount).map { try reader.readRowGroup($0) }
        }
        guard let data = FileManager.default.contents(atPath: file) else { throw TaskFailure("\(file): cannot read the file") }
        guard let text = String(validating: data, as: UTF8.self) else { throw TaskFailure("\(file): the file is not UTF-8 text") }
        do {
            return [try CSVReader.read(text)]
        } catch {
            throw TaskFailure("\(file):\(error)")
        }
    }

    /// Bronze's columns in bronze's types; a value that does not convert is an error naming the row.
    static func normalise(_ batch: RecordBatch, file: String, mapping: [String: String]) throws -> RecordBatch {
        var picked: [(String, Column)] = []
        for name in columns {
            let wanted = (mapping[name] ?? name).lowercased()
            guard let index = batch.schema.names.firstIndex(where: { $0.lowercased() == wanted }) else {
                throw TaskFailure("\(file): no '\(mapping[name] ?? name)' column for bronze's \(name) (columns: \(batch.schema.names.joined(separator: ", ")))")
            }
            let column = batch.columns[index]
            switch name {
            case "ticker": picked.append((name, text(column)))
            case "date": picked.append((name, try date(column, file: file)))
            default: picked.append((name, try number(column, file: file, name: name)))
            }
        }
        return try RecordBatch(picked)
    }

    static func text(_ column: Column) -> Column {
        if case .binary(let strings) = column, strings.dataType == .string { return column }
        return .binary(BinaryColumn((0 ..< column.count).map { row -> String? in
            column.isNull(row) ? nil : column.value(at: row).keyText
        }))
    }

    static func date(_ column: Column, file: String) throws -> Column {
        if case .int32(let days) = column, days.dataType == .date32 { return column }
        var values: [Int32?] = []
        values.reserveCapacity(column.count)
        for row in 0 ..< column.count {
            switch column.value(at: row) {
            case .null: values.append(nil)
            case .date(let days): values.append(days)
            case .string(let text):
                guard let days = CalendarDays.parse(text) else { throw TaskFailure("\(file): row \(row + 1): date '\(text)' is not YYYY-MM-DD") }
                values.append(days)
            case let other: throw TaskFailure("\(file): the date column holds \(other), expected a date or YYYY-MM-DD text")
            }
        }
        return .int32(PrimitiveColumn(values, type: .date32))
    }

    static func number(_ column: Column, file: String, name: String) throws -> Column {
        if case .float64 = column { return column }
        var values: [Double?] = []
        values.reserveCapacity(column.count)
        for row in 0 ..< column.count {
            switch column.value(at: row) {
            case .null: values.append(nil)
            case .double(let v): values.append(v)
            case .float(let v): values.append(Double(v))
            case .int(let v): values.append(Double(v))
            case .uint(let v): values.append(Double(v))
            case let other: throw TaskFailure("\(file): row \(row + 1): \(name) is \(other), expected a number")
            }
        }
        return .float64(PrimitiveColumn(values))
    }
}
