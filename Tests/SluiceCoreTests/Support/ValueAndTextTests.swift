import Foundation
import Testing
@testable import SluiceCore

@Suite("durations, JSON, hashes and spelling")
struct ValueAndTextTests {
    @Test("durations accept compact units, bare seconds and ISO-8601", arguments: [
        ("30s", 30.0), ("5m", 300), ("2h", 7200), ("1d", 86_400), ("1h30m", 5400), ("250ms", 0.25),
        ("45", 45), ("PT5M", 300), ("P1DT2H", 93_600), ("PT0.5S", 0.5), ("P2W", 1_209_600), ("1w", 604_800),
    ])
    func durations(text: String, seconds: Double) {
        #expect(DurationText.seconds(text) == seconds)
    }

    @Test("malformed durations are refused", arguments: ["", "5 minutes", "PT1Y", "P1M", "-5s", "m5", "5x", "PT", "1h30"])
    func badDurations(text: String) {
        #expect(DurationText.seconds(text) == nil)
    }

    @Test("JSON keeps key order, separates ints from floats, and reports byte offsets")
    func json() throws {
        let v = try Value.parseJSON(#"{"b": 1, "a": [1.5, true, null, "x\u00e9"], "c": {"n": -2e3}}"#)
        #expect(v.jsonText() == #"{"b":1,"a":[1.5,true,null,"xé"],"c":{"n":-2000.0}}"#)
        #expect(v["b"] == .int(1))
        #expect(throws: ValueJSONError.self) { try Value.parseJSON(#"{"a": 1,}"#) }
        do {
            _ = try Value.parseJSON(#"{"a": tru}"#)
        } catch {
            #expect(error.offset == 6)
        }
        #expect(throws: ValueJSONError.self) { try Value.parseJSON(#"{"a": 1, "a": 2}"#) }
    }

    @Test("SHA-256 matches the FIPS test vectors")
    func sha256() {
        #expect(SHA256.hex(Data("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256.hex(Data()) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        let long = Data("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)
        #expect(SHA256.hex(long) == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    @Test("retry delays double per try with bounded deterministic jitter and a cap")
    func retryBackoff() {
        var policy = TaskPolicy()
        policy.retryDelay = 10
        policy.retryExponentialBackoff = true
        policy.maxRetryDelay = 60
        let d2 = policy.delay(beforeTry: 2, seed: "dag.task.run")
        let d3 = policy.delay(beforeTry: 3, seed: "dag.task.run")
        let d5 = policy.delay(beforeTry: 5, seed: "dag.task.run")
        #expect(d2 >= 10 && d2 < 11)
        #expect(d3 >= 20 && d3 < 22)
        #expect(d5 == 60)
        #expect(policy.delay(beforeTry: 3, seed: "dag.task.run") == d3, "jitter is deterministic")
        policy.retryExponentialBackoff = false
        #expect(policy.delay(beforeTry: 4, seed: "x") == 10)
    }

    @Test("did-you-mean suggests near misses and stays quiet otherwise")
    func spelling() {
        #expect(Spelling.suggestion(for: "scheduel", among: DagFileLoader.topLevelKeys) == "schedule")
        #expect(Spelling.suggestion(for: "depends", among: DagFileLoader.taskKeys) == "depends_on")
        #expect(Spelling.suggestion(for: "integer", among: ["string", "int", "number"]) == "int")
        #expect(Spelling.suggestion(for: "zzzz", among: DagFileLoader.topLevelKeys) == nil)
    }

    @Test("param conf is checked against types, enums and bounds")
    func paramResolution() {
        let specs = [
            ParamSpec(name: "n", type: .int, defaultValue: .int(5), minimum: 1, maximum: 10),
            ParamSpec(name: "u", type: .string, defaultValue: .string("a"), allowed: [.string("a"), .string("b")]),
            ParamSpec(name: "d", type: .date),
        ]
        let ok = ParamSpec.resolve(specs, conf: [("n", .int(7)), ("d", .string("2024-02-29"))])
        #expect(ok.problems.isEmpty)
        #expect(ok.values["n"] == .int(7) && ok.values["u"] == .string("a"))
        let bad = ParamSpec.resolve(specs, conf: [("n", .int(11)), ("u", .string("c"))])
        #expect(bad.problems == [
            "param 'n': 11 is above the maximum 10",
            "param 'u': \"c\" is not one of \"a\", \"b\"",
            "param 'd' has no default and is missing from conf",
        ])
    }
}
