/// Parses `{{ ... }}` blocks (recursive descent, Jinja's precedence) and splits a source into segments.
///
/// Grammar (lowest precedence first; filters bind tighter than binary operators, as in Jinja):
///
///     block    := '{{' expr '}}'
///     expr     := concat (('+' | '-') concat)*
///     concat   := filtered ('~' filtered)*
///     filtered := unary ('|' NAME ('(' args? ')')?)*
///     unary    := '-' unary | postfix
///     postfix  := primary ('.' NAME | '[' expr ']' | '(' args? ')')*
///     primary  := NAME | STRING | INT | FLOAT | true | false | none | '(' expr ')'
///     args     := expr (',' expr)* ','?
struct TemplateParser {
    /// Why a block could not be parsed, and where text scanning may resume (nil: give up on the rest).
    struct Failure: Error {
        var issue: TemplateIssue
        var resume: Int?
    }

    /// Deeper nesting than this is certainly a mistake, and recursion must not overflow the stack.
    static let maxDepth = 64
    /// The most levels an expression tree may have (see `TemplateExpr.height`).
    static let maxHeight = 100

    private var lexer: TemplateLexer
    private var current: TemplateToken
    private let blockStart: Int
    private var depth = 0

    private var scalars: [Unicode.Scalar] { lexer.scalars }

    /// Splits `scalars` into text and expression segments, collecting every syntax issue.
    static func segments(of scalars: [Unicode.Scalar]) -> (segments: [TemplateSegment], issues: [TemplateIssue]) {
        var segments: [TemplateSegment] = []
        var issues: [TemplateIssue] = []
        var text = String.UnicodeScalarView()
        var i = 0
        func flush() {
            if !text.isEmpty { segments.append(.text(String(text))); text = String.UnicodeScalarView() }
        }
        while i < scalars.count {
            let c = scalars[i]
            let nextScalar: Unicode.Scalar? = i + 1 < scalars.count ? scalars[i + 1] : nil
            if c == "{", nextScalar == "{" {
                flush()
                do {
                    let (expr, end) = try parseBlock(scalars, at: i)
                    segments.append(.expression(expr))
                    i = end
                } catch {
                    issues.append(error.issue)
                    guard let resume = error.resume else { return (segments, issues) }
                    i = resume
                }
            } else if c == "{", nextScalar == "%" {
                issues.append(TemplateIssue(
                    offset: i, message: "statements {% ... %} are not supported; only {{ expressions }}"))
                guard let close = find("%}", in: scalars, from: i + 2) else { return (segments, issues) }
                i = close + 2
            } else {
                // `{#` is deliberately plain text: bash's `${#array[@]}` is common in commands.
                text.append(c)
                i += 1
            }
        }
        flush()
        return (segments, issues)
    }

    /// The offset of the next `pair` at or after `from`, scanning raw text.
    static func find(_ pair: String, in scalars: [Unicode.Scalar], from: Int) -> Int? {
        let p = Array(pair.unicodeScalars)
        var i = max(0, from)
        while i + 1 < scalars.count {
            if scalars[i] == p[0] && scalars[i + 1] == p[1] { return i }
            i += 1
        }
        return nil
    }

    /// Parses the block whose `{{` is at `start`; returns the expression and the offset after `}}`.
    static func parseBlock(_ scalars: [Unicode.Scalar], at start: Int) throws(Failure) -> (TemplateExpr, Int) {
        var parser = TemplateParser(scalars: scalars, blockStart: start)
        // Jinja always reads `{{-` as whitespace control, so `{{-x}}` is never a negation there either.
        if start + 2 < scalars.count, scalars[start + 2] == "-" {
            throw Failure(
                issue: TemplateIssue(offset: start + 2, message: "whitespace control '{{-' is not supported; remove the '-'"),
                resume: resume(after: start + 2, in: scalars))
        }
        try parser.advance()
        if parser.current.kind == .close { throw parser.failure("expected an expression after '{{'") }
        let expr = try parser.expression()
        guard parser.current.kind == .close else {
            throw parser.failure("unexpected \(parser.current.quoted(in: scalars)) (expected '}}')")
        }
        return (expr, parser.current.end)
    }

    private init(scalars: [Unicode.Scalar], blockStart: Int) {
        lexer = TemplateLexer(scalars: scalars, position: blockStart + 2)
        current = TemplateToken(kind: .end, offset: blockStart, end: blockStart)
        self.blockStart = blockStart
    }

    private mutating func advance() throws(Failure) {
        do {
            current = try lexer.next()
        } catch {
            throw Failure(issue: error, resume: Self.resume(after: error.offset, in: scalars))
        }
    }

    /// Resume after the first `}}` at or after `offset`, so one bad block does not hide later ones.
    private static func resume(after offset: Int, in scalars: [Unicode.Scalar]) -> Int? {
        find("}}", in: scalars, from: offset).map { $0 + 2 }
    }

    /// An error at the current token; running into the end of the source or the next `{{`
    /// means the real problem is the missing `}}`, so that is what gets reported.
    private func failure(_ message: String) -> Failure {
        switch current.kind {
        case .end:
            return Failure(issue: TemplateIssue(offset: blockStart, message: "unclosed '{{' (expected '}}')"), resume: nil)
        case .open:
            return Failure(
                issue: TemplateIssue(offset: blockStart, message: "unclosed '{{' (expected '}}')"),
                resume: current.offset)
        case .invalid("}"):
            return Failure(
                issue: TemplateIssue(offset: current.offset, message: "unexpected '}' (did you mean '}}'?)"),
                resume: Self.resume(after: current.offset, in: scalars))
        default:
            return Failure(
                issue: TemplateIssue(offset: current.offset, message: message),
                resume: Self.resume(after: current.offset, in: scalars))
        }
    }

    private func isPunct(_ c: Unicode.Scalar) -> Bool { current.kind == .punct(c) }

    private func node(_ kind: TemplateExpr.Kind, offset: Int, from start: Int, to end: Int) throws(Failure) -> TemplateExpr {
        let expr = TemplateExpr(kind: kind, offset: offset, text: TemplateLexer.text(scalars, start, end))
        if expr.height > Self.maxHeight {
            throw Failure(
                issue: TemplateIssue(offset: offset, message: "expression is too long (more than \(Self.maxHeight) levels of operators and filters)"),
                resume: Self.resume(after: offset, in: scalars))
        }
        return expr
    }

    /// The end offset of the last token consumed, which closes the source span of the node being built.
    private var lastEnd = 0

    private mutating func expression() throws(Failure) -> TemplateExpr {
        depth += 1
        defer { depth -= 1 }
        if depth > Self.maxDepth { throw failure("expression is nested too deeply") }
        let start = current.offset
        var lhs = try concat()
        while isPunct("+") || isPunct("-") {
            let op: TemplateExpr.BinaryOp = isPunct("+") ? .add : .subtract
            let opToken = current
            try advance()
            let rhs = try operand(after: op.rawValue) { (p: inout TemplateParser) throws(Failure) in try p.concat() }
            lhs = try node(.binary(op, lhs, rhs), offset: opToken.offset, from: start, to: lastEnd)
        }
        return lhs
    }

    private mutating func concat() throws(Failure) -> TemplateExpr {
        let start = current.offset
        var lhs = try filtered()
        while isPunct("~") {
            let opToken = current
            try advance()
            let rhs = try operand(after: "~") { (p: inout TemplateParser) throws(Failure) in try p.filtered() }
            lhs = try node(.binary(.concat, lhs, rhs), offset: opToken.offset, from: start, to: lastEnd)
        }
        return lhs
    }

    /// Parses the right operand of an operator, with a message naming the operator when it is missing.
    private mutating func operand(
        after op: String, _ parse: (inout TemplateParser) throws(Failure) -> TemplateExpr
    ) throws(Failure) -> TemplateExpr {
        guard startsExpression else { throw failure("expected an expression after '\(op)'") }
        return try parse(&self)
    }

    private var startsExpression: Bool {
        switch current.kind {
        case .name, .string, .int, .double: return true
        case .punct(let c): return c == "(" || c == "-"
        default: return false
        }
    }

    private mutating func filtered() throws(Failure) -> TemplateExpr {
        let start = current.offset
        var expr = try unary()
        while isPunct("|") {
            try advance()
            guard case .name(let name) = current.kind else { throw failure("expected an expression after '|'") }
            let nameOffset = current.offset
            lastEnd = current.end
            try advance()
            var args: [TemplateExpr] = []
            if isPunct("(") { args = try arguments() }
            expr = try node(.filter(expr, name, args), offset: nameOffset, from: start, to: lastEnd)
        }
        return expr
    }

    private mutating func unary() throws(Failure) -> TemplateExpr {
        guard isPunct("-") else { return try postfix() }
        let minus = current
        try advance()
        depth += 1
        defer { depth -= 1 }
        if depth > Self.maxDepth { throw failure("expression is nested too deeply") }
        let inner = try operand(after: "-") { (p: inout TemplateParser) throws(Failure) in try p.unary() }
        // Fold `-5` into a literal so validation can check literal arguments like ds_add's days.
        switch inner.kind {
        case .literal(.int(let i)) where i != Int64.min:
            return try node(.literal(.int(-i)), offset: minus.offset, from: minus.offset, to: lastEnd)
        case .literal(.double(let d)):
            return try node(.literal(.double(-d)), offset: minus.offset, from: minus.offset, to: lastEnd)
        default:
            return try node(.negate(inner), offset: minus.offset, from: minus.offset, to: lastEnd)
        }
    }

    private mutating func postfix() throws(Failure) -> TemplateExpr {
        let start = current.offset
        var expr = try primary()
        while true {
            if isPunct(".") {
                try advance()
                guard case .name(let name) = current.kind else {
                    throw failure("expected an attribute name after '.'")
                }
                let nameOffset = current.offset
                lastEnd = current.end
                try advance()
                expr = try node(.attribute(expr, name), offset: nameOffset, from: start, to: lastEnd)
            } else if isPunct("[") {
                try advance()
                let index = try operand(after: "[") { (p: inout TemplateParser) throws(Failure) in try p.expression() }
                guard isPunct("]") else { throw failure("expected ']' after the index") }
                lastEnd = current.end
                try advance()
                expr = try node(.index(expr, index), offset: index.offset, from: start, to: lastEnd)
            } else if isPunct("(") {
                let args = try arguments()
                expr = try node(.call(expr, args), offset: expr.offset, from: start, to: lastEnd)
            } else {
                return expr
            }
        }
    }

    /// `( expr, expr, ... )` with an optional trailing comma; the current token is `(`.
    private mutating func arguments() throws(Failure) -> [TemplateExpr] {
        try advance()
        var args: [TemplateExpr] = []
        while !isPunct(")") {
            let after = args.isEmpty ? "(" : ","
            args.append(try operand(after: after) { (p: inout TemplateParser) throws(Failure) in try p.expression() })
            if isPunct(",") { try advance(); continue }
            guard isPunct(")") else { throw failure("expected ',' or ')' in the argument list") }
        }
        lastEnd = current.end
        try advance()
        return args
    }

    private mutating func primary() throws(Failure) -> TemplateExpr {
        let token = current
        let literal: Value
        switch token.kind {
        case .name(let name):
            switch name {
            case "true", "True": literal = .bool(true)
            case "false", "False": literal = .bool(false)
            case "none", "None": literal = .null
            default:
                lastEnd = token.end
                try advance()
                return try node(.name(name), offset: token.offset, from: token.offset, to: token.end)
            }
        case .string(let s): literal = .string(s)
        case .int(let i): literal = .int(i)
        case .double(let d): literal = .double(d)
        case .punct("("):
            try advance()
            let inner = try operand(after: "(") { (p: inout TemplateParser) throws(Failure) in try p.expression() }
            guard isPunct(")") else { throw failure("expected ')'") }
            lastEnd = current.end
            try advance()
            return inner
        default:
            throw failure("unexpected \(current.quoted(in: scalars)) (expected an expression)")
        }
        lastEnd = token.end
        try advance()
        return try node(.literal(literal), offset: token.offset, from: token.offset, to: token.end)
    }
}
