import Foundation
import SluiceCore
import SluiceMetadata
import Tracking

/// Experiments, runs and the model registry from the tracking backend (embedded or MLflow),
/// and the admin pages (tokens, pools).
enum UIModelPages {
    static func backend(_ uri: String?) throws -> any TrackingBackend {
        guard let uri, !uri.isEmpty else { throw UIError("no tracking backend is configured (tracking.uri)") }
        if uri.hasPrefix("http://") || uri.hasPrefix("https://") { return try MLflowTracking(uri: uri, token: nil) }
        return try EmbeddedTracking(root: uri)
    }

    /// Experiments with their runs (params and metrics; sortable by any metric) and the registry.
    static func experiments(uri: String?, experiment: String?, sort: String?, session: UISession) throws -> String {
        let tracking = try backend(uri)
        let experiments = try tracking.experiments()
        var body = "<h1>Experiments</h1><div class=\"toolbar\">"
        for item in experiments {
            body += "<a href=\"/ui/experiments?e=\(HTML.segment(item.name))\">\(HTML.escape(item.name))</a>"
        }
        body += "</div>"
        if let chosen = experiments.first(where: { $0.name == experiment }) ?? experiments.first {
            let runs = try tracking.searchRuns(experimentIDs: [chosen.id], orderBy: nil)
            let metricNames = Array(Set(runs.flatMap(\.metrics.keys))).sorted()
            let paramNames = Array(Set(runs.flatMap(\.params.keys))).sorted().prefix(8)
            let ordered = sort.map { key in
                runs.sorted { ($0.metrics[key] ?? -.infinity) > ($1.metrics[key] ?? -.infinity) }
            } ?? runs
            body += "<h2>\(HTML.escape(chosen.name)): \(runs.count) run(s)</h2><div class=\"scroll\"><table><thead><tr><th>Run</th><th>Status</th>"
            for name in paramNames { body += "<th>\(HTML.escape(name))</th>" }
            for name in metricNames {
                body += "<th><a href=\"/ui/experiments?e=\(HTML.segment(chosen.name))&amp;sort=\(HTML.segment(name))\">\(HTML.escape(name))\(sort == name ? " ▼" : "")</a></th>"
            }
            body += "</tr></thead><tbody>"
            for run in ordered.prefix(500) {
                body += "<tr><td><code>\(HTML.escape(run.info.name))</code></td><td>\(HTML.escape(run.info.status.rawValue))</td>"
                for name in paramNames { body += "<td>\(HTML.escape(run.params[name] ?? ""))</td>" }
                for name in metricNames { body += "<td>\(run.metrics[name].map { String(format: "%.4g", $0) } ?? "")</td>" }
                body += "</tr>"
            }
            body += "</tbody></table></div>"
            if let metric = sort ?? metricNames.first {
                body += "<h2>\(HTML.escape(metric)) by run</h2>" + chart(runs.sorted { $0.info.startTime < $1.info.startTime }.compactMap { $0.metrics[metric] })
                // Curves (every logged step) of the best runs by this metric.
                let best = ordered.filter { $0.metrics[metric] != nil }.prefix(5)
                let curves = best.compactMap { run -> (String, [Double])? in
                    guard let history = try? tracking.metricHistory(runID: run.info.id, key: metric), history.count >= 2 else { return nil }
                    return (run.info.name, history.map(\.value))
                }
                if !curves.isEmpty { body += "<h2>\(HTML.escape(metric)) by step (best runs)</h2>" + curveChart(curves) }
            }
        }
        body += "<h2>Registered models</h2><table><thead><tr><th>Model</th><th>Version</th><th>Stage</th><th>Aliases</th><th>Run</th><th>Trained on</th></tr></thead><tbody>"
        for name in try tracking.registeredModels() {
            for version in try tracking.modelVersions(name: name).sorted(by: { $0.version > $1.version }).prefix(20) {
                let lineage = version.tags.filter { $0.key.contains("table") || $0.key.contains("version") }.sorted { $0.key < $1.key }
                    .map { "\($0.key)=\($0.value)" }.joined(separator: ", ")
                body += "<tr><td>\(HTML.escape(name))</td><td>\(version.version)</td><td>\(HTML.escape(version.stage.rawValue))</td>"
                body += "<td>\(HTML.escape(version.aliases.joined(separator: ", ")))</td><td><code>\(HTML.escape(String(version.runID.prefix(12))))</code></td>"
                body += "<td class=\"muted\">\(HTML.escape(lineage))</td></tr>"
            }
        }
        body += "</tbody></table><p><a href=\"/ui/reports\">Signal reports</a></p>"
        return HTML.page("Experiments", session: session, body: body)
    }

    /// A line chart of `values` in order, as inline SVG.
    static func chart(_ values: [Double]) -> String {
        let finite = values.filter(\.isFinite)
        guard finite.count >= 2, let low = finite.min(), let high = finite.max() else { return "<p class=\"muted\">Not enough points.</p>" }
        let width = 640.0, height = 180.0, span = high - low == 0 ? 1 : high - low
        let points = finite.enumerated().map { index, value in
            String(format: "%.1f,%.1f", 40 + Double(index) / Double(finite.count - 1) * (width - 50), 10 + (1 - (value - low) / span) * (height - 30))
        }.joined(separator: " ")
        return """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" role="img" aria-label="chart">\
        <line x1="40" y1="\(Int(height - 20))" x2="\(Int(width - 10))" y2="\(Int(height - 20))" stroke="#8b949e"/>\
        <text x="0" y="14">\(String(format: "%.3g", high))</text><text x="0" y="\(Int(height - 20))">\(String(format: "%.3g", low))</text>\
        <polyline fill="none" stroke="#017cee" stroke-width="2" points="\(points)"/></svg>
        """
    }

    /// Several curves on shared axes, each with its run's name, as inline SVG.
    static func curveChart(_ curves: [(String, [Double])]) -> String {
        let all = curves.flatMap(\.1).filter(\.isFinite)
        guard let low = all.min(), let high = all.max(), let longest = curves.map({ $0.1.count }).max(), longest >= 2 else { return "" }
        let width = 640.0, height = 200.0, span = high - low == 0 ? 1 : high - low
        let palette = ["#017cee", "#d73a49", "#28a745", "#6f42c1", "#e36209"]
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width) + 160)\" height=\"\(Int(height))\" role=\"img\" aria-label=\"curves\">"
        svg += "<text x=\"0\" y=\"14\">\(String(format: "%.3g", high))</text><text x=\"0\" y=\"\(Int(height - 20))\">\(String(format: "%.3g", low))</text>"
        for (index, curve) in curves.enumerated() {
            let color = palette[index % palette.count]
            let points = curve.1.enumerated().filter { $0.element.isFinite }.map { step, value in
                String(format: "%.1f,%.1f", 40 + Double(step) / Double(longest - 1) * (width - 50), 10 + (1 - (value - low) / span) * (height - 30))
            }.joined(separator: " ")
            svg += "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\" points=\"\(points)\"/>"
            svg += "<text x=\"\(Int(width) + 4)\" y=\"\(20 + index * 16)\" fill=\"\(color)\">\(HTML.escape(String(curve.0.prefix(22))))</text>"
        }
        return svg + "</svg>"
    }

    /// The HTML signal reports under the lake's `reports/`.
    static func reports(lakeRoot: String, session: UISession) -> String {
        let folder = lakeRoot + "/reports"
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { $0.hasSuffix(".html") }.sorted().reversed()
        var body = "<h1>Signal reports</h1><ul>"
        for name in names { body += "<li><a href=\"/ui/reports/\(HTML.segment(name))\">\(HTML.escape(name))</a></li>" }
        if names.isEmpty { body += "<li class=\"muted\">none yet (the signal_report operator writes them)</li>" }
        return HTML.page("Reports", session: session, body: body + "</ul>")
    }

    /// Tokens and pools, for admins.
    static func admin(store: MetadataStore, session: UISession, created: String?) throws -> String {
        var body = "<h1>Administration</h1>"
        if let created { body += "<p class=\"notice\">New token (shown once): <code>\(HTML.escape(created))</code></p>" }
        body += "<h2>Tokens</h2><table><thead><tr><th>Name</th><th>Role</th><th>Prefix</th><th>Last used</th><th>State</th><th></th></tr></thead><tbody>"
        for token in try store.tokens() {
            var revoke = ""
            if token.revokedAt == nil {
                revoke = "<form method=\"post\" action=\"/ui/admin/tokens/revoke\" class=\"inline\">\(HTML.csrfField(session))<input type=\"hidden\" name=\"name\" value=\"\(HTML.escape(token.name))\"><button class=\"act danger\" type=\"submit\">Revoke</button></form>"
            }
            body += "<tr><td>\(HTML.escape(token.name))</td><td>\(token.role.rawValue)</td><td><code>\(HTML.escape(token.prefix))</code></td>"
            body += "<td>\(HTML.time(token.lastUsedAt))</td><td>\(token.revokedAt == nil ? "active" : "revoked")</td><td>\(revoke)</td></tr>"
        }
        body += "</tbody></table><form method=\"post\" action=\"/ui/admin/tokens\" class=\"toolbar\">\(HTML.csrfField(session))"
        body += "<label for=\"tname\">Name</label><input id=\"tname\" name=\"name\" required><label for=\"trole\">Role</label><select id=\"trole\" name=\"role\">"
        for role in TokenRole.allCases { body += "<option>\(role.rawValue)</option>" }
        body += "</select><button class=\"act\" type=\"submit\">Create token</button></form>"
        body += "<h2>Pools</h2><table><thead><tr><th>Pool</th><th>Slots</th><th>Description</th></tr></thead><tbody>"
        for pool in try store.pools() {
            body += "<tr><td>\(HTML.escape(pool.name))</td><td>\(pool.slots)</td><td>\(HTML.escape(pool.description))</td></tr>"
        }
        body += "</tbody></table><form method=\"post\" action=\"/ui/admin/pools\" class=\"toolbar\">\(HTML.csrfField(session))"
        body += "<label for=\"pname\">Pool</label><input id=\"pname\" name=\"name\" required><label for=\"pslots\">Slots</label>"
        body += "<input id=\"pslots\" name=\"slots\" type=\"number\" min=\"0\" required><button class=\"act\" type=\"submit\">Set pool</button></form>"
        return HTML.page("Administration", session: session, body: body)
    }
}
