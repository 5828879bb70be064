/// Actions as the JSON lines of a commit file (the inverse of `DeltaAction.decode`).
extension DeltaAction {
    /// The action as one JSON object, `{"add": {...}}`.
    public var json: JSONNode {
        switch self {
        case .protocol(let p):
            var members: [(key: String, value: JSONNode)] = [("minReaderVersion", .int(Int64(p.minReaderVersion))),
                                                             ("minWriterVersion", .int(Int64(p.minWriterVersion)))]
            if let features = p.readerFeatures { members.append(("readerFeatures", .array(features.map(JSONNode.string)))) }
            if let features = p.writerFeatures { members.append(("writerFeatures", .array(features.map(JSONNode.string)))) }
            return .object([("protocol", .object(members))])
        case .metadata(let m):
            var members: [(key: String, value: JSONNode)] = [("id", .string(m.id))]
            if let name = m.name { members.append(("name", .string(name))) }
            if let description = m.description { members.append(("description", .string(description))) }
            members.append(("format", .object([("provider", .string(m.formatProvider)), ("options", Self.stringObject(m.formatOptions))])))
            members.append(("schemaString", .string(m.schemaString)))
            members.append(("partitionColumns", .array(m.partitionColumns.map(JSONNode.string))))
            members.append(("configuration", Self.stringObject(m.configuration)))
            if let created = m.createdTime { members.append(("createdTime", .int(created))) }
            return .object([("metaData", .object(members))])
        case .add(let a):
            var members: [(key: String, value: JSONNode)] = [
                ("path", .string(a.path)), ("partitionValues", Self.optionalStringObject(a.partitionValues)),
                ("size", .int(a.size)), ("modificationTime", .int(a.modificationTime)), ("dataChange", .bool(a.dataChange)),
            ]
            if let stats = a.stats { members.append(("stats", .string(stats))) }
            if let tags = a.tags { members.append(("tags", Self.optionalStringObject(tags))) }
            if let dv = a.deletionVector { members.append(("deletionVector", Self.deletionVector(dv))) }
            if let id = a.baseRowId { members.append(("baseRowId", .int(id))) }
            if let version = a.defaultRowCommitVersion { members.append(("defaultRowCommitVersion", .int(version))) }
            if let provider = a.clusteringProvider { members.append(("clusteringProvider", .string(provider))) }
            return .object([("add", .object(members))])
        case .remove(let r):
            var members: [(key: String, value: JSONNode)] = [("path", .string(r.path))]
            if let time = r.deletionTimestamp { members.append(("deletionTimestamp", .int(time))) }
            members.append(("dataChange", .bool(r.dataChange)))
            if let extended = r.extendedFileMetadata { members.append(("extendedFileMetadata", .bool(extended))) }
            if let values = r.partitionValues { members.append(("partitionValues", Self.optionalStringObject(values))) }
            if let size = r.size { members.append(("size", .int(size))) }
            if let stats = r.stats { members.append(("stats", .string(stats))) }
            if let tags = r.tags { members.append(("tags", Self.optionalStringObject(tags))) }
            if let dv = r.deletionVector { members.append(("deletionVector", Self.deletionVector(dv))) }
            if let id = r.baseRowId { members.append(("baseRowId", .int(id))) }
            if let version = r.defaultRowCommitVersion { members.append(("defaultRowCommitVersion", .int(version))) }
            return .object([("remove", .object(members))])
        case .txn(let t):
            var members: [(key: String, value: JSONNode)] = [("appId", .string(t.appId)), ("version", .int(t.version))]
            if let updated = t.lastUpdated { members.append(("lastUpdated", .int(updated))) }
            return .object([("txn", .object(members))])
        case .commitInfo(let info):
            return .object([("commitInfo", info)])
        case .cdc(let c):
            var members: [(key: String, value: JSONNode)] = [
                ("path", .string(c.path)), ("partitionValues", Self.optionalStringObject(c.partitionValues)),
                ("size", .int(c.size)), ("dataChange", .bool(c.dataChange)),
            ]
            if let tags = c.tags { members.append(("tags", Self.optionalStringObject(tags))) }
            return .object([("cdc", .object(members))])
        case .domainMetadata(let d):
            return .object([("domainMetadata", .object([("domain", .string(d.domain)), ("configuration", .string(d.configuration)),
                                                         ("removed", .bool(d.removed))]))])
        case .checkpointMetadata(let version):
            return .object([("checkpointMetadata", .object([("version", .int(version))]))])
        case .sidecar(let s):
            return .object([("sidecar", .object([("path", .string(s.path)), ("sizeInBytes", .int(s.sizeInBytes)),
                                                  ("modificationTime", .int(s.modificationTime))]))])
        }
    }

    static func stringObject(_ map: [String: String]) -> JSONNode {
        .object(map.keys.sorted().map { ($0, JSONNode.string(map[$0]!)) })
    }

    static func optionalStringObject(_ map: [String: String?]) -> JSONNode {
        .object(map.keys.sorted().map { key in (key, map[key]!.map(JSONNode.string) ?? .null) })
    }

    static func deletionVector(_ dv: DeletionVectorDescriptor) -> JSONNode {
        var members: [(key: String, value: JSONNode)] = [("storageType", .string(dv.storageType)), ("pathOrInlineDv", .string(dv.pathOrInlineDv))]
        if let offset = dv.offset { members.append(("offset", .int(Int64(offset)))) }
        members.append(("sizeInBytes", .int(Int64(dv.sizeInBytes))))
        members.append(("cardinality", .int(dv.cardinality)))
        return .object(members)
    }
}

extension Array where Element == DeltaAction {
    /// The commit file's text: one action per line.
    public var commitText: String {
        map { $0.json.text + "\n" }.joined()
    }
}
