import Foundation
import SluiceCore
import SluiceMetadata

/// The DAG definitions the scheduler works with, decoded from the metadata store once per
/// content hash. Runs keep the DAG version they were created with (by hash) when it is known.
final class DagCatalog: @unchecked Sendable {
    private let store: MetadataStore
    private var byHash: [String: DagDefinition] = [:]
    private(set) var active: [String: (row: DagRow, dag: DagDefinition)] = [:]

    init(store: MetadataStore) { self.store = store }

    /// Re-reads the active DAG list (cheap: only changed hashes are decoded).
    func refresh() throws {
        var next: [String: (DagRow, DagDefinition)] = [:]
        for row in try store.activeDags() {
            next[row.dagID] = (row, try definition(of: row))
        }
        active = next
    }

    func definition(of row: DagRow) throws -> DagDefinition {
        if let known = byHash[row.contentHash] { return known }
        let dag = try row.definition()
        byHash[row.contentHash] = dag
        return dag
    }

    /// The definition a run should use: its own version if cached, else the current one.
    func dag(for run: DagRunRow) -> DagDefinition? {
        byHash[run.dagHash] ?? active[run.dagID]?.dag ?? (try? store.dag(run.dagID)).flatMap { $0.flatMap { try? definition(of: $0) } }
    }
}
