import ArgumentParser
import Foundation
import SluiceCore

/// `sluice operators list|show`.
struct OperatorsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "operators", abstract: "List the operators DAGs can use and their arguments.",
        subcommands: [OperatorsList.self, OperatorsShow.self])
}

struct OperatorsList: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List available operators.")
    @OptionGroup var options: GlobalOptions
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        let registry = options.registry(try options.loadConfig())
        let descriptors = registry.names.compactMap { registry.descriptor(named: $0) }
        if json {
            print(Value.list(descriptors.map(describe)).jsonText(pretty: true))
            return
        }
        print(Terminal.table(["operator", "origin", "summary"], descriptors.map { [$0.name, $0.origin, $0.summary] }))
    }
}

struct OperatorsShow: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show an operator's arguments.")
    @OptionGroup var options: GlobalOptions
    @Argument(help: "Operator name.") var name: String
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        let registry = options.registry(try options.loadConfig())
        guard let d = registry.descriptor(named: name) else {
            Terminal.error("error: no operator '\(name)'\(Spelling.didYouMean(name, among: registry.names))")
            throw ExitCode(1)
        }
        if json {
            print(describe(d).jsonText(pretty: true))
            return
        }
        var out = "\(d.name) (\(d.origin)): \(d.summary)\n"
        if !d.details.isEmpty { out += "\n\(d.details)\n" }
        out += "\narguments (under `with:`):\n"
        if d.arguments.isEmpty { out += "  (none)\n" }
        let rows = d.arguments.map { a in
            [a.name, a.type.description, a.required ? "required" : (a.defaultValue.map { "default \($0.jsonText())" } ?? "optional"),
             (a.templated ? "" : "[not templated] ") + a.doc]
        }
        if !rows.isEmpty { out += Terminal.table(["name", "type", "", "description"], rows).split(separator: "\n").map { "  " + $0 }.joined(separator: "\n") + "\n" }
        print(out, terminator: "")
    }
}

func describe(_ d: OperatorDescriptor) -> Value {
    .map([
        ("name", .string(d.name)), ("origin", .string(d.origin)), ("summary", .string(d.summary)),
        ("arguments", .list(d.arguments.map { a in
            .map([("name", .string(a.name)), ("type", .string(a.type.description)), ("required", .bool(a.required)),
                  ("default", a.defaultValue ?? .null), ("templated", .bool(a.templated)), ("doc", .string(a.doc))])
        })),
    ])
}

/// `sluice config show`.
struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config", abstract: "Inspect the effective configuration.", subcommands: [ConfigShow.self])
}

struct ConfigShow: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Print every setting with its value and where it came from (default, file, environment).",
        discussion: "Any setting can be overridden with an environment variable SLUICE__SECTION__KEY. Secrets are masked.")
    @OptionGroup var options: GlobalOptions
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        let config = try options.loadConfig()
        func shown(_ e: SluiceConfig.Entry) -> String { e.setting.secret && !e.text.isEmpty ? "********" : e.text }
        if json {
            var sections: [(key: String, value: Value)] = []
            for section in ConfigSchema.sections {
                let entries = config.entries.filter { $0.setting.section == section }
                sections.append((section, .map(entries.map { e in
                    (e.setting.key, .map([("value", .string(shown(e))), ("source", .string(e.source.rawValue)),
                                         ("env", .string(e.setting.environmentName))]))
                })))
            }
            print(Value.map([("file", config.file.map(Value.string) ?? .null), ("settings", .map(sections))]).jsonText(pretty: true))
            return
        }
        print("# effective configuration (file: \(config.file ?? "none, defaults"))")
        for section in ConfigSchema.sections {
            print("\(section):")
            for e in config.entries where e.setting.section == section {
                let source = e.source == .defaultValue ? "default" : e.source == .file ? "file" : "env \(e.setting.environmentName)"
                let value = shown(e)
                print("  \(e.setting.key): \(value.isEmpty ? "\"\"" : value)".padding(toLength: 48, withPad: " ", startingAt: 0) + "  # \(source)")
            }
        }
    }
}
