/// Why a Delta table could not be read or written: the table, the place (a log file and line, a
/// version, a data file) and what was wrong or expected. Its description is one line.
public struct DeltaError: Error, Sendable, CustomStringConvertible, Equatable {
    /// What kind of problem it is.
    public enum Kind: Sendable, Equatable {
        /// The table does not exist or a file cannot be read or written.
        case io
        /// The transaction log is malformed (bad JSON, a missing field, a gap in versions).
        case corruptLog
        /// The table needs a protocol version or feature this engine does not implement.
        case unsupported
        /// The request cannot be served (no such version, a bad predicate, a schema mismatch).
        case invalidRequest
        /// A concurrent commit conflicts with this one.
        case conflict
    }

    public var kind: Kind
    /// The table's root path.
    public var table: String
    /// Where in the table: a log file (with `:LINE` for JSON commits), a data file, or empty.
    public var location: String
    public var message: String

    public init(_ kind: Kind, table: String, location: String = "", _ message: String) {
        self.kind = kind
        self.table = table
        self.location = location
        self.message = message
    }

    public var description: String {
        location.isEmpty ? "\(table): \(message)" : "\(table): \(location): \(message)"
    }
}
