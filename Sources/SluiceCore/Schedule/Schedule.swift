import Foundation

/// When a DAG runs on its own: never (manual), once, on a cron schedule, or every weekday.
public enum Schedule: Sendable, Hashable {
    /// YAML `null`: runs only when triggered.
    case manual
    /// `@once`: a single run at the start date.
    case once
    /// A 5-field cron expression, or a preset (`@daily`, ...) that stands for one; `preset` keeps its spelling.
    case cron(CronExpression, preset: String?)
    /// `@weekdays`: one run per Monday-Friday, covering that whole local day.
    case weekdays

    /// The cron presets and what they stand for, in the order they are listed in messages.
    static let cronPresets: [(name: String, expression: String)] = [
        ("@hourly", "0 * * * *"),
        ("@daily", "0 0 * * *"),
        ("@midnight", "0 0 * * *"),
        ("@weekly", "0 0 * * 0"),
        ("@monthly", "0 0 1 * *"),
        ("@yearly", "0 0 1 1 *"),
        ("@annually", "0 0 1 1 *"),
    ]

    /// Every `@` spelling a schedule accepts.
    public static let presetNames: [String] = ["@once"] + cronPresets.map(\.name) + ["@weekdays"]

    /// Parses a DAG's `schedule` value: nil (YAML `null`) is manual, `@...` a preset, anything else 5-field cron.
    /// Presets are case-sensitive, as in Airflow; error columns count Unicode scalars from the start of `text`.
    public init(parsing text: String?) throws(CronParseError) {
        guard let text else {
            self = .manual
            return
        }
        let leading = text.unicodeScalars.prefix(while: { CronExpression.isSpace($0) }).count
        let word = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard word.hasPrefix("@") else {
            self = .cron(try CronExpression(parsing: text), preset: nil)
            return
        }
        switch word {
        case "@once": self = .once
        case "@weekdays": self = .weekdays
        default:
            guard let preset = Schedule.cronPresets.first(where: { $0.name == word }) else {
                let hint = Spelling.didYouMean(word, among: Schedule.presetNames)
                let message = "unknown schedule preset '\(word)'"
                    + (hint.isEmpty ? "; expected one of \(Schedule.presetNames.joined(separator: ", "))" : hint)
                throw CronParseError(column: leading, message: message)
            }
            self = .cron(try CronExpression(parsing: preset.expression), preset: preset.name)
        }
    }

    /// The schedule spelled as a DAG file would write it; nil for manual (YAML `null`).
    public var text: String? {
        switch self {
        case .manual: nil
        case .once: "@once"
        case .weekdays: "@weekdays"
        case .cron(let expression, let preset): preset ?? expression.description
        }
    }
}
