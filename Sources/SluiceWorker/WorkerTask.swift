import CSluiceSystem
import Dispatch
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import SluiceCore
import SluiceScheduler

/// The child side of a remote try (`sluice worker-task`): runs one workload's operator in this
/// process and writes how it ended as JSON. It dies with its worker: the kernel sends it SIGTERM
/// when the worker goes (even by `kill -9`), and SIGTERM stops the operator and everything it
/// started before the process exits.
public enum WorkerTask {
    public static func run(payloadPath: String, logPath: String, resultPath: String, registry: OperatorRegistry) async -> Int32 {
        let parent = getppid()
        _ = sluice_set_parent_death_signal(SIGTERM)
        // The worker may have died before the line above took effect.
        if getppid() != parent { return 3 }
        guard let data = FileManager.default.contents(atPath: payloadPath) else {
            return write(TryReport(state: "failed", reason: "the workload file \(payloadPath) is missing"), to: resultPath)
        }
        let payload: WorkloadPayload
        do { payload = try RemoteJSON.decoder().decode(WorkloadPayload.self, from: data) } catch {
            return write(TryReport(state: "failed", reason: "the workload is not valid: \(error)"), to: resultPath)
        }
        let workload = payload.workload(logPath: logPath)
        let hostname = ProcessInfo.processInfo.hostName
        let execution = Task {
            await TryExecution.run(workload, registry: registry, hostname: hostname, processStarted: { _ in true })
        }
        // SIGTERM (a cancel, a superseded try, the worker stopping or dying) cancels the operator,
        // which stops its own child processes; then the result says what happened.
        signal(SIGTERM, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGTERM, queue: .global())
        source.setEventHandler { execution.cancel() }
        source.resume()
        let result = await execution.value
        source.cancel()
        return write(TryReport(result), to: resultPath)
    }

    private static func write(_ report: TryReport, to path: String) -> Int32 {
        guard let data = try? RemoteJSON.encoder().encode(report) else { return 2 }
        let temporary = path + ".tmp"
        guard FileManager.default.createFile(atPath: temporary, contents: data), rename(temporary, path) == 0 else { return 2 }
        return 0
    }
}
