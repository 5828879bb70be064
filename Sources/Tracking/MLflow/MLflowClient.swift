import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A small synchronous client for an MLflow server's REST API: JSON in and out over one
/// keep-alive session, retrying 429 and 5xx answers with exponential backoff.
final class MLflowClient: @unchecked Sendable {
    let base: URL
    private let session: URLSession
    private let attempts = 4

    private let token: String?

    init(uri: String, token: String? = nil) throws(TrackingError) {
        self.token = token
        guard let url = URL(string: uri.hasSuffix("/") ? String(uri.dropLast()) : uri), url.scheme == "http" || url.scheme == "https" else {
            throw TrackingError(.invalid, "tracking URI '\(uri)' is not http(s)://HOST:PORT")
        }
        base = url
        let configuration = URLSessionConfiguration.ephemeral
        configuration.httpMaximumConnectionsPerHost = 4
        configuration.timeoutIntervalForRequest = 120
        session = URLSession(configuration: configuration)
    }

    /// The MLflow error code of a failed call (`RESOURCE_DOES_NOT_EXIST`...), for callers that expect some.
    struct CallError: Error {
        var status: Int
        var code: String
        var message: String
    }

    /// Sends a request and returns the body; non-2xx answers become `CallError` (after retries for 429/5xx).
    func send(_ method: String, _ path: String, query: [(String, String)] = [], json: Any? = nil, body: Data? = nil) throws(TrackingError) -> Data {
        switch sendRaw(method, path, query: query, json: json, body: body) {
        case .success(let data): return data
        case .failure(let error): throw TrackingError(error.status == 404 ? .notFound : .backend,
                                                      "MLflow \(method) \(path): \(error.status) \(error.code): \(error.message)")
        }
    }

    func sendRaw(_ method: String, _ path: String, query: [(String, String)] = [], json: Any? = nil, body: Data? = nil) -> Result<Data, CallError> {
        var components = URLComponents(url: base.appendingPathComponent(path), resolvingAgainstBaseURL: false)!
        if !query.isEmpty { components.queryItems = query.map { URLQueryItem(name: $0.0, value: $0.1) } }
        var request = URLRequest(url: components.url!)
        request.httpMethod = method
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        if let json {
            request.httpBody = try? JSONSerialization.data(withJSONObject: json)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        } else if let body {
            request.httpBody = body
            request.setValue("application/octet-stream", forHTTPHeaderField: "Content-Type")
        }
        var delay = 0.25
        var last = CallError(status: 0, code: "UNREACHABLE", message: "no answer")
        for attempt in 1 ... attempts {
            let (data, response, error) = perform(request)
            if let error {
                last = CallError(status: 0, code: "UNREACHABLE", message: error.localizedDescription)
            } else if let http = response as? HTTPURLResponse {
                if (200 ..< 300).contains(http.statusCode) { return .success(data ?? Data()) }
                let object = (try? JSONSerialization.jsonObject(with: data ?? Data())) as? [String: Any]
                last = CallError(status: http.statusCode, code: object?["error_code"] as? String ?? "HTTP_\(http.statusCode)",
                                 message: object?["message"] as? String ?? String(decoding: (data ?? Data()).prefix(300), as: UTF8.self))
                guard http.statusCode == 429 || http.statusCode >= 500 else { return .failure(last) }
            }
            if attempt < attempts {
                Thread.sleep(forTimeInterval: delay)
                delay *= 2
            }
        }
        return .failure(last)
    }

    private func perform(_ request: URLRequest) -> (Data?, URLResponse?, Error?) {
        let done = DispatchSemaphore(value: 0)
        let box = ResponseBox()
        session.dataTask(with: request) { data, response, error in
            box.value = (data, response, error)
            done.signal()
        }.resume()
        done.wait()
        return box.value
    }

    /// A JSON call: the body decoded as a dictionary.
    func call(_ method: String, _ path: String, query: [(String, String)] = [], json: Any? = nil) throws(TrackingError) -> [String: Any] {
        let data = try send(method, path, query: query, json: json)
        guard !data.isEmpty else { return [:] }
        guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw TrackingError(.backend, "MLflow \(method) \(path): the answer is not a JSON object")
        }
        return object
    }
}

private final class ResponseBox: @unchecked Sendable {
    var value: (Data?, URLResponse?, Error?) = (nil, nil, nil)
}
