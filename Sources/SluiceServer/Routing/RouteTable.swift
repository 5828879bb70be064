import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import SluiceCore
import SluiceMetadata

/// One endpoint as documented: method, path template (`{name}` parameters) and the role it needs
/// (nil: open, like health). The OpenAPI test compares this list with `openapi.yaml`.
public struct RouteSpec: Sendable, Hashable {
    public var method: String
    public var path: String
    public var role: TokenRole?
}

/// An error answer: a status and a one-line message, sent as `{"error": ..., "status": ...}`,
/// plus any fields a client acts on (a log upload's 409 carries the `size` to resend from).
public struct APIError: Error, Sendable {
    public var status: HTTPResponse.Status
    public var message: String
    public var fields: [(String, Value)] = []
    public init(_ status: HTTPResponse.Status, _ message: String, fields: [(String, Value)] = []) {
        self.status = status
        self.message = message
        self.fields = fields
    }

    static func notFound(_ message: String) -> APIError { APIError(.notFound, message) }
    static func badRequest(_ message: String) -> APIError { APIError(.badRequest, message) }
    static func conflict(_ message: String) -> APIError { APIError(.conflict, message) }
}

/// What a handler answers.
public enum APIReply: Sendable {
    case json(Value, status: HTTPResponse.Status = .ok)
    case text(String, contentType: String, status: HTTPResponse.Status = .ok)
    case empty(HTTPResponse.Status)
}

/// A request as handlers see it: path parameters, query, the authenticated token, the body.
public struct APIRequest: Sendable {
    let request: Request
    let context: BasicRequestContext
    public let token: TokenRecord?
    let bodyLimit: Int

    /// A path parameter, percent-decoded (always present: the route matched it).
    public func parameter(_ name: String) -> String {
        let raw = context.parameters.get(name) ?? ""
        return raw.removingPercentEncoding ?? raw
    }

    /// A path parameter that must be an integer.
    public func intParameter(_ name: String) throws(APIError) -> Int64 {
        guard let value = Int64(parameter(name)) else { throw .badRequest("path parameter '\(name)' must be an integer, got '\(parameter(name))'") }
        return value
    }

    public func query(_ name: String) -> String? { request.uri.queryParameters.get(name) }

    /// A query parameter that must be an integer within `range` when given.
    public func intQuery(_ name: String, default value: Int, range: ClosedRange<Int>) throws(APIError) -> Int {
        guard let text = query(name) else { return value }
        guard let number = Int(text), range.contains(number) else {
            throw .badRequest("query parameter '\(name)' must be an integer in \(range.lowerBound)...\(range.upperBound), got '\(text)'")
        }
        return number
    }

    /// The raw body, refused past the size limit.
    public func body() async throws(APIError) -> ByteBuffer {
        do {
            return try await request.body.collect(upTo: bodyLimit)
        } catch {
            throw APIError(.contentTooLarge, "the request body is larger than \(bodyLimit) bytes")
        }
    }

    /// The body as a JSON object (an empty body reads as `{}`); malformed JSON is a 400 naming the offset.
    public func json() async throws(APIError) -> JSONObject {
        let buffer = try await body()
        let text = String(buffer: buffer)
        if text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { return JSONObject([]) }
        do {
            let value = try Value.parseJSON(text)
            guard case let .map(pairs) = value else { throw APIError.badRequest("the request body must be a JSON object") }
            return JSONObject(pairs)
        } catch let error as APIError {
            throw error
        } catch {
            throw .badRequest("the request body is not valid JSON: \(error)")
        }
    }
}

/// A JSON request body with typed, validated field access (unknown fields are refused).
public struct JSONObject: Sendable {
    public let pairs: [(key: String, value: Value)]
    init(_ pairs: [(key: String, value: Value)]) { self.pairs = pairs }

    public subscript(_ key: String) -> Value? { pairs.last { $0.key == key }?.value }

    /// Refuses fields not in `allowed` (a typo must not be silently ignored).
    public func only(_ allowed: [String]) throws(APIError) {
        for pair in pairs where !allowed.contains(pair.key) {
            throw .badRequest("unknown field '\(pair.key)'\(Spelling.didYouMean(pair.key, among: allowed)) (expected: \(allowed.joined(separator: ", ")))")
        }
    }

    public func string(_ key: String, required: Bool = false) throws(APIError) -> String? {
        switch self[key] {
        case nil, .null?:
            if required { throw .badRequest("field '\(key)' is required (a string)") }
            return nil
        case let .string(text)?: return text
        case let other?: throw .badRequest("field '\(key)' must be a string, got \(other.jsonText())")
        }
    }

    public func int(_ key: String, required: Bool = false, range: ClosedRange<Int64> = Int64.min ... Int64.max) throws(APIError) -> Int64? {
        switch self[key] {
        case nil, .null?:
            if required { throw .badRequest("field '\(key)' is required (an integer)") }
            return nil
        case let value?:
            guard let number = value.intValue, range.contains(number) else {
                throw .badRequest("field '\(key)' must be an integer in \(range.lowerBound)...\(range.upperBound), got \(value.jsonText())")
            }
            return number
        }
    }

    public func double(_ key: String) throws(APIError) -> Double? {
        switch self[key] {
        case nil, .null?: return nil
        case let value?:
            guard let number = value.doubleValue, number.isFinite else { throw .badRequest("field '\(key)' must be a number, got \(value.jsonText())") }
            return number
        }
    }

    public func bool(_ key: String) throws(APIError) -> Bool? {
        switch self[key] {
        case nil, .null?: return nil
        case let .bool(flag)?: return flag
        case let other?: throw .badRequest("field '\(key)' must be true or false, got \(other.jsonText())")
        }
    }

    public func strings(_ key: String) throws(APIError) -> [String]? {
        switch self[key] {
        case nil, .null?: return nil
        case let .list(items)?:
            var out: [String] = []
            for item in items {
                guard case let .string(text) = item else { throw .badRequest("field '\(key)' must be a list of strings, got \(item.jsonText()) in it") }
                out.append(text)
            }
            return out
        case let other?: throw .badRequest("field '\(key)' must be a list of strings, got \(other.jsonText())")
        }
    }

    public func object(_ key: String) throws(APIError) -> Value? {
        switch self[key] {
        case nil, .null?: return nil
        case let value? where value.mapValue != nil: return value
        case let other?: throw .badRequest("field '\(key)' must be an object, got \(other.jsonText())")
        }
    }
}

/// Registers endpoints on the router, checking each request's bearer token against the role
/// the endpoint needs, and records every route for the OpenAPI comparison.
public final class RouteTable: @unchecked Sendable {
    let router: Router<BasicRequestContext>
    let store: MetadataStore
    let bodyLimit: Int
    private(set) var specs: [RouteSpec] = []

    init(router: Router<BasicRequestContext>, store: MetadataStore, bodyLimit: Int) {
        self.router = router
        self.store = store
        self.bodyLimit = bodyLimit
    }

    /// Adds `method path`, open when `role` is nil, else requiring a token whose role allows it.
    func add(_ method: HTTPRequest.Method, _ path: String, role: TokenRole?,
             _ handler: @escaping @Sendable (APIRequest) async throws -> APIReply) {
        specs.append(RouteSpec(method: method.rawValue.lowercased(), path: path, role: role))
        let hummingbirdPath = path.split(separator: "/").map { part in
            part.hasPrefix("{") && part.hasSuffix("}") ? ":" + part.dropFirst().dropLast() : String(part)
        }.joined(separator: "/")
        let store = self.store, bodyLimit = self.bodyLimit
        router.on(RouterPath(hummingbirdPath), method: method) { request, context -> Response in
            do {
                let token = try Self.authenticate(request, store: store, role: role)
                let reply = try await handler(APIRequest(request: request, context: context, token: token, bodyLimit: bodyLimit))
                return Self.response(reply)
            } catch let error as APIError {
                var headers = HTTPFields()
                if error.status == .unauthorized { headers[.wwwAuthenticate] = "Bearer" }
                return Self.response(Self.errorReply(error), extra: headers)
            } catch {
                return Self.response(Self.errorReply(APIError(.internalServerError, "\(error)")))
            }
        }
    }

    /// The token of `Authorization: Bearer TOKEN`, checked against `role`.
    static func authenticate(_ request: Request, store: MetadataStore, role: TokenRole?) throws(APIError) -> TokenRecord? {
        guard let role else { return nil }
        guard let header = request.headers[.authorization] else {
            throw APIError(.unauthorized, "this endpoint needs a bearer token (Authorization: Bearer TOKEN; create one with 'sluice tokens create')")
        }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else {
            throw APIError(.unauthorized, "the Authorization header must be 'Bearer TOKEN'")
        }
        let token: TokenRecord?
        do { token = try store.authenticate(token: String(parts[1]).trimmingCharacters(in: .whitespaces)) } catch {
            throw APIError(.serviceUnavailable, "cannot check the token: \(error.message)")
        }
        guard let token else { throw APIError(.unauthorized, "the token is unknown or revoked") }
        guard token.role.allows(role) else {
            throw APIError(.forbidden, "token '\(token.name)' has role \(token.role.rawValue); this endpoint needs \(role == .worker ? "a worker token" : "role \(role.rawValue) or above")")
        }
        return token
    }

    static func errorReply(_ error: APIError) -> APIReply {
        .json(.map([("error", .string(error.message)), ("status", .int(Int64(error.status.code)))] + error.fields), status: error.status)
    }

    static func response(_ reply: APIReply, extra: HTTPFields = [:]) -> Response {
        var headers = extra
        switch reply {
        case let .json(value, status):
            headers[.contentType] = "application/json"
            return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: value.jsonText() + "\n")))
        case let .text(text, contentType, status):
            headers[.contentType] = contentType
            return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
        case let .empty(status):
            return Response(status: status, headers: headers)
        }
    }
}
