import Foundation
import Testing
@testable import SluiceCore

@Suite("Template robustness")
struct TemplateFuzzTests {
    typealias F = TemplateFixture

    /// SplitMix64: deterministic, so a failure reproduces from the printed source.
    struct SeededGenerator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static let pieces = [
        "{{", "}}", "{%", "%}", "{", "}", "'", "\"", "\\", "|", ".", "(", ")", "[", "]", ",", "-", "+", "~", "*",
        " ", "\n", "é", "e\u{301}", "ds", "params", "conf", "xcom", "macros", "ds_add", "ds_format", "default",
        "upper", "int", "join", "replace", "lookback", "tags", "x", "1", "-1", "2.5", "1e3", "'%Y-%m-%d'", "'extract'",
        "none", "True", "9223372036854775807", "%", "#", "$",
    ]

    @Test("random sources never crash parsing, validation or rendering")
    func randomSources() {
        var rng = SeededGenerator(state: 20_240_315)
        let context = F.context()
        for _ in 0..<3000 {
            let count = Int.random(in: 0...24, using: &rng)
            let source = (0..<count).map { _ in Self.pieces.randomElement(using: &rng)! }.joined()
            let issues = Template.validate(source, scope: F.scope)
            let scalarCount = source.unicodeScalars.count
            #expect(issues.allSatisfy { (0...scalarCount).contains($0.offset) }, "\(source)")
            guard let template = try? Template(parsing: source) else { continue }
            _ = try? template.render(context)
            _ = try? template.renderValue(context)
        }
    }

    @Test("random scalars, including control characters and astral planes, never crash")
    func randomScalars() {
        var rng = SeededGenerator(state: 7)
        for _ in 0..<500 {
            var view = String.UnicodeScalarView()
            for _ in 0..<Int.random(in: 0...40, using: &rng) {
                let raw = Bool.random(using: &rng) ? UInt32.random(in: 0...127, using: &rng) : UInt32.random(in: 0...0x1F_FFF, using: &rng)
                if let s = Unicode.Scalar(raw) { view.append(s) }
            }
            let source = "{{ " + String(view) + " }}"
            _ = Template.validate(source, scope: F.scope)
            _ = try? Template(parsing: source).render(F.context())
        }
    }

    @Test("deeply nested expressions are rejected instead of overflowing the stack")
    func deepNesting() {
        for opener in ["(", "-", "xcom(", "[", "x["] {
            let source = "{{ " + String(repeating: opener, count: 10_000) + "1 }}"
            let issues = Template.validate(source, scope: F.scope)
            #expect(!issues.isEmpty)
        }
        let deep = "{{ " + String(repeating: "(", count: 60) + "1" + String(repeating: ")", count: 60) + " }}"
        #expect(Template.validate(deep, scope: F.scope) == [])
        #expect(Template.validate("{{ " + String(repeating: "(", count: 100) + "1" + String(repeating: ")", count: 100) + " }}",
                                  scope: F.scope).first?.message == "expression is nested too deeply")
    }

    @Test("long chains of filters and operators work up to a limit, then are rejected, never overflowing")
    func longChains() throws {
        let filters = "{{ 'a'" + String(repeating: " | upper | lower", count: 45) + " }}"
        #expect(try F.render(filters) == "a")
        let sums = "{{ 0" + String(repeating: " + 1", count: 99) + " }}"
        #expect(try F.renderValue(sums) == .int(99))
        let tooLong = "{{ 0" + String(repeating: " + 1", count: 2000) + " }}"
        #expect(Template.validate(tooLong, scope: F.scope).map(\.message)
            == ["expression is too long (more than 100 levels of operators and filters)"])
    }
}
