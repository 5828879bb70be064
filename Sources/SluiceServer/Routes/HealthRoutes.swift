import Foundation
import SluiceCore
import SluiceMetadata

/// Health (open, for load balancers and probes) and Prometheus metrics (viewer tokens).
enum HealthRoutes {
    static func register(_ table: RouteTable, _ context: ServerContext) {
        let store = context.store
        table.add(.get, "/api/v1/health", role: nil) { _ in
            let now = Date()
            let schedulers: [JobRow]
            do { schedulers = try store.jobs(state: "running").filter { $0.kind == "scheduler" } } catch {
                return .json(.map([("status", .string("unhealthy")), ("database", .string("unavailable: \(error)"))]),
                             status: .serviceUnavailable)
            }
            let latest = schedulers.map(\.latestHeartbeat).max()
            let healthy = latest.map { now.timeIntervalSince($0) < 60 } ?? false
            return .json(.map([
                ("status", .string("ok")),
                ("database", .string("ok")),
                ("version", .string(SluiceVersion.current)),
                ("scheduler", .map([
                    ("status", .string(healthy ? "healthy" : "unhealthy")),
                    ("latest_heartbeat", latest.map { .string($0.utcText()) } ?? .null),
                ])),
            ]))
        }
        table.add(.get, "/metrics", role: .viewer) { _ in
            let text = try wrap { () throws(MetadataError) in try context.metrics.render(store: store) }
            return .text(text, contentType: "text/plain; version=0.0.4; charset=utf-8")
        }
    }
}
