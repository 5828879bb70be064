import Foundation
import SluiceCore
#if canImport(Glibc)
import Glibc
#endif

/// A try's log file (`logs/DAG/RUN_ID/TASK/try-N.log`), opened for appending. Child processes
/// get its descriptor directly, so their output lands even if the scheduler dies first.
public final class TaskLogFile: TaskLogSink, @unchecked Sendable {
    public let path: String?
    public let fileDescriptor: Int32?
    private let lock = NSLock()

    public init(path: String) throws(TaskFailure) {
        var fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        if fd < 0 && errno == ENOENT {
            // First try of this task: create its folder (and parents) once.
            try? FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        }
        guard fd >= 0 else { throw TaskFailure("cannot open log file \(path): \(String(cString: strerror(errno)))") }
        self.path = path
        self.fileDescriptor = fd
    }

    deinit { if let fd = fileDescriptor { close(fd) } }

    public func write(_ bytes: UnsafeRawBufferPointer) {
        guard let fd = fileDescriptor, var base = bytes.baseAddress else { return }
        lock.withLock {
            var remaining = bytes.count
            while remaining > 0 {
                let n = Glibc.write(fd, base, remaining)
                if n <= 0 { if errno == EINTR { continue }; return }
                remaining -= n
                base += n
            }
        }
    }

    public func line(_ text: String) {
        let stamped = "[\(TaskLogFile.timestamp())] \(text)\n"
        Array(stamped.utf8).withUnsafeBytes { write($0) }
    }

    static func timestamp() -> String { Date().utcText() }
}
