/// Renders record batches as JSON Lines: one object per row, keys in schema order.
///
/// Values: null → null; integers and finite floats → numbers (floats in their
/// shortest round-tripping form); NaN/±Inf → "NaN", "Infinity", "-Infinity";
/// date → "YYYY-MM-DD"; timestamp → ISO-8601 with six fractional digits (nine
/// for nanoseconds), with a Z suffix when the timestamp has a timezone (is
/// UTC-adjusted); time → "HH:MM:SS.ffffff"; decimal → string; binary → base64
/// string; struct → object; list → array; map → object with keys rendered as strings.
public enum JSONLines {
    /// Every row of `batch`, each followed by a newline.
    public static func render(_ batch: RecordBatch) -> String {
        var output = ""
        for row in 0..<batch.rowCount {
            appendRow(row, of: batch, to: &output)
            output.append("\n")
        }
        return output
    }

    /// Row `index` of `batch` as one JSON object, without a newline.
    public static func renderRow(_ index: Int, of batch: RecordBatch) -> String {
        var output = ""
        appendRow(index, of: batch, to: &output)
        return output
    }

    /// Appends row `index` of `batch` as one JSON object, without a newline.
    public static func appendRow(_ index: Int, of batch: RecordBatch, to output: inout String) {
        output.append("{")
        for (position, (field, column)) in zip(batch.schema.fields, batch.columns).enumerated() {
            if position > 0 { output.append(",") }
            appendString(field.name, to: &output)
            output.append(":")
            column.value(at: index).appendJSON(to: &output)
        }
        output.append("}")
    }

    /// Appends `text` as a quoted JSON string, escaping quotes, backslashes and control characters.
    public static func appendString(_ text: String, to output: inout String) {
        output.append("\"")
        if !text.utf8.contains(where: { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C }) {
            output.append(text)
        } else {
            for scalar in text.unicodeScalars {
                switch scalar {
                case "\"": output.append("\\\"")
                case "\\": output.append("\\\\")
                case "\n": output.append("\\n")
                case "\r": output.append("\\r")
                case "\t": output.append("\\t")
                case "\u{08}": output.append("\\b")
                case "\u{0C}": output.append("\\f")
                case _ where scalar.value < 0x20:
                    let hex = String(scalar.value, radix: 16)
                    output.append("\\u" + String(repeating: "0", count: 4 - hex.count) + hex)
                default: output.unicodeScalars.append(scalar)
                }
            }
        }
        output.append("\"")
    }
}

extension ScalarValue {
    /// The value as JSON text (see `JSONLines` for the rules).
    public var json: String {
        var output = ""
        appendJSON(to: &output)
        return output
    }

    /// Appends the value as JSON text.
    public func appendJSON(to output: inout String) {
        switch self {
        case .null: output.append("null")
        case .bool(let v): output.append(v ? "true" : "false")
        case .int(let v): output.append(String(v))
        case .uint(let v): output.append(String(v))
        case .float(let v) where v.isFinite: output.append(v.description)
        case .double(let v) where v.isFinite: output.append(v.description)
        case .float, .double, .string, .binary, .date, .timestamp, .time, .decimal: JSONLines.appendString(keyText, to: &output)
        case .struct(let entries):
            output.append("{")
            for (i, entry) in entries.enumerated() {
                if i > 0 { output.append(",") }
                JSONLines.appendString(entry.name, to: &output)
                output.append(":")
                entry.value.appendJSON(to: &output)
            }
            output.append("}")
        case .list(let items):
            output.append("[")
            for (i, item) in items.enumerated() {
                if i > 0 { output.append(",") }
                item.appendJSON(to: &output)
            }
            output.append("]")
        case .map(let entries):
            output.append("{")
            for (i, entry) in entries.enumerated() {
                if i > 0 { output.append(",") }
                JSONLines.appendString(entry.key.keyText, to: &output)
                output.append(":")
                entry.value.appendJSON(to: &output)
            }
            output.append("}")
        }
    }

    /// The value as plain text: what a JSON string holds for it, and how a map key is written.
    /// Strings are themselves; numbers, booleans, null and nested values are their JSON text.
    public var keyText: String {
        switch self {
        case .string(let v): v
        case .binary(let v): Base64.encode(v)
        case .date(let days): TextFormat.date(days: Int64(days))
        case .timestamp(let v, let unit, let timezone): TextFormat.timestamp(v, unit: unit, utc: timezone != nil)
        case .time(let v, let unit): TextFormat.time(v, unit: unit)
        case .decimal(let v, _, let scale): TextFormat.decimal(v, scale: scale)
        case .float(let v) where !v.isFinite: nonFiniteName(v.isNaN, v < 0)
        case .double(let v) where !v.isFinite: nonFiniteName(v.isNaN, v < 0)
        default: json
        }
    }
}

private func nonFiniteName(_ isNaN: Bool, _ isNegative: Bool) -> String {
    isNaN ? "NaN" : isNegative ? "-Infinity" : "Infinity"
}
