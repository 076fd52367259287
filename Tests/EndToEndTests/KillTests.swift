import Foundation
import Testing
import TestSupport

/// Killed with SIGKILL at any moment and started again, the job ends exactly as an uninterrupted
/// run: the same documents byte for byte, the same numbers, the same books, no temporary files;
/// and right after any kill, no file under its final name is half-written.
@Suite("killed at any moment (kill -9), then run again (built binary)", .serialized)
struct KillTests {
    /// Checks what a kill left: every file under a final name is the reference's file (the same
    /// bytes), except the global stop list, which may still be the first day's.
    static func checkAfterKill(_ workspace: Workspace, reference: Reference.Run, label: String) throws -> FileTree {
        let tree = try workspace.outputTree()
        let firstDayStopList = reference.tree.files["\(Workspace.firstDay)/stop-list.json"]
        for (path, hash) in tree.files where !FileTree.isTemporary(path) && !path.hasPrefix(".std") {
            if path == "stop-list.json" {
                #expect(hash == reference.tree.files[path] || hash == firstDayStopList, "\(label): stop-list.json is neither day's")
                continue
            }
            #expect(reference.tree.files[path] != nil, "\(label): a file the uninterrupted run does not have: \(path)")
            #expect(reference.tree.files[path] == nil || reference.tree.files[path] == hash,
                    "\(label): \(path) differs from the uninterrupted run's (half-written?)")
        }
        return tree
    }

    /// Runs to completion and compares with the reference; returns how long the run took.
    @discardableResult
    static func complete(_ workspace: Workspace, reference: Reference.Run, label: String) async throws -> Duration {
        let outcome = try await workspace.sverka(workspace.rerunBothDays)
        #expect(outcome.status == 1, "\(label): the completing run: \(outcome.transcript)")
        let tree = try workspace.outputTree()
        #expect(tree.temporaryFiles.isEmpty, "\(label): temporary files left: \(tree.temporaryFiles)")
        #expect(tree.differences(from: reference.tree).isEmpty, "\(label):\n\(tree.differences(from: reference.tree).joined(separator: "\n"))")
        let books = try workspace.ledgerDump(ignoringColumns: ["run_id"])
        #expect(LedgerDump.differences(reference.ledgerWithoutRunIDs, books).isEmpty, "\(label): ledger differs:\n\(LedgerDump.differences(reference.ledgerWithoutRunIDs, books))")
        // The completing run's two days finished; killed runs stay in the journal as unfinished.
        let runs = try LedgerDump.runs(of: workspace.ledger)
        #expect(runs.suffix(2).map(\.outcome) == ["ok", "exceptions"], "\(label): \(runs)")
        return outcome.elapsed
    }

    /// The kill points of a deterministic sweep, as fractions of a full run: `steps` points
    /// from 0 to a little past the end.
    static func fractions(steps: Int, offset: Double = 0) -> [Double] {
        (0..<steps).map { (Double($0) + offset) / Double(steps - 1) * 1.05 }
    }

    @Test("a sweep of kill points from 0 to the full run time, each on a fresh copy, then a complete run")
    func killSweep() async throws {
        let reference = try await Reference.bothDays.value
        // The full run time, measured here and then after every completing run (the machine's load
        // changes while other tests run): each kill point is a fixed fraction of the latest measure.
        let timing = try Workspace.make("kill-timing")
        var full = try await Self.complete(timing, reference: reference, label: "timing run")
        timing.remove()
        var states: [String: Int] = [:]
        for (index, fraction) in Self.fractions(steps: 16).enumerated() {
            let delay = full * fraction
            let label = "kill #\(index) at \(Int(fraction * 100)) % = \(delay)"
            let workspace = try Workspace.make("kill-\(index)")
            let running = try workspace.start(workspace.rerunBothDays)
            try await Task.sleep(for: delay)
            running.kill9()
            let killed = try await running.wait()
            let tree = try Self.checkAfterKill(workspace, reference: reference, label: label)
            let state = killed.signalled ? "killed with \(tree.files.count) file(s), \(tree.temporaryFiles.count) temporary"
                : "finished before the kill"
            states[state, default: 0] += 1
            full = try await Self.complete(workspace, reference: reference, label: label)
            workspace.remove()
        }
        // The sweep must have hit the run while it was working, not only before or after it.
        #expect(states.filter { $0.key.hasPrefix("killed with") && !$0.key.hasPrefix("killed with 0 ") }.values.reduce(0, +) >= 2, "\(states)")
        print("kill sweep: \(states.sorted { $0.key < $1.key })")
    }

    @Test("killed again and again in the same folder (each restart killed too), then a complete run")
    func killedRepeatedly() async throws {
        let reference = try await Reference.bothDays.value
        let workspace = try Workspace.make("kill-chain")
        defer { workspace.remove() }
        // Between the sweep's points, so other moments are hit.
        var full = reference.outcome.elapsed
        for (index, fraction) in Self.fractions(steps: 8, offset: 0.5).enumerated() {
            let delay = full * fraction
            let label = "chained kill #\(index) at \(Int(fraction * 100)) %"
            let running = try workspace.start(workspace.rerunBothDays)
            try await Task.sleep(for: delay)
            running.kill9()
            let killed = try await running.wait()
            _ = try Self.checkAfterKill(workspace, reference: reference, label: label)
            if !killed.signalled { full = min(full, killed.elapsed) }
        }
        try await Self.complete(workspace, reference: reference, label: "after the chained kills")
    }
}
