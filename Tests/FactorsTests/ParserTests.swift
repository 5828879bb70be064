import Testing
@testable import Factors

@Suite("Factor expression parser")
struct ParserTests {
    @Test("precedence and calls parse as Qlib's Python would")
    func precedence() throws {
        let tree = try FactorParser.parse("($close - Ref($close, 1)) / Ref($close, 1) > 0 & $volume > 1e6")
        guard case .binary(.and, let left, _, _) = tree, case .binary(.greater, let ratio, _, _) = left,
              case .binary(.divide, _, _, _) = ratio else {
            Issue.record("unexpected tree \(tree)")
            return
        }
    }
}
