/// What is known about a task's templates at DAG-load time, before any run exists.
public struct TemplateScope: Sendable, Hashable {
    /// Declared DAG params; `params.NAME` must name one of them.
    public var paramNames: Set<String>
    /// Every task in the DAG; `xcom('id')` must name one of them.
    public var taskIDs: Set<String>
    /// The tasks the templated task runs after, when known. An `xcom` from any other task is an
    /// error, because nothing guarantees that task has pushed its value yet.
    public var upstreamTaskIDs: Set<String>?

    public init(paramNames: Set<String> = [], taskIDs: Set<String> = [], upstreamTaskIDs: Set<String>? = nil) {
        self.paramNames = paramNames
        self.taskIDs = taskIDs
        self.upstreamTaskIDs = upstreamTaskIDs
    }
}

/// A problem in a template's source, found while parsing or validating it.
public struct TemplateIssue: Error, Sendable, Hashable, CustomStringConvertible {
    /// 0-based offset in Unicode scalars from the start of the source, at the offending token.
    public let offset: Int
    public let message: String

    public init(offset: Int, message: String) {
        self.offset = offset
        self.message = message
    }

    public var description: String { "offset \(offset): \(message)" }
}

/// Checks parsed expressions against a scope without evaluating anything.
///
/// It tracks just enough about each sub-expression (is it `dag`, `params`, a function ...) to
/// catch misspelt names; anything that depends on run-time data is left to rendering.
struct TemplateChecker {
    /// What validation knows about an expression's value.
    private enum Shape {
        case value, dag, task, params, conf, macros, invalid
        case function(TemplateFunction)
    }

    let scope: TemplateScope
    private(set) var issues: [TemplateIssue] = []

    init(scope: TemplateScope) { self.scope = scope }

    private mutating func report(_ offset: Int, _ message: String) {
        issues.append(TemplateIssue(offset: offset, message: message))
    }

    /// Checks an expression whose result is used as a value (rendered, filtered, passed on).
    mutating func checkValue(_ expr: TemplateExpr) {
        switch check(expr) {
        case .macros: report(expr.offset, TemplateBuiltins.notAValue(nil))
        case .function(let f): report(expr.offset, TemplateBuiltins.notAValue(f))
        default: break
        }
    }

    private mutating func check(_ expr: TemplateExpr) -> Shape {
        switch expr.kind {
        case .literal:
            return .value
        case .name(let name):
            switch name {
            case "dag": return .dag
            case "task": return .task
            case "params": return .params
            case "conf": return .conf
            case "macros": return .macros
            case "xcom": return .function(.xcom)
            default:
                if TemplateBuiltins.variableSet.contains(name) { return .value }
                report(expr.offset, TemplateBuiltins.unknownVariable(name))
                return .invalid
            }
        case .attribute(let base, let name):
            return member(of: check(base), base: base, name: name, at: expr.offset)
        case .index(let base, let index):
            let shape = check(base)
            if case .literal(.string(let key)) = index.kind {
                return member(of: shape, base: base, name: key, at: index.offset)
            }
            checkValue(index)
            switch shape {
            case .macros, .function:
                report(index.offset, "'\(base.text)' cannot be indexed")
                return .invalid
            case .invalid: return .invalid
            default: return .value
            }
        case .call(let callee, let args):
            let shape = check(callee)
            for arg in args { checkValue(arg) }
            switch shape {
            case .function(let f):
                checkCall(f, args, at: expr.offset)
                return .value
            case .invalid:
                return .invalid
            default:
                report(expr.offset, "'\(callee.text)' is not a function; only xcom(...) and macros.* can be called")
                return .invalid
            }
        case .filter(let operand, let name, let args):
            checkValue(operand)
            for arg in args { checkValue(arg) }
            if let arity = TemplateBuiltins.filters[name] {
                if !arity.accepts(args.count) { report(expr.offset, arity.mismatch("filter '\(name)'", got: args.count)) }
            } else {
                report(expr.offset, TemplateBuiltins.unknownFilter(name))
            }
            return .value
        case .negate(let operand):
            checkValue(operand)
            return .value
        case .binary(_, let lhs, let rhs):
            checkValue(lhs)
            checkValue(rhs)
            return .value
        }
    }

    /// `base.name` or `base['name']`; `offset` points at the name.
    private mutating func member(of shape: Shape, base: TemplateExpr, name: String, at offset: Int) -> Shape {
        switch shape {
        case .dag, .task:
            let isDag: Bool = { if case .dag = shape { return true }; return false }()
            let known = isDag ? TemplateBuiltins.dagAttributes : TemplateBuiltins.taskAttributes
            let prefix = isDag ? "dag." : "task."
            if known.contains(name) { return .value }
            report(offset, "unknown attribute '\(prefix)\(name)'"
                + TemplateBuiltins.didYouMean(name, among: known, prefix: prefix))
            return .invalid
        case .params:
            if scope.paramNames.contains(name) { return .value }
            let hint = scope.paramNames.isEmpty
                ? " (this DAG declares no params)"
                : Spelling.didYouMean(name, among: scope.paramNames.sorted())
            report(offset, "unknown param '\(name)'" + hint)
            return .invalid
        case .conf, .value:
            // conf is free-form until a run supplies it; other values are only known at run time.
            return .value
        case .macros:
            if let f = TemplateFunction(macro: name) { return .function(f) }
            report(offset, TemplateBuiltins.unknownMacro(name))
            return .invalid
        case .function(let f):
            report(offset, "'\(f.name)' is a function and has no attribute '\(name)'")
            return .invalid
        case .invalid:
            return .invalid
        }
    }

    /// Argument count, plus whatever can be checked about literal arguments.
    private mutating func checkCall(_ f: TemplateFunction, _ args: [TemplateExpr], at offset: Int) {
        guard f.arity.accepts(args.count) else {
            report(offset, f.arity.mismatch(f.name, got: args.count))
            return
        }
        func literal(_ i: Int) -> Value? {
            if case .literal(let v) = args[i].kind { return v }
            return nil
        }
        switch f {
        case .xcom:
            if let v = literal(0) {
                if case .string(let id) = v {
                    checkXComTask(id, at: args[0].offset)
                } else {
                    report(args[0].offset, "xcom: task_id must be a string, got \(v.typeName)")
                }
            }
            if args.count > 1, let v = literal(1), v.stringValue == nil {
                report(args[1].offset, "xcom: key must be a string, got \(v.typeName)")
            }
        case .dsAdd:
            if let v = literal(0) {
                if let problem = TemplateDateFormat.dsProblem(v) { report(args[0].offset, "macros.ds_add: " + problem) }
            }
            if let v = literal(1), v.intValue == nil {
                report(args[1].offset, "macros.ds_add: days must be an integer, got \(v.typeName)")
            }
        case .dsFormat:
            for i in 1...2 {
                guard let v = literal(i) else { continue }
                let which = i == 1 ? "input_format" : "output_format"
                guard case .string(let format) = v else {
                    report(args[i].offset, "macros.ds_format: \(which) must be a string, got \(v.typeName)")
                    continue
                }
                if let problem = TemplateDateFormat.problem(in: format) {
                    report(args[i].offset, "macros.ds_format: \(which) \(problem)")
                }
            }
        }
    }

    private mutating func checkXComTask(_ id: String, at offset: Int) {
        if !scope.taskIDs.contains(id) {
            report(offset, "xcom('\(id)'): no task '\(id)' in this DAG"
                + Spelling.didYouMean(id, among: scope.taskIDs.sorted()))
        } else if let upstream = scope.upstreamTaskIDs, !upstream.contains(id) {
            report(offset, "xcom('\(id)'): task '\(id)' is not upstream of this task, so its value may not exist yet")
        }
    }
}
