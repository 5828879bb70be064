import Foundation
import SluiceCore
import Testing

@testable import SluiceScheduler

/// One DAG run recorded from Apache Airflow 3 by interop/airflow_trigger_rules/generate.py.
struct OracleCase: Decodable, Sendable {
    struct Task: Decodable, Sendable {
        var id: String
        var upstream: [String]
        var triggerRule: String
        /// What the task does when it is allowed to run: "success", "fail", "skip", or nil (succeeds).
        var forced: String?

        enum CodingKeys: String, CodingKey {
            case id, upstream, forced
            case triggerRule = "trigger_rule"
        }
    }

    var name: String
    var tasks: [Task]
    var expectedTaskStates: [String: String]
    var expectedRunState: String

    enum CodingKeys: String, CodingKey {
        case name, tasks
        case expectedTaskStates = "expected_task_states"
        case expectedRunState = "expected_run_state"
    }
}

enum OracleFixture {
    /// The fixture sits next to this file's folder. The test file may be reached through a
    /// symlink (scratch packages), so resolve it to the real file first.
    static var url: URL {
        URL(fileURLWithPath: #filePath)
            .resolvingSymlinksInPath()
            .deletingLastPathComponent()
            .deletingLastPathComponent()
            .appendingPathComponent("Fixtures/airflow_trigger_rules.json")
    }

    static func load() throws -> [OracleCase] {
        try JSONDecoder().decode([OracleCase].self, from: Data(contentsOf: url))
    }
}

/// A minimal stand-in for the scheduler loop that Airflow's `dag.test()` runs.
///
/// Each pass first evaluates every task that has not started against the states as they were
/// at the start of the pass (so a task marked skipped or upstream_failed in a pass is seen by
/// its downstream tasks only in the next pass, as in Airflow, where one pass works from one
/// snapshot of finished task instances). Tasks told to skip or fail upstream take that state;
/// tasks allowed to run are then run, ending in their forced outcome. Passes repeat until a
/// pass changes nothing.
struct DagRunSimulator {
    struct Task {
        var id: String
        var upstream: [String]
        var rule: TriggerRule
        /// The state the task ends in when it runs.
        var outcome: TaskInstanceState
    }

    struct Result {
        var taskStates: [String: TaskInstanceState]
        var runState: DagRunState
    }

    var tasks: [Task]

    func run() -> Result {
        var states = Dictionary(uniqueKeysWithValues: tasks.map { ($0.id, TaskInstanceState.noState) })
        let upstream = Dictionary(uniqueKeysWithValues: tasks.map { ($0.id, $0.upstream) })
        while true {
            let snapshot = states
            var toRun: [Task] = []
            var changed = false
            for task in tasks where snapshot[task.id] == TaskInstanceState.noState {
                let decision = TriggerRuleEvaluator.decide(
                    task.rule,
                    upstreamStates: task.upstream.map { snapshot[$0] ?? .noState }
                )
                switch decision {
                case .wait:
                    break
                case .run:
                    toRun.append(task)
                case .skip, .upstreamFailed:
                    states[task.id] = decision.terminalState
                    changed = true
                }
            }
            for task in toRun {
                states[task.id] = task.outcome
                changed = true
            }
            if !changed {
                // Nothing can move: either everything finished or the run is deadlocked.
                let deadlocked = states.values.contains { !$0.isFinished }
                let runState = RunStateResolver.state(
                    taskStates: states,
                    upstream: upstream,
                    isDeadlocked: deadlocked
                )
                return Result(taskStates: states, runState: runState)
            }
        }
    }
}

extension DagRunSimulator {
    init(_ oracle: OracleCase) throws {
        tasks = try oracle.tasks.map { spec in
            guard let rule = TriggerRule(rawValue: spec.triggerRule) else {
                throw OracleError.unknownRule(spec.triggerRule)
            }
            let outcome: TaskInstanceState
            switch spec.forced {
            case nil, "success": outcome = .success
            case "fail": outcome = .failed
            case "skip": outcome = .skipped
            case let other?: throw OracleError.unknownForcedOutcome(other)
            }
            return Task(id: spec.id, upstream: spec.upstream, rule: rule, outcome: outcome)
        }
    }
}

enum OracleError: Error {
    case unknownRule(String)
    case unknownForcedOutcome(String)
}

@Suite("Trigger rules against Apache Airflow 3")
struct AirflowOracleTests {
    @Test("every task and every run ends in the state Airflow recorded")
    func matchesAirflow() throws {
        let cases = try OracleFixture.load()
        #expect(cases.count >= 100)
        for oracle in cases {
            let result = try DagRunSimulator(oracle).run()
            let actual = result.taskStates.mapValues(\.rawValue)
            #expect(actual == oracle.expectedTaskStates, "\(oracle.name)")
            #expect(result.runState.rawValue == oracle.expectedRunState, "\(oracle.name)")
        }
    }

    @Test("the fixture covers every rule against the required upstream outcomes")
    func coversEveryRule() throws {
        let cases = try OracleFixture.load()
        // For each rule, the upstream situations (as the task saw them when everything was
        // finished) that some case puts in front of a task with that rule.
        var seen: [TriggerRule: Set<String>] = [:]
        for oracle in cases {
            let forced = Dictionary(uniqueKeysWithValues: oracle.tasks.map { ($0.id, $0.forced) })
            for task in oracle.tasks where !task.upstream.isEmpty {
                guard let rule = TriggerRule(rawValue: task.triggerRule) else { continue }
                let ups = task.upstream.compactMap { oracle.expectedTaskStates[$0] }
                var labels: Set<String> = []
                let failed = ups.filter { $0 == "failed" }.count
                let skipped = ups.filter { $0 == "skipped" }.count
                if ups.allSatisfy({ $0 == "success" }) { labels.insert("all success") }
                if ups.count > 1 && failed == 1 { labels.insert("one failed") }
                if ups.count > 1 && failed == ups.count { labels.insert("all failed") }
                if ups.count > 1 && skipped == 1 { labels.insert("one skipped") }
                if ups.count > 1 && skipped == ups.count { labels.insert("all skipped") }
                if failed > 0 && skipped > 0 { labels.insert("failed and skipped") }
                if ups.contains("upstream_failed") { labels.insert("upstream_failed by propagation") }
                let propagatedSkip = task.upstream.contains {
                    oracle.expectedTaskStates[$0] == "skipped" && forced[$0] ?? nil != "skip"
                }
                if propagatedSkip { labels.insert("skipped by propagation") }
                seen[rule, default: []].formUnion(labels)
            }
        }
        let required: Set<String> = [
            "all success", "one failed", "all failed", "one skipped", "all skipped",
            "failed and skipped", "upstream_failed by propagation", "skipped by propagation",
        ]
        for rule in TriggerRule.allCases {
            let missing = required.subtracting(seen[rule] ?? [])
            #expect(missing.isEmpty, "\(rule.rawValue) lacks \(missing.sorted())")
        }
    }

    @Test("a skip that arrives first wins over a failure that arrives one pass later")
    func skipArrivingFirstWins() {
        let run = DagRunSimulator(tasks: [
            .init(id: "s", upstream: [], rule: .allSuccess, outcome: .skipped),
            .init(id: "r", upstream: [], rule: .allSuccess, outcome: .failed),
            .init(id: "m", upstream: ["r"], rule: .allSuccess, outcome: .success),
            .init(id: "t", upstream: ["s", "m"], rule: .allSuccess, outcome: .success),
        ]).run()
        #expect(run.taskStates["m"] == .upstreamFailed)
        #expect(run.taskStates["t"] == .skipped)
        // Only `t` is a leaf, and a skipped leaf does not fail the run, whatever happened above it.
        #expect(run.runState == .success)
    }
}
