import Columnar

/// Partition values as the log stores them (strings) turned into typed values, and back.
public enum PartitionValues {
    /// The directory name Hive and Spark use for a null partition value; read as null too.
    public static let hiveDefault = "__HIVE_DEFAULT_PARTITION__"

    /// The value of a partition column of `type` written as `text` in `add.partitionValues`
    /// (nil text is null); nil when the text is not a value of the type.
    public static func parse(_ text: String?, as type: DataType) -> ScalarValue? {
        guard let text, text != hiveDefault else { return .null }
        switch type {
        case .string: return .string(text)
        case .binary: return .binary(Array(text.utf8))
        case .bool:
            switch text.lowercased() {
            case "true": return .bool(true)
            case "false": return .bool(false)
            default: return nil
            }
        case .int8, .int16, .int32, .int64:
            // An empty string is null for non-string types (Spark writes it so).
            if text.isEmpty { return .null }
            guard let v = Int64(text) else { return nil }
            return .int(v)
        case .float32, .float64:
            if text.isEmpty { return .null }
            switch text {
            case "NaN": return type == .float32 ? .float(.nan) : .double(.nan)
            case "Infinity": return type == .float32 ? .float(.infinity) : .double(.infinity)
            case "-Infinity": return type == .float32 ? .float(-.infinity) : .double(-.infinity)
            default: break
            }
            guard let v = Double(text) else { return nil }
            return type == .float32 ? .float(Float(v)) : .double(v)
        case .date32:
            if text.isEmpty { return .null }
            return CSVReader.parse(text, as: .date32)
        case .timestamp(_, let timezone):
            if text.isEmpty { return .null }
            // `2021-01-01 10:00:00[.ffffff]` (Spark) or ISO-8601 with `T` and an optional `Z`.
            var iso = text.replacingFirstSpace()
            if timezone == nil, iso.hasSuffix("Z") { iso.removeLast() }
            guard case .timestamp(let micros, _, _)? = CSVReader.parse(iso, as: .timestamp(.micro, timezone: "UTC")) else { return nil }
            return .timestamp(micros, unit: .micro, timezone: timezone)
        case .decimal(let precision, let scale):
            if text.isEmpty { return .null }
            return parseDecimal(text, precision: precision, scale: scale)
        default:
            return nil
        }
    }

    /// `text` (`-12.5`, `1E+2`) as an exact decimal of `scale` digits; nil if it has more.
    static func parseDecimal(_ text: String, precision: Int, scale: Int) -> ScalarValue? {
        var body = Substring(text)
        var exponent = 0
        if let e = body.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            guard let value = Int(body[body.index(after: e)...].replacingPlus()) else { return nil }
            exponent = value
            body = body[..<e]
        }
        let negative = body.first == "-"
        if negative || body.first == "+" { body = body.dropFirst() }
        let parts = body.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let whole = parts[0], fraction = parts.count > 1 ? parts[1] : ""
        guard !(whole.isEmpty && fraction.isEmpty), (whole + fraction).allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        var digits = String(whole + fraction)
        var shift = scale - fraction.count + exponent  // zeros to append (negative: digits to drop)
        while shift < 0 {
            guard digits.last == "0" else { return nil }
            digits.removeLast()
            shift += 1
        }
        digits += String(repeating: "0", count: shift)
        guard let unscaled = Int128(digits.isEmpty ? "0" : digits) else { return nil }
        return .decimal(negative ? -unscaled : unscaled, precision: precision, scale: scale)
    }
}

extension String {
    func replacingFirstSpace() -> String {
        guard let space = firstIndex(of: " ") else { return self }
        var copy = self
        copy.replaceSubrange(space ... space, with: "T")
        return copy
    }
}

extension Substring {
    func replacingPlus() -> String {
        first == "+" ? String(dropFirst()) : String(self)
    }
}
