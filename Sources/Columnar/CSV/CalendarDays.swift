/// Dates and timestamps from text: `YYYY-MM-DD` to days since 1970-01-01, and ISO-8601 date-times
/// to microseconds since the epoch (UTC; a missing offset means UTC).
public enum CalendarDays {
    static func daysFromCivil(_ y0: Int64, _ m: Int64, _ d: Int64) -> Int64 {
        let y = m <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func daysInMonth(_ y: Int64, _ m: Int64) -> Int64 {
        switch m {
        case 2: return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Digits at `range` of `b` as a number, or nil.
    private static func number(_ b: [UInt8], _ range: Range<Int>) -> Int64? {
        guard range.upperBound <= b.count, !range.isEmpty else { return nil }
        var v: Int64 = 0
        for i in range {
            guard b[i] >= 48, b[i] <= 57 else { return nil }
            v = v * 10 + Int64(b[i] - 48)
        }
        return v
    }

    /// Days since 1970-01-01 of the `YYYY-MM-DD` date in `bytes` (exactly 10 bytes), nil when it is not one.
    public static func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> Int32? {
        guard bytes.count == 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-") else { return nil }
        func digits(_ range: Range<Int>) -> Int64? {
            var v: Int64 = 0
            for i in range {
                guard bytes[i] >= 48, bytes[i] <= 57 else { return nil }
                v = v * 10 + Int64(bytes[i] - 48)
            }
            return v
        }
        guard let y = digits(0 ..< 4), let m = digits(5 ..< 7), let d = digits(8 ..< 10), (1 ... 12).contains(m), d >= 1, d <= daysInMonth(y, m) else {
            return nil
        }
        return Int32(exactly: daysFromCivil(y, m, d))
    }

    /// Days since 1970-01-01 of a `YYYY-MM-DD` date, nil when it is not one.
    public static func parse(_ text: String) -> Int32? {
        let b = Array(text.utf8)
        guard b.count == 10 else { return nil }
        return date(b).flatMap { Int32(exactly: $0) }
    }

    private static func date(_ b: [UInt8]) -> Int64? {
        guard b.count >= 10, b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-"),
              let y = number(b, 0..<4), let m = number(b, 5..<7), let d = number(b, 8..<10),
              (1...12).contains(m), d >= 1, d <= daysInMonth(y, m) else { return nil }
        return daysFromCivil(y, m, d)
    }

    static func parseTimestamp(_ text: String) -> Int64? {
        let b = Array(text.utf8)
        guard b.count >= 16, let days = date(b), b[10] == UInt8(ascii: "T") || b[10] == UInt8(ascii: " "),
              b[13] == UInt8(ascii: ":"), let h = number(b, 11..<13), let mi = number(b, 14..<16), h < 24, mi < 60 else { return nil }
        var i = 16
        var seconds: Int64 = 0, micros: Int64 = 0
        if i < b.count, b[i] == UInt8(ascii: ":") {
            guard let s = number(b, (i + 1)..<(i + 3)), s < 60 else { return nil }
            seconds = s
            i += 3
            if i < b.count, b[i] == UInt8(ascii: ".") {
                i += 1
                var digits = 0
                while i < b.count, b[i] >= 48, b[i] <= 57 {
                    if digits < 6 { micros = micros * 10 + Int64(b[i] - 48) }
                    digits += 1
                    i += 1
                }
                guard digits > 0 else { return nil }
                for _ in digits..<max(digits, 6) { micros *= 10 }
            }
        }
        var offset: Int64 = 0
        if i < b.count {
            if b[i] == UInt8(ascii: "Z"), i + 1 == b.count {
                i += 1
            } else if b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-"), b.count == i + 6, b[i + 3] == UInt8(ascii: ":"),
                      let oh = number(b, (i + 1)..<(i + 3)), let om = number(b, (i + 4)..<(i + 6)), oh < 24, om < 60 {
                offset = (b[i] == UInt8(ascii: "+") ? 1 : -1) * (oh * 3600 + om * 60)
                i += 6
            } else {
                return nil
            }
        }
        guard i == b.count else { return nil }
        return ((days * 86_400 + h * 3600 + mi * 60 + seconds) - offset) * 1_000_000 + micros
    }
}
