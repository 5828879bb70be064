extension DagFileReader {
    static let paramKeys = ["type", "default", "description", "enum", "min", "max", "items"]

    /// `params:` — each entry is either a full spec (`{type: int, default: 5, min: 1}`) or a bare
    /// default whose type is inferred (`lookback: 5`).
    mutating func readParams(_ node: YAMLNode) -> [ParamSpec] {
        guard let pairs = nodes.mapping(node, "params") else { return [] }
        var specs: [ParamSpec] = []
        for pair in pairs {
            guard let name = pair.key.scalarText else { continue }
            if Identifier.problem(name) != nil || name.contains(".") || name.contains("-") {
                nodes.error("param name '\(name)' must use letters, digits and '_' only (it is used as params.\(name))", at: pair.key)
                continue
            }
            if let spec = readParam(name: name, node: pair.value) { specs.append(spec) }
        }
        return specs
    }

    private mutating func readParam(name: String, node: YAMLNode) -> ParamSpec? {
        guard let pairs = node.mapping, pairs.contains(where: { $0.key.scalarText == "type" || $0.key.scalarText == "default" }) else {
            // Shorthand: the value is the default and fixes the type.
            if node.mapping != nil {
                nodes.error("param '\(name)' needs a 'type' or a 'default'", at: node)
                return nil
            }
            guard let type = Self.inferType(node.value) else {
                nodes.error("param '\(name)': cannot infer a type from \(node.kindDescription); write {type: ..., default: ...}", at: node)
                return nil
            }
            return ParamSpec(name: name, type: type, defaultValue: node.value)
        }
        nodes.checkKeys(pairs, known: Self.paramKeys, in: "param '\(name)'")
        func field(_ key: String) -> YAMLNode? { pairs.first { $0.key.scalarText == key }?.value }

        var type: ParamSpec.ParamType?
        if let typeNode = field("type"), let text = nodes.string(typeNode, "param '\(name)' type") {
            type = ParamSpec.ParamType(rawValue: text)
            if type == nil {
                let names = ParamSpec.ParamType.allCases.map(\.rawValue)
                nodes.error("param '\(name)': unknown type '\(text)'\(Spelling.didYouMean(text, among: names)); expected one of \(names.joined(separator: ", "))", at: typeNode)
                return nil
            }
        }
        let defaultNode = field("default")
        if type == nil, let defaultNode { type = Self.inferType(defaultNode.value) }
        guard let type else {
            nodes.error("param '\(name)': cannot infer a type from its default; add 'type'", at: node)
            return nil
        }
        var spec = ParamSpec(name: name, type: type)
        spec.description = field("description").flatMap { nodes.string($0, "param '\(name)' description") }
        if let itemsNode = field("items"), let text = nodes.string(itemsNode, "param '\(name)' items") {
            if type != .list { nodes.error("param '\(name)': 'items' only applies to type list", at: itemsNode) }
            if let itemType = ParamSpec.ParamType(rawValue: text), itemType != .list { spec.items = itemType }
            else { nodes.error("param '\(name)': unknown items type '\(text)'", at: itemsNode) }
        }
        for (key, keyPath) in [("min", \ParamSpec.minimum), ("max", \ParamSpec.maximum)] {
            guard let bound = field(key) else { continue }
            guard let v = bound.value.doubleValue, bound.scalarText != nil else {
                nodes.error("param '\(name)': \(key) must be a number, found \(bound.kindDescription)", at: bound)
                continue
            }
            if ![.int, .number, .list].contains(type) {
                nodes.error("param '\(name)': \(key) only applies to int, number and list params", at: bound)
                continue
            }
            spec[keyPath: keyPath] = v
        }
        if let lo = spec.minimum, let hi = spec.maximum, lo > hi, let maxNode = field("max") {
            nodes.error("param '\(name)': max \(ParamSpec.format(hi)) is below min \(ParamSpec.format(lo))", at: maxNode)
        }
        if let enumNode = field("enum") {
            if let items = enumNode.sequence, !items.isEmpty {
                var allowed: [Value] = []
                for item in items {
                    if let problem = ParamSpec.typeProblem(item.value, type) {
                        nodes.error("param '\(name)': enum value \(problem)", at: item)
                    } else { allowed.append(item.value) }
                }
                spec.allowed = allowed
            } else {
                nodes.error("param '\(name)': enum must be a non-empty list, found \(enumNode.kindDescription)", at: enumNode)
            }
        }
        if let defaultNode, !defaultNode.isNull {
            let value = defaultNode.value
            if let problem = spec.problem(with: value) {
                nodes.error("param '\(name)': default \(problem)", at: defaultNode)
            } else {
                spec.defaultValue = value
            }
        }
        return spec
    }

    static func inferType(_ value: Value) -> ParamSpec.ParamType? {
        switch value {
        case .bool: return .bool
        case .int: return .int
        case .double: return .number
        case let .string(s): return CivilDate(iso: s) != nil ? .date : .string
        case .list: return .list
        default: return nil
        }
    }
}
