import Columnar

/// Reads the `add` and `remove` structs of a checkpoint straight from their columns (the bulk of
/// a checkpoint's rows), without building a scalar value per field. A column of an unexpected
/// shape gives nil, and the caller falls back to the general path.
struct CheckpointFiles {
    let column: StructColumn
    /// The struct's children by name, looked up once rather than per row.
    private let children: [String: Column]

    init(_ column: StructColumn) {
        self.column = column
        var children: [String: Column] = [:]
        for (field, child) in zip(column.fields, column.children) where children[field.name] == nil { children[field.name] = child }
        self.children = children
    }

    private func child(_ name: String) -> Column? { children[name] }

    static func string(_ column: Column?, _ row: Int) -> String? {
        guard let c = column?.asBinary, !c.isNull(row) else { return nil }
        return c.string(at: row)
    }

    static func int64(_ column: Column?, _ row: Int) -> Int64? {
        guard let column, !column.isNull(row) else { return nil }
        switch column {
        case .int64(let c): return c.value(at: row)
        case .int32(let c): return Int64(c.value(at: row))
        default: return nil
        }
    }

    static func bool(_ column: Column?, _ row: Int) -> Bool? {
        guard case .bool(let c)? = column, !c.isNull(row) else { return nil }
        return c.value(at: row)
    }

    /// A `map<string, string>` row as a dictionary (nil for a null map).
    static func stringMap(_ column: Column?, _ row: Int) -> [String: String?]? {
        guard let map = column?.asMap, !map.isNull(row), let keys = map.keys.asBinary, let items = map.items.asBinary else { return nil }
        var result: [String: String?] = [:]
        for entry in map.entryRange(at: row) {
            guard let key = keys.string(at: entry) else { continue }
            result[key] = .some(items.string(at: entry))
        }
        return result
    }

    static func deletionVector(_ column: Column?, _ row: Int) -> DeletionVectorDescriptor? {
        guard let dv = column?.asStruct, !dv.isNull(row), let type = string(dv.child(named: "storageType"), row),
              let path = string(dv.child(named: "pathOrInlineDv"), row), let size = int64(dv.child(named: "sizeInBytes"), row),
              let cardinality = int64(dv.child(named: "cardinality"), row)
        else { return nil }
        return DeletionVectorDescriptor(storageType: type, pathOrInlineDv: path, offset: int64(dv.child(named: "offset"), row).map { Int($0) },
                                        sizeInBytes: Int(size), cardinality: cardinality)
    }

    /// The `add` action of row `row`, or nil when the row holds none; throws when required fields are missing.
    func add(_ row: Int) throws(ActionDecodingError) -> AddFile? {
        guard !column.isNull(row) else { return nil }
        guard let path = Self.string(child("path"), row), let size = Self.int64(child("size"), row) else {
            throw ActionDecodingError(message: "'add.path' and 'add.size' must be set")
        }
        return AddFile(path: path, partitionValues: Self.stringMap(child("partitionValues"), row) ?? [:], size: size,
                       modificationTime: Self.int64(child("modificationTime"), row) ?? 0,
                       dataChange: Self.bool(child("dataChange"), row) ?? true, stats: Self.string(child("stats"), row),
                       tags: Self.stringMap(child("tags"), row), deletionVector: Self.deletionVector(child("deletionVector"), row),
                       baseRowId: Self.int64(child("baseRowId"), row), defaultRowCommitVersion: Self.int64(child("defaultRowCommitVersion"), row),
                       clusteringProvider: Self.string(child("clusteringProvider"), row))
    }

    /// The `remove` action of row `row`, or nil when the row holds none.
    func remove(_ row: Int) throws(ActionDecodingError) -> RemoveFile? {
        guard !column.isNull(row) else { return nil }
        guard let path = Self.string(child("path"), row) else { throw ActionDecodingError(message: "'remove.path' must be set") }
        return RemoveFile(path: path, deletionTimestamp: Self.int64(child("deletionTimestamp"), row),
                          dataChange: Self.bool(child("dataChange"), row) ?? true,
                          extendedFileMetadata: Self.bool(child("extendedFileMetadata"), row),
                          partitionValues: Self.stringMap(child("partitionValues"), row), size: Self.int64(child("size"), row),
                          stats: Self.string(child("stats"), row), tags: Self.stringMap(child("tags"), row),
                          deletionVector: Self.deletionVector(child("deletionVector"), row), baseRowId: Self.int64(child("baseRowId"), row),
                          defaultRowCommitVersion: Self.int64(child("defaultRowCommitVersion"), row))
    }
}
