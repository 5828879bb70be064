import Foundation
@testable import SluiceCore

/// Fixed contexts and helpers shared by the templating tests.
enum TemplateFixture {
    static let newYork = TimeZone(identifier: "America/New_York")!
    static let tokyo = TimeZone(identifier: "Asia/Tokyo")!

    static func instant(_ zone: TimeZone, _ y: Int, _ m: Int, _ d: Int, _ h: Int = 0, _ min: Int = 0, _ s: Int = 0) -> Date {
        zone.resolvedInstant(for: LocalDateTime(date: CivilDate(year: y, month: m, day: d), hour: h, minute: min, second: s))
    }

    /// A 09:30 New York run on Friday 2024-03-15 (EDT, -04:00), with params, conf and XComs.
    static func context(
        prev: Date? = instant(newYork, 2024, 3, 14, 9, 30),
        next: Date? = instant(newYork, 2024, 3, 18, 9, 30),
        conf: [String: Value] = ["universe": .string("sp500"), "nested": .map([("inner", .int(3))])]
    ) -> TemplateContext {
        TemplateContext(
            dagID: "daily_prices",
            taskID: "load",
            runID: "scheduled__2024-03-15T13:30:00+00:00",
            tryNumber: 2,
            logicalDate: instant(newYork, 2024, 3, 15, 9, 30),
            dataIntervalStart: instant(newYork, 2024, 3, 15, 9, 30),
            dataIntervalEnd: instant(newYork, 2024, 3, 18, 9, 30),
            timeZone: newYork,
            prevLogicalDate: prev,
            nextLogicalDate: next,
            params: [
                "lookback": .int(5), "symbol": .string("AAPL"), "ratio": .double(1.5),
                "tags": .list([.string("a"), .string("b")]), "empty": .string(""), "nothing": .null,
            ],
            conf: conf,
            xcom: { task, key in
                switch (task, key) {
                case ("extract", "return_value"): return .string("/data/2024-03-15.csv")
                case ("extract", "rows"): return .int(1200)
                case ("extract", "meta"): return .map([("source", .string("vendor"))])
                default: return nil
                }
            })
    }

    static let scope = TemplateScope(
        paramNames: ["lookback", "symbol", "ratio", "tags", "empty", "nothing"],
        taskIDs: ["extract", "transform", "load"],
        upstreamTaskIDs: ["extract", "transform"])

    static func render(_ source: String, _ context: TemplateContext = context()) throws -> String {
        try Template(parsing: source).render(context)
    }

    static func renderValue(_ source: String, _ context: TemplateContext = context()) throws -> Value {
        try Template(parsing: source).renderValue(context)
    }

    /// The render error for `source`, or nil if it rendered.
    static func renderError(_ source: String, _ context: TemplateContext = context()) -> TemplateRenderError? {
        do {
            _ = try Template(parsing: source).render(context)
            return nil
        } catch let error as TemplateRenderError {
            return error
        } catch {
            return TemplateRenderError(offset: -1, message: "parse failed: \(error)")
        }
    }

    /// Validation issues as (offset, message) pairs, easy to compare.
    static func issues(_ source: String, _ scope: TemplateScope = scope) -> [Pair] {
        Template.validate(source, scope: scope).map { Pair(offset: $0.offset, message: $0.message) }
    }

    struct Pair: Equatable, CustomStringConvertible {
        var offset: Int
        var message: String
        var description: String { "\(offset): \(message)" }
    }
}
