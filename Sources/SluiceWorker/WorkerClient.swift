import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import SluiceCore

/// An answer from the API server.
struct APIAnswer: Sendable {
    var status: Int
    var body: Data

    /// The body as a JSON value (null when it is not JSON).
    var json: Value { (try? Value.parseJSON(String(decoding: body, as: UTF8.self))) ?? .null }
    /// The server's one-line error message, or the status.
    var message: String { json["error"]?.stringValue ?? "HTTP \(status)" }
    var ok: Bool { (200 ..< 300).contains(status) }
}

/// A call that got no answer (connection refused, reset, timed out).
struct Unreachable: Error, CustomStringConvertible {
    var description: String
}

/// The worker's side of the HTTP protocol: bearer-authenticated JSON calls to `/api/v1`.
final class WorkerClient: Sendable {
    let base: URL
    private let token: String
    private let session: URLSession

    init(base: URL, token: String) {
        self.base = base
        self.token = token
        let configuration = URLSessionConfiguration.ephemeral
        configuration.httpMaximumConnectionsPerHost = 16
        configuration.timeoutIntervalForRequest = 120
        session = URLSession(configuration: configuration)
    }

    /// Sends one request; `timeout` bounds the wait for the answer (long polls pass their wait plus a margin).
    func send(_ method: String, _ path: String, query: [(String, String)] = [], json: Value? = nil, body: Data? = nil,
              timeout: Double = 30) async -> Result<APIAnswer, Unreachable> {
        var components = URLComponents(url: base.appendingPathComponent(path), resolvingAgainstBaseURL: false)!
        if !query.isEmpty { components.queryItems = query.map { URLQueryItem(name: $0.0, value: $0.1) } }
        var request = URLRequest(url: components.url!, timeoutInterval: timeout)
        request.httpMethod = method
        request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        if let json {
            request.httpBody = Data(json.jsonText().utf8)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        } else if let body {
            request.httpBody = body
            request.setValue("application/octet-stream", forHTTPHeaderField: "Content-Type")
        }
        let session = self.session
        return await withCheckedContinuation { continuation in
            session.dataTask(with: request) { data, response, error in
                if let http = response as? HTTPURLResponse {
                    continuation.resume(returning: .success(APIAnswer(status: http.statusCode, body: data ?? Data())))
                } else {
                    continuation.resume(returning: .failure(Unreachable(description: error?.localizedDescription ?? "no answer")))
                }
            }.resume()
        }
    }
}
