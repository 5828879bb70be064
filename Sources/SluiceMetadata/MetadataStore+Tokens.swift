import Foundation
import GRDB
import SluiceCore

/// What an API token may do. Each role includes the ones before it, except `worker`, which may
/// only use the worker protocol.
public enum TokenRole: String, Sendable, CaseIterable, Codable {
    case viewer, operator_ = "operator", admin, worker

    /// True when a token of this role may call an endpoint that needs `required`.
    public func allows(_ required: TokenRole) -> Bool {
        switch (self, required) {
        case (.worker, .worker): return true
        case (.worker, _), (_, .worker): return false
        case (.admin, _): return true
        case (.operator_, .viewer), (.operator_, .operator_): return true
        case (.viewer, .viewer): return true
        default: return false
        }
    }
}

/// An API token as stored: its hash, never the token.
public struct TokenRecord: Sendable {
    public var id: Int64
    public var name: String
    public var role: TokenRole
    public var prefix: String
    public var createdAt: Date
    public var lastUsedAt: Date?
    public var revokedAt: Date?
}

extension MetadataStore {
    /// Creates a token named `name` with `role`; returns the token text (shown once, stored hashed).
    public func createToken(name: String, role: TokenRole, now: Date = Date()) throws(MetadataError) -> String {
        let token = "slc_" + Self.randomHex(bytes: 24)
        try write { db in
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM api_token WHERE name = ?", arguments: [name]) == true {
                throw MetadataError("a token named '\(name)' already exists (revoke it or choose another name)", isConflict: true)
            }
            try db.execute(sql: "INSERT INTO api_token (name, role, token_hash, prefix, created_at) VALUES (?, ?, ?, ?, ?)",
                           arguments: [name, role.rawValue, Self.tokenHash(token), String(token.prefix(10)), now.timeIntervalSince1970])
        }
        return token
    }

    /// The SHA-256 under which a token is stored.
    public static func tokenHash(_ token: String) -> String { SHA256.hex(Data(token.utf8)) }

    /// The live (not revoked) token whose text is `token`, if any; records its use.
    public func authenticate(token: String, now: Date = Date()) throws(MetadataError) -> TokenRecord? {
        let hash = Self.tokenHash(token)
        let found = try read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM api_token WHERE token_hash = ? AND revoked_at IS NULL", arguments: [hash])
        }
        guard let row = found else { return nil }
        // Once a minute is enough to know a token is in use (a write only then).
        let last: Double? = row["last_used_at"]
        if last == nil || now.timeIntervalSince1970 - last! > 60 {
            try write { db in
                try db.execute(sql: "UPDATE api_token SET last_used_at = ? WHERE id = ?", arguments: [now.timeIntervalSince1970, row["id"] as Int64])
            }
        }
        return Self.tokenRecord(row)
    }

    /// The token with this id, revoked or not.
    public func token(id: Int64) throws(MetadataError) -> TokenRecord? {
        try read { db in try Row.fetchOne(db, sql: "SELECT * FROM api_token WHERE id = ?", arguments: [id]).map(Self.tokenRecord) }
    }

    /// Every token, oldest first.
    public func tokens() throws(MetadataError) -> [TokenRecord] {
        try read { db in try Row.fetchAll(db, sql: "SELECT * FROM api_token ORDER BY id").map(Self.tokenRecord) }
    }

    /// Revokes the token named `name`; false when there is none (or it was revoked already).
    @discardableResult
    public func revokeToken(name: String, now: Date = Date()) throws(MetadataError) -> Bool {
        try write { db in
            try db.execute(sql: "UPDATE api_token SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL", arguments: [now.timeIntervalSince1970, name])
            return db.changesCount > 0
        }
    }

    private static func tokenRecord(_ row: Row) -> TokenRecord {
        TokenRecord(id: row["id"], name: row["name"], role: TokenRole(rawValue: row["role"]) ?? .viewer, prefix: row["prefix"],
                    createdAt: Date(timeIntervalSince1970: row["created_at"]),
                    lastUsedAt: (row["last_used_at"] as Double?).map(Date.init(timeIntervalSince1970:)),
                    revokedAt: (row["revoked_at"] as Double?).map(Date.init(timeIntervalSince1970:)))
    }
}
