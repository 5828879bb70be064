import Columnar

/// Rebuilds a nested column (structs, lists, maps, at any depth) from the decoded definition and
/// repetition levels and dense values of its leaves.
///
/// Each node is built from the levels of its first leaf (all leaves under a node agree on the
/// levels of the node and its ancestors): an entry opens a value of the node when its repetition
/// level is at most the node's and its definition level reaches the node's slot level; the value
/// is non-null when the definition level reaches the node's own. Lists count an element for each
/// entry that reaches the element's definition level, and one more for each following entry at
/// the element's repetition level. Every count is cross-checked between a node and its children,
/// so leaves that disagree give an error rather than misaligned rows.
struct LevelAssembler {
    /// The decoded chunks of the leaves being read, by leaf index.
    let chunks: [Int: ChunkState]
    /// The file's path, for errors.
    let path: String

    /// An error naming the node's first leaf and where its column chunk starts.
    func fail(_ node: ParquetColumnNode, _ message: String) -> ParquetReadError {
        ParquetReadError(kind: .corruptPage, path: path, column: node.leaves.first?.name ?? node.field.name,
                         offset: chunks[node.leafRange.lowerBound]?.fileOffset, message: message)
    }

    /// Level reader for the first leaf under `node`.
    func levels(of node: ParquetColumnNode) throws(ParquetReadError) -> ChunkState {
        guard let chunk = chunks[node.leafRange.lowerBound] else {
            throw fail(node, "leaf \(node.leafRange.lowerBound) was not decoded")
        }
        return chunk
    }

    /// The column for `node`.
    func assemble(_ node: ParquetColumnNode) throws(ParquetReadError) -> Column {
        let chunk = try levels(of: node)
        let definitions = chunk.definitionLevels
        let repetitions = chunk.repetitionLevels
        let entries = chunk.entriesRead
        let slotRepetition = node.repetitionLevel
        let slotDefinition = node.slotDefinitionLevel
        let present = node.definitionLevel
        @inline(__always) func def(_ i: Int) -> Int { definitions.isEmpty ? 0 : Int(definitions[i]) }
        @inline(__always) func rep(_ i: Int) -> Int { repetitions.isEmpty ? 0 : Int(repetitions[i]) }
        @inline(__always) func opensSlot(_ i: Int) -> Bool { rep(i) <= slotRepetition && def(i) >= slotDefinition }

        switch node.kind {
        case .leaf:
            var validity: [Bool] = []
            validity.reserveCapacity(entries)
            var anyNull = false
            for i in 0 ..< entries where opensSlot(i) {
                let valid = def(i) >= present
                anyNull = anyNull || !valid
                validity.append(valid)
            }
            let nonNull = entries - chunk.nullCount
            let setCount = anyNull ? validity.reduce(0) { $0 + ($1 ? 1 : 0) } : validity.count
            guard setCount == nonNull else {
                throw fail(node, "the leaf's levels place \(setCount) values but its pages hold \(nonNull)")
            }
            return try chunk.column(validity: anyNull ? validity : nil, count: validity.count)

        case .structure(let children):
            var validity: [Bool] = []
            var anyNull = false
            for i in 0 ..< entries where opensSlot(i) {
                let valid = def(i) >= present
                anyNull = anyNull || !valid
                validity.append(valid)
            }
            var columns: [Column] = []
            for child in children {
                let column = try assemble(child)
                guard column.count == validity.count else {
                    throw fail(child, "leaves of struct '\(node.field.name)' disagree: \(column.count) values where its levels give \(validity.count)")
                }
                columns.append(column)
            }
            do throws(ColumnarError) {
                return .struct(try StructColumn(fields: children.map(\.field), children: columns, count: validity.count,
                                                validity: anyNull ? Bitmap(validity) : nil))
            } catch {
                throw fail(node, "cannot assemble struct '\(node.field.name)': \(error)")
            }

        case .list(let element, let elementDefinition, let elementRepetition):
            let (offsets, validity, total) = try listOffsets(node, chunk, elementDefinition: elementDefinition,
                                                             elementRepetition: elementRepetition)
            let values = try assemble(element)
            guard values.count == total else {
                throw fail(element, "list '\(node.field.name)' has \(total) elements but its leaves give \(values.count)")
            }
            do throws(ColumnarError) {
                return .list(try ListColumn(field: element.field, offsets: Buffer(copying: offsets), values: values,
                                            count: offsets.count - 1, validity: validity.map { Bitmap($0) }))
            } catch {
                throw fail(node, "cannot assemble list '\(node.field.name)': \(error)")
            }

        case .map(let key, let value, let elementDefinition, let elementRepetition):
            let (offsets, validity, total) = try listOffsets(node, chunk, elementDefinition: elementDefinition,
                                                             elementRepetition: elementRepetition)
            let keys = try assemble(key)
            let items = try assemble(value)
            guard keys.count == total, items.count == total else {
                throw fail(node, "map '\(node.field.name)' has \(total) entries but its leaves give \(keys.count) keys and \(items.count) values")
            }
            do throws(ColumnarError) {
                return .map(try MapColumn(keyField: key.field, valueField: value.field, offsets: Buffer(copying: offsets),
                                          keys: keys, items: items, count: offsets.count - 1, validity: validity.map { Bitmap($0) }))
            } catch {
                throw fail(node, "cannot assemble map '\(node.field.name)': \(error)")
            }
        }
    }

    /// Offsets (one more than the list's values), validity (nil when none is null) and element
    /// count of a list or map node.
    private func listOffsets(
        _ node: ParquetColumnNode, _ chunk: ChunkState, elementDefinition: Int, elementRepetition: Int
    ) throws(ParquetReadError) -> (offsets: [Int32], validity: [Bool]?, total: Int) {
        let definitions = chunk.definitionLevels
        let repetitions = chunk.repetitionLevels
        guard !repetitions.isEmpty || chunk.entriesRead == 0 else {
            throw fail(node, "list '\(node.field.name)' has no repetition levels")
        }
        var offsets: [Int32] = [0]
        var validity: [Bool] = []
        var anyNull = false
        var total = 0
        for i in 0 ..< chunk.entriesRead {
            let r = Int(repetitions[i])
            let d = definitions.isEmpty ? 0 : Int(definitions[i])
            if r <= node.repetitionLevel {
                guard d >= node.slotDefinitionLevel else { continue }
                if !validity.isEmpty { offsets.append(Int32(truncatingIfNeeded: total)) }
                let valid = d >= node.definitionLevel
                anyNull = anyNull || !valid
                validity.append(valid)
                if d >= elementDefinition { total += 1 }
            } else if r == elementRepetition {
                guard !validity.isEmpty else {
                    throw fail(node, "entry \(i) continues a list of '\(node.field.name)' before any list started")
                }
                total += 1
            }
            guard total <= Int(Int32.max) else {
                throw fail(node, "list '\(node.field.name)' has more than \(Int32.max) elements in one row group")
            }
        }
        if !validity.isEmpty { offsets.append(Int32(total)) }
        return (offsets, anyNull ? validity : nil, total)
    }
}
