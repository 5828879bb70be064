import Foundation

/// One task of a DAG as declared in its file, with its effective policy.
public struct TaskDefinition: Sendable, Hashable, Codable {
    public var id: String
    public var operatorName: String
    /// Operator arguments as written under `with:` (templates unrendered), defaults applied.
    public var arguments: Value
    public var dependsOn: [String]
    public var policy: TaskPolicy
    public var doc: String?
    /// Line of the task's entry in its file, for messages at run time.
    public var line: Int

    public init(id: String, operatorName: String, arguments: Value, dependsOn: [String], policy: TaskPolicy, doc: String?, line: Int) {
        self.id = id
        self.operatorName = operatorName
        self.arguments = arguments
        self.dependsOn = dependsOn
        self.policy = policy
        self.doc = doc
        self.line = line
    }
}

/// A validated DAG: what the scheduler runs. Built only by `DagFileLoader`.
public struct DagDefinition: Sendable, Codable {
    public var dagID: String
    public var description: String?
    /// The schedule as written (`null` = manual only).
    public var scheduleText: String?
    /// IANA zone name used for the schedule, dates and `ds`.
    public var timezone: String
    public var startDate: Date?
    public var endDate: Date?
    public var catchup: Bool
    public var maxActiveRuns: Int
    public var maxActiveTasks: Int
    public var tags: [String]
    public var params: [ParamSpec]
    public var defaultPolicy: TaskPolicy
    public var tasks: [TaskDefinition]
    /// The file this DAG came from.
    public var file: String
    /// SHA-256 of the file's bytes, so the metadata store can tell when a DAG changed.
    public var contentHash: String

    /// The parsed schedule (validated at load time, so this cannot fail for a loaded DAG).
    public var schedule: Schedule { (try? Schedule(parsing: scheduleText)) ?? .manual }

    public var zone: TimeZone { TimeZone(identifier: timezone) ?? TimeZone(identifier: "UTC")! }

    public var timetable: Timetable { Timetable(schedule: schedule, zone: zone) }

    public func task(_ id: String) -> TaskDefinition? { tasks.first { $0.id == id } }

    /// Task ids downstream of each task (the reverse of `depends_on`).
    public var downstream: [String: [String]] {
        var result: [String: [String]] = [:]
        for task in tasks {
            for upstream in task.dependsOn { result[upstream, default: []].append(task.id) }
        }
        return result
    }

    /// Task ids in an order where every task comes after its upstreams (stable by file order).
    public var topologicalOrder: [String] {
        var indegree = Dictionary(uniqueKeysWithValues: tasks.map { ($0.id, $0.dependsOn.count) })
        let down = downstream
        var ready = tasks.filter { $0.dependsOn.isEmpty }.map(\.id)
        var order: [String] = []
        var i = 0
        while i < ready.count {
            let id = ready[i]
            i += 1
            order.append(id)
            for next in down[id] ?? [] {
                indegree[next]! -= 1
                if indegree[next] == 0 { ready.append(next) }
            }
        }
        return order
    }
}
