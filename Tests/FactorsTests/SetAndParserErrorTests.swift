import Testing
@testable import Factors

@Suite("Factor sets and error messages")
struct SetAndParserErrorTests {
    @Test("the built-in sets load with Qlib's names, in Qlib's order")
    func builtins() throws {
        let alpha158 = try FactorSet.load("alpha158")
        #expect(alpha158.factors.count == 158)
        #expect(alpha158.factors.prefix(13).map(\.name) == ["KMID", "KLEN", "KMID2", "KUP", "KUP2", "KLOW", "KLOW2", "KSFT", "KSFT2",
                                                             "OPEN0", "HIGH0", "LOW0", "VWAP0"])
        #expect(alpha158.factors[13].name == "ROC5" && alpha158.factors.last?.name == "VSUMD60")
        #expect(alpha158.factors.first { $0.name == "RSV20" }?.expression == "($close-Min($low, 20))/(Max($high, 20)-Min($low, 20)+1e-12)")
        let alpha360 = try FactorSet.load("alpha360")
        #expect(alpha360.factors.count == 360 && alpha360.factors[0].name == "CLOSE59" && alpha360.factors.last?.name == "VOLUME0")
        #expect(try FactorSet.load("ta").factors.map(\.name).contains("rsi_14_wilder"))
    }

    @Test("parse errors point at the column and say what was expected", arguments: [
        ("Mean($close 5)", 13, "expected ',' or ')'"),
        ("Mean($close, 5", 15, "expected ',' or ')'"),
        ("($close + 1", 12, "expected ')' to close"),
        ("$close +", 9, "expected a field"),
        ("Meen($close, 5)", 1, "unknown operator 'Meen'"),
        ("Std($close, 2.5)", 13, "whole number"),
        ("Ref($close)", 1, "Ref takes 2 arguments"),
        ("close / 2", 1, "expected '(' after the operator name 'close' (fields are written $close)"),
        ("$close $open", 8, "expected an operator or the end"),
        ("Quantile($close, 5, 1.5)", 21, "between 0 and 1"),
        ("", 1, "empty"),
    ])
    func errors(text: String, column: Int, message: String) {
        switch Result(catching: { () throws(FactorCompileError) in try FactorPlan(factors: [("f", text)]) }) {
        case .success: Issue.record("'\(text)' compiled")
        case .failure(let error):
            #expect(error.column == column, "\(text): \(error)")
            #expect(error.message.contains(message), "\(text): \(error)")
        }
    }

    @Test("a bad factor in a YAML file is reported with its file:line:column")
    func yamlErrors() {
        let text = """
        name: mine
        factors:
          - name: ok
            expr: Mean($close, 5)
          - name: broken
            expr: Mean($close, 5
        """
        #expect(throws: FactorSetError.self) { try FactorSet.parse(text, file: "mine.yaml") }
        do {
            _ = try FactorSet.parse(text, file: "mine.yaml")
        } catch {
            #expect("\(error)".hasPrefix("mine.yaml:6:11: factor 'broken', column 15"), "\(error)")
        }
        #expect(throws: FactorSetError.self) { try FactorSet.parse("name: x\nfactors: 3\n", file: "x.yaml") }
        #expect(throws: FactorSetError.self) { try FactorSet.parse("name: x\nfactors:\n  - name: a\n    exp: $close\n", file: "x.yaml") }
    }
}
