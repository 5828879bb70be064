/// One setting of `scheduler.yaml`: where it lives, its type, default and meaning.
public struct ConfigSetting: Sendable {
    /// How a setting's text is checked and read.
    public enum Kind: String, Sendable { case string, path, int, bool, duration, choice }

    public var section: String
    public var key: String
    public var kind: Kind
    public var defaultValue: String
    public var doc: String
    /// Allowed values for `.choice` settings.
    public var choices: [String] = []
    /// Masked in `sluice config show` and logs.
    public var secret: Bool = false

    /// `SLUICE__SECTION__KEY`.
    public var environmentName: String { "SLUICE__\(section.uppercased())__\(key.uppercased())" }
}

/// Every setting Sluice reads, with its default. This table is the single source for loading,
/// validation, `sluice config show` and docs.
public enum ConfigSchema {
    public static let settings: [ConfigSetting] = [
        .init(section: "core", key: "dags_folder", kind: .path, defaultValue: "dags", doc: "Folder searched (recursively) for DAG files."),
        .init(section: "core", key: "plugins_folder", kind: .path, defaultValue: "plugins", doc: "Folder of plugin operators."),
        .init(section: "core", key: "default_timezone", kind: .string, defaultValue: "UTC", doc: "Zone of DAGs that do not set `timezone`."),
        .init(section: "core", key: "home", kind: .path, defaultValue: ".sluice", doc: "Folder for Sluice's own state."),
        .init(section: "metadata", key: "database", kind: .path, defaultValue: ".sluice/sluice.db", doc: "SQLite metadata database."),
        .init(section: "executor", key: "kind", kind: .choice, defaultValue: "local", doc: "Where tasks run: local threads or remote workers.", choices: ["local", "remote"]),
        .init(section: "executor", key: "parallelism", kind: .int, defaultValue: "8", doc: "Most task tries running at once."),
        .init(section: "executor", key: "worker_heartbeat_interval", kind: .duration, defaultValue: "5s",
              doc: "Remote executor: how often workers heartbeat each running try."),
        .init(section: "executor", key: "worker_heartbeat_timeout", kind: .duration, defaultValue: "30s",
              doc: "Remote executor: a try whose worker is silent this long is failed and retried per its policy."),
        .init(section: "scheduler", key: "heartbeat_interval", kind: .duration, defaultValue: "5s", doc: "How often the scheduler records that it is alive."),
        .init(section: "scheduler", key: "dead_after", kind: .duration, defaultValue: "30s", doc: "Missing heartbeats for this long mark a scheduler or worker dead."),
        .init(section: "lake", key: "root", kind: .path, defaultValue: "lake", doc: "Root of the Delta tables (`db.table` lives at ROOT/db/table)."),
        .init(section: "tracking", key: "backend", kind: .choice, defaultValue: "embedded", doc: "Experiment tracking: embedded SQLite or an MLflow server.", choices: ["embedded", "mlflow"]),
        .init(section: "tracking", key: "uri", kind: .string, defaultValue: ".sluice/tracking", doc: "Embedded: a folder. MLflow: http://host:port."),
        .init(section: "tracking", key: "token", kind: .string, defaultValue: "", doc: "Bearer token for the MLflow server, if it needs one.", secret: true),
        .init(section: "learning", key: "lightgbm_library", kind: .string, defaultValue: "",
              doc: "LightGBM's lib_lightgbm.so (empty: found in the active or interop venv, or the Python site-packages)."),
        .init(section: "logging", key: "base_log_folder", kind: .path, defaultValue: "logs", doc: "Task logs go to FOLDER/DAG/RUN_ID/TASK/try-N.log."),
        .init(section: "logging", key: "level", kind: .choice, defaultValue: "info", doc: "Sluice's own log level.", choices: ["trace", "debug", "info", "notice", "warning", "error"]),
        .init(section: "api", key: "host", kind: .string, defaultValue: "127.0.0.1", doc: "Address the API server binds to."),
        .init(section: "api", key: "port", kind: .int, defaultValue: "8080", doc: "Port of the API server."),
        .init(section: "api", key: "max_body_size", kind: .int, defaultValue: "1048576", doc: "Largest request body the API server accepts, in bytes."),
    ]

    public static var sections: [String] {
        var seen: [String] = []
        for s in settings where !seen.contains(s.section) { seen.append(s.section) }
        return seen
    }

    public static func setting(section: String, key: String) -> ConfigSetting? {
        settings.first { $0.section == section && $0.key == key }
    }
}
