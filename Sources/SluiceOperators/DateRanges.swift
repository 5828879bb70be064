import Columnar
import DeltaLake
import Foundation
import SluiceCore

extension TaskRunContext {
    /// The run's date as days since 1970-01-01: the DAG's `ds` (its logical date in the DAG's time
    /// zone) when the scheduler provides it, else the logical date's UTC day.
    var runDay: Int32 {
        if let ds = environment["SLUICE_DS"], let day = CalendarDays.parse(ds) { return day }
        return Int32((logicalDate.timeIntervalSince1970 / 86_400).rounded(.down))
    }

    /// The run's date as YYYY-MM-DD.
    var runDate: String { TextFormat.date(days: Int64(runDay)) }
}

/// The SQL condition `date >= FROM AND date <= TO` over a date column, for partition skipping.
func dateRange(_ from: Int32, _ to: Int32, column: String = "date") -> String {
    "\(column) >= '\(TextFormat.date(days: Int64(from)))' AND \(column) <= '\(TextFormat.date(days: Int64(to)))'"
}

/// Reading a date-partitioned table's rows in a date range (only those partitions' files).
enum DateRange {
    /// The rows matching `range`, and the version read (nil when there is no table).
    static func read(_ path: String, _ range: String) throws -> (batches: [RecordBatch], version: Int64?) {
        let table = DeltaTable(path: path)
        guard let snapshot = try table.latestSnapshotIfExists() else { return ([], nil) }
        return (try read(snapshot: snapshot, storage: table.storage, range), snapshot.version)
    }

    /// The rows of one snapshot matching `range`.
    static func read(snapshot: Snapshot, storage: any DeltaStorage, _ range: String) throws -> [RecordBatch] {
        let condition = try ExpressionParser.parse(range, schema: snapshot.schema)
        let scan = TableScan(snapshot: snapshot)
        var batches: [RecordBatch] = []
        for file in scan.files(matching: condition) {
            for batch in try scan.read(file, storage: storage) {
                let filtered = try batch.filter(try condition.matches(batch))
                if filtered.rowCount > 0 { batches.append(filtered) }
            }
        }
        return batches
    }
}

extension TaskRunContext {
    /// A handle on the table at `path` whose commits record which task wrote them (and `reads`:
    /// the upstream table versions the write came from), for `sluice lineage`.
    func table(_ path: String, reads: [String: String] = [:]) -> DeltaTable {
        var table = DeltaTable(path: path)
        table.commitMetadata = ["sluice.dag_id": dagID, "sluice.task_id": taskID, "sluice.run_id": runID, "sluice.run_date": runDate]
            .merging(reads.mapKeys { "sluice.\($0)" }) { $1 }
        return table
    }
}

/// Replacing one date's partition of a table, committing nothing when it already holds the rows.
enum PartitionReplace {
    /// Overwrites the rows where `column` = `day` with `rows` in one commit (creating the table,
    /// partitioned by `column`, when missing); when the partition already holds exactly these rows
    /// in this order, nothing is committed, so re-running a date leaves the table's version as it was.
    static func write(_ table: DeltaTable, rows: RecordBatch, column: String, day: Int32) throws -> CommitResult {
        let condition = "\(column) = '\(TextFormat.date(days: Int64(day)))'"
        if let snapshot = try table.latestSnapshotIfExists() {
            let existing = try DateRange.read(snapshot: snapshot, storage: table.storage, condition)
            if try same(existing, rows) { return CommitResult(version: nil, skipped: "the partition \(condition) already holds these rows") }
        }
        var options = WriteOptions()
        options.mode = .overwrite
        options.partitionBy = [column]
        options.replaceWhere = condition
        return try table.write([rows], options: options)
    }

    static func same(_ existing: [RecordBatch], _ rows: RecordBatch) throws -> Bool {
        guard existing.reduce(0, { $0 + $1.rowCount }) == rows.rowCount else { return false }
        guard rows.rowCount > 0 else { return true }
        let old = existing.count == 1 ? existing[0] : try RecordBatch.concatenate(existing)
        for (index, field) in rows.schema.fields.enumerated() {
            guard let column = old.column(named: field.name) else { return false }
            let new = rows.columns[index]
            for row in 0 ..< rows.rowCount where column.value(at: row) != new.value(at: row) { return false }
        }
        return true
    }
}
