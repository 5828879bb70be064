#if canImport(Glibc)
import Glibc
#endif
import Columnar

/// Reads one CSV file of daily bars into panel rows: a header line, then one row per line.
/// Numeric columns become fields; a column whose first value is not a number holds categories
/// (for `CSNeutralize`). A value that breaks its column's kind is an error naming file:line:column.
enum CSVPanelReader {
    static func read(_ path: String, into rows: inout PanelRows, mapping: PanelMapping) throws(PanelError) {
        var bytes = try contents(path)
        let length = bytes.count
        bytes.append(0)  // strtod stops at this terminator after the last value
        var lines: [Range<Int>] = []
        var start = 0
        for i in 0 ..< length where bytes[i] == 0x0A {
            lines.append(start ..< (i > start && bytes[i - 1] == 0x0D ? i - 1 : i))
            start = i + 1
        }
        if start < length { lines.append(start ..< length) }
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
        // Taken out of `rows` (not copied) so appending does not copy the columns read so far.
        var columns = fieldNames.map { name in
            var values = rows.fields.removeValue(forKey: name) ?? [Double](repeating: .nan, count: existing)
            if values.count < existing { values += [Double](repeating: .nan, count: existing - values.count) }
            return values
        }
        var previousTicker: [UInt8] = []
        var previousTickerText = ""
        try bytes.withUnsafeBufferPointer { (buffer: UnsafeBufferPointer<UInt8>) throws(PanelError) in
            let base = buffer.baseAddress!
            for (lineIndex, line) in lines.enumerated().dropFirst() where !line.isEmpty {
                let cells = split(bytes, line)
                let lineNumber = lineIndex + 1
                guard cells.count == header.count else {
                    throw PanelError("\(path):\(lineNumber): expected \(header.count) comma-separated values (as the header), found \(cells.count)")
                }
                let dateCell = cells[dateIndex]
                // YYYY-MM-DD, optionally followed by a time.
                let dateEnd = dateCell.count > 10 && (bytes[dateCell.lowerBound + 10] == 0x20 || bytes[dateCell.lowerBound + 10] == UInt8(ascii: "T"))
                    ? dateCell.lowerBound + 10 : dateCell.upperBound
                guard let day = CalendarDays.parse(UnsafeBufferPointer(rebasing: buffer[dateCell.lowerBound ..< dateEnd])) else {
                    throw PanelError("\(path):\(lineNumber):\(column(of: dateCell, in: line)): expected a date YYYY-MM-DD in column \(header[dateIndex]), found '\(String(decoding: bytes[dateCell], as: UTF8.self))'")
                }
                rows.dates.append(day)
                if let tickerIndex {
                    let cell = cells[tickerIndex]
                    if !bytes[cell].elementsEqual(previousTicker) {
                        previousTicker = Array(bytes[cell])
                        previousTickerText = unquoted(String(decoding: previousTicker, as: UTF8.self))
                    }
                    guard !previousTickerText.isEmpty else { throw PanelError("\(path):\(lineNumber): the ticker (column \(header[tickerIndex])) is empty") }
                    rows.appendTicker(previousTickerText)
                } else {
                    rows.appendTicker(fileTicker)
                }
                for (k, index) in fieldColumns.enumerated() {
                    let cell = cells[index]
                    if cell.isEmpty { columns[k].append(.nan); continue }
                    if categorical[k] != true {
                        // strtod stops at the comma (or newline, or the NUL after the file).
                        var end: UnsafeMutablePointer<CChar>?
                        let start = UnsafeRawPointer(base + cell.lowerBound).assumingMemoryBound(to: CChar.self)
                        let value = strtod(start, &end)
                        if let end, UnsafeRawPointer(end) == UnsafeRawPointer(base + cell.upperBound), bytes[cell.lowerBound] != 0x20 {
                            categorical[k] = false
                            columns[k].append(value)
                            continue
                        }
                    }
                    let text = String(decoding: bytes[cell], as: UTF8.self)
                    if ["nan", "NaN", "NA", "null"].contains(text) { columns[k].append(.nan); continue }
                    if categorical[k] == nil { categorical[k] = true }
                    guard categorical[k] == true else {
                        throw PanelError("\(path):\(lineNumber):\(column(of: cell, in: line)): expected a number in column \(header[index]), found '\(text)'")
                    }
                    columns[k].append(rows.category(unquoted(text), of: fieldNames[k]))
                }
            }
        }
        for (k, name) in fieldNames.enumerated() { rows.fields[name] = columns[k] }
        for field in rows.fields.keys where rows.fields[field]!.count < rows.count {
            rows.fields[field]!.append(contentsOf: repeatElement(.nan, count: rows.count - rows.fields[field]!.count))
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
