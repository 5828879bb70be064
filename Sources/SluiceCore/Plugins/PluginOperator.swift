import Foundation

/// Plugin operators: every `FOLDER/NAME/plugin.yaml` under the plugins folder becomes an operator
/// that runs the manifest's command with the task context as JSON on stdin.
public enum PluginOperators {
    /// The descriptors of every valid manifest under `folder` (sorted by name) and the problems
    /// of the others, each `FILE:LINE:COLUMN`. A missing folder has no plugins.
    public static func load(folder: String, reserved: Set<String> = []) -> (descriptors: [OperatorDescriptor], diagnostics: [Diagnostic]) {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return ([], []) }
        var descriptors: [OperatorDescriptor] = []
        var diagnostics: [Diagnostic] = []
        var names: [String: String] = [:]
        for entry in entries.sorted() {
            let path = (folder as NSString).appendingPathComponent(entry) + "/plugin.yaml"
            guard FileManager.default.fileExists(atPath: path) else { continue }
            let (manifest, problems) = PluginManifest.load(path: path)
            diagnostics += problems
            guard let manifest else { continue }
            let at = SourceLocation(line: 1, column: 1)
            if reserved.contains(manifest.name) {
                diagnostics.append(Diagnostic(file: path, location: at, message: "operator '\(manifest.name)' is built in; choose another name"))
                continue
            }
            if let other = names[manifest.name] {
                diagnostics.append(Diagnostic(file: path, location: at, message: "operator '\(manifest.name)' is already defined by \(other)"))
                continue
            }
            names[manifest.name] = path
            descriptors.append(descriptor(manifest))
        }
        return (descriptors, diagnostics)
    }

    /// The operator a manifest declares: its arguments plus `xcom_pull`.
    public static func descriptor(_ manifest: PluginManifest) -> OperatorDescriptor {
        let pull = ArgumentSpec("xcom_pull", .list(.string), templated: false,
                                doc: "XCom values to hand to the plugin: `TASK` (its return value) or `TASK:KEY`, from this run.")
        return OperatorDescriptor(
            name: manifest.name, summary: manifest.description,
            details: """
            Plugin from \(manifest.manifestPath): runs `\(manifest.command.joined(separator: " "))` in \(manifest.folder) with the task
            context as JSON on stdin (docs/plugins.md). Exit code 0 succeeds, \(manifest.skipExitCode) skips, anything else fails the try.
            """,
            arguments: manifest.arguments + [pull], origin: manifest.manifestPath, runner: PluginRunner(manifest: manifest))
    }
}

/// Runs a plugin's command for one try: context on stdin, output to the task log, results (XCom,
/// metrics) as JSON lines in the file the context names, the exit code deciding the outcome.
/// The command leads its own process group: a timeout or cancellation stops all of it.
struct PluginRunner: TaskRunner {
    let manifest: PluginManifest
    static let inheritedEnvironment = ProcessInfo.processInfo.environment

    func run(_ context: TaskRunContext) async throws -> TaskResult {
        let resultPath = NSTemporaryDirectory() + "sluice-plugin-\(context.taskID)-\(UUID().uuidString).jsonl"
        guard FileManager.default.createFile(atPath: resultPath, contents: nil) else {
            throw TaskFailure("plugin \(manifest.name): cannot create the result file \(resultPath)")
        }
        defer { try? FileManager.default.removeItem(atPath: resultPath) }
        var environment = Self.inheritedEnvironment
        for (k, v) in context.environment { environment[k] = v }
        for (k, v) in manifest.environment { environment[k] = v }
        environment["SLUICE_RESULT_FILE"] = resultPath
        environment["SLUICE_PLUGIN_DIR"] = manifest.folder
        // The command runs in its plugin's folder; relative paths in arguments mean this one.
        environment["SLUICE_WORKING_DIR"] = FileManager.default.currentDirectoryPath
        // Scalar arguments as SLUICE_ARG_NAME too, so shell plugins need no JSON parser.
        for (name, value) in context.arguments.values where name != "xcom_pull" {
            switch value {
            case .string, .int, .double, .bool: environment["SLUICE_ARG_" + name.uppercased()] = value.renderedText
            default: break
            }
        }
        let input = Array((contextJSON(context, resultPath: resultPath, environment: environment).jsonText() + "\n").utf8)
        var executable = manifest.command[0]
        if executable.contains("/") && !executable.hasPrefix("/") { executable = (manifest.folder as NSString).appendingPathComponent(executable) }
        let spec = ChildProcessSpec(executable: executable, arguments: Array(manifest.command.dropFirst()), environment: environment,
                                    workingDirectory: manifest.folder, timeout: context.executionTimeout, standardInput: input)
        let outcome = try await ChildProcess.run(spec, log: context.log)
        if outcome.timedOut { throw TaskFailure("plugin \(manifest.name) timed out after \(DurationText.format(context.executionTimeout ?? 0))", timedOut: true) }
        if outcome.cancelled { throw TaskFailure("plugin \(manifest.name) was cancelled") }
        if let signal = outcome.signal { throw TaskFailure("plugin \(manifest.name) was killed by signal \(signal)") }
        let code = outcome.exitCode ?? -1
        if code == Int32(manifest.skipExitCode) { return .skipped(reason: "plugin \(manifest.name) exited with \(code)") }
        guard code == 0 else { throw TaskFailure("plugin \(manifest.name) exited with status \(code)", exitCode: code) }
        let results = try PluginResults.read(path: resultPath, plugin: manifest.name)
        for (name, value) in results.metrics { context.log.line("metric \(name) = \(value.jsonText())") }
        var xcoms = results.xcoms
        if !results.metrics.isEmpty { xcoms.append(("metrics", .map(results.metrics))) }
        return .success(XComBundle.value(of: xcoms))
    }

    /// What the plugin reads on stdin.
    func contextJSON(_ context: TaskRunContext, resultPath: String, environment: [String: String]) -> Value {
        let arguments = context.arguments.values.filter { $0.key != "xcom_pull" }.sorted { $0.key < $1.key }
        let params = environment["SLUICE_PARAMS"].flatMap { try? Value.parseJSON($0) } ?? .map([])
        func text(_ key: String) -> Value { environment[key].map(Value.string) ?? .null }
        var fields: [(String, Value)] = []
        fields.append(("dag_id", .string(context.dagID)))
        fields.append(("task_id", .string(context.taskID)))
        fields.append(("run_id", .string(context.runID)))
        fields.append(("try_number", .int(Int64(context.tryNumber))))
        fields.append(("logical_date", .string(context.logicalDate.utcText(microseconds: false))))
        fields.append(("ds", text("SLUICE_DS")))
        fields.append(("data_interval_start", .string(context.dataIntervalStart.utcText(microseconds: false))))
        fields.append(("data_interval_end", .string(context.dataIntervalEnd.utcText(microseconds: false))))
        fields.append(("arguments", .map(arguments.map { ($0.key, $0.value) })))
        fields.append(("params", params))
        let pulled: Value = context.arguments["xcom_pull"]?.mapValue.map { Value.map($0) } ?? .map([])
        fields.append(("xcom", pulled))
        fields.append(("lake_root", text("SLUICE_LAKE_ROOT")))
        fields.append(("tracking_uri", text("SLUICE_TRACKING_URI")))
        let timeout: Value = context.executionTimeout.map { Value.double($0) } ?? .null
        fields.append(("execution_timeout", timeout))
        fields.append(("working_dir", text("SLUICE_WORKING_DIR")))
        fields.append(("result_file", .string(resultPath)))
        fields.append(("log_file", context.log.path.map { Value.string($0) } ?? .null))
        return .map(fields)
    }
}

/// What a plugin wrote to its result file: one JSON object per line, `{"xcom": KEY, "value": V}`
/// or `{"metric": NAME, "value": NUMBER}`.
enum PluginResults {
    static func read(path: String, plugin: String) throws(TaskFailure) -> (xcoms: [(String, Value)], metrics: [(String, Value)]) {
        guard let data = FileManager.default.contents(atPath: path) else { return ([], []) }
        var xcoms: [(String, Value)] = [], metrics: [(String, Value)] = []
        for (index, line) in String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let text = line.trimmingCharacters(in: .whitespaces)
            if text.isEmpty { continue }
            func fail(_ why: String) -> TaskFailure { TaskFailure("plugin \(plugin): result file line \(index + 1): \(why)") }
            let value: Value
            do { value = try Value.parseJSON(text) } catch { throw fail("not JSON: \(error)") }
            guard case let .map(pairs) = value else { throw fail("expected a JSON object, found \(value.typeName)") }
            let keys = Set(pairs.map(\.key))
            guard let payload = value["value"] else { throw fail("missing \"value\"") }
            if let key = value["xcom"]?.stringValue, keys == ["xcom", "value"] {
                guard !key.isEmpty, !key.hasPrefix("__") else { throw fail("XCom keys must be non-empty and not start with '__'") }
                xcoms.removeAll { $0.0 == key }
                xcoms.append((key, payload))
            } else if let name = value["metric"]?.stringValue, keys == ["metric", "value"] {
                guard payload.doubleValue != nil else { throw fail("metric '\(name)' must be a number, found \(payload.typeName)") }
                metrics.removeAll { $0.0 == name }
                metrics.append((name, payload))
            } else {
                throw fail("expected {\"xcom\": KEY, \"value\": ...} or {\"metric\": NAME, \"value\": NUMBER}")
            }
        }
        return (xcoms, metrics)
    }
}

/// Several XCom values returned by one try, carried as its return value until the metadata store
/// writes each under its own key (`return_value` among them).
public enum XComBundle {
    static let marker = "__sluice_xcoms__"

    /// The return value carrying `xcoms`: the plain value when only `return_value` is pushed.
    public static func value(of xcoms: [(String, Value)]) -> Value? {
        if xcoms.isEmpty { return nil }
        if xcoms.count == 1, xcoms[0].0 == "return_value" { return xcoms[0].1 }
        return .map([(marker, .map(xcoms.map { ($0.0, $0.1) }))])
    }

    /// The key/value pairs a return value stands for.
    public static func entries(of value: Value) -> [(key: String, value: Value)] {
        if case let .map(pairs) = value, pairs.count == 1, pairs[0].key == marker, case let .map(entries) = pairs[0].value {
            return entries
        }
        return [("return_value", value)]
    }
}
