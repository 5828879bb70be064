import Foundation
import Testing

/// The web UI in a real browser: interop/ui/browser_test.py seeds a project with the built
/// `sluice`, serves it with `sluice api-server` and drives headless Chromium through Selenium.
@Suite("web UI in headless Chromium")
struct WebUITests {
    static let python = CLI.repositoryRoot + "/interop/.venv/bin/python"
    static let script = CLI.repositoryRoot + "/interop/ui/browser_test.py"

    @Test("every page loads without console errors; an operator's trigger shows in the grid; viewers and wrong CSRF values get 403",
          .timeLimit(.minutes(5)))
    func pagesInChromium() throws {
        if let missing = Self.missingTool() {
            print("SKIPPED: \(missing); the web UI browser test did not run")
            return
        }
        let screenshots = try CLI.temporaryFolder() + "/screenshots"
        print("web UI screenshots: \(screenshots)")
        let run = try Self.runScript(["--sluice", CLI.binary, "--out", screenshots], timeout: 270)
        print(run.output)
        #expect(run.status == 0, "interop/ui/browser_test.py exited \(run.status):\n\(run.output)")
        #expect(run.output.contains("browser test passed"), "no pass line from interop/ui/browser_test.py:\n\(run.output)")
    }

    /// What the browser test needs and this machine lacks (scripts/test.sh installs all of it), or nil.
    static func missingTool() -> String? {
        for tool in ["chromium", "chromedriver"] where findOnPath(tool) == nil {
            return "\(tool) is not installed (Debian packages chromium, chromium-driver; scripts/test.sh installs them)"
        }
        guard FileManager.default.isExecutableFile(atPath: python) else { return "interop/.venv is missing (run scripts/test.sh)" }
        guard let check = try? runScript(["-c", "import selenium"], script: nil, timeout: 60), check.status == 0 else {
            return "selenium is not in interop/.venv (re-run scripts/test.sh to update it)"
        }
        return nil
    }

    static func findOnPath(_ tool: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return (path.split(separator: ":") + ["/usr/bin"]).map { "\($0)/\(tool)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Runs the venv's python on the script with stdout and stderr in one file (no pipe can fill
    /// up); past `timeout` seconds it gets SIGTERM (the script then closes Chromium and the server),
    /// and SIGKILL 15 s later.
    static func runScript(_ arguments: [String], script: String? = Self.script, timeout: Double) throws -> (status: Int32, output: String) {
        let outputPath = NSTemporaryDirectory() + "sluice-webui-\(UUID().uuidString).out"
        _ = FileManager.default.createFile(atPath: outputPath, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: outputPath) }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: outputPath))
        defer { try? handle.close() }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = (script.map { [$0] } ?? []) + arguments
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        let pid = process.processIdentifier
        let terminate = DispatchWorkItem { kill(pid, SIGTERM) }
        let killer = DispatchWorkItem { kill(pid, SIGKILL) }
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: terminate)
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout + 15, execute: killer)
        process.waitUntilExit()
        terminate.cancel()
        killer.cancel()
        return (process.terminationStatus, (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "")
    }
}
