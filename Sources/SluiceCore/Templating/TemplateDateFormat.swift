/// Python's `strptime`/`strftime` for the directives `macros.ds_format` users need, in English
/// names only, so `ds_format` gives what Airflow gives without depending on the C library's locale.
///
/// Supported: `%Y %y %m %d %j %H %I %M %S %p %b %B %a %A %%`.
enum TemplateDateFormat {
    /// A text that does not match a format, or a format that cannot be used.
    struct Failure: Error, Sendable {
        var message: String
    }

    static let directives: Set<Unicode.Scalar> = ["Y", "y", "m", "d", "j", "H", "I", "M", "S", "p", "b", "B", "a", "A", "%"]
    static let monthNames = [
        "January", "February", "March", "April", "May", "June",
        "July", "August", "September", "October", "November", "December",
    ]
    /// Indexed by `CivilDate.weekday` (0 = Sunday).
    static let weekdayNames = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]

    /// Why `format` cannot be used, or nil when every directive is supported.
    static func problem(in format: String) -> String? {
        var it = format.unicodeScalars.makeIterator()
        while let c = it.next() {
            guard c == "%" else { continue }
            guard let d = it.next() else { return "ends with a lone '%'" }
            if !directives.contains(d) {
                return "uses unsupported directive '%\(d)' (supported: %Y %y %m %d %j %H %I %M %S %p %b %B %a %A %%)"
            }
        }
        return nil
    }

    /// Why a literal `ds` argument is unusable, or nil when it is a valid `YYYY-MM-DD` string.
    static func dsProblem(_ value: Value) -> String? {
        guard case .string(let s) = value else { return "ds must be a string, got \(value.typeName)" }
        return CivilDate(iso: s) == nil ? "'\(s)' is not a date in YYYY-MM-DD form" : nil
    }

    /// Formats like Python's `strftime` (fields zero-padded, `%I`/`%p` on a 12-hour clock).
    static func format(_ t: LocalDateTime, _ format: String) throws(Failure) -> String {
        if let problem = problem(in: format) { throw Failure(message: "format \(problem)") }
        func pad(_ v: Int, _ width: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        var out = ""
        var it = format.unicodeScalars.makeIterator()
        while let c = it.next() {
            guard c == "%", let d = it.next() else { out.unicodeScalars.append(c); continue }
            switch d {
            case "Y": out += pad(t.date.year, 4)
            case "y": out += pad(((t.date.year % 100) + 100) % 100, 2)
            case "m": out += pad(t.date.month, 2)
            case "d": out += pad(t.date.day, 2)
            case "j": out += pad(dayOfYear(t.date), 3)
            case "H": out += pad(t.hour, 2)
            case "I": out += pad(t.hour % 12 == 0 ? 12 : t.hour % 12, 2)
            case "M": out += pad(t.minute, 2)
            case "S": out += pad(t.second, 2)
            case "p": out += t.hour < 12 ? "AM" : "PM"
            case "b": out += String(monthNames[t.date.month - 1].prefix(3))
            case "B": out += monthNames[t.date.month - 1]
            case "a": out += String(weekdayNames[t.date.weekday].prefix(3))
            case "A": out += weekdayNames[t.date.weekday]
            default: out += "%"
            }
        }
        return out
    }

    static func dayOfYear(_ date: CivilDate) -> Int {
        date.daysSinceEpoch - CivilDate(year: date.year, month: 1, day: 1).daysSinceEpoch + 1
    }

    /// Parses like Python's `strptime`: missing fields default to 1900-01-01 00:00:00, whitespace
    /// in the format matches one or more whitespace characters, letters match case-insensitively,
    /// and the whole text must be consumed.
    static func parse(_ text: String, format: String) throws(Failure) -> LocalDateTime {
        if let problem = problem(in: format) { throw Failure(message: "format \(problem)") }
        let input = Array(text.unicodeScalars), fmt = Array(format.unicodeScalars)
        var i = 0, f = 0
        var year = 1900, month = 1, day = 1, hour = 0, minute = 0, second = 0
        var dayOfYear: Int?, hour12: Int?, pm: Bool?
        let mismatch = Failure(message: "'\(text)' does not match format '\(format)'")

        func isSpace(_ c: Unicode.Scalar) -> Bool { c == " " || c == "\t" || c == "\n" || c == "\r" }
        func number(_ minDigits: Int, _ maxDigits: Int, _ range: ClosedRange<Int>) throws(Failure) -> Int {
            var value = 0, count = 0
            while count < maxDigits, i < input.count, ("0"..."9").contains(input[i]) {
                value = value * 10 + Int(input[i].value - 48)
                count += 1
                i += 1
            }
            guard count >= minDigits, range.contains(value) else { throw mismatch }
            return value
        }
        /// Index of the name (full or three-letter) at the cursor, matched case-insensitively.
        func name(_ names: [String], abbreviated: Bool) throws(Failure) -> Int {
            for (index, full) in names.enumerated() {
                let candidate = Array((abbreviated ? String(full.prefix(3)) : full).lowercased().unicodeScalars)
                let end = i + candidate.count
                guard end <= input.count else { continue }
                if String(String.UnicodeScalarView(input[i..<end])).lowercased() == String(String.UnicodeScalarView(candidate)) {
                    i = end
                    return index
                }
            }
            throw mismatch
        }

        while f < fmt.count {
            let c = fmt[f]
            if isSpace(c) {
                while f < fmt.count, isSpace(fmt[f]) { f += 1 }
                guard i < input.count, isSpace(input[i]) else { throw mismatch }
                while i < input.count, isSpace(input[i]) { i += 1 }
                continue
            }
            guard c == "%", f + 1 < fmt.count else {
                guard i < input.count,
                      String(input[i]).lowercased() == String(c).lowercased() else { throw mismatch }
                i += 1
                f += 1
                continue
            }
            let d = fmt[f + 1]
            f += 2
            switch d {
            case "Y": year = try number(4, 4, 1...9999)
            case "y":
                let y = try number(2, 2, 0...99)
                year = y < 69 ? 2000 + y : 1900 + y // POSIX's pivot, as Python uses
            case "m": month = try number(1, 2, 1...12)
            case "d": day = try number(1, 2, 1...31)
            case "j": dayOfYear = try number(1, 3, 1...366)
            case "H": hour = try number(1, 2, 0...23)
            case "I": hour12 = try number(1, 2, 1...12)
            case "M": minute = try number(1, 2, 0...59)
            case "S": second = try number(1, 2, 0...59)
            case "p": pm = try name(["AM", "PM"], abbreviated: false) == 1
            case "b": month = try name(monthNames, abbreviated: true) + 1
            case "B": month = try name(monthNames, abbreviated: false) + 1
            case "a": _ = try name(weekdayNames, abbreviated: true) // Python ignores the weekday, too.
            case "A": _ = try name(weekdayNames, abbreviated: false)
            default:
                guard i < input.count, input[i] == "%" else { throw mismatch }
                i += 1
            }
        }
        if i < input.count {
            throw Failure(message: "'\(text)' does not match format '\(format)' (unconverted text remains)")
        }
        if let h = hour12 { hour = h % 12 + (pm == true ? 12 : 0) }
        var date: CivilDate
        if let n = dayOfYear {
            // Like Python, a day of the year overrides any month and day.
            guard n <= (CivilDate.isLeap(year) ? 366 : 365) else {
                throw Failure(message: "day of year \(n) is out of range for \(year)")
            }
            date = CivilDate(year: year, month: 1, day: 1).adding(days: n - 1)
        } else {
            guard day <= CivilDate.daysInMonth(year: year, month: month) else {
                throw Failure(message: "'\(text)': day is out of range for month")
            }
            date = CivilDate(year: year, month: month, day: day)
        }
        return LocalDateTime(date: date, hour: hour, minute: minute, second: second)
    }
}
