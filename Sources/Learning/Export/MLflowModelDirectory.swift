#if canImport(Glibc)
import Glibc
#endif

/// Saves a trained model as an MLflow model directory, so MLflow itself (`mlflow.pyfunc.load_model`,
/// `mlflow.xgboost.load_model`, `mlflow.lightgbm.load_model`) loads it: the booster in its
/// library's format, an `MLmodel` file with the `python_function` and library flavors and a
/// column signature, and the Python requirements to serve it.
public enum MLflowModelDirectory {
    /// The library versions written into the flavors and requirements.
    public static let xgboostVersion = "1.7.4"
    public static let lightgbmVersion = "4.7.0"
    public static let mlflowVersion = "3.17.2"

    /// Writes `model` into `directory` (created if missing; files inside are replaced).
    /// `runID` and `metadata` (lineage: training table and version, feature set...) go into `MLmodel`.
    public static func save(_ model: any TrainedModel, kind: ModelKind, featureNames: [String], to directory: String,
                            runID: String? = nil, metadata: [(String, String)] = []) throws(LearningError) {
        try makeDirectory(directory)
        let data = kind.modelFileName
        try model.save(to: directory + "/" + data)
        let inputs = "[" + featureNames.map { #"{"type": "double", "name": \#(jsonString($0)), "required": true}"# }.joined(separator: ", ") + "]"
        let outputs = #"[{"type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1]}}]"#
        var lines = ["artifact_path: model", "flavors:", "  python_function:", "    data: \(data)", "    env:", "      conda: conda.yaml",
                     "      virtualenv: python_env.yaml", "    loader_module: mlflow.\(kind.rawValue)", "    python_version: 3.11.7"]
        switch kind {
        case .xgboost:
            lines += ["  xgboost:", "    code: null", "    data: \(data)", "    model_class: xgboost.core.Booster", "    model_format: json",
                      "    xgb_version: \(xgboostVersion)"]
        case .lightgbm:
            lines += ["  lightgbm:", "    code: null", "    data: \(data)", "    lgb_version: \(lightgbmVersion)", "    model_class: lightgbm.basic.Booster"]
        }
        if !metadata.isEmpty {
            lines.append("metadata:")
            for (key, value) in metadata { lines.append("  \(key): \(yamlString(value))") }
        }
        lines += ["mlflow_version: \(mlflowVersion)", "model_uuid: \(randomHex(32))"]
        if let runID { lines.append("run_id: \(runID)") }
        lines += ["signature:", "  inputs: \(yamlString(inputs))", "  outputs: \(yamlString(outputs))", "  params: null",
                  "utc_time_created: '\(utcNow())'"]
        try write(directory + "/MLmodel", lines.joined(separator: "\n") + "\n")
        let library = kind == .xgboost ? "xgboost>=\(xgboostVersion)" : "lightgbm==\(lightgbmVersion)"
        try write(directory + "/requirements.txt", "mlflow==\(mlflowVersion)\n\(library)\n")
        try write(directory + "/python_env.yaml", "python: 3.11.7\nbuild_dependencies:\n- pip\ndependencies:\n- -r requirements.txt\n")
        try write(directory + "/conda.yaml", "channels:\n- conda-forge\ndependencies:\n- python=3.11.7\n- pip\n- pip:\n  - mlflow==\(mlflowVersion)\n  - \(library)\nname: mlflow-env\n")
    }

    static func jsonString(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    /// A YAML single-quoted scalar.
    static func yamlString(_ text: String) -> String { "'" + text.replacingAll("'", with: "''") + "'" }

    static func randomHex(_ count: Int) -> String {
        String((0 ..< count).map { _ in "0123456789abcdef".randomElement()! })
    }

    static func utcNow() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var seconds = now.tv_sec
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func pad(_ v: Int32, _ width: Int = 2) -> String { String(repeating: "0", count: Swift.max(0, width - String(v).count)) + String(v) }
        return "\(parts.tm_year + 1900)-\(pad(parts.tm_mon + 1))-\(pad(parts.tm_mday)) \(pad(parts.tm_hour)):\(pad(parts.tm_min)):\(pad(parts.tm_sec)).\(pad(Int32(now.tv_nsec / 1000), 6))"
    }

    static func makeDirectory(_ path: String) throws(LearningError) {
        var current = path.hasPrefix("/") ? "" : "."
        for part in path.split(separator: "/") {
            current += "/" + part
            if mkdir(current, 0o755) != 0, errno != EEXIST {
                throw LearningError("cannot create directory \(current): \(String(cString: strerror(errno)))")
            }
        }
    }

    static func write(_ path: String, _ text: String) throws(LearningError) {
        guard let file = fopen(path, "w") else { throw LearningError("cannot write \(path): \(String(cString: strerror(errno)))") }
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
        let closed = fclose(file)
        guard written == bytes.count, closed == 0 else { throw LearningError("cannot write \(path): \(String(cString: strerror(errno)))") }
    }
}

extension String {
    /// `self` with every `target` replaced (no Foundation here).
    func replacingAll(_ target: String, with replacement: String) -> String {
        split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
