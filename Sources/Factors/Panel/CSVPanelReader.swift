#if canImport(Glibc)
import Glibc
#endif
import Columnar

/// Reads one CSV file of daily bars into panel rows: a header line, then one row per line.
/// Numeric columns become fields; a column whose first value is not a number holds categories
/// (for `CSNeutralize`). A value that breaks its column's kind is an error naming file:line:column.
enum CSVPanelReader {
    static func read(_ path: String, into rows: inout PanelRows, mapping: PanelMapping) throws(PanelError) {
        let bytes = try contents(path)
        var lines: [Range<Int>] = []
        var start = 0
        for i in 0 ..< bytes.count where bytes[i] == 0x0A {
            lines.append(start ..< (i > start && bytes[i - 1] == 0x0D ? i - 1 : i))
            start = i + 1
        }
        if start < bytes.count { lines.append(start ..< bytes.count) }
        guard let headerLine = lines.first else { throw PanelError("\(path): the file is empty (expected a header line)") }
        let header = split(bytes, headerLine).map { String(decoding: bytes[$0], as: UTF8.self) }.map(unquoted)
        guard let dateIndex = mapping.column(for: "date", in: header) else {
            throw PanelError("\(path):1: no date column among \(header) (use --map date=COLUMN)")
        }
        let tickerIndex = mapping.column(for: "ticker", in: header)
        let fileTicker = String(path.split(separator: "/").last ?? "").split(separator: ".").first.map(String.init) ?? path
        let fieldColumns = header.indices.filter { $0 != dateIndex && $0 != tickerIndex }
        let fieldNames = fieldColumns.map { mapping.fieldName(header[$0]) }
        var categorical = [Bool?](repeating: nil, count: fieldColumns.count)
        let existing = rows.count
        var columns = fieldNames.map { name in
            var values = rows.fields[name] ?? [Double](repeating: .nan, count: existing)
            if values.count < existing { values += [Double](repeating: .nan, count: existing - values.count) }
            return values
        }
        for (lineIndex, line) in lines.enumerated().dropFirst() where !line.isEmpty {
            let cells = split(bytes, line)
            let lineNumber = lineIndex + 1
            guard cells.count == header.count else {
                throw PanelError("\(path):\(lineNumber): expected \(header.count) comma-separated values (as the header), found \(cells.count)")
            }
            let dateText = unquoted(String(decoding: bytes[cells[dateIndex]], as: UTF8.self))
            guard let day = CalendarDays.parse(String(dateText.prefix(10))), dateText.count == 10 || dateText.count > 10 && (dateText.dropFirst(10).first == " " || dateText.dropFirst(10).first == "T") else {
                throw PanelError("\(path):\(lineNumber):\(column(of: cells[dateIndex], in: line)): expected a date YYYY-MM-DD in column \(header[dateIndex]), found '\(dateText)'")
            }
            rows.dates.append(day)
            if let tickerIndex {
                let ticker = unquoted(String(decoding: bytes[cells[tickerIndex]], as: UTF8.self))
                guard !ticker.isEmpty else { throw PanelError("\(path):\(lineNumber): the ticker (column \(header[tickerIndex])) is empty") }
                rows.appendTicker(ticker)
            } else {
                rows.appendTicker(fileTicker)
            }
            for (k, index) in fieldColumns.enumerated() {
                let cell = cells[index]
                if cell.isEmpty { columns[k].append(.nan); continue }
                let text = String(decoding: bytes[cell], as: UTF8.self)
                let number = Double(text)
                if categorical[k] == nil { categorical[k] = number == nil && !["nan", "NaN", "NA", "null"].contains(text) }
                if categorical[k] == true {
                    columns[k].append(rows.category(unquoted(text), of: fieldNames[k]))
                } else if let number {
                    columns[k].append(number)
                } else if ["nan", "NaN", "NA", "null"].contains(text) {
                    columns[k].append(.nan)
                } else {
                    throw PanelError("\(path):\(lineNumber):\(column(of: cell, in: line)): expected a number in column \(header[index]), found '\(text)'")
                }
            }
        }
        for (k, name) in fieldNames.enumerated() { rows.fields[name] = columns[k] }
        for (field, values) in rows.fields where values.count < rows.count {
            rows.fields[field] = values + [Double](repeating: .nan, count: rows.count - values.count)
        }
    }

    private static func column(of cell: Range<Int>, in line: Range<Int>) -> Int { cell.lowerBound - line.lowerBound + 1 }

    private static func unquoted(_ text: String) -> String {
        text.count >= 2 && text.hasPrefix("\"") && text.hasSuffix("\"") ? String(text.dropFirst().dropLast()) : text
    }

    /// The byte ranges of a line's comma-separated cells (commas inside double quotes do not split).
    private static func split(_ bytes: [UInt8], _ line: Range<Int>) -> [Range<Int>] {
        var cells: [Range<Int>] = []
        var start = line.lowerBound
        var quoted = false
        for i in line {
            if bytes[i] == UInt8(ascii: "\"") { quoted.toggle() }
            if bytes[i] == UInt8(ascii: ","), !quoted {
                cells.append(start ..< i)
                start = i + 1
            }
        }
        cells.append(start ..< line.upperBound)
        return cells
    }

    private static func contents(_ path: String) throws(PanelError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw PanelError("\(path): cannot open: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let got = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if got < 0 { throw PanelError("\(path): cannot read: \(String(cString: strerror(errno)))") }
            if got == 0 { break }
            result.append(contentsOf: chunk[0 ..< got])
        }
        return result
    }
}
