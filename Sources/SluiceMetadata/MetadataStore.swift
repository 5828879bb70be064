import Foundation
import GRDB
import SluiceCore

/// Sluice's metadata database (SQLite in WAL mode): DAGs, runs, task instances, one row per task
/// try, XCom, pools, backfills and scheduler heartbeats. The scheduler and the CLI use its
/// intent-named operations; SQL stays inside this module.
public final class MetadataStore: Sendable {
    public let path: String
    let pool: DatabasePool

    /// Opens (creating the file and folder if needed) and applies pending migrations.
    public init(path: String, migrate: Bool = true) throws(MetadataError) {
        self.path = path
        do {
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                                    withIntermediateDirectories: true)
            var configuration = Configuration()
            configuration.busyMode = .timeout(30)
            configuration.prepareDatabase { db in
                // WAL + NORMAL survives process crashes (kill -9); only an OS crash can lose the last commits.
                try db.execute(sql: "PRAGMA synchronous = NORMAL")
            }
            pool = try DatabasePool(path: path, configuration: configuration)
            if migrate { try MetadataMigrations.migrator.migrate(pool) }
        } catch {
            throw MetadataError("cannot open the metadata database \(path): \(error)")
        }
    }

    /// Applies pending migrations; returns the names applied now.
    @discardableResult
    public func migrate() throws(MetadataError) -> [String] {
        try wrap {
            let before = try pool.read { db in try MetadataMigrations.migrator.appliedIdentifiers(db) }
            try MetadataMigrations.migrator.migrate(pool)
            let after = try pool.read { db in try MetadataMigrations.migrator.appliedIdentifiers(db) }
            // In registration order (the applied set itself is unordered).
            return MetadataMigrations.migrator.migrations.filter { after.contains($0) && !before.contains($0) }
        }
    }

    /// Every migration with whether it has been applied.
    public func migrationStatus() throws(MetadataError) -> [(name: String, applied: Bool)] {
        try wrap {
            let applied = try pool.read { db in try MetadataMigrations.migrator.appliedIdentifiers(db) }
            return MetadataMigrations.migrator.migrations.map { ($0, applied.contains($0)) }
        }
    }

    /// Deletes the database files (the caller confirms with the user first).
    public static func reset(path: String) throws(MetadataError) {
        for suffix in ["", "-wal", "-shm"] {
            let file = path + suffix
            if FileManager.default.fileExists(atPath: file) {
                do { try FileManager.default.removeItem(atPath: file) } catch {
                    throw MetadataError("cannot delete \(file): \(error.localizedDescription)")
                }
            }
        }
    }

    /// Runs `body` and turns database errors into `MetadataError`s.
    func wrap<T>(_ body: () throws -> T) throws(MetadataError) -> T {
        do { return try body() } catch let error as MetadataError { throw error } catch {
            throw MetadataError("metadata database \(path): \(error)")
        }
    }

    func write<T>(_ body: (Database) throws -> T) throws(MetadataError) -> T {
        try wrap { try pool.write(body) }
    }

    func read<T>(_ body: (Database) throws -> T) throws(MetadataError) -> T {
        try wrap { try pool.read(body) }
    }

    /// A counter that changes whenever another connection or process commits, so a long-running
    /// scheduler can notice `sluice tasks clear` and similar without re-reading everything.
    public func externalChangeCounter() throws(MetadataError) -> Int {
        try write { db in try Int.fetchOne(db, sql: "PRAGMA data_version") ?? 0 }
    }
}

/// A metadata operation that failed, with a message for the user.
public struct MetadataError: Error, Sendable, CustomStringConvertible {
    public var message: String
    /// True when the operation lost to a concurrent one (e.g. a run for that date already exists).
    public var isConflict = false
    public init(_ message: String, isConflict: Bool = false) {
        self.message = message
        self.isConflict = isConflict
    }
    public var description: String { message }
}
