import Foundation

/// The outcome of loading one DAG file: the DAG when it is valid, and every problem found.
public struct DagLoadResult: Sendable {
    public var file: String
    public var dag: DagDefinition?
    /// Where `dag_id` was written, for cross-file duplicate reports.
    public var dagIDLocation: SourceLocation?
    public var diagnostics: [Diagnostic]
}

/// Reads a YAML DAG file, validates every field, and builds a `DagDefinition`.
///
/// All problems in a file are reported (not just the first), each at the exact line and column
/// of the offending key or value.
public struct DagFileLoader: Sendable {
    public var registry: OperatorRegistry
    /// Zone used when a DAG does not set `timezone`.
    public var defaultTimezone: String

    /// The keys a DAG file may have at its top level.
    public static let topLevelKeys = [
        "dag_id", "description", "schedule", "timezone", "start_date", "end_date", "catchup",
        "max_active_runs", "max_active_tasks", "tags", "params", "default_args", "tasks",
    ]
    /// The keys a task entry may have (plus every `default_args` key, as an override).
    public static let taskKeys = ["id", "operator", "with", "depends_on", "doc"] + TaskPolicy.keys.map(\.name)

    public init(registry: OperatorRegistry = .builtin, defaultTimezone: String = "UTC") {
        self.registry = registry
        self.defaultTimezone = defaultTimezone
    }

    /// Loads the file at `path`; `displayPath` is how messages name it.
    public func load(path: String, displayPath: String? = nil) -> DagLoadResult {
        let shown = displayPath ?? path
        guard let data = FileManager.default.contents(atPath: path) else {
            return DagLoadResult(file: shown, dag: nil, dagIDLocation: nil, diagnostics: [
                Diagnostic(file: shown, location: .init(line: 1, column: 1), message: "cannot read the file"),
            ])
        }
        guard let text = String(validating: data, as: UTF8.self) else {
            let offset = Self.firstInvalidUTF8(in: data)
            return DagLoadResult(file: shown, dag: nil, dagIDLocation: nil, diagnostics: [
                Diagnostic(file: shown, location: .init(line: 1, column: 1),
                           message: "the file is not valid UTF-8 (first bad byte at offset \(offset))"),
            ])
        }
        return load(text: text, file: shown, contentHash: SHA256.hex(data))
    }

    /// Loads DAG source text; `file` names it in messages.
    public func load(text: String, file: String, contentHash: String? = nil) -> DagLoadResult {
        var reader = DagFileReader(file: file, loader: self)
        let dag = reader.read(text: text, contentHash: contentHash ?? SHA256.hex(Data(text.utf8)))
        let diagnostics = reader.nodes.bag.sorted
        let valid = !diagnostics.contains { $0.severity == .error }
        return DagLoadResult(file: file, dag: valid ? dag : nil, dagIDLocation: reader.dagIDLocation, diagnostics: diagnostics)
    }

    static func firstInvalidUTF8(in data: Data) -> Int {
        let bytes = [UInt8](data)
        var i = 0
        while i < bytes.count {
            var end = min(bytes.count, i + 4)
            while end > i {
                if String(validating: bytes[i..<end], as: UTF8.self) != nil { break }
                end -= 1
            }
            if end == i { return i }
            i = end
        }
        return bytes.count
    }
}

/// The state of reading one file.
struct DagFileReader {
    let file: String
    let loader: DagFileLoader
    var nodes: NodeReader
    var lines = SourceLines([])
    var dagIDLocation: SourceLocation?

    init(file: String, loader: DagFileLoader) {
        self.file = file
        self.loader = loader
        nodes = NodeReader(bag: DiagnosticBag(file: file))
    }

    mutating func read(text: String, contentHash: String) -> DagDefinition? {
        let document: YAMLDocument
        do {
            document = try YAMLParser.parse(text, diagnostics: &nodes.bag)
        } catch {
            nodes.bag.error(error.message, at: error.location)
            return nil
        }
        lines = SourceLines(document.source)
        guard let root = document.root, !root.isNull else {
            nodes.bag.error("the file is empty; a DAG file is a mapping with at least dag_id and tasks", at: .init(line: 1, column: 1))
            return nil
        }
        guard let top = nodes.mapping(root, "a DAG file") else { return nil }
        nodes.checkKeys(top, known: DagFileLoader.topLevelKeys, in: "the DAG")
        func field(_ name: String) -> YAMLNode? { top.first { $0.key.scalarText == name }?.value }

        var dagID: String?
        if let node = field("dag_id") {
            dagIDLocation = node.location
            if let id = nodes.string(node, "dag_id") {
                if let problem = Identifier.problem(id) { nodes.error("dag_id \(problem)", at: node) } else { dagID = id }
            }
        } else {
            nodes.bag.error("missing required key 'dag_id'", at: root.location)
        }
        let description = field("description").flatMap { nodes.string($0, "description") }

        var timezone = loader.defaultTimezone
        if let node = field("timezone"), let name = nodes.string(node, "timezone") {
            if TimeZone(identifier: name) != nil { timezone = name }
            else {
                let suggestion = Spelling.didYouMean(name, among: TimeZone.knownTimeZoneIdentifiers)
                nodes.error("unknown timezone '\(name)'\(suggestion); use an IANA name such as America/New_York", at: node)
            }
        }
        let zone = TimeZone(identifier: timezone) ?? TimeZone(identifier: "UTC")!

        var scheduleText: String?
        var scheduleNode: YAMLNode?
        if let node = field("schedule"), !node.isNull {
            scheduleNode = node
            if let text = nodes.string(node, "schedule") {
                do {
                    _ = try Schedule(parsing: text)
                    scheduleText = text
                } catch {
                    let offset = error.column
                    nodes.bag.error("schedule: \(error.message)", at: lines.location(inScalar: node, value: text, valueOffset: offset))
                }
            }
        }

        let startDate = field("start_date").flatMap { nodes.dateTime($0, "start_date", zone: zone) }
        let endDate = field("end_date").flatMap { $0.isNull ? nil : nodes.dateTime($0, "end_date", zone: zone) }
        if let startDate, let endDate, let node = field("end_date"), endDate < startDate {
            nodes.error("end_date is before start_date", at: node)
        }
        if let scheduleNode, scheduleText != nil, field("start_date") == nil {
            nodes.error("a scheduled DAG needs a start_date (or set schedule: null for manual runs only)", at: scheduleNode)
        }

        let catchup = field("catchup").flatMap { nodes.bool($0, "catchup") } ?? false
        let maxActiveRuns = field("max_active_runs").flatMap { nodes.int($0, "max_active_runs", minimum: 1) } ?? 16
        let maxActiveTasks = field("max_active_tasks").flatMap { nodes.int($0, "max_active_tasks", minimum: 1) } ?? 16
        let tags = field("tags").flatMap { nodes.stringList($0, "tags") }.map { $0.map(\.0) } ?? []

        let params = field("params").map { readParams($0) } ?? []
        var defaultPolicy = TaskPolicy()
        if let node = field("default_args"), let pairs = nodes.mapping(node, "default_args") {
            nodes.checkKeys(pairs, known: TaskPolicy.keys.map(\.name), in: "default_args")
            defaultPolicy = readPolicy(pairs, base: defaultPolicy)
        }

        var tasks: [TaskDefinition] = []
        if let node = field("tasks") {
            tasks = readTasks(node, defaultPolicy: defaultPolicy, params: params)
        } else {
            nodes.bag.error("missing required key 'tasks' (a list of tasks)", at: root.location)
        }

        guard let dagID else { return nil }
        return DagDefinition(
            dagID: dagID, description: description, scheduleText: scheduleText, timezone: timezone,
            startDate: startDate, endDate: endDate, catchup: catchup, maxActiveRuns: maxActiveRuns,
            maxActiveTasks: maxActiveTasks, tags: tags, params: params, defaultPolicy: defaultPolicy,
            tasks: tasks, file: file, contentHash: contentHash)
    }

    /// `default_args` keys, or a task's overrides of them.
    mutating func readPolicy(_ pairs: [YAMLPair], base: TaskPolicy) -> TaskPolicy {
        var policy = base
        for pair in pairs {
            guard let key = pair.key.scalarText else { continue }
            let node = pair.value
            switch key {
            case "retries": if let v = nodes.int(node, "retries", minimum: 0) { policy.retries = v }
            case "retry_delay": if let v = nodes.duration(node, "retry_delay") { policy.retryDelay = v }
            case "retry_exponential_backoff":
                if let v = nodes.bool(node, "retry_exponential_backoff") { policy.retryExponentialBackoff = v }
            case "max_retry_delay": if let v = nodes.duration(node, "max_retry_delay") { policy.maxRetryDelay = v }
            case "execution_timeout":
                if node.isNull { policy.executionTimeout = nil }
                else if let v = nodes.duration(node, "execution_timeout") {
                    if v <= 0 { nodes.error("execution_timeout must be longer than zero", at: node) }
                    else { policy.executionTimeout = v }
                }
            case "pool":
                if let v = nodes.string(node, "pool") {
                    if let problem = Identifier.problem(v) { nodes.error("pool \(problem)", at: node) } else { policy.pool = v }
                }
            case "pool_slots": if let v = nodes.int(node, "pool_slots", minimum: 1) { policy.poolSlots = v }
            case "queue": if let v = nodes.string(node, "queue") { policy.queue = v }
            case "priority_weight": if let v = nodes.int(node, "priority_weight") { policy.priorityWeight = v }
            case "trigger_rule":
                if let v = nodes.string(node, "trigger_rule") {
                    if let rule = TriggerRule(rawValue: v) { policy.triggerRule = rule }
                    else {
                        let names = TriggerRule.allCases.map(\.rawValue)
                        nodes.error("unknown trigger_rule '\(v)'\(Spelling.didYouMean(v, among: names)); expected one of \(names.joined(separator: ", "))", at: node)
                    }
                }
            default: break
            }
        }
        return policy
    }
}

/// The rules for dag, task and pool identifiers (Airflow's: letters, digits, `_`, `-`, `.`).
enum Identifier {
    static func problem(_ id: String) -> String? {
        if id.isEmpty { return "must not be empty" }
        if id.count > 250 { return "is longer than 250 characters" }
        for c in id.unicodeScalars where !(c.properties.isASCIIHexDigit || ("a"..."z").contains(c) || ("A"..."Z").contains(c)
                                            || ("0"..."9").contains(c) || c == "_" || c == "-" || c == ".") {
            return "'\(id)' may only contain letters, digits, '_', '-' and '.' (found '\(c)')"
        }
        return nil
    }
}
