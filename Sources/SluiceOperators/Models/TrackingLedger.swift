import Foundation
import Tracking

/// The pipeline's decisions as its tracking runs record them, read back so that re-running a date
/// repeats what that date decided instead of deciding again with later knowledge.
enum TrackingLedger {
    /// The finished grid-search run that `dagID` trained for `runDate`, if there is one.
    static func trainingRun(_ tracking: any TrackingBackend, experiment: String, dagID: String, runDate: String) throws -> Run? {
        let id = try tracking.experiment(named: experiment).id
        return try tracking.searchRuns(experimentIDs: [id], orderBy: nil).first { run in
            run.info.status == .finished && run.tags["sluice.kind"] == "grid-search"
                && run.tags["sluice.dag_id"] == dagID && run.tags["sluice.run_date"] == runDate
        }
    }

    /// The promotion runs logged for `model` in `experiment`.
    static func promotions(_ tracking: any TrackingBackend, experiment: String, model: String) throws -> [Run] {
        let id = try tracking.experiment(named: experiment).id
        return try tracking.searchRuns(experimentIDs: [id], orderBy: nil).filter { run in
            run.info.status == .finished && run.tags["sluice.kind"] == "promotion" && run.params["model"] == model
        }
    }

    /// Decisions that made the candidate champion.
    static let crowning: Set<String> = ["first champion", "promoted"]

    /// The version that was champion on `date`: the last one crowned by a promotion of a run
    /// dated on or before it (nil before the first).
    static func champion(_ tracking: any TrackingBackend, experiment: String, model: String, asOf date: String) throws -> Int? {
        let crowned = try promotions(tracking, experiment: experiment, model: model).compactMap { run -> (String, Int)? in
            guard let decision = run.params["decision"], crowning.contains(decision), let day = run.tags["sluice.run_date"], day <= date,
                  let version = run.params["candidate_version"].flatMap(Int.init) else { return nil }
            return (day, version)
        }
        return crowned.max { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }?.1
    }
}
