import Foundation
import Testing
@testable import SluiceServer

@Suite("Paths from requests stay inside their roots")
struct PathGuardTests {
    @Test("relative and absolute paths inside the root resolve; .., absolute paths elsewhere and symlinks out are refused")
    func traversal() throws {
        let root = NSTemporaryDirectory() + "sluice-pathguard-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: root + "/logs/dag/run", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let logs = root + "/logs"
        #expect(PathGuard.resolve("dag/run/try-1.log", inside: logs) == PathGuard.canonical(logs) + "/dag/run/try-1.log")
        #expect(PathGuard.resolve(logs + "/dag/run/try-1.log", inside: logs) != nil)
        #expect(PathGuard.resolve("../secret", inside: logs) == nil)
        #expect(PathGuard.resolve("dag/../../secret", inside: logs) == nil)
        #expect(PathGuard.resolve("../../../../etc/passwd", inside: logs) == nil)
        #expect(PathGuard.resolve("/etc/passwd", inside: logs) == nil)
        #expect(PathGuard.resolve(logs + "x/file", inside: logs) == nil)
        #expect(PathGuard.resolve("a\0b", inside: logs) == nil)
        try FileManager.default.createSymbolicLink(atPath: logs + "/out", withDestinationPath: "/etc")
        #expect(PathGuard.resolve("out/passwd", inside: logs) == nil)
    }
}
