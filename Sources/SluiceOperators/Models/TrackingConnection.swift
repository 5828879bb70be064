import Foundation
import Tracking

/// How the pipeline's operators reach experiment tracking, as MLflow clients do: the operator's
/// `tracking_uri` argument, else `SLUICE_TRACKING_URI` (the CLI exports the configuration's
/// `tracking.uri` before running tasks), else the embedded store in `.sluice/tracking`.
public enum TrackingConnection {
    public static let defaultURI = ".sluice/tracking"

    /// The backend a URI names: `http(s)://host:port` is an MLflow server (with the bearer token
    /// from `token`, else `SLUICE_TRACKING_TOKEN`), anything else the embedded store's folder.
    public static func backend(_ uri: String?, token: String? = nil) throws -> any TrackingBackend {
        let environment = ProcessInfo.processInfo.environment
        let chosen = [uri, environment["SLUICE_TRACKING_URI"]].compactMap { $0 }.first { !$0.isEmpty } ?? defaultURI
        if chosen.hasPrefix("http://") || chosen.hasPrefix("https://") {
            let bearer = [token, environment["SLUICE_TRACKING_TOKEN"]].compactMap { $0 }.first { !$0.isEmpty }
            return try MLflowTracking(uri: chosen, token: bearer)
        }
        return try EmbeddedTracking(root: chosen)
    }

    /// Makes `uri` (and `token`) what operators use when their arguments name no backend,
    /// unless the environment already says otherwise.
    public static func export(uri: String, token: String) {
        if getenv("SLUICE_TRACKING_URI") == nil { setenv("SLUICE_TRACKING_URI", uri, 1) }
        if !token.isEmpty, getenv("SLUICE_TRACKING_TOKEN") == nil { setenv("SLUICE_TRACKING_TOKEN", token, 1) }
    }
}
