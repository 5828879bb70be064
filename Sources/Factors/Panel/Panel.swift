/// A long panel of daily bars held column-wise: rows sorted by ticker then date, each ticker's
/// rows contiguous, every field as 64-bit floats (NaN for missing).
public struct Panel: Sendable {
    /// The tickers, sorted.
    public var tickers: [String]
    /// Ticker `t`'s rows are `offsets[t] ..< offsets[t + 1]`.
    public var offsets: [Int]
    /// Each row's date, as days since 1970-01-01.
    public var dates: [Int32]
    /// The fields by name (`open`, `close`, ...), each one value per row.
    public var fields: [String: [Double]]
    /// What loading noticed and did (duplicates dropped, `vwap` derived), for the user.
    public var notes: [String]

    public init(tickers: [String], offsets: [Int], dates: [Int32], fields: [String: [Double]], notes: [String] = []) {
        self.tickers = tickers
        self.offsets = offsets
        self.dates = dates
        self.fields = fields
        self.notes = notes
    }

    public var rowCount: Int { dates.count }

    /// The rows of ticker `t`.
    public func rows(of t: Int) -> Range<Int> { offsets[t] ..< offsets[t + 1] }

    /// The panel restricted to its first `count` tickers.
    public func prefix(tickers count: Int) -> Panel {
        guard count < tickers.count else { return self }
        let end = offsets[count]
        return Panel(tickers: Array(tickers.prefix(count)), offsets: Array(offsets.prefix(count + 1)), dates: Array(dates.prefix(end)),
                     fields: fields.mapValues { Array($0.prefix(end)) }, notes: notes)
    }

    /// The panel without rows after `day` (so nothing computed can look past it).
    public func through(day: Int32) -> Panel {
        var keep: [Int] = []
        var newOffsets = [0]
        var newTickers: [String] = []
        for t in tickers.indices {
            let before = keep.count
            for row in rows(of: t) where dates[row] <= day { keep.append(row) }
            if keep.count > before { newTickers.append(tickers[t]); newOffsets.append(keep.count) }
        }
        return Panel(tickers: newTickers, offsets: newOffsets, dates: keep.map { dates[$0] },
                     fields: fields.mapValues { values in keep.map { values[$0] } }, notes: notes)
    }
}
