import Foundation

/// A plugin operator as its `plugin.yaml` declares it: name, description, the command to run and
/// a typed argument schema in the same form as the built-in operators'.
public struct PluginManifest: Sendable {
    /// The operator name DAGs use.
    public var name: String
    public var description: String
    /// The plugin's folder (the command runs there; relative command paths resolve against it).
    public var folder: String
    public var manifestPath: String
    /// The executable (a path, or a name looked up on PATH) and its arguments.
    public var command: [String]
    public var arguments: [ArgumentSpec]
    /// Exit code that marks the task skipped (default 99, as for `bash`).
    public var skipExitCode: Int
    /// Extra environment for the command.
    public var environment: [String: String]

    static let keys = ["name", "description", "command", "arguments", "skip_exit_code", "environment"]
    static let argumentKeys = ["type", "items", "required", "default", "doc", "templated", "allowed"]
    /// Argument names every plugin operator accepts besides its own.
    public static let reservedArguments = ["xcom_pull"]

    /// Reads `path` (`FOLDER/plugin.yaml`); every problem is a `FILE:LINE:COLUMN` diagnostic.
    public static func load(path: String) -> (manifest: PluginManifest?, diagnostics: [Diagnostic]) {
        var bag = DiagnosticBag(file: path)
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            bag.error("cannot read the plugin manifest as UTF-8 text", at: SourceLocation(line: 1, column: 1))
            return (nil, bag.sorted)
        }
        let manifest = parse(text, path: path, bag: &bag)
        return (bag.hasErrors ? nil : manifest, bag.sorted)
    }

    static func parse(_ text: String, path: String, bag: inout DiagnosticBag) -> PluginManifest? {
        let document: YAMLDocument
        do { document = try YAMLParser.parse(text, diagnostics: &bag) } catch {
            bag.error(error.message, at: error.location)
            return nil
        }
        let start = SourceLocation(line: 1, column: 1)
        guard let root = document.root, let pairs = root.mapping else {
            bag.error("a plugin manifest must be a mapping with name, description, command and arguments", at: document.root?.location ?? start)
            return nil
        }
        var manifest = PluginManifest(name: "", description: "", folder: (path as NSString).deletingLastPathComponent, manifestPath: path,
                                      command: [], arguments: [], skipExitCode: 99, environment: [:])
        var seen: Set<String> = []
        for pair in pairs {
            guard let key = pair.key.scalarText else { continue }
            guard keys.contains(key) else {
                bag.error("unknown key '\(key)'\(Spelling.didYouMean(key, among: keys)) (expected: \(keys.joined(separator: ", ")))", at: pair.key.location)
                continue
            }
            seen.insert(key)
            let node = pair.value
            switch key {
            case "name":
                guard let name = node.scalarText, isOperatorName(name) else {
                    bag.error("name must be an operator name: lowercase letters, digits and '_', starting with a letter", at: node.location)
                    continue
                }
                manifest.name = name
            case "description":
                guard let text = node.scalarText else { bag.error("description must be text", at: node.location); continue }
                manifest.description = text
            case "command":
                if let text = node.scalarText, !text.isEmpty {
                    manifest.command = [text]
                } else if let items = node.sequence, !items.isEmpty {
                    var parts: [String] = []
                    for item in items {
                        guard let text = item.scalarText else { bag.error("command items must be text", at: item.location); continue }
                        parts.append(text)
                    }
                    manifest.command = parts
                } else {
                    bag.error("command must be an executable, or a list: [interpreter, script, args...]", at: node.location)
                }
            case "arguments":
                guard let specs = node.mapping else {
                    if !node.isNull { bag.error("arguments must be a mapping of argument name to {type, required, default, doc}", at: node.location) }
                    continue
                }
                for spec in specs {
                    if let argument = parseArgument(spec, bag: &bag) { manifest.arguments.append(argument) }
                }
            case "skip_exit_code":
                guard let text = node.scalarText, let code = Int(text), (1 ... 255).contains(code) else {
                    bag.error("skip_exit_code must be an integer from 1 to 255", at: node.location)
                    continue
                }
                manifest.skipExitCode = code
            case "environment":
                guard let entries = node.mapping else { bag.error("environment must be a mapping of variable to text", at: node.location); continue }
                for entry in entries {
                    guard let name = entry.key.scalarText, let value = entry.value.scalarText else {
                        bag.error("environment values must be text", at: entry.value.location)
                        continue
                    }
                    manifest.environment[name] = value
                }
            default:
                break
            }
        }
        for required in ["name", "description", "command"] where !seen.contains(required) {
            bag.error("missing required key '\(required)'", at: root.location)
        }
        return manifest
    }

    static func parseArgument(_ pair: YAMLPair, bag: inout DiagnosticBag) -> ArgumentSpec? {
        guard let name = pair.key.scalarText, isOperatorName(name) else {
            bag.error("argument names must be lowercase letters, digits and '_', starting with a letter", at: pair.key.location)
            return nil
        }
        if reservedArguments.contains(name) {
            bag.error("argument '\(name)' is reserved (every plugin task accepts it)", at: pair.key.location)
            return nil
        }
        guard let fields = pair.value.mapping else {
            bag.error("argument '\(name)' must be a mapping with at least 'type'", at: pair.value.location)
            return nil
        }
        var type: ArgumentType?
        var itemType: ArgumentType = .any
        var required = false, templated = true
        var defaultValue: Value?
        var doc = ""
        var allowed: [String]?
        var typeNode: YAMLNode?
        for field in fields {
            guard let key = field.key.scalarText else { continue }
            guard argumentKeys.contains(key) else {
                bag.error("unknown key '\(key)' in argument '\(name)'\(Spelling.didYouMean(key, among: argumentKeys))", at: field.key.location)
                continue
            }
            let node = field.value
            switch key {
            case "type":
                typeNode = node
                guard let text = node.scalarText, let parsed = scalarType(text) ?? (["list", "map"].contains(text) ? .any : nil) else {
                    bag.error("type of argument '\(name)' must be one of \(typeNames.joined(separator: ", "))", at: node.location)
                    continue
                }
                type = parsed
            case "items":
                guard let text = node.scalarText, let parsed = scalarType(text) else {
                    bag.error("items of argument '\(name)' must be one of \(scalarTypeNames.joined(separator: ", "))", at: node.location)
                    continue
                }
                itemType = parsed
            case "required", "templated":
                guard let text = node.scalarText, let flag = Bool(text.lowercased()) else {
                    bag.error("\(key) of argument '\(name)' must be true or false", at: node.location)
                    continue
                }
                if key == "required" { required = flag } else { templated = flag }
            case "default":
                defaultValue = node.value
            case "doc":
                doc = node.scalarText ?? ""
            case "allowed":
                allowed = node.sequence?.compactMap(\.scalarText)
                if allowed == nil { bag.error("allowed of argument '\(name)' must be a list of values", at: node.location) }
            default:
                break
            }
        }
        guard var resolved = type else {
            if typeNode == nil { bag.error("argument '\(name)' needs a type (\(typeNames.joined(separator: ", ")))", at: pair.key.location) }
            return nil
        }
        if let text = typeNode?.scalarText {
            if text == "list" { resolved = .list(itemType) }
            if text == "map" { resolved = .map(itemType) }
        }
        if let defaultValue, let problem = resolved.problem(with: defaultValue) {
            bag.error("default of argument '\(name)': \(problem)", at: fields.first { $0.key.scalarText == "default" }!.value.location)
        }
        return ArgumentSpec(name, resolved, required: required, default: defaultValue, allowed: allowed, templated: templated, doc: doc)
    }

    static let scalarTypeNames = ["string", "int", "number", "bool", "duration", "date", "any"]
    static let typeNames = scalarTypeNames + ["list", "map"]

    static func scalarType(_ text: String) -> ArgumentType? {
        switch text {
        case "string": return .string
        case "int": return .int
        case "number": return .number
        case "bool": return .bool
        case "duration": return .duration
        case "date": return .date
        case "any": return .any
        default: return nil
        }
    }

    static func isOperatorName(_ text: String) -> Bool {
        guard let first = text.unicodeScalars.first, ("a" ... "z").contains(first) else { return false }
        return text.unicodeScalars.allSatisfy { ("a" ... "z").contains($0) || ("0" ... "9").contains($0) || $0 == "_" }
    }
}
