import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Looks at processes through /proc: whether a pid is alive and is still the process we started.
public enum ProcessProbe {
    /// The process start time in clock ticks since boot (field 22 of /proc/PID/stat), which
    /// tells a reused pid apart from the original process.
    public static func startTicks(of pid: Int32) -> Int64? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = text.lastIndex(of: ")") else { return nil }
        // Fields after the command name (which may contain spaces) start at field 3.
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 19 else { return nil }
        return Int64(fields[19])
    }

    /// True when `pid` runs and (if given) started at `ticks`; zombies count as gone.
    public static func isAlive(_ pid: Int32, startTicks ticks: Int64?) -> Bool {
        guard kill(pid, 0) == 0 || errno == EPERM else { return false }
        if let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
           let close = text.lastIndex(of: ")") {
            let state = text[text.index(after: close)...].split(separator: " ").first
            if state == "Z" { return false }
        }
        guard let ticks else { return true }
        return startTicks(of: pid) == ticks
    }

    /// True when any process is left in process group `pgid`.
    public static func groupAlive(_ pgid: Int32) -> Bool {
        kill(-pgid, 0) == 0 || errno == EPERM
    }

    public static var hostname: String {
        var buffer = [CChar](repeating: 0, count: 256)
        gethostname(&buffer, buffer.count)
        let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        return String(decoding: bytes, as: UTF8.self)
    }
}
