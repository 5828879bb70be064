import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import SluiceCore
import SluiceMetadata

/// Small pieces every UI page uses: escaping, the page frame, state colours, forms and answers.
enum HTML {
    /// `text` safe inside HTML text and attribute values.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for c in text.unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }

    /// A path segment for links (ids are plain, but encode anyway).
    static func segment(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/?#"))) ?? text
    }

    /// Airflow's colours for task and run states.
    static func color(_ state: String) -> String {
        switch state {
        case "success": return "#008000"
        case "failed": return "#ff0000"
        case "running": return "#32cd32"
        case "queued": return "#808080"
        case "up_for_retry": return "#ffd700"
        case "skipped": return "#ff69b4"
        case "upstream_failed": return "#ffa500"
        case "scheduled": return "#d2b48c"
        case "removed": return "#d3d3d3"
        default: return "#ffffff"
        }
    }

    /// The page frame: navigation, who is signed in, the content.
    static func page(_ title: String, session: UISession?, body: String) -> String {
        var nav = ""
        if let session {
            nav = """
            <nav><a class="brand" href="/ui">Sluice</a><a href="/ui">DAGs</a><a href="/ui/backfills">Backfills</a><a href="/ui/lake">Lake</a>\
            <a href="/ui/experiments">Experiments</a>\(session.role == .admin ? "<a href=\"/ui/admin\">Admin</a>" : "")\
            <span class="who">\(escape(session.tokenName)) (\(session.role.rawValue))</span>\
            <form method="post" action="/ui/logout" class="inline"><input type="hidden" name="csrf" value="\(session.csrf)">\
            <button type="submit">Sign out</button></form></nav>
            """
        }
        return """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(escape(title)) · Sluice</title><link rel="icon" href="data:,"><link rel="stylesheet" href="/ui/static/sluice.css"><script src="/ui/static/sluice.js" defer></script></head>
        <body>\(nav)<main>\(body)</main></body></html>
        """
    }

    /// A hidden CSRF field for the session's forms.
    static func csrfField(_ session: UISession) -> String {
        "<input type=\"hidden\" name=\"csrf\" value=\"\(session.csrf)\">"
    }

    static func time(_ date: Date?) -> String {
        guard let date else { return "" }
        return escape(date.utcText(microseconds: false).replacingOccurrences(of: "T", with: " "))
    }

    static func duration(_ start: Date?, _ end: Date?) -> String {
        guard let start else { return "" }
        let seconds = (end ?? Date()).timeIntervalSince(start)
        return seconds < 60 ? String(format: "%.2f s", seconds) : DurationText.format(seconds.rounded())
    }

    static let stylesheet = """
    *{box-sizing:border-box}body{margin:0;font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d2733;background:#f6f8fa}
    nav{display:flex;gap:18px;align-items:center;background:#017cee;padding:8px 16px}nav a{color:#fff;text-decoration:none;font-weight:500}
    nav .brand{font-weight:700;font-size:16px}nav .who{margin-left:auto;color:#e6f2ff}nav button{background:none;border:1px solid #fff;color:#fff;border-radius:4px;padding:2px 8px;cursor:pointer}
    main{padding:16px 20px;max-width:1600px}h1{font-size:20px;margin:4px 0 12px}h2{font-size:16px;margin:18px 0 8px}
    table{border-collapse:collapse;background:#fff;width:100%}th,td{border-bottom:1px solid #e1e4e8;padding:6px 8px;text-align:left;vertical-align:top}
    th{background:#f0f3f6;font-weight:600}a{color:#0366d6}.inline{display:inline}.muted{color:#6a737d}.error{color:#b31d28;background:#ffeef0;border:1px solid #f3b5bd;padding:8px 10px;border-radius:4px}
    .notice{background:#e6ffed;border:1px solid #b7e4c7;padding:8px 10px;border-radius:4px}
    .dot{display:inline-block;width:12px;height:12px;border-radius:50%;border:1px solid #0003;margin-right:2px;vertical-align:middle}
    .state{display:inline-block;padding:1px 8px;border-radius:10px;color:#fff;font-size:12px;text-shadow:0 0 2px #0008}
    table.grid{width:auto}.grid td,.grid th{padding:2px;border:none}.grid .task{white-space:nowrap;padding-right:10px;font-family:ui-monospace,monospace;font-size:12px}
    .cell{display:block;width:14px;height:14px;border:1px solid #0002;border-radius:2px;text-decoration:none;color:#fff;font-size:9px;font-weight:700;text-align:center;line-height:12px;text-shadow:0 0 2px #000}
    .cell.none{background:#fff}.runhead{writing-mode:vertical-rl;transform:rotate(180deg);font-size:10px;height:90px;white-space:nowrap}
    pre.log{background:#0d1117;color:#c9d1d9;padding:10px;max-height:560px;overflow:auto;font-size:12px;white-space:pre-wrap}
    form.stack label{display:block;margin:6px 0 2px;font-weight:600}form.stack input,form.stack select{padding:5px;min-width:260px}
    button.act,a.act{background:#017cee;color:#fff;border:none;border-radius:4px;padding:5px 12px;cursor:pointer;margin:2px;text-decoration:none;display:inline-block}button.danger{background:#d73a49}
    .toolbar{display:flex;gap:8px;align-items:center;flex-wrap:wrap;margin-bottom:10px}.login{max-width:420px;margin:80px auto;background:#fff;padding:24px;border:1px solid #e1e4e8;border-radius:6px}
    svg text{font:12px system-ui,sans-serif}.scroll{overflow:auto}th a{color:inherit}
    """ + states.map { ".s-\($0){background:\(color($0))}" }.joined(separator: "")

    static let states = ["success", "failed", "running", "queued", "up_for_retry", "skipped", "upstream_failed", "scheduled", "removed", "no_state"]

    static let script = """
    document.addEventListener('DOMContentLoaded', () => {
      const log = document.querySelector('pre.log[data-src]');
      if (log) {
        let offset = Number(log.dataset.offset || 0);
        const tail = async () => {
          try {
            const r = await fetch(log.dataset.src + '&offset=' + offset + '&wait=10', {credentials: 'same-origin'});
            if (!r.ok) return;
            const j = await r.json();
            if (j.content) { log.textContent += j.content; log.scrollTop = log.scrollHeight; }
            offset = j.next_offset;
            if (!j.complete) setTimeout(tail, 200);
          } catch (e) { setTimeout(tail, 2000); }
        };
        if (log.dataset.live === 'true') tail();
      }
      const refresh = document.body.querySelector('[data-refresh]');
      if (refresh) setTimeout(() => location.reload(), Number(refresh.dataset.refresh) * 1000);
    });
    """

    static func html(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/html; charset=utf-8"
        headers[.cacheControl] = "no-store"
        headers[.contentSecurityPolicy] = "default-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'"
        headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }

    static func redirect(_ location: String, cookie: String? = nil) -> Response {
        var headers = HTTPFields()
        headers[.location] = location
        if let cookie { headers[.setCookie] = cookie }
        return Response(status: .seeOther, headers: headers)
    }

    /// `application/x-www-form-urlencoded` fields, in order.
    static func form(_ body: ByteBuffer) -> [(String, String)] {
        String(buffer: body).split(separator: "&").compactMap { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ s: Substring) -> String {
                s.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(s)
            }
            guard let key = parts.first else { return nil }
            return (decode(key), parts.count > 1 ? decode(parts[1]) : "")
        }
    }
}
