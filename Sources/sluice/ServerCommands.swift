import ArgumentParser
import Foundation
import SluiceCore
import SluiceMetadata
import SluiceScheduler
import SluiceServer

/// `--host` and `--port` of commands that serve the API (defaults from the `api` section).
struct ListenOptions: ParsableArguments {
    @Option(help: "Address to bind (default: api.host, 127.0.0.1). Put TLS in a reverse proxy in front.") var host: String?
    @Option(help: "Port to bind (default: api.port, 8080; 0 picks a free one).") var port: Int?

    func serverOptions(_ config: SluiceConfig) -> APIServerOptions {
        let secrets = ConfigSchema.settings.filter(\.secret).map { config.string($0.section, $0.key) }.filter { !$0.isEmpty }
        return APIServerOptions(host: host ?? config.string("api", "host"), port: port ?? config.int("api", "port"),
                                bodyLimit: max(1024, config.int("api", "max_body_size")),
                                logFolder: config.path("logging", "base_log_folder"), lakeRoot: config.path("lake", "root"),
                                workerHeartbeatInterval: config.seconds("executor", "worker_heartbeat_interval"),
                                workerHeartbeatTimeout: config.seconds("executor", "worker_heartbeat_timeout"),
                                secrets: secrets, defaultTimezone: config.defaultTimezone,
                                trackingURI: ProcessInfo.processInfo.environment["SLUICE_TRACKING_URI"].flatMap { $0.isEmpty ? nil : $0 }
                                    ?? (config.string("tracking", "backend") == "mlflow" ? config.string("tracking", "uri") : config.path("tracking", "uri")))
    }
}

/// `sluice api-server`: the HTTP API on its own (next to a scheduler in another process).
struct APIServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "api-server",
        abstract: "Serve the HTTP API (REST under /api/v1, the remote-worker protocol, /metrics) and the web UI (/ui).",
        discussion: """
        Every endpoint except /api/v1/health needs a bearer token ('sluice tokens create'). The API
        is described by docs/openapi.yaml. It speaks plain HTTP: bind to loopback (the default) or
        put a TLS-terminating reverse proxy in front. A scheduler in another process shares the
        work through the metadata database; 'sluice scheduler --api' serves both from one process.
        """)
    @OptionGroup var options: GlobalOptions
    @OptionGroup var listen: ListenOptions

    func run() async throws {
        let runtime = try Runtime(options)
        let context = ServerContext(store: runtime.store, options: listen.serverOptions(runtime.config))
        let server = Self.serve(context)
        let stopped = ChangeSignal()
        let seen = stopped.current
        let signals = SignalHandlers { stopped.notify() }
        defer { signals.cancel() }
        await stopped.wait(since: seen, timeout: 10 * 365 * 86400)
        server.cancel()
        await server.value
    }

    /// Starts serving in the background, printing the address once bound (or the error, then exiting).
    static func serve(_ context: ServerContext) -> Task<Void, Never> {
        Task.detached {
            let server = APIServer(context: context)
            do {
                try await server.run { port in
                    Terminal.note("API server listening on http://\(context.options.host):\(port) (database \(context.store.path))")
                }
            } catch is CancellationError {
            } catch {
                Terminal.error("error: the API server cannot serve on \(context.options.host):\(context.options.port): \(error)")
                Foundation.exit(1)
            }
        }
    }
}

/// `sluice tokens`: API tokens (created, listed, revoked; stored hashed).
struct TokensCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokens", abstract: "Create, list and revoke API tokens.",
        subcommands: [Create.self, List.self, Revoke.self])

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a token and print it (it is shown once; only its hash is stored).",
            discussion: "Roles: viewer (read), operator (also trigger, clear, mark, pause, backfill), admin (also pools and tokens), worker (the worker protocol only).")
        @OptionGroup var options: GlobalOptions
        @Option(help: "viewer, operator, admin or worker.") var role: String
        @Option(help: "A unique name, to list and revoke it by.") var name: String

        func run() throws {
            guard let parsed = TokenRole(rawValue: role) else {
                Terminal.error("error: --role '\(role)' is not one of \(TokenRole.allCases.map(\.rawValue).joined(separator: ", "))\(Spelling.didYouMean(role, among: TokenRole.allCases.map(\.rawValue)))")
                throw ExitCode(2)
            }
            guard !name.isEmpty, name.count <= 100 else {
                Terminal.error("error: --name must be 1-100 characters")
                throw ExitCode(2)
            }
            let runtime = try Runtime(options)
            do {
                print(try runtime.store.createToken(name: name, role: parsed))
                Terminal.note("token '\(name)' (role \(parsed.rawValue)) created; store it now, it cannot be shown again")
            } catch {
                Terminal.error("error: \(error.message)")
                throw ExitCode(1)
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List tokens (names, roles, prefixes; never the tokens).")
        @OptionGroup var options: GlobalOptions
        @Flag(help: "Print as JSON.") var json = false

        func run() throws {
            let runtime = try Runtime(options)
            let tokens = try runtime.store.tokens()
            if json {
                print(Value.list(tokens.map { token in
                    .map([("name", .string(token.name)), ("role", .string(token.role.rawValue)), ("prefix", .string(token.prefix)),
                          ("created_at", isoMicros(token.createdAt)), ("last_used_at", isoMicros(token.lastUsedAt)),
                          ("revoked_at", isoMicros(token.revokedAt))])
                }).jsonText(pretty: true))
                return
            }
            print("NAME".padding(toLength: 24, withPad: " ", startingAt: 0) + "ROLE      PREFIX      STATE     LAST USED")
            for token in tokens {
                let state = token.revokedAt == nil ? "active" : "revoked"
                print(token.name.padding(toLength: 24, withPad: " ", startingAt: 0) + token.role.rawValue.padding(toLength: 10, withPad: " ", startingAt: 0)
                      + token.prefix.padding(toLength: 12, withPad: " ", startingAt: 0) + state.padding(toLength: 10, withPad: " ", startingAt: 0)
                      + (token.lastUsedAt?.utcText(microseconds: false) ?? "never"))
            }
        }
    }

    struct Revoke: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a token by name (requests with it are refused at once).")
        @OptionGroup var options: GlobalOptions
        @Argument(help: "The token's name.") var name: String

        func run() throws {
            let runtime = try Runtime(options)
            guard try runtime.store.revokeToken(name: name) else {
                let known = (try? runtime.store.tokens().map(\.name)) ?? []
                Terminal.error("error: no active token named '\(name)'\(Spelling.didYouMean(name, among: known))")
                throw ExitCode(1)
            }
            Terminal.note("token '\(name)' revoked")
        }
    }
}
