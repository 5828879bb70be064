import SluiceCore

/// A named list of factors, defined as YAML data: the built-in sets (`alpha158`, `alpha360`,
/// `ta`) and users' files share the format.
///
/// ```yaml
/// name: my_factors
/// description: what they are for
/// factors:
///   - name: MOM20
///     expr: $close / Ref($close, 20) - 1
/// ```
public struct FactorSet: Sendable {
    public var name: String
    public var description: String
    /// Notes users should see with the output (how `$vwap` was derived, deliberate differences).
    public var notes: [String]
    public var factors: [(name: String, expression: String)]

    /// The built-in sets by name.
    public static let builtinNames = ["alpha158", "alpha360", "ta"]

    /// A built-in set, or a YAML file's.
    public static func load(_ nameOrPath: String) throws(FactorSetError) -> FactorSet {
        switch nameOrPath {
        case "alpha158": return try parse(BuiltinSets.alpha158, file: "<built-in alpha158>")
        case "alpha360": return try parse(BuiltinSets.alpha360, file: "<built-in alpha360>")
        case "ta": return try parse(BuiltinSets.ta, file: "<built-in ta>")
        default:
            guard nameOrPath.hasSuffix(".yaml") || nameOrPath.hasSuffix(".yml") else {
                throw FactorSetError("unknown factor set '\(nameOrPath)': expected one of \(builtinNames.joined(separator: ", ")) or a .yaml file")
            }
            return try parse(try TextFile.read(nameOrPath), file: nameOrPath)
        }
    }

    /// The YAML text of a built-in set (for `sluice factors list --yaml`).
    public static func builtinText(_ name: String) -> String? {
        switch name {
        case "alpha158": BuiltinSets.alpha158
        case "alpha360": BuiltinSets.alpha360
        case "ta": BuiltinSets.ta
        default: nil
        }
    }

    /// Parses a set's YAML; errors name file:line:column and what was expected.
    public static func parse(_ text: String, file: String) throws(FactorSetError) -> FactorSet {
        var diagnostics = DiagnosticBag(file: file)
        let document: YAMLDocument
        do throws(YAMLSyntaxError) {
            document = try YAMLParser.parse(text, diagnostics: &diagnostics)
        } catch {
            throw FactorSetError("\(file):\(error.location.line):\(error.location.column): \(error.message)")
        }
        guard let root = document.root, let pairs = root.mapping else {
            throw FactorSetError("\(file):1:1: expected a mapping with name, description and factors")
        }
        func place(_ node: YAMLNode) -> String { "\(file):\(node.location.line):\(node.location.column)" }
        var set = FactorSet(name: "", description: "", notes: [], factors: [])
        var factorsNode: YAMLNode?
        for pair in pairs {
            switch pair.key.scalarText {
            case "name": set.name = pair.value.scalarText ?? ""
            case "description": set.description = pair.value.scalarText ?? ""
            case "notes":
                guard let items = pair.value.sequence else { throw FactorSetError("\(place(pair.value)): notes must be a list of strings") }
                set.notes = items.compactMap(\.scalarText)
            case "factors": factorsNode = pair.value
            default:
                throw FactorSetError("\(place(pair.key)): unknown key '\(pair.key.scalarText ?? "?")' (expected name, description, notes, factors)")
            }
        }
        guard let factorsNode else { throw FactorSetError("\(place(root)): the set has no 'factors' list") }
        if let items = factorsNode.sequence {
            for item in items {
                guard let fields = item.mapping else { throw FactorSetError("\(place(item)): expected a factor as {name: ..., expr: ...}") }
                var name: String?
                var expression: String?
                for field in fields {
                    switch field.key.scalarText {
                    case "name": name = field.value.scalarText
                    case "expr", "expression": expression = field.value.scalarText
                    default: throw FactorSetError("\(place(field.key)): unknown key '\(field.key.scalarText ?? "?")' in a factor (expected name, expr)")
                    }
                }
                guard let name, !name.isEmpty else { throw FactorSetError("\(place(item)): a factor needs a name") }
                guard let expression, !expression.isEmpty else { throw FactorSetError("\(place(item)): factor '\(name)' needs an expr") }
                set.factors.append((name, expression))
            }
        } else if let mapping = factorsNode.mapping {
            for pair in mapping {
                guard let name = pair.key.scalarText, let expression = pair.value.scalarText else {
                    throw FactorSetError("\(place(pair.key)): expected NAME: EXPRESSION")
                }
                set.factors.append((name, expression))
            }
        } else {
            throw FactorSetError("\(place(factorsNode)): factors must be a list of {name, expr} or a mapping NAME: EXPRESSION")
        }
        guard !set.factors.isEmpty else { throw FactorSetError("\(place(factorsNode)): the set defines no factors") }
        // Compile now so a bad expression is reported with its place in the file.
        let places: [String: String] = {
            var result: [String: String] = [:]
            if let items = factorsNode.sequence {
                for item in items {
                    guard let fields = item.mapping else { continue }
                    let name = fields.first { $0.key.scalarText == "name" }?.value.scalarText
                    if let name, let expr = fields.first(where: { ["expr", "expression"].contains($0.key.scalarText) }) { result[name] = place(expr.value) }
                }
            } else if let mapping = factorsNode.mapping {
                for pair in mapping { if let name = pair.key.scalarText { result[name] = place(pair.value) } }
            }
            return result
        }()
        do throws(FactorCompileError) {
            _ = try FactorPlan(factors: set.factors)
        } catch {
            throw FactorSetError("\(places[error.factor] ?? file): factor '\(error.factor)'" + (error.column.map { ", column \($0) of its expression" } ?? "") + ": \(error.message)")
        }
        return set
    }
}

/// Why a factor set cannot be loaded.
public struct FactorSetError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

#if canImport(Glibc)
import Glibc
#endif

/// Whole-file reads for factor set files.
enum TextFile {
    static func read(_ path: String) throws(FactorSetError) -> String {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw FactorSetError("\(path): cannot open: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let got = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if got < 0 { throw FactorSetError("\(path): cannot read: \(String(cString: strerror(errno)))") }
            if got == 0 { break }
            bytes.append(contentsOf: chunk[0 ..< got])
        }
        guard let text = String(validating: bytes, as: UTF8.self) else { throw FactorSetError("\(path): not UTF-8 text") }
        return text
    }
}
