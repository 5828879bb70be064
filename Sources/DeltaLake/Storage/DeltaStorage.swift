#if canImport(Glibc)
import Glibc
#endif

/// One entry of a directory listing.
public struct StoredFile: Sendable, Equatable {
    /// The name within its directory.
    public var name: String
    public var size: Int64
    /// Last modification, in milliseconds since the Unix epoch.
    public var modificationTime: Int64
}

/// Where a table's files live. Paths are relative to the table root and use `/`. The local file
/// system is the first implementation; tests can wrap it to inject faults.
public protocol DeltaStorage: Sendable {
    /// The table root, as shown in errors.
    var root: String { get }
    /// The files (not directories) directly inside `directory`; nil when it does not exist.
    func list(_ directory: String) throws(DeltaError) -> [StoredFile]?
    /// The whole content of `path`.
    func read(_ path: String) throws(DeltaError) -> [UInt8]
    /// The local path of `path` (relative to the root, or absolute), for readers that open files
    /// themselves (Parquet).
    func localPath(_ path: String) -> String
}

/// A table on the local file system.
public struct LocalStorage: DeltaStorage {
    public let root: String

    public init(root: String) {
        var root = root
        while root.count > 1, root.hasSuffix("/") { root.removeLast() }
        self.root = root
    }

    /// `path` under the root; an absolute path (deletion vectors stored by path) as it is.
    public func localPath(_ path: String) -> String {
        path.isEmpty ? root : path.hasPrefix("/") ? path : root + "/" + path
    }

    public func list(_ directory: String) throws(DeltaError) -> [StoredFile]? {
        let full = localPath(directory)
        guard let handle = opendir(full) else {
            if errno == ENOENT || errno == ENOTDIR { return nil }
            throw DeltaError(.io, table: root, location: directory, "cannot list: \(String(cString: strerror(errno)))")
        }
        defer { closedir(handle) }
        var files: [StoredFile] = []
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name == "." || name == ".." { continue }
            var info = stat()
            guard stat(full + "/" + name, &info) == 0 else { continue }  // vanished since the listing
            guard (info.st_mode & S_IFMT) == S_IFREG else { continue }
            let millis = Int64(info.st_mtim.tv_sec) * 1000 + Int64(info.st_mtim.tv_nsec) / 1_000_000
            files.append(StoredFile(name: name, size: Int64(info.st_size), modificationTime: millis))
        }
        return files
    }

    public func read(_ path: String) throws(DeltaError) -> [UInt8] {
        let full = localPath(path)
        let fd = open(full, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw DeltaError(.io, table: root, location: path, "cannot open: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw DeltaError(.io, table: root, location: path, "read failed: \(String(cString: strerror(errno)))")
            }
            if n == 0 { return bytes }
            bytes.append(contentsOf: chunk[0 ..< n])
        }
    }
}
