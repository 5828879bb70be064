import Foundation

/// Where runs, metrics, artifacts and registered models are kept: the embedded SQLite store, or a
/// real MLflow server. Both behave the same (a contract test suite runs against each).
public protocol TrackingBackend: Sendable {
    /// The experiment called `name`, created when missing (idempotent).
    func experiment(named name: String) throws(TrackingError) -> Experiment
    func experiments() throws(TrackingError) -> [Experiment]
    /// Starts a run; `parentRunID` nests it (a grid search's trials under its parent run).
    func createRun(experimentID: String, name: String, parentRunID: String?, tags: [String: String]) throws(TrackingError) -> RunInfo
    /// Logs params (immutable: a different value for a logged key is an error), metrics and tags.
    func log(runID: String, params: [String: String], metrics: [Metric], tags: [String: String]) throws(TrackingError)
    func logInputs(runID: String, datasets: [DatasetInput]) throws(TrackingError)
    func finish(runID: String, status: RunStatus) throws(TrackingError)
    /// Copies a local directory's files under the run's artifacts at `artifactPath`.
    func uploadArtifacts(runID: String, from localDirectory: String, to artifactPath: String) throws(TrackingError)
    /// Copies the run's artifacts under `artifactPath` into `localDirectory`.
    func downloadArtifacts(runID: String, artifactPath: String, to localDirectory: String) throws(TrackingError)
    func run(_ runID: String) throws(TrackingError) -> Run
    /// Every logged value of one metric of a run, by step then time (a training curve).
    func metricHistory(runID: String, key: String) throws(TrackingError) -> [Metric]
    /// Runs of the experiments, ordered by `orderBy` (`metrics.rank_ic DESC`, `start_time ASC`...),
    /// newest first by default.
    func searchRuns(experimentIDs: [String], orderBy: String?) throws(TrackingError) -> [Run]

    /// Creates the registered model when missing (idempotent).
    func registerModel(name: String) throws(TrackingError)
    func registeredModels() throws(TrackingError) -> [String]
    /// A new version of `name` from the run's artifacts at `artifactPath`, with lineage tags.
    func createModelVersion(name: String, runID: String, artifactPath: String, tags: [String: String]) throws(TrackingError) -> ModelVersion
    func modelVersions(name: String) throws(TrackingError) -> [ModelVersion]
    /// Moves a version to a stage; with `archiveExisting`, the versions already in that stage
    /// (Staging or Production) become Archived.
    func transition(name: String, version: Int, to stage: ModelStage, archiveExisting: Bool) throws(TrackingError) -> ModelVersion
    /// Points `alias` (`champion`, `challenger`) at a version (moving it from another).
    func setAlias(name: String, alias: String, version: Int) throws(TrackingError)
}

extension TrackingBackend {
    /// The version a model URI names: `models:/NAME/3`, `models:/NAME/Staging` (the newest version
    /// in that stage), `models:/NAME@alias`; `runs:/RUN_ID/path` names no version (nil).
    public func modelVersion(for uri: String) throws(TrackingError) -> ModelVersion? {
        guard uri.hasPrefix("models:/") else {
            guard uri.hasPrefix("runs:/") else { throw TrackingError(.invalid, "'\(uri)' is not a model URI (models:/NAME/VERSION, models:/NAME/STAGE, models:/NAME@ALIAS, runs:/RUN_ID/PATH)") }
            return nil
        }
        let rest = String(uri.dropFirst("models:/".count))
        if let at = rest.firstIndex(of: "@") {
            let name = String(rest[..<at]), alias = String(rest[rest.index(after: at)...])
            guard let version = try modelVersions(name: name).first(where: { $0.aliases.contains(alias) }) else {
                throw TrackingError(.notFound, "model '\(name)' has no alias '\(alias)'")
            }
            return version
        }
        let parts = rest.split(separator: "/", maxSplits: 1).map(String.init)
        guard parts.count == 2 else { throw TrackingError(.invalid, "'\(uri)' names no version, stage or alias") }
        let versions = try modelVersions(name: parts[0])
        if let number = Int(parts[1]) {
            guard let version = versions.first(where: { $0.version == number }) else { throw TrackingError(.notFound, "model '\(parts[0])' has no version \(number)") }
            return version
        }
        guard let stage = ModelStage(text: parts[1]) else { throw TrackingError(.invalid, "'\(parts[1])' is not a version number or a stage (None, Staging, Production, Archived)") }
        guard let version = versions.filter({ $0.stage == stage }).max(by: { $0.version < $1.version }) else {
            throw TrackingError(.notFound, "model '\(parts[0])' has no version in \(stage.rawValue)")
        }
        return version
    }

    /// Downloads the model a URI names into `localDirectory`; returns the directory holding its `MLmodel`.
    public func downloadModel(_ uri: String, to localDirectory: String) throws(TrackingError) -> String {
        let runID: String, path: String
        if let version = try modelVersion(for: uri) {
            if version.source.hasPrefix("runs:/") {
                (runID, path) = try Self.splitRunsURI(version.source)
            } else {
                // MLflow stores the artifact location itself: the path is what follows the run's artifact URI.
                let root = try run(version.runID).info.artifactURI
                guard version.source.hasPrefix(root + "/") else {
                    throw TrackingError(.invalid, "version \(version.version) of '\(version.name)' has source \(version.source), outside its run's artifacts")
                }
                (runID, path) = (version.runID, String(version.source.dropFirst(root.count + 1)))
            }
        } else {
            (runID, path) = try Self.splitRunsURI(uri)
        }
        try downloadArtifacts(runID: runID, artifactPath: path, to: localDirectory)
        return localDirectory
    }

    static func splitRunsURI(_ uri: String) throws(TrackingError) -> (String, String) {
        let rest = uri.dropFirst("runs:/".count)
        let parts = rest.split(separator: "/", maxSplits: 1).map(String.init)
        guard parts.count == 2, !parts[0].isEmpty else { throw TrackingError(.invalid, "'\(uri)' is not runs:/RUN_ID/PATH") }
        return (parts[0], parts[1])
    }
}
