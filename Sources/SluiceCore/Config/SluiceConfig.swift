import Foundation

/// The effective configuration: defaults, overridden by `scheduler.yaml`, overridden by
/// `SLUICE__SECTION__KEY` environment variables. Relative paths resolve against the config
/// file's folder (or the working directory when there is no file).
public struct SluiceConfig: Sendable {
    /// Where a setting's value came from.
    public enum Source: String, Sendable { case defaultValue = "default", file, environment }

    /// One resolved setting.
    public struct Entry: Sendable {
        public var setting: ConfigSetting
        public var text: String
        public var source: Source
    }

    public private(set) var entries: [Entry]
    /// The config file read, if any.
    public var file: String?
    /// Folder relative paths are resolved against.
    public var baseDirectory: String

    /// Loads `path` (missing is fine unless `required`) and applies `environment` overrides.
    /// Every problem is reported, each with its file position or variable name.
    public static func load(path: String, required: Bool, environment: [String: String] = ProcessInfo.processInfo.environment) throws(ConfigError) -> SluiceConfig {
        let absolute = Self.absolute(path, base: FileManager.default.currentDirectoryPath)
        var config = SluiceConfig(
            entries: ConfigSchema.settings.map { Entry(setting: $0, text: $0.defaultValue, source: .defaultValue) },
            file: nil, baseDirectory: FileManager.default.currentDirectoryPath)
        var bag = DiagnosticBag(file: path)
        if FileManager.default.fileExists(atPath: absolute) {
            config.file = absolute
            config.baseDirectory = (absolute as NSString).deletingLastPathComponent
            guard let data = FileManager.default.contents(atPath: absolute), let text = String(data: data, encoding: .utf8) else {
                throw ConfigError(problems: ["\(path):1:1: error: cannot read the configuration file as UTF-8 text"])
            }
            config.applyFile(text, bag: &bag)
        } else if required {
            throw ConfigError(problems: ["\(path): error: configuration file not found"])
        }
        var problems = bag.sorted.map(\.description)
        problems += config.applyEnvironment(environment)
        if !problems.isEmpty { throw ConfigError(problems: problems) }
        return config
    }

    private mutating func applyFile(_ text: String, bag: inout DiagnosticBag) {
        let document: YAMLDocument
        do {
            document = try YAMLParser.parse(text, diagnostics: &bag)
        } catch {
            bag.error(error.message, at: error.location)
            return
        }
        guard let root = document.root, !root.isNull else { return }
        guard let sections = root.mapping else {
            bag.error("the configuration must be a mapping of sections (core, executor, ...), found \(root.kindDescription)", at: root.location)
            return
        }
        for section in sections {
            guard let name = section.key.scalarText else { continue }
            guard ConfigSchema.sections.contains(name) else {
                bag.error("unknown section '\(name)'\(Spelling.didYouMean(name, among: ConfigSchema.sections))", at: section.key.location)
                continue
            }
            guard let pairs = section.value.mapping else {
                if !section.value.isNull {
                    bag.error("section '\(name)' must be a mapping, found \(section.value.kindDescription)", at: section.value.location)
                }
                continue
            }
            let known = ConfigSchema.settings.filter { $0.section == name }.map(\.key)
            for pair in pairs {
                guard let key = pair.key.scalarText else { continue }
                guard let index = entries.firstIndex(where: { $0.setting.section == name && $0.setting.key == key }) else {
                    bag.error("unknown key '\(key)' in section '\(name)'\(Spelling.didYouMean(key, among: known))", at: pair.key.location)
                    continue
                }
                guard let text = pair.value.scalarText else {
                    bag.error("\(name).\(key) must be a single value, found \(pair.value.kindDescription)", at: pair.value.location)
                    continue
                }
                if let problem = Self.problem(text, entries[index].setting) {
                    bag.error("\(name).\(key): \(problem)", at: pair.value.location)
                    continue
                }
                entries[index].text = text
                entries[index].source = .file
            }
        }
    }

    private mutating func applyEnvironment(_ environment: [String: String]) -> [String] {
        var problems: [String] = []
        for (name, value) in environment.sorted(by: { $0.key < $1.key }) where name.hasPrefix("SLUICE__") {
            guard let index = entries.firstIndex(where: { $0.setting.environmentName == name }) else {
                let known = entries.map(\.setting.environmentName)
                problems.append("environment variable \(name): no such setting\(Spelling.didYouMean(name, among: known))")
                continue
            }
            if let problem = Self.problem(value, entries[index].setting) {
                problems.append("environment variable \(name): \(problem)")
                continue
            }
            entries[index].text = value
            entries[index].source = .environment
        }
        return problems
    }

    static func problem(_ text: String, _ setting: ConfigSetting) -> String? {
        switch setting.kind {
        case .string, .path: return nil
        case .int: return Int(text) == nil ? "'\(text)' is not an integer" : nil
        case .bool: return ["true", "false"].contains(text.lowercased()) ? nil : "'\(text)' is not true or false"
        case .duration: return DurationText.seconds(text) == nil ? "'\(text)' is not a duration (e.g. 30s, 5m)" : nil
        case .choice:
            return setting.choices.contains(text) ? nil
                : "'\(text)' is not one of \(setting.choices.joined(separator: ", "))\(Spelling.didYouMean(text, among: setting.choices))"
        }
    }

    public func entry(_ section: String, _ key: String) -> Entry {
        guard let e = entries.first(where: { $0.setting.section == section && $0.setting.key == key }) else {
            preconditionFailure("unknown setting \(section).\(key): add it to ConfigSchema")
        }
        return e
    }

    public func string(_ section: String, _ key: String) -> String { entry(section, key).text }
    public func int(_ section: String, _ key: String) -> Int { Int(entry(section, key).text) ?? 0 }
    public func seconds(_ section: String, _ key: String) -> Double { DurationText.seconds(entry(section, key).text) ?? 0 }
    /// A `.path` setting resolved against the config file's folder.
    public func path(_ section: String, _ key: String) -> String { Self.absolute(entry(section, key).text, base: baseDirectory) }

    public var dagsFolder: String { path("core", "dags_folder") }
    public var pluginsFolder: String { path("core", "plugins_folder") }
    public var defaultTimezone: String { string("core", "default_timezone") }

    static func absolute(_ path: String, base: String) -> String {
        if path.hasPrefix("/") { return path }
        if path.hasPrefix("~/") { return NSHomeDirectory() + path.dropFirst(1) }
        let joined = (base as NSString).appendingPathComponent(path)
        return (joined as NSString).standardizingPath
    }
}

/// A configuration that could not be loaded, with one line per problem.
public struct ConfigError: Error, Sendable, CustomStringConvertible {
    public var problems: [String]
    public var description: String { problems.joined(separator: "\n") }
}
