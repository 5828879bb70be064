/// A parsed expression; `offset` is the token errors about this node point at and `text` its source.
struct TemplateExpr: Sendable {
    enum BinaryOp: String, Sendable { case add = "+", subtract = "-", concat = "~" }

    indirect enum Kind: Sendable {
        case literal(Value)
        case name(String)
        /// `base.name`; the node's offset is the name's.
        case attribute(TemplateExpr, String)
        /// `base[index]`; the node's offset is the index expression's.
        case index(TemplateExpr, TemplateExpr)
        /// `callee(args)`; the node's offset is the callee's anchor (`xcom`, or `ds_add` in `macros.ds_add`).
        case call(TemplateExpr, [TemplateExpr])
        /// `operand | name(args)`; the node's offset is the filter name's.
        case filter(TemplateExpr, String, [TemplateExpr])
        case negate(TemplateExpr)
        case binary(BinaryOp, TemplateExpr, TemplateExpr)
    }

    var kind: Kind
    var offset: Int
    /// The expression as written, for messages such as "'conf.x' is not set".
    var text: String
    /// Levels of nodes below and including this one; bounded so that evaluating (which recurses)
    /// cannot overflow the stack on a pathological chain like `x | f | f | ...`.
    var height: Int

    init(kind: Kind, offset: Int, text: String) {
        self.kind = kind
        self.offset = offset
        self.text = text
        switch kind {
        case .literal, .name: height = 1
        case .attribute(let base, _): height = base.height + 1
        case .negate(let operand): height = operand.height + 1
        case .index(let base, let index): height = max(base.height, index.height) + 1
        case .binary(_, let lhs, let rhs): height = max(lhs.height, rhs.height) + 1
        case .call(let callee, let args): height = args.reduce(callee.height) { max($0, $1.height) } + 1
        case .filter(let operand, _, let args): height = args.reduce(operand.height) { max($0, $1.height) } + 1
        }
    }
}

/// A piece of a template: literal text or one `{{ expression }}` block.
enum TemplateSegment: Sendable {
    case text(String)
    case expression(TemplateExpr)
}
