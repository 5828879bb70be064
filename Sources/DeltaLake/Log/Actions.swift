/// The `protocol` action: the reader and writer versions (and, from 3 and 7, the named table
/// features) an engine must support to read or write the table.
public struct DeltaProtocol: Sendable, Equatable {
    public var minReaderVersion: Int
    public var minWriterVersion: Int
    public var readerFeatures: [String]?
    public var writerFeatures: [String]?

    public init(minReaderVersion: Int, minWriterVersion: Int, readerFeatures: [String]? = nil, writerFeatures: [String]? = nil) {
        self.minReaderVersion = minReaderVersion
        self.minWriterVersion = minWriterVersion
        self.readerFeatures = readerFeatures
        self.writerFeatures = writerFeatures
    }
}

/// The `metaData` action: the table's identity, schema, partition columns and properties.
public struct DeltaMetadata: Sendable, Equatable {
    public var id: String
    public var name: String?
    public var description: String?
    public var formatProvider: String
    public var formatOptions: [String: String]
    /// The schema as Delta's JSON struct type.
    public var schemaString: String
    public var partitionColumns: [String]
    public var configuration: [String: String]
    public var createdTime: Int64?
}

/// Where the deletion vector of a data file is (`u`: a file next to the data, `i`: inline,
/// `p`: an absolute path) and how many rows it deletes.
public struct DeletionVectorDescriptor: Sendable, Equatable, Hashable {
    public var storageType: String
    public var pathOrInlineDv: String
    public var offset: Int?
    public var sizeInBytes: Int
    public var cardinality: Int64

    /// The identity a file's DV takes in the log (`storageType + pathOrInlineDv [+ "@" + offset]`).
    public var uniqueId: String {
        offset.map { "\(storageType)\(pathOrInlineDv)@\($0)" } ?? storageType + pathOrInlineDv
    }
}

/// The `add` action: a data file that is part of the table from this version on.
public struct AddFile: Sendable, Equatable {
    /// The path as written in the log: relative to the table root and percent-encoded (a URI).
    public var path: String
    /// Partition values as strings (nil for a null partition value).
    public var partitionValues: [String: String?]
    public var size: Int64
    public var modificationTime: Int64
    public var dataChange: Bool
    /// Per-column statistics as JSON (numRecords, minValues, maxValues, nullCount).
    public var stats: String?
    public var tags: [String: String?]?
    public var deletionVector: DeletionVectorDescriptor?
    public var baseRowId: Int64?
    public var defaultRowCommitVersion: Int64?
    public var clusteringProvider: String?
}

/// The `remove` action: a data file (or its older deletion vector) that is no longer part of
/// the table; kept as a tombstone until VACUUM's retention passes.
public struct RemoveFile: Sendable, Equatable {
    public var path: String
    public var deletionTimestamp: Int64?
    public var dataChange: Bool
    public var extendedFileMetadata: Bool?
    public var partitionValues: [String: String?]?
    public var size: Int64?
    public var stats: String?
    public var tags: [String: String?]?
    public var deletionVector: DeletionVectorDescriptor?
    public var baseRowId: Int64?
    public var defaultRowCommitVersion: Int64?
}

/// The `txn` action: the last version an application committed (idempotent writes).
public struct TransactionVersion: Sendable, Equatable {
    public var appId: String
    public var version: Int64
    public var lastUpdated: Int64?
}

/// The `cdc` action: a change-data file written by the commit.
public struct AddCDCFile: Sendable, Equatable {
    public var path: String
    public var partitionValues: [String: String?]
    public var size: Int64
    public var dataChange: Bool
    public var tags: [String: String?]?
}

/// The `domainMetadata` action: configuration of a named metadata domain.
public struct DomainMetadata: Sendable, Equatable {
    public var domain: String
    public var configuration: String
    public var removed: Bool
}

/// The `sidecar` action of a v2 checkpoint: a Parquet file holding more of its add/remove actions.
public struct SidecarFile: Sendable, Equatable {
    public var path: String
    public var sizeInBytes: Int64
    public var modificationTime: Int64
}

/// One action of the Delta transaction log.
public enum DeltaAction: Sendable, Equatable {
    case `protocol`(DeltaProtocol)
    case metadata(DeltaMetadata)
    case add(AddFile)
    case remove(RemoveFile)
    case txn(TransactionVersion)
    /// The commit's provenance, kept as the JSON object it was.
    case commitInfo(JSONNode)
    case cdc(AddCDCFile)
    case domainMetadata(DomainMetadata)
    /// The `checkpointMetadata` action of a v2 checkpoint (its version).
    case checkpointMetadata(version: Int64)
    case sidecar(SidecarFile)
}
