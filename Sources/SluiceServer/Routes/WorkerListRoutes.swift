import Foundation
import SluiceCore
import SluiceMetadata

/// The remote workers as operators see them (viewer); the worker protocol itself is in `WorkerRoutes`.
enum WorkerListRoutes {
    static func register(_ table: RouteTable, _ context: ServerContext) {
        let store = context.store

        table.add(.get, "/api/v1/workers", role: .viewer) { request in
            let page = try Page(request)
            var workers = try wrap { () throws(MetadataError) in try store.workers() }
            if let state = request.query("state") { workers = workers.filter { $0.state == state } }
            let items: [Value] = page.slice(workers).map { w in
                .map([("id", .string(w.id)), ("name", .string(w.name)), ("hostname", .string(w.hostname)),
                      ("queues", .list(w.queues.map(Value.string))), ("capacity", .int(Int64(w.capacity))), ("state", .string(w.state)),
                      ("registered_at", w.registeredAt.jsonValue), ("last_seen", w.lastSeen.jsonValue), ("running", .int(Int64(w.running)))])
            }
            return page.reply(items, total: workers.count)
        }
    }
}
