import CYAML

/// A YAML file that could not be read as YAML at all, with the position libyaml reported.
public struct YAMLSyntaxError: Error, Sendable {
    public var location: SourceLocation
    public var message: String
}

/// Builds `YAMLNode` trees from libyaml's event stream.
///
/// We read events ourselves (rather than using a YAML library's object model) to keep the exact
/// mark of every key and value, to report a duplicate key at the duplicate rather than at the
/// first occurrence, and to keep parsing cheap: a DAG folder of thousands of files must load in
/// well under a second.
public struct YAMLParser {
    /// Upper bound on nodes produced by alias expansion ("billion laughs" protection).
    public static let maxNodes = 1_000_000

    /// Parses a single-document YAML text. Problems that still allow a tree (duplicate keys, a
    /// second document) are appended to `diagnostics`; malformed YAML throws.
    public static func parse(_ text: String, diagnostics: inout DiagnosticBag) throws(YAMLSyntaxError) -> YAMLDocument {
        var bytes = Array(text.utf8)
        var builder = EventTreeBuilder()
        let result: Result<YAMLNode?, YAMLSyntaxError> = bytes.withUnsafeMutableBufferPointer { buffer in
            builder.run(buffer)
        }
        for (message, location) in builder.problems { diagnostics.error(message, at: location) }
        switch result {
        case let .success(root): return YAMLDocument(root: root, source: Array(text.unicodeScalars))
        case let .failure(error): throw error
        }
    }
}

/// Turns the event stream into nodes; one instance per parse.
private struct EventTreeBuilder {
    var parser = yaml_parser_t()
    var anchors: [String: YAMLNode] = [:]
    var problems: [(String, SourceLocation)] = []
    var nodeCount = 0

    private enum Frame {
        case sequence(items: [YAMLNode], start: yaml_mark_t, tag: String?, anchor: String?)
        case mapping(pairs: [YAMLPair], pendingKey: YAMLNode?, start: yaml_mark_t, tag: String?, anchor: String?)
    }

    mutating func run(_ buffer: UnsafeMutableBufferPointer<UInt8>) -> Result<YAMLNode?, YAMLSyntaxError> {
        guard yaml_parser_initialize(&parser) == 1 else {
            return .failure(YAMLSyntaxError(location: .init(line: 1, column: 1), message: "could not initialise the YAML parser"))
        }
        defer { yaml_parser_delete(&parser) }
        yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)

        var stack: [Frame] = []
        var root: YAMLNode?
        var documents = 0
        while true {
            var event = yaml_event_t()
            guard yaml_parser_parse(&parser, &event) == 1 else { return .failure(syntaxError()) }
            defer { yaml_event_delete(&event) }
            let type = event.type
            switch type {
            case YAML_STREAM_START_EVENT, YAML_NO_EVENT:
                continue
            case YAML_STREAM_END_EVENT:
                return .success(root)
            case YAML_DOCUMENT_START_EVENT:
                documents += 1
                if documents == 2 {
                    problems.append(("a DAG file holds one YAML document; found a second one (remove '---' or split the file)",
                                     location(event.start_mark)))
                }
            case YAML_DOCUMENT_END_EVENT:
                continue
            case YAML_SEQUENCE_START_EVENT:
                let d = event.data.sequence_start
                stack.append(.sequence(items: [], start: event.start_mark, tag: string(d.tag), anchor: string(d.anchor)))
            case YAML_MAPPING_START_EVENT:
                let d = event.data.mapping_start
                stack.append(.mapping(pairs: [], pendingKey: nil, start: event.start_mark, tag: string(d.tag), anchor: string(d.anchor)))
            case YAML_SEQUENCE_END_EVENT:
                guard case let .sequence(items, start, tag, anchor) = stack.removeLast() else { continue }
                let node = YAMLNode(kind: .sequence(items), location: location(start), tag: tag,
                                    sourceRange: Int(start.index)..<Int(event.end_mark.index))
                if let anchor { anchors[anchor] = node }
                if let error = deliver(node, into: &stack, root: &root, documents: documents) { return .failure(error) }
            case YAML_MAPPING_END_EVENT:
                guard case let .mapping(pairs, _, start, tag, anchor) = stack.removeLast() else { continue }
                let node = YAMLNode(kind: .mapping(applyMergeKeys(pairs)), location: location(start), tag: tag,
                                    sourceRange: Int(start.index)..<Int(event.end_mark.index))
                if let anchor { anchors[anchor] = node }
                if let error = deliver(node, into: &stack, root: &root, documents: documents) { return .failure(error) }
            case YAML_SCALAR_EVENT:
                let d = event.data.scalar
                let text = d.value.map { String(decoding: UnsafeBufferPointer(start: $0, count: d.length), as: UTF8.self) } ?? ""
                let style: YAMLNode.ScalarStyle
                switch d.style {
                case YAML_SINGLE_QUOTED_SCALAR_STYLE: style = .singleQuoted
                case YAML_DOUBLE_QUOTED_SCALAR_STYLE: style = .doubleQuoted
                case YAML_LITERAL_SCALAR_STYLE: style = .literal
                case YAML_FOLDED_SCALAR_STYLE: style = .folded
                default: style = .plain
                }
                let node = YAMLNode(kind: .scalar(text, style), location: location(event.start_mark),
                                    tag: expandTag(string(d.tag)),
                                    sourceRange: Int(event.start_mark.index)..<Int(event.end_mark.index))
                if let anchor = string(d.anchor) { anchors[anchor] = node }
                if let error = deliver(node, into: &stack, root: &root, documents: documents) { return .failure(error) }
            case YAML_ALIAS_EVENT:
                let name = string(event.data.alias.anchor) ?? ""
                guard let target = anchors[name] else {
                    return .failure(YAMLSyntaxError(location: location(event.start_mark), message: "unknown alias '*\(name)' (no anchor '&\(name)' before it)"))
                }
                nodeCount += countNodes(target)
                if nodeCount > YAMLParser.maxNodes {
                    return .failure(YAMLSyntaxError(location: location(event.start_mark),
                                                    message: "aliases expand to more than \(YAMLParser.maxNodes) nodes"))
                }
                if let error = deliver(target, into: &stack, root: &root, documents: documents) { return .failure(error) }
            default:
                continue
            }
        }
    }

    /// Adds a finished node to its parent (or makes it the root of the first document).
    private mutating func deliver(_ node: YAMLNode, into stack: inout [Frame], root: inout YAMLNode?, documents: Int) -> YAMLSyntaxError? {
        nodeCount += 1
        if nodeCount > YAMLParser.maxNodes {
            return YAMLSyntaxError(location: node.location, message: "document has more than \(YAMLParser.maxNodes) nodes")
        }
        guard let top = stack.popLast() else {
            if documents <= 1 { root = node }
            return nil
        }
        switch top {
        case .sequence(var items, let start, let tag, let anchor):
            items.append(node)
            stack.append(.sequence(items: items, start: start, tag: tag, anchor: anchor))
        case .mapping(var pairs, let pendingKey, let start, let tag, let anchor):
            if let key = pendingKey {
                if let keyText = key.scalarText, keyText != "<<",
                   let first = pairs.first(where: { $0.key.scalarText == keyText }) {
                    problems.append(("duplicate key '\(keyText)' (first defined at \(first.key.location))", key.location))
                } else {
                    pairs.append(YAMLPair(key: key, value: node))
                }
                stack.append(.mapping(pairs: pairs, pendingKey: nil, start: start, tag: tag, anchor: anchor))
            } else {
                if key(isCollection: node) {
                    problems.append(("mapping keys must be plain values, not \(node.kindDescription)", node.location))
                }
                stack.append(.mapping(pairs: pairs, pendingKey: node, start: start, tag: tag, anchor: anchor))
            }
        }
        return nil
    }

    private func key(isCollection node: YAMLNode) -> Bool {
        if case .scalar = node.kind { return false }
        return true
    }

    /// Expands YAML merge keys (`<<: *defaults`): merged entries never override explicit ones.
    private mutating func applyMergeKeys(_ pairs: [YAMLPair]) -> [YAMLPair] {
        guard pairs.contains(where: { $0.key.scalarText == "<<" && $0.key.tag == nil }) else { return pairs }
        var explicit = pairs.filter { !($0.key.scalarText == "<<" && $0.key.tag == nil) }
        var present = Set(explicit.compactMap { $0.key.scalarText })
        for pair in pairs where pair.key.scalarText == "<<" && pair.key.tag == nil {
            let sources: [YAMLNode]
            switch pair.value.kind {
            case .mapping: sources = [pair.value]
            case let .sequence(items): sources = items
            case .scalar:
                problems.append(("the merge key '<<' needs a mapping or a list of mappings, found \(pair.value.kindDescription)", pair.value.location))
                continue
            }
            for source in sources {
                guard let merged = source.mapping else {
                    problems.append(("the merge key '<<' needs mappings, found \(source.kindDescription)", source.location))
                    continue
                }
                for entry in merged {
                    guard let name = entry.key.scalarText, !present.contains(name) else { continue }
                    present.insert(name)
                    explicit.append(entry)
                }
            }
        }
        return explicit
    }

    private func countNodes(_ node: YAMLNode) -> Int {
        switch node.kind {
        case .scalar: return 1
        case let .sequence(items): return 1 + items.reduce(0) { $0 + countNodes($1) }
        case let .mapping(pairs): return 1 + pairs.reduce(0) { $0 + countNodes($1.key) + countNodes($1.value) }
        }
    }

    private func location(_ mark: yaml_mark_t) -> SourceLocation {
        SourceLocation(line: Int(mark.line) + 1, column: Int(mark.column) + 1)
    }

    private func string(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
        guard let pointer else { return nil }
        return String(cString: pointer)
    }

    private func expandTag(_ tag: String?) -> String? {
        guard let tag else { return nil }
        if tag.hasPrefix("!!") { return "tag:yaml.org,2002:" + tag.dropFirst(2) }
        return tag
    }

    private func syntaxError() -> YAMLSyntaxError {
        let problem = parser.problem.map { String(cString: $0) } ?? "malformed YAML"
        let context = parser.context.map { String(cString: $0) }
        let mark = parser.problem_mark
        var message = "YAML syntax error: \(problem)"
        if let context {
            message += " (\(context) at \(Int(parser.context_mark.line) + 1):\(Int(parser.context_mark.column) + 1))"
        }
        return YAMLSyntaxError(location: location(mark), message: message)
    }
}
