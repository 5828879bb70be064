import Foundation
import SluiceCore
import SluiceMetadata

/// The DAG definitions the scheduler works with, decoded from the metadata store once per
/// content hash. Runs keep the DAG version they were created with (by hash) when it is known.
final class DagCatalog: @unchecked Sendable {
    private let store: MetadataStore
    private var byHash: [String: DagGraph] = [:]
    private(set) var active: [String: (row: DagSummary, dag: DagDefinition)] = [:]

    init(store: MetadataStore) { self.store = store }

    /// Re-reads the active DAG list; definitions are decoded only for hashes not seen before.
    func refresh() throws {
        var next: [String: (DagSummary, DagDefinition)] = [:]
        for summary in try store.activeDagSummaries() {
            next[summary.dagID] = (summary, try graph(hash: summary.contentHash, dagID: summary.dagID).dag)
        }
        active = next
    }

    private func graph(hash: String, dagID: String) throws -> DagGraph {
        if let known = byHash[hash] { return known }
        guard let row = try store.dag(dagID) else { throw SchedulerError("DAG '\(dagID)' vanished from the metadata database") }
        let graph = DagGraph(try row.definition())
        byHash[row.contentHash] = graph
        return graph
    }

    /// The graph a run should use: its own DAG version if known, else the current one.
    func graph(for run: DagRunRow) -> DagGraph? {
        if let known = byHash[run.dagHash] { return known }
        if let current = active[run.dagID] { return byHash[current.row.contentHash] }
        return (try? store.dag(run.dagID)).flatMap { $0 }.flatMap { row in try? graph(hash: row.contentHash, dagID: row.dagID) }
    }

    func dag(for run: DagRunRow) -> DagDefinition? { graph(for: run)?.dag }
}
