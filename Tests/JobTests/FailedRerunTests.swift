import Domain
import Foundation
import Job
import Ledger
import Testing
import TestSupport

/// A rerun of a day an earlier run completed, whose source has since gone, fails loudly but
/// leaves the day as it was: its documents, its manifest and its run.json stay consistent.
@Suite("A failed rerun of a completed day")
struct FailedRerunTests {
    @Test("exits with failure, is journaled as failed, and leaves run.json and the documents in place")
    func failedRerunKeepsTheDay() async throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        let log = LogCapture()
        let loaded = try sandbox.load()
        let first = try await runDays([Day.d26], loaded: loaded, environment: testEnvironment(logger: log.logger()))
        #expect(first.map(\.exitStatus) == [.success])
        let folder = sandbox.dayFolder(Day.d26)
        let before = try Data(contentsOf: folder.appendingPathComponent("run.json"))
        let placed = files(in: folder.appendingPathComponent("edo"))
        #expect(placed.count == 3)

        // The bank statement of the 26th is gone.
        try FileManager.default.removeItem(at: sandbox.samples.appendingPathComponent("days/2026-11-26/kl_to_1c_26112026.txt"))
        let again = try await runDays([Day.d26], loaded: loaded, environment: testEnvironment(logger: log.logger()))
        #expect(again.map(\.exitStatus) == [.failure])
        #expect(again.first?.result.status == .failed)
        #expect(try Data(contentsOf: folder.appendingPathComponent("run.json")) == before)
        #expect(files(in: folder.appendingPathComponent("edo")) == placed)
        #expect(log.lines.contains { $0.contains("completed by an earlier run") })
        let runs = try Ledger(path: sandbox.ledgerPath).read { try $0.lastRuns(limit: 5) }
        #expect(runs.first?.outcome == .failed)
        #expect(runs.dropFirst().first?.outcome == .ok)

        // Both runs finished (one ok, one failed): neither is shown as interrupted.
        let status = try StatusReport.gather(ledger: Ledger(path: sandbox.ledgerPath))
        #expect(!status.render().contains("interrupted"))
    }

    @Test("a run that never finished and holds no lock is shown as interrupted")
    func interruptedRun() throws {
        let sandbox = try Sandbox()
        defer { sandbox.remove() }
        try FileManager.default.createDirectory(at: sandbox.out, withIntermediateDirectories: true)
        let ledger = try Ledger(path: sandbox.ledgerPath)
        _ = try ledger.write { try $0.startRun(businessDate: Day.d26, command: "run --date 2026-11-26", at: nil) }
        let text = try StatusReport.gather(ledger: ledger).render()
        #expect(text.contains("interrupted"), "\(text)")
    }
}
