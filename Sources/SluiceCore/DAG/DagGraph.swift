/// Lookup tables over a DAG's tasks, built once per DAG version: tasks by id, upstream and
/// downstream edges, and a topological order. The scheduler's hot paths use these instead of
/// scanning the task list.
public final class DagGraph: Sendable {
    public let dag: DagDefinition
    public let tasks: [String: TaskDefinition]
    public let downstream: [String: [String]]
    public let order: [String]
    /// Templated arguments of each task mention `prev_`/`next_` dates (costly to compute).
    public let needsNeighbourDates: Set<String>

    public init(_ dag: DagDefinition) {
        self.dag = dag
        tasks = Dictionary(dag.tasks.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        downstream = dag.downstream
        order = dag.topologicalOrder
        needsNeighbourDates = Set(dag.tasks.filter { task in
            let text = task.arguments.jsonText()
            return text.contains("prev_") || text.contains("next_")
        }.map(\.id))
    }

    public func task(_ id: String) -> TaskDefinition? { tasks[id] }
}
