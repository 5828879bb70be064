import Columnar
import Foundation
import Testing
@testable import Parquet

/// Splits CSV text into rows of cells; quoted cells may hold commas and doubled quotes. An empty
/// unquoted cell is nil (a null), a quoted one is the empty string.
func parseCSV(_ text: String) -> [[String?]] {
    var rows: [[String?]] = []
    var row: [String?] = []
    var cell = ""
    var quoted = false
    var inQuotes = false
    var iterator = Array(text).makeIterator()
    var pending: Character? = nil
    func endCell() {
        row.append(cell.isEmpty && !quoted ? nil : cell)
        cell = ""
        quoted = false
    }
    while let c = pending ?? iterator.next() {
        pending = nil
        if inQuotes {
            if c == "\"" {
                if let next = iterator.next() {
                    if next == "\"" { cell.append("\"") } else { inQuotes = false; pending = next }
                } else {
                    inQuotes = false
                }
            } else {
                cell.append(c)
            }
            continue
        }
        switch c {
        case "\"": inQuotes = true; quoted = true
        case ",": endCell()
        case "\n", "\r\n":
            endCell()
            rows.append(row)
            row = []
        default: cell.append(c)
        }
    }
    if !row.isEmpty || !cell.isEmpty || quoted {
        endCell()
        rows.append(row)
    }
    return rows
}

@Suite("Parquet reader against the corpus's *_expect.csv files")
struct ReaderExpectCSVTests {
    @Test("reads the files that come with an _expect.csv exactly as the CSV lists them", arguments: [
        "delta_binary_packed", "delta_byte_array", "delta_encoding_optional_column", "delta_encoding_required_column",
    ])
    func matchesCSV(name: String) throws {
        guard let path = ReaderCorpus.path(name + ".parquet"),
              let csvPath = ReaderCorpus.path(name + "_expect.csv") else { return }
        let rows = parseCSV(try String(contentsOfFile: csvPath, encoding: .utf8))
        let batches = try ParquetFileReader(path: path).readAll()
        let batch = try RecordBatch.concatenate(batches)
        #expect(rows.count == batch.rowCount + 1)
        #expect(rows.first?.count == batch.columnCount)
        var mismatches = 0
        for (index, expected) in rows.dropFirst().enumerated() where index < batch.rowCount {
            for column in 0 ..< batch.columnCount {
                let value = batch.columns[column].value(at: index)
                let actual: String? = value.isNull ? nil : value.keyText
                if actual != expected[column] {
                    mismatches += 1
                    if mismatches <= 5 {
                        Issue.record("\(name) row \(index) column \(batch.schema[column].name): read \(actual ?? "null"), CSV has \(expected[column] ?? "null")")
                    }
                }
            }
        }
        #expect(mismatches == 0)
    }
}
