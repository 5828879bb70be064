/// An operator-argument string parsed once into literal text and `{{ expression }}` blocks.
///
/// Parse at DAG-load time, `validate` against the DAG's scope, then `render` for each task try.
/// Rendering has no side effects: the only outside data it reads comes through the context.
public struct Template: Sendable, Hashable {
    /// The text as written.
    public let source: String
    let segments: [TemplateSegment]

    /// Parses `source`, throwing its first syntax issue (use `validate` to see all of them).
    public init(parsing source: String) throws(TemplateIssue) {
        let parsed = TemplateParser.segments(of: Array(source.unicodeScalars))
        if let first = parsed.issues.first { throw first }
        self.source = source
        self.segments = parsed.segments
    }

    /// True when the source has no `{{ }}` block, so rendering returns it unchanged.
    public var isConstant: Bool {
        !segments.contains { if case .expression = $0 { return true }; return false }
    }

    /// True when the whole source is one `{{ expression }}` block with no text around it (not even
    /// spaces); only then does `renderValue` keep the expression's type.
    public var isSingleExpression: Bool {
        if segments.count == 1, case .expression = segments[0] { return true }
        return false
    }

    /// Every syntax and name problem in `source`, in source order: unknown variables, params,
    /// attributes, macros and filters, wrong argument counts, and `xcom` of tasks not in the DAG.
    public static func validate(_ source: String, scope: TemplateScope) -> [TemplateIssue] {
        let parsed = TemplateParser.segments(of: Array(source.unicodeScalars))
        var checker = TemplateChecker(scope: scope)
        for case .expression(let expr) in parsed.segments { checker.checkValue(expr) }
        return sortedBySource(parsed.issues + checker.issues)
    }

    /// The name problems in this (already syntactically valid) template.
    public func issues(in scope: TemplateScope) -> [TemplateIssue] {
        var checker = TemplateChecker(scope: scope)
        for case .expression(let expr) in segments { checker.checkValue(expr) }
        return Self.sortedBySource(checker.issues)
    }

    // Parsing is deterministic, so the source alone identifies a template.
    public static func == (lhs: Template, rhs: Template) -> Bool { lhs.source == rhs.source }
    public func hash(into hasher: inout Hasher) { hasher.combine(source) }

    private static func sortedBySource(_ issues: [TemplateIssue]) -> [TemplateIssue] {
        // Stable: two issues at one offset stay in the order they were found.
        issues.enumerated().sorted { ($0.element.offset, $0.offset) < ($1.element.offset, $1.offset) }.map(\.element)
    }

    /// The text with every block replaced by its value's `renderedText` (strings bare, null as
    /// nothing, numbers, lists and mappings as JSON).
    public func render(_ context: TemplateContext) throws(TemplateRenderError) -> String {
        let evaluator = TemplateEvaluator(context: context)
        var out = ""
        for segment in segments {
            switch segment {
            case .text(let text): out += text
            case .expression(let expr): out += try evaluator.value(of: expr).renderedText
            }
        }
        return out
    }

    /// Like `render`, but a template that is exactly one `{{ expression }}` block keeps the
    /// expression's type: `{{ params.n }}` with an int param gives `.int`, `{{ prev_ds }}` on a
    /// first run gives `.null`. Anything else gives `.string(render(context))`.
    public func renderValue(_ context: TemplateContext) throws(TemplateRenderError) -> Value {
        if segments.count == 1, case .expression(let expr) = segments[0] {
            return try TemplateEvaluator(context: context).value(of: expr)
        }
        return .string(try render(context))
    }
}

/// A template that could not be rendered with a run's data (a missing conf key or XCom, a type error).
public struct TemplateRenderError: Error, Sendable, Hashable, CustomStringConvertible {
    /// 0-based offset in Unicode scalars from the start of the source, at the expression that failed.
    public let offset: Int
    public let message: String

    public init(offset: Int, message: String) {
        self.offset = offset
        self.message = message
    }

    public var description: String { "offset \(offset): \(message)" }
}
