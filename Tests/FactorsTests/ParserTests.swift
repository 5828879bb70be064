import Testing
@testable import Factors

@Suite("Factor expression parser")
struct ParserTests {
    @Test("precedence is Python's, as Qlib evaluates expressions: comparisons loosest, then |, &, + -, * /")
    func precedence() throws {
        let tree = try FactorParser.parse("(($close - Ref($close, 1)) / Ref($close, 1) > 0) & ($volume > 1e6)")
        guard case .binary(.and, let left, let right, _) = tree, case .binary(.greater, let ratio, _, _) = left,
              case .binary(.divide, _, _, _) = ratio, case .binary(.greater, _, _, _) = right else {
            Issue.record("unexpected tree \(tree)")
            return
        }
        // Without parentheses `&` binds tighter than `>`, as in Python.
        guard case .binary(.greater, _, let masked, _) = try FactorParser.parse("$close > $open & $volume"),
              case .binary(.and, _, _, _) = masked else {
            Issue.record("& should bind tighter than >")
            return
        }
        #expect(throws: FactorSyntaxError.self) { try FactorParser.parse("$close > $open & $volume > 0") }
        #expect(throws: FactorSyntaxError.self) { try FactorParser.parse("1 < $close < 2") }
        guard case .binary(.subtract, .number(2, _), .binary(.multiply, _, _, _), _) = try FactorParser.parse("2 - 3 * -$close") else {
            Issue.record("* should bind tighter than -")
            return
        }
    }
}
