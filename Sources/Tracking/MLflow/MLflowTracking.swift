import Foundation

/// Tracking on a real MLflow server through its REST API (`tracking.uri: http://host:port`):
/// experiments, runs, batched logging, dataset inputs, artifacts through the server's artifact
/// proxy (`mlflow-artifacts:`), and the model registry with stages and aliases.
public final class MLflowTracking: TrackingBackend, @unchecked Sendable {
    private let client: MLflowClient
    public var uri: String { client.base.absoluteString }

    /// A backend for the server at `uri`; `token` (tracking.token) is sent as a bearer token.
    public init(uri: String, token: String? = nil) throws(TrackingError) {
        client = try MLflowClient(uri: uri, token: token)
    }

    // MARK: experiments and runs

    public func experiment(named name: String) throws(TrackingError) -> Experiment {
        guard !name.isEmpty else { throw TrackingError(.invalid, "an experiment needs a name") }
        if let found = try findExperiment(name) { return found }
        switch client.sendRaw("POST", "api/2.0/mlflow/experiments/create", json: ["name": name]) {
        case .success: break
        case .failure(let error) where error.code == "RESOURCE_ALREADY_EXISTS": break  // created concurrently
        case .failure(let error): throw TrackingError(.backend, "MLflow could not create experiment '\(name)': \(error.code): \(error.message)")
        }
        guard let created = try findExperiment(name) else { throw TrackingError(.backend, "MLflow lost experiment '\(name)' after creating it") }
        return created
    }

    private func findExperiment(_ name: String) throws(TrackingError) -> Experiment? {
        switch client.sendRaw("GET", "api/2.0/mlflow/experiments/get-by-name", query: [("experiment_name", name)]) {
        case .success(let data):
            guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any], let experiment = object["experiment"] as? [String: Any] else {
                throw TrackingError(.backend, "MLflow get-by-name: unexpected answer")
            }
            return Self.experiment(experiment)
        case .failure(let error) where error.code == "RESOURCE_DOES_NOT_EXIST": return nil
        case .failure(let error): throw TrackingError(.backend, "MLflow get-by-name '\(name)': \(error.code): \(error.message)")
        }
    }

    private static func experiment(_ object: [String: Any]) -> Experiment {
        Experiment(id: object["experiment_id"] as? String ?? "", name: object["name"] as? String ?? "", artifactLocation: object["artifact_location"] as? String ?? "")
    }

    public func experiments() throws(TrackingError) -> [Experiment] {
        var result: [Experiment] = []
        var token: String?
        repeat {
            var request: [String: Any] = ["max_results": 1000]
            if let token { request["page_token"] = token }
            let answer = try client.call("POST", "api/2.0/mlflow/experiments/search", json: request)
            result += (answer["experiments"] as? [[String: Any]] ?? []).map(Self.experiment)
            token = answer["next_page_token"] as? String
        } while token?.isEmpty == false
        return result
    }

    private static func pairs(_ values: [String: String]) -> [[String: String]] {
        values.sorted { $0.key < $1.key }.map { ["key": $0.key, "value": $0.value] }
    }

    public func createRun(experimentID: String, name: String, parentRunID: String?, tags: [String: String]) throws(TrackingError) -> RunInfo {
        var allTags = tags
        allTags["mlflow.runName"] = name
        if let parentRunID { allTags["mlflow.parentRunId"] = parentRunID }
        let answer = try client.call("POST", "api/2.0/mlflow/runs/create",
                                     json: ["experiment_id": experimentID, "run_name": name, "start_time": Metric.now(), "tags": Self.pairs(allTags)])
        guard let run = answer["run"] as? [String: Any], let info = run["info"] as? [String: Any] else { throw TrackingError(.backend, "MLflow runs/create: no run") }
        return Self.runInfo(info)
    }

    private static func runInfo(_ info: [String: Any]) -> RunInfo {
        func int(_ key: String) -> Int64? {
            if let n = info[key] as? NSNumber { return n.int64Value }
            return (info[key] as? String).flatMap { Int64($0) }
        }
        return RunInfo(id: info["run_id"] as? String ?? "", experimentID: info["experiment_id"] as? String ?? "", name: info["run_name"] as? String ?? "",
                       status: RunStatus(rawValue: info["status"] as? String ?? "") ?? .running, startTime: int("start_time") ?? 0,
                       endTime: int("end_time"), artifactURI: info["artifact_uri"] as? String ?? "")
    }

    public func log(runID: String, params: [String: String], metrics: [Metric], tags: [String: String]) throws(TrackingError) {
        // MLflow's log-batch limits: 1,000 items (1,000 metrics, 100 params, 100 tags) per call.
        var pendingParams = Self.pairs(params)[...], pendingTags = Self.pairs(tags)[...], pendingMetrics = metrics[...]
        while !pendingParams.isEmpty || !pendingTags.isEmpty || !pendingMetrics.isEmpty {
            let p = Array(pendingParams.prefix(100)), t = Array(pendingTags.prefix(100))
            let m = Array(pendingMetrics.prefix(1000 - p.count - t.count))
            pendingParams = pendingParams.dropFirst(p.count)
            pendingTags = pendingTags.dropFirst(t.count)
            pendingMetrics = pendingMetrics.dropFirst(m.count)
            let metricObjects: [[String: Any]] = m.map { ["key": $0.key, "value": $0.value, "timestamp": $0.timestamp, "step": $0.step] }
            switch client.sendRaw("POST", "api/2.0/mlflow/runs/log-batch", json: ["run_id": runID, "params": p, "tags": t, "metrics": metricObjects]) {
            case .success: continue
            case .failure(let error) where error.code == "INVALID_PARAMETER_VALUE" && error.message.contains("Changing param values is not allowed"):
                throw TrackingError(.conflict, "run \(runID): params cannot change: \(error.message)")
            case .failure(let error) where error.code == "RESOURCE_DOES_NOT_EXIST":
                throw TrackingError(.notFound, "no run \(runID)")
            case .failure(let error):
                throw TrackingError(.backend, "MLflow log-batch for run \(runID): \(error.code): \(error.message)")
            }
        }
    }

    public func logInputs(runID: String, datasets: [DatasetInput]) throws(TrackingError) {
        let objects: [[String: Any]] = datasets.map { d in
            ["dataset": ["name": d.name, "digest": d.digest, "source_type": d.sourceType, "source": d.source],
             "tags": [["key": "mlflow.data.context", "value": d.context]]]
        }
        _ = try client.call("POST", "api/2.0/mlflow/runs/log-inputs", json: ["run_id": runID, "datasets": objects])
    }

    public func finish(runID: String, status: RunStatus) throws(TrackingError) {
        _ = try client.call("POST", "api/2.0/mlflow/runs/update", json: ["run_id": runID, "status": status.rawValue, "end_time": Metric.now()])
    }

    public func metricHistory(runID: String, key: String) throws(TrackingError) -> [Metric] {
        var metrics: [Metric] = []
        var pageToken: String?
        repeat {
            var query = [("run_id", runID), ("metric_key", key), ("max_results", "25000")]
            if let pageToken { query.append(("page_token", pageToken)) }
            let answer = try client.call("GET", "api/2.0/mlflow/metrics/get-history", query: query)
            for m in answer["metrics"] as? [[String: Any]] ?? [] {
                metrics.append(Metric(key: key, value: (m["value"] as? NSNumber)?.doubleValue ?? .nan,
                                      step: (m["step"] as? NSNumber)?.int64Value ?? 0, timestamp: (m["timestamp"] as? NSNumber)?.int64Value ?? 0))
            }
            pageToken = (answer["next_page_token"] as? String).flatMap { $0.isEmpty ? nil : $0 }
        } while pageToken != nil
        return metrics.sorted { ($0.step, $0.timestamp) < ($1.step, $1.timestamp) }
    }

    public func run(_ runID: String) throws(TrackingError) -> Run {
        let answer = try client.call("GET", "api/2.0/mlflow/runs/get", query: [("run_id", runID)])
        guard let run = answer["run"] as? [String: Any] else { throw TrackingError(.notFound, "no run \(runID)") }
        return Self.run(run)
    }

    private static func run(_ run: [String: Any]) -> Run {
        let info = runInfo(run["info"] as? [String: Any] ?? [:])
        let data = run["data"] as? [String: Any] ?? [:]
        var params: [String: String] = [:], tags: [String: String] = [:], metrics: [String: Double] = [:]
        for p in data["params"] as? [[String: Any]] ?? [] { params[p["key"] as? String ?? ""] = p["value"] as? String ?? "" }
        for t in data["tags"] as? [[String: Any]] ?? [] { tags[t["key"] as? String ?? ""] = t["value"] as? String ?? "" }
        for m in data["metrics"] as? [[String: Any]] ?? [] { metrics[m["key"] as? String ?? ""] = (m["value"] as? NSNumber)?.doubleValue }
        let inputs = ((run["inputs"] as? [String: Any])?["dataset_inputs"] as? [[String: Any]] ?? []).map { input -> DatasetInput in
            let d = input["dataset"] as? [String: Any] ?? [:]
            let context = (input["tags"] as? [[String: Any]] ?? []).first { $0["key"] as? String == "mlflow.data.context" }?["value"] as? String
            return DatasetInput(name: d["name"] as? String ?? "", digest: d["digest"] as? String ?? "", sourceType: d["source_type"] as? String ?? "",
                                source: d["source"] as? String ?? "", context: context ?? "")
        }
        return Run(info: info, params: params, metrics: metrics, tags: tags, inputs: inputs)
    }

    public func searchRuns(experimentIDs: [String], orderBy: String?) throws(TrackingError) -> [Run] {
        _ = try RunOrder(orderBy)  // the same validation as the embedded store
        var result: [Run] = []
        var token: String?
        repeat {
            var request: [String: Any] = ["experiment_ids": experimentIDs, "max_results": 1000]
            if let orderBy, !orderBy.isEmpty { request["order_by"] = [orderBy] }
            if let token { request["page_token"] = token }
            let answer = try client.call("POST", "api/2.0/mlflow/runs/search", json: request)
            result += (answer["runs"] as? [[String: Any]] ?? []).map(Self.run)
            token = answer["next_page_token"] as? String
        } while token?.isEmpty == false
        return result
    }

    // MARK: artifacts (through the server's proxy)

    /// The proxy path of a run's artifacts (`mlflow-artifacts:/1/RUN/artifacts` -> `1/RUN/artifacts`).
    private func artifactRoot(_ runID: String) throws(TrackingError) -> String {
        let uri = try run(runID).info.artifactURI
        guard uri.hasPrefix("mlflow-artifacts:") else {
            throw TrackingError(.backend, "run \(runID) stores artifacts at \(uri); Sluice uploads through the server's artifact proxy (start mlflow server with --artifacts-destination)")
        }
        var path = String(uri.dropFirst("mlflow-artifacts:".count))
        while path.hasPrefix("/") { path.removeFirst() }
        return path
    }

    private static func encoded(_ path: String) -> String {
        path.split(separator: "/").map { $0.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? String($0) }.joined(separator: "/")
    }

    public func uploadArtifacts(runID: String, from localDirectory: String, to artifactPath: String) throws(TrackingError) {
        let root = try artifactRoot(runID) + (artifactPath.isEmpty ? "" : "/" + artifactPath)
        guard let walker = FileManager.default.enumerator(atPath: localDirectory) else { throw TrackingError(.notFound, "\(localDirectory) does not exist") }
        while let relative = walker.nextObject() as? String {
            var isDirectory: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: localDirectory + "/" + relative, isDirectory: &isDirectory)
            guard !isDirectory.boolValue else { continue }
            guard let data = FileManager.default.contents(atPath: localDirectory + "/" + relative) else {
                throw TrackingError(.backend, "cannot read \(localDirectory)/\(relative)")
            }
            _ = try client.send("PUT", "api/2.0/mlflow-artifacts/artifacts/" + Self.encoded(root + "/" + relative), body: data)
        }
    }

    public func downloadArtifacts(runID: String, artifactPath: String, to localDirectory: String) throws(TrackingError) {
        let root = try artifactRoot(runID)
        try download(root, relative: artifactPath, into: localDirectory, top: artifactPath)
    }

    private func download(_ root: String, relative: String, into local: String, top: String) throws(TrackingError) {
        let listing = try client.call("GET", "api/2.0/mlflow-artifacts/artifacts", query: [("path", root + "/" + relative)])
        let files = listing["files"] as? [[String: Any]] ?? []
        if files.isEmpty && relative == top {
            throw TrackingError(.notFound, "no artifacts under '\(relative)'")
        }
        do {
            try FileManager.default.createDirectory(atPath: local, withIntermediateDirectories: true)
        } catch {
            throw TrackingError(.backend, "cannot create \(local): \(error.localizedDescription)")
        }
        for file in files {
            guard let path = file["path"] as? String else { continue }
            let name = String(path.split(separator: "/").last ?? "")
            let childRelative = relative.isEmpty ? name : relative + "/" + name
            if file["is_dir"] as? Bool == true {
                try download(root, relative: childRelative, into: local + "/" + name, top: top)
            } else {
                let data = try client.send("GET", "api/2.0/mlflow-artifacts/artifacts/" + Self.encoded(root + "/" + childRelative))
                guard FileManager.default.createFile(atPath: local + "/" + name, contents: data) else {
                    throw TrackingError(.backend, "cannot write \(local)/\(name)")
                }
            }
        }
    }

    // MARK: registry

    public func registerModel(name: String) throws(TrackingError) {
        switch client.sendRaw("POST", "api/2.0/mlflow/registered-models/create", json: ["name": name]) {
        case .success: return
        case .failure(let error) where error.code == "RESOURCE_ALREADY_EXISTS": return
        case .failure(let error): throw TrackingError(.backend, "MLflow could not register model '\(name)': \(error.code): \(error.message)")
        }
    }

    public func registeredModels() throws(TrackingError) -> [String] {
        var names: [String] = []
        var token: String?
        repeat {
            var query = [("max_results", "1000")]
            if let token { query.append(("page_token", token)) }
            let answer = try client.call("GET", "api/2.0/mlflow/registered-models/search", query: query)
            names += (answer["registered_models"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
            token = answer["next_page_token"] as? String
        } while token?.isEmpty == false
        return names.sorted()
    }

    public func createModelVersion(name: String, runID: String, artifactPath: String, tags: [String: String]) throws(TrackingError) -> ModelVersion {
        let source = try run(runID).info.artifactURI + "/" + artifactPath
        let answer = try client.call("POST", "api/2.0/mlflow/model-versions/create",
                                     json: ["name": name, "source": source, "run_id": runID, "tags": Self.pairs(tags)])
        guard let version = answer["model_version"] as? [String: Any] else { throw TrackingError(.backend, "MLflow model-versions/create: no version") }
        return Self.modelVersion(version, aliases: [:])
    }

    private static func modelVersion(_ object: [String: Any], aliases: [Int: [String]]) -> ModelVersion {
        let number = Int(object["version"] as? String ?? "") ?? (object["version"] as? Int ?? 0)
        var tags: [String: String] = [:]
        for t in object["tags"] as? [[String: Any]] ?? [] { tags[t["key"] as? String ?? ""] = t["value"] as? String ?? "" }
        return ModelVersion(name: object["name"] as? String ?? "", version: number, runID: object["run_id"] as? String ?? "",
                            source: object["source"] as? String ?? "", stage: ModelStage(text: object["current_stage"] as? String ?? "None") ?? .none,
                            aliases: (object["aliases"] as? [String] ?? aliases[number] ?? []).sorted(), tags: tags)
    }

    public func modelVersions(name: String) throws(TrackingError) -> [ModelVersion] {
        let model = try client.call("GET", "api/2.0/mlflow/registered-models/get", query: [("name", name)])
        var aliases: [Int: [String]] = [:]
        for alias in (model["registered_model"] as? [String: Any])?["aliases"] as? [[String: Any]] ?? [] {
            if let version = Int(alias["version"] as? String ?? ""), let name = alias["alias"] as? String { aliases[version, default: []].append(name) }
        }
        var result: [ModelVersion] = []
        var token: String?
        repeat {
            var query = [("filter", "name='\(name.replacingOccurrences(of: "'", with: "\\'"))'"), ("max_results", "1000")]
            if let token { query.append(("page_token", token)) }
            let answer = try client.call("GET", "api/2.0/mlflow/model-versions/search", query: query)
            result += (answer["model_versions"] as? [[String: Any]] ?? []).map { version in
                var v = Self.modelVersion(version, aliases: aliases)
                v.aliases = (aliases[v.version] ?? []).sorted()
                return v
            }
            token = answer["next_page_token"] as? String
        } while token?.isEmpty == false
        return result.sorted { $0.version < $1.version }
    }

    public func transition(name: String, version: Int, to stage: ModelStage, archiveExisting: Bool) throws(TrackingError) -> ModelVersion {
        let answer = try client.call("POST", "api/2.0/mlflow/model-versions/transition-stage",
                                     json: ["name": name, "version": String(version), "stage": stage.rawValue, "archive_existing_versions": archiveExisting])
        guard answer["model_version"] is [String: Any] else { throw TrackingError(.backend, "MLflow transition-stage: no version") }
        guard let updated = try modelVersions(name: name).first(where: { $0.version == version }) else {
            throw TrackingError(.notFound, "model '\(name)' has no version \(version)")
        }
        return updated
    }

    public func setAlias(name: String, alias: String, version: Int) throws(TrackingError) {
        guard try modelVersions(name: name).contains(where: { $0.version == version }) else {
            throw TrackingError(.notFound, "model '\(name)' has no version \(version)")
        }
        _ = try client.call("POST", "api/2.0/mlflow/registered-models/alias", json: ["name": name, "alias": alias, "version": String(version)])
    }
}
