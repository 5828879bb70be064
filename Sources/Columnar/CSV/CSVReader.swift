/// A CSV file that could not be read, with the 1-based line and column of the problem.
public struct CSVError: Error, Sendable, CustomStringConvertible {
    public var line: Int
    public var column: Int
    public var message: String
    public var description: String { "\(line):\(column): \(message)" }
}

/// Reads RFC 4180 CSV (a header row, `"` quoting with `""` escapes, newlines inside quotes, CRLF
/// or LF) into a record batch, with column types given or inferred.
public enum CSVReader {
    /// A column's type: given by `--schema "name:type,..."` or inferred from the values.
    public static let typeNames: [String: DataType] = [
        "bool": .bool, "int32": .int32, "int64": .int64, "int": .int64, "float32": .float32, "float": .float64,
        "double": .float64, "float64": .float64, "string": .string, "date": .date32,
        "timestamp": .timestamp(.micro, timezone: "UTC"),
    ]

    /// Parses `"date:date,ticker:string,close:double"`.
    public static func parseSchemaSpec(_ spec: String) throws(CSVError) -> [(name: String, type: DataType)] {
        var result: [(String, DataType)] = []
        var column = 1
        for part in spec.split(separator: ",", omittingEmptySubsequences: false) {
            let pieces = part.split(separator: ":", maxSplits: 1).map { $0.trimmingCharactersInWhitespace() }
            guard pieces.count == 2, !pieces[0].isEmpty else {
                throw CSVError(line: 1, column: column, message: "schema entry '\(part)' is not NAME:TYPE")
            }
            guard let type = typeNames[pieces[1].lowercased()] else {
                throw CSVError(line: 1, column: column + pieces[0].count + 1,
                               message: "unknown type '\(pieces[1])'; expected one of \(typeNames.keys.sorted().joined(separator: ", "))")
            }
            result.append((pieces[0], type))
            column += part.count + 1
        }
        return result
    }

    /// Reads the whole text; `types` (by column name) overrides inference.
    public static func read(_ text: String, types: [(name: String, type: DataType)]? = nil) throws(CSVError) -> RecordBatch {
        let rows = try splitRecords(text)
        guard let header = rows.first else { throw CSVError(line: 1, column: 1, message: "the file is empty; expected a header row") }
        var seen = Set<String>()
        for (i, name) in header.fields.enumerated() where !seen.insert(name).inserted {
            throw CSVError(line: 1, column: i + 1, message: "duplicate column name '\(name)'")
        }
        let body = rows.dropFirst()
        for row in body where row.fields.count != header.fields.count {
            throw CSVError(line: row.line, column: 1, message: "expected \(header.fields.count) fields (as in the header), found \(row.fields.count)")
        }
        var fields: [Field] = []
        var columns: [Column] = []
        for (c, name) in header.fields.enumerated() {
            let type: DataType
            if let types {
                guard let given = types.first(where: { $0.name == name })?.type else {
                    throw CSVError(line: 1, column: c + 1, message: "column '\(name)' is not in the given schema")
                }
                type = given
            } else {
                type = infer(body.map { $0.fields[c] })
            }
            let builder = makeColumnBuilder(for: type, capacity: body.count)
            for row in body {
                let text = row.fields[c]
                if text.isEmpty { builder.appendNull(); continue }
                guard let value = parse(text, as: type) else {
                    throw CSVError(line: row.line, column: c + 1, message: "'\(text)' in column '\(name)' is not a valid \(type)")
                }
                do { try builder.append(scalar: value) } catch {
                    throw CSVError(line: row.line, column: c + 1, message: "\(error)")
                }
            }
            fields.append(Field(name, type))
            columns.append(builder.finish())
        }
        if let types {
            for given in types where !header.fields.contains(given.name) {
                throw CSVError(line: 1, column: 1, message: "the schema names column '\(given.name)', which the header lacks")
            }
        }
        do { return try RecordBatch(schema: Schema(fields), columns: columns, rowCount: body.count) } catch {
            throw CSVError(line: 1, column: 1, message: "\(error)")
        }
    }

    /// The narrowest type every non-empty value parses as: int64, double, date, timestamp, bool, else string.
    static func infer(_ values: [String]) -> DataType {
        let present = values.filter { !$0.isEmpty }
        guard !present.isEmpty else { return .string }
        for type in [DataType.int64, .float64, .date32, .timestamp(.micro, timezone: "UTC"), .bool] where present.allSatisfy({ parse($0, as: type) != nil }) {
            return type
        }
        return .string
    }

    /// `text` as a value of `type` the way CSV fields are read (int32/64, float32/64, bool, string,
    /// date `YYYY-MM-DD`, timestamp ISO-8601 as UTC microseconds); nil when it is not one.
    public static func parse(_ text: String, as type: DataType) -> ScalarValue? {
        switch type {
        case .string: return .string(text)
        case .int64, .int32:
            guard let v = Int64(text) else { return nil }
            if type == .int32, Int32(exactly: v) == nil { return nil }
            return .int(v)
        case .float64, .float32:
            guard let v = Double(text), !text.hasPrefix("0x") else { return nil }
            return type == .float32 ? .float(Float(v)) : .double(v)
        case .bool:
            switch text.lowercased() {
            case "true": return .bool(true)
            case "false": return .bool(false)
            default: return nil
            }
        case .date32:
            return CalendarDays.parse(text).map { .date(days: $0) }
        case .timestamp:
            return CalendarDays.parseTimestamp(text).map { .timestamp($0, unit: .micro, timezone: "UTC") }
        default: return nil
        }
    }

    struct Record {
        var line: Int
        var fields: [String]
    }

    /// Splits text into records of fields, honouring quotes; blank trailing lines are ignored.
    static func splitRecords(_ text: String) throws(CSVError) -> [Record] {
        var records: [Record] = []
        var fields: [String] = []
        var field: [UInt8] = []
        var line = 1, recordLine = 1, column = 1
        var inQuotes = false, quotedField = false
        var quoteStart = (line: 1, column: 1)
        let bytes = Array(text.utf8)
        var i = 0
        func endField() {
            fields.append(String(decoding: field, as: UTF8.self))
            field.removeAll(keepingCapacity: true)
            quotedField = false
        }
        func endRecord() {
            endField()
            if !(fields.count == 1 && fields[0].isEmpty) { records.append(Record(line: recordLine, fields: fields)) }
            fields.removeAll(keepingCapacity: true)
        }
        while i < bytes.count {
            let b = bytes[i]
            if inQuotes {
                if b == UInt8(ascii: "\"") {
                    if i + 1 < bytes.count, bytes[i + 1] == UInt8(ascii: "\"") {
                        field.append(b); i += 2; column += 2; continue
                    }
                    inQuotes = false
                } else {
                    field.append(b)
                    if b == UInt8(ascii: "\n") { line += 1; column = 0 }
                }
                i += 1; column += 1
                continue
            }
            switch b {
            case UInt8(ascii: ","):
                endField()
            case UInt8(ascii: "\""):
                guard field.isEmpty, !quotedField else {
                    throw CSVError(line: line, column: column, message: "a quote inside an unquoted field (quote the whole field)")
                }
                inQuotes = true
                quotedField = true
                quoteStart = (line, column)
            case UInt8(ascii: "\r"):
                if i + 1 < bytes.count, bytes[i + 1] == UInt8(ascii: "\n") { i += 1 }
                endRecord(); line += 1; column = 0; recordLine = line
            case UInt8(ascii: "\n"):
                endRecord(); line += 1; column = 0; recordLine = line
            default:
                if quotedField { throw CSVError(line: line, column: column, message: "text after a closing quote") }
                field.append(b)
            }
            i += 1; column += 1
        }
        if inQuotes { throw CSVError(line: quoteStart.line, column: quoteStart.column, message: "unterminated quoted field") }
        if !field.isEmpty || !fields.isEmpty || quotedField { endRecord() }
        return records
    }
}

extension Substring {
    func trimmingCharactersInWhitespace() -> String {
        String(drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }
}
