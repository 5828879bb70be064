/// The names, functions and filters templates know; validation and rendering share these tables
/// so the two can never disagree about what exists.
enum TemplateBuiltins {
    /// Every top-level name, in the order suggestions should prefer.
    static let variables: [String] = [
        "ds", "ds_nodash", "ts", "ts_nodash", "logical_date", "data_interval_start", "data_interval_end",
        "prev_ds", "next_ds", "prev_ds_nodash", "next_ds_nodash", "run_id", "try_number",
        "dag", "task", "params", "conf", "macros", "xcom",
    ]
    static let variableSet = Set(variables)

    static let dagAttributes = ["dag_id"]
    static let taskAttributes = ["task_id", "id"]

    /// How many arguments a function or filter takes, and how to spell them in messages.
    struct Arity: Sendable {
        var min: Int
        var max: Int
        var signature: String

        func accepts(_ count: Int) -> Bool { (min...max).contains(count) }

        /// "macros.ds_add takes 2 arguments (ds, days), got 1".
        func mismatch(_ what: String, got: Int) -> String {
            let takes: String
            if max == 0 {
                takes = "takes no arguments"
            } else if min == max {
                takes = "takes \(min) argument\(min == 1 ? "" : "s") (\(signature))"
            } else if min == 0 {
                takes = "takes at most \(max) argument\(max == 1 ? "" : "s") (\(signature))"
            } else {
                takes = "takes \(min) \(max == min + 1 ? "or" : "to") \(max) arguments (\(signature))"
            }
            return "\(what) \(takes), got \(got)"
        }
    }

    static let xcom = Arity(min: 1, max: 2, signature: "task_id[, key]")
    /// The key `xcom('t')` reads, Airflow's name for a task's return value.
    static let defaultXComKey = "return_value"

    static let macroNames = ["ds_add", "ds_format"]

    static let filters: [String: Arity] = [
        "upper": Arity(min: 0, max: 0, signature: ""),
        "lower": Arity(min: 0, max: 0, signature: ""),
        "default": Arity(min: 0, max: 2, signature: "value[, also_if_falsy]"),
        "replace": Arity(min: 2, max: 2, signature: "old, new"),
        "int": Arity(min: 0, max: 0, signature: ""),
        "float": Arity(min: 0, max: 0, signature: ""),
        "string": Arity(min: 0, max: 0, signature: ""),
        "tojson": Arity(min: 0, max: 0, signature: ""),
        "join": Arity(min: 0, max: 1, signature: "separator"),
    ]
    static let filterNames = ["upper", "lower", "default", "replace", "int", "float", "string", "tojson", "join"]

    /// Airflow names people will reach for that Sluice spells differently; better than a bare "unknown".
    static let airflowHints: [String: String] = [
        "ti": " (use xcom('task_id') to read XCom values)",
        "task_instance": " (use xcom('task_id') to read XCom values)",
        "execution_date": " (use 'logical_date')",
        "dag_run": " (use 'run_id' or 'conf.NAME')",
        "var": " (Airflow Variables are not supported; pass values as params or conf)",
        "yesterday_ds": " (use macros.ds_add(ds, -1))",
        "tomorrow_ds": " (use macros.ds_add(ds, 1))",
    ]

    /// `unknown template variable 'x'` with a hint or spelling suggestion.
    static func unknownVariable(_ name: String) -> String {
        "unknown template variable '\(name)'" + (airflowHints[name] ?? Spelling.didYouMean(name, among: variables))
    }

    /// " (did you mean 'prefix.x'?)" for a mistyped member name.
    static func didYouMean(_ name: String, among candidates: [String], prefix: String) -> String {
        guard let s = Spelling.suggestion(for: name, among: candidates) else { return "" }
        return " (did you mean '\(prefix)\(s)'?)"
    }

    static func unknownMacro(_ name: String) -> String {
        let hint = didYouMean(name, among: macroNames, prefix: "macros.")
        return "unknown macro 'macros.\(name)'" + (hint.isEmpty ? " (available: macros.ds_add, macros.ds_format)" : hint)
    }

    static func unknownFilter(_ name: String) -> String {
        "unknown filter '\(name)'" + Spelling.didYouMean(name, among: filterNames)
    }

    /// What to say when a function (or, for nil, the `macros` namespace) is used where a value is needed.
    static func notAValue(_ function: TemplateFunction?) -> String {
        guard let function else {
            return "'macros' is a namespace, not a value; call macros.ds_add(...) or macros.ds_format(...)"
        }
        return "'\(function.name)' is a function; call it as \(function.name)(\(function.arity.signature))"
    }
}

/// A callable built-in: `xcom` or one of the `macros.*`.
enum TemplateFunction: Sendable, Equatable {
    case xcom, dsAdd, dsFormat

    init?(macro: String) {
        switch macro {
        case "ds_add": self = .dsAdd
        case "ds_format": self = .dsFormat
        default: return nil
        }
    }

    var name: String {
        switch self {
        case .xcom: return "xcom"
        case .dsAdd: return "macros.ds_add"
        case .dsFormat: return "macros.ds_format"
        }
    }

    var arity: TemplateBuiltins.Arity {
        switch self {
        case .xcom: return TemplateBuiltins.xcom
        case .dsAdd: return TemplateBuiltins.Arity(min: 2, max: 2, signature: "ds, days")
        case .dsFormat: return TemplateBuiltins.Arity(min: 3, max: 3, signature: "ds, input_format, output_format")
        }
    }
}
