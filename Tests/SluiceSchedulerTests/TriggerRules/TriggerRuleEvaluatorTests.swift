import SluiceCore
import Testing

@testable import SluiceScheduler

private func decide(_ rule: TriggerRule, _ states: [TaskInstanceState]) -> TriggerDecision {
    TriggerRuleEvaluator.decide(rule, upstreamStates: states)
}

@Suite("Upstream summary")
struct UpstreamSummaryTests {
    @Test("counts finished states one by one and leaves unfinished ones in the gap to total")
    func countsStates() {
        let summary = UpstreamSummary(states: [
            .success, .success, .failed, .skipped, .upstreamFailed, .removed,
            .noState, .scheduled, .queued, .running, .upForRetry,
        ])
        #expect(summary.total == 11)
        #expect(summary.success == 2)
        #expect(summary.failed == 1)
        #expect(summary.skipped == 1)
        #expect(summary.upstreamFailed == 1)
        #expect(summary.removed == 1)
        #expect(summary.done == 6)
        #expect(summary.pending == 5)
        #expect(!summary.allDone)
    }

    @Test("the counting initializer and the memberwise one agree")
    func initializersAgree() {
        let counted = UpstreamSummary(states: [.success, .skipped, .running])
        #expect(counted == UpstreamSummary(total: 3, success: 1, skipped: 1))
    }

    @Test("an empty upstream list is all done")
    func emptyIsDone() {
        let summary = UpstreamSummary(states: [])
        #expect(summary.total == 0 && summary.done == 0 && summary.allDone)
    }
}

@Suite("Trigger rules: shared behaviour")
struct TriggerRuleSharedTests {
    @Test("a task without upstream tasks runs whatever its rule", arguments: TriggerRule.allCases)
    func noUpstreamRuns(rule: TriggerRule) {
        #expect(decide(rule, []) == .run)
    }

    @Test("always runs before any upstream has finished and after any outcome")
    func alwaysRuns() {
        for states: [TaskInstanceState] in [[.running], [.noState, .queued], [.failed], [.skipped], [.upstreamFailed]] {
            #expect(decide(.always, states) == .run)
        }
    }

    @Test("every rule waits while all upstreams are unfinished", arguments: TriggerRule.allCases)
    func waitsWhileNothingFinished(rule: TriggerRule) {
        let expected: TriggerDecision = rule == .always ? .run : .wait
        #expect(decide(rule, [.running, .noState, .upForRetry]) == expected)
    }

    @Test(
        "once every upstream has finished no rule waits",
        arguments: TriggerRule.allCases
    )
    func neverWaitsWhenAllDone(rule: TriggerRule) {
        let finished: [TaskInstanceState] = [.success, .failed, .skipped, .upstreamFailed, .removed]
        // Every multiset of one to three finished upstream states.
        for a in finished.indices {
            for b in a..<finished.count {
                for c in b..<finished.count {
                    for states in [[finished[a]], [finished[a], finished[b]], [finished[a], finished[b], finished[c]]] {
                        #expect(decide(rule, states) != .wait, "\(rule.rawValue) with \(states)")
                    }
                }
            }
        }
    }

    @Test("decisions map to the states a task takes without running")
    func terminalStates() {
        #expect(TriggerDecision.skip.terminalState == .skipped)
        #expect(TriggerDecision.upstreamFailed.terminalState == .upstreamFailed)
        #expect(TriggerDecision.run.terminalState == nil)
        #expect(TriggerDecision.wait.terminalState == nil)
    }
}

@Suite("Trigger rules: all_success")
struct AllSuccessTests {
    @Test("one failed upstream makes it upstream_failed while another is still running")
    func failureIsImmediate() {
        #expect(decide(.allSuccess, [.failed, .running]) == .upstreamFailed)
        #expect(decide(.allSuccess, [.upstreamFailed, .noState, .success]) == .upstreamFailed)
    }

    @Test("one skipped upstream makes it skipped while another is still running")
    func skipIsImmediate() {
        #expect(decide(.allSuccess, [.skipped, .running]) == .skip)
    }

    @Test("a failure outweighs a skip seen at the same time")
    func failureBeatsSkip() {
        #expect(decide(.allSuccess, [.skipped, .failed]) == .upstreamFailed)
        #expect(decide(.allSuccess, [.skipped, .upstreamFailed, .running]) == .upstreamFailed)
    }

    @Test("waits while some succeeded and others are unfinished")
    func waitsForTheRest() {
        #expect(decide(.allSuccess, [.success, .running]) == .wait)
        #expect(decide(.allSuccess, [.success, .upForRetry]) == .wait)
    }

    @Test("runs when all succeeded; removed upstreams count as successes")
    func runsOnSuccess() {
        #expect(decide(.allSuccess, [.success, .success]) == .run)
        #expect(decide(.allSuccess, [.success, .removed]) == .run)
        #expect(decide(.allSuccess, [.removed]) == .run)
    }
}

@Suite("Trigger rules: all_failed")
struct AllFailedTests {
    @Test("a success or a skip makes it skipped without waiting")
    func skipIsImmediate() {
        #expect(decide(.allFailed, [.success, .running]) == .skip)
        #expect(decide(.allFailed, [.skipped, .noState]) == .skip)
        #expect(decide(.allFailed, [.failed, .success]) == .skip)
    }

    @Test("waits while failures are in and others are unfinished")
    func waits() {
        #expect(decide(.allFailed, [.failed, .running]) == .wait)
    }

    @Test("runs when all failed or are upstream_failed; removed counts as failed")
    func runs() {
        #expect(decide(.allFailed, [.failed, .upstreamFailed]) == .run)
        #expect(decide(.allFailed, [.failed, .removed]) == .run)
    }
}

@Suite("Trigger rules: all_done")
struct AllDoneTests {
    @Test("waits for every upstream, then runs whatever the outcomes")
    func waitsThenRuns() {
        #expect(decide(.allDone, [.failed, .running]) == .wait)
        #expect(decide(.allDone, [.failed, .skipped, .upstreamFailed, .removed, .success]) == .run)
        #expect(decide(.allDone, [.skipped]) == .run)
    }
}

@Suite("Trigger rules: one_success")
struct OneSuccessTests {
    @Test("runs on the first success without waiting for the rest")
    func runsEarly() {
        #expect(decide(.oneSuccess, [.success, .running, .failed]) == .run)
    }

    @Test("waits while no upstream succeeded and some are unfinished, even after failures")
    func waits() {
        #expect(decide(.oneSuccess, [.failed, .running]) == .wait)
        #expect(decide(.oneSuccess, [.skipped, .noState]) == .wait)
    }

    @Test("is skipped when every upstream was skipped")
    func allSkipped() {
        #expect(decide(.oneSuccess, [.skipped, .skipped]) == .skip)
    }

    @Test("is upstream_failed when all finished without success and not all were skipped")
    func noSuccess() {
        #expect(decide(.oneSuccess, [.skipped, .failed]) == .upstreamFailed)
        #expect(decide(.oneSuccess, [.upstreamFailed]) == .upstreamFailed)
        #expect(decide(.oneSuccess, [.skipped, .removed]) == .upstreamFailed)
    }
}

@Suite("Trigger rules: one_failed")
struct OneFailedTests {
    @Test("runs on the first failed or upstream_failed upstream without waiting")
    func runsEarly() {
        #expect(decide(.oneFailed, [.failed, .running]) == .run)
        #expect(decide(.oneFailed, [.upstreamFailed, .noState]) == .run)
    }

    @Test("waits while no failure is in and some upstreams are unfinished")
    func waits() {
        #expect(decide(.oneFailed, [.success, .running]) == .wait)
    }

    @Test("is skipped when all finished without a failure")
    func noFailure() {
        #expect(decide(.oneFailed, [.success, .skipped, .removed]) == .skip)
    }
}

@Suite("Trigger rules: one_done")
struct OneDoneTests {
    @Test("runs on the first success or failure without waiting")
    func runsEarly() {
        #expect(decide(.oneDone, [.success, .running]) == .run)
        #expect(decide(.oneDone, [.failed, .noState]) == .run)
    }

    @Test("a skipped or upstream_failed upstream is not enough: it keeps waiting")
    func notEnough() {
        #expect(decide(.oneDone, [.skipped, .running]) == .wait)
        #expect(decide(.oneDone, [.upstreamFailed, .running]) == .wait)
    }

    @Test("is skipped, never upstream_failed, when all finished without a success or failure")
    func skippedAtTheEnd() {
        #expect(decide(.oneDone, [.upstreamFailed]) == .skip)
        #expect(decide(.oneDone, [.skipped, .upstreamFailed, .removed]) == .skip)
    }
}

@Suite("Trigger rules: none_failed")
struct NoneFailedTests {
    @Test("waits while any upstream is running, even if the rest succeeded or skipped")
    func waits() {
        #expect(decide(.noneFailed, [.success, .skipped, .running]) == .wait)
    }

    @Test("one failure makes it upstream_failed at once")
    func failureIsImmediate() {
        #expect(decide(.noneFailed, [.failed, .running]) == .upstreamFailed)
        #expect(decide(.noneFailed, [.upstreamFailed, .noState]) == .upstreamFailed)
    }

    @Test("runs when all succeeded, skipped or were removed, even if all skipped")
    func runs() {
        #expect(decide(.noneFailed, [.skipped, .skipped]) == .run)
        #expect(decide(.noneFailed, [.success, .skipped, .removed]) == .run)
    }
}

@Suite("Trigger rules: none_failed_min_one_success")
struct NoneFailedMinOneSuccessTests {
    @Test("one failure makes it upstream_failed at once")
    func failureIsImmediate() {
        #expect(decide(.noneFailedMinOneSuccess, [.failed, .running]) == .upstreamFailed)
    }

    @Test("waits while some upstreams are unfinished, even with a success in")
    func waits() {
        #expect(decide(.noneFailedMinOneSuccess, [.success, .running]) == .wait)
        #expect(decide(.noneFailedMinOneSuccess, [.skipped, .running]) == .wait)
    }

    @Test("is skipped when every upstream was skipped")
    func allSkipped() {
        #expect(decide(.noneFailedMinOneSuccess, [.skipped, .skipped]) == .skip)
    }

    @Test("is upstream_failed when all finished without failure but without success either")
    func noSuccess() {
        #expect(decide(.noneFailedMinOneSuccess, [.skipped, .removed]) == .upstreamFailed)
        #expect(decide(.noneFailedMinOneSuccess, [.removed]) == .upstreamFailed)
    }

    @Test("runs with one success and the rest skipped or removed")
    func runs() {
        #expect(decide(.noneFailedMinOneSuccess, [.success, .skipped, .removed]) == .run)
    }
}

@Suite("Trigger rules: none_skipped")
struct NoneSkippedTests {
    @Test("one skip makes it skipped at once")
    func skipIsImmediate() {
        #expect(decide(.noneSkipped, [.skipped, .running]) == .skip)
    }

    @Test("waits for every upstream, then runs even after failures")
    func waitsThenRuns() {
        #expect(decide(.noneSkipped, [.failed, .running]) == .wait)
        #expect(decide(.noneSkipped, [.failed, .upstreamFailed, .success]) == .run)
    }
}
