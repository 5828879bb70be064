#if canImport(Glibc)
import Glibc
#endif
import Columnar
import DeltaLake
import Parquet

/// Loads a long panel from a folder of per-ticker CSV files, one CSV file, a Parquet file or a
/// Delta table (a folder with `_delta_log`).
public enum PanelLoader {
    public static func load(_ path: String, mapping: PanelMapping = PanelMapping()) throws(PanelError) -> Panel {
        var info = stat()
        guard stat(path, &info) == 0 else { throw PanelError("\(path): no such file or directory") }
        var rows = PanelRows()
        if (info.st_mode & S_IFMT) == S_IFDIR {
            var logInfo = stat()
            if stat(path + "/_delta_log", &logInfo) == 0 {
                let batches: [RecordBatch]
                do throws(DeltaError) {
                    let snapshot = try DeltaTable(path: path).snapshot()
                    batches = try TableScan(snapshot: snapshot).batches(storage: LocalStorage(root: path))
                } catch {
                    throw PanelError("\(path): \(error)")
                }
                for batch in batches { try append(batch, to: &rows, mapping: mapping, source: path) }
            } else {
                let files = try csvFiles(in: path)
                guard !files.isEmpty else { throw PanelError("\(path): the folder has no .csv files and is not a Delta table") }
                for file in files { try CSVPanelReader.read(path + "/" + file, into: &rows, mapping: mapping) }
            }
        } else if path.hasSuffix(".parquet") {
            let reader: ParquetFileReader
            do throws(ParquetReadError) {
                reader = try ParquetFileReader(path: path)
            } catch {
                throw PanelError("\(error)")
            }
            for group in 0 ..< reader.rowGroupCount {
                let batch: RecordBatch
                do throws(ParquetReadError) {
                    batch = try reader.readRowGroup(group)
                } catch {
                    throw PanelError("\(error)")
                }
                try append(batch, to: &rows, mapping: mapping, source: path)
            }
        } else {
            try CSVPanelReader.read(path, into: &rows, mapping: mapping)
        }
        guard rows.count > 0 else { throw PanelError("\(path): no rows") }
        return derivedVwap(rows.assemble())
    }

    /// A panel from record batches already in memory (a Delta read filtered to a date range, ...),
    /// with the same column recognition, sorting, duplicate handling and `$vwap` rule as `load`.
    public static func panel(_ batches: [RecordBatch], mapping: PanelMapping = PanelMapping(), source: String = "input") throws(PanelError) -> Panel {
        var rows = PanelRows()
        for batch in batches { try append(batch, to: &rows, mapping: mapping, source: source) }
        guard rows.count > 0 else { throw PanelError("\(source): no rows") }
        return derivedVwap(rows.assemble())
    }

    static func derivedVwap(_ panel: Panel) -> Panel {
        var panel = panel
        if panel.fields["vwap"] == nil, let high = panel.fields["high"], let low = panel.fields["low"], let close = panel.fields["close"] {
            panel.fields["vwap"] = (0 ..< panel.rowCount).map { (high[$0] + low[$0] + close[$0]) / 3 }
            panel.notes.append("no vwap column: $vwap is the typical price (high + low + close) / 3")
        }
        return panel
    }

    private static func csvFiles(in directory: String) throws(PanelError) -> [String] {
        guard let handle = opendir(directory) else { throw PanelError("\(directory): cannot list: \(String(cString: strerror(errno)))") }
        defer { closedir(handle) }
        var names: [String] = []
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name.lowercased().hasSuffix(".csv") { names.append(name) }
        }
        return names.sorted()
    }

    /// Adds a record batch's rows (Parquet or Delta input).
    static func append(_ batch: RecordBatch, to rows: inout PanelRows, mapping: PanelMapping, source: String) throws(PanelError) {
        let names = batch.schema.names
        guard let dateIndex = mapping.column(for: "date", in: names) else {
            throw PanelError("\(source): no date column (looked for \(PanelMapping.dateNames.joined(separator: ", ")); use --map date=COLUMN)")
        }
        guard let tickerIndex = mapping.column(for: "ticker", in: names) else {
            throw PanelError("\(source): no ticker column (looked for \(PanelMapping.tickerNames.joined(separator: ", ")); use --map ticker=COLUMN)")
        }
        let n = batch.rowCount
        let dateColumn = batch.columns[dateIndex]
        if case .int32(let days) = dateColumn, dateColumn.dataType == .date32, days.nullCount == 0 {
            days.withUnsafeBufferPointer { rows.dates.append(contentsOf: $0) }
        } else {
            try appendDates(dateColumn, n, to: &rows, name: names[dateIndex], source: source)
        }
        let tickerColumn = batch.columns[tickerIndex]
        if case .binary(let strings) = tickerColumn, tickerColumn.dataType == .string, strings.nullCount == 0 {
            // Rows of one ticker usually come together: a new String only when the bytes change.
            var last: [UInt8]?
            for row in 0 ..< n {
                let same = strings.withUnsafeBytes(at: row) { bytes in last.map { bytes.elementsEqual($0) } ?? false }
                if same {
                    rows.repeatTicker()
                } else {
                    let bytes = strings.bytes(at: row) ?? []
                    last = bytes
                    rows.appendTicker(String(decoding: bytes, as: UTF8.self))
                }
            }
        } else {
            for row in 0 ..< n {
                guard !tickerColumn.isNull(row) else { throw PanelError("\(source): row \(row + 1) of a batch: the ticker is null") }
                rows.appendTicker(tickerColumn.value(at: row).keyText)
            }
        }
        let existing = rows.count - n
        for (index, column) in batch.columns.enumerated() where index != dateIndex && index != tickerIndex {
            let field = mapping.fieldName(names[index])
            var values = rows.fields.removeValue(forKey: field) ?? [Double](repeating: .nan, count: existing)
            if values.count < existing { values += [Double](repeating: .nan, count: existing - values.count) }
            switch column {
            case .binary(let strings) where column.dataType == .string:
                for row in 0 ..< n { values.append(strings.isNull(row) ? .nan : rows.category(strings.string(at: row) ?? "", of: field)) }
            case .float64(let c):
                c.withUnsafeBufferPointer { source in
                    if c.nullCount == 0 { values.append(contentsOf: source) } else {
                        for row in 0 ..< n { values.append(c.isNull(row) ? .nan : source[row]) }
                    }
                }
            case .int64(let c):
                c.withUnsafeBufferPointer { source in
                    for row in 0 ..< n { values.append(c.nullCount > 0 && c.isNull(row) ? .nan : Double(source[row])) }
                }
            default:
                for row in 0 ..< n { values.append(number(column, row)) }
            }
            rows.fields[field] = values
        }
        for field in rows.fields.keys where rows.fields[field]!.count < rows.count {
            rows.fields[field]!.append(contentsOf: repeatElement(.nan, count: rows.count - rows.fields[field]!.count))
        }
    }

    private static func appendDates(_ dateColumn: Column, _ n: Int, to rows: inout PanelRows, name: String, source: String) throws(PanelError) {
        for row in 0 ..< n {
            guard let day = day(of: dateColumn, row: row) else {
                throw PanelError("\(source): row \(row + 1) of a batch: the \(name) column must hold dates (a date, a timestamp or YYYY-MM-DD text), found \(dateColumn.isNull(row) ? "null" : "'\(dateColumn.value(at: row))'")")
            }
            rows.dates.append(day)
        }
    }

    private static func number(_ column: Column, _ row: Int) -> Double {
        guard !column.isNull(row) else { return .nan }
        switch column.value(at: row) {
        case .int(let v): return Double(v)
        case .uint(let v): return Double(v)
        case .float(let v): return Double(v)
        case .double(let v): return v
        case .bool(let b): return b ? 1 : 0
        case .decimal(let unscaled, _, let scale): return Double(TextFormat.decimal(unscaled, scale: scale)) ?? .nan
        default: return .nan
        }
    }

    private static func day(of column: Column, row: Int) -> Int32? {
        guard !column.isNull(row) else { return nil }
        switch column.value(at: row) {
        case .date(let days): return days
        case .timestamp(let value, let unit, _):
            let perDay = Int64(86_400) * unit.ticksPerSecond
            return Int32(exactly: value >= 0 ? value / perDay : (value - perDay + 1) / perDay)
        case .string(let text): return CalendarDays.parse(String(text.prefix(10)))
        default: return nil
        }
    }
}
