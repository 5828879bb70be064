import Columnar

/// A nested leaf's levels for one row group: one definition and repetition level per entry,
/// and the rows of the innermost (leaf) Columnar column that hold its non-null values, in order.
struct ShreddedLeaf {
    /// Empty when the leaf's max definition level is 0.
    var definition: [Int32]
    /// Empty when the leaf's max repetition level is 0.
    var repetition: [Int32]
    /// The number of level entries.
    var entryCount: Int
    /// The leaf column (the last child on the path), unsliced as Columnar stores it.
    var column: Column
    /// Rows of `column` whose values are written (entries at the max definition level).
    var valueRows: [Int32]
}

/// Computes Dremel definition and repetition levels for one leaf of a nested column, walking
/// from the top-level column down the leaf's path. Each entry carries the row it has reached in
/// the current column, or -1 once it stopped above the leaf (a null or an empty list or map).
/// Null struct, list and map rows keep child slots in Columnar; those are skipped, never read.
enum LevelShredder {
    static func shred(_ column: Column, leaf: LeafColumn, file: String) throws(ParquetWriteError) -> ShreddedLeaf {
        let rows = column.count
        var definition = [Int32](repeating: 0, count: rows)
        var repetition = [Int32](repeating: 0, count: rows)
        var index = [Int32](repeating: 0, count: rows)
        for i in 0..<rows { index[i] = Int32(i) }
        var current = column
        var repeatedDepth: Int32 = 0
        for node in leaf.nodes {
            // Nulls at this level end their entries here; valid values go one definition level deeper.
            let validity = current.validity
            if validity != nil || node.optional {
                for e in 0..<index.count where index[e] >= 0 {
                    if let validity, !validity[Int(index[e])] {
                        guard node.optional else {
                            throw ParquetWriteError(path: file, message: "column '\(leaf.dotted)': a null at a level that is not nullable (a non-nullable field or a map key)")
                        }
                        index[e] = -1
                    } else if node.optional {
                        definition[e] += 1
                    }
                }
            }
            func mismatch() -> ParquetWriteError {
                ParquetWriteError(path: file, message: "column '\(leaf.dotted)': its data (\(current.dataType)) does not match the schema")
            }
            switch node.step {
            case .leaf:
                break
            case let .structField(child):
                guard case let .struct(s) = current, child < s.children.count else { throw mismatch() }
                current = s.children[child]
            case .listItems:
                guard case let .list(l) = current else { throw mismatch() }
                repeatedDepth += 1
                l.withUnsafeOffsets { bounds in
                    expand(bounds, depth: repeatedDepth, definition: &definition, repetition: &repetition, index: &index)
                }
                current = l.values
            case .mapKeys, .mapItems:
                guard case let .map(m) = current else { throw mismatch() }
                repeatedDepth += 1
                m.withUnsafeOffsets { bounds in
                    expand(bounds, depth: repeatedDepth, definition: &definition, repetition: &repetition, index: &index)
                }
                if case .mapKeys = node.step { current = m.keys } else { current = m.items }
            }
        }
        var valueRows: [Int32] = []
        valueRows.reserveCapacity(index.count)
        for i in index where i >= 0 { valueRows.append(i) }
        return ShreddedLeaf(definition: leaf.maxDefinition == 0 ? [] : definition,
                            repetition: leaf.maxRepetition == 0 ? [] : repetition,
                            entryCount: index.count, column: current, valueRows: valueRows)
    }

    /// Replaces each live entry at a list or map row by one entry per item (the first keeps the
    /// row's repetition level, the rest repeat at `depth`); an empty row stays one entry, ended.
    /// Offsets are relative to the column's first row: `bounds[i] ..< bounds[i + 1]` for row `i`.
    private static func expand(_ bounds: UnsafeBufferPointer<Int32>, depth: Int32, definition: inout [Int32],
                               repetition: inout [Int32], index: inout [Int32]) {
        var total = 0
        for e in 0..<index.count {
            let i = Int(index[e])
            total += i < 0 ? 1 : max(1, Int(bounds[i + 1] - bounds[i]))
        }
        var newDefinition: [Int32] = [], newRepetition: [Int32] = [], newIndex: [Int32] = []
        newDefinition.reserveCapacity(total)
        newRepetition.reserveCapacity(total)
        newIndex.reserveCapacity(total)
        for e in 0..<index.count {
            let i = Int(index[e])
            let start = i < 0 ? 0 : bounds[i], end = i < 0 ? 0 : bounds[i + 1]
            if start == end {
                newDefinition.append(definition[e])
                newRepetition.append(repetition[e])
                newIndex.append(-1)
                continue
            }
            let level = definition[e] + 1
            newDefinition.append(level)
            newRepetition.append(repetition[e])
            newIndex.append(start)
            var child = start + 1
            while child < end {
                newDefinition.append(level)
                newRepetition.append(depth)
                newIndex.append(child)
                child += 1
            }
        }
        definition = newDefinition
        repetition = newRepetition
        index = newIndex
    }
}
