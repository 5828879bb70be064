/// How `ParquetFileWriter` writes: codec, page format, dictionary use and sizes.
public struct ParquetWriterOptions: Sendable {
    public var compression: PageCodec = .snappy
    public var compressionLevel: Int32?
    /// 1 (default, what most readers expect) or 2.
    public var pageVersion: Int = 1
    /// Dictionary-encode columns, falling back to PLAIN for a column chunk whose dictionary grows
    /// past `dictionaryPageSizeLimit`.
    public var dictionary: Bool = true
    public var dictionaryPageSizeLimit: Int = 1 << 20
    /// Target size of a data page's values, before compression.
    public var dataPageSize: Int = 1 << 20
    /// Rows per row group; rows are written one row group at a time, so this bounds memory.
    public var rowGroupRows: Int = 1 << 20
    /// Also cut a row group once its rows reach about this many bytes uncompressed (in memory),
    /// whichever of the two limits comes first; nil for rows only.
    public var rowGroupBytes: Int?
    public var statistics: Bool = true
    /// Threads that encode a row group's column chunks: 0 (default) for one per processor, 1 to
    /// encode on the calling thread only. The file's bytes do not depend on it.
    public var threads: Int = 0
    public var keyValueMetadata: [(key: String, value: String)] = []
    public var createdBy: String = "sluice"
    /// Flush the file to disk (fsync) before moving it into place. A caller that writes many files
    /// and makes them durable together (a Delta commit syncs the file system once) turns it off.
    public var syncOnClose: Bool = true

    public init() {}
}

/// Why a Parquet file could not be written; nothing is left at the destination path.
public struct ParquetWriteError: Error, Sendable, CustomStringConvertible {
    public var path: String
    public var message: String
    public var description: String { "\(path): \(message)" }

    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }
}
