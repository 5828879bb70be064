import Columnar
import DeltaLake
import Foundation
import Tracking

/// Where one trading signal came from: the signal row, the model version that scored it, the
/// training run behind the version, and the Delta versions (gold, silver, bronze) each step read,
/// followed through the runs' tags and the `sluice.*` fields the operators write into commitInfo.
public struct SignalLineage: Sendable {
    /// One link of the chain, printed as a line.
    public struct Step: Sendable {
        public var kind: String
        public var summary: String
        /// The facts behind the line, for `--json`.
        public var details: [(key: String, value: String)]
    }

    public var steps: [Step] = []

    /// Traces the signal of `ticker` on `date` (YYYY-MM-DD) in the `signals` table.
    public static func trace(signals path: String, date: String, ticker: String, tracking: any TrackingBackend) throws -> SignalLineage {
        var lineage = SignalLineage()
        let table = DeltaTable(path: path)
        guard let snapshot = try table.latestSnapshotIfExists() else { throw LineageError("\(path): no Delta table there") }
        let condition = try ExpressionParser.parse("date = '\(date)' AND ticker = '\(ticker.replacingOccurrences(of: "'", with: "''"))'", schema: snapshot.schema)
        let scan = TableScan(snapshot: snapshot)
        var found: [String: ScalarValue]?
        for file in scan.files(matching: condition) where found == nil {
            for batch in try scan.read(file, storage: table.storage) {
                let rows = try batch.filter(try condition.matches(batch))
                guard rows.rowCount > 0 else { continue }
                found = Dictionary(uniqueKeysWithValues: rows.schema.fields.indices.map { (rows.schema.fields[$0].name, rows.columns[$0].value(at: 0)) })
            }
        }
        guard let row = found else { throw LineageError("\(path) has no signal for \(ticker) on \(date)") }
        func text(_ key: String) -> String { row[key].map { $0.isNull ? "-" : $0.keyText } ?? "-" }
        let written = try table.lastChange(ofPartition: ["date": date])
        let signalCommit = try written.map { try commit(table, $0) } ?? [:]
        lineage.steps.append(Step(kind: "signal", summary: "\(ticker) on \(date): score \(text("score")), rank \(text("rank")), decile \(text("decile")), side \(text("side"))"
            + (written.map { "; signals version \($0)" } ?? "") + writer(signalCommit),
            details: row.sorted { $0.key < $1.key }.map { ($0.key, $0.value.keyText) } + [("signals_version", written.map(String.init) ?? "-")]))

        // The model version and its training run.
        let name = text("model_name")
        guard let number = Int(text("model_version")), let version = try tracking.modelVersions(name: name).first(where: { $0.version == number }) else {
            throw LineageError("the signal names model \(name) version \(text("model_version")), which the registry does not have")
        }
        lineage.steps.append(Step(kind: "model", summary: "\(name) version \(number) (\(version.stage.rawValue)\(version.aliases.isEmpty ? "" : ", " + version.aliases.joined(separator: ", "))), from run \(version.runID)",
                                  details: version.tags.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
                                      + [("name", name), ("version", String(number)), ("stage", version.stage.rawValue), ("run_id", version.runID)]))
        let run = try tracking.run(version.runID)
        let metric = run.params["select"] ?? "rank_ic"
        let goldPath = run.tags["sluice.training_table"] ?? version.tags["training_table"]
        let goldVersion = (run.tags["sluice.training_table_version"] ?? version.tags["training_table_version"]).flatMap(Int64.init)
        let trained = [run.tags["sluice.trained_from"], run.tags["sluice.trained_to"]].compactMap { $0 }.joined(separator: "..")
        let experiment = (try? tracking.experiments().first { $0.id == run.info.experimentID }?.name) ?? nil
        lineage.steps.append(Step(kind: "training", summary: "run \(run.info.id) (\(run.info.name)) in experiment \(experiment ?? run.info.experimentID)"
            + (run.metrics[metric].map { String(format: ": out-of-sample %@ %.6f", metric, $0) } ?? "")
            + (trained.isEmpty ? "" : ", trained on \(trained)") + (run.tags["sluice.run_date"].map { " for the run of \($0)" } ?? ""),
            details: [("run_id", run.info.id), ("experiment_id", run.info.experimentID)] + run.metrics.sorted { $0.key < $1.key }.map { ($0.key, String($0.value)) }
                + run.params.sorted { $0.key < $1.key }.map { ("param." + $0.key, $0.value) }))

        // The Delta versions behind it: gold as trained on, silver as scored, and what they read.
        if let goldPath, let goldVersion {
            try lineage.addTable("gold", path: goldPath, version: goldVersion)
        }
        if let silverPath = signalCommit["sluice.silver"], let silverVersion = Int64(text("silver_version")) {
            try lineage.addTable("silver", path: silverPath, version: silverVersion, note: "as scored")
        }
        return lineage
    }

    /// A table version's line, then the versions it read (bronze behind silver, both behind gold).
    mutating func addTable(_ kind: String, path: String, version: Int64, note: String = "", depth: Int = 0) throws {
        let table = DeltaTable(path: path)
        guard try table.latestSnapshotIfExists() != nil else {
            steps.append(Step(kind: kind, summary: "\(path) version \(version): the table is gone", details: [("path", path), ("version", String(version))]))
            return
        }
        let info = try Self.commit(table, version)
        let reads = ["silver", "bronze", "source"].compactMap { key -> String? in
            guard let upstream = info["sluice.\(key)"] else { return nil }
            return info["sluice.\(key)_version"].map { "\(key) version \($0)" } ?? "\(key) \(upstream)"
        }
        steps.append(Step(kind: String(repeating: "  ", count: depth) + kind,
                          summary: "\(path) version \(version)\(note.isEmpty ? "" : " (\(note))")" + Self.writer(info) + (reads.isEmpty ? "" : ", from " + reads.joined(separator: " and ")),
                          details: [("path", path), ("version", String(version))] + info.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }))
        guard depth < 3 else { return }
        for upstream in ["silver", "bronze"] {
            guard let upstreamPath = info["sluice.\(upstream)"], let upstreamVersion = info["sluice.\(upstream)_version"].flatMap(Int64.init) else { continue }
            try addTable(upstream, path: upstreamPath, version: upstreamVersion, depth: depth + 1)
        }
    }

    /// The `sluice.*` and operation fields of a version's commitInfo, as text.
    static func commit(_ table: DeltaTable, _ version: Int64) throws -> [String: String] {
        guard let info = try table.history().first(where: { $0.version == version })?.commitInfo, case .object(let members) = info else { return [:] }
        var out: [String: String] = [:]
        for (key, value) in members where key.hasPrefix("sluice.") || key == "operation" {
            if let text = value.stringValue { out[key] = text }
        }
        return out
    }

    static func writer(_ info: [String: String]) -> String {
        guard let dag = info["sluice.dag_id"], let task = info["sluice.task_id"] else { return info["operation"].map { ", \($0)" } ?? "" }
        return ", written by \(dag).\(task) in \(info["sluice.run_id"] ?? "?")"
    }
}

/// Why a signal's lineage cannot be traced.
public struct LineageError: Error, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}
