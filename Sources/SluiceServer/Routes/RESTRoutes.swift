/// The REST resources' route groups, registered after health and the worker protocol.
let restRoutes: [@Sendable (RouteTable, ServerContext) -> Void] = []
