import Foundation
import Testing
import TestSupport

/// Running days that are already done changes nothing: not a byte of the output, not a row of
/// the books (the run journal records the runs themselves, and that is all).
@Suite("a rerun changes nothing (built binary)")
struct RerunTests {
    /// Modification times of the documents placed, by relative path.
    static func modificationTimes(_ workspace: Workspace) throws -> [String: Date] {
        var times: [String: Date] = [:]
        for day in [Workspace.firstDay, Workspace.secondDay] {
            for sub in ["edo", "archive"] {
                let folder = workspace.day(day).appendingPathComponent(sub)
                for name in (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [] {
                    let attributes = try FileManager.default.attributesOfItem(atPath: folder.appendingPathComponent(name).path)
                    times["\(day)/\(sub)/\(name)"] = attributes[.modificationDate] as? Date
                }
            }
        }
        return times
    }

    @Test("the same range again, the 26th alone, the 27th alone: identical files and books")
    func rerunsAreIdempotent() async throws {
        let workspace = try Workspace.make("rerun")
        defer { workspace.remove() }
        let first = try await workspace.sverka(workspace.rerunBothDays)
        #expect(first.status == 1, "\(first.transcript)")
        let tree = try workspace.outputTree()
        let books = try workspace.ledgerDump()
        let times = try Self.modificationTimes(workspace)
        #expect(tree.files.count > 30 && books.count > 100 && times.count == 14) // 12 XML, 2 print forms

        let reruns: [(arguments: [String], status: Int32)] = [
            (workspace.rerunBothDays, 1),
            (["run", "--date", Workspace.firstDay, "--config", workspace.config.path], 0),
            (["run", "--date", Workspace.secondDay, "--config", workspace.config.path], 1),
            (workspace.rerunBothDays, 1),
        ]
        for (arguments, status) in reruns {
            let again = try await workspace.sverka(arguments)
            #expect(again.status == status, "\(arguments): \(again.transcript)")
            let now = try workspace.outputTree()
            #expect(now.differences(from: tree).isEmpty, "\(arguments) changed files:\n\(now.differences(from: tree).joined(separator: "\n"))")
            let nowBooks = try workspace.ledgerDump()
            #expect(LedgerDump.differences(books, nowBooks).isEmpty, "\(arguments) changed the ledger:\n\(LedgerDump.differences(books, nowBooks))")
            // Documents already in place are not even rewritten.
            #expect(try Self.modificationTimes(workspace) == times, "\(arguments) rewrote a document")
        }
        // Every run is in the journal, finished.
        let runs = try LedgerDump.runs(of: workspace.ledger)
        #expect(runs.count == 8) // 2 + 2 + 1 + 1 + 2
        let expectedOutcomes: [String?] = runs.map { $0.day == Workspace.firstDay ? "ok" : "exceptions" }
        #expect(runs.map(\.outcome) == expectedOutcomes, "\(runs)")
    }

    @Test("the run matches the reference run of another workspace byte for byte (nothing depends on the clock or the folder)")
    func deterministicAcrossWorkspaces() async throws {
        let reference = try await Reference.bothDays.value
        let workspace = try Workspace.make("second-copy")
        defer { workspace.remove() }
        let outcome = try await workspace.sverka(workspace.rerunBothDays)
        #expect(outcome.status == 1, "\(outcome.transcript)")
        let tree = try workspace.outputTree()
        #expect(tree.differences(from: reference.tree).isEmpty, "\(tree.differences(from: reference.tree).joined(separator: "\n"))")
        let books = try workspace.ledgerDump()
        #expect(LedgerDump.differences(reference.ledger, books).isEmpty, "\(LedgerDump.differences(reference.ledger, books))")
    }
}
