import Foundation
import HTTPTypes
import Hummingbird
import SluiceMetadata

/// A signed-in browser: the token it signed in with (checked again on every request, so a
/// revoked token ends its sessions) and the CSRF value its forms must carry.
struct UISession: Sendable {
    var id: String
    var tokenID: Int64
    var tokenName: String
    var role: TokenRole
    var csrf: String
    var expires: Date

    /// Operators and admins may act; viewers only look.
    var canAct: Bool { role.allows(.operator_) }
}

/// Sessions of the web UI, in memory (signing in again after a server restart is the cost).
final class UISessionStore: @unchecked Sendable {
    static let cookieName = "sluice_session"
    static let lifetime: Double = 12 * 3600
    private let lock = NSLock()
    private var sessions: [String: UISession] = [:]

    func create(token: TokenRecord) -> UISession {
        let session = UISession(id: Self.random(), tokenID: token.id, tokenName: token.name, role: token.role, csrf: Self.random(),
                                expires: Date().addingTimeInterval(Self.lifetime))
        lock.withLock {
            sessions = sessions.filter { $0.value.expires > Date() }
            sessions[session.id] = session
        }
        return session
    }

    func end(_ id: String) { lock.withLock { _ = sessions.removeValue(forKey: id) } }

    /// The request's live session, if its cookie names one and its token is still valid.
    func session(for request: Request, store: MetadataStore) -> UISession? {
        guard let id = Self.cookie(request), let session = lock.withLock({ sessions[id] }), session.expires > Date() else { return nil }
        guard let token = try? store.token(id: session.tokenID), token.revokedAt == nil else {
            end(id)
            return nil
        }
        return session
    }

    /// The `Set-Cookie` value for a session: HTTP-only, same-site strict, secure behind TLS.
    static func setCookie(_ session: UISession, secure: Bool) -> String {
        "\(cookieName)=\(session.id); Path=/ui; Max-Age=\(Int(lifetime)); HttpOnly; SameSite=Strict\(secure ? "; Secure" : "")"
    }

    static func clearCookie() -> String { "\(cookieName)=; Path=/ui; Max-Age=0; HttpOnly; SameSite=Strict" }

    static func cookie(_ request: Request) -> String? {
        for header in request.headers[values: .cookie] {
            for part in header.split(separator: ";") {
                let pair = part.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1)
                if pair.count == 2, pair[0] == cookieName { return String(pair[1]) }
            }
        }
        return nil
    }

    /// True when the request came through TLS (a reverse proxy says so).
    static func isSecure(_ request: Request) -> Bool {
        request.headers[HTTPField.Name("X-Forwarded-Proto")!]?.lowercased() == "https"
    }

    static func random() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0 ..< 24).map { _ in String(format: "%02x", UInt8.random(in: 0 ... 255, using: &generator)) }.joined()
    }

    /// Constant-time comparison (CSRF values).
    static func same(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var diff: UInt8 = 0
        for i in x.indices { diff |= x[i] ^ y[i] }
        return diff == 0
    }
}
