import Foundation

/// Parses the durations DAG files use: `30s`, `5m`, `2h`, `1d`, `1h30m`, `500ms`, a bare number
/// of seconds, or ISO-8601 (`PT5M`, `P1DT2H`, `PT0.5S`).
public enum DurationText {
    /// Seconds, or nil when the text is not a duration. Negative durations are rejected.
    public static func seconds(_ raw: String) -> Double? {
        let text = raw.trimmingCharacters(in: .whitespaces)
        guard !text.isEmpty else { return nil }
        if let plain = Double(text), plain.isFinite, plain >= 0 { return plain }
        if text.first == "P" || text.first == "p" { return iso8601(text.uppercased()) }
        return compact(text)
    }

    /// `1h30m`, `90s`, `250ms`, `2d`, `1w`.
    private static func compact(_ text: String) -> Double? {
        var total = 0.0
        var number = ""
        var sawUnit = false
        var chars = Array(text.lowercased())
        // A sentinel so a two-letter unit (`ms`) can look one character ahead safely.
        var i = 0
        chars.append(" ")
        while i < chars.count - 1 {
            let c = chars[i]
            if c.isNumber || c == "." {
                number.append(c)
                i += 1
                continue
            }
            guard let value = Double(number) else { return nil }
            let unit: Double
            if c == "m" && chars[i + 1] == "s" { unit = 0.001; i += 2 }
            else {
                switch c {
                case "s": unit = 1
                case "m": unit = 60
                case "h": unit = 3600
                case "d": unit = 86_400
                case "w": unit = 604_800
                default: return nil
                }
                i += 1
            }
            total += value * unit
            number = ""
            sawUnit = true
        }
        guard number.isEmpty, sawUnit else { return nil }
        return total
    }

    /// `PnW`, `PnDTnHnMnS` (years and months have no fixed length and are refused).
    private static func iso8601(_ text: String) -> Double? {
        let rest = text.dropFirst()
        guard !rest.isEmpty else { return nil }
        var total = 0.0
        var inTime = false
        var number = ""
        var any = false
        for c in rest {
            if c == "T" {
                guard !inTime, number.isEmpty else { return nil }
                inTime = true
                continue
            }
            if c.isNumber || c == "." || c == "," { number.append(c == "," ? "." : c); continue }
            guard let value = Double(number) else { return nil }
            switch (c, inTime) {
            case ("W", false): total += value * 604_800
            case ("D", false): total += value * 86_400
            case ("H", true): total += value * 3600
            case ("M", true): total += value * 60
            case ("S", true): total += value
            default: return nil
            }
            number = ""
            any = true
        }
        guard number.isEmpty, any else { return nil }
        return total
    }

    /// Formats seconds compactly for display: `1h30m`, `45s`, `0s`.
    public static func format(_ seconds: Double) -> String {
        if seconds == 0 { return "0s" }
        if seconds < 1 { return "\(Int((seconds * 1000).rounded()))ms" }
        var s = Int(seconds.rounded())
        var out = ""
        for (unit, size) in [("d", 86_400), ("h", 3600), ("m", 60), ("s", 1)] where s >= size {
            out += "\(s / size)\(unit)"
            s %= size
        }
        return out
    }
}
