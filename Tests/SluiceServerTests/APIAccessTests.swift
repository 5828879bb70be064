import Foundation
import SluiceCore
import Testing

@Suite("REST API: tokens and roles")
struct APIAccessTests {
    @Test("no token, an unknown or a revoked token: 401 with WWW-Authenticate; health stays open")
    func unauthenticated() async throws {
        let server = try await APITestServer()
        let none = try await server.call("GET", "/api/v1/dags", as: nil)
        #expect(none.status == 401)
        #expect(none.headers["www-authenticate"] == "Bearer")
        #expect(none.json["status"] == .int(401) && none.error.contains("bearer token"))
        #expect(try await server.call("GET", "/api/v1/dags", token: "slc_not-a-token").status == 401)
        let revoked = try await server.call("GET", "/api/v1/dags", as: "revoked")
        #expect(revoked.status == 401 && revoked.error.contains("unknown or revoked"))
        #expect(try await server.call("GET", "/api/v1/health", as: nil).status == 200)
        await server.stop()
    }

    @Test("a viewer lists and reads but gets 403 on trigger, clear, mark, pause, pools, tokens and worker endpoints")
    func viewer() async throws {
        let server = try await APITestServer()
        #expect(try await server.call("GET", "/api/v1/dags", as: "viewer").status == 200)
        #expect(try await server.call("GET", "/api/v1/dags/ops", as: "viewer").status == 200)
        #expect(try await server.call("GET", "/api/v1/pools", as: "viewer").status == 200)
        #expect(try await server.call("GET", "/api/v1/workers", as: "viewer").status == 200)
        let created = try await server.call("POST", "/api/v1/dags/ops/runs", as: "operator", json: .map([("run_id", .string("r1"))]))
        #expect(created.status == 201, "\(created.text)")
        let refused: [(String, String, Value?)] = [
            ("POST", "/api/v1/dags/ops/runs", .map([])),
            ("POST", "/api/v1/dags/ops/runs/r1/tasks/hello/clear", .map([])),
            ("POST", "/api/v1/dags/ops/runs/r1/tasks/hello/mark", .map([("state", .string("success"))])),
            ("PATCH", "/api/v1/dags/ops", .map([("is_paused", .bool(true))])),
            ("POST", "/api/v1/backfills", .map([("dag_id", .string("ops")), ("from", .string("2024-01-01")), ("to", .string("2024-01-02"))])),
            ("PUT", "/api/v1/pools/gpu", .map([("slots", .int(2))])),
            ("GET", "/api/v1/tokens", nil),
            ("POST", "/api/v1/workers", .map([("name", .string("w"))])),
            ("PUT", "/api/v1/workloads/1/heartbeat", .map([("lease", .string("x"))])),
        ]
        for (method, path, body) in refused {
            let answer = try await server.call(method, path, as: "viewer", json: body)
            #expect(answer.status == 403, "\(method) \(path): \(answer.status) \(answer.text)")
            #expect(answer.json["status"] == .int(403))
        }
        // Nothing changed: the run is untouched and the DAG is not paused.
        #expect(try await server.call("GET", "/api/v1/dags/ops", as: "viewer").json["is_paused"] == .bool(false))
        await server.stop()
    }

    @Test("a worker token is refused on every REST endpoint; operators may not use pools or tokens; admins may")
    func roles() async throws {
        let server = try await APITestServer()
        for path in ["/api/v1/dags", "/api/v1/dags/ops/runs", "/api/v1/pools", "/api/v1/workers", "/api/v1/backfills", "/metrics"] {
            let answer = try await server.call("GET", path, as: "worker")
            #expect(answer.status == 403, "\(path): \(answer.status)")
        }
        #expect(try await server.call("PUT", "/api/v1/pools/gpu", as: "operator", json: .map([("slots", .int(2))])).status == 403)
        #expect(try await server.call("GET", "/api/v1/tokens", as: "operator").status == 403)
        #expect(try await server.call("PUT", "/api/v1/pools/gpu", as: "admin", json: .map([("slots", .int(2))])).status == 201)
        // A worker token may register (the worker protocol is its only use).
        let registered = try await server.call("POST", "/api/v1/workers", as: "worker", json: .map([("name", .string("w1"))]))
        #expect(registered.status == 201, "\(registered.text)")
        let workers = try await server.call("GET", "/api/v1/workers", as: "viewer").json
        #expect(workers["total"] == .int(1))
        #expect(workers["items"]?.listValue?.first?["name"] == .string("w1"))
        #expect(workers["items"]?.listValue?.first?["queues"] == .list([.string("default")]))
        await server.stop()
    }

    @Test("tokens: an admin creates one (shown once), lists them without secrets, revokes it, and it stops working")
    func tokenLifecycle() async throws {
        let server = try await APITestServer()
        let created = try await server.call("POST", "/api/v1/tokens", json: .map([("name", .string("ci")), ("role", .string("viewer"))]))
        #expect(created.status == 201, "\(created.text)")
        let token = try #require(created.json["token"]?.stringValue)
        #expect(token.hasPrefix("slc_"))
        #expect(try await server.call("GET", "/api/v1/dags", token: token).status == 200)
        let listed = try await server.call("GET", "/api/v1/tokens")
        #expect(!listed.text.contains(token))
        #expect(listed.json["items"]?.listValue?.contains { $0["name"] == .string("ci") && $0["role"] == .string("viewer") } == true)
        let duplicate = try await server.call("POST", "/api/v1/tokens", json: .map([("name", .string("ci")), ("role", .string("viewer"))]))
        #expect(duplicate.status == 409)
        let badRole = try await server.call("POST", "/api/v1/tokens", json: .map([("name", .string("x")), ("role", .string("viewr"))]))
        #expect(badRole.status == 400 && badRole.error.contains("field 'role'") && badRole.error.contains("did you mean 'viewer'"))
        #expect(try await server.call("DELETE", "/api/v1/tokens/ci").status == 204)
        #expect(try await server.call("GET", "/api/v1/dags", token: token).status == 401)
        #expect(try await server.call("DELETE", "/api/v1/tokens/ci").status == 404)
        await server.stop()
    }

    @Test("a body over the server's limit is refused with 413")
    func bodyLimit() async throws {
        let server = try await APITestServer(bodyLimit: 1024)
        let big = Value.map([("run_id", .string("big")), ("conf", .map([("blob", .string(String(repeating: "x", count: 8192)))]))])
        let answer = try await server.call("POST", "/api/v1/dags/ops/runs", as: "operator", json: big)
        #expect(answer.status == 413, "\(answer.status) \(answer.text)")
        #expect(answer.json["status"] == .int(413))
        #expect(try await server.call("GET", "/api/v1/dags/ops/runs", as: "viewer").json["total"] == .int(0))
        await server.stop()
    }
}
