import Foundation

/// The filters other than `default` (which needs the unevaluated operand, so the evaluator owns it).
///
/// Unlike Jinja, conversions that cannot succeed are errors: `'abc' | int` fails rather than
/// quietly giving 0, because a wrong number in a job's arguments is worse than a failed try.
enum TemplateFilters {
    static func apply(_ name: String, to v: Value, _ args: [Value], at expr: TemplateExpr) throws(TemplateRenderError) -> Value {
        func fail(_ message: String) -> TemplateRenderError {
            TemplateRenderError(offset: expr.offset, message: "filter '\(name)': " + message)
        }
        switch name {
        case "upper": return .string(v.renderedText.uppercased())
        case "lower": return .string(v.renderedText.lowercased())
        case "string": return .string(v.renderedText)
        case "tojson": return .string(v.jsonText())
        case "replace":
            let old = args[0].renderedText, new = args[1].renderedText
            let text = v.renderedText
            // Python inserts `new` between characters for an empty `old`; Foundation would do nothing.
            if old.isEmpty { return .string(new + text.map { String($0) + new }.joined()) }
            return .string(text.replacingOccurrences(of: old, with: new))
        case "join":
            guard case .list(let items) = v else { throw fail("needs a list, got \(v.templateTypePhrase)") }
            return .string(items.map(\.renderedText).joined(separator: args.first?.renderedText ?? ""))
        case "int":
            switch v {
            case .int: return v
            case .bool(let b): return .int(b ? 1 : 0)
            case .double(let d):
                guard let i = truncated(d) else { throw fail("\(d) does not fit in an integer") }
                return .int(i)
            case .string(let s):
                let trimmed = s.trimmingCharacters(in: .whitespaces)
                if let i = Int64(trimmed) { return .int(i) }
                // "3.7" becomes 3, as Jinja's int filter does.
                if let d = Double(trimmed), let i = truncated(d) { return .int(i) }
                throw fail("cannot convert '\(s)' to an integer")
            default: throw fail("cannot convert \(v.templateTypePhrase) to an integer")
            }
        case "float":
            switch v {
            case .double: return v
            case .int(let i): return .double(Double(i))
            case .bool(let b): return .double(b ? 1 : 0)
            case .string(let s):
                guard let d = Double(s.trimmingCharacters(in: .whitespaces)) else {
                    throw fail("cannot convert '\(s)' to a number")
                }
                return .double(d)
            default: throw fail("cannot convert \(v.templateTypePhrase) to a number")
            }
        default:
            throw TemplateRenderError(offset: expr.offset, message: TemplateBuiltins.unknownFilter(name))
        }
    }

    /// `d` rounded toward zero, or nil when it is not finite or out of Int64's range.
    private static func truncated(_ d: Double) -> Int64? {
        guard d.isFinite else { return nil }
        let t = d.rounded(.towardZero)
        // 2^63 is exactly representable; anything at or above it does not fit.
        guard t >= -9_223_372_036_854_775_808.0, t < 9_223_372_036_854_775_808.0 else { return nil }
        return Int64(t)
    }
}
