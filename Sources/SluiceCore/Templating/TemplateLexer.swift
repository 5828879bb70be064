/// One token inside a `{{ ... }}` block; offsets count Unicode scalars from the start of the source.
struct TemplateToken: Sendable, Equatable {
    enum Kind: Sendable, Equatable {
        case name(String)
        case string(String)
        case int(Int64)
        case double(Double)
        /// One of `. , ( ) [ ] | + - ~`.
        case punct(Unicode.Scalar)
        /// `}}`, the end of the block.
        case close
        /// `{{` met before the current block was closed.
        case open
        /// The end of the source.
        case end
        /// A character the language has no use for (`*`, `==`'s `=`, a lone `}` ...).
        case invalid(Unicode.Scalar)
    }

    var kind: Kind
    var offset: Int
    /// One past the last scalar of the token.
    var end: Int

    /// How the token is quoted in error messages.
    func quoted(in scalars: [Unicode.Scalar]) -> String {
        switch kind {
        case .end: return "end of template"
        case .string: return "string " + TemplateLexer.text(scalars, offset, end)
        default: return "'" + TemplateLexer.text(scalars, offset, end) + "'"
        }
    }
}

/// Splits the inside of one `{{ ... }}` block into tokens, on demand.
///
/// The lexer works on Unicode scalars (not `Character`s) so that offsets match what YAML
/// reports for columns and a combining mark can never swallow a delimiter.
struct TemplateLexer {
    let scalars: [Unicode.Scalar]
    var position: Int

    init(scalars: [Unicode.Scalar], position: Int) {
        self.scalars = scalars
        self.position = position
    }

    static func text(_ scalars: [Unicode.Scalar], _ from: Int, _ to: Int) -> String {
        let lo = max(0, min(from, scalars.count)), hi = max(lo, min(to, scalars.count))
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars[lo..<hi])
        return String(view)
    }

    private func peek(_ ahead: Int = 0) -> Unicode.Scalar? {
        let i = position + ahead
        return i < scalars.count ? scalars[i] : nil
    }

    private static func isNameStart(_ c: Unicode.Scalar) -> Bool {
        c == "_" || ("a"..."z").contains(c) || ("A"..."Z").contains(c)
    }

    private static func isDigit(_ c: Unicode.Scalar?) -> Bool {
        guard let c else { return false }
        return ("0"..."9").contains(c)
    }

    mutating func next() throws(TemplateIssue) -> TemplateToken {
        while let c = peek(), c == " " || c == "\t" || c == "\n" || c == "\r" { position += 1 }
        let start = position
        guard let c = peek() else { return TemplateToken(kind: .end, offset: start, end: start) }
        if c == "}" && peek(1) == "}" {
            position += 2
            return TemplateToken(kind: .close, offset: start, end: position)
        }
        if c == "{" && peek(1) == "{" {
            // Not consumed: the caller resumes scanning text here after reporting the unclosed block.
            return TemplateToken(kind: .open, offset: start, end: start + 2)
        }
        if Self.isNameStart(c) {
            while let d = peek(), Self.isNameStart(d) || Self.isDigit(d) { position += 1 }
            return TemplateToken(kind: .name(Self.text(scalars, start, position)), offset: start, end: position)
        }
        if Self.isDigit(c) { return try number(from: start) }
        if c == "'" || c == "\"" { return try string(quote: c, from: start) }
        position += 1
        if c == "-", peek() == "}", peek(1) == "}" {
            throw TemplateIssue(offset: start, message: "whitespace control '-}}' is not supported; remove the '-'")
        }
        switch c {
        case ".", ",", "(", ")", "[", "]", "|", "+", "-", "~":
            return TemplateToken(kind: .punct(c), offset: start, end: position)
        default:
            return TemplateToken(kind: .invalid(c), offset: start, end: position)
        }
    }

    /// `123`, `1.5`, `2e3`, `1.5e-3`; a dot not followed by a digit is left for attribute access.
    private mutating func number(from start: Int) throws(TemplateIssue) -> TemplateToken {
        var isDouble = false
        while Self.isDigit(peek()) { position += 1 }
        if peek() == ".", Self.isDigit(peek(1)) {
            isDouble = true
            position += 1
            while Self.isDigit(peek()) { position += 1 }
        }
        if peek() == "e" || peek() == "E" {
            let signed = peek(1) == "+" || peek(1) == "-"
            if Self.isDigit(peek(signed ? 2 : 1)) {
                isDouble = true
                position += signed ? 2 : 1
                while Self.isDigit(peek()) { position += 1 }
            }
        }
        let text = Self.text(scalars, start, position)
        if isDouble, let d = Double(text) {
            return TemplateToken(kind: .double(d), offset: start, end: position)
        }
        guard let i = Int64(text) else {
            throw TemplateIssue(offset: start, message: "integer literal \(text) is too large")
        }
        return TemplateToken(kind: .int(i), offset: start, end: position)
    }

    /// A quoted string with Python's common escapes; unknown escapes keep their backslash, as Python does.
    private mutating func string(quote: Unicode.Scalar, from start: Int) throws(TemplateIssue) -> TemplateToken {
        position += 1
        var out = String.UnicodeScalarView()
        while let c = peek() {
            position += 1
            if c == quote { return TemplateToken(kind: .string(String(out)), offset: start, end: position) }
            guard c == "\\" else { out.append(c); continue }
            guard let e = peek() else { break }
            position += 1
            switch e {
            case "n": out.append("\n")
            case "t": out.append("\t")
            case "r": out.append("\r")
            case "\\", "'", "\"": out.append(e)
            default: out.append("\\"); out.append(e)
            }
        }
        throw TemplateIssue(offset: start, message: "unterminated string (missing closing \(quote))")
    }
}
