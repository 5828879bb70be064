extension Column {
    /// The rows whose `keep` flag is set, in order. Runs of kept rows are copied as slices, so
    /// sparse deletions (deletion vectors, a few failing rows) cost little per row.
    public func filter(_ keep: [Bool]) throws(ColumnarError) -> Column {
        precondition(keep.count == count, "Column.filter: \(keep.count) flags for \(count) rows")
        let kept = keep.reduce(0) { $0 + ($1 ? 1 : 0) }
        if kept == count { return self }
        let builder = makeColumnBuilder(for: dataType, capacity: kept)
        var start = 0
        while start < count {
            guard keep[start] else { start += 1; continue }
            var end = start
            while end < count, keep[end] { end += 1 }
            try builder.append(column: slice(offset: start, count: end - start))
            start = end
        }
        return builder.finish()
    }
}

extension RecordBatch {
    /// The rows whose `keep` flag is set, in order (see `Column.filter`).
    public func filter(_ keep: [Bool]) throws(ColumnarError) -> RecordBatch {
        var columns: [Column] = []
        for column in self.columns { columns.append(try column.filter(keep)) }
        return try RecordBatch(schema: schema, columns: columns, rowCount: keep.reduce(0) { $0 + ($1 ? 1 : 0) })
    }
}
