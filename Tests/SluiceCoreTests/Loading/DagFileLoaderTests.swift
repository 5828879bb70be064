import Foundation
import Testing
@testable import SluiceCore

@Suite("loading valid DAG files")
struct DagFileLoaderTests {
    static let full = """
    dag_id: quant.daily-v2
    description: Full example
    schedule: "@weekdays"
    timezone: America/New_York
    start_date: 2024-01-02
    end_date: 2024-12-31T16:00:00
    catchup: true
    max_active_runs: 3
    max_active_tasks: 4
    tags: [quant, daily]
    params:
      lookback: {type: int, default: 20, min: 1, max: 250}
      universe: {type: string, default: sp500, enum: [sp500, nasdaq100]}
      as_of: {type: date, default: 2024-01-02}
      symbols: {type: list, items: string, default: [AAPL, MSFT]}
      threshold: 0.25
      dry_run: false
    default_args: &defaults
      retries: 3
      retry_delay: PT1M
      retry_exponential_backoff: true
      max_retry_delay: 1h
      execution_timeout: 2h
      pool: lake
      queue: default
      priority_weight: 5
    tasks:
      - id: extract
        operator: bash
        with:
          command: "echo {{ ds }} {{ params.lookback }}"
          env: {UNIVERSE: "{{ params.universe }}"}
      - id: transform
        operator: bash
        depends_on: extract
        retries: 0
        pool_slots: 2
        with:
          command: echo {{ xcom('extract') }}
          timeout: 90s
      - id: load
        operator: empty
        depends_on: [transform, extract]
        trigger_rule: none_failed_min_one_success
    """

    @Test("a complete DAG file loads with every field and default applied")
    func loadsEverything() throws {
        let result = DagFileLoader().load(text: Self.full, file: "full.yaml")
        #expect(result.diagnostics.isEmpty, "\(result.diagnostics)")
        let dag = try #require(result.dag)
        #expect(dag.dagID == "quant.daily-v2")
        #expect(dag.scheduleText == "@weekdays")
        #expect(dag.schedule == .weekdays)
        #expect(dag.timezone == "America/New_York")
        // Midnight New York on 2024-01-02 is 05:00 UTC.
        #expect(dag.startDate == Date(timeIntervalSince1970: 1_704_171_600))
        // 16:00 New York (EST) on 2024-12-31 is 21:00 UTC.
        #expect(dag.endDate == Date(timeIntervalSince1970: 1_735_678_800))
        #expect(dag.catchup && dag.maxActiveRuns == 3 && dag.maxActiveTasks == 4)
        #expect(dag.tags == ["quant", "daily"])
        #expect(dag.params.map(\.name) == ["lookback", "universe", "as_of", "symbols", "threshold", "dry_run"])
        #expect(dag.params[4].type == .number && dag.params[5].type == .bool && dag.params[2].type == .date)
        #expect(dag.defaultPolicy.retries == 3 && dag.defaultPolicy.retryDelay == 60 && dag.defaultPolicy.maxRetryDelay == 3600)
        let transform = try #require(dag.task("transform"))
        #expect(transform.policy.retries == 0, "a task override wins over default_args")
        #expect(transform.policy.poolSlots == 2 && transform.policy.pool == "lake" && transform.policy.priorityWeight == 5)
        #expect(transform.dependsOn == ["extract"], "a single string is accepted for depends_on")
        #expect(transform.arguments["timeout"] == .string("90s"))
        #expect(transform.arguments["skip_exit_code"] == .int(99), "argument defaults are filled in")
        #expect(dag.task("load")?.policy.triggerRule == .noneFailedMinOneSuccess)
        #expect(dag.topologicalOrder == ["extract", "transform", "load"])
        #expect(dag.contentHash.count == 64)
    }

    @Test("merge keys and aliases reuse settings across the file")
    func mergeKeys() throws {
        let text = """
        dag_id: merged
        default_args: &base
          retries: 4
          retry_delay: 10s
        tasks:
          - id: a
            operator: bash
            <<: *base
            with: {command: "true"}
          - id: b
            operator: empty
            <<: *base
            retries: 1
        """
        let dag = try #require(DagFileLoader().load(text: text, file: "m.yaml").dag)
        #expect(dag.task("a")?.policy.retries == 4)
        #expect(dag.task("b")?.policy.retries == 1, "explicit keys win over merged ones")
    }

    @Test("YAML 1.1 booleans like 'yes' are not booleans, so a typo cannot silently enable catchup")
    func noNorwayProblem() {
        let result = DagFileLoader().load(text: "dag_id: n\ncatchup: yes\ntasks: [{id: a, operator: empty}]\n", file: "n.yaml")
        #expect(result.diagnostics.map(\.message) == ["catchup must be true or false, found a string"])
    }

    @Test("every problem in a file is reported, not just the first")
    func reportsAll() {
        let text = """
        dag_id: many
        schedul: x
        catchup: 3
        tasks:
          - id: a
            operator: nope
          - id: b
            operator: empty
            depends_on: [zz]
        """
        let result = DagFileLoader().load(text: text, file: "many.yaml")
        #expect(result.diagnostics.map { "\($0.location)" } == ["2:1", "3:10", "6:15", "9:18"])
    }

    @Test("a file that is not UTF-8 is refused with the offset of the first bad byte")
    func invalidUTF8() throws {
        let path = NSTemporaryDirectory() + "sluice-bad-utf8-\(UUID().uuidString).yaml"
        try Data([0x64, 0x61, 0x67, 0x3A, 0x20, 0xFF, 0xFE, 0x0A]).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let result = DagFileLoader().load(path: path, displayPath: "bad.yaml")
        #expect(result.diagnostics.map(\.description) == ["bad.yaml:1:1: error: the file is not valid UTF-8 (first bad byte at offset 5)"])
    }

    @Test("an alias bomb is refused instead of exhausting memory")
    func aliasBomb() {
        var text = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
        var previous = "a"
        for name in ["b", "c", "d", "e", "f", "g", "h"] {
            text += "\(name): &\(name) [" + Array(repeating: "*\(previous)", count: 10).joined(separator: ", ") + "]\n"
            previous = name
        }
        let result = DagFileLoader().load(text: text, file: "bomb.yaml")
        #expect(result.diagnostics.first?.message.contains("aliases expand to more than") == true)
    }
}

@Suite("DAG folders")
struct DagBagTests {
    func folder(_ files: [String: String]) throws -> String {
        let root = NSTemporaryDirectory() + "sluice-dagbag-\(UUID().uuidString)"
        for (name, text) in files {
            let path = root + "/" + name
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try text.write(toFile: path, atomically: true, encoding: .utf8)
        }
        return root
    }

    @Test("a dag_id defined in two files is reported in the second, naming the first")
    func duplicateDagID() throws {
        let dag = "dag_id: same\ntasks:\n  - id: a\n    operator: empty\n"
        let root = try folder(["a.yaml": dag, "sub/b.yml": "# second\n" + dag])
        defer { try? FileManager.default.removeItem(atPath: root) }
        let bag = DagBag.load(paths: [root], loader: DagFileLoader())
        #expect(bag.files.count == 2)
        #expect(bag.diagnostics.map(\.description) == ["\(root)/sub/b.yml:2:9: error: dag_id 'same' is already defined in \(root)/a.yaml:1:9"])
        #expect(bag.dags.count == 1)
    }

    @Test("one broken file does not stop the others from loading")
    func brokenFileIsolated() throws {
        let root = try folder([
            "good.yaml": "dag_id: good\ntasks:\n  - id: a\n    operator: empty\n",
            "bad.yaml": "dag_id: bad\ntasks: [\n",
            ".hidden/ignored.yaml": "not: [valid",
            "notes.txt": "ignored",
        ])
        defer { try? FileManager.default.removeItem(atPath: root) }
        let bag = DagBag.load(paths: [root], loader: DagFileLoader())
        #expect(Array(bag.dags.keys) == ["good"])
        #expect(bag.importErrors.keys.sorted() == ["\(root)/bad.yaml"])
    }
}
