import Domain
import Foundation
import Ledger
import Testing

/// A day's write commits without copying its pages into the database file; a passive checkpoint
/// copies them after it (the job runs it on another thread); an ordinary large write still
/// checkpoints at its commit.
@Suite("Ledger: the day's checkpoint after the commit, in the background")
struct DeferredCheckpointTests {
    static func size(_ path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.intValue ?? 0
    }

    /// Enough payments for well over SQLite's 1 000-page automatic checkpoint (~3 000 pages).
    static func payments(_ range: Range<Int>) -> [Payment] {
        range.map { Fixture.payment(id: "p\($0)", amount: Int64($0 + 1)) }
    }

    @Test("the commit leaves the pages in the log; a passive checkpoint copies them; an ordinary write checkpoints as usual")
    func deferred() throws {
        let temporary = try TemporaryLedger()
        defer { temporary.remove() }
        let ledger = temporary.ledger
        let day = Fixture.date("2026-03-04")
        let before = Self.size(temporary.path)
        try ledger.writeWithoutAutomaticCheckpoint { tx in
            for payment in Self.payments(0..<40_000) { _ = try tx.upsertPayment(payment, businessDate: day) }
        }
        #expect(Self.size(temporary.path + "-wal") > 10_000_000)
        #expect(Self.size(temporary.path) < before + 1_000_000, "the database file took the day at its commit")

        try ledger.checkpoint(waitingForReaders: false)
        #expect(Self.size(temporary.path) > before + 8_000_000, "the checkpoint did not copy the day")
        #expect(try ledger.tableCounts()["payments"] == 40_000)

        // The automatic checkpoint is back: an ordinary large write lands in the file at its commit.
        let afterFirst = Self.size(temporary.path)
        try ledger.write { tx in
            for payment in Self.payments(40_000..<80_000) { _ = try tx.upsertPayment(payment, businessDate: day) }
        }
        #expect(Self.size(temporary.path) > afterFirst + 8_000_000, "no checkpoint at an ordinary commit")
    }
}
