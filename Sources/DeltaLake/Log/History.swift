/// One commit of a table's history.
public struct CommitEntry: Sendable {
    public var version: Int64
    /// The commit's time in milliseconds: `inCommitTimestamp` when the table records it, else the
    /// commit file's modification time, made strictly increasing across versions (Delta's rule).
    public var timestamp: Int64
    /// The commit's `commitInfo`, when it has one.
    public var commitInfo: JSONNode?

    public var operation: String? { commitInfo?["operation"]?.stringValue }
}

extension DeltaTable {
    /// Every commit still in the log, oldest first.
    public func history() throws(DeltaError) -> [CommitEntry] {
        guard let listing = try storage.list("_delta_log") else {
            throw DeltaError(.io, table: storage.root, "not a Delta table: there is no _delta_log directory")
        }
        var commits: [(Int64, StoredFile)] = []
        for file in listing {
            if case .commit(let v)? = LogFileName.parse(file.name) { commits.append((v, file)) }
        }
        commits.sort { $0.0 < $1.0 }
        let reader = LogReader(storage: storage)
        var entries: [CommitEntry] = []
        var previous: Int64 = .min
        for (version, file) in commits {
            let info = try reader.commitActions(file.name).lazy.compactMap { action -> JSONNode? in
                if case .commitInfo(let node) = action { return node }
                return nil
            }.first
            var time = info?["inCommitTimestamp"]?.intValue ?? file.modificationTime
            if info?["inCommitTimestamp"] == nil, time <= previous { time = previous + 1 }
            previous = time
            entries.append(CommitEntry(version: version, timestamp: time, commitInfo: info))
        }
        return entries
    }

    /// The newest version at or before `version` (the latest when nil) that added or removed a
    /// file of the partition with these values, read from the commits still in the log, newest
    /// first; nil when none of them did.
    public func lastChange(ofPartition values: [String: String], atOrBefore version: Int64? = nil) throws(DeltaError) -> Int64? {
        guard let listing = try storage.list("_delta_log") else {
            throw DeltaError(.io, table: storage.root, "not a Delta table: there is no _delta_log directory")
        }
        var commits: [(Int64, String)] = []
        for file in listing {
            if case .commit(let v)? = LogFileName.parse(file.name), v <= (version ?? .max) { commits.append((v, file.name)) }
        }
        let reader = LogReader(storage: storage)
        func matches(_ partition: [String: String?]?) -> Bool {
            guard let partition else { return false }
            return values.allSatisfy { partition[$0.key] == .some($0.value) }
        }
        for (version, name) in commits.sorted(by: { $0.0 > $1.0 }) {
            for action in try reader.commitActions(name) {
                switch action {
                case .add(let add) where matches(add.partitionValues): return version
                case .remove(let remove) where matches(remove.partitionValues): return version
                default: continue
                }
            }
        }
        return nil
    }

    /// The snapshot as of `timestamp` (milliseconds since the epoch): the latest version committed
    /// at or before it. A time before the first commit still in the log, or after the latest, is
    /// an error (as in Spark).
    public func snapshot(asOf timestamp: Int64) throws(DeltaError) -> Snapshot {
        let entries = try history()
        guard let first = entries.first, let last = entries.last else {
            throw DeltaError(.invalidRequest, table: storage.root, "the table has no commits")
        }
        guard timestamp >= first.timestamp else {
            throw DeltaError(.invalidRequest, table: storage.root,
                             "timestamp \(timestamp) is before the earliest available commit (version \(first.version) at \(first.timestamp))")
        }
        guard timestamp <= last.timestamp else {
            throw DeltaError(.invalidRequest, table: storage.root,
                             "timestamp \(timestamp) is after the latest commit (version \(last.version) at \(last.timestamp))")
        }
        let version = entries.last { $0.timestamp <= timestamp }!.version
        return try snapshot(version: version)
    }
}
