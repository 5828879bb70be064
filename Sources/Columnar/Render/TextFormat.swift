/// Text forms of dates, times, timestamps and decimals, as `JSONLines` writes them.
public enum TextFormat {
    /// The proleptic Gregorian (year, month, day) of a day count from 1970-01-01
    /// (Howard Hinnant's `civil_from_days`).
    static func civil(days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
        let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// "YYYY-MM-DD"; years outside 0...9999 get a sign and at least four digits, as ISO 8601 expands them.
    public static func date(days: Int64) -> String {
        let (year, month, day) = civil(days: days)
        let yearText: String
        if (0...9999).contains(year) {
            yearText = padded(year, 4)
        } else {
            yearText = (year < 0 ? "-" : "+") + padded(year.magnitude, 4)
        }
        return "\(yearText)-\(padded(month, 2))-\(padded(day, 2))"
    }

    /// Splits `value` ticks into whole seconds (floored) and the remaining ticks.
    static func split(_ value: Int64, unit: TimeUnit) -> (seconds: Int64, ticks: Int64) {
        var (seconds, ticks) = value.quotientAndRemainder(dividingBy: unit.ticksPerSecond)
        if ticks < 0 {
            seconds -= 1
            ticks += unit.ticksPerSecond
        }
        return (seconds, ticks)
    }

    /// ".ffffff" (".fffffffff" for nanoseconds) for `ticks` of `unit` within a second.
    static func fraction(_ ticks: Int64, unit: TimeUnit) -> String {
        switch unit {
        case .second: ".000000"
        case .milli: "." + padded(ticks * 1_000, 6)
        case .micro: "." + padded(ticks, 6)
        case .nano: "." + padded(ticks, 9)
        }
    }

    /// "HH:MM:SS" for a second of the day.
    static func clock(_ secondOfDay: Int64) -> String {
        "\(padded(secondOfDay / 3600, 2)):\(padded(secondOfDay / 60 % 60, 2)):\(padded(secondOfDay % 60, 2))"
    }

    /// "YYYY-MM-DDTHH:MM:SS.ffffff", plus "Z" when `utc`.
    public static func timestamp(_ value: Int64, unit: TimeUnit, utc: Bool) -> String {
        let (seconds, ticks) = split(value, unit: unit)
        var (days, secondOfDay) = seconds.quotientAndRemainder(dividingBy: 86_400)
        if secondOfDay < 0 {
            days -= 1
            secondOfDay += 86_400
        }
        return date(days: days) + "T" + clock(secondOfDay) + fraction(ticks, unit: unit) + (utc ? "Z" : "")
    }

    /// "HH:MM:SS.ffffff" for ticks since midnight.
    public static func time(_ value: Int64, unit: TimeUnit) -> String {
        let (seconds, ticks) = split(value, unit: unit)
        return clock(seconds) + fraction(ticks, unit: unit)
    }

    /// The decimal unscaled × 10^-scale in plain notation, e.g. "-0.05", "12300".
    public static func decimal(_ unscaled: Int128, scale: Int) -> String {
        var digits = String(unscaled.magnitude)
        if scale <= 0 {
            if unscaled != 0 { digits += String(repeating: "0", count: -scale) }
        } else {
            if digits.count <= scale { digits = String(repeating: "0", count: scale - digits.count + 1) + digits }
            digits.insert(".", at: digits.index(digits.endIndex, offsetBy: -scale))
        }
        return (unscaled < 0 ? "-" : "") + digits
    }

    /// `value` in decimal, left-padded with zeros to `width` digits.
    static func padded(_ value: some BinaryInteger, _ width: Int) -> String {
        let text = String(value)
        return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
    }
}

/// Standard base64 (RFC 4648, with padding).
enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    static func encode(_ bytes: [UInt8]) -> String {
        var output: [UInt8] = []
        output.reserveCapacity((bytes.count + 2) / 3 * 4)
        var index = 0
        while index + 3 <= bytes.count {
            let chunk = UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8 | UInt32(bytes[index + 2])
            for shift in [18, 12, 6, 0] { output.append(alphabet[Int(chunk >> UInt32(shift) & 63)]) }
            index += 3
        }
        let rest = bytes.count - index
        if rest > 0 {
            let chunk = UInt32(bytes[index]) << 16 | (rest == 2 ? UInt32(bytes[index + 1]) << 8 : 0)
            output.append(alphabet[Int(chunk >> 18 & 63)])
            output.append(alphabet[Int(chunk >> 12 & 63)])
            output.append(rest == 2 ? alphabet[Int(chunk >> 6 & 63)] : UInt8(ascii: "="))
            output.append(UInt8(ascii: "="))
        }
        return String(decoding: output, as: UTF8.self)
    }
}
