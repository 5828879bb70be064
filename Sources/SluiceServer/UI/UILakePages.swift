import Columnar
import DeltaLake
import Foundation
import SluiceCore

/// The lake pages: every Delta table under the lake root, and one table's schema, history and
/// first rows at any version.
enum UILakePages {
    /// Folders holding a `_delta_log`, up to three levels under the root (`db/table` is two).
    static func tables(root: String) -> [String] {
        var found: [String] = []
        func walk(_ relative: String, depth: Int) {
            let path = relative.isEmpty ? root : root + "/" + relative
            guard let entries = try? FileManager.default.contentsOfDirectory(atPath: path) else { return }
            if entries.contains("_delta_log") {
                found.append(relative)
                return
            }
            guard depth < 3 else { return }
            for entry in entries.sorted() where !entry.hasPrefix(".") && !entry.hasPrefix("_") {
                var isDirectory: ObjCBool = false
                if FileManager.default.fileExists(atPath: path + "/" + entry, isDirectory: &isDirectory), isDirectory.boolValue {
                    walk(relative.isEmpty ? entry : relative + "/" + entry, depth: depth + 1)
                }
            }
        }
        walk("", depth: 0)
        return found
    }

    static func lake(root: String, session: UISession) -> String {
        var body = "<h1>Lake</h1><p class=\"muted\">Delta tables under <code>\(HTML.escape(root))</code></p>"
        body += "<table><thead><tr><th>Table</th><th>Version</th><th>Files</th><th>Size</th><th>Partitioned by</th></tr></thead><tbody>"
        for relative in tables(root: root) {
            let link = "/ui/lake/table?t=\(relative.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed) ?? relative)"
            guard let snapshot = try? DeltaTable(path: root + "/" + relative).snapshot() else {
                body += "<tr><td>\(HTML.escape(relative))</td><td colspan=\"4\" class=\"error\">cannot be read</td></tr>"
                continue
            }
            let bytes = snapshot.files.reduce(Int64(0)) { $0 + $1.size }
            body += "<tr><td><a href=\"\(link)\">\(HTML.escape(relative))</a></td><td>\(snapshot.version)</td><td>\(snapshot.files.count)</td>"
            body += "<td>\(ByteCountFormatter.string(fromByteCount: bytes, countStyle: .file))</td><td>\(HTML.escape(snapshot.partitionColumns.joined(separator: ", ")))</td></tr>"
        }
        body += "</tbody></table>"
        return HTML.page("Lake", session: session, body: body)
    }

    static func table(root: String, relative: String, version: Int64?, session: UISession) throws -> String {
        guard !relative.contains(".."), let path = PathGuard.resolve(relative, inside: root) else {
            throw UIError("'\(relative)' is not a table inside the lake root")
        }
        let table = DeltaTable(path: path)
        let snapshot = try table.snapshot(version: version)
        let latest = try table.snapshot().version
        let quoted = relative.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed) ?? relative
        var body = "<h1>\(HTML.escape(relative))</h1><p>Version \(snapshot.version) of \(latest) · \(snapshot.files.count) files"
        body += " · partitioned by \(HTML.escape(snapshot.partitionColumns.isEmpty ? "nothing" : snapshot.partitionColumns.joined(separator: ", ")))</p>"
        body += "<form method=\"get\" action=\"/ui/lake/table\" class=\"toolbar\"><input type=\"hidden\" name=\"t\" value=\"\(HTML.escape(relative))\">"
        body += "<label for=\"version\">Version</label><input id=\"version\" name=\"version\" type=\"number\" min=\"0\" max=\"\(latest)\" value=\"\(snapshot.version)\">"
        body += "<button class=\"act\" type=\"submit\">Show</button></form>"
        body += "<h2>Schema</h2><table><thead><tr><th>Column</th><th>Type</th><th>Nullable</th></tr></thead><tbody>"
        for field in snapshot.schema.fields {
            body += "<tr><td><code>\(HTML.escape(field.name))</code></td><td>\(HTML.escape("\(field.type)"))</td><td>\(field.nullable ? "yes" : "no")</td></tr>"
        }
        body += "</tbody></table>"
        body += "<h2>First rows</h2>" + preview(table: table, snapshot: snapshot, limit: 20)
        body += "<h2>History</h2><table><thead><tr><th>Version</th><th>Time</th><th>Operation</th><th>Rows written</th></tr></thead><tbody>"
        for entry in try table.history().reversed().prefix(200) {
            let metrics = entry.commitInfo?["operationMetrics"]
            let written = metrics?["numOutputRows"] ?? metrics?["numTargetRowsInserted"]
            let rows = written?.stringValue ?? written?.intValue.map(String.init) ?? ""
            let time = Date(timeIntervalSince1970: Double(entry.timestamp) / 1000)
            body += "<tr><td><a href=\"/ui/lake/table?t=\(quoted)&amp;version=\(entry.version)\">\(entry.version)</a></td><td>\(HTML.time(time))</td>"
            body += "<td>\(HTML.escape(entry.operation ?? ""))</td><td>\(HTML.escape(rows))</td></tr>"
        }
        body += "</tbody></table>"
        return HTML.page(relative, session: session, body: body)
    }

    /// The first `limit` rows as a table.
    static func preview(table: DeltaTable, snapshot: Snapshot, limit: Int) -> String {
        let scan = TableScan(snapshot: snapshot)
        var rows: [[(key: String, value: Value)]] = []
        for file in snapshot.files where rows.count < limit {
            guard let batches = try? scan.read(file, storage: table.storage) else { return "<p class=\"error\">cannot read \(HTML.escape(file.path))</p>" }
            for batch in batches where rows.count < limit {
                for index in 0 ..< min(batch.rowCount, limit - rows.count) {
                    if let row = (try? Value.parseJSON(JSONLines.renderRow(index, of: batch)))?.mapValue { rows.append(row) }
                }
            }
        }
        guard let columns = rows.first?.map(\.key) else { return "<p class=\"muted\">No rows.</p>" }
        var html = "<div class=\"scroll\"><table><thead><tr>" + columns.map { "<th>\(HTML.escape($0))</th>" }.joined() + "</tr></thead><tbody>"
        for row in rows {
            html += "<tr>" + row.map { "<td>\(HTML.escape($0.value.stringValue ?? $0.value.jsonText()))</td>" }.joined() + "</tr>"
        }
        return html + "</tbody></table></div>"
    }
}
