import Foundation

/// Evaluates parsed expressions against a context.
///
/// A missing mapping key or XCom is not an error straight away: it evaluates to "undefined",
/// carrying the error it would raise, so `| default(...)` can still supply a fallback. Only using
/// an undefined value raises its error, which therefore names what was missing.
struct TemplateEvaluator {
    private enum Operand {
        case value(Value)
        case undefined(TemplateRenderError)
        case function(TemplateFunction)
        case macros
    }

    let context: TemplateContext

    /// The value of `expr`, or the error explaining why it has none.
    func value(of expr: TemplateExpr) throws(TemplateRenderError) -> Value {
        try require(evaluate(expr), expr)
    }

    private func fail(_ expr: TemplateExpr, _ message: String) -> TemplateRenderError {
        TemplateRenderError(offset: expr.offset, message: message)
    }

    private func require(_ operand: Operand, _ expr: TemplateExpr) throws(TemplateRenderError) -> Value {
        switch operand {
        case .value(let v): return v
        case .undefined(let error): throw error
        case .function(let f): throw fail(expr, TemplateBuiltins.notAValue(f))
        case .macros: throw fail(expr, TemplateBuiltins.notAValue(nil))
        }
    }

    private func evaluate(_ expr: TemplateExpr) throws(TemplateRenderError) -> Operand {
        switch expr.kind {
        case .literal(let v):
            return .value(v)
        case .name(let name):
            if name == "macros" { return .macros }
            if name == "xcom" { return .function(.xcom) }
            guard let v = context.variable(name) else { throw fail(expr, TemplateBuiltins.unknownVariable(name)) }
            return .value(v)
        case .attribute(let base, let name):
            return try member(of: evaluate(base), base: base, key: name, at: expr)
        case .index(let base, let indexExpr):
            let operand = try evaluate(base)
            if case .undefined = operand { return operand }
            let index = try value(of: indexExpr)
            if case .string(let key) = index { return try member(of: operand, base: base, key: key, at: expr) }
            guard case .value(.list(let items)) = operand, case .int(let i) = index else {
                throw fail(expr, "cannot index '\(base.text)' with \(index.typeName)")
            }
            // Negative indexes count from the end, as in Python.
            let position = i < 0 ? Int64(items.count) + i : i
            guard position >= 0, position < Int64(items.count) else {
                return .undefined(fail(expr, "index \(i) is out of range for '\(base.text)' (\(items.count) items)"))
            }
            return .value(items[Int(position)])
        case .call(let callee, let argExprs):
            let operand = try evaluate(callee)
            guard case .function(let f) = operand else {
                if case .undefined(let error) = operand { throw error }
                throw fail(expr, "'\(callee.text)' is not a function; only xcom(...) and macros.* can be called")
            }
            guard f.arity.accepts(argExprs.count) else { throw fail(expr, f.arity.mismatch(f.name, got: argExprs.count)) }
            var args: [Value] = []
            for a in argExprs { args.append(try value(of: a)) }
            return try call(f, args, at: expr)
        case .filter(let operandExpr, let name, let argExprs):
            guard let arity = TemplateBuiltins.filters[name] else { throw fail(expr, TemplateBuiltins.unknownFilter(name)) }
            guard arity.accepts(argExprs.count) else {
                throw fail(expr, arity.mismatch("filter '\(name)'", got: argExprs.count))
            }
            if name == "default" { return try applyDefault(operandExpr, argExprs) }
            let operand = try value(of: operandExpr)
            var args: [Value] = []
            for a in argExprs { args.append(try value(of: a)) }
            return .value(try TemplateFilters.apply(name, to: operand, args, at: expr))
        case .negate(let operandExpr):
            switch try value(of: operandExpr) {
            case .int(let i) where i != Int64.min: return .value(.int(-i))
            case .double(let d): return .value(.double(-d))
            case let v: throw fail(expr, "cannot negate \(v.typeName) '\(operandExpr.text)'")
            }
        case .binary(let op, let lhsExpr, let rhsExpr):
            let lhs = try value(of: lhsExpr), rhs = try value(of: rhsExpr)
            return .value(try binary(op, lhs, rhs, at: expr))
        }
    }

    /// `base.key` / `base['key']`; missing keys are undefined so `default` can still apply.
    private func member(of operand: Operand, base: TemplateExpr, key: String, at expr: TemplateExpr) throws(TemplateRenderError) -> Operand {
        switch operand {
        case .undefined:
            // Chained lookups below a missing key stay undefined: `conf.a.b | default(1)` works.
            return operand
        case .macros:
            guard let f = TemplateFunction(macro: key) else { throw fail(expr, TemplateBuiltins.unknownMacro(key)) }
            return .function(f)
        case .function(let f):
            throw fail(expr, "'\(f.name)' is a function and has no attribute '\(key)'")
        case .value(let v):
            if let found = v[key] { return .value(found) }
            guard case .map = v else {
                return .undefined(fail(expr, "'\(base.text)' is \(v.templateTypePhrase), so it has no attribute '\(key)'"))
            }
            switch base.kind {
            case .name("conf"):
                return .undefined(fail(expr, "conf key '\(key)' is not set for this run (add | default(...) to make it optional)"))
            case .name("params"):
                return .undefined(fail(expr, "param '\(key)' has no value in this run"))
            case .name("dag"), .name("task"):
                throw fail(expr, "unknown attribute '\(base.text).\(key)'")
            default:
                return .undefined(fail(expr, "'\(base.text)' has no key '\(key)'"))
            }
        }
    }

    /// `default(x[, also_if_falsy])`: replaces undefined and null, and with a true second argument
    /// also falsy values (empty string, 0, false, empty list or mapping), as Jinja's `default(x, true)`.
    private func applyDefault(_ operandExpr: TemplateExpr, _ argExprs: [TemplateExpr]) throws(TemplateRenderError) -> Operand {
        let operand = try evaluate(operandExpr)
        var useFallback: Bool
        switch operand {
        case .undefined: useFallback = true
        case .value(let v):
            useFallback = v.isNull
            if !useFallback, argExprs.count > 1, try value(of: argExprs[1]).templateIsTruthy { useFallback = !v.templateIsTruthy }
        default: return .value(try require(operand, operandExpr))
        }
        guard useFallback else { return operand }
        return .value(argExprs.isEmpty ? .string("") : try value(of: argExprs[0]))
    }

    private func call(_ f: TemplateFunction, _ args: [Value], at expr: TemplateExpr) throws(TemplateRenderError) -> Operand {
        func string(_ i: Int, _ what: String) throws(TemplateRenderError) -> String {
            guard case .string(let s) = args[i] else {
                throw fail(expr, "\(f.name): \(what) must be a string, got \(args[i].typeName)")
            }
            return s
        }
        switch f {
        case .xcom:
            let task = try string(0, "task_id")
            let key = args.count > 1 ? try string(1, "key") : TemplateBuiltins.defaultXComKey
            guard let v = context.xcom(task, key) else {
                return .undefined(fail(expr, "no XCom value from task '\(task)' with key '\(key)'"))
            }
            return .value(v)
        case .dsAdd:
            let ds = try string(0, "ds")
            guard let date = CivilDate(iso: ds) else {
                throw fail(expr, "macros.ds_add: '\(ds)' is not a date in YYYY-MM-DD form")
            }
            guard case .int(let days) = args[1] else {
                throw fail(expr, "macros.ds_add: days must be an integer, got \(args[1].typeName)")
            }
            // Bounded so the day arithmetic cannot overflow; results stay within years 1-9999.
            let outOfRange = fail(expr, "macros.ds_add: \(ds) plus \(days) days is outside years 1-9999")
            guard (-3_700_000...3_700_000).contains(days) else { throw outOfRange }
            let result = date.adding(days: Int(days))
            guard (1...9999).contains(result.year) else { throw outOfRange }
            return .value(.string(result.description))
        case .dsFormat:
            let ds = try string(0, "ds"), input = try string(1, "input_format"), output = try string(2, "output_format")
            do {
                let parsed = try TemplateDateFormat.parse(ds, format: input)
                return .value(.string(try TemplateDateFormat.format(parsed, output)))
            } catch {
                throw fail(expr, "macros.ds_format: " + error.message)
            }
        }
    }

    private func binary(_ op: TemplateExpr.BinaryOp, _ lhs: Value, _ rhs: Value, at expr: TemplateExpr) throws(TemplateRenderError) -> Value {
        if op == .concat { return .string(lhs.renderedText + rhs.renderedText) }
        switch (op, lhs, rhs) {
        case (.add, .int(let a), .int(let b)), (.subtract, .int(let a), .int(let b)):
            let (r, overflow) = op == .add ? a.addingReportingOverflow(b) : a.subtractingReportingOverflow(b)
            if overflow { throw fail(expr, "integer overflow in '\(expr.text)'") }
            return .int(r)
        case (.add, .string(let a), .string(let b)): return .string(a + b)
        case (.add, .list(let a), .list(let b)): return .list(a + b)
        default:
            if let a = lhs.doubleValue, let b = rhs.doubleValue { return .double(op == .add ? a + b : a - b) }
            let hint = op == .add && (lhs.stringValue != nil || rhs.stringValue != nil) ? " (use ~ to join as text)" : ""
            throw fail(expr, "cannot \(op == .add ? "add" : "subtract") \(lhs.typeName) and \(rhs.typeName)\(hint)")
        }
    }
}

extension Value {
    /// "a string", "an int", "null": the type name with its article, for messages.
    var templateTypePhrase: String {
        switch self {
        case .null: return "null"
        case .int: return "an int"
        default: return "a " + typeName
        }
    }

    /// Python's truthiness, for `default(x, true)`.
    var templateIsTruthy: Bool {
        switch self {
        case .null: return false
        case .bool(let b): return b
        case .int(let i): return i != 0
        case .double(let d): return d != 0
        case .string(let s): return !s.isEmpty
        case .list(let l): return !l.isEmpty
        case .map(let m): return !m.isEmpty
        }
    }
}
