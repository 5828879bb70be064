import Parquet

/// What to do when writing to a table that already exists.
public enum WriteMode: String, Sendable, CaseIterable {
    /// Add the rows.
    case append
    /// Replace the table's rows (all of them, or those matching `replaceWhere`).
    case overwrite
    /// Refuse if the table exists.
    case error
    /// Do nothing if the table exists.
    case ignore
}

/// How a write may change the table's schema.
public enum SchemaMode: String, Sendable {
    /// Add the data's new columns to the table (as nullable columns).
    case merge
    /// Replace the schema with the data's (overwrite only).
    case overwrite
}

/// The options of `DeltaTable.write`.
public struct WriteOptions: Sendable {
    public var mode: WriteMode = .append
    /// Partition columns for a new table (an existing table's must match when given).
    public var partitionBy: [String]?
    /// With `.overwrite`: replace only the rows matching this condition; every written row must match it.
    public var replaceWhere: String?
    public var schemaMode: SchemaMode?
    /// Idempotent writes: skipped when the table already records this application at this version or later.
    public var appId: String?
    public var appVersion: Int64?
    /// Table properties for a new table (`delta.appendOnly`, `delta.checkpointInterval`, ...).
    public var configuration: [String: String] = [:]
    public var name: String?
    public var description: String?
    /// Rows per data file at most (files are also cut per partition).
    public var maxRowsPerFile = 4 << 20
    public var parquet = ParquetWriterOptions()

    public init() {}
}

/// What a write or other commit did.
public struct CommitResult: Sendable, Equatable {
    /// The version committed, or nil when nothing was committed (ignore mode, an idempotent
    /// write already done, nothing to change).
    public var version: Int64?
    public var addedFiles: Int
    public var removedFiles: Int
    public var rows: Int
    /// Why nothing was committed, when nothing was.
    public var skipped: String?
    /// What went wrong after the commit landed (a checkpoint that could not be written); the
    /// commit stands.
    public var warnings: [String]

    public init(version: Int64?, addedFiles: Int = 0, removedFiles: Int = 0, rows: Int = 0, skipped: String? = nil, warnings: [String] = []) {
        self.version = version
        self.addedFiles = addedFiles
        self.removedFiles = removedFiles
        self.rows = rows
        self.skipped = skipped
        self.warnings = warnings
    }
}
