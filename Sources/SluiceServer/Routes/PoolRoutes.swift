import Foundation
import SluiceCore
import SluiceMetadata

/// Pools: list with the slots in use (viewer), create or resize and delete (admin).
enum PoolRoutes {
    static func register(_ table: RouteTable, _ context: ServerContext) {
        let store = context.store

        table.add(.get, "/api/v1/pools", role: .viewer) { request in
            let page = try Page(request)
            let (pools, usage) = try wrap { () throws(MetadataError) in (try store.pools(), try store.slotUsage()) }
            return page.reply(page.slice(pools).map { json($0, used: usage.byPool[$0.name] ?? 0) }, total: pools.count)
        }

        table.add(.put, "/api/v1/pools/{pool_name}", role: .admin) { request in
            let name = try Lookup.identifier(request, "pool_name")
            guard name.count <= 250 else { throw APIError.badRequest("path parameter 'pool_name' must be at most 250 characters") }
            let body = try await request.json()
            try body.only(["slots", "description"])
            let slots = Int(try body.int("slots", required: true, range: 0 ... 1_000_000)!)
            let description = try body.string("description")
            let existed = try wrap { () throws(MetadataError) in try store.pools().contains { $0.name == name } }
            try wrap { () throws(MetadataError) in try store.setPool(name, slots: slots, description: description) }
            let (pools, usage) = try wrap { () throws(MetadataError) in (try store.pools(), try store.slotUsage()) }
            guard let pool = pools.first(where: { $0.name == name }) else { throw APIError(.internalServerError, "pool '\(name)' was not stored") }
            return .json(json(pool, used: usage.byPool[name] ?? 0), status: existed ? .ok : .created)
        }

        table.add(.delete, "/api/v1/pools/{pool_name}", role: .admin) { request in
            let name = try Lookup.identifier(request, "pool_name")
            let pools = try wrap { () throws(MetadataError) in try store.pools() }
            guard pools.contains(where: { $0.name == name }) else {
                throw APIError.notFound("no pool '\(name)'\(Spelling.didYouMean(name, among: pools.map(\.name)))")
            }
            try wrap { () throws(MetadataError) in try store.deletePool(name) }
            return .empty(.noContent)
        }
    }

    /// A pool as `sluice pools list --json` shows it, plus its free slots.
    static func json(_ pool: PoolRow, used: Int) -> Value {
        .map([("name", .string(pool.name)), ("slots", .int(Int64(pool.slots))), ("used", .int(Int64(used))),
              ("free", .int(Int64(max(0, pool.slots - used)))), ("description", .string(pool.description))])
    }
}
