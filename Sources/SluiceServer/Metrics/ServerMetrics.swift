import Foundation
import SluiceMetadata

/// In-process measurements the `/metrics` endpoint reports next to what it reads from the
/// database: scheduler loop time (when the scheduler runs in this process), dispatch latency
/// (queued to leased), HTTP requests by route and status.
public final class ServerMetrics: @unchecked Sendable {
    public let schedulerLoop = Histogram(bounds: Histogram.latencyBounds)
    public let dispatchLatency = Histogram(bounds: Histogram.latencyBounds)
    private let lock = NSLock()
    private var rejectedReports = 0
    private var leases = 0

    public init() {}

    func countLease(_ n: Int) { lock.withLock { leases += n } }
    func countRejected() { lock.withLock { rejectedReports += 1 } }

    /// The exposition text: in-process figures, then the metadata database's.
    func render(store: MetadataStore) throws(MetadataError) -> String {
        var out = PrometheusText()
        out.histogram("sluice_scheduler_loop_seconds", "Duration of a full scheduling pass (scheduler in this process only).", schedulerLoop.snapshot)
        out.histogram("sluice_dispatch_latency_seconds", "Time from a try being queued for workers to a worker leasing it.", dispatchLatency.snapshot)
        let (leased, rejected) = lock.withLock { (leases, rejectedReports) }
        out.family("sluice_workloads_leased_total", "counter", "Workloads leased to workers by this server.")
        out.sample("sluice_workloads_leased_total", [], Double(leased))
        out.family("sluice_worker_calls_rejected_total", "counter", "Heartbeats and reports refused with 409 because their try was superseded.")
        out.sample("sluice_worker_calls_rejected_total", [], Double(rejected))

        let figures = try store.metricFigures()
        out.family("sluice_task_instances", "gauge", "Task instances by state.")
        for (state, count) in figures.taskStates { out.sample("sluice_task_instances", [("state", state)], Double(count)) }
        out.family("sluice_dag_runs", "gauge", "DAG runs by state.")
        for (state, count) in figures.runStates { out.sample("sluice_dag_runs", [("state", state)], Double(count)) }
        out.family("sluice_queue_depth", "gauge", "Workloads waiting for a worker, by queue.")
        for (queue, count) in figures.queued { out.sample("sluice_queue_depth", [("queue", queue)], Double(count)) }
        out.family("sluice_workloads_running", "gauge", "Workloads leased to workers and not yet reported, by queue.")
        for (queue, count) in figures.leased { out.sample("sluice_workloads_running", [("queue", queue)], Double(count)) }
        out.family("sluice_workers", "gauge", "Registered workers by state (running, stopped, dead).")
        for (state, count) in figures.workers { out.sample("sluice_workers", [("state", state)], Double(count)) }
        out.family("sluice_task_tries_total", "counter", "Finished task tries by outcome.")
        for (state, count) in figures.tryOutcomes { out.sample("sluice_task_tries_total", [("state", state)], Double(count)) }
        out.family("sluice_task_duration_seconds", "histogram", "Duration of finished task tries.")
        out.histogramSamples("sluice_task_duration_seconds", Histogram.Snapshot(bounds: figures.durationBounds, counts: figures.durationCounts,
                                                                                total: figures.durationCounts.reduce(0, +) + figures.durationOverflow,
                                                                                sum: figures.durationSum))
        out.family("sluice_scheduler_heartbeat_age_seconds", "gauge", "Seconds since each running scheduler's last heartbeat.")
        for (job, age) in figures.schedulerAges { out.sample("sluice_scheduler_heartbeat_age_seconds", [("job", job)], age) }
        return out.text
    }
}
