import Columnar
import Foundation
@testable import Parquet

/// Where the Parquet conformance corpus lives: /work/shared/conformance/parquet, found from this
/// file's path (Tests/ParquetTests/Reader/ → repository → its parent → shared/...).
enum ReaderCorpus {
    static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // Reader
        .deletingLastPathComponent()  // ParquetTests
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()  // repository
        .deletingLastPathComponent()  // its parent
        .appendingPathComponent("shared/conformance/parquet")

    static var data: URL { root.appendingPathComponent("data") }
    static var badData: URL { root.appendingPathComponent("bad_data") }

    /// The path of a corpus file, or nil (after printing a visible note) when the corpus is absent.
    static func path(_ name: String, in directory: URL = data) -> String? {
        let url = directory.appendingPathComponent(name)
        guard FileManager.default.fileExists(atPath: url.path) else {
            print("SKIPPED: Parquet conformance corpus file \(url.path) is not present")
            return nil
        }
        return url.path
    }

    /// Every `.parquet` file of a corpus directory (empty, with a note, when it is absent).
    static func files(in directory: URL) -> [String] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory.path) else {
            print("SKIPPED: Parquet conformance corpus directory \(directory.path) is not present")
            return []
        }
        return names.filter { $0.hasSuffix(".parquet") }.sorted()
    }
}

/// FNV-1a 64 of the UTF-8 bytes (the expectation generator hashes the same way).
func fnv1a64(_ text: String) -> UInt64 {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in text.utf8 {
        hash ^= UInt64(byte)
        hash = hash &* 0x100_0000_01b3
    }
    return hash
}

/// Renders every batch as JSON Lines, concatenated.
func renderAll(_ batches: [RecordBatch]) -> String {
    batches.map(JSONLines.render).joined()
}

/// A deterministic generator for mutation tests (SplitMix64).
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
