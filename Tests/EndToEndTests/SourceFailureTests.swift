import Foundation
import Testing
import TestSupport

/// A source that cannot be fetched fails its day with exit 2 and a clear reason, and changes
/// nothing: no document, no ledger row. Once the source is back, the day completes exactly as a
/// clean run.
@Suite("a source that cannot be fetched (built binary)")
struct SourceFailureTests {
    /// Runs the 26th cleanly, then the 27th with `environment` breaking a source; checks the
    /// failure, then runs the 27th again without it and compares with the reference.
    func failThenRecover(_ label: String, environment broken: [String: String], configEdit: ((String) -> String)? = nil,
                         source: String, reason: String) async throws {
        let reference = try await Reference.bothDays.value
        let workspace = try Workspace.make(label)
        defer { workspace.remove() }
        if let configEdit {
            let text = try String(contentsOf: workspace.config, encoding: .utf8)
            let edited = configEdit(text)
            #expect(edited != text, "the configuration edit changed nothing")
            try edited.write(to: workspace.config, atomically: true, encoding: .utf8)
        }
        let config = ["--config", workspace.config.path]
        let firstDay = try await workspace.sverka(["run", "--date", Workspace.firstDay] + config)
        #expect(firstDay.status == 0, "\(firstDay.transcript)")
        let booksBefore = try workspace.ledgerDump()

        let failed = try await workspace.sverka(["run", "--date", Workspace.secondDay] + config, environment: broken)
        #expect(failed.status == 2, "\(failed.transcript)")
        // The log says which source and why.
        let errorLines = failed.stderr.split(separator: "\n").filter { $0.contains("\"level\":\"error\"") }
        #expect(errorLines.contains { $0.contains(source) && $0.contains(reason) }, "\(failed.stderr)")
        #expect(failed.stdout.contains("2026-11-27: failed"), "\(failed.stdout)")
        // run.json: failed, with a source-failed exception naming the source.
        let run = try workspace.runJSON(Workspace.secondDay)
        #expect(run.status == "failed" && run.documents.isEmpty && run.payments.isEmpty)
        #expect(run.exceptions.contains { $0.kind == "source-failed" && $0.ref == source && $0.message.contains(reason) },
                "\(run.exceptions)")
        let entry = try #require(run.sources.first { $0.name == source })
        #expect(entry.status == "failed" && entry.error?.contains(reason) == true)
        // Nothing for the day: no documents placed, no ledger row written.
        let day = workspace.day(Workspace.secondDay)
        for sub in ["edo", "archive", "reports"] {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: day.appendingPathComponent(sub).path)) ?? []
            #expect(names.isEmpty, "\(sub)/ of the failed day: \(names)")
        }
        #expect(!FileManager.default.fileExists(atPath: day.appendingPathComponent("manifest.json").path))
        let booksAfter = try workspace.ledgerDump()
        #expect(LedgerDump.differences(booksBefore, booksAfter).isEmpty, "the failed day wrote to the ledger:\n\(LedgerDump.differences(booksBefore, booksAfter))")
        let runs = try LedgerDump.runs(of: workspace.ledger)
        #expect(runs.last?.day == Workspace.secondDay && runs.last?.outcome == "failed", "\(runs)")
        let status = try await workspace.sverka(["status"] + config)
        #expect(status.status == 0 && status.stdout.contains("2026-11-27  failed"), "\(status.stdout)")

        // The source is back: the day completes with exactly the files and books of a clean run.
        let recovered = try await workspace.sverka(["run", "--date", Workspace.secondDay] + config)
        #expect(recovered.status == 1, "\(recovered.transcript)")
        let tree = try workspace.outputTree()
        #expect(tree.differences(from: reference.tree).isEmpty, "\(tree.differences(from: reference.tree).joined(separator: "\n"))")
        let books = try workspace.ledgerDump(ignoringColumns: ["run_id"])
        #expect(LedgerDump.differences(reference.ledgerWithoutRunIDs, books).isEmpty, "\(LedgerDump.differences(reference.ledgerWithoutRunIDs, books))")
    }

    @Test("the main bank's statement file is missing: exit 2, then the day completes once it is there")
    func missingFile() async throws {
        try await failThenRecover(
            "missing-file",
            environment: ["SVERKA_BANK_MAIN_URL": "file:///nonexistent-sverka-folder/kl_to_1c_{ddMMyyyy}.txt"],
            source: "bank-1c:main", reason: "could not be fetched")
    }

    @Test("the main bank answers HTTP 500: exit 2 after the retries, then the day completes")
    func http500() async throws {
        let server = try LoopbackHTTPServer { _ in .status(500, body: "internal error") }
        defer { server.stop() }
        try await failThenRecover(
            "http-500",
            environment: ["SVERKA_BANK_MAIN_URL": server.url("/statements/kl_to_1c_{ddMMyyyy}.txt")],
            configEdit: { $0.replacingOccurrences(of: "max_attempts: 4", with: "max_attempts: 2") },
            source: "bank-1c:main", reason: "HTTP 500 after 2 attempts")
        #expect(server.requests(to: "/statements/kl_to_1c_27112026.txt").count == 2)
    }
}
