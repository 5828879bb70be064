import SluiceCore
import Testing

@testable import SluiceScheduler

@Suite("Run state resolver")
struct RunStateResolverTests {
    @Test("stays running while any task is unfinished, even with a failed leaf")
    func runningWhileUnfinished() {
        let state = RunStateResolver.state(
            taskStates: [.failed, .running],
            leafTaskStates: [.failed]
        )
        #expect(state == .running)
    }

    @Test("fails once everything is finished and a leaf failed or is upstream_failed")
    func failedLeaf() {
        #expect(RunStateResolver.state(taskStates: [.success, .failed], leafTaskStates: [.failed]) == .failed)
        #expect(
            RunStateResolver.state(
                taskStates: [.failed, .upstreamFailed, .success],
                leafTaskStates: [.upstreamFailed, .success]
            ) == .failed
        )
    }

    @Test("succeeds when every leaf succeeded or skipped, even after a failure further up")
    func successfulLeaves() {
        #expect(
            RunStateResolver.state(
                taskStates: [.failed, .success, .skipped],
                leafTaskStates: [.success, .skipped]
            ) == .success
        )
        #expect(RunStateResolver.state(taskStates: [.skipped], leafTaskStates: [.skipped]) == .success)
    }

    @Test("ignores removed leaves")
    func removedLeaves() {
        #expect(
            RunStateResolver.state(taskStates: [.success, .removed], leafTaskStates: [.removed, .success]) == .success
        )
        #expect(RunStateResolver.state(taskStates: [.removed], leafTaskStates: [.removed]) == .success)
    }

    @Test("fails on a deadlock, but only while tasks are unfinished")
    func deadlock() {
        #expect(
            RunStateResolver.state(taskStates: [.success, .noState], leafTaskStates: [.noState], isDeadlocked: true)
                == .failed
        )
        #expect(
            RunStateResolver.state(taskStates: [.success], leafTaskStates: [.success], isDeadlocked: true)
                == .success
        )
    }

    @Test("up_for_retry, queued and scheduled tasks keep the run running")
    func unfinishedStates() {
        for pending: TaskInstanceState in [.noState, .scheduled, .queued, .running, .upForRetry] {
            #expect(
                RunStateResolver.state(taskStates: [.failed, pending], leafTaskStates: [pending]) == .running
            )
        }
    }

    @Test("the graph form finds leaves from the edges")
    func graphForm() {
        let upstream = ["b": ["a"], "c": ["a"]]
        #expect(RunStateResolver.leaves(of: ["a", "b", "c"], upstream: upstream) == ["b", "c"])
        let failedRoot = RunStateResolver.state(
            taskStates: ["a": .failed, "b": .success, "c": .success],
            upstream: upstream
        )
        #expect(failedRoot == .success)
        let failedLeaf = RunStateResolver.state(
            taskStates: ["a": .success, "b": .success, "c": .failed],
            upstream: upstream
        )
        #expect(failedLeaf == .failed)
    }
}
