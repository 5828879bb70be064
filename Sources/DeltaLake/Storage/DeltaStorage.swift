#if canImport(Glibc)
import Glibc
#endif
import CSluiceSystem
import Dispatch
import Synchronization

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
    /// Creates `path` with `bytes` only if nothing is there yet (atomically: readers see all of it
    /// or nothing); false when it already exists. This is what makes a commit a commit.
    func putIfAbsent(_ path: String, _ bytes: [UInt8]) throws(DeltaError) -> Bool
    /// Writes `path` atomically, replacing what was there (`_last_checkpoint`).
    func replace(_ path: String, _ bytes: [UInt8]) throws(DeltaError)
    /// Creates `directory` and its parents if missing.
    func makeDirectories(_ directory: String) throws(DeltaError)
    /// Deletes `path`; a missing file is not an error.
    func delete(_ path: String) throws(DeltaError)
    /// Makes the data files at `paths` durable (they are written without their own fsync and
    /// synced together before the commit that makes them part of the table).
    func syncWrittenFiles(_ paths: [String]) throws(DeltaError)
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

    public func putIfAbsent(_ path: String, _ bytes: [UInt8]) throws(DeltaError) -> Bool {
        let temporary = try writeTemporary(beside: path, bytes)
        defer { unlink(temporary) }
        if link(temporary, localPath(path)) != 0 {
            if errno == EEXIST { return false }
            throw DeltaError(.io, table: root, location: path, "cannot create: \(String(cString: strerror(errno)))")
        }
        syncDirectory(of: path)
        return true
    }

    public func replace(_ path: String, _ bytes: [UInt8]) throws(DeltaError) {
        let temporary = try writeTemporary(beside: path, bytes)
        guard rename(temporary, localPath(path)) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw DeltaError(.io, table: root, location: path, "cannot replace: \(reason)")
        }
        syncDirectory(of: path)
    }

    /// A few files are fsynced one by one; many (a partitioned bulk write) with one syncfs of
    /// the file system, which costs one journal commit instead of one per file but also flushes
    /// whatever else is dirty there.
    public func syncWrittenFiles(_ paths: [String]) throws(DeltaError) {
        if paths.count <= 32 {
            // Files first, then their directories (so the new names are durable too); each group
            // is flushed side by side, letting the file system batch the journal commits.
            let failure = Mutex<DeltaError?>(nil)
            let root = root
            DispatchQueue.concurrentPerform(iterations: paths.count) { index in
                let path = paths[index]
                let fd = open(localPath(path), O_RDONLY | O_CLOEXEC)
                guard fd >= 0 else {
                    let error = DeltaError(.io, table: root, location: path, "cannot open to sync: \(String(cString: strerror(errno)))")
                    failure.withLock { $0 = $0 ?? error }
                    return
                }
                defer { close(fd) }
                if fsync(fd) != 0 {
                    let error = DeltaError(.io, table: root, location: path, "fsync failed: \(String(cString: strerror(errno)))")
                    failure.withLock { $0 = $0 ?? error }
                }
            }
            if let error = failure.withLock({ $0 }) { throw error }
            let directories = Array(Set(paths.map { path in String(path.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")) }))
            DispatchQueue.concurrentPerform(iterations: directories.count) { index in
                let fd = open(localPath(directories[index]), O_RDONLY | O_DIRECTORY | O_CLOEXEC)
                if fd >= 0 { fsync(fd); close(fd) }
            }
            return
        }
        let fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw DeltaError(.io, table: root, "cannot open the table directory: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        guard sluice_syncfs(fd) == 0 else { throw DeltaError(.io, table: root, "syncfs failed: \(String(cString: strerror(errno)))") }
    }

    public func makeDirectories(_ directory: String) throws(DeltaError) {
        let full = localPath(directory)
        // Usually only the last component is missing (a new partition): try it alone first.
        if mkdir(full, 0o755) == 0 || errno == EEXIST { return }
        let absolute = full.hasPrefix("/")
        var current = ""
        for part in full.split(separator: "/") {
            current += current.isEmpty && !absolute ? String(part) : "/" + part
            if mkdir(current, 0o755) != 0, errno != EEXIST {
                throw DeltaError(.io, table: root, location: directory, "cannot create directory \(current): \(String(cString: strerror(errno)))")
            }
        }
    }

    public func delete(_ path: String) throws(DeltaError) {
        if unlink(localPath(path)) != 0, errno != ENOENT {
            throw DeltaError(.io, table: root, location: path, "cannot delete: \(String(cString: strerror(errno)))")
        }
    }

    /// Writes `bytes` to a fresh temporary file in `path`'s directory and flushes it to disk.
    private func writeTemporary(beside path: String, _ bytes: [UInt8]) throws(DeltaError) -> String {
        let full = localPath(path)
        let directory = full.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        let temporary = (directory.isEmpty ? "" : directory + "/") + ".tmp-\(getpid())-\(UInt64.random(in: 0 ... UInt64.max))"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw DeltaError(.io, table: root, location: path, "cannot create a temporary file: \(String(cString: strerror(errno)))") }
        var failure: String?
        bytes.withUnsafeBytes { raw in
            var done = 0
            while done < raw.count {
                let n = Glibc.write(fd, raw.baseAddress! + done, raw.count - done)
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = String(cString: strerror(errno))
                    return
                }
                done += n
            }
        }
        if failure == nil, fsync(fd) != 0 { failure = String(cString: strerror(errno)) }
        close(fd)
        if let failure {
            unlink(temporary)
            throw DeltaError(.io, table: root, location: path, "cannot write: \(failure)")
        }
        return temporary
    }

    /// Flushes the directory entry of `path` (so a commit survives a crash once acknowledged).
    private func syncDirectory(of path: String) {
        let full = localPath(path)
        let directory = full.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        let fd = open(directory.isEmpty ? "." : directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd >= 0 {
            fsync(fd)
            close(fd)
        }
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
