import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import SluiceCore
import SluiceMetadata
import Testing
@testable import SluiceServer

/// A browser-like client that keeps the session cookie and does not follow redirects.
private final class Browser: NSObject, URLSessionTaskDelegate, @unchecked Sendable {
    let base: String
    var cookie: String?
    private lazy var session = URLSession(configuration: {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.httpShouldSetCookies = false
        configuration.httpCookieAcceptPolicy = .never
        return configuration
    }(), delegate: self, delegateQueue: nil)

    init(port: Int) { base = "http://127.0.0.1:\(port)" }

    func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
                    newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void) {
        completionHandler(nil)
    }

    struct Page {
        var status: Int
        var text: String
        var headers: [String: String]
    }

    func request(_ method: String, _ path: String, form: [(String, String)]? = nil) async throws -> Page {
        var request = URLRequest(url: URL(string: base + path)!)
        request.httpMethod = method
        if let cookie { request.setValue("sluice_session=\(cookie)", forHTTPHeaderField: "Cookie") }
        if let form {
            request.httpBody = Data(form.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? $0.1)" }
                .joined(separator: "&").utf8)
            request.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type")
        }
        let (data, response) = try await session.data(for: request)
        let http = response as! HTTPURLResponse
        var headers: [String: String] = [:]
        for (key, value) in http.allHeaderFields { headers["\(key)".lowercased()] = "\(value)" }
        return Page(status: http.statusCode, text: String(decoding: data, as: UTF8.self), headers: headers)
    }

    /// Signs in with `token`; returns the login answer.
    func signIn(_ token: String) async throws -> Page {
        let page = try await request("POST", "/ui/login", form: [("token", token)])
        if let header = page.headers["set-cookie"], let range = header.range(of: "sluice_session=") {
            cookie = String(header[range.upperBound...].prefix { $0 != ";" })
        }
        return page
    }

    static func csrf(_ html: String) -> String? {
        guard let range = html.range(of: "name=\"csrf\" value=\"") else { return nil }
        return String(html[range.upperBound...].prefix { $0 != "\"" })
    }
}

@Suite("Web UI: sign-in, sessions, CSRF and roles", .serialized)
struct WebUIAccessTests {
    @Test("pages need a session; a token signs in (HTTP-only, same-site cookie); worker and unknown tokens are refused")
    func signIn() async throws {
        let server = try await APITestServer()
        let browser = Browser(port: server.port)
        let anonymous = try await browser.request("GET", "/ui")
        #expect(anonymous.status == 303 && anonymous.headers["location"] == "/ui/login")
        #expect(try await browser.signIn("slc_nope").status == 401)
        #expect(try await browser.signIn(server.tokens["worker"]!).status == 401)
        #expect(try await browser.signIn(server.tokens["revoked"]!).status == 401)
        #expect(browser.cookie == nil)
        let login = try await browser.signIn(server.tokens["viewer"]!)
        #expect(login.status == 303 && login.headers["location"] == "/ui")
        let setCookie = login.headers["set-cookie"] ?? ""
        #expect(setCookie.contains("HttpOnly") && setCookie.contains("SameSite=Strict"), "\(setCookie)")
        let dags = try await browser.request("GET", "/ui")
        #expect(dags.status == 200 && dags.text.contains("href=\"/ui/dags/ops\""))
        #expect(dags.headers["content-security-policy"]?.contains("default-src 'self'") == true)
        // Signing out ends the session.
        let out = try await browser.request("POST", "/ui/logout", form: [("csrf", Browser.csrf(dags.text) ?? "")])
        #expect(out.status == 303)
        #expect(try await browser.request("GET", "/ui").status == 303)
        await server.stop()
    }

    @Test("viewers see no action buttons and their posts are refused; operators act only with the page's CSRF value")
    func roles() async throws {
        let server = try await APITestServer()
        let viewer = Browser(port: server.port)
        _ = try await viewer.signIn(server.tokens["viewer"]!)
        let grid = try await viewer.request("GET", "/ui/dags/ops")
        #expect(grid.status == 200 && !grid.text.contains("class=\"act") && !grid.text.contains("/trigger"), "\(grid.text.prefix(600))")
        let home = try await viewer.request("GET", "/ui")
        #expect(!home.text.contains("button class=\"act"))
        let refused = try await viewer.request("POST", "/ui/dags/ops/trigger", form: [("csrf", Browser.csrf(home.text) ?? ""), ("param.count", "2")])
        #expect(refused.status == 403)
        #expect(try server.store.runs(dagID: "ops").isEmpty)

        let operatorBrowser = Browser(port: server.port)
        _ = try await operatorBrowser.signIn(server.tokens["operator"]!)
        let form = try await operatorBrowser.request("GET", "/ui/dags/ops/trigger")
        #expect(form.text.contains("name=\"param.count\"") && form.text.contains("name=\"param.who\""), "\(form.text.prefix(800))")
        let noToken = try await operatorBrowser.request("POST", "/ui/dags/ops/trigger", form: [("param.count", "2")])
        #expect(noToken.status == 403 && noToken.text.contains("CSRF"))
        let wrong = try await operatorBrowser.request("POST", "/ui/dags/ops/trigger", form: [("csrf", "0000"), ("param.count", "2")])
        #expect(wrong.status == 403)
        let badType = try await operatorBrowser.request("POST", "/ui/dags/ops/trigger",
                                                        form: [("csrf", Browser.csrf(form.text) ?? ""), ("param.count", "many")])
        #expect(badType.status == 400 && badType.text.contains("param &#39;count&#39;"), "\(badType.text.suffix(400))")
        let triggered = try await operatorBrowser.request("POST", "/ui/dags/ops/trigger",
                                                          form: [("csrf", Browser.csrf(form.text) ?? ""), ("param.count", "3"), ("param.who", "ui")])
        #expect(triggered.status == 303 && triggered.headers["location"]?.hasPrefix("/ui/dags/ops?triggered=") == true)
        let runs = try server.store.runs(dagID: "ops")
        #expect(runs.count == 1 && runs.first?.conf.contains("\"count\":3") == true, "\(runs.map(\.conf))")
        let after = try await operatorBrowser.request("GET", "/ui/dags/ops")
        #expect(after.text.contains(runs.first!.runID.prefix(20)) || after.text.contains(HTML.escape(runs.first!.runID)))
        // Revoking the token ends its sessions at once.
        try server.store.revokeToken(name: "t-operator")
        #expect(try await operatorBrowser.request("GET", "/ui").status == 303)
        await server.stop()
    }

    @Test("admins manage tokens and pools; operators cannot; lake paths stay inside the lake")
    func admin() async throws {
        let server = try await APITestServer()
        let admin = Browser(port: server.port)
        _ = try await admin.signIn(server.tokens["admin"]!)
        let page = try await admin.request("GET", "/ui/admin")
        #expect(page.status == 200 && page.text.contains("t-viewer"))
        let created = try await admin.request("POST", "/ui/admin/tokens", form: [("csrf", Browser.csrf(page.text) ?? ""), ("name", "fresh"), ("role", "viewer")])
        #expect(created.status == 303)
        let shown = try await admin.request("GET", created.headers["location"] ?? "/ui/admin")
        #expect(shown.text.contains("New token (shown once): <code>slc_"))
        #expect(try server.store.tokens().contains { $0.name == "fresh" && $0.role == .viewer })
        let pool = try await admin.request("POST", "/ui/admin/pools", form: [("csrf", Browser.csrf(page.text) ?? ""), ("name", "gpu"), ("slots", "2")])
        #expect(pool.status == 303)
        #expect(try server.store.pools().contains { $0.name == "gpu" && $0.slots == 2 })

        let operatorBrowser = Browser(port: server.port)
        _ = try await operatorBrowser.signIn(server.tokens["operator"]!)
        let home = try await operatorBrowser.request("GET", "/ui")
        #expect(!home.text.contains("/ui/admin"))
        let refused = try await operatorBrowser.request("POST", "/ui/admin/pools", form: [("csrf", Browser.csrf(home.text) ?? ""), ("name", "x"), ("slots", "1")])
        #expect(refused.status == 403)
        let lake = try await operatorBrowser.request("GET", "/ui/lake")
        #expect(lake.status == 200)
        let escape = try await operatorBrowser.request("GET", "/ui/lake/table?t=../../etc")
        #expect(escape.status == 400 && escape.text.contains("not a table inside the lake root"))
        await server.stop()
    }
}
