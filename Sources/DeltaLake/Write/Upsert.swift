import Columnar

extension DeltaTable {
    /// MERGE `source` on `keys` (matched rows that differ updated, the rest inserted; rows already
    /// there as given change nothing, so re-running an upsert commits nothing), creating the table from
    /// `source` (partitioned by `partitionBy`) when it does not exist yet. Two writers creating it
    /// at once do not duplicate rows: the one that loses the race to version 0 merges instead.
    @discardableResult
    public func upsert(_ source: [RecordBatch], on keys: [String], partitionBy: [String] = []) throws(DeltaError) -> CommitResult {
        if try latestSnapshotIfExists() == nil {
            var options = WriteOptions()
            options.mode = .error
            if !partitionBy.isEmpty { options.partitionBy = partitionBy }
            do throws(DeltaError) {
                let created = try write(source, options: options)
                if created.skipped == nil { return created }
            } catch {
                guard try latestSnapshotIfExists() != nil else { throw error }
            }
        }
        return try merge(source, on: keys, whenMatched: .updateChanged)
    }
}
