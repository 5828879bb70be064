import Foundation
import GRDB

/// Counts the `/metrics` endpoint reads from the database in one snapshot.
public struct MetricFigures: Sendable {
    public var taskStates: [(String, Int)] = []
    public var runStates: [(String, Int)] = []
    public var queued: [(String, Int)] = []
    public var leased: [(String, Int)] = []
    public var workers: [(String, Int)] = []
    public var tryOutcomes: [(String, Int)] = []
    public var durationBounds: [Double] = [0.01, 0.1, 0.5, 1, 5, 15, 60, 300, 900, 1800, 3600, 7200, 21600]
    public var durationCounts: [Int] = []
    public var durationOverflow = 0
    public var durationSum = 0.0
    public var schedulerAges: [(String, Double)] = []
}

extension MetadataStore {
    /// Task, run, workload, worker and try counts, try durations bucketed, scheduler heartbeat ages.
    public func metricFigures(now: Date = Date()) throws(MetadataError) -> MetricFigures {
        try read { db in
            var figures = MetricFigures()
            func pairs(_ sql: String) throws -> [(String, Int)] {
                try Row.fetchAll(db, sql: sql).map { ($0[0], $0[1]) }
            }
            figures.taskStates = try pairs("SELECT state, COUNT(*) FROM task_instance GROUP BY state ORDER BY state")
            figures.runStates = try pairs("SELECT state, COUNT(*) FROM dag_run GROUP BY state ORDER BY state")
            figures.queued = try pairs("SELECT queue, COUNT(*) FROM workload WHERE state = 'queued' GROUP BY queue ORDER BY queue")
            figures.leased = try pairs("SELECT queue, COUNT(*) FROM workload WHERE state = 'running' GROUP BY queue ORDER BY queue")
            figures.workers = try pairs("SELECT state, COUNT(*) FROM job WHERE kind = 'worker' GROUP BY state ORDER BY state")
            figures.tryOutcomes = try pairs("SELECT state, COUNT(*) FROM task_try WHERE state IN ('success','failed','skipped') GROUP BY state ORDER BY state")
            let cases = figures.durationBounds.enumerated().map { index, bound in
                "SUM(CASE WHEN d <= \(bound)\(index > 0 ? " AND d > \(figures.durationBounds[index - 1])" : "") THEN 1 ELSE 0 END)"
            }.joined(separator: ", ")
            let row = try Row.fetchOne(db, sql: """
                SELECT \(cases), SUM(CASE WHEN d > \(figures.durationBounds.last!) THEN 1 ELSE 0 END), TOTAL(d)
                FROM (SELECT end_date - start_date AS d FROM task_try WHERE end_date IS NOT NULL AND start_date IS NOT NULL)
                """)
            figures.durationCounts = figures.durationBounds.indices.map { (row?[$0] as Int?) ?? 0 }
            figures.durationOverflow = (row?[figures.durationBounds.count] as Int?) ?? 0
            figures.durationSum = (row?[figures.durationBounds.count + 1] as Double?) ?? 0
            figures.schedulerAges = try Row.fetchAll(db, sql: "SELECT id, latest_heartbeat FROM job WHERE kind = 'scheduler' AND state = 'running' ORDER BY id")
                .map { ($0["id"], now.timeIntervalSince1970 - ($0["latest_heartbeat"] as Double)) }
            return figures
        }
    }
}
