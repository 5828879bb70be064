import Foundation
import Testing
@testable import SluiceCore

@Suite("configuration")
struct ConfigTests {
    func write(_ text: String) throws -> String {
        let dir = NSTemporaryDirectory() + "sluice-config-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let path = dir + "/scheduler.yaml"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test("defaults, then the file, then SLUICE__SECTION__KEY variables")
    func layering() throws {
        let path = try write("executor:\n  parallelism: 4\nlake:\n  root: /data/lake\n")
        let config = try SluiceConfig.load(path: path, required: true, environment: ["SLUICE__EXECUTOR__PARALLELISM": "12", "HOME": "/x"])
        #expect(config.int("executor", "parallelism") == 12)
        #expect(config.entry("executor", "parallelism").source == .environment)
        #expect(config.path("lake", "root") == "/data/lake")
        #expect(config.entry("lake", "root").source == .file)
        #expect(config.string("core", "default_timezone") == "UTC")
        let dir = (path as NSString).deletingLastPathComponent
        #expect(config.dagsFolder == dir + "/dags", "relative paths resolve against the config file's folder")
    }

    @Test("every problem in the file and the environment is reported with its place")
    func problems() throws {
        let path = try write("executor:\n  paralelism: 4\n  kind: remot\nlaek: {}\n")
        do {
            _ = try SluiceConfig.load(path: path, required: true, environment: ["SLUICE__API__PORT": "http"])
            Issue.record("expected a configuration error")
        } catch {
            #expect(error.problems == [
                "\(path):2:3: error: unknown key 'paralelism' in section 'executor' (did you mean 'parallelism'?)",
                "\(path):3:9: error: executor.kind: 'remot' is not one of local, remote (did you mean 'remote'?)",
                "\(path):4:1: error: unknown section 'laek' (did you mean 'lake'?)",
                "environment variable SLUICE__API__PORT: 'http' is not an integer",
            ])
        }
    }

    @Test("a missing default config file means defaults; a missing explicit one is an error")
    func missingFile() throws {
        let config = try SluiceConfig.load(path: "/nonexistent/scheduler.yaml", required: false, environment: [:])
        #expect(config.file == nil)
        #expect(throws: ConfigError.self) { try SluiceConfig.load(path: "/nonexistent/scheduler.yaml", required: true, environment: [:]) }
    }
}
