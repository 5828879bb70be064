import ArgumentParser
import Foundation
import SluiceCore

struct DagsShow: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show a DAG's tasks, dependencies, schedule and next fire times.")

    @OptionGroup var options: GlobalOptions
    @Argument(help: "The dag_id.") var dagID: String
    @Flag(help: "Print JSON (stable format, see docs/cli.md).") var json = false
    @Flag(help: "Print the task graph in Graphviz DOT.") var dot = false
    @Option(help: "How many upcoming fire times to list.") var next = 5

    func run() throws {
        let (_, bag) = try loadDagBag(options)
        guard let dag = bag.dags[dagID] else {
            let hint = Spelling.didYouMean(dagID, among: bag.dags.keys)
            let broken = bag.importErrors.first { $0.value.contains("'\(dagID)'") || $0.key.contains(dagID) }
            Terminal.error("error: no DAG '\(dagID)'\(hint)" + (broken.map { "; a file failed to load: \($0.value)" } ?? ""))
            throw ExitCode(1)
        }
        let fires = upcomingRuns(dag, count: next)
        if dot {
            print(DotGraph.render(dag))
        } else if json {
            print(jsonDescription(dag, fires: fires).jsonText(pretty: true))
        } else {
            print(textDescription(dag, fires: fires))
        }
    }

    /// Upcoming runs from now (data intervals), bounded by start_date and end_date.
    func upcomingRuns(_ dag: DagDefinition, count: Int) -> [DataInterval] {
        let timetable = dag.timetable
        let now = Date()
        var result: [DataInterval] = []
        var last: DataInterval?
        while result.count < count {
            guard let interval = timetable.nextDataInterval(after: last, earliest: dag.startDate, latest: dag.endDate,
                                                            catchup: false, now: now) else { break }
            if let last, interval.end <= last.end { break }
            result.append(interval)
            last = interval
        }
        return result
    }

    func format(_ date: Date, _ zone: TimeZone) -> String {
        let local = LocalDateTime(date, in: zone)
        let offset = zone.secondsFromGMT(for: date)
        let sign = offset < 0 ? "-" : "+"
        let h = abs(offset) / 3600, m = abs(offset) % 3600 / 60
        return "\(local)\(sign)\(h < 10 ? "0" : "")\(h):\(m < 10 ? "0" : "")\(m)"
    }

    func textDescription(_ dag: DagDefinition, fires: [DataInterval]) -> String {
        let zone = dag.zone
        var lines: [String] = []
        lines.append("dag_id:        \(dag.dagID)")
        if let d = dag.description { lines.append("description:   \(d)") }
        lines.append("file:          \(displayPath(dag.file))")
        lines.append("schedule:      \(dag.scheduleText ?? "None (manual runs only)")  [\(dag.timezone)]")
        lines.append("start_date:    \(dag.startDate.map { format($0, zone) } ?? "-")")
        lines.append("end_date:      \(dag.endDate.map { format($0, zone) } ?? "-")")
        lines.append("catchup:       \(dag.catchup)    max_active_runs: \(dag.maxActiveRuns)    max_active_tasks: \(dag.maxActiveTasks)")
        if !dag.tags.isEmpty { lines.append("tags:          \(dag.tags.joined(separator: ", "))") }
        if !dag.params.isEmpty {
            lines.append("params:")
            for p in dag.params {
                lines.append("  \(p.name): \(p.type.rawValue) = \(p.defaultValue?.jsonText() ?? "(required)")")
            }
        }
        lines.append("")
        let rows = dag.topologicalOrder.compactMap { dag.task($0) }.map { task in
            [task.id, task.operatorName, task.dependsOn.joined(separator: ","), "\(task.policy.retries)",
             task.policy.triggerRule.rawValue, task.policy.pool]
        }
        lines.append(Terminal.table(["task", "operator", "depends_on", "retries", "trigger_rule", "pool"], rows))
        lines.append("")
        if fires.isEmpty {
            lines.append("next runs:     none scheduled")
        } else {
            lines.append("next runs (logical date -> runs at):")
            for f in fires { lines.append("  \(format(f.start, zone))  ->  \(format(f.end, zone))") }
        }
        return lines.joined(separator: "\n")
    }

    func jsonDescription(_ dag: DagDefinition, fires: [DataInterval]) -> Value {
        let iso = ISO8601DateFormatter()
        let tasks: [Value] = dag.tasks.map { t in
            .map([
                ("task_id", .string(t.id)), ("operator", .string(t.operatorName)),
                ("depends_on", .list(t.dependsOn.map(Value.string))), ("arguments", t.arguments),
                ("retries", .int(Int64(t.policy.retries))), ("retry_delay_seconds", .double(t.policy.retryDelay)),
                ("retry_exponential_backoff", .bool(t.policy.retryExponentialBackoff)),
                ("max_retry_delay_seconds", t.policy.maxRetryDelay.map(Value.double) ?? .null),
                ("execution_timeout_seconds", t.policy.executionTimeout.map(Value.double) ?? .null),
                ("pool", .string(t.policy.pool)), ("pool_slots", .int(Int64(t.policy.poolSlots))),
                ("queue", .string(t.policy.queue)), ("priority_weight", .int(Int64(t.policy.priorityWeight))),
                ("trigger_rule", .string(t.policy.triggerRule.rawValue)),
            ])
        }
        let params: [(key: String, value: Value)] = dag.params.map { p in
            (p.name, .map([("type", .string(p.type.rawValue)), ("default", p.defaultValue ?? .null)]))
        }
        return .map([
            ("dag_id", .string(dag.dagID)),
            ("description", dag.description.map(Value.string) ?? .null),
            ("file", .string(displayPath(dag.file))),
            ("schedule", dag.scheduleText.map(Value.string) ?? .null),
            ("timezone", .string(dag.timezone)),
            ("start_date", dag.startDate.map { .string(iso.string(from: $0)) } ?? .null),
            ("end_date", dag.endDate.map { .string(iso.string(from: $0)) } ?? .null),
            ("catchup", .bool(dag.catchup)),
            ("max_active_runs", .int(Int64(dag.maxActiveRuns))),
            ("max_active_tasks", .int(Int64(dag.maxActiveTasks))),
            ("tags", .list(dag.tags.map(Value.string))),
            ("params", .map(params)),
            ("tasks", .list(tasks)),
            ("next_runs", .list(fires.map { .map([("logical_date", .string(iso.string(from: $0.start))),
                                                  ("data_interval_start", .string(iso.string(from: $0.start))),
                                                  ("data_interval_end", .string(iso.string(from: $0.end)))]) })),
        ])
    }
}

/// Renders a DAG as Graphviz DOT, left to right, edges from upstream to downstream.
enum DotGraph {
    static func render(_ dag: DagDefinition) -> String {
        func quote(_ s: String) -> String { "\"" + s.replacingOccurrences(of: "\"", with: "\\\"") + "\"" }
        var lines = ["digraph \(quote(dag.dagID)) {", "  rankdir=LR;", "  node [shape=box, style=rounded];"]
        for task in dag.tasks {
            lines.append("  \(quote(task.id)) [label=\(quote("\(task.id)\\n(\(task.operatorName))"))];")
        }
        for task in dag.tasks {
            for upstream in task.dependsOn { lines.append("  \(quote(upstream)) -> \(quote(task.id));") }
        }
        lines.append("}")
        return lines.joined(separator: "\n")
    }
}
