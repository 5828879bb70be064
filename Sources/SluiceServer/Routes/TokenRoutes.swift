import Foundation
import SluiceCore
import SluiceMetadata

/// API tokens (admin only): list (never the token or its hash), create (the token is shown
/// once, in the answer), revoke.
enum TokenRoutes {
    static func register(_ table: RouteTable, _ context: ServerContext) {
        let store = context.store

        table.add(.get, "/api/v1/tokens", role: .admin) { request in
            let page = try Page(request)
            let tokens = try wrap { () throws(MetadataError) in try store.tokens() }
            return page.reply(page.slice(tokens).map(json), total: tokens.count)
        }

        table.add(.post, "/api/v1/tokens", role: .admin) { request in
            let body = try await request.json()
            try body.only(["name", "role"])
            let name = try body.string("name", required: true)!
            if let problem = nameProblem(name) { throw APIError.badRequest("field 'name' \(problem)") }
            let roleText = try body.string("role", required: true)!
            let roles = TokenRole.allCases.map(\.rawValue)
            guard let role = TokenRole(rawValue: roleText) else {
                throw APIError.badRequest("field 'role' must be one of \(roles.joined(separator: ", ")), got '\(roleText)'\(Spelling.didYouMean(roleText, among: roles))")
            }
            let token = try wrap { () throws(MetadataError) in try store.createToken(name: name, role: role) }
            let record = try wrap { () throws(MetadataError) in try store.tokens().last { $0.name == name } }
            var pairs: [(key: String, value: Value)] = record.map(json)?.mapValue ?? [("name", .string(name)), ("role", .string(role.rawValue))]
            pairs.append(("token", .string(token)))
            return .json(.map(pairs), status: .created)
        }

        table.add(.delete, "/api/v1/tokens/{name}", role: .admin) { request in
            let name = request.parameter("name")
            guard try wrap({ () throws(MetadataError) in try store.revokeToken(name: name) }) else {
                let live = (try? store.tokens().filter { $0.revokedAt == nil }.map(\.name)) ?? []
                throw APIError.notFound("no live token named '\(name)'\(Spelling.didYouMean(name, among: live))")
            }
            return .empty(.noContent)
        }
    }

    /// Why `name` cannot name a token, or nil.
    static func nameProblem(_ name: String) -> String? {
        guard !name.isEmpty, name.count <= 100 else { return "must be 1-100 characters" }
        let allowed = name.unicodeScalars.allSatisfy { ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) || "-_.@".unicodeScalars.contains($0) }
        return allowed ? nil : "may contain only letters, digits, '-', '_', '.' and '@'"
    }

    static func json(_ token: TokenRecord) -> Value {
        .map([("name", .string(token.name)), ("role", .string(token.role.rawValue)), ("prefix", .string(token.prefix)),
              ("created_at", token.createdAt.jsonValue), ("last_used_at", token.lastUsedAt.jsonValue),
              ("revoked_at", token.revokedAt.jsonValue), ("revoked", .bool(token.revokedAt != nil))])
    }
}
