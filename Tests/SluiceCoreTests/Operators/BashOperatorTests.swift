import Foundation
import Testing
@testable import SluiceCore

@Suite("bash operator")
struct BashOperatorTests {
    func context(_ args: [String: Value], timeout: Double? = nil, log: MemoryLogSink = MemoryLogSink()) throws -> TaskRunContext {
        let arguments = try OperatorRegistry.coerce(.map(args.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }),
                                                    for: BashOperator.descriptor)
        return TaskRunContext(dagID: "d", taskID: "t", runID: "r", tryNumber: 1, logicalDate: Date(timeIntervalSince1970: 0),
                              dataIntervalStart: Date(timeIntervalSince1970: 0), dataIntervalEnd: Date(timeIntervalSince1970: 86_400),
                              arguments: arguments, executionTimeout: timeout, log: log, environment: ["SLUICE_DAG_ID": "d"])
    }

    @Test("stdout and stderr reach the task log, with the env and cwd given")
    func output() async throws {
        let log = MemoryLogSink()
        let ctx = try context(["command": .string("echo out; echo err >&2; echo $GREETING $SLUICE_DAG_ID; pwd"),
                               "env": .map([("GREETING", .string("hi"))]), "cwd": .string("/tmp")], log: log)
        let result = try await BashOperator.descriptor.runner.run(ctx)
        #expect(result == .success(nil))
        #expect(log.text == "out\nerr\nhi d\n/tmp\n")
    }

    @Test("a non-zero exit fails the try with its status")
    func failure() async throws {
        let ctx = try context(["command": .string("exit 3")])
        await #expect(throws: TaskFailure.self) { try await BashOperator.descriptor.runner.run(ctx) }
        do { _ = try await BashOperator.descriptor.runner.run(ctx) } catch let failure as TaskFailure {
            #expect(failure.exitCode == 3)
        }
    }

    @Test("exit code 99 skips the task, as in Airflow")
    func skip() async throws {
        let result = try await BashOperator.descriptor.runner.run(try context(["command": .string("exit 99")]))
        #expect(result == .skipped(reason: "command exited with 99"))
    }

    @Test("the last line can be pushed as XCom")
    func lastLine() async throws {
        let result = try await BashOperator.descriptor.runner.run(
            try context(["command": .string("echo a; echo 42"), "push_last_line": .bool(true)]))
        #expect(result == .success(.string("42")))
    }

    @Test("a timeout stops the whole process group, background children included")
    func timeout() async throws {
        let marker = NSTemporaryDirectory() + "sluice-timeout-\(UUID().uuidString)"
        let ctx = try context(["command": .string("(sleep 30; touch \(marker)) & sleep 30")], timeout: 0.5)
        let start = Date()
        do {
            _ = try await BashOperator.descriptor.runner.run(ctx)
            Issue.record("expected a timeout")
        } catch let failure as TaskFailure {
            #expect(failure.timedOut)
        }
        // Far below the 30 s the commands would take; loose enough for a loaded CI machine.
        #expect(Date().timeIntervalSince(start) < 25)
        // The background subshell was in the same group and must be gone.
        let survivors = try runPgrep(marker)
        #expect(survivors.isEmpty)
    }

    @Test("templated arguments are coerced after rendering and checked again")
    func coercion() throws {
        let args = try OperatorRegistry.coerce(.map([("command", .string("x")), ("timeout", .string("2m"))]), for: BashOperator.descriptor)
        #expect(args.seconds("timeout") == 120)
        #expect(throws: TaskFailure.self) {
            try OperatorRegistry.coerce(.map([("command", .string("x")), ("skip_exit_code", .string("abc"))]), for: BashOperator.descriptor)
        }
        #expect(throws: TaskFailure.self) { try OperatorRegistry.coerce(.map([]), for: BashOperator.descriptor) }
    }

    func runPgrep(_ pattern: String) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/pgrep")
        p.arguments = ["-f", pattern]
        let pipe = Pipe()
        p.standardOutput = pipe
        try p.run()
        p.waitUntilExit()
        return String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    }
}
