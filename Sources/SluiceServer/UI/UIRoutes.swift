import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import SluiceCore
import SluiceMetadata
import SluiceScheduler

/// The web UI under `/ui`: server-rendered pages, signed in with an API token (kept as an
/// HTTP-only session cookie), every form carrying the session's CSRF value. Viewers see;
/// operators trigger, clear, mark and pause.
enum UIRoutes {
    static func register(_ router: Router<BasicRequestContext>, _ context: ServerContext) {
        let sessions = UISessionStore()
        let createdTokens = OneTimeValues()
        let store = context.store

        router.get("/ui/static/sluice.css") { _, _ -> Response in
            var headers = HTTPFields()
            headers[.contentType] = "text/css; charset=utf-8"
            headers[.cacheControl] = "max-age=3600"
            return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: HTML.stylesheet)))
        }
        router.get("/ui/static/sluice.js") { _, _ -> Response in
            var headers = HTTPFields()
            headers[.contentType] = "text/javascript; charset=utf-8"
            headers[.cacheControl] = "max-age=3600"
            return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: HTML.script)))
        }
        router.get("/ui/login") { _, _ -> Response in HTML.html(UIPages.login(error: nil)) }
        router.post("/ui/login") { request, _ -> Response in
            let fields = HTML.form((try? await request.body.collect(upTo: 64 * 1024)) ?? ByteBuffer())
            let token = fields.first { $0.0 == "token" }?.1.trimmingCharacters(in: .whitespaces) ?? ""
            guard let record = try? store.authenticate(token: token), record.role != .worker else {
                return HTML.html(UIPages.login(error: "That token is unknown, revoked, or a worker token."), status: .unauthorized)
            }
            let session = sessions.create(token: record)
            return HTML.redirect("/ui", cookie: UISessionStore.setCookie(session, secure: UISessionStore.isSecure(request)))
        }
        router.post("/ui/logout") { request, _ -> Response in
            if let session = sessions.session(for: request, store: store) { sessions.end(session.id) }
            return HTML.redirect("/ui/login", cookie: UISessionStore.clearCookie())
        }

        /// A page for signed-in browsers.
        func page(_ path: RouterPath, _ render: @escaping @Sendable (Request, BasicRequestContext, UISession) async throws -> Response) {
            router.get(path) { request, ctx -> Response in
                guard let session = sessions.session(for: request, store: store) else { return HTML.redirect("/ui/login") }
                do { return try await render(request, ctx, session) } catch {
                    return HTML.html(HTML.page("Error", session: session, body: "<p class=\"error\">\(HTML.escape("\(error)"))</p>"), status: .badRequest)
                }
            }
        }
        /// An action: operators only, with the session's CSRF value; answers with a redirect.
        func action(_ path: RouterPath, role: TokenRole = .operator_,
                    _ act: @escaping @Sendable ([(String, String)], BasicRequestContext, UISession) async throws -> String) {
            router.post(path) { request, ctx -> Response in
                guard let session = sessions.session(for: request, store: store) else { return HTML.redirect("/ui/login") }
                let fields = HTML.form((try? await request.body.collect(upTo: 256 * 1024)) ?? ByteBuffer())
                guard let csrf = fields.first(where: { $0.0 == "csrf" })?.1, UISessionStore.same(csrf, session.csrf) else {
                    return HTML.html(HTML.page("Refused", session: session, body: "<p class=\"error\">This form has expired or did not come from this site (CSRF check). Reload the page and try again.</p>"), status: .forbidden)
                }
                guard session.role.allows(role) else {
                    return HTML.html(HTML.page("Refused", session: session, body: "<p class=\"error\">Role \(session.role.rawValue) cannot do this; it needs \(role.rawValue) or above.</p>"), status: .forbidden)
                }
                do { return HTML.redirect(try await act(fields, ctx, session)) } catch {
                    return HTML.html(HTML.page("Not done", session: session, body: "<p class=\"error\">\(HTML.escape("\(error)"))</p>"), status: .badRequest)
                }
            }
        }

        page("/ui") { _, _, session in HTML.html(try UIPages.dags(store: store, session: session)) }
        page("/ui/dags/:dag_id") { request, ctx, session in
            let runs = Int(request.uri.queryParameters.get("runs") ?? "") ?? 25
            return HTML.html(try UIPages.grid(store: store, dagID: UIRoutes.param(ctx, "dag_id"), runs: min(1000, max(1, runs)), session: session,
                                              triggered: request.uri.queryParameters.get("triggered").map { String($0) }))
        }
        page("/ui/dags/:dag_id/graph") { request, ctx, session in
            HTML.html(try UIPages.graph(store: store, dagID: UIRoutes.param(ctx, "dag_id"), runID: request.uri.queryParameters.get("run"), session: session))
        }
        page("/ui/dags/:dag_id/trigger") { _, ctx, session in
            HTML.html(try UIPages.triggerForm(store: store, dagID: UIRoutes.param(ctx, "dag_id"), session: session, error: nil))
        }
        page("/ui/dags/:dag_id/runs/:run_id/tasks/:task_id") { request, ctx, session in
            HTML.html(try UIPages.taskInstance(store: store, dagID: UIRoutes.param(ctx, "dag_id"), runID: UIRoutes.param(ctx, "run_id"),
                                               taskID: UIRoutes.param(ctx, "task_id"), tryNumber: Int(request.uri.queryParameters.get("try") ?? ""),
                                               masker: context.masker, logFolder: context.options.logFolder, session: session))
        }
        page("/ui/dags/:dag_id/runs/:run_id/tasks/:task_id/log") { request, ctx, session in
            // The live tail's JSON, with the session's cookie (the same reader as the API's log endpoint).
            let tryNumber = Int(request.uri.queryParameters.get("try") ?? "") ?? 1
            let offset = Int(request.uri.queryParameters.get("offset") ?? "") ?? 0
            let wait = min(10, max(0, Double(request.uri.queryParameters.get("wait") ?? "") ?? 0))
            let chunk = try await UIPages.logChunk(store: store, dagID: UIRoutes.param(ctx, "dag_id"), runID: UIRoutes.param(ctx, "run_id"),
                                                   taskID: UIRoutes.param(ctx, "task_id"), tryNumber: tryNumber, offset: offset, wait: wait,
                                                   masker: context.masker, logFolder: context.options.logFolder)
            var headers = HTTPFields()
            headers[.contentType] = "application/json"
            return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: chunk.jsonText())))
        }
        page("/ui/backfills") { _, _, session in HTML.html(try UIPages.backfills(store: store, session: session)) }
        page("/ui/lake") { _, _, session in HTML.html(UILakePages.lake(root: context.options.lakeRoot, session: session)) }
        page("/ui/lake/table") { request, _, session in
            HTML.html(try UILakePages.table(root: context.options.lakeRoot, relative: request.uri.queryParameters.get("t") ?? "",
                                            version: request.uri.queryParameters.get("version").flatMap { Int64($0) }, session: session))
        }
        page("/ui/experiments") { request, _, session in
            HTML.html(try UIModelPages.experiments(uri: context.options.trackingURI, experiment: request.uri.queryParameters.get("e"),
                                                   sort: request.uri.queryParameters.get("sort"), session: session))
        }
        page("/ui/reports") { _, _, session in HTML.html(UIModelPages.reports(lakeRoot: context.options.lakeRoot, session: session)) }
        page("/ui/reports/:name") { _, ctx, _ in
            let name = ctx.parameters.get("name") ?? ""
            guard !name.contains("/"), !name.contains(".."), name.hasSuffix(".html"),
                  let path = PathGuard.resolve("reports/" + name, inside: context.options.lakeRoot),
                  let data = FileManager.default.contents(atPath: path) else { throw UIError("no report '\(name)'") }
            // Reports are our own static HTML with inline styles and SVG, never scripts.
            var headers = HTTPFields()
            headers[.contentType] = "text/html; charset=utf-8"
            headers[.contentSecurityPolicy] = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
            return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
        }
        page("/ui/admin") { request, _, session in
            guard session.role == .admin else { throw UIError("the administration page needs an admin token") }
            return HTML.html(try UIModelPages.admin(store: store, session: session, created: nil))
        }
        action("/ui/admin/tokens", role: .admin) { fields, _, _ in
            let name = fields.first { $0.0 == "name" }?.1 ?? ""
            guard let role = TokenRole(rawValue: fields.first { $0.0 == "role" }?.1 ?? ""), !name.isEmpty, name.count <= 100 else {
                throw UIError("a token needs a name (1-100 characters) and a role")
            }
            let token = try store.createToken(name: name, role: role)
            createdTokens.put(token, for: name)
            return "/ui/admin/created?name=\(name.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed) ?? name)"
        }
        page("/ui/admin/created") { request, _, session in
            guard session.role == .admin else { throw UIError("the administration page needs an admin token") }
            let token = createdTokens.take(request.uri.queryParameters.get("name") ?? "")
            return HTML.html(try UIModelPages.admin(store: store, session: session, created: token))
        }
        action("/ui/admin/tokens/revoke", role: .admin) { fields, _, _ in
            _ = try store.revokeToken(name: fields.first { $0.0 == "name" }?.1 ?? "")
            return "/ui/admin"
        }
        action("/ui/admin/pools", role: .admin) { fields, _, _ in
            let name = fields.first { $0.0 == "name" }?.1 ?? ""
            guard !name.isEmpty, let slots = Int(fields.first { $0.0 == "slots" }?.1 ?? ""), slots >= 0 else {
                throw UIError("a pool needs a name and a number of slots (0 or more)")
            }
            try store.setPool(name, slots: slots)
            return "/ui/admin"
        }

        action("/ui/dags/:dag_id/trigger") { fields, ctx, _ in
            let dagID = UIRoutes.param(ctx, "dag_id")
            let dag = try UIPages.definition(store: store, dagID: dagID)
            let conf = try UIPages.conf(from: fields, params: dag.params)
            let run = try ManualRuns(store: store).trigger(dag: dag, logicalDate: nil, conf: conf, runID: nil)
            return "/ui/dags/\(HTML.segment(dagID))?triggered=\(HTML.segment(run.runID))"
        }
        action("/ui/backfills/:id/:action") { _, ctx, _ in
            guard let id = Int64(ctx.parameters.get("id") ?? ""), let what = BackfillAction(rawValue: ctx.parameters.get("action") ?? "") else {
                throw UIError("unknown backfill action")
            }
            _ = try RunSteering(store: store).steerBackfill(id: id, what)
            return "/ui/backfills"
        }
        action("/ui/dags/:dag_id/pause") { fields, ctx, _ in
            let dagID = UIRoutes.param(ctx, "dag_id")
            let paused = fields.first { $0.0 == "paused" }?.1 == "true"
            _ = try store.setPaused(dagID, paused)
            return fields.first { $0.0 == "back" }?.1 == "grid" ? "/ui/dags/\(HTML.segment(dagID))" : "/ui"
        }
        action("/ui/dags/:dag_id/runs/:run_id/tasks/:task_id/clear") { fields, ctx, _ in
            let (dagID, runID, taskID) = (UIRoutes.param(ctx, "dag_id"), UIRoutes.param(ctx, "run_id"), UIRoutes.param(ctx, "task_id"))
            let dag = try UIPages.definition(store: store, dagID: dagID)
            guard let run = try store.run(dagID: dagID, runID: runID) else { throw UIError("DAG '\(dagID)' has no run '\(runID)'") }
            _ = try RunSteering(store: store).clear(dag: dag, run: run, taskIDs: [taskID], downstream: fields.contains { $0.0 == "downstream" && $0.1 == "true" })
            return "/ui/dags/\(HTML.segment(dagID))/runs/\(HTML.segment(runID))/tasks/\(HTML.segment(taskID))"
        }
        action("/ui/dags/:dag_id/runs/:run_id/tasks/:task_id/mark") { fields, ctx, _ in
            let (dagID, runID, taskID) = (UIRoutes.param(ctx, "dag_id"), UIRoutes.param(ctx, "run_id"), UIRoutes.param(ctx, "task_id"))
            guard let run = try store.run(dagID: dagID, runID: runID) else { throw UIError("DAG '\(dagID)' has no run '\(runID)'") }
            let state = fields.first { $0.0 == "state" }?.1 ?? ""
            guard let target = TaskInstanceState(rawValue: state), [.success, .failed].contains(target) else {
                throw UIError("a task can be marked success or failed, not '\(state)'")
            }
            try store.markTask(runPK: run.id!, taskID: taskID, state: target)
            return "/ui/dags/\(HTML.segment(dagID))/runs/\(HTML.segment(runID))/tasks/\(HTML.segment(taskID))"
        }
    }
}

extension UIRoutes {
    /// A path parameter, percent-decoded as the API's are; one holding `/` or `..` reads as empty
    /// (and then names nothing).
    static func param(_ context: BasicRequestContext, _ name: String) -> String {
        let raw = context.parameters.get(name) ?? ""
        let decoded = raw.removingPercentEncoding ?? raw
        return decoded.contains("/") || decoded.contains("..") ? "" : decoded
    }
}

/// A refusal shown on the page.
struct UIError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Values shown once (a new token after its form redirects), then forgotten.
final class OneTimeValues: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [String: String] = [:]

    func put(_ value: String, for key: String) { lock.withLock { values[key] = value } }
    func take(_ key: String) -> String? { lock.withLock { values.removeValue(forKey: key) } }
}
