import Domain
import Foundation
@testable import Job
import Ledger
import Testing
import TestSupport

/// The numbers a window of documents will get are forecast before the window before it is recorded;
/// once windows are recorded the forecast forgets what it gave them (the ledger has their numbers),
/// so it holds a few windows' numbers, not a whole day's.
@Suite("Number forecast")
struct NumberForecastTests {
    static let day = CivilDate(iso: "2026-11-27")!

    static func key(_ identity: String, correction: Int = 0) -> BlockPlanning.Key {
        BlockPlanning.Key(date: day, identityKey: identity, correctionNumber: correction, orderID: OrderID("order-\(identity)"))
    }

    @Test("a window's corrections get their originals' numbers: from the windows still forecast, then from the ledger")
    func forgetsRecordedWindows() throws {
        let directory = try Paths.temporaryDirectory("number-forecast")
        defer { try? FileManager.default.removeItem(at: directory) }
        let ledger = try Ledger(path: directory.appendingPathComponent("ledger.sqlite").path)
        try ledger.write { tx in
            var forecast = NumberForecast(series: "S")
            // Window A: two new documents.
            #expect(try forecast.numbers(for: [Self.key("a1"), Self.key("a2")], held: [], tx) == [0: 1, 1: 2])
            // Window B, forecast before A is recorded: a correction of a2 (A's number), a new one after A's.
            #expect(try forecast.numbers(for: [Self.key("a2", correction: 1), Self.key("b1")], held: [], tx) == [0: 2, 1: 3])
            // A is recorded (B is not yet); the forecast forgets A's numbers and keeps B's.
            _ = try tx.number(for: "a1", date: Self.day, series: "S")
            _ = try tx.number(for: "a2", date: Self.day, series: "S")
            forecast.forgetRecorded()
            // Window C: corrections of a1 (its number now from the ledger) and of b1 (B's, still forecast).
            #expect(try forecast.numbers(for: [Self.key("a1", correction: 1), Self.key("b1", correction: 1), Self.key("c1")],
                                         held: [], tx) == [0: 1, 1: 3, 2: 4])
            // Once B and C are forgotten without being recorded, nothing gives b1 a number: its correction
            // has no original (held), while a1's still has the ledger's.
            forecast.forgetRecorded()
            forecast.forgetRecorded()
            _ = try forecast.numbers(for: [], held: [], tx)
            forecast.forgetRecorded()
            #expect(try forecast.numbers(for: [Self.key("a1", correction: 2), Self.key("b1", correction: 2)], held: [], tx)
                    == [0: 1])
        }
    }
}
