import Columnar

/// One leaf column of a Parquet file (a column chunk in every row group) and its Columnar type.
public struct ParquetLeafColumn: Sendable {
    /// The leaf's dotted path from the root (`prices.list.element`); a top-level leaf's name.
    public var name: String
    /// Index of the column among the file's leaves: its `ColumnChunk` in every row group.
    public var leafIndex: Int
    /// The schema element describing it.
    public var element: SchemaElement
    /// The Columnar field its values are read as (nullable when any definition level can be below the maximum).
    public var field: Field
    /// Number of OPTIONAL and REPEATED fields on the path, the leaf included.
    public var maxDefinitionLevel: Int
    /// Number of REPEATED fields on the path, the leaf included.
    public var maxRepetitionLevel: Int = 0

    public var physicalType: PhysicalType { element.type ?? .boolean }
}

/// A column of the Columnar view of a Parquet schema (a leaf, struct, list or map), with the level
/// thresholds that turn its leaves' definition and repetition levels into values, nulls and lists.
///
/// A level entry (one definition and one repetition level of a leaf) opens a new value of this
/// node when its repetition level is at most `repetitionLevel` and its definition level is at
/// least `slotDefinitionLevel` (below it, an enclosing list is null or empty, so there is no value
/// here). That value is non-null when the definition level reaches `definitionLevel`.
public final class ParquetColumnNode: Sendable {
    /// What the node is.
    public enum Kind: Sendable {
        case leaf(ParquetLeafColumn)
        case structure([ParquetColumnNode])
        /// A list; entries with definition level ≥ `elementDefinitionLevel` carry an element, and
        /// entries with repetition level `elementRepetitionLevel` add one to the current list.
        case list(element: ParquetColumnNode, elementDefinitionLevel: Int, elementRepetitionLevel: Int)
        /// A map, whose key/value entries follow the list rule.
        case map(key: ParquetColumnNode, value: ParquetColumnNode, elementDefinitionLevel: Int, elementRepetitionLevel: Int)
    }

    public let field: Field
    public let kind: Kind
    public let definitionLevel: Int
    public let repetitionLevel: Int
    public let slotDefinitionLevel: Int
    /// The leaves under this node (indices among the file's leaves), in order.
    public let leafRange: Range<Int>

    init(field: Field, kind: Kind, definitionLevel: Int, repetitionLevel: Int, slotDefinitionLevel: Int, leafRange: Range<Int>) {
        self.field = field
        self.kind = kind
        self.definitionLevel = definitionLevel
        self.repetitionLevel = repetitionLevel
        self.slotDefinitionLevel = slotDefinitionLevel
        self.leafRange = leafRange
    }

    /// Every leaf under this node, in order.
    public var leaves: [ParquetLeafColumn] {
        switch kind {
        case .leaf(let leaf): [leaf]
        case .structure(let children): children.flatMap(\.leaves)
        case .list(let element, _, _): element.leaves
        case .map(let key, let value, _, _): key.leaves + value.leaves
        }
    }
}

/// The Columnar view of a Parquet schema: one `ParquetColumnNode` per top-level column, nested
/// ones included (structs, lists in the standard 3-level and the legacy 2-level layouts, bare
/// repeated fields, maps). A top-level column that cannot be read (an unknown annotation, a
/// malformed LIST or MAP group) is recorded in `unsupported` with the error reading it gives, so
/// the other columns of the file can still be read by projection.
public struct ParquetSchemaMapping: Sendable {
    /// Deepest nesting accepted; deeper schemas are refused rather than recursed into.
    public static let maximumDepth = 64

    /// Every top-level column name in file order, readable or not.
    public var topLevelNames: [String]
    /// The readable top-level columns, in file order.
    public var columns: [ParquetColumnNode]
    /// Top-level columns that cannot be read, by name, with the reason.
    public var unsupported: [String: ParquetReadError]
    /// How many leaf columns the schema has (the number of column chunks per row group).
    public var leafCount: Int

    /// The Columnar schema of the readable columns (unsupported ones left out).
    public var schema: Schema { Schema(columns.map(\.field)) }

    /// The leaves of the readable columns, in file order.
    public var leaves: [ParquetLeafColumn] { columns.flatMap(\.leaves) }

    /// Maps `elements` (the flattened tree of `FileMetaData.schema`, root first).
    public init(_ elements: [SchemaElement]) throws(ParquetReadError) {
        let root = try SchemaTree.parse(elements)
        var names: [String] = []
        var columns: [ParquetColumnNode] = []
        var unsupported: [String: ParquetReadError] = [:]
        var seen = Set<String>()
        var leafIndex = 0
        for child in root.children {
            let name = child.element.name
            guard seen.insert(name).inserted else {
                throw ParquetReadError(kind: .corruptMetadata, column: name, message: "the schema has two top-level columns named '\(name)'")
            }
            names.append(name)
            var builder = NodeBuilder(nextLeaf: leafIndex)
            do throws(ParquetReadError) {
                columns.append(try builder.node(child, parentDefinition: 0, parentRepetition: 0, slotDefinition: 0, path: []))
            } catch {
                unsupported[name] = error
            }
            leafIndex += child.leafCount
        }
        self.topLevelNames = names
        self.columns = columns
        self.unsupported = unsupported
        self.leafCount = leafIndex
    }
}

/// The schema elements as a tree (the file stores them depth-first with child counts).
struct SchemaTree {
    var element: SchemaElement
    var children: [SchemaTree]
    var leafCount: Int

    /// Builds the tree, checking that child counts add up and the nesting is not too deep.
    static func parse(_ elements: [SchemaElement]) throws(ParquetReadError) -> SchemaTree {
        guard let root = elements.first else {
            throw ParquetReadError(kind: .corruptMetadata, message: "the schema has no root element")
        }
        let rootChildren = Int(root.numChildren ?? 0)
        guard root.isGroup, rootChildren >= 0, rootChildren < elements.count else {
            throw ParquetReadError(
                kind: .corruptMetadata,
                message: "the schema root '\(root.name)' claims \(root.numChildren.map(String.init) ?? "no") children but the schema lists \(elements.count - 1) further elements")
        }
        var position = 0
        let tree = try subtree(elements, &position, depth: 0)
        guard position == elements.count else {
            throw ParquetReadError(
                kind: .corruptMetadata,
                message: "the schema lists \(elements.count) elements but the root's children span only \(position)")
        }
        return tree
    }

    private static func subtree(_ elements: [SchemaElement], _ position: inout Int, depth: Int) throws(ParquetReadError) -> SchemaTree {
        let element = elements[position]
        position += 1
        guard element.isGroup else { return SchemaTree(element: element, children: [], leafCount: 1) }
        guard depth <= ParquetSchemaMapping.maximumDepth else {
            throw ParquetReadError(
                kind: .unsupported, column: element.name,
                message: "the schema nests deeper than \(ParquetSchemaMapping.maximumDepth) levels")
        }
        let count = Int(element.numChildren ?? 0)
        guard count >= 0, count <= elements.count - position else {
            throw ParquetReadError(
                kind: .corruptMetadata, column: element.name,
                message: depth == 0
                    ? "the schema ends before the root's \(count) children do"
                    : "group '\(element.name)' claims \(count) children, more than the schema holds")
        }
        var children: [SchemaTree] = []
        var leaves = 0
        for _ in 0 ..< count {
            guard position < elements.count else {
                throw ParquetReadError(kind: .corruptMetadata, column: element.name, message: "the schema ends inside group '\(element.name)'")
            }
            let child = try subtree(elements, &position, depth: depth + 1)
            leaves += child.leafCount
            children.append(child)
        }
        return SchemaTree(element: element, children: children, leafCount: leaves)
    }
}

/// Turns a `SchemaTree` into `ParquetColumnNode`s, numbering leaves in order.
private struct NodeBuilder {
    var nextLeaf: Int

    func unsupported(_ path: [String], _ message: String) -> ParquetReadError {
        ParquetReadError(kind: .unsupported, column: path.joined(separator: "."), message: message)
    }

    static func isList(_ element: SchemaElement) -> Bool {
        if case .list? = element.logicalType { return true }
        return element.convertedType == .list
    }

    static func isMap(_ element: SchemaElement) -> Bool {
        if case .map? = element.logicalType { return true }
        return element.convertedType == .map || element.convertedType == .mapKeyValue
    }

    /// The node for `tree`, whose parent has the given levels; a REPEATED field becomes a list of
    /// required items.
    mutating func node(
        _ tree: SchemaTree, parentDefinition: Int, parentRepetition: Int, slotDefinition: Int, path: [String]
    ) throws(ParquetReadError) -> ParquetColumnNode {
        let element = tree.element
        let repetition = element.repetitionType ?? .required
        if repetition == .repeated {
            // A bare repeated field: a non-null list whose items are the field's values.
            let first = nextLeaf
            let definition = parentDefinition + 1, repeated = parentRepetition + 1
            let item = try self.item(tree, definition: definition, repetition: repeated, path: path)
            return ParquetColumnNode(
                field: Field(element.name, .list(item.field), nullable: false),
                kind: .list(element: item, elementDefinitionLevel: definition, elementRepetitionLevel: repeated),
                definitionLevel: parentDefinition, repetitionLevel: parentRepetition, slotDefinitionLevel: slotDefinition,
                leafRange: first ..< nextLeaf)
        }
        let optional = repetition == .optional
        let definition = parentDefinition + (optional ? 1 : 0)
        return try present(tree, nullable: optional, definition: definition, repetition: parentRepetition,
                           slotDefinition: slotDefinition, path: path)
    }

    /// An item of a list or map entry: `tree` is REPEATED (or sits under a repeated group) and is
    /// present whenever its entry exists.
    mutating func item(_ tree: SchemaTree, definition: Int, repetition: Int, path: [String]) throws(ParquetReadError) -> ParquetColumnNode {
        try present(tree, nullable: false, definition: definition, repetition: repetition, slotDefinition: definition, path: path)
    }

    /// The node for a non-repeated field at `definition`/`repetition`.
    mutating func present(
        _ tree: SchemaTree, nullable: Bool, definition: Int, repetition: Int, slotDefinition: Int, path: [String]
    ) throws(ParquetReadError) -> ParquetColumnNode {
        let element = tree.element
        let path = path + [element.name]
        let first = nextLeaf
        func make(_ type: DataType, _ kind: ParquetColumnNode.Kind) -> ParquetColumnNode {
            ParquetColumnNode(field: Field(element.name, type, nullable: nullable), kind: kind, definitionLevel: definition,
                              repetitionLevel: repetition, slotDefinitionLevel: slotDefinition, leafRange: first ..< nextLeaf)
        }
        if !element.isGroup {
            var leafElement = element
            leafElement.name = path.joined(separator: ".")
            let type = try ParquetSchemaMapping.dataType(of: leafElement)
            let leaf = ParquetLeafColumn(
                name: leafElement.name, leafIndex: nextLeaf, element: element,
                field: Field(element.name, type, nullable: nullable),
                maxDefinitionLevel: definition, maxRepetitionLevel: repetition)
            nextLeaf += 1
            return make(type, .leaf(leaf))
        }
        if Self.isList(element) { return try list(tree, nullable: nullable, definition: definition, repetition: repetition, slotDefinition: slotDefinition, path: path) }
        if Self.isMap(element) { return try map(tree, nullable: nullable, definition: definition, repetition: repetition, slotDefinition: slotDefinition, path: path) }
        guard !tree.children.isEmpty else { throw unsupported(path, "group '\(path.joined(separator: "."))' has no columns") }
        var children: [ParquetColumnNode] = []
        for child in tree.children {
            children.append(try node(child, parentDefinition: definition, parentRepetition: repetition, slotDefinition: slotDefinition, path: path))
        }
        return make(.struct(children.map(\.field)), .structure(children))
    }

    /// A LIST-annotated group: one REPEATED child, which is either the element (legacy 2-level
    /// layouts: a repeated primitive, a repeated group of several fields, or a group named `array`
    /// or `<list>_tuple`) or the standard `list` group around a single `element`.
    mutating func list(
        _ tree: SchemaTree, nullable: Bool, definition: Int, repetition: Int, slotDefinition: Int, path: [String]
    ) throws(ParquetReadError) -> ParquetColumnNode {
        let first = nextLeaf
        let name = path.joined(separator: ".")
        guard tree.children.count == 1, let repeated = tree.children.first, repeated.element.repetitionType == .repeated else {
            throw unsupported(path, "LIST group '\(name)' must have exactly one REPEATED child")
        }
        let elementDefinition = definition + 1, elementRepetition = repetition + 1
        let element: ParquetColumnNode
        let repeatedElement = repeated.element
        if !repeatedElement.isGroup || repeated.children.count > 1 || repeatedElement.name == "array"
            || repeatedElement.name == tree.element.name + "_tuple"
        {
            element = try item(repeated, definition: elementDefinition, repetition: elementRepetition, path: path)
        } else {
            guard let child = repeated.children.first else {
                throw unsupported(path, "LIST group '\(name)' has an empty repeated group")
            }
            element = try node(child, parentDefinition: elementDefinition, parentRepetition: elementRepetition,
                               slotDefinition: elementDefinition, path: path + [repeatedElement.name])
        }
        return ParquetColumnNode(
            field: Field(tree.element.name, .list(element.field), nullable: nullable),
            kind: .list(element: element, elementDefinitionLevel: elementDefinition, elementRepetitionLevel: elementRepetition),
            definitionLevel: definition, repetitionLevel: repetition, slotDefinitionLevel: slotDefinition,
            leafRange: first ..< nextLeaf)
    }

    /// A MAP (or MAP_KEY_VALUE) group: one REPEATED group holding a key and a value.
    mutating func map(
        _ tree: SchemaTree, nullable: Bool, definition: Int, repetition: Int, slotDefinition: Int, path: [String]
    ) throws(ParquetReadError) -> ParquetColumnNode {
        let first = nextLeaf
        let name = path.joined(separator: ".")
        guard tree.children.count == 1, let entries = tree.children.first, entries.element.repetitionType == .repeated,
              entries.element.isGroup, entries.children.count == 1 || entries.children.count == 2
        else {
            throw unsupported(path, "MAP group '\(name)' must hold one REPEATED group of a key and a value")
        }
        let entryDefinition = definition + 1, entryRepetition = repetition + 1
        let entryPath = path + [entries.element.name]
        if entries.children.count == 1 {
            // Keys without values: read as the list of keys, as Arrow does.
            let key = try node(entries.children[0], parentDefinition: entryDefinition, parentRepetition: entryRepetition,
                               slotDefinition: entryDefinition, path: entryPath)
            return ParquetColumnNode(
                field: Field(tree.element.name, .list(key.field), nullable: nullable),
                kind: .list(element: key, elementDefinitionLevel: entryDefinition, elementRepetitionLevel: entryRepetition),
                definitionLevel: definition, repetitionLevel: repetition, slotDefinitionLevel: slotDefinition,
                leafRange: first ..< nextLeaf)
        }
        let key = try node(entries.children[0], parentDefinition: entryDefinition, parentRepetition: entryRepetition,
                           slotDefinition: entryDefinition, path: entryPath)
        let value = try node(entries.children[1], parentDefinition: entryDefinition, parentRepetition: entryRepetition,
                             slotDefinition: entryDefinition, path: entryPath)
        return ParquetColumnNode(
            field: Field(tree.element.name, .map(keys: key.field, values: value.field, keysSorted: false), nullable: nullable),
            kind: .map(key: key, value: value, elementDefinitionLevel: entryDefinition, elementRepetitionLevel: entryRepetition),
            definitionLevel: definition, repetitionLevel: repetition, slotDefinitionLevel: slotDefinition,
            leafRange: first ..< nextLeaf)
    }
}
