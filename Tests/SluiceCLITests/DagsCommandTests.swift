import Foundation
import SluiceCore
import Testing

@Suite("sluice dags / operators / config commands")
struct DagsCommandTests {
    @Test("the shipped DAGs (the reference pipeline and the examples) are valid with the binary's operators")
    func shippedDags() throws {
        let output = try CLI.run(["dags", "validate", CLI.repositoryRoot + "/dags"])
        #expect(output.status == 0, "\(output.stdout)\(output.stderr)")
        #expect(output.stderr.contains("4 DAG(s)") && output.stderr.contains("0 error(s)"), "\(output.stderr)")
    }

    @Test("validate passes on the shipped DAGs and exits 0")
    func validateShipped() throws {
        let out = try CLI.run(["dags", "validate", "dags"])
        #expect(out.status == 0, "\(out.stdout)\(out.stderr)")
        #expect(out.stdout.isEmpty)
        #expect(out.stderr.contains("0 error(s)"))
    }

    @Test("validate prints every problem of the malformed corpus gcc-style and exits 1")
    func validateMalformed() throws {
        let folder = "Tests/SluiceCoreTests/Fixtures/malformed"
        let out = try CLI.run(["dags", "validate", "--quiet", folder])
        #expect(out.status == 1)
        // Expected: each file's `# expect:` lines prefixed with its path, in file order.
        var expected: [String] = []
        let names = try FileManager.default.contentsOfDirectory(atPath: CLI.repositoryRoot + "/" + folder).filter { $0.hasSuffix(".yaml") }.sorted()
        for name in names {
            let text = try String(contentsOfFile: CLI.repositoryRoot + "/" + folder + "/" + name, encoding: .utf8)
            for line in text.split(separator: "\n") where line.hasPrefix("# expect: ") {
                expected.append("\(folder)/\(name):" + line.dropFirst("# expect: ".count))
            }
        }
        let actual = out.stdout.split(separator: "\n").map(String.init)
        #expect(actual == expected)
        #expect(out.stderr.isEmpty, "--quiet prints no summary")
    }

    @Test("list --json has a stable shape: dags and import_errors")
    func listJSON() throws {
        let dir = try CLI.temporaryFolder()
        try "dag_id: ok\ntasks: [{id: a, operator: empty}]\n".write(toFile: dir + "/ok.yaml", atomically: true, encoding: .utf8)
        try "dag_id: broken\ntasks: [{id: a, operator: nope}]\n".write(toFile: dir + "/broken.yaml", atomically: true, encoding: .utf8)
        let out = try CLI.run(["dags", "list", "--json"], cwd: dir, environment: ["SLUICE__CORE__DAGS_FOLDER": dir])
        #expect(out.status == 0)
        let json = try Value.parseJSON(out.stdout)
        #expect(json["dags"]?.listValue?.count == 1)
        #expect(json["dags"]?.listValue?.first?["dag_id"] == .string("ok"))
        #expect(json["dags"]?.listValue?.first?["schedule"] == .null)
        let errors = try #require(json["import_errors"]?.listValue)
        #expect(errors.count == 1)
        #expect(errors.first?["error"]?.stringValue?.contains("broken.yaml:2:27: error: unknown operator 'nope'") == true)
    }

    @Test("show prints tasks in dependency order and the next fire times; --dot and --json work")
    func show() throws {
        let text = try CLI.run(["dags", "show", "hello_bash"])
        #expect(text.status == 0)
        #expect(text.stdout.contains("next runs (logical date -> runs at):"))
        #expect(text.stdout.contains("America/New_York"))
        let dot = try CLI.run(["dags", "show", "hello_bash", "--dot"])
        #expect(dot.stdout.contains("\"announce\" -> \"window_start\";"))
        let json = try Value.parseJSON(try CLI.run(["dags", "show", "hello_bash", "--json"]).stdout)
        #expect(json["tasks"]?.listValue?.count == 4)
        #expect(json["next_runs"]?.listValue?.count == 5)
        #expect(json["start_date"] == .string("2024-01-02T05:00:00Z"))
    }

    @Test("an unknown DAG is a one-line error with a suggestion and exit 1")
    func unknownDag() throws {
        let out = try CLI.run(["dags", "show", "hello_bsh"])
        #expect(out.status == 1)
        #expect(out.stderr == "error: no DAG 'hello_bsh' (did you mean 'hello_bash'?)\n")
    }

    @Test("operators list and show document the built-ins")
    func operators() throws {
        let list = try CLI.run(["operators", "list"])
        #expect(list.stdout.contains("bash") && list.stdout.contains("empty") && list.stdout.contains("sleep"))
        let show = try Value.parseJSON(try CLI.run(["operators", "show", "bash", "--json"]).stdout)
        #expect(show["arguments"]?.listValue?.first?["name"] == .string("command"))
        #expect(show["arguments"]?.listValue?.first?["required"] == .bool(true))
    }

    @Test("config show reports where each value came from and masks secrets")
    func configShow() throws {
        let out = try CLI.run(["config", "show", "--json"],
                              environment: ["SLUICE__EXECUTOR__PARALLELISM": "3", "SLUICE__TRACKING__TOKEN": "s3cret"])
        #expect(out.status == 0)
        let json = try Value.parseJSON(out.stdout)
        #expect(json["settings"]?["executor"]?["parallelism"]?["value"] == .string("3"))
        #expect(json["settings"]?["executor"]?["parallelism"]?["source"] == .string("environment"))
        #expect(json["settings"]?["tracking"]?["token"]?["value"] == .string("********"))
        #expect(!out.stdout.contains("s3cret"))
    }

    @Test("a bad environment override is refused with the variable's name, exit 2")
    func badOverride() throws {
        let out = try CLI.run(["dags", "list"], environment: ["SLUICE__EXECUTOR__PARALELISM": "3"])
        #expect(out.status == 2)
        #expect(out.stderr == "environment variable SLUICE__EXECUTOR__PARALELISM: no such setting (did you mean 'SLUICE__EXECUTOR__PARALLELISM'?)\n")
    }

    @Test("version prints the release")
    func version() throws {
        let out = try CLI.run(["version"])
        #expect(out.stdout == "sluice \(SluiceVersion.current)\n")
    }
}
