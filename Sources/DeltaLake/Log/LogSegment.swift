/// A file of `_delta_log` recognised by its name.
enum LogFileName: Equatable {
    /// `NNNNNNNNNNNNNNNNNNNN.json`: the commit of that version.
    case commit(Int64)
    /// `N.checkpoint.parquet`: a classic single-file checkpoint.
    case checkpoint(Int64)
    /// `N.checkpoint.PPPPPPPPPP.TTTTTTTTTT.parquet`: part P of a T-part checkpoint.
    case checkpointPart(Int64, part: Int, parts: Int)
    /// `N.checkpoint.UUID.parquet|json`: a v2 checkpoint (may refer to sidecar files).
    case v2Checkpoint(Int64)

    var version: Int64 {
        switch self {
        case .commit(let v), .checkpoint(let v), .checkpointPart(let v, _, _), .v2Checkpoint(let v): v
        }
    }

    /// Parses a `_delta_log` file name; nil for anything else (`.crc`, `_last_checkpoint`, temp files).
    static func parse(_ name: String) -> LogFileName? {
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count >= 2, parts[0].count == 20, parts[0].allSatisfy(\.isASCII), let version = Int64(parts[0]), version >= 0 else {
            return nil
        }
        if parts.count == 2, parts[1] == "json" { return .commit(version) }
        guard parts.count >= 3, parts[1] == "checkpoint" else { return nil }
        if parts.count == 3, parts[2] == "parquet" { return .checkpoint(version) }
        if parts.count == 5, parts[4] == "parquet", parts[2].count == 10, parts[3].count == 10,
           let part = Int(parts[2]), let total = Int(parts[3]), part >= 1, part <= total
        {
            return .checkpointPart(version, part: part, parts: total)
        }
        if parts.count == 4, parts[3] == "parquet" || parts[3] == "json", parts[2].count == 36 { return .v2Checkpoint(version) }
        return nil
    }

    static func commitName(_ version: Int64) -> String {
        let digits = String(version)
        return String(repeating: "0", count: max(0, 20 - digits.count)) + digits + ".json"
    }
}

/// The log files needed to reconstruct one version: at most one complete checkpoint, then the
/// contiguous commits after it up to the version.
struct LogSegment: Equatable {
    /// The version the segment reconstructs.
    var version: Int64
    /// The checkpoint's version and its files (names within `_delta_log`), if one is used.
    var checkpoint: (version: Int64, files: [String])?
    /// The commits after the checkpoint, oldest first: version and name.
    var commits: [(version: Int64, name: String, modificationTime: Int64)]

    static func == (lhs: LogSegment, rhs: LogSegment) -> Bool {
        lhs.version == rhs.version && lhs.checkpoint?.version == rhs.checkpoint?.version
            && lhs.checkpoint?.files == rhs.checkpoint?.files && lhs.commits.map(\.version) == rhs.commits.map(\.version)
    }

    /// The segment for `target` (the latest version when nil) from a listing of `_delta_log`.
    static func build(listing: [StoredFile], target: Int64?, table: String) throws(DeltaError) -> LogSegment {
        var commits: [Int64: StoredFile] = [:]
        var singles: [Int64: String] = [:]
        var v2: [Int64: String] = [:]
        var multi: [Int64: [Int: [Int: String]]] = [:]  // version -> parts -> part -> name
        for file in listing {
            guard let parsed = LogFileName.parse(file.name) else { continue }
            switch parsed {
            case .commit(let v): commits[v] = file
            case .checkpoint(let v): singles[v] = file.name
            case .v2Checkpoint(let v): v2[v] = file.name
            case .checkpointPart(let v, let part, let parts): multi[v, default: [:]][parts, default: [:]][part] = file.name
            }
        }
        // Complete checkpoints: a single file, a v2 file, or every part of a multi-part one.
        var checkpoints: [Int64: [String]] = [:]
        for (v, name) in singles { checkpoints[v] = [name] }
        for (v, name) in v2 where checkpoints[v] == nil { checkpoints[v] = [name] }
        for (v, byTotal) in multi where checkpoints[v] == nil {
            for (total, parts) in byTotal where parts.count == total {
                checkpoints[v] = (1 ... total).map { parts[$0]! }
                break
            }
        }
        let latestCommit = commits.keys.max()
        let latestCheckpoint = checkpoints.keys.max()
        guard let newest = [latestCommit, latestCheckpoint].compactMap({ $0 }).max() else {
            throw DeltaError(.io, table: table, location: "_delta_log", "not a Delta table: no commit or checkpoint in _delta_log")
        }
        let version = target ?? newest
        guard version <= newest else {
            throw DeltaError(.invalidRequest, table: table, "version \(version) does not exist (the latest is \(newest))")
        }
        guard version >= 0 else { throw DeltaError(.invalidRequest, table: table, "version \(version) is negative") }
        let checkpointVersion = checkpoints.keys.filter { $0 <= version }.max()
        guard version < Int64.max else { throw DeltaError(.corruptLog, table: table, location: "_delta_log", "a log file claims version \(version)") }
        let start = checkpointVersion.map { $0 + 1 } ?? 0
        var segmentCommits: [(version: Int64, name: String, modificationTime: Int64)] = []
        if start <= version {
            for v in start ... version {
                guard let file = commits[v] else {
                    if checkpointVersion == nil, let earliest = commits.keys.min(), earliest > v {
                        throw DeltaError(.invalidRequest, table: table,
                                         "version \(version) cannot be reconstructed: the log starts at version \(earliest) and no checkpoint precedes it")
                    }
                    throw DeltaError(.corruptLog, table: table, location: "_delta_log",
                                     "commit \(LogFileName.commitName(v)) is missing between the checkpoint and version \(version)")
                }
                segmentCommits.append((v, file.name, file.modificationTime))
            }
        }
        return LogSegment(version: version, checkpoint: checkpointVersion.map { ($0, checkpoints[$0]!) }, commits: segmentCommits)
    }
}
