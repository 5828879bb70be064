/// One task entry as read, before graph checks.
private struct TaskEntry {
    var id: String
    var idNode: YAMLNode
    var node: YAMLNode
    var operatorName: String?
    var withNode: YAMLNode?
    var dependsOn: [(String, YAMLNode)]
    var policy: TaskPolicy
    var doc: String?
}

extension DagFileReader {
    mutating func readTasks(_ node: YAMLNode, defaultPolicy: TaskPolicy, params: [ParamSpec]) -> [TaskDefinition] {
        guard let items = node.sequence else {
            nodes.error("tasks must be a list of task mappings (each starting with '- id: ...'), found \(node.kindDescription)", at: node)
            return []
        }
        if items.isEmpty {
            nodes.error("tasks is empty; a DAG needs at least one task", at: node)
            return []
        }
        var entries: [TaskEntry] = []
        var firstSeen: [String: SourceLocation] = [:]
        for item in items {
            guard let pairs = nodes.mapping(item, "each task") else { continue }
            nodes.checkKeys(pairs, known: DagFileLoader.taskKeys, in: "task")
            func field(_ name: String) -> YAMLNode? { pairs.first { $0.key.scalarText == name }?.value }
            guard let idNode = field("id") else {
                nodes.error("task is missing its 'id'", at: item)
                continue
            }
            guard let id = nodes.string(idNode, "task id") else { continue }
            if let problem = Identifier.problem(id) {
                nodes.error("task id \(problem)", at: idNode)
                continue
            }
            if let first = firstSeen[id] {
                nodes.error("duplicate task id '\(id)' (first defined at \(first))", at: idNode)
                continue
            }
            firstSeen[id] = idNode.location
            var entry = TaskEntry(id: id, idNode: idNode, node: item, operatorName: nil, withNode: field("with"),
                                  dependsOn: [], policy: readPolicy(pairs, base: defaultPolicy), doc: nil)
            if let opNode = field("operator") {
                if let name = nodes.string(opNode, "operator") {
                    if loader.registry.descriptor(named: name) == nil {
                        nodes.error("unknown operator '\(name)'\(Spelling.didYouMean(name, among: loader.registry.names)); see 'sluice operators list'", at: opNode)
                    } else {
                        entry.operatorName = name
                    }
                }
            } else {
                nodes.error("task '\(id)' is missing its 'operator'", at: item)
            }
            if let depNode = field("depends_on"), !depNode.isNull {
                entry.dependsOn = nodes.stringList(depNode, "depends_on") ?? []
            }
            entry.doc = field("doc").flatMap { nodes.string($0, "doc") }
            entries.append(entry)
        }

        let ids = Set(entries.map(\.id))
        let allIDs = entries.map(\.id)
        for i in entries.indices {
            var seen = Set<String>()
            entries[i].dependsOn = entries[i].dependsOn.filter { name, depNode in
                if name == entries[i].id {
                    nodes.error("task '\(name)' depends on itself", at: depNode)
                    return false
                }
                if !ids.contains(name) {
                    nodes.error("depends_on names unknown task '\(name)'\(Spelling.didYouMean(name, among: allIDs))", at: depNode)
                    return false
                }
                if !seen.insert(name).inserted {
                    nodes.error("task '\(entries[i].id)' lists '\(name)' twice in depends_on", at: depNode)
                    return false
                }
                return true
            }
        }
        reportCycles(entries)

        let upstream = Self.transitiveUpstream(entries.map { ($0.id, $0.dependsOn.map(\.0)) })
        var tasks: [TaskDefinition] = []
        for entry in entries {
            guard let opName = entry.operatorName, let descriptor = loader.registry.descriptor(named: opName) else { continue }
            let scope = TemplateScope(paramNames: Set(params.map(\.name)), taskIDs: ids,
                                      upstreamTaskIDs: upstream[entry.id] ?? [])
            let arguments = readArguments(entry, descriptor: descriptor, scope: scope)
            tasks.append(TaskDefinition(id: entry.id, operatorName: opName, arguments: arguments,
                                        dependsOn: entry.dependsOn.map(\.0), policy: entry.policy,
                                        doc: entry.doc, line: entry.node.location.line))
        }
        return tasks
    }

    /// Validates `with:` against the operator's schema and checks every template in it.
    private mutating func readArguments(_ entry: TaskEntry, descriptor: OperatorDescriptor, scope: TemplateScope) -> Value {
        var pairs: [YAMLPair] = []
        if let withNode = entry.withNode, !withNode.isNull {
            pairs = nodes.mapping(withNode, "with") ?? []
        }
        let known = descriptor.arguments.map(\.name)
        for pair in pairs {
            guard let key = pair.key.scalarText else { continue }
            guard let spec = descriptor.argument(key) else {
                let hint = known.isEmpty ? "; operator '\(descriptor.name)' takes no arguments"
                    : Spelling.didYouMean(key, among: known)
                nodes.error("unknown argument '\(key)' for operator '\(descriptor.name)'\(hint)", at: pair.key)
                continue
            }
            if pair.value.isNull { continue }
            if let problem = spec.type.problem(with: pair.value.value) {
                nodes.error("argument '\(key)' of operator '\(descriptor.name)': \(problem)", at: pair.value)
            } else if let allowed = spec.allowed, let s = pair.value.value.stringValue, !s.contains("{{"), !allowed.contains(s) {
                nodes.error("argument '\(key)' of operator '\(descriptor.name)': '\(s)' is not one of \(allowed.joined(separator: ", "))", at: pair.value)
            }
            if spec.templated { checkTemplates(in: pair.value, scope: scope) }
        }
        for spec in descriptor.arguments where spec.required {
            if !pairs.contains(where: { $0.key.scalarText == spec.name && !$0.value.isNull }) {
                nodes.error("operator '\(descriptor.name)' needs argument '\(spec.name)' under 'with:'", at: entry.withNode ?? entry.node)
            }
        }
        var values: [(key: String, value: Value)] = pairs.compactMap { pair in
            guard let key = pair.key.scalarText, descriptor.argument(key) != nil else { return nil }
            return (key, pair.value.value)
        }
        for spec in descriptor.arguments where !values.contains(where: { $0.key == spec.name }) {
            if let d = spec.defaultValue { values.append((spec.name, d)) }
        }
        return .map(values)
    }

    /// Validates each `{{ }}` in string values, reporting problems at their exact position.
    private mutating func checkTemplates(in node: YAMLNode, scope: TemplateScope) {
        switch node.kind {
        case let .scalar(text, _):
            guard text.contains("{{") || text.contains("{%") else { return }
            for issue in Template.validate(text, scope: scope) {
                nodes.bag.error(issue.message, at: lines.location(inScalar: node, value: text, valueOffset: issue.offset))
            }
        case let .sequence(items):
            for item in items { checkTemplates(in: item, scope: scope) }
        case let .mapping(pairs):
            for pair in pairs { checkTemplates(in: pair.value, scope: scope) }
        }
    }

    /// Reports each dependency cycle once, at the depends_on entry that closes it.
    private mutating func reportCycles(_ entries: [TaskEntry]) {
        let index = Dictionary(uniqueKeysWithValues: entries.enumerated().map { ($1.id, $0) })
        var color = [Int](repeating: 0, count: entries.count)  // 0 new, 1 on stack, 2 done
        var stack: [Int] = []
        for start in entries.indices where color[start] == 0 {
            // Iterative DFS over upstream edges; a back edge closes a cycle.
            var work: [(node: Int, next: Int)] = [(start, 0)]
            color[start] = 1
            stack.append(start)
            while let top = work.last {
                let deps = entries[top.node].dependsOn
                if top.next < deps.count {
                    work[work.count - 1].next += 1
                    guard let target = index[deps[top.next].0] else { continue }
                    if color[target] == 0 {
                        color[target] = 1
                        stack.append(target)
                        work.append((target, 0))
                    } else if color[target] == 1 {
                        let from = stack.lastIndex(of: target)!
                        // Stack runs downstream -> upstream; print it in execution order.
                        let path = (Array(stack[from...]).reversed() + [stack.last!]).map { entries[$0].id }
                        nodes.error("dependency cycle: \(path.joined(separator: " -> "))", at: deps[top.next].1)
                    }
                } else {
                    color[top.node] = 2
                    stack.removeLast()
                    work.removeLast()
                }
            }
        }
    }

    /// For each task, every task it (transitively) depends on.
    static func transitiveUpstream(_ edges: [(String, [String])]) -> [String: Set<String>] {
        let direct = Dictionary(edges, uniquingKeysWith: { a, _ in a })
        var memo: [String: Set<String>] = [:]
        func visit(_ id: String, _ guardSet: inout Set<String>) -> Set<String> {
            if let known = memo[id] { return known }
            guard guardSet.insert(id).inserted else { return [] }
            var result = Set<String>()
            for up in direct[id] ?? [] {
                result.insert(up)
                result.formUnion(visit(up, &guardSet))
            }
            guardSet.remove(id)
            memo[id] = result
            return result
        }
        for (id, _) in edges {
            var guardSet = Set<String>()
            _ = visit(id, &guardSet)
        }
        return memo
    }
}
