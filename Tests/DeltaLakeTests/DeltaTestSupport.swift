import Foundation
@testable import DeltaLake

/// Where the Delta conformance tables live (../shared/conformance/delta/tables beside the repository).
enum DeltaCorpus {
    static let repository: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // DeltaLakeTests
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()  // repository
    static let tables = repository.deletingLastPathComponent().appendingPathComponent("shared/conformance/delta/tables")
    static let python = repository.appendingPathComponent("interop/.venv/bin/python")

    /// The path of a conformance table, or nil (after a visible note) when the corpus is absent.
    static func path(_ name: String) -> String? {
        let url = tables.appendingPathComponent(name)
        guard FileManager.default.fileExists(atPath: url.path) else {
            print("SKIPPED: Delta conformance table \(url.path) is not present")
            return nil
        }
        return url.path
    }

    /// Every table directory of the corpus (empty, with a note, when it is absent).
    static var all: [String] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: tables.path) else {
            print("SKIPPED: Delta conformance tables \(tables.path) are not present")
            return []
        }
        return names.sorted()
    }
}
