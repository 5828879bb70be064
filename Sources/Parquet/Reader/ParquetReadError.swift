/// Why a Parquet file (or part of it) could not be read.
///
/// `path` is the file, `column` the dotted column path when the problem belongs to one column,
/// and `offset` the byte offset in the file where the problem was found (nil when it is about the
/// schema or the request rather than a byte of the file).
public struct ParquetReadError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// The file could not be opened or read.
        case io
        /// The footer is missing, corrupt or encrypted (see the message).
        case footer
        /// The schema uses something this reader does not support yet (nested columns, ...).
        case unsupported
        /// The schema or a column chunk's metadata contradicts itself or the file.
        case corruptMetadata
        /// A page header or page body is malformed.
        case corruptPage
        /// The caller asked for something that does not exist (a row group, a column name).
        case invalidRequest
    }

    public var kind: Kind
    public var path: String
    public var column: String?
    public var offset: Int?
    public var message: String

    public init(kind: Kind, path: String = "", column: String? = nil, offset: Int? = nil, message: String) {
        self.kind = kind
        self.path = path
        self.column = column
        self.offset = offset
        self.message = message
    }

    public var description: String {
        var text = path.isEmpty ? "" : "\(path): "
        if let column { text += "column '\(column)': " }
        if let offset { text += "at byte \(offset): " }
        return text + message
    }

    /// The same error, naming `path` (errors raised below the file reader do not know it).
    func inFile(_ path: String) -> ParquetReadError {
        var copy = self
        copy.path = path
        return copy
    }
}
