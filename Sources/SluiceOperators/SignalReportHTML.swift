import Columnar
import Foundation

/// The report as one self-contained page: no scripts, no external files, charts as inline SVG.
extension SignalReport {
    var html: String {
        let dates = days.map { TextFormat.date(days: Int64($0.date)) }
        let s = summary
        let summaryRows: [(String, String)] = [
            ("Mean IC (Pearson of score and return)", Self.number(s.ic)),
            ("Mean RankIC (Spearman)", Self.number(s.rankIC)),
            ("ICIR (mean / std of daily IC)", Self.number(s.icir)),
            ("RankICIR", Self.number(s.rankICIR)),
            ("Mean decile spread (decile 10 - decile 1)", Self.percent(s.decileSpread)),
            ("Mean daily long-short", Self.percent(s.longShort)),
            ("Cumulative long-short (compounded)", Self.percent(s.cumulativeLongShort)),
            ("Sharpe of daily long-short (annualised, √252)", Self.number(s.sharpe, digits: 2)),
            ("Turnover of the long book (mean per date)", Self.percent(s.turnover)),
            ("Maximum drawdown of the long-short curve", Self.percent(s.maxDrawdown)),
            ("Dates evaluated", String(days.count)),
        ]
        var page = """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <title>Signal report \(runDate)</title>
        <style>
        body { font-family: system-ui, sans-serif; margin: 2em; color: #222; max-width: 60em; }
        table { border-collapse: collapse; margin: 1em 0; }
        th, td { border: 1px solid #ccc; padding: 3px 10px; text-align: right; }
        th { background: #f3f3f3; }
        th:first-child, td:first-child { text-align: left; }
        .note { color: #555; }
        </style>
        </head>
        <body>
        <h1>Signal report \(runDate)</h1>
        <p class="note">Signals <code>\(Self.escape(signals.path))</code> (version \(signals.version)) against realised returns from
        <code>\(Self.escape(bronze.path))</code> (version \(bronze.version)): \(days.count) signal dates from \(dates.first ?? "") to
        \(dates.last ?? "") whose next close was known by \(runDate), in a window of \(windowDays) calendar days.
        Models: \(models.isEmpty ? "not recorded" : Self.escape(models.joined(separator: ", "))).</p>
        <h2>Summary</h2>
        <table>
        <tr><th>metric</th><th>value</th></tr>

        """
        for (label, value) in summaryRows { page += "<tr><td>\(Self.escape(label))</td><td>\(value)</td></tr>\n" }
        page += "</table>\n<h2>Cumulative long-short return</h2>\n"
        page += Self.chart(s.cumulative, dates: dates, title: "Cumulative long-short return", percent: true, color: "#1f5fa8")
        page += "\n<h2>Rolling RankIC (mean of the last \(SignalSummary.rollingDates) dates)</h2>\n"
        page += Self.chart(s.rollingRankIC, dates: dates, title: "Rolling RankIC", percent: false, color: "#b0461f")
        page += """

        <h2>Per date</h2>
        <table>
        <tr><th>date</th><th>signals</th><th>IC</th><th>RankIC</th><th>rolling RankIC</th><th>decile spread</th><th>long-short</th><th>cumulative</th><th>turnover</th></tr>

        """
        for (k, day) in days.enumerated() {
            let cells = [String(day.count), Self.number(day.ic), Self.number(day.rankIC), Self.number(s.rollingRankIC[k]), Self.percent(day.decileSpread),
                         Self.percent(day.longShort), Self.percent(s.cumulative[k]), Self.percent(day.turnover)]
            page += "<tr><td>\(dates[k])</td>" + cells.map { "<td>\($0)</td>" }.joined() + "</tr>\n"
        }
        page += "</table>\n<p class=\"note\">– : undefined (fewer than two values, a constant side, an empty decile or book).</p>\n</body>\n</html>\n"
        return page
    }

    /// A line chart of `values` (one per date, NaN leaves a gap) with a dashed zero line.
    static func chart(_ values: [Double], dates: [String], title: String, percent: Bool, color: String) -> String {
        let width = 760.0, height = 240.0, left = 64.0, right = 16.0, top = 12.0, bottom = 28.0
        let plotWidth = width - left - right, plotHeight = height - top - bottom
        let finite = values.filter(\.isFinite)
        var low = min(0, finite.min() ?? 0), high = max(0, finite.max() ?? 0)
        if high - low < 1e-12 { (low, high) = (low - 0.01, high + 0.01) }
        let margin = (high - low) * 0.05
        (low, high) = (low - margin, high + margin)
        func x(_ k: Int) -> Double { values.count < 2 ? left + plotWidth / 2 : left + Double(k) * plotWidth / Double(values.count - 1) }
        func y(_ v: Double) -> Double { top + (high - v) / (high - low) * plotHeight }
        func label(_ v: Double) -> String { percent ? String(format: "%.1f%%", v * 100) : String(format: "%.3f", v) }
        func at(_ v: Double) -> String { String(format: "%.1f", v) }

        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\">\n"
        svg += "<title>\(escape(title))</title>\n"
        svg += "<rect x=\"\(at(left))\" y=\"\(at(top))\" width=\"\(at(plotWidth))\" height=\"\(at(plotHeight))\" fill=\"#fafafa\" stroke=\"#ccc\"/>\n"
        svg += "<line x1=\"\(at(left))\" y1=\"\(at(y(0)))\" x2=\"\(at(left + plotWidth))\" y2=\"\(at(y(0)))\" stroke=\"#888\" stroke-dasharray=\"4 3\"/>\n"
        // The zero label only where it does not run into the top or bottom one.
        let ticks = [(high, "hanging"), (low, "baseline")] + (min(y(0) - top, top + plotHeight - y(0)) > 14 ? [(0, "middle")] : [])
        for (v, anchor) in ticks {
            svg += "<text x=\"\(at(left - 6))\" y=\"\(at(y(v)))\" font-size=\"11\" text-anchor=\"end\" dominant-baseline=\"\(anchor)\">\(label(v))</text>\n"
        }
        if let first = dates.first, let last = dates.last {
            svg += "<text x=\"\(at(x(0)))\" y=\"\(at(height - 8))\" font-size=\"11\" text-anchor=\"start\">\(escape(first))</text>\n"
            if dates.count > 1 { svg += "<text x=\"\(at(x(dates.count - 1)))\" y=\"\(at(height - 8))\" font-size=\"11\" text-anchor=\"end\">\(escape(last))</text>\n" }
        }
        // One polyline per run of defined values, a dot on every value.
        var run: [String] = []
        func flush() {
            if run.count > 1 { svg += "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\" points=\"\(run.joined(separator: " "))\"/>\n" }
            run = []
        }
        for (k, v) in values.enumerated() {
            guard v.isFinite else { flush(); continue }
            run.append("\(at(x(k))),\(at(y(v)))")
            svg += "<circle cx=\"\(at(x(k)))\" cy=\"\(at(y(v)))\" r=\"2.5\" fill=\"\(color)\"><title>\(escape(dates[k])): \(label(v))</title></circle>\n"
        }
        flush()
        return svg + "</svg>\n"
    }

    static func number(_ v: Double, digits: Int = 4) -> String { v.isFinite ? String(format: "%.\(digits)f", v) : "–" }

    static func percent(_ v: Double) -> String { v.isFinite ? String(format: "%.2f%%", v * 100) : "–" }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
