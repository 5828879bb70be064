import Foundation
import GRDB

/// The default tracking backend: an SQLite file and an artifact directory under one folder
/// (`.sluice/tracking` by default), with MLflow's data model.
public final class EmbeddedTracking: TrackingBackend, @unchecked Sendable {
    public let root: String
    private let database: DatabaseQueue

    public init(root: String) throws(TrackingError) {
        self.root = root
        do {
            try FileManager.default.createDirectory(atPath: root + "/artifacts", withIntermediateDirectories: true)
            var configuration = Configuration()
            configuration.busyMode = .timeout(10)
            database = try DatabaseQueue(path: root + "/tracking.db", configuration: configuration)
            try Self.migrator.migrate(database)
        } catch {
            throw TrackingError(.backend, "cannot open the tracking store at \(root): \(error)")
        }
    }

    private static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE experiment (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL UNIQUE, artifact_location TEXT NOT NULL,
                                         creation_time INTEGER NOT NULL);
                CREATE TABLE run (id TEXT PRIMARY KEY, experiment_id INTEGER NOT NULL REFERENCES experiment(id), name TEXT NOT NULL,
                                  status TEXT NOT NULL, start_time INTEGER NOT NULL, end_time INTEGER, artifact_uri TEXT NOT NULL);
                CREATE TABLE param (run_id TEXT NOT NULL REFERENCES run(id), key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (run_id, key));
                CREATE TABLE metric (run_id TEXT NOT NULL REFERENCES run(id), key TEXT NOT NULL, value REAL NOT NULL, step INTEGER NOT NULL,
                                     timestamp INTEGER NOT NULL);
                CREATE INDEX metric_run ON metric (run_id, key);
                CREATE TABLE tag (run_id TEXT NOT NULL REFERENCES run(id), key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (run_id, key));
                CREATE TABLE input (run_id TEXT NOT NULL REFERENCES run(id), name TEXT NOT NULL, digest TEXT NOT NULL, source_type TEXT NOT NULL,
                                    source TEXT NOT NULL, context TEXT NOT NULL);
                CREATE TABLE registered_model (name TEXT PRIMARY KEY, creation_time INTEGER NOT NULL);
                CREATE TABLE model_version (name TEXT NOT NULL REFERENCES registered_model(name), version INTEGER NOT NULL, run_id TEXT NOT NULL,
                                            source TEXT NOT NULL, stage TEXT NOT NULL, creation_time INTEGER NOT NULL, PRIMARY KEY (name, version));
                CREATE TABLE model_version_tag (name TEXT NOT NULL, version INTEGER NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,
                                                PRIMARY KEY (name, version, key));
                CREATE TABLE model_alias (name TEXT NOT NULL, alias TEXT NOT NULL, version INTEGER NOT NULL, PRIMARY KEY (name, alias));
                """)
        }
        return migrator
    }

    private func write<T>(_ body: (Database) throws -> T) throws(TrackingError) -> T {
        do {
            return try database.write(body)
        } catch let error as TrackingError {
            throw error
        } catch {
            throw TrackingError(.backend, "tracking store \(root): \(error)")
        }
    }

    private func read<T>(_ body: (Database) throws -> T) throws(TrackingError) -> T {
        do {
            return try database.read(body)
        } catch let error as TrackingError {
            throw error
        } catch {
            throw TrackingError(.backend, "tracking store \(root): \(error)")
        }
    }

    // MARK: experiments and runs

    public func experiment(named name: String) throws(TrackingError) -> Experiment {
        guard !name.isEmpty else { throw TrackingError(.invalid, "an experiment needs a name") }
        let root = root
        return try write { db in
            if let row = try Row.fetchOne(db, sql: "SELECT id, name, artifact_location FROM experiment WHERE name = ?", arguments: [name]) {
                return Experiment(id: String(row["id"] as Int64), name: row["name"], artifactLocation: row["artifact_location"])
            }
            try db.execute(sql: "INSERT INTO experiment (name, artifact_location, creation_time) VALUES (?, '', ?)", arguments: [name, Metric.now()])
            let id = db.lastInsertedRowID
            let location = root + "/artifacts/\(id)"
            try db.execute(sql: "UPDATE experiment SET artifact_location = ? WHERE id = ?", arguments: [location, id])
            return Experiment(id: String(id), name: name, artifactLocation: location)
        }
    }

    public func experiments() throws(TrackingError) -> [Experiment] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT id, name, artifact_location FROM experiment ORDER BY id").map {
                Experiment(id: String($0["id"] as Int64), name: $0["name"], artifactLocation: $0["artifact_location"])
            }
        }
    }

    public func createRun(experimentID: String, name: String, parentRunID: String?, tags: [String: String]) throws(TrackingError) -> RunInfo {
        let id = UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        let now = Metric.now()
        return try write { db in
            guard let location = try String.fetchOne(db, sql: "SELECT artifact_location FROM experiment WHERE id = ?", arguments: [experimentID]) else {
                throw TrackingError(.notFound, "no experiment with id \(experimentID)")
            }
            if let parentRunID, try Bool.fetchOne(db, sql: "SELECT 1 FROM run WHERE id = ?", arguments: [parentRunID]) == nil {
                throw TrackingError(.notFound, "no parent run \(parentRunID)")
            }
            let info = RunInfo(id: id, experimentID: experimentID, name: name, status: .running, startTime: now, endTime: nil,
                               artifactURI: location + "/\(id)/artifacts")
            try db.execute(sql: "INSERT INTO run (id, experiment_id, name, status, start_time, artifact_uri) VALUES (?, ?, ?, ?, ?, ?)",
                           arguments: [id, experimentID, name, info.status.rawValue, now, info.artifactURI])
            var allTags = tags
            allTags["mlflow.runName"] = name
            if let parentRunID { allTags["mlflow.parentRunId"] = parentRunID }
            for (key, value) in allTags {
                try db.execute(sql: "INSERT OR REPLACE INTO tag (run_id, key, value) VALUES (?, ?, ?)", arguments: [id, key, value])
            }
            return info
        }
    }

    private static func requireRun(_ db: Database, _ runID: String) throws {
        guard try Bool.fetchOne(db, sql: "SELECT 1 FROM run WHERE id = ?", arguments: [runID]) != nil else {
            throw TrackingError(.notFound, "no run \(runID)")
        }
    }

    public func metricHistory(runID: String, key: String) throws(TrackingError) -> [Metric] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT value, step, timestamp FROM metric WHERE run_id = ? AND key = ? ORDER BY step, timestamp, rowid",
                             arguments: [runID, key]).map { Metric(key: key, value: $0["value"], step: $0["step"], timestamp: $0["timestamp"]) }
        }
    }

    public func log(runID: String, params: [String: String], metrics: [Metric], tags: [String: String]) throws(TrackingError) {
        try write { db in
            try Self.requireRun(db, runID)
            for (key, value) in params {
                if let existing = try String.fetchOne(db, sql: "SELECT value FROM param WHERE run_id = ? AND key = ?", arguments: [runID, key]) {
                    guard existing == value else {
                        throw TrackingError(.conflict, "run \(runID): param '\(key)' is already '\(existing)'; params cannot change (got '\(value)')")
                    }
                    continue
                }
                try db.execute(sql: "INSERT INTO param (run_id, key, value) VALUES (?, ?, ?)", arguments: [runID, key, value])
            }
            for metric in metrics {
                try db.execute(sql: "INSERT INTO metric (run_id, key, value, step, timestamp) VALUES (?, ?, ?, ?, ?)",
                               arguments: [runID, metric.key, metric.value, metric.step, metric.timestamp])
            }
            for (key, value) in tags {
                try db.execute(sql: "INSERT OR REPLACE INTO tag (run_id, key, value) VALUES (?, ?, ?)", arguments: [runID, key, value])
            }
        }
    }

    public func logInputs(runID: String, datasets: [DatasetInput]) throws(TrackingError) {
        try write { db in
            try Self.requireRun(db, runID)
            for d in datasets {
                try db.execute(sql: "INSERT INTO input (run_id, name, digest, source_type, source, context) VALUES (?, ?, ?, ?, ?, ?)",
                               arguments: [runID, d.name, d.digest, d.sourceType, d.source, d.context])
            }
        }
    }

    public func finish(runID: String, status: RunStatus) throws(TrackingError) {
        try write { db in
            try Self.requireRun(db, runID)
            try db.execute(sql: "UPDATE run SET status = ?, end_time = ? WHERE id = ?", arguments: [status.rawValue, Metric.now(), runID])
        }
    }

    private func artifactDirectory(_ runID: String) throws(TrackingError) -> String {
        try read { db in
            guard let uri = try String.fetchOne(db, sql: "SELECT artifact_uri FROM run WHERE id = ?", arguments: [runID]) else {
                throw TrackingError(.notFound, "no run \(runID)")
            }
            return uri
        }
    }

    public func uploadArtifacts(runID: String, from localDirectory: String, to artifactPath: String) throws(TrackingError) {
        let target = try artifactDirectory(runID) + (artifactPath.isEmpty ? "" : "/" + artifactPath)
        try Self.copyTree(localDirectory, to: target)
    }

    public func downloadArtifacts(runID: String, artifactPath: String, to localDirectory: String) throws(TrackingError) {
        let source = try artifactDirectory(runID) + (artifactPath.isEmpty ? "" : "/" + artifactPath)
        guard FileManager.default.fileExists(atPath: source) else { throw TrackingError(.notFound, "run \(runID) has no artifact '\(artifactPath)'") }
        try Self.copyTree(source, to: localDirectory)
    }

    static func copyTree(_ source: String, to target: String) throws(TrackingError) {
        let files = FileManager.default
        do {
            try files.createDirectory(atPath: target, withIntermediateDirectories: true)
            guard let walker = files.enumerator(atPath: source) else { throw TrackingError(.notFound, "\(source) does not exist") }
            while let relative = walker.nextObject() as? String {
                var isDirectory: ObjCBool = false
                _ = files.fileExists(atPath: source + "/" + relative, isDirectory: &isDirectory)
                if isDirectory.boolValue {
                    try files.createDirectory(atPath: target + "/" + relative, withIntermediateDirectories: true)
                } else {
                    if files.fileExists(atPath: target + "/" + relative) { try files.removeItem(atPath: target + "/" + relative) }
                    try files.copyItem(atPath: source + "/" + relative, toPath: target + "/" + relative)
                }
            }
        } catch let error as TrackingError {
            throw error
        } catch {
            throw TrackingError(.backend, "cannot copy \(source) to \(target): \(error.localizedDescription)")
        }
    }

    public func run(_ runID: String) throws(TrackingError) -> Run {
        try read { db in
            guard let run = try Self.loadRun(db, runID) else { throw TrackingError(.notFound, "no run \(runID)") }
            return run
        }
    }

    private static func loadRun(_ db: Database, _ runID: String) throws -> Run? {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM run WHERE id = ?", arguments: [runID]) else { return nil }
        let info = RunInfo(id: row["id"], experimentID: String(row["experiment_id"] as Int64), name: row["name"],
                           status: RunStatus(rawValue: row["status"]) ?? .running, startTime: row["start_time"], endTime: row["end_time"],
                           artifactURI: row["artifact_uri"])
        var params: [String: String] = [:], tags: [String: String] = [:], metrics: [String: Double] = [:]
        for p in try Row.fetchAll(db, sql: "SELECT key, value FROM param WHERE run_id = ?", arguments: [runID]) { params[p["key"]] = p["value"] }
        for t in try Row.fetchAll(db, sql: "SELECT key, value FROM tag WHERE run_id = ?", arguments: [runID]) { tags[t["key"]] = t["value"] }
        // The latest value of each metric: the highest step, then the latest timestamp (MLflow's rule).
        for m in try Row.fetchAll(db, sql: """
            SELECT key, value FROM metric m WHERE run_id = ? AND rowid = (
              SELECT rowid FROM metric WHERE run_id = m.run_id AND key = m.key ORDER BY step DESC, timestamp DESC, rowid DESC LIMIT 1)
            """, arguments: [runID]) { metrics[m["key"]] = m["value"] }
        let inputs = try Row.fetchAll(db, sql: "SELECT * FROM input WHERE run_id = ? ORDER BY rowid", arguments: [runID]).map {
            DatasetInput(name: $0["name"], digest: $0["digest"], sourceType: $0["source_type"], source: $0["source"], context: $0["context"])
        }
        return Run(info: info, params: params, metrics: metrics, tags: tags, inputs: inputs)
    }

    public func searchRuns(experimentIDs: [String], orderBy: String?) throws(TrackingError) -> [Run] {
        let order = try RunOrder(orderBy)
        let runs = try read { db in
            let ids = try String.fetchAll(db, sql: "SELECT id FROM run WHERE experiment_id IN (\(experimentIDs.map { _ in "?" }.joined(separator: ","))) ORDER BY start_time DESC",
                                          arguments: StatementArguments(experimentIDs))
            return try ids.compactMap { try Self.loadRun(db, $0) }
        }
        return order.sorted(runs)
    }

    // MARK: registry

    public func registerModel(name: String) throws(TrackingError) {
        guard !name.isEmpty else { throw TrackingError(.invalid, "a registered model needs a name") }
        try write { db in
            try db.execute(sql: "INSERT OR IGNORE INTO registered_model (name, creation_time) VALUES (?, ?)", arguments: [name, Metric.now()])
        }
    }

    public func registeredModels() throws(TrackingError) -> [String] {
        try read { db in try String.fetchAll(db, sql: "SELECT name FROM registered_model ORDER BY name") }
    }

    public func createModelVersion(name: String, runID: String, artifactPath: String, tags: [String: String]) throws(TrackingError) -> ModelVersion {
        try write { db in
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM registered_model WHERE name = ?", arguments: [name]) != nil else {
                throw TrackingError(.notFound, "no registered model '\(name)'")
            }
            try Self.requireRun(db, runID)
            let version = (try Int.fetchOne(db, sql: "SELECT MAX(version) FROM model_version WHERE name = ?", arguments: [name]) ?? 0) + 1
            let source = "runs:/\(runID)/\(artifactPath)"
            try db.execute(sql: "INSERT INTO model_version (name, version, run_id, source, stage, creation_time) VALUES (?, ?, ?, ?, 'None', ?)",
                           arguments: [name, version, runID, source, Metric.now()])
            for (key, value) in tags {
                try db.execute(sql: "INSERT INTO model_version_tag (name, version, key, value) VALUES (?, ?, ?, ?)", arguments: [name, version, key, value])
            }
            return ModelVersion(name: name, version: version, runID: runID, source: source, stage: .none, aliases: [], tags: tags)
        }
    }

    public func modelVersions(name: String) throws(TrackingError) -> [ModelVersion] {
        try read { db in
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM registered_model WHERE name = ?", arguments: [name]) != nil else {
                throw TrackingError(.notFound, "no registered model '\(name)'")
            }
            return try Row.fetchAll(db, sql: "SELECT * FROM model_version WHERE name = ? ORDER BY version", arguments: [name]).map { row in
                let version: Int = row["version"]
                var tags: [String: String] = [:]
                for t in try Row.fetchAll(db, sql: "SELECT key, value FROM model_version_tag WHERE name = ? AND version = ?", arguments: [name, version]) {
                    tags[t["key"]] = t["value"]
                }
                let aliases = try String.fetchAll(db, sql: "SELECT alias FROM model_alias WHERE name = ? AND version = ? ORDER BY alias", arguments: [name, version])
                return ModelVersion(name: name, version: version, runID: row["run_id"], source: row["source"],
                                    stage: ModelStage(rawValue: row["stage"]) ?? .none, aliases: aliases, tags: tags)
            }
        }
    }

    public func transition(name: String, version: Int, to stage: ModelStage, archiveExisting: Bool) throws(TrackingError) -> ModelVersion {
        try write { db in
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM model_version WHERE name = ? AND version = ?", arguments: [name, version]) != nil else {
                throw TrackingError(.notFound, "model '\(name)' has no version \(version)")
            }
            if archiveExisting, stage == .staging || stage == .production {
                try db.execute(sql: "UPDATE model_version SET stage = 'Archived' WHERE name = ? AND stage = ? AND version != ?",
                               arguments: [name, stage.rawValue, version])
            }
            try db.execute(sql: "UPDATE model_version SET stage = ? WHERE name = ? AND version = ?", arguments: [stage.rawValue, name, version])
        }
        guard let updated = try modelVersions(name: name).first(where: { $0.version == version }) else {
            throw TrackingError(.notFound, "model '\(name)' has no version \(version)")
        }
        return updated
    }

    public func setAlias(name: String, alias: String, version: Int) throws(TrackingError) {
        guard !alias.isEmpty, Int(alias) == nil, !alias.lowercased().hasPrefix("v") || Int(alias.dropFirst()) == nil, alias.lowercased() != "latest" else {
            throw TrackingError(.invalid, "'\(alias)' cannot be an alias (numbers, v1-style names and 'latest' are reserved)")
        }
        try write { db in
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM model_version WHERE name = ? AND version = ?", arguments: [name, version]) != nil else {
                throw TrackingError(.notFound, "model '\(name)' has no version \(version)")
            }
            try db.execute(sql: "INSERT OR REPLACE INTO model_alias (name, alias, version) VALUES (?, ?, ?)", arguments: [name, alias, version])
        }
    }
}

/// `metrics.NAME DESC`, `params.NAME ASC`, `start_time DESC`, `attributes.start_time`... as MLflow
/// orders runs (missing values last).
struct RunOrder {
    enum Key { case metric(String), param(String), startTime, endTime, name }
    var key: Key?
    var descending: Bool

    init(_ text: String?) throws(TrackingError) {
        guard let text, !text.isEmpty else { key = nil; descending = true; return }
        let parts = text.split(separator: " ").map(String.init)
        guard parts.count <= 2, let field = parts.first else { throw TrackingError(.invalid, "order-by '\(text)': expected FIELD [ASC|DESC]") }
        if parts.count == 2 {
            guard ["ASC", "DESC"].contains(parts[1].uppercased()) else { throw TrackingError(.invalid, "order-by '\(text)': expected ASC or DESC") }
        }
        descending = parts.count == 2 && parts[1].uppercased() == "DESC"
        let name = field.hasPrefix("attributes.") ? String(field.dropFirst("attributes.".count)) : field
        if name.hasPrefix("metrics.") { key = .metric(String(name.dropFirst(8))) }
        else if name.hasPrefix("params.") { key = .param(String(name.dropFirst(7))) }
        else if name == "start_time" { key = .startTime }
        else if name == "end_time" { key = .endTime }
        else if name == "run_name" { key = .name }
        else { throw TrackingError(.invalid, "order-by '\(text)': unknown field (metrics.NAME, params.NAME, start_time, end_time, run_name)") }
    }

    func sorted(_ runs: [Run]) -> [Run] {
        guard let key else { return runs.sorted { $0.info.startTime > $1.info.startTime } }
        return runs.sorted { a, b in
            switch key {
            case .metric(let name): return Self.compare(a.metrics[name], b.metrics[name], descending)
            case .param(let name): return Self.compare(a.params[name], b.params[name], descending)
            case .startTime: return Self.compare(a.info.startTime, b.info.startTime, descending)
            case .endTime: return Self.compare(a.info.endTime, b.info.endTime, descending)
            case .name: return Self.compare(a.info.name, b.info.name, descending)
            }
        }
    }

    private static func compare<T: Comparable>(_ a: T?, _ b: T?, _ descending: Bool) -> Bool {
        switch (a, b) {
        case (nil, nil): return false
        case (nil, _): return false
        case (_, nil): return true
        case (let x?, let y?): return descending ? x > y : x < y
        }
    }
}
