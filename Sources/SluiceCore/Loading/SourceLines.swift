/// Maps offsets in a document's Unicode scalars to 1-based line:column.
struct SourceLines {
    private let source: [Unicode.Scalar]
    private var lineStarts: [Int] = [0]

    init(_ source: [Unicode.Scalar]) {
        self.source = source
        for (i, c) in source.enumerated() where c == "\n" { lineStarts.append(i + 1) }
    }

    func location(ofOffset offset: Int) -> SourceLocation {
        var lo = 0, hi = lineStarts.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if lineStarts[mid] <= offset { lo = mid } else { hi = mid - 1 }
        }
        return SourceLocation(line: lo + 1, column: offset - lineStarts[lo] + 1)
    }

    /// Where `valueOffset` (an offset into a scalar's decoded text) sits in the file. Template
    /// problems point inside `{{ }}` blocks, whose text YAML leaves unchanged, so we anchor on the
    /// matching `{{` (or `{%`) in the raw source and count from there.
    func location(inScalar node: YAMLNode, value: String, valueOffset: Int) -> SourceLocation {
        let valueScalars = Array(value.unicodeScalars)
        var blockIndex = -1, blockStart = 0
        var i = 0
        while i + 1 < valueScalars.count, i <= valueOffset {
            if valueScalars[i] == "{", valueScalars[i + 1] == "{" || valueScalars[i + 1] == "%" {
                blockIndex += 1
                blockStart = i
                i += 2
                continue
            }
            i += 1
        }
        let range = node.sourceRange.clamped(to: 0..<source.count)
        guard blockIndex >= 0 else {
            return plainLocation(node, valueOffset: valueOffset)
        }
        var seen = -1
        var j = range.lowerBound
        while j + 1 < range.upperBound {
            if source[j] == "{", source[j + 1] == "{" || source[j + 1] == "%" {
                seen += 1
                if seen == blockIndex { return location(ofOffset: j + (valueOffset - blockStart)) }
                j += 2
                continue
            }
            j += 1
        }
        return plainLocation(node, valueOffset: valueOffset)
    }

    /// For single-line plain or quoted scalars the value starts right after any quote.
    private func plainLocation(_ node: YAMLNode, valueOffset: Int) -> SourceLocation {
        guard case let .scalar(_, style) = node.kind else { return node.location }
        switch style {
        case .plain: return location(ofOffset: node.sourceRange.lowerBound + valueOffset)
        case .singleQuoted, .doubleQuoted: return location(ofOffset: node.sourceRange.lowerBound + 1 + valueOffset)
        default: return node.location
        }
    }
}
