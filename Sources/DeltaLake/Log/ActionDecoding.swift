/// A log action whose JSON lacks a required field or has one of the wrong type.
struct ActionDecodingError: Error {
    var message: String
}

extension DeltaAction {
    /// The action in one line of a JSON commit (or one checkpoint row turned into JSON): an object
    /// with a single known action key. Unknown action keys give nil (readers must ignore them).
    static func decode(_ node: JSONNode) throws(ActionDecodingError) -> DeltaAction? {
        guard case .object(let members) = node else { throw ActionDecodingError(message: "an action must be a JSON object") }
        for (key, value) in members where !value.isNull {
            let fields = Fields(node: value, action: key)
            switch key {
            case "protocol": return .protocol(try fields.protocolAction())
            case "metaData": return .metadata(try fields.metadata())
            case "add": return .add(try fields.add())
            case "remove": return .remove(try fields.remove())
            case "txn":
                return .txn(TransactionVersion(appId: try fields.string("appId"), version: try fields.int("version"),
                                               lastUpdated: try fields.optionalInt("lastUpdated")))
            case "commitInfo": return .commitInfo(value)
            case "cdc":
                return .cdc(AddCDCFile(path: try fields.string("path"), partitionValues: try fields.stringMap("partitionValues") ?? [:],
                                       size: try fields.int("size"), dataChange: try fields.optionalBool("dataChange") ?? false,
                                       tags: try fields.stringMap("tags")))
            case "domainMetadata":
                return .domainMetadata(DomainMetadata(domain: try fields.string("domain"), configuration: try fields.string("configuration"),
                                                      removed: try fields.optionalBool("removed") ?? false))
            case "checkpointMetadata": return .checkpointMetadata(version: try fields.int("version"))
            case "sidecar":
                return .sidecar(SidecarFile(path: try fields.string("path"), sizeInBytes: try fields.int("sizeInBytes"),
                                            modificationTime: try fields.optionalInt("modificationTime") ?? 0))
            default: continue
            }
        }
        return nil
    }
}

/// Typed access to the fields of one action, with errors naming the action and field.
private struct Fields {
    let node: JSONNode
    let action: String

    func missing(_ name: String, _ what: String) -> ActionDecodingError {
        ActionDecodingError(message: "'\(action).\(name)' must be \(what)")
    }

    func string(_ name: String) throws(ActionDecodingError) -> String {
        guard let value = node[name]?.stringValue else { throw missing(name, "a string") }
        return value
    }

    func optionalString(_ name: String) throws(ActionDecodingError) -> String? {
        guard let value = node[name], !value.isNull else { return nil }
        guard let text = value.stringValue else { throw missing(name, "a string or null") }
        return text
    }

    func int(_ name: String) throws(ActionDecodingError) -> Int64 {
        guard let value = node[name]?.intValue else { throw missing(name, "an integer") }
        return value
    }

    func optionalInt(_ name: String) throws(ActionDecodingError) -> Int64? {
        guard let value = node[name], !value.isNull else { return nil }
        guard let number = value.intValue else { throw missing(name, "an integer or null") }
        return number
    }

    func bool(_ name: String) throws(ActionDecodingError) -> Bool {
        guard let value = node[name]?.boolValue else { throw missing(name, "true or false") }
        return value
    }

    func optionalBool(_ name: String) throws(ActionDecodingError) -> Bool? {
        guard let value = node[name], !value.isNull else { return nil }
        guard let flag = value.boolValue else { throw missing(name, "true, false or null") }
        return flag
    }

    /// A JSON object of strings (values may be null), or nil when absent or null.
    func stringMap(_ name: String) throws(ActionDecodingError) -> [String: String?]? {
        guard let value = node[name], !value.isNull else { return nil }
        guard case .object(let members) = value else { throw missing(name, "an object of strings") }
        var map: [String: String?] = [:]
        for (key, item) in members {
            switch item {
            case .null: map[key] = .some(nil)
            case .string(let s): map[key] = .some(s)
            default: throw missing(name, "an object of strings (\(key) is not one)")
            }
        }
        return map
    }

    func stringList(_ name: String) throws(ActionDecodingError) -> [String]? {
        guard let value = node[name], !value.isNull else { return nil }
        guard case .array(let items) = value else { throw missing(name, "an array of strings") }
        var list: [String] = []
        for item in items {
            guard let s = item.stringValue else { throw missing(name, "an array of strings") }
            list.append(s)
        }
        return list
    }

    func protocolAction() throws(ActionDecodingError) -> DeltaProtocol {
        DeltaProtocol(minReaderVersion: Int(try int("minReaderVersion")), minWriterVersion: Int(try int("minWriterVersion")),
                      readerFeatures: try stringList("readerFeatures"), writerFeatures: try stringList("writerFeatures"))
    }

    func metadata() throws(ActionDecodingError) -> DeltaMetadata {
        let format = node["format"].map { Fields(node: $0, action: action + ".format") }
        let options = try format?.stringMap("options") ?? [:]
        let configuration = try stringMap("configuration") ?? [:]
        return DeltaMetadata(
            id: try string("id"), name: try optionalString("name"), description: try optionalString("description"),
            formatProvider: try format?.optionalString("provider") ?? "parquet",
            formatOptions: options.compactMapValues { $0 }, schemaString: try optionalString("schemaString") ?? "",
            partitionColumns: try stringList("partitionColumns") ?? [],
            configuration: configuration.compactMapValues { $0 }, createdTime: try optionalInt("createdTime"))
    }

    func deletionVector() throws(ActionDecodingError) -> DeletionVectorDescriptor? {
        guard let value = node["deletionVector"], !value.isNull else { return nil }
        let dv = Fields(node: value, action: action + ".deletionVector")
        return DeletionVectorDescriptor(
            storageType: try dv.string("storageType"), pathOrInlineDv: try dv.string("pathOrInlineDv"),
            offset: try dv.optionalInt("offset").map { Int($0) }, sizeInBytes: Int(try dv.int("sizeInBytes")),
            cardinality: try dv.int("cardinality"))
    }

    func add() throws(ActionDecodingError) -> AddFile {
        AddFile(path: try string("path"), partitionValues: try stringMap("partitionValues") ?? [:], size: try int("size"),
                modificationTime: try optionalInt("modificationTime") ?? 0, dataChange: try optionalBool("dataChange") ?? true,
                stats: try optionalString("stats"), tags: try stringMap("tags"), deletionVector: try deletionVector(),
                baseRowId: try optionalInt("baseRowId"), defaultRowCommitVersion: try optionalInt("defaultRowCommitVersion"),
                clusteringProvider: try optionalString("clusteringProvider"))
    }

    func remove() throws(ActionDecodingError) -> RemoveFile {
        RemoveFile(path: try string("path"), deletionTimestamp: try optionalInt("deletionTimestamp"),
                   dataChange: try optionalBool("dataChange") ?? true, extendedFileMetadata: try optionalBool("extendedFileMetadata"),
                   partitionValues: try stringMap("partitionValues"), size: try optionalInt("size"), stats: try optionalString("stats"),
                   tags: try stringMap("tags"), deletionVector: try deletionVector(), baseRowId: try optionalInt("baseRowId"),
                   defaultRowCommitVersion: try optionalInt("defaultRowCommitVersion"))
    }
}
