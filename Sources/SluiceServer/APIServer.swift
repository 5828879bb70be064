import Foundation
import Hummingbird
import Logging
import NIOCore
import SluiceCore
import SluiceMetadata
import SluiceScheduler

/// Settings of the API server.
public struct APIServerOptions: Sendable {
    public var host: String
    public var port: Int
    /// Largest request body accepted, in bytes.
    public var bodyLimit: Int
    /// Task logs live under this folder; log paths outside it are refused.
    public var logFolder: String
    /// The lake root; report files are served from its `reports/` folder only.
    public var lakeRoot: String
    /// Told to workers at registration: how often to heartbeat each try.
    public var workerHeartbeatInterval: Double
    /// Told to workers: silence this long fails a try.
    public var workerHeartbeatTimeout: Double
    /// Longest long-poll a worker may ask for, in seconds.
    public var maxFetchWait: Double
    /// Values never shown in API output or served logs (tokens, passwords from the configuration).
    public var secrets: [String]
    /// The IANA zone DAGs without their own are read in (for trigger and backfill dates).
    public var defaultTimezone: String
    /// The tracking backend the UI's experiment pages read: a folder (embedded) or an MLflow URL.
    public var trackingURI: String?

    public init(host: String = "127.0.0.1", port: Int = 8080, bodyLimit: Int = 1 << 20, logFolder: String, lakeRoot: String,
                workerHeartbeatInterval: Double = 5, workerHeartbeatTimeout: Double = 30, maxFetchWait: Double = 30,
                secrets: [String] = [], defaultTimezone: String = "UTC", trackingURI: String? = nil) {
        self.host = host
        self.port = port
        self.bodyLimit = bodyLimit
        self.logFolder = logFolder
        self.lakeRoot = lakeRoot
        self.workerHeartbeatInterval = workerHeartbeatInterval
        self.workerHeartbeatTimeout = workerHeartbeatTimeout
        self.maxFetchWait = maxFetchWait
        self.secrets = secrets
        self.defaultTimezone = defaultTimezone
        self.trackingURI = trackingURI
    }
}

/// What every route handler shares: the store, the settings, the signals to a scheduler in the
/// same process (if any) and the metrics.
public final class ServerContext: Sendable {
    public let store: MetadataStore
    public let options: APIServerOptions
    /// Notified when work is queued; fetches wait on it (and poll the database, for a scheduler elsewhere).
    public let workQueued: ChangeSignal
    /// Notified when a worker's report is stored, to wake an executor in this process.
    public let reportsArrived: ChangeSignal
    public let metrics: ServerMetrics
    let masker: SecretMasker

    public init(store: MetadataStore, options: APIServerOptions, workQueued: ChangeSignal = ChangeSignal(),
                reportsArrived: ChangeSignal = ChangeSignal(), metrics: ServerMetrics = ServerMetrics()) {
        self.store = store
        self.options = options
        self.workQueued = workQueued
        self.reportsArrived = reportsArrived
        self.metrics = metrics
        self.masker = SecretMasker(secrets: options.secrets)
    }
}

/// `sluice api-server`: the versioned REST API (`/api/v1`), the worker protocol, health and
/// Prometheus metrics, on Hummingbird. Every endpoint but health needs a bearer token.
public final class APIServer: @unchecked Sendable {
    public let context: ServerContext
    let table: RouteTable
    private let router: Router<BasicRequestContext>

    public init(context: ServerContext) {
        self.context = context
        let router = Router(context: BasicRequestContext.self)
        self.router = router
        let table = RouteTable(router: router, store: context.store, bodyLimit: context.options.bodyLimit)
        Self.registerAll(table, context)
        UIRoutes.register(router, context)
        self.table = table
    }

    /// Every endpoint the server answers.
    public var routes: [RouteSpec] { table.specs }

    static func registerAll(_ table: RouteTable, _ context: ServerContext) {
        HealthRoutes.register(table, context)
        WorkerRoutes.register(table, context)
        for register in restRoutes { register(table, context) }
    }

    /// Serves until the surrounding task is cancelled; `onListening` gets the bound port (useful with port 0).
    public func run(onListening: @escaping @Sendable (Int) -> Void = { _ in }) async throws {
        var logger = Logger(label: "sluice.api")
        logger.logLevel = .warning
        let app = Application(
            router: router,
            configuration: .init(address: .hostname(context.options.host, port: context.options.port), serverName: "sluice"),
            onServerRunning: { channel in onListening(channel.localAddress?.port ?? 0) },
            logger: logger)
        try await app.runService(gracefulShutdownSignals: [])
    }
}
