import Foundation
import SluiceCore
import SluiceMetadata

/// Turns a claimed try into a workload: renders the task's templated arguments for its run
/// (dates in the DAG's zone, params from conf, XCom from the store) and checks their types.
struct WorkloadBuilder {
    let store: MetadataStore

    func build(attempt: TaskTryRow, ti: TaskInstanceRow, run: DagRunRow, graph: DagGraph, task: TaskDefinition,
               descriptor: OperatorDescriptor) throws(TaskFailure) -> Workload {
        let dag = graph.dag
        let context = templateContext(run: run, dag: dag, taskID: task.id, tryNumber: attempt.tryNumber,
                                      neighbours: graph.needsNeighbourDates.contains(task.id))
        var rendered: [(key: String, value: Value)] = []
        for (key, value) in task.arguments.mapValue ?? [] {
            let templated = descriptor.argument(key)?.templated ?? false
            rendered.append((key, templated ? try render(value, context, argument: key) : value))
        }
        var arguments = try OperatorRegistry.coerce(.map(rendered), for: descriptor)
        if let pulls = arguments["xcom_pull"]?.listValue {
            // Plugins name the XCom they need; they get the values, read here (workers have no database).
            var values: [(String, Value)] = []
            for entry in pulls.compactMap(\.stringValue) {
                let parts = entry.split(separator: ":", maxSplits: 1).map(String.init)
                let value = try? store.xcom(runPK: run.id!, taskID: parts[0], key: parts.count > 1 ? parts[1] : "return_value")
                values.append((entry, (value ?? nil) ?? .null))
            }
            arguments.values["xcom_pull"] = .map(values)
        }
        let zone = dag.zone
        var environment = [
            "SLUICE_DAG_ID": dag.dagID, "SLUICE_TASK_ID": task.id, "SLUICE_RUN_ID": run.runID,
            "SLUICE_TRY_NUMBER": String(attempt.tryNumber),
            "SLUICE_LOGICAL_DATE": run.logicalDate.utcText(microseconds: false),
            "SLUICE_DS": LocalDateTime(run.logicalDate, in: zone).date.description,
            "SLUICE_DATA_INTERVAL_START": run.dataIntervalStart.utcText(microseconds: false),
            "SLUICE_DATA_INTERVAL_END": run.dataIntervalEnd.utcText(microseconds: false),
        ]
        if !dag.params.isEmpty {
            let params = ParamSpec.resolve(dag.params, conf: run.confValue.mapValue ?? []).values
            environment["SLUICE_PARAMS"] = Value.map(params.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }).jsonText()
        }
        var workload = Workload(tryID: attempt.id!, tiID: ti.id!, runPK: run.id!, dagID: dag.dagID, runID: run.runID, taskID: task.id,
                        tryNumber: attempt.tryNumber, operatorName: task.operatorName, arguments: arguments,
                        logicalDate: run.logicalDate, dataInterval: run.dataInterval,
                        executionTimeout: task.policy.executionTimeout, logPath: attempt.logPath, queue: ti.queue,
                        environment: environment)
        workload.priority = ti.priorityWeight
        return workload
    }

    /// `neighbours`: compute prev/next logical dates (only when a template mentions them).
    func templateContext(run: DagRunRow, dag: DagDefinition, taskID: String, tryNumber: Int, neighbours: Bool = true) -> TemplateContext {
        let timetable = dag.timetable
        var prev: Date?, next: Date?
        if neighbours && dag.scheduleText != nil {
            prev = timetable.dataInterval(forLogicalDate: run.logicalDate.addingTimeInterval(-1))?.start
            if let p = prev, p >= run.logicalDate { prev = nil }
            next = timetable.nextDataInterval(after: run.dataInterval, earliest: nil, latest: nil, catchup: true,
                                              now: .distantFuture)?.start
        }
        let conf = run.confValue.mapValue ?? []
        let params = ParamSpec.resolve(dag.params, conf: conf).values
        let store = self.store, runPK = run.id!
        return TemplateContext(
            dagID: dag.dagID, taskID: taskID, runID: run.runID, tryNumber: tryNumber, logicalDate: run.logicalDate,
            dataIntervalStart: run.dataIntervalStart, dataIntervalEnd: run.dataIntervalEnd, timeZone: dag.zone,
            prevLogicalDate: prev, nextLogicalDate: next, params: params,
            conf: Dictionary(conf.map { ($0.key, $0.value) }, uniquingKeysWith: { a, _ in a }),
            xcom: { task, key in (try? store.xcom(runPK: runPK, taskID: task, key: key)) ?? nil })
    }

    private func render(_ value: Value, _ context: TemplateContext, argument: String) throws(TaskFailure) -> Value {
        switch value {
        case let .string(text) where text.contains("{{"):
            do {
                let template = try Template(parsing: text)
                return try template.renderValue(context)
            } catch let issue as TemplateIssue {
                throw TaskFailure("argument '\(argument)': template error at offset \(issue.offset): \(issue.message)")
            } catch let error as TemplateRenderError {
                throw TaskFailure("argument '\(argument)': \(error.message)")
            } catch {
                throw TaskFailure("argument '\(argument)': \(error)")
            }
        case let .list(items):
            var out: [Value] = []
            for item in items { out.append(try render(item, context, argument: argument)) }
            return .list(out)
        case let .map(pairs):
            var out: [(key: String, value: Value)] = []
            for pair in pairs { out.append((pair.key, try render(pair.value, context, argument: argument))) }
            return .map(out)
        default:
            return value
        }
    }
}
