import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import SluiceCore
import SluiceMetadata
@testable import SluiceServer

/// An API server on 127.0.0.1 (a free port) over a temporary metadata database whose DAGs come
/// from a small DAG folder, with one token per role.
final class APITestServer: @unchecked Sendable {
    static let secret = "s3cret-value-from-config"

    /// A DAG with typed params, a secret-looking argument and a default run path.
    static let dag = """
    dag_id: ops
    schedule: "@daily"
    start_date: 2024-01-01
    end_date: 2024-01-03
    params:
      who: {type: string, default: world}
      count: {type: int, default: 1, min: 0}
    tasks:
      - {id: hello, operator: bash, with: {command: 'echo "hello {{ params.who }}"', env: {DB_PASSWORD: hunter22, MODE: fast}}}
      - {id: after, operator: bash, depends_on: [hello], with: {command: 'echo after'}}
      - {id: last, operator: empty, depends_on: [after]}
    """

    let root: String
    let store: MetadataStore
    let server: APIServer
    let port: Int
    private let task: Task<Void, any Error>
    /// Tokens by role name (`viewer`, `operator`, `admin`, `worker`), plus `revoked`.
    let tokens: [String: String]

    init(dags: [String: String] = ["ops.yaml": APITestServer.dag], bodyLimit: Int = 64 * 1024) async throws {
        root = NSTemporaryDirectory() + "sluice-api-\(UUID().uuidString)"
        let fm = FileManager.default
        try fm.createDirectory(atPath: root + "/dags", withIntermediateDirectories: true)
        try fm.createDirectory(atPath: root + "/logs", withIntermediateDirectories: true)
        try fm.createDirectory(atPath: root + "/lake/reports", withIntermediateDirectories: true)
        for (name, text) in dags { try text.write(toFile: root + "/dags/" + name, atomically: true, encoding: .utf8) }
        store = try MetadataStore(path: root + "/meta/sluice.db")
        let bag = DagBag.load(paths: [root + "/dags"], loader: DagFileLoader(registry: .builtin))
        try store.syncDags(bag)
        if dags["ops.yaml"] != nil, bag.dags["ops"] == nil { throw APIError(.internalServerError, "the test DAG does not load: \(bag.importErrors)") }
        var tokens: [String: String] = [:]
        for role in TokenRole.allCases { tokens[role.rawValue] = try store.createToken(name: "t-\(role.rawValue)", role: role) }
        tokens["revoked"] = try store.createToken(name: "t-revoked", role: .admin)
        try store.revokeToken(name: "t-revoked")
        self.tokens = tokens
        let options = APIServerOptions(port: 0, bodyLimit: bodyLimit, logFolder: root + "/logs", lakeRoot: root + "/lake",
                                       secrets: [Self.secret])
        let server = APIServer(context: ServerContext(store: store, options: options))
        self.server = server
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        task = Task { try await server.run(onListening: { port in continuation.yield(port); continuation.finish() }) }
        var bound = 0
        for await port in ports { bound = port }
        port = bound
        if port == 0 { throw APIError(.internalServerError, "the test server did not start") }
    }

    func stop() async {
        task.cancel()
        _ = await task.result
        try? FileManager.default.removeItem(atPath: root)
    }

    /// An answer: status, body text, the body as JSON (null when not JSON) and the headers.
    struct Answer {
        var status: Int
        var text: String
        var headers: [String: String]
        var json: Value { (try? Value.parseJSON(text)) ?? .null }
        var error: String { json["error"]?.stringValue ?? "" }
    }

    /// Calls `method path` with the token of `role` (nil: none) and an optional body.
    func call(_ method: String, _ path: String, as role: String? = "admin", json body: Value? = nil, raw: Data? = nil,
              token: String? = nil) async throws -> Answer {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        request.httpMethod = method
        request.timeoutInterval = 60
        if let bearer = token ?? role.flatMap({ tokens[$0] }) { request.setValue("Bearer \(bearer)", forHTTPHeaderField: "Authorization") }
        if let body {
            request.httpBody = Data(body.jsonText().utf8)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        } else if let raw {
            request.httpBody = raw
        }
        let (data, response) = try await URLSession.shared.data(for: request)
        let http = response as! HTTPURLResponse
        var headers: [String: String] = [:]
        for (key, value) in http.allHeaderFields { headers["\(key)".lowercased()] = "\(value)" }
        return Answer(status: http.statusCode, text: String(decoding: data, as: UTF8.self), headers: headers)
    }

    /// The repository root (for docs/openapi.yaml and the interop venv).
    static let repository = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // SluiceServerTests
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()
}
