import Foundation
import SluiceCore
import SluiceMetadata

/// Picks scheduled task instances to start, highest priority first, within every limit:
/// global parallelism, the executor's free slots, each DAG's max_active_tasks and pool slots.
struct TaskQueuer {
    let store: MetadataStore
    let parallelism: Int

    /// Instances allowed to start now (at most `executorSlots`), in order.
    func pick(executorSlots: Int, pools: [String: Int], maxActiveTasks: (String) -> Int, scope: Set<Int64>?) throws -> [QueueCandidate] {
        let room = min(executorSlots, parallelism)
        guard room > 0 else { return [] }
        let page = max(64, room * 8)
        let snapshot = try store.queueSnapshot(limit: page)
        var usage = snapshot.usage
        guard usage.total < parallelism else { return [] }
        var candidates = snapshot.candidates
        var offset = candidates.count
        var picked: [QueueCandidate] = []
        // Page further while slots remain, so a DAG or pool at its limit cannot starve the others.
        var index = 0
        while picked.count < room && usage.total < parallelism {
            if index == candidates.count {
                guard offset > 0, offset % page == 0 else { break }
                let more = try store.queueCandidates(limit: page, offset: offset)
                if more.isEmpty { break }
                candidates += more
                offset += more.count
            }
            let candidate = candidates[index]
            index += 1
            if let scope, !scope.contains(candidate.runPK) { continue }
            if usage.byDag[candidate.dagID, default: 0] >= maxActiveTasks(candidate.dagID) { continue }
            let poolSize = pools[candidate.pool] ?? 0
            if usage.byPool[candidate.pool, default: 0] + candidate.poolSlots > poolSize && pools[candidate.pool] != nil { continue }
            picked.append(candidate)
            usage.total += 1
            usage.byDag[candidate.dagID, default: 0] += 1
            usage.byPool[candidate.pool, default: 0] += candidate.poolSlots
        }
        return picked
    }
}
