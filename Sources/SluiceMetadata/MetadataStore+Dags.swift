import Foundation
import GRDB
import SluiceCore

extension MetadataStore {
    /// Records the DAGs of a freshly parsed folder: new and changed DAGs are stored with their
    /// serialized definition and hash (paused flags are kept), DAGs whose files vanished or broke
    /// become inactive, and the import errors table is replaced.
    public func syncDags(_ bag: DagBag, now: Date = Date()) throws(MetadataError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var rows: [DagRow] = []
        for dag in bag.dags.values {
            let json = try wrap { String(decoding: try encoder.encode(dag), as: UTF8.self) }
            rows.append(DagRow(dagID: dag.dagID, file: dag.file, contentHash: dag.contentHash, serialized: json,
                               isPaused: false, isActive: true, lastParsedAt: now))
        }
        try write { db in
            let existing = try DagRow.fetchAll(db)
            let paused = Dictionary(uniqueKeysWithValues: existing.map { ($0.dagID, $0.isPaused) })
            for var row in rows {
                row.isPaused = paused[row.dagID] ?? false
                try row.save(db)
            }
            let present = Set(rows.map(\.dagID))
            for row in existing where !present.contains(row.dagID) && row.isActive {
                try db.execute(sql: "UPDATE dag SET is_active = 0 WHERE dag_id = ?", arguments: [row.dagID])
            }
            try db.execute(sql: "DELETE FROM import_error")
            for (file, message) in bag.importErrors {
                try db.execute(sql: "INSERT INTO import_error (file, message, recorded_at) VALUES (?, ?, ?)",
                               arguments: [file, message, now.timeIntervalSince1970])
            }
        }
    }

    public func dag(_ dagID: String) throws(MetadataError) -> DagRow? {
        try read { db in try DagRow.fetchOne(db, key: dagID) }
    }

    /// Every DAG recorded, active or not, by dag_id.
    public func dags() throws(MetadataError) -> [DagRow] {
        try read { db in try DagRow.order(sql: "dag_id").fetchAll(db) }
    }

    /// Active DAGs without their serialized definitions (cheap enough for every scheduler pass).
    public func activeDagSummaries() throws(MetadataError) -> [DagSummary] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT dag_id, content_hash, is_paused FROM dag WHERE is_active = 1 ORDER BY dag_id").map {
                DagSummary(dagID: $0["dag_id"], contentHash: $0["content_hash"], isPaused: $0["is_paused"])
            }
        }
    }

    public func importErrors() throws(MetadataError) -> [(file: String, message: String)] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT file, message FROM import_error ORDER BY file").map { ($0["file"], $0["message"]) }
        }
    }

    /// Pauses or unpauses a DAG; returns false when the DAG is unknown.
    @discardableResult
    public func setPaused(_ dagID: String, _ paused: Bool) throws(MetadataError) -> Bool {
        try write { db in
            try db.execute(sql: "UPDATE dag SET is_paused = ? WHERE dag_id = ?", arguments: [paused, dagID])
            return db.changesCount > 0
        }
    }
}

/// A DAG's identity, version and paused flag, without its definition.
public struct DagSummary: Sendable {
    public var dagID: String
    public var contentHash: String
    public var isPaused: Bool
}

/// One cell of a DAG's grid: a task instance's state and try count in a run.
public struct GridCell: Sendable {
    public var runPK: Int64
    public var taskID: String
    public var state: String
    public var tryNumber: Int
}

extension MetadataStore {
    /// The task instances of the given runs of a DAG, in one read (the grid view).
    public func gridCells(runPKs: [Int64]) throws(MetadataError) -> [GridCell] {
        guard !runPKs.isEmpty else { return [] }
        return try read { db in
            var cells: [GridCell] = []
            // SQLite's variable limit is 32766; grids are far smaller, but chunk anyway.
            for start in stride(from: 0, to: runPKs.count, by: 5000) {
                let chunk = Array(runPKs[start ..< min(runPKs.count, start + 5000)])
                let marks = Array(repeating: "?", count: chunk.count).joined(separator: ",")
                let rows = try Row.fetchCursor(db, sql: "SELECT run_pk, task_id, state, try_number FROM task_instance WHERE run_pk IN (\(marks))",
                                               arguments: StatementArguments(chunk))
                while let row = try rows.next() {
                    cells.append(GridCell(runPK: row[0], taskID: row[1], state: row[2], tryNumber: row[3]))
                }
            }
            return cells
        }
    }
}
