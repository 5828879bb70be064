import Columnar

/// A predicate that does not parse or does not type-check: the text, the 1-based column where the
/// problem starts and what was expected.
public struct ExpressionError: Error, Sendable, CustomStringConvertible, Equatable {
    public var text: String
    public var column: Int
    public var message: String
    public var description: String { "predicate '\(text)': at column \(column): \(message)" }
}

/// Parses the predicate language: `date >= '2024-01-02' AND ticker IN ('AAPL', 'MSFT')`,
/// `NOT (x < 5 OR y IS NULL)`, `` `odd name` = 1 ``. Keywords are case-insensitive; string
/// literals use single quotes (doubled to escape); `DATE '...'` and `TIMESTAMP '...'` are typed
/// literals. Literals are typed by the column they are compared with (a string literal against a
/// date column is a date), and a literal that is not a value of that type is an error.
public struct ExpressionParser {
    private enum Token: Equatable {
        case identifier(String)
        case quotedIdentifier(String)
        case number(String)
        case string(String)
        case symbol(String)
        case end
    }

    private let text: String
    private let schema: Schema
    private var tokens: [(token: Token, column: Int)] = []
    private var index = 0

    /// Parses `text` against `schema` (column names and types).
    public static func parse(_ text: String, schema: Schema) throws(ExpressionError) -> Expression {
        var parser = ExpressionParser(text: text, schema: schema)
        try parser.tokenize()
        let expression = try parser.disjunction()
        guard case .end = parser.current else { throw parser.fail("expected AND, OR or the end of the predicate") }
        return expression
    }

    private init(text: String, schema: Schema) {
        self.text = text
        self.schema = schema
    }

    private var current: Token { tokens[index].token }

    private func fail(_ message: String, at column: Int? = nil) -> ExpressionError {
        ExpressionError(text: text, column: column ?? tokens[min(index, tokens.count - 1)].column, message: message)
    }

    private mutating func tokenize() throws(ExpressionError) {
        let chars = Array(text)
        var i = 0
        while i < chars.count {
            let c = chars[i]
            let column = i + 1
            if c.isWhitespace { i += 1; continue }
            if c.isLetter || c == "_" {
                var j = i
                while j < chars.count, chars[j].isLetter || chars[j].isNumber || chars[j] == "_" || chars[j] == "." { j += 1 }
                tokens.append((.identifier(String(chars[i ..< j])), column))
                i = j
            } else if c.isNumber || (c == "-" && i + 1 < chars.count && (chars[i + 1].isNumber || chars[i + 1] == ".")) || c == "." {
                var j = i + 1
                while j < chars.count, chars[j].isNumber || chars[j] == "." || chars[j] == "e" || chars[j] == "E"
                    || ((chars[j] == "-" || chars[j] == "+") && (chars[j - 1] == "e" || chars[j - 1] == "E")) { j += 1 }
                tokens.append((.number(String(chars[i ..< j])), column))
                i = j
            } else if c == "'" || c == "`" {
                var value = ""
                var j = i + 1
                var closed = false
                while j < chars.count {
                    if chars[j] == c {
                        if j + 1 < chars.count, chars[j + 1] == c { value.append(c); j += 2; continue }
                        closed = true
                        break
                    }
                    value.append(chars[j])
                    j += 1
                }
                guard closed else {
                    throw ExpressionError(text: text, column: column, message: c == "'" ? "unterminated string literal" : "unterminated `quoted` name")
                }
                tokens.append((c == "'" ? .string(value) : .quotedIdentifier(value), column))
                i = j + 1
            } else {
                let two = i + 1 < chars.count ? String(chars[i ... i + 1]) : ""
                if ["<=", ">=", "!=", "<>", "=="].contains(two) {
                    tokens.append((.symbol(two == "<>" ? "!=" : two == "==" ? "=" : two), column))
                    i += 2
                } else if "=<>(),".contains(c) {
                    tokens.append((.symbol(String(c)), column))
                    i += 1
                } else {
                    throw ExpressionError(text: text, column: column, message: "unexpected character '\(c)'")
                }
            }
        }
        tokens.append((.end, chars.count + 1))
    }

    private func isKeyword(_ word: String) -> Bool {
        if case .identifier(let name) = current { return name.uppercased() == word }
        return false
    }

    private mutating func disjunction() throws(ExpressionError) -> Expression {
        var left = try conjunction()
        while isKeyword("OR") {
            index += 1
            left = .or(left, try conjunction())
        }
        return left
    }

    private mutating func conjunction() throws(ExpressionError) -> Expression {
        var left = try negation()
        while isKeyword("AND") {
            index += 1
            left = .and(left, try negation())
        }
        return left
    }

    private mutating func negation() throws(ExpressionError) -> Expression {
        if isKeyword("NOT") {
            index += 1
            return .not(try negation())
        }
        return try comparison()
    }

    private mutating func comparison() throws(ExpressionError) -> Expression {
        if current == .symbol("(") {
            index += 1
            let inner = try disjunction()
            guard current == .symbol(")") else { throw fail("expected ')'") }
            index += 1
            return inner
        }
        if isKeyword("TRUE") { index += 1; return .constant(true) }
        if isKeyword("FALSE") { index += 1; return .constant(false) }
        // column OP literal, or literal OP column.
        let start = index
        if let (name, type) = try columnReference() {
            if isKeyword("IS") {
                index += 1
                var negated = false
                if isKeyword("NOT") { negated = true; index += 1 }
                guard isKeyword("NULL") else { throw fail("expected NULL after IS") }
                index += 1
                return negated ? .not(.isNull(column: name)) : .isNull(column: name)
            }
            var negatedIn = false
            if isKeyword("NOT") { negatedIn = true; index += 1 }
            if isKeyword("IN") {
                index += 1
                guard current == .symbol("(") else { throw fail("expected '(' after IN") }
                index += 1
                var values: [ScalarValue] = []
                while true {
                    values.append(try literal(as: type, column: name))
                    if current == .symbol(",") { index += 1; continue }
                    guard current == .symbol(")") else { throw fail("expected ',' or ')' in the IN list") }
                    index += 1
                    break
                }
                let expression = Expression.isIn(column: name, values)
                return negatedIn ? .not(expression) : expression
            }
            if negatedIn { throw fail("expected IN after NOT") }
            guard case .symbol(let symbol) = current, let op = Expression.Comparison(rawValue: symbol) else {
                throw fail("expected a comparison (= != < <= > >=), IS [NOT] NULL or [NOT] IN after '\(name)'")
            }
            index += 1
            if let (other, _) = try columnReference() {
                throw fail("comparing two columns ('\(name)' and '\(other)') is not supported", at: tokens[start].column)
            }
            return .compare(column: name, op, try literal(as: type, column: name))
        }
        // A literal first: find its type from the column after the operator.
        let literalIndex = index
        guard case .symbol(let symbol)? = tokens.indices.contains(index + 1) ? tokens[index + 1].token : nil,
              let op = Expression.Comparison(rawValue: symbol)
        else {
            throw fail("expected a column name, a literal compared with a column, TRUE, FALSE, NOT or '('")
        }
        index += 2
        guard let (name, type) = try columnReference() else { throw fail("expected a column name after '\(symbol)'") }
        let after = index
        index = literalIndex
        let value = try literal(as: type, column: name)
        index = after
        return .compare(column: name, op.flipped, value)
    }

    /// A column name at the current token (advancing past it), with its type; nil if the token is
    /// not one. An unknown name is an error naming the columns.
    private mutating func columnReference() throws(ExpressionError) -> (String, DataType)? {
        let name: String
        switch current {
        case .quotedIdentifier(let n): name = n
        case .identifier(let n) where !["TRUE", "FALSE", "NULL", "NOT", "AND", "OR", "IN", "IS"].contains(n.uppercased()):
            // DATE '...' and TIMESTAMP '...' are typed literals; a column may still be called date.
            if ["DATE", "TIMESTAMP"].contains(n.uppercased()), index + 1 < tokens.count, case .string = tokens[index + 1].token { return nil }
            name = n
        default: return nil
        }
        guard let field = schema.fields.first(where: { $0.name == name }) ?? schema.fields.first(where: { $0.name.lowercased() == name.lowercased() }) else {
            throw fail("no column named '\(name)' (columns: \(schema.names.joined(separator: ", ")))")
        }
        index += 1
        return (field.name, field.type)
    }

    /// A literal at the current token, typed as `type` (the type of `column`).
    private mutating func literal(as type: DataType, column: String) throws(ExpressionError) -> ScalarValue {
        let position = tokens[index].column
        var text: String
        switch current {
        case .number(let n): text = n
        case .string(let s): text = s
        case .identifier(let word) where ["DATE", "TIMESTAMP"].contains(word.uppercased()):
            index += 1
            guard case .string(let s) = current else { throw fail("expected a quoted value after \(word.uppercased())") }
            text = s
        case .identifier(let word) where ["TRUE", "FALSE"].contains(word.uppercased()): text = word.lowercased()
        case .identifier(let word) where word.uppercased() == "NULL": index += 1; return .null
        default: throw fail("expected a literal (number, 'string', DATE '...', TIMESTAMP '...', TRUE, FALSE, NULL)")
        }
        index += 1
        if case .string = type {
            return .string(text)
        }
        guard let value = PartitionValues.parse(text, as: type), !value.isNull else {
            throw fail("'\(text)' is not a value of column '\(column)' (\(type))", at: position)
        }
        return value
    }
}
