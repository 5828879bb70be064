import Foundation
import Testing
@testable import SluiceCore

/// Every file under Fixtures/malformed ends with `# expect: LINE:COLUMN: error: MESSAGE` lines; the
/// loader must report exactly those problems, at exactly those positions.
@Suite("malformed DAG corpus")
struct MalformedCorpusTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures/malformed").path

    static var files: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { $0.hasSuffix(".yaml") }.sorted()
    }

    @Test("the corpus covers at least 30 distinct malformed files")
    func corpusSize() {
        #expect(Self.files.count >= 30)
    }

    @Test("each malformed file reports exactly its expected problems at exact line:column", arguments: files)
    func reportsExactProblems(name: String) throws {
        let path = Self.folder + "/" + name
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let expected = text.split(separator: "\n").compactMap { line -> String? in
            guard line.hasPrefix("# expect: ") else { return nil }
            return String(line.dropFirst("# expect: ".count))
        }
        #expect(!expected.isEmpty, "\(name) has no '# expect:' lines")
        let result = DagFileLoader().load(path: path, displayPath: name)
        let actual = result.diagnostics.map { "\($0.location.line):\($0.location.column): \($0.severity.rawValue): \($0.message)" }
        #expect(actual == expected)
        #expect(result.dag == nil, "a file with errors must not produce a DAG")
    }
}
