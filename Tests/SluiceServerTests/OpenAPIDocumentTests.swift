import Foundation
import SluiceCore
import SluiceMetadata
import Testing
@testable import SluiceServer

@Suite("docs/openapi.yaml describes the server")
struct OpenAPIDocumentTests {
    static let document = APITestServer.repository.appendingPathComponent("docs/openapi.yaml").path
    static let methods: Set<String> = ["get", "put", "post", "delete", "patch", "head", "options", "trace"]

    /// (method, path) -> the role noted in `x-sluice-role`, for every operation in the document.
    static func documentedOperations() throws -> [String: String] {
        let text = try String(contentsOfFile: document, encoding: .utf8)
        var diagnostics = DiagnosticBag(file: document)
        let root = try YAMLParser.parse(text, diagnostics: &diagnostics).root?.value ?? .null
        var operations: [String: String] = [:]
        for (path, item) in root["paths"]?.mapValue ?? [] {
            for (method, operation) in item.mapValue ?? [] where methods.contains(method) {
                operations["\(method) \(path)"] = operation["x-sluice-role"]?.stringValue ?? "(missing)"
            }
        }
        return operations
    }

    @Test("every route the server registers is documented with its role, and every documented route exists")
    func routesMatch() throws {
        let root = NSTemporaryDirectory() + "sluice-openapi-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: root) }
        let store = try MetadataStore(path: root + "/sluice.db")
        let server = APIServer(context: ServerContext(store: store, options: APIServerOptions(logFolder: root + "/logs", lakeRoot: root)))
        var registered: [String: String] = [:]
        for route in server.routes {
            let key = "\(route.method) \(route.path)"
            #expect(registered[key] == nil, "\(key) is registered twice")
            registered[key] = route.role?.rawValue ?? "none"
        }
        let documented = try Self.documentedOperations()
        let undocumented = Set(registered.keys).subtracting(documented.keys).sorted()
        let unimplemented = Set(documented.keys).subtracting(registered.keys).sorted()
        #expect(undocumented.isEmpty, "routes missing from docs/openapi.yaml: \(undocumented)")
        #expect(unimplemented.isEmpty, "documented routes the server lacks: \(unimplemented)")
        for (key, role) in registered where documented[key] != nil {
            #expect(documented[key] == role, "\(key): x-sluice-role is \(documented[key]!), the server needs \(role)")
        }
        #expect(registered.count > 30)
    }

    @Test("openapi-spec-validator accepts the document")
    func validates() throws {
        let python = APITestServer.repository.appendingPathComponent("interop/.venv/bin/python").path
        guard FileManager.default.isExecutableFile(atPath: python) else {
            print("SKIPPED: interop/.venv missing (run scripts/test.sh); docs/openapi.yaml not checked by openapi-spec-validator")
            return
        }
        let probe = try Self.run(python, ["-c", "import openapi_spec_validator"])
        guard probe.status == 0 else {
            print("SKIPPED: openapi-spec-validator is not in interop/.venv (re-run scripts/test.sh to update it); docs/openapi.yaml not checked")
            return
        }
        let result = try Self.run(python, ["-m", "openapi_spec_validator", Self.document])
        #expect(result.status == 0, "openapi-spec-validator: \(result.output)")
        #expect(result.output.contains("OK"), "\(result.output)")
    }

    static func run(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
