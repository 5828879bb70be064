import Columnar

/// Why a panel cannot be loaded: the file, the place in it (line and column, or row), and what was
/// expected there.
public struct PanelError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// How input columns map to the panel: which column holds the date and the ticker, and renames
/// of fields (`--map close=Adj Close`). Names match case-insensitively.
public struct PanelMapping: Sendable {
    /// Panel name (`date`, `ticker`, `close`, ...) to input column name.
    public var overrides: [String: String] = [:]

    public init(overrides: [String: String] = [:]) {
        self.overrides = overrides
    }

    static let dateNames = ["date", "datetime", "timestamp", "time", "day"]
    static let tickerNames = ["ticker", "symbol", "name", "instrument", "code"]

    /// The input column (index into `names`) for the panel's `role` (`date` or `ticker`).
    func column(for role: String, in names: [String]) -> Int? {
        if let wanted = overrides[role] { return names.firstIndex { $0.lowercased() == wanted.lowercased() } }
        let candidates = role == "date" ? Self.dateNames : Self.tickerNames
        for candidate in candidates {
            if let index = names.firstIndex(where: { $0.lowercased() == candidate }) { return index }
        }
        return nil
    }

    /// The field name an input column gets: an override's key, else the column's name in lower
    /// case with runs of other characters as `_` (`Adj Close` becomes `adj_close`).
    func fieldName(_ column: String) -> String {
        if let (key, _) = overrides.first(where: { $0.value.lowercased() == column.lowercased() && $0.key != "date" && $0.key != "ticker" }) {
            return key
        }
        var name = ""
        for scalar in column.lowercased().unicodeScalars {
            if ("a" ... "z").contains(scalar) || ("0" ... "9").contains(scalar) {
                name.unicodeScalars.append(scalar)
            } else if !name.hasSuffix("_") {
                name += "_"
            }
        }
        while name.hasSuffix("_") { name.removeLast() }
        return name
    }
}

/// Rows gathered from input files in any order, before sorting into a `Panel`.
struct PanelRows {
    var tickers: [String] = []
    var tickerCodes: [Int32] = []
    private var codeOf: [String: Int32] = [:]
    var dates: [Int32] = []
    var fields: [String: [Double]] = [:]
    /// Text categories of non-numeric fields (a field's value is the category's index).
    var categories: [String: [String: Double]] = [:]

    var count: Int { dates.count }

    /// Appends another row of the ticker of the row before.
    mutating func repeatTicker() { tickerCodes.append(tickerCodes[tickerCodes.count - 1]) }

    mutating func appendTicker(_ ticker: String) {
        if let code = codeOf[ticker] {
            tickerCodes.append(code)
        } else {
            let code = Int32(tickers.count)
            codeOf[ticker] = code
            tickers.append(ticker)
            tickerCodes.append(code)
        }
    }

    /// The code of category `text` of field `field`.
    mutating func category(_ text: String, of field: String) -> Double {
        if let code = categories[field]?[text] { return code }
        let code = Double(categories[field]?.count ?? 0)
        categories[field, default: [:]][text] = code
        return code
    }

    /// Sorted by ticker then date; of rows with the same ticker and date the last one read is
    /// kept, and a note names them. Fields missing from some files are NaN there.
    func assemble() -> Panel {
        let n = count
        let order = tickers.indices.sorted { tickers[$0] < tickers[$1] }
        var rankOf = [Int32](repeating: 0, count: tickers.count)
        for (rank, code) in order.enumerated() { rankOf[code] = Int32(rank) }
        // Inputs usually come sorted already (one ticker after another, dates ascending, no
        // repeats): then the rows stay where they are.
        let inOrder = (0 ..< n).allSatisfy { i in
            guard i > 0 else { return true }
            let previous = rankOf[Int(tickerCodes[i - 1])], current = rankOf[Int(tickerCodes[i])]
            return previous < current || (previous == current && dates[i - 1] < dates[i])
        }
        if inOrder { return inputOrder() }
        var rows = Array(0 ..< n)
        rows.sort { a, b in
            let ta = rankOf[Int(tickerCodes[a])], tb = rankOf[Int(tickerCodes[b])]
            if ta != tb { return ta < tb }
            if dates[a] != dates[b] { return dates[a] < dates[b] }
            return a < b
        }
        var kept: [Int] = []
        kept.reserveCapacity(n)
        var duplicates: [String] = []
        for row in rows {
            if let last = kept.last, tickerCodes[last] == tickerCodes[row], dates[last] == dates[row] {
                kept[kept.count - 1] = row
                duplicates.append("\(tickers[Int(tickerCodes[row])]) \(TextFormatDays.text(dates[row]))")
            } else {
                kept.append(row)
            }
        }
        var offsets = [0]
        var panelTickers: [String] = []
        for (index, row) in kept.enumerated() where index == 0 || tickerCodes[kept[index - 1]] != tickerCodes[row] {
            if index > 0 { offsets.append(index) }
            panelTickers.append(tickers[Int(tickerCodes[row])])
        }
        offsets.append(kept.count)
        if kept.isEmpty { offsets = [0] }
        var notes: [String] = []
        if !duplicates.isEmpty {
            let shown = duplicates.prefix(10).joined(separator: ", ")
            notes.append("\(duplicates.count) duplicate (ticker, date) row\(duplicates.count == 1 ? "" : "s") dropped, keeping the last read of each: \(shown)\(duplicates.count > 10 ? ", ..." : "")")
        }
        return Panel(tickers: panelTickers, offsets: offsets, dates: kept.map { dates[$0] },
                     fields: fields.mapValues { values in kept.map { values[$0] } }, notes: notes)
    }

    /// The panel of rows already sorted by ticker then date, without repeats.
    private func inputOrder() -> Panel {
        var offsets = [0]
        var panelTickers: [String] = []
        for i in 0 ..< count where i == 0 || tickerCodes[i - 1] != tickerCodes[i] {
            if i > 0 { offsets.append(i) }
            panelTickers.append(tickers[Int(tickerCodes[i])])
        }
        offsets.append(count)
        if count == 0 { offsets = [0] }
        return Panel(tickers: panelTickers, offsets: offsets, dates: dates, fields: fields, notes: [])
    }
}

/// Dates as text for messages.
enum TextFormatDays {
    static func text(_ days: Int32) -> String { TextFormat.date(days: Int64(days)) }
}
