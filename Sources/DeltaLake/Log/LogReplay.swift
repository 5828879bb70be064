/// The table state that replaying actions produces: the newest protocol and metadata, the live
/// data files, tombstones, application transaction versions and metadata domains. Pure: it only
/// sees actions, in log order.
public struct TableState: Sendable {
    public var `protocol`: DeltaProtocol?
    public var metadata: DeltaMetadata?
    /// Live files by key (decoded path plus deletion-vector identity), in first-added order.
    public private(set) var files: [FileKey: AddFile] = [:]
    /// Removed files still inside the tombstone retention, by key.
    public private(set) var tombstones: [FileKey: RemoveFile] = [:]
    /// The last committed version of each application (`txn` actions).
    public var transactions: [String: TransactionVersion] = [:]
    /// Live metadata domains.
    public var domains: [String: DomainMetadata] = [:]
    private var order: [FileKey] = []
    /// Keys present in `order` (a file removed and added again keeps its first place).
    private var ordered: Set<FileKey> = []

    public init() {}

    /// A data file's identity in the log: its path, percent-decoded, and its deletion vector.
    public struct FileKey: Hashable, Sendable {
        public var path: String
        public var deletionVector: String?
    }

    /// Applies `action` (actions must come oldest first).
    public mutating func apply(_ action: DeltaAction) {
        switch action {
        case .protocol(let p): self.protocol = p
        case .metadata(let m): metadata = m
        case .add(let add):
            let key = FileKey(path: DeltaPath.decode(add.path), deletionVector: add.deletionVector?.uniqueId)
            files[key] = add
            if ordered.insert(key).inserted { order.append(key) }
            tombstones[key] = nil
        case .remove(let remove):
            let key = FileKey(path: DeltaPath.decode(remove.path), deletionVector: remove.deletionVector?.uniqueId)
            files[key] = nil
            tombstones[key] = remove
        case .txn(let txn): transactions[txn.appId] = txn
        case .domainMetadata(let domain):
            domains[domain.domain] = domain.removed ? nil : domain
        case .commitInfo, .cdc, .checkpointMetadata, .sidecar:
            break
        }
    }

    /// The live files in the order they were first added.
    public var liveFiles: [AddFile] {
        order.compactMap { files[$0] }
    }

    /// Drops keys of files no longer live from the ordering (after many removes).
    mutating func compactOrder() {
        order.removeAll { files[$0] == nil }
        ordered = Set(order)
    }
}

/// Percent-decoding of `add.path` / `remove.path` (URIs relative to the table root).
public enum DeltaPath {
    /// `path` with every `%XX` escape decoded exactly once (invalid escapes are kept as written).
    public static func decode(_ path: String) -> String {
        guard path.utf8.contains(UInt8(ascii: "%")) else { return path }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(path.utf8.count)
        let source = Array(path.utf8)
        var i = 0
        while i < source.count {
            if source[i] == UInt8(ascii: "%"), i + 2 < source.count, let high = hex(source[i + 1]), let low = hex(source[i + 2]) {
                bytes.append(high << 4 | low)
                i += 3
            } else {
                bytes.append(source[i])
                i += 1
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func hex(_ b: UInt8) -> UInt8? {
        switch b {
        case UInt8(ascii: "0") ... UInt8(ascii: "9"): b - UInt8(ascii: "0")
        case UInt8(ascii: "a") ... UInt8(ascii: "f"): b - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A") ... UInt8(ascii: "F"): b - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
