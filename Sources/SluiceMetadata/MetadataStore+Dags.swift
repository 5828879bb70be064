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
