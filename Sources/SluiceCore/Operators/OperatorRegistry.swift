/// The operators a DAG may use, by name. Built-ins are registered first; plugins add theirs.
public struct OperatorRegistry: Sendable {
    public private(set) var descriptors: [String: OperatorDescriptor] = [:]

    public init() {}

    /// The registry with Sluice's built-in operators.
    public static var builtin: OperatorRegistry {
        var registry = OperatorRegistry()
        registry.register(EmptyOperator.descriptor)
        registry.register(BashOperator.descriptor)
        registry.register(SleepOperator.descriptor)
        return registry
    }

    /// Adds or replaces an operator.
    public mutating func register(_ descriptor: OperatorDescriptor) {
        descriptors[descriptor.name] = descriptor
    }

    public func descriptor(named name: String) -> OperatorDescriptor? { descriptors[name] }

    public var names: [String] { descriptors.keys.sorted() }

    /// Checks rendered argument values against the schema and converts them to their canonical
    /// form (durations to seconds, numeric strings from templates to numbers), applying defaults.
    public static func coerce(_ arguments: Value, for descriptor: OperatorDescriptor) throws(TaskFailure) -> OperatorArguments {
        var result: [String: Value] = [:]
        let supplied = arguments.mapValue ?? []
        for spec in descriptor.arguments {
            guard let raw = supplied.first(where: { $0.key == spec.name })?.value, !raw.isNull else {
                if spec.required { throw TaskFailure("argument '\(spec.name)' of operator '\(descriptor.name)' is required") }
                if let d = spec.defaultValue { result[spec.name] = try coerce(d, spec, descriptor) }
                continue
            }
            result[spec.name] = try coerce(raw, spec, descriptor)
        }
        return OperatorArguments(result)
    }

    private static func coerce(_ value: Value, _ spec: ArgumentSpec, _ d: OperatorDescriptor) throws(TaskFailure) -> Value {
        func fail(_ why: String) -> TaskFailure {
            TaskFailure("argument '\(spec.name)' of operator '\(d.name)': \(why)")
        }
        let converted: Value
        switch (spec.type, value) {
        case let (.duration, .string(s)):
            guard let seconds = DurationText.seconds(s) else { throw fail("'\(s)' is not a duration") }
            converted = .double(seconds)
        case let (.duration, v) where v.doubleValue != nil:
            converted = .double(v.doubleValue!)
        case let (.int, .string(s)):
            guard let i = Int64(s.trimmingCharacters(in: .whitespaces)) else { throw fail("'\(s)' is not an integer") }
            converted = .int(i)
        case let (.number, .string(s)):
            guard let x = Double(s.trimmingCharacters(in: .whitespaces)) else { throw fail("'\(s)' is not a number") }
            converted = .double(x)
        case let (.bool, .string(s)):
            switch s.lowercased() {
            case "true": converted = .bool(true)
            case "false": converted = .bool(false)
            default: throw fail("'\(s)' is not true or false")
            }
        default:
            converted = value
        }
        if let problem = spec.type.problem(with: converted) { throw fail(problem) }
        if let allowed = spec.allowed, let s = converted.stringValue, !allowed.contains(s) {
            throw fail("'\(s)' is not one of \(allowed.joined(separator: ", "))")
        }
        return converted
    }
}

import Foundation
