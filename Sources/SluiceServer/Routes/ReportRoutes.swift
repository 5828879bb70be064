import Foundation
import SluiceCore

/// The HTML reports pipelines write to `<lake>/reports/`: a listing and each page (viewer).
/// Only plain file names inside that folder are served.
enum ReportRoutes {
    static let extensions = ["html", "htm"]

    static func register(_ table: RouteTable, _ context: ServerContext) {
        let root = (context.options.lakeRoot as NSString).appendingPathComponent("reports")

        table.add(.get, "/api/v1/reports", role: .viewer) { request in
            let page = try Page(request)
            let names = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? [])
                .filter { extensions.contains(($0 as NSString).pathExtension.lowercased()) }.sorted()
            let items: [Value] = page.slice(names).map { name in
                let attributes = try? FileManager.default.attributesOfItem(atPath: (root as NSString).appendingPathComponent(name))
                return .map([("name", .string(name)), ("size", .int(Int64((attributes?[.size] as? NSNumber)?.int64Value ?? 0))),
                             ("modified_at", (attributes?[.modificationDate] as? Date).jsonValue)])
            }
            return page.reply(items, total: names.count)
        }

        table.add(.get, "/api/v1/reports/{name}", role: .viewer) { request in
            let name = try Lookup.identifier(request, "name")
            guard extensions.contains((name as NSString).pathExtension.lowercased()) else {
                throw APIError.badRequest("path parameter 'name' must name an .html report, got '\(name)'")
            }
            guard let path = PathGuard.resolve(name, inside: root) else {
                throw APIError(.forbidden, "report '\(name)' is not inside the reports folder")
            }
            guard let data = FileManager.default.contents(atPath: path) else {
                let known = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
                throw APIError.notFound("no report '\(name)'\(Spelling.didYouMean(name, among: known))")
            }
            return .text(String(decoding: data, as: UTF8.self), contentType: "text/html; charset=utf-8")
        }
    }
}
