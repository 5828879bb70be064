/// Parses Qlib-style factor expressions (`Mean($close, 5) / $close`) into `FactorExpression`s.
public struct FactorParser {
    private let text: [UInt8]
    private var position = 0

    private init(_ source: String) {
        text = Array(source.utf8)
    }

    /// The tree of `source`; throws with the column of the first problem and what was expected.
    public static func parse(_ source: String) throws(FactorSyntaxError) -> FactorExpression {
        var parser = FactorParser(source)
        parser.skipSpaces()
        guard parser.position < parser.text.count else { throw FactorSyntaxError(column: 1, "the expression is empty") }
        let expression = try parser.expression(minimum: 1)
        parser.skipSpaces()
        if parser.position < parser.text.count {
            throw FactorSyntaxError(column: parser.column, "expected an operator or the end of the expression, found \(parser.describeHere())")
        }
        return expression
    }

    private var column: Int { position + 1 }

    private mutating func skipSpaces() {
        while position < text.count, text[position] == 0x20 || text[position] == 0x09 || text[position] == 0x0A || text[position] == 0x0D {
            position += 1
        }
    }

    private func describeHere() -> String {
        guard position < text.count else { return "the end of the expression" }
        var end = position
        while end < text.count, end - position < 12, text[end] != 0x20 { end += 1 }
        return "'\(String(decoding: text[position ..< max(end, position + 1)], as: UTF8.self))'"
    }

    /// Precedence climbing over the binary operators binding at least `minimum`.
    private mutating func expression(minimum: Int) throws(FactorSyntaxError) -> FactorExpression {
        var left = try unary()
        var compared = false
        while true {
            skipSpaces()
            let start = column
            guard let (op, length) = binaryOperator(), op.precedence >= minimum else { return left }
            if op.isComparison {
                // Python would read a < b < c as a < b and b < c; rather than guess, ask for parentheses.
                guard !compared else { throw FactorSyntaxError(column: start, "chained comparisons are not supported; add parentheses") }
                compared = true
            }
            position += length
            let right = try expression(minimum: op.precedence + 1)
            left = .binary(op, left, right, column: start)
        }
    }

    private func binaryOperator() -> (BinaryOperator, Int)? {
        guard position < text.count else { return nil }
        let next = position + 1 < text.count ? text[position + 1] : 0
        switch text[position] {
        case UInt8(ascii: "+"): return (.add, 1)
        case UInt8(ascii: "-"): return (.subtract, 1)
        case UInt8(ascii: "*"): return next == UInt8(ascii: "*") ? nil : (.multiply, 1)
        case UInt8(ascii: "/"): return (.divide, 1)
        case UInt8(ascii: ">"): return next == UInt8(ascii: "=") ? (.greaterEqual, 2) : (.greater, 1)
        case UInt8(ascii: "<"): return next == UInt8(ascii: "=") ? (.lessEqual, 2) : (.less, 1)
        case UInt8(ascii: "="): return next == UInt8(ascii: "=") ? (.equal, 2) : nil
        case UInt8(ascii: "!"): return next == UInt8(ascii: "=") ? (.notEqual, 2) : nil
        case UInt8(ascii: "&"): return (.and, 1)
        case UInt8(ascii: "|"): return (.or, 1)
        default: return nil
        }
    }

    private mutating func unary() throws(FactorSyntaxError) -> FactorExpression {
        skipSpaces()
        let start = column
        if position < text.count, text[position] == UInt8(ascii: "-") {
            position += 1
            let operand = try unary()
            if case .number(let value, _) = operand { return .number(-value, column: start) }
            return .unary(.negate, operand, column: start)
        }
        if position < text.count, text[position] == UInt8(ascii: "+") {
            position += 1
            return try unary()
        }
        return try primary()
    }

    private static func isIdentifier(_ byte: UInt8, first: Bool) -> Bool {
        switch byte {
        case UInt8(ascii: "a") ... UInt8(ascii: "z"), UInt8(ascii: "A") ... UInt8(ascii: "Z"), UInt8(ascii: "_"): true
        case UInt8(ascii: "0") ... UInt8(ascii: "9"): !first
        default: false
        }
    }

    private mutating func primary() throws(FactorSyntaxError) -> FactorExpression {
        skipSpaces()
        let start = column
        guard position < text.count else {
            throw FactorSyntaxError(column: start, "expected a field ($close), a number or an operator call, found the end of the expression")
        }
        let byte = text[position]
        switch byte {
        case UInt8(ascii: "("):
            position += 1
            let inner = try expression(minimum: 1)
            skipSpaces()
            guard position < text.count, text[position] == UInt8(ascii: ")") else {
                throw FactorSyntaxError(column: column, "expected ')' to close the '(' at column \(start), found \(describeHere())")
            }
            position += 1
            return inner
        case UInt8(ascii: "$"):
            position += 1
            let nameStart = position
            while position < text.count, Self.isIdentifier(text[position], first: position == nameStart) { position += 1 }
            guard position > nameStart else { throw FactorSyntaxError(column: start + 1, "expected a field name after '$'") }
            return .field(String(decoding: text[nameStart ..< position], as: UTF8.self), column: start)
        case UInt8(ascii: "\""), UInt8(ascii: "'"):
            position += 1
            let contentStart = position
            while position < text.count, text[position] != byte { position += 1 }
            guard position < text.count else { throw FactorSyntaxError(column: start, "the string starting here is not closed") }
            let content = String(decoding: text[contentStart ..< position], as: UTF8.self)
            position += 1
            return .string(content, column: start)
        case UInt8(ascii: "0") ... UInt8(ascii: "9"), UInt8(ascii: "."):
            return try number()
        default:
            guard Self.isIdentifier(byte, first: true) else {
                throw FactorSyntaxError(column: start, "expected a field ($close), a number or an operator call, found \(describeHere())")
            }
            let nameStart = position
            while position < text.count, Self.isIdentifier(text[position], first: false) { position += 1 }
            let name = String(decoding: text[nameStart ..< position], as: UTF8.self)
            skipSpaces()
            guard position < text.count, text[position] == UInt8(ascii: "(") else {
                throw FactorSyntaxError(column: start, "expected '(' after the operator name '\(name)' (fields are written $\(name))")
            }
            position += 1
            var arguments: [FactorExpression] = []
            skipSpaces()
            if position < text.count, text[position] == UInt8(ascii: ")") {
                position += 1
                return .call(name, arguments, column: start)
            }
            while true {
                arguments.append(try expression(minimum: 1))
                skipSpaces()
                guard position < text.count else {
                    throw FactorSyntaxError(column: column, "expected ',' or ')' in the arguments of \(name) (opened at column \(start)), found the end of the expression")
                }
                if text[position] == UInt8(ascii: ",") { position += 1; continue }
                if text[position] == UInt8(ascii: ")") { position += 1; break }
                throw FactorSyntaxError(column: column, "expected ',' or ')' in the arguments of \(name), found \(describeHere())")
            }
            return .call(name, arguments, column: start)
        }
    }

    private mutating func number() throws(FactorSyntaxError) -> FactorExpression {
        let start = position
        func digits() { while position < text.count, text[position] >= 0x30, text[position] <= 0x39 { position += 1 } }
        digits()
        if position < text.count, text[position] == UInt8(ascii: ".") { position += 1; digits() }
        if position < text.count, text[position] == UInt8(ascii: "e") || text[position] == UInt8(ascii: "E") {
            var next = position + 1
            if next < text.count, text[next] == UInt8(ascii: "+") || text[next] == UInt8(ascii: "-") { next += 1 }
            if next < text.count, text[next] >= 0x30, text[next] <= 0x39 { position = next; digits() }
        }
        let literal = String(decoding: text[start ..< position], as: UTF8.self)
        guard let value = Double(literal), literal != "." else {
            throw FactorSyntaxError(column: start + 1, "'\(literal)' is not a number")
        }
        if position < text.count, Self.isIdentifier(text[position], first: true) {
            throw FactorSyntaxError(column: position + 1, "expected an operator after the number \(literal), found \(describeHere())")
        }
        return .number(value, column: start + 1)
    }
}
