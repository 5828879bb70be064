import Columnar

/// One step down a leaf's path: the column at this level, whether it is OPTIONAL, and which of
/// its children leads on to the leaf.
struct ShredNode {
    /// Which child of this level's column the path continues into.
    enum Step {
        /// Child `index` of a struct column.
        case structField(Int)
        /// The items of a list column (through its `repeated group list`).
        case listItems
        /// The keys of a map column (through its `repeated group key_value`).
        case mapKeys
        /// The values of a map column.
        case mapItems
        /// This level is the leaf itself.
        case leaf
    }

    var step: Step
    /// The column at this level may be null (its schema element is OPTIONAL).
    var optional: Bool
}

/// One leaf column of the Parquet schema: its physical plan, full path and level limits.
struct LeafColumn {
    var plan: LeafPlan
    /// `path_in_schema`: element names from the top-level field down to the leaf.
    var path: [String]
    /// +1 per OPTIONAL or REPEATED element on the path, the leaf included.
    var maxDefinition: Int
    /// +1 per REPEATED element on the path.
    var maxRepetition: Int
    /// The Columnar levels from the top-level column down to the leaf, for level shredding.
    var nodes: [ShredNode]

    /// A top-level primitive field: no repetition and at most one definition level.
    var isFlat: Bool { nodes.count == 1 }
    /// The path joined with dots, for messages.
    var dotted: String { path.joined(separator: ".") }
}

/// A top-level field's part of the Parquet schema: its elements in depth-first order and its
/// leaf columns in schema order. Structs become groups; lists the standard three-level layout
/// (`<name>` LIST / `repeated group list` / `element`); maps `<name>` MAP /
/// `repeated group key_value` / `key` (REQUIRED) and `value` — what pyarrow writes.
struct FieldPlan {
    var elements: [SchemaElement] = []
    var leaves: [LeafColumn] = []

    /// The plan for `field`, or an error naming the first column path that cannot be written.
    static func make(_ field: Field, path: String) throws(ParquetWriteError) -> FieldPlan {
        var plan = FieldPlan()
        try plan.add(field.type, name: field.name, nullable: field.nullable, parents: [], nodes: [],
                     definition: 0, repetition: 0, file: path)
        return plan
    }

    private mutating func add(_ type: DataType, name: String, nullable: Bool, parents: [String], nodes: [ShredNode],
                              definition: Int, repetition: Int, file: String) throws(ParquetWriteError) {
        let path = parents + [name]
        let repetitionType: FieldRepetitionType = nullable ? .optional : .required
        let definition = definition + (nullable ? 1 : 0)
        func node(_ step: ShredNode.Step) -> [ShredNode] { nodes + [ShredNode(step: step, optional: nullable)] }
        switch type {
        case let .struct(fields):
            guard !fields.isEmpty else {
                throw ParquetWriteError(path: file, message: "column '\(path.joined(separator: "."))': a struct without fields cannot be written to Parquet")
            }
            elements.append(SchemaElement(name: name, repetitionType: repetitionType, numChildren: Int32(fields.count)))
            for (index, child) in fields.enumerated() {
                try add(child.type, name: child.name, nullable: child.nullable, parents: path, nodes: node(.structField(index)),
                        definition: definition, repetition: repetition, file: file)
            }
        case let .list(item):
            elements.append(SchemaElement(name: name, repetitionType: repetitionType, numChildren: 1, convertedType: .list, logicalType: .list))
            elements.append(SchemaElement(name: "list", repetitionType: .repeated, numChildren: 1))
            try add(item.type, name: "element", nullable: item.nullable, parents: path + ["list"], nodes: node(.listItems),
                    definition: definition + 1, repetition: repetition + 1, file: file)
        case let .map(keys, values, _):
            elements.append(SchemaElement(name: name, repetitionType: repetitionType, numChildren: 1, convertedType: .map, logicalType: .map))
            elements.append(SchemaElement(name: "key_value", repetitionType: .repeated, numChildren: 2))
            // Keys are always REQUIRED in Parquet; a null key is refused when the data is shredded.
            try add(keys.type, name: "key", nullable: false, parents: path + ["key_value"], nodes: node(.mapKeys),
                    definition: definition + 1, repetition: repetition + 1, file: file)
            try add(values.type, name: "value", nullable: values.nullable, parents: path + ["key_value"], nodes: node(.mapItems),
                    definition: definition + 1, repetition: repetition + 1, file: file)
        default:
            let plan = try LeafPlan.make(Field(name, type, nullable: nullable), path: file, label: path.joined(separator: "."))
            elements.append(plan.element)
            leaves.append(LeafColumn(plan: plan, path: path, maxDefinition: definition, maxRepetition: repetition, nodes: node(.leaf)))
        }
    }
}
