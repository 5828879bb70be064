/// The REST resources' route groups, registered after health and the worker protocol.
let restRoutes: [@Sendable (RouteTable, ServerContext) -> Void] = [
    DagRoutes.register,
    RunRoutes.register,
    TaskInstanceRoutes.register,
    LogRoutes.register,
    BackfillRoutes.register,
    PoolRoutes.register,
    TokenRoutes.register,
    WorkerListRoutes.register,
    ReportRoutes.register,
]
