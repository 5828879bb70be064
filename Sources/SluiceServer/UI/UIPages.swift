import Foundation
import SluiceCore
import SluiceMetadata
import SluiceScheduler

/// The UI's pages, rendered to HTML strings from the metadata store.
enum UIPages {
    static func login(error: String?) -> String {
        HTML.page("Sign in", session: nil, body: """
        <div class="login"><h1>Sluice</h1><p class="muted">Sign in with an API token (<code>sluice tokens create --role viewer --name you</code>).</p>
        \(error.map { "<p class=\"error\">\(HTML.escape($0))</p>" } ?? "")
        <form method="post" action="/ui/login" class="stack"><label for="token">Token</label>
        <input id="token" name="token" type="password" autocomplete="current-password" required autofocus>
        <p><button class="act" type="submit">Sign in</button></p></form></div>
        """)
    }

    static func definition(store: MetadataStore, dagID: String) throws -> DagDefinition {
        guard let row = try store.dag(dagID) else {
            let known = (try? store.dags().map(\.dagID)) ?? []
            throw UIError("no DAG '\(dagID)'\(Spelling.didYouMean(dagID, among: known))")
        }
        return try row.definition()
    }

    /// DAGs: schedule, paused toggle, last runs as dots, import errors first.
    static func dags(store: MetadataStore, session: UISession) throws -> String {
        var body = "<h1>DAGs</h1>"
        let errors = try store.importErrors()
        if !errors.isEmpty {
            body += "<div class=\"error\"><strong>\(errors.count) DAG file(s) failed to load</strong><ul>"
            for error in errors { body += "<li><code>\(HTML.escape(error.message))</code></li>" }
            body += "</ul></div>"
        }
        body += "<table><thead><tr><th>DAG</th><th>Schedule</th><th>Tasks</th><th>Recent runs</th><th>Next run</th><th>Paused</th></tr></thead><tbody>"
        for row in try store.dags() where row.isActive {
            guard let dag = try? row.definition() else { continue }
            let runs = try store.runs(dagID: row.dagID, limit: 10)
            let dots = runs.reversed().map { run in
                "<a class=\"dot s-\(run.state.rawValue)\" title=\"\(HTML.escape(run.runID)): \(run.state.rawValue)\" href=\"/ui/dags/\(HTML.segment(row.dagID))\"></a>"
            }.joined()
            var toggle = row.isPaused ? "paused" : "active"
            if session.canAct {
                toggle = """
                <form method="post" action="/ui/dags/\(HTML.segment(row.dagID))/pause" class="inline">\(HTML.csrfField(session))\
                <input type="hidden" name="paused" value="\(row.isPaused ? "false" : "true")">\
                <button class="act\(row.isPaused ? "" : " danger")" type="submit">\(row.isPaused ? "Unpause" : "Pause")</button></form> \(toggle)
                """
            }
            body += """
            <tr><td><a href="/ui/dags/\(HTML.segment(row.dagID))">\(HTML.escape(row.dagID))</a><div class="muted">\(HTML.escape(dag.description ?? ""))</div></td>\
            <td><code>\(HTML.escape(dag.scheduleText ?? "None"))</code></td><td>\(dag.tasks.count)</td><td>\(dots)</td>\
            <td>\(HTML.escape(nextRun(row, dag, store: store)))</td><td>\(toggle)</td></tr>
            """
        }
        body += "</tbody></table>"
        return HTML.page("DAGs", session: session, body: body)
    }

    /// When the next scheduled run fires (its data interval's end), or nothing.
    static func nextRun(_ row: DagRow, _ dag: DagDefinition, store: MetadataStore) -> String {
        guard !row.isPaused, let next = try? DagRoutes.nextRun(row, dag, store: store), let at = next["runs_at"]?.stringValue else { return "" }
        return at.replacingOccurrences(of: "T", with: " ").replacingOccurrences(of: ".000000Z", with: "Z")
    }

    /// The grid: runs as columns (oldest left), tasks as rows, each cell a task instance.
    static func grid(store: MetadataStore, dagID: String, runs limit: Int, session: UISession, triggered: String? = nil) throws -> String {
        let dag = try definition(store: store, dagID: dagID)
        let runs = Array(try store.runs(dagID: dagID, limit: limit).reversed())
        var cells: [Int64: [String: GridCell]] = [:]
        for cell in try store.gridCells(runPKs: runs.compactMap(\.id)) { cells[cell.runPK, default: [:]][cell.taskID] = cell }
        let dagPath = "/ui/dags/\(HTML.segment(dagID))"
        var body = "<h1>\(HTML.escape(dagID))</h1>"
        if let triggered { body += "<p class=\"notice\">Triggered run <code>\(HTML.escape(triggered))</code>; it starts when the scheduler picks it up.</p>" }
        body += "<div class=\"toolbar\"><a href=\"\(dagPath)/graph\">Graph</a>"
        body += "<span class=\"muted\">\(runs.count) run(s) shown</span><a href=\"\(dagPath)?runs=25\">25</a><a href=\"\(dagPath)?runs=100\">100</a><a href=\"\(dagPath)?runs=500\">500</a>"
        if session.canAct {
            body += "<a class=\"act\" href=\"\(dagPath)/trigger\">Trigger…</a>"
            let paused = (try? store.dag(dagID))??.isPaused ?? false
            body += "<form method=\"post\" action=\"\(dagPath)/pause\" class=\"inline\">\(HTML.csrfField(session))<input type=\"hidden\" name=\"back\" value=\"grid\">"
            body += "<input type=\"hidden\" name=\"paused\" value=\"\(!paused)\"><button class=\"act\(paused ? "" : " danger")\" type=\"submit\">\(paused ? "Unpause" : "Pause")</button></form>"
        }
        body += "</div>"
        var html = "<table class=\"grid\" data-refresh=\"30\"><thead><tr><th></th>"
        html.reserveCapacity(runs.count * dag.tasks.count * 160)
        for run in runs {
            html += "<th><div class=\"runhead\" title=\"\(HTML.escape(run.runID)) (\(run.state.rawValue))\">\(HTML.escape(run.logicalDate.utcText(microseconds: false).prefix(16).description))</div>"
            html += "<span class=\"dot s-\(run.state.rawValue)\" title=\"\(run.state.rawValue)\"></span></th>"
        }
        html += "</tr></thead><tbody>"
        for task in dag.tasks {
            let taskSegment = HTML.segment(task.id)
            html += "<tr><td class=\"task\">\(HTML.escape(task.id))</td>"
            for run in runs {
                guard let cell = cells[run.id!]?[task.id] else {
                    html += "<td><span class=\"cell none\"></span></td>"
                    continue
                }
                let tries = cell.tryNumber > 1 ? String(cell.tryNumber) : ""
                html += "<td><a class=\"cell s-\(cell.state)\" title=\"\(HTML.escape(task.id)) · \(cell.state) · try \(cell.tryNumber)\" "
                html += "href=\"\(dagPath)/runs/\(HTML.segment(run.runID))/tasks/\(taskSegment)\">\(tries)</a></td>"
            }
            html += "</tr>"
        }
        html += "</tbody></table>"
        return HTML.page(dagID, session: session, body: body + html)
    }

    /// The DAG left to right as SVG, nodes coloured by a run's states (the latest by default).
    static func graph(store: MetadataStore, dagID: String, runID: String?, session: UISession) throws -> String {
        let dag = try definition(store: store, dagID: dagID)
        let run = try runID.flatMap { try store.run(dagID: dagID, runID: $0) } ?? store.runs(dagID: dagID, limit: 1).first
        let states = try run.map { Dictionary(uniqueKeysWithValues: try store.taskInstances(runPK: $0.id!).map { ($0.taskID, $0.state.rawValue) }) } ?? [:]
        // Layers by longest path from a root.
        var layer: [String: Int] = [:]
        func depth(_ id: String, _ seen: Set<String>) -> Int {
            if let known = layer[id] { return known }
            let upstream = dag.tasks.first { $0.id == id }?.dependsOn ?? []
            let value = upstream.filter { !seen.contains($0) }.map { depth($0, seen.union([id])) + 1 }.max() ?? 0
            layer[id] = value
            return value
        }
        for task in dag.tasks { _ = depth(task.id, []) }
        var rows: [Int: Int] = [:]
        var position: [String: (x: Int, y: Int)] = [:]
        for task in dag.tasks {
            let column = layer[task.id] ?? 0
            position[task.id] = (20 + column * 190, 20 + (rows[column] ?? 0) * 50)
            rows[column, default: 0] += 1
        }
        let width = 20 + ((layer.values.max() ?? 0) + 1) * 190, height = 20 + (rows.values.max() ?? 1) * 50
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(height)\" role=\"img\" aria-label=\"graph of \(HTML.escape(dagID))\">"
        for task in dag.tasks {
            for upstream in task.dependsOn {
                guard let from = position[upstream], let to = position[task.id] else { continue }
                svg += "<line x1=\"\(from.x + 160)\" y1=\"\(from.y + 15)\" x2=\"\(to.x)\" y2=\"\(to.y + 15)\" stroke=\"#8b949e\" stroke-width=\"1.5\"/>"
            }
        }
        for task in dag.tasks {
            guard let at = position[task.id] else { continue }
            let state = states[task.id] ?? "no_state"
            let link = run.map { "/ui/dags/\(HTML.segment(dagID))/runs/\(HTML.segment($0.runID))/tasks/\(HTML.segment(task.id))" } ?? "#"
            svg += "<a href=\"\(link)\"><rect x=\"\(at.x)\" y=\"\(at.y)\" width=\"160\" height=\"30\" rx=\"4\" fill=\"#fff\" stroke=\"\(HTML.color(state))\" stroke-width=\"3\"/>"
            svg += "<text x=\"\(at.x + 8)\" y=\"\(at.y + 19)\">\(HTML.escape(String(task.id.prefix(22))))</text><title>\(HTML.escape(task.id)) (\(task.operatorName)): \(state)</title></a>"
        }
        svg += "</svg>"
        let caption = run.map { "Run <code>\(HTML.escape($0.runID))</code> (\($0.state.rawValue))" } ?? "No runs yet"
        return HTML.page("\(dagID) graph", session: session,
                         body: "<h1>\(HTML.escape(dagID)): graph</h1><p><a href=\"/ui/dags/\(HTML.segment(dagID))\">Grid</a> · \(caption)</p>\(svg)")
    }

    /// The trigger form, one field per typed param.
    static func triggerForm(store: MetadataStore, dagID: String, session: UISession, error: String?) throws -> String {
        guard session.canAct else { throw UIError("role \(session.role.rawValue) cannot trigger runs; an operator or admin token is needed") }
        let dag = try definition(store: store, dagID: dagID)
        var form = "<form method=\"post\" action=\"/ui/dags/\(HTML.segment(dagID))/trigger\" class=\"stack\">\(HTML.csrfField(session))"
        for param in dag.params {
            let id = "param-\(param.name)"
            let value = param.defaultValue.map { $0.stringValue ?? $0.jsonText() } ?? ""
            form += "<label for=\"\(id)\">\(HTML.escape(param.name)) <span class=\"muted\">(\(param.type.rawValue))</span></label>"
            if let allowed = param.allowed {
                form += "<select id=\"\(id)\" name=\"param.\(HTML.escape(param.name))\">"
                for option in allowed {
                    let text = option.stringValue ?? option.jsonText()
                    form += "<option\(text == value ? " selected" : "")>\(HTML.escape(text))</option>"
                }
                form += "</select>"
            } else {
                let kind = param.type == .int || param.type == .number ? "number\" step=\"any" : param.type == .date ? "date" : "text"
                form += "<input id=\"\(id)\" name=\"param.\(HTML.escape(param.name))\" type=\"\(kind)\" value=\"\(HTML.escape(value))\">"
            }
            if let doc = param.description { form += "<div class=\"muted\">\(HTML.escape(doc))</div>" }
        }
        form += "<p><button class=\"act\" type=\"submit\">Trigger</button></p></form>"
        return HTML.page("Trigger \(dagID)", session: session,
                         body: "<h1>Trigger \(HTML.escape(dagID))</h1>\(error.map { "<p class=\"error\">\(HTML.escape($0))</p>" } ?? "")\(form)")
    }

    /// The run's conf from the form's typed fields.
    static func conf(from fields: [(String, String)], params: [ParamSpec]) throws -> Value {
        var pairs: [(String, Value)] = []
        for param in params {
            guard let text = fields.first(where: { $0.0 == "param." + param.name })?.1 else { continue }
            let value: Value
            switch param.type {
            case .int:
                guard let n = Int64(text.trimmingCharacters(in: .whitespaces)) else { throw UIError("param '\(param.name)': '\(text)' is not an integer") }
                value = .int(n)
            case .number:
                guard let x = Double(text.trimmingCharacters(in: .whitespaces)) else { throw UIError("param '\(param.name)': '\(text)' is not a number") }
                value = .double(x)
            case .bool:
                value = .bool(["true", "on", "1", "yes"].contains(text.lowercased()))
            case .list:
                value = (try? Value.parseJSON(text)) ?? .list(text.split(separator: ",").map { .string($0.trimmingCharacters(in: .whitespaces)) })
            case .string, .date:
                value = .string(text)
            }
            pairs.append((param.name, value))
        }
        return .map(pairs)
    }

    /// One task instance: its tries, arguments as rendered for a remote worker, XCom, the log.
    static func taskInstance(store: MetadataStore, dagID: String, runID: String, taskID: String, tryNumber: Int?, masker: SecretMasker,
                             logFolder: String, session: UISession) throws -> String {
        guard let run = try store.run(dagID: dagID, runID: runID) else { throw UIError("DAG '\(dagID)' has no run '\(runID)'") }
        guard let ti = try store.taskInstances(runPK: run.id!).first(where: { $0.taskID == taskID }) else {
            throw UIError("run '\(runID)' has no task '\(taskID)'")
        }
        let tries = try store.tries(tiID: ti.id!)
        let base = "/ui/dags/\(HTML.segment(dagID))/runs/\(HTML.segment(runID))/tasks/\(HTML.segment(taskID))"
        var body = """
        <h1>\(HTML.escape(taskID)) <span class="state s-\(ti.state.rawValue)">\(ti.state.rawValue)</span></h1>
        <p><a href="/ui/dags/\(HTML.segment(dagID))">\(HTML.escape(dagID))</a> · run <code>\(HTML.escape(runID))</code> · try \(ti.tryNumber) of \(ti.maxTries) · queue \(HTML.escape(ti.queue)) · pool \(HTML.escape(ti.pool))</p>
        """
        if session.canAct {
            body += "<div class=\"toolbar\">"
            body += "<form method=\"post\" action=\"\(base)/clear\" class=\"inline\">\(HTML.csrfField(session))<button class=\"act\" type=\"submit\">Clear</button></form>"
            body += "<form method=\"post\" action=\"\(base)/clear\" class=\"inline\">\(HTML.csrfField(session))<input type=\"hidden\" name=\"downstream\" value=\"true\"><button class=\"act\" type=\"submit\">Clear with downstream</button></form>"
            body += "<form method=\"post\" action=\"\(base)/mark\" class=\"inline\">\(HTML.csrfField(session))<input type=\"hidden\" name=\"state\" value=\"success\"><button class=\"act\" type=\"submit\">Mark success</button></form>"
            body += "<form method=\"post\" action=\"\(base)/mark\" class=\"inline\">\(HTML.csrfField(session))<input type=\"hidden\" name=\"state\" value=\"failed\"><button class=\"act danger\" type=\"submit\">Mark failed</button></form>"
            body += "</div>"
        }
        body += "<h2>Tries</h2><table><thead><tr><th>Try</th><th>State</th><th>Host</th><th>Started</th><th>Duration</th><th>Reason</th></tr></thead><tbody>"
        for attempt in tries {
            body += "<tr><td><a href=\"\(base)?try=\(attempt.tryNumber)\">\(attempt.tryNumber)</a></td><td><span class=\"state s-\(attempt.state.rawValue)\">\(attempt.state.rawValue)</span></td>"
            body += "<td>\(HTML.escape(attempt.hostname ?? ""))</td><td>\(HTML.time(attempt.startDate))</td><td>\(HTML.duration(attempt.startDate, attempt.endDate))</td>"
            body += "<td>\(HTML.escape(masker.masked(attempt.exitReason ?? "")))</td></tr>"
        }
        body += "</tbody></table>"
        if let workload = try store.workload(tryID: (tries.last?.id) ?? -1),
           let arguments = (try? Value.parseJSON(workload.payload))?["arguments"] {
            body += "<h2>Rendered arguments</h2><pre class=\"log\">\(HTML.escape(masker.masked(arguments).jsonText(pretty: true)))</pre>"
        }
        let xcoms = try store.xcoms(runPK: run.id!, taskID: taskID)
        if !xcoms.isEmpty {
            body += "<h2>XCom</h2><table><tbody>"
            for xcom in xcoms { body += "<tr><td><code>\(HTML.escape(xcom.key))</code></td><td><code>\(HTML.escape(masker.masked(xcom.value).jsonText()))</code></td></tr>" }
            body += "</tbody></table>"
        }
        if let shown = tries.first(where: { $0.tryNumber == (tryNumber ?? ti.tryNumber) }) {
            let live = shown.state == .queued || shown.state == .running
            body += "<h2>Log of try \(shown.tryNumber)\(live ? " (live)" : "")</h2>"
            body += "<pre class=\"log\" data-src=\"\(base)/log?try=\(shown.tryNumber)\" data-offset=\"0\" data-live=\"true\"></pre>"
        }
        return HTML.page("\(taskID) · \(dagID)", session: session, body: body)
    }

    /// A piece of a try's log after `offset`, waiting up to `wait` seconds for more while it runs.
    static func logChunk(store: MetadataStore, dagID: String, runID: String, taskID: String, tryNumber: Int, offset: Int, wait: Double,
                         masker: SecretMasker, logFolder: String) async throws -> Value {
        guard let run = try store.run(dagID: dagID, runID: runID),
              let ti = try store.taskInstances(runPK: run.id!).first(where: { $0.taskID == taskID }),
              var attempt = try store.tries(tiID: ti.id!).first(where: { $0.tryNumber == tryNumber }),
              let path = PathGuard.resolve(attempt.logPath, inside: logFolder) else {
            return .map([("content", .string("")), ("next_offset", .int(Int64(offset))), ("complete", .bool(true))])
        }
        let deadline = Date().addingTimeInterval(wait)
        while attempt.state == .queued || attempt.state == .running, (LogRoutes.fileSize(path) ?? 0) <= offset, Date() < deadline {
            try? await Task.sleep(nanoseconds: 200_000_000)
            attempt = try store.attempt(id: attempt.id!) ?? attempt
        }
        let live = attempt.state == .queued || attempt.state == .running
        let size = LogRoutes.fileSize(path) ?? 0
        let start = min(offset, size)
        let data = LogRoutes.readChunk(path, offset: start, size: size, cutAtLine: live)
        let next = start + data.count
        return .map([("content", .string(masker.masked(String(decoding: data, as: UTF8.self)))), ("next_offset", .int(Int64(next))),
                     ("complete", .bool(!live && next >= size))])
    }

    /// Backfills with their progress.
    static func backfills(store: MetadataStore, session: UISession) throws -> String {
        var body = "<h1>Backfills</h1><table><thead><tr><th>Id</th><th>DAG</th><th>From</th><th>To</th><th>State</th><th>Progress</th><th></th></tr></thead><tbody>"
        for backfill in try store.backfills() {
            let counts = try store.backfillRunCounts(id: backfill.id!)
            let total = max(counts.values.reduce(0, +), backfill.dates.count)
            let progress = "\(counts[.success] ?? 0) done, \(counts[.running] ?? 0) running, \(counts[.failed] ?? 0) failed of \(total)"
            body += "<tr><td>\(backfill.id!)</td><td><a href=\"/ui/dags/\(HTML.segment(backfill.dagID))\">\(HTML.escape(backfill.dagID))</a></td>"
            body += "<td>\(HTML.time(backfill.fromDate))</td><td>\(HTML.time(backfill.toDate))</td><td>\(backfill.state.rawValue)</td><td>\(progress)</td><td>"
            if session.canAct && (backfill.state == .running || backfill.state == .paused) {
                for action in backfill.state == .running ? ["pause", "cancel"] : ["unpause", "cancel"] {
                    body += "<form method=\"post\" action=\"/ui/backfills/\(backfill.id!)/\(action)\" class=\"inline\">\(HTML.csrfField(session))"
                    body += "<button class=\"act\(action == "cancel" ? " danger" : "")\" type=\"submit\">\(action.capitalized)</button></form>"
                }
            }
            body += "</td></tr>"
        }
        body += "</tbody></table>"
        return HTML.page("Backfills", session: session, body: body)
    }
}
