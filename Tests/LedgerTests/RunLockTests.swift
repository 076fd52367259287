#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Ledger
import Testing
import TestSupport

private let flockTool = "/usr/bin/flock"
private let hasFlockTool = FileManager.default.isExecutableFile(atPath: flockTool)

/// A helper process holding the lock with flock(2) semantics, as one single process:
/// the shell opens the lock file on fd 9, `flock -n 9` locks that open file description,
/// the shell writes a holder line into it, then `exec sleep` keeps fd 9 (and the lock)
/// under the same pid. SIGKILL to that pid closes the last descriptor: the kernel drops the lock.
private func spawnLockHolder(lockPath: String) throws -> Process {
    let script = """
        exec 9<>"$1" || exit 2
        \(flockTool) -n -x 9 || exit 3
        printf '{"command":"flock-helper","hostname":"helper-host","pid":%d,"startedAt":"2026-03-05T02:00:00+03:00"}\\n' $$ >&9
        exec sleep 600
        """
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/sh")
    process.arguments = ["-c", script, "lock-holder", lockPath]
    try process.run()
    return process
}

/// Waits until the lock file names `pid` (the helper has the lock), up to `seconds`.
private func waitForHolder(_ pid: Int32, lockPath: String, seconds: Double = 20) async throws -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if let text = try? String(contentsOfFile: lockPath, encoding: .utf8), text.contains("\"pid\":\(pid)") {
            return true
        }
        try await Task.sleep(nanoseconds: 20_000_000)
    }
    return false
}

@Suite("Ledger: the run lock")
struct RunLockTests {
    @Test("a second holder in the same process fails at once, naming the first; release frees it")
    func inProcess() throws {
        let directory = try Paths.temporaryDirectory("runlock")
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = directory.appendingPathComponent("sverka.sqlite").path
        let first = try RunLock(databasePath: database, command: "sverka run --date 2026-03-04")
        #expect(first.path == database + ".lock")
        #expect(first.isHeld)
        let error = try #require(throws: LockError.self) {
            _ = try RunLock(databasePath: database, command: "sverka run --date 2026-03-05")
        }
        #expect(error.holder == first.holder)
        #expect(error.description.contains("pid \(getpid())"))
        #expect(error.description.contains("sverka run --date 2026-03-04"))
        #expect(try RunLock.currentHolder(lockPath: first.path) == first.holder)

        first.release()
        #expect(!first.isHeld)
        #expect(try RunLock.currentHolder(lockPath: first.path) == nil)
        let second = try RunLock(databasePath: database, command: "sverka run --date 2026-03-05")
        #expect(second.isHeld)
    }

    @Test("two processes: the second fails at once naming the holder; after SIGKILL the lock is free",
          .enabled(if: hasFlockTool, "util-linux flock is needed for the helper process"),
          .timeLimit(.minutes(1)))
    func twoProcessesAndKill() async throws {
        let directory = try Paths.temporaryDirectory("runlock")
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = directory.appendingPathComponent("sverka.sqlite").path
        let lockPath = RunLock.lockPath(forDatabase: database)

        let helper = try spawnLockHolder(lockPath: lockPath)
        let pid = helper.processIdentifier
        defer {
            if helper.isRunning {
                kill(pid, SIGKILL)
                helper.waitUntilExit()
            }
        }
        #expect(try await waitForHolder(pid, lockPath: lockPath), "the helper never took the lock")

        let started = Date()
        let error = try #require(throws: LockError.self) {
            _ = try RunLock(databasePath: database, command: "sverka run")
        }
        #expect(Date().timeIntervalSince(started) < 2, "the second attempt must fail at once, not wait")
        #expect(error.holder?.pid == pid)
        #expect(error.holder?.hostname == "helper-host")
        #expect(error.description.contains("pid \(pid) on helper-host"))
        #expect(error.description.contains("flock-helper"))
        #expect(try RunLock.currentHolder(lockPath: lockPath)?.pid == pid)

        // kill -9: no chance to clean up; the kernel releases the lock with the process.
        #expect(kill(pid, SIGKILL) == 0)
        helper.waitUntilExit()
        #expect(helper.terminationReason == .uncaughtSignal)

        let lock = try RunLock(databasePath: database, command: "sverka run")
        #expect(lock.isHeld)
        let text = try String(contentsOfFile: lockPath, encoding: .utf8)
        #expect(text.contains("\"pid\":\(getpid())"))
        #expect(text.contains("\"command\":\"sverka run\""))
    }

    @Test("while a RunLock is held, flock(1) in another process cannot take the file",
          .enabled(if: hasFlockTool, "util-linux flock is needed for the helper process"),
          .timeLimit(.minutes(1)))
    func compatibleWithFlockTool() throws {
        let directory = try Paths.temporaryDirectory("runlock")
        defer { try? FileManager.default.removeItem(at: directory) }
        let lockPath = directory.appendingPathComponent("sverka.sqlite.lock").path

        func tryFlock() throws -> Int32 {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: flockTool)
            process.arguments = ["-n", "-x", lockPath, "true"]
            try process.run()
            process.waitUntilExit()
            return process.terminationStatus
        }

        let lock = try RunLock(lockPath: lockPath, command: "sverka run")
        #expect(try tryFlock() == 1, "flock -n must find the file locked")
        lock.release()
        #expect(try tryFlock() == 0, "after release flock -n takes it")
    }
}
