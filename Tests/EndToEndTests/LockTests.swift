import Dispatch
import Foundation
import Testing
import TestSupport

/// Two runs at once: the second one exits 75 at once and says who holds the lock.
@Suite("two runs at once (built binary)")
struct LockTests {
    /// Waits until `condition` holds (checked every 20 ms), at most `limit`.
    static func waitUntil(_ limit: Duration = .seconds(60), _ condition: () async throws -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(20))
        }
        return try await condition()
    }

    /// Holds an flock(2) lock on `path` (for ten minutes, or until killed) with util-linux `flock`
    /// from a shell that then becomes `sleep`: one process holding the lock, so killing it frees
    /// the lock at once (with `flock FILE sleep 600` the orphaned `sleep` would keep holding it).
    static func holdLock(_ path: String, in folder: URL) throws -> BinaryRunner.Running {
        let bash = try #require(BinaryRunner.program("bash"))
        return try BinaryRunner.start(["-c", "exec 9>>\"$1\" && flock -x 9 && exec sleep 600", "hold-lock", path],
                                      executable: bash, in: folder)
    }

    /// Whether someone holds an flock(2) lock on `path`, asked with util-linux `flock -n`.
    static func isLocked(_ path: String, flock: URL, in folder: URL) async throws -> Bool {
        let probe = try await BinaryRunner.run(["-n", path, "true"], executable: flock, in: folder)
        return probe.status != 0
    }

    @Test("the ledger lock held by util-linux flock: exit 75 at once, nothing written",
          .enabled(if: BinaryRunner.program("flock") != nil && BinaryRunner.program("bash") != nil, "flock(1) or bash is not installed"))
    func heldByFlock() async throws {
        let flock = try #require(BinaryRunner.program("flock"))
        let workspace = try Workspace.make("lock-flock")
        defer { workspace.remove() }
        try FileManager.default.createDirectory(at: workspace.output, withIntermediateDirectories: true)
        let lockPath = workspace.ledger.path + ".lock"
        let holder = try Self.holdLock(lockPath, in: workspace.root)
        defer { holder.kill9() }
        #expect(try await Self.waitUntil { try await Self.isLocked(lockPath, flock: flock, in: workspace.root) })

        let second = try await workspace.sverka(["run", "--date", Workspace.firstDay, "--config", workspace.config.path])
        #expect(second.status == 75, "\(second.transcript)")
        #expect(second.elapsed < .seconds(120), "it waited for the lock (held for 10 minutes) instead of giving up at once")
        #expect(second.stderr.contains("another sverka run is in progress"), "\(second.stderr)")
        #expect(second.stderr.contains(lockPath))
        #expect(!FileManager.default.fileExists(atPath: workspace.day(Workspace.firstDay).path), "a locked-out run wrote files")
        #expect(!FileManager.default.fileExists(atPath: workspace.ledger.path), "a locked-out run created the ledger")

        holder.kill9()
        _ = try await holder.wait()
        let after = try await workspace.sverka(["run", "--date", Workspace.firstDay, "--config", workspace.config.path])
        #expect(after.status == 0, "the lock is free again once its holder is gone: \(after.transcript)")
    }

    @Test("a second sverka while the first is running: exit 75, stderr and status name the first (pid, command)")
    func twoJobs() async throws {
        let workspace = try Workspace.make("lock-two")
        defer { workspace.remove() }
        let orders = try Data(contentsOf: workspace.root.appendingPathComponent("samples/days/2026-11-26/orders.json"))
        // The first run's orders feed answers only when the test opens the gate (at most four minutes):
        // the first run holds the lock meanwhile, however slowly this machine schedules the test.
        let gate = DispatchSemaphore(value: 0)
        let server = try LoopbackHTTPServer { request in
            guard request.path == "/orders/2026-11-26.json" else { return nil }
            _ = gate.wait(timeout: .now() + 240)
            return ScriptedResponse(status: 200, body: [UInt8](orders))
        }
        // Open for every request still waiting (a retry after a stalled one, too).
        let openGate = { for _ in 0..<8 { gate.signal() } }
        defer {
            openGate()
            server.stop()
        }
        let slow = ["SVERKA_ORDERS_URL": server.url("/orders/{date}.json")]
        // The first run waits for the gate without giving up: its transfers' stall rule (30 s in the
        // samples) would otherwise end it while a busy machine still runs the second sverka.
        let config = try String(contentsOf: workspace.config, encoding: .utf8)
        try #require(config.contains("stall_seconds: 30"))
        try config.replacingOccurrences(of: "stall_seconds: 30", with: "stall_seconds: 300")
            .write(to: workspace.config, atomically: true, encoding: .utf8)
        let first = try workspace.start(["run", "--date", Workspace.firstDay, "--config", workspace.config.path], environment: slow)
        defer { if first.isRunning { first.kill9() } }
        let lockPath = workspace.ledger.path + ".lock"
        // The holder writes itself into the lock file once it has the lock.
        #expect(try await Self.waitUntil(.seconds(60)) {
            let text = (try? String(contentsOfFile: lockPath, encoding: .utf8)) ?? ""
            return text.contains("\"pid\":\(first.pid)")
        }, "the first run never took the lock")

        let second = try await workspace.sverka(["run", "--date", Workspace.secondDay, "--config", workspace.config.path])
        #expect(second.status == 75, "\(second.transcript)")
        #expect(second.stderr.contains("pid \(first.pid)"), "\(second.stderr)")
        #expect(second.stderr.contains("run --date 2026-11-26"), "\(second.stderr)")
        #expect(second.stdout.isEmpty)

        let status = try await workspace.sverka(["status", "--config", workspace.config.path])
        #expect(status.status == 0, "\(status.transcript)")
        #expect(status.stdout.contains("Lock: held by pid \(first.pid)"), "\(status.stdout)")

        openGate()
        let firstOutcome = try await first.wait(timeout: .seconds(360))
        #expect(firstOutcome.status == 0, "the first run is not disturbed: \(firstOutcome.transcript)")
        #expect(!FileManager.default.fileExists(atPath: workspace.day(Workspace.secondDay).path), "the locked-out run wrote its day")
        let runs = try LedgerDump.runs(of: workspace.ledger)
        #expect(runs.map(\.day) == [Workspace.firstDay], "the locked-out run is not in the journal: \(runs)")
    }
}
