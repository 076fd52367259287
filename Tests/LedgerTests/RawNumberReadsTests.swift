import Domain
import Foundation
import GRDB
import Testing

@testable import Ledger

/// The numbering reads the day's writing thread makes once or twice per document, stepped through
/// SQLite directly (columns by position, statements prepared once): the same answers as GRDB's rows.
@Suite("Ledger: the numbering reads stepped directly")
struct RawNumberReadsTests {
    static let seriesA = "7701000010"

    /// A `document_numbers` row as GRDB reads it (every column by name): the reference.
    static func number(from row: Row) throws -> AssignedNumber {
        AssignedNumber(series: row["series"], year: row["year"], number: row["number"],
                       date: try #require(CivilDate(iso: row["date"])), identity: row["identity"])
    }
    static let seriesB = "ЭЛ-"

    @Test("assigned and last numbers are what the rows say, in every series and year, asked in any order")
    func sameAsRows() throws {
        try withLedger { ledger in
            let dates = ["2025-12-30", "2025-12-31", "2026-01-02", "2026-01-02", "2026-03-05", "2027-01-01"]
            try ledger.write { tx in
                for (index, date) in dates.enumerated() {
                    _ = try tx.number(for: "doc-\(index)", date: Fixture.date(date), series: Self.seriesA)
                    if index % 2 == 0 { _ = try tx.number(for: "doc-\(index)", date: Fixture.date(date), series: Self.seriesB) }
                }
            }
            try ledger.write { tx in
                let identities = dates.indices.map { "doc-\($0)" } + ["absent"]
                for series in [Self.seriesA, Self.seriesB, "other"] {
                    for identity in identities.reversed() + identities {
                        let expected = try Row.fetchOne(tx.db, sql: "SELECT * FROM document_numbers WHERE series = ? AND identity = ?",
                                                        arguments: [series, identity]).map(Self.number(from:))
                        #expect(try tx.assignedNumber(for: identity, series: series) == expected, "\(series) \(identity)")
                    }
                    for year in [2024, 2025, 2026, 2027] {
                        let expected = try Row.fetchOne(tx.db, sql: """
                            SELECT * FROM document_numbers WHERE series = ? AND year = ? ORDER BY number DESC LIMIT 1
                            """, arguments: [series, year]).map(Self.number(from:))
                        #expect(try tx.lastNumber(series: series, year: year) == expected, "\(series) \(year)")
                    }
                }
                #expect(try tx.lastNumber(series: Self.seriesA, year: 2026)?.number == 3)
                #expect(try tx.lastNumber(series: Self.seriesA, year: 2026)?.identity == "doc-4")
                #expect(try tx.assignedNumber(for: "doc-5", series: Self.seriesA)?.year == 2027)
                // A statement left after its first row does not hold the connection: it writes on.
                _ = try tx.number(for: "doc-late", date: Fixture.date("2027-01-02"), series: Self.seriesA)
                #expect(try tx.lastNumber(series: Self.seriesA, year: 2027)?.identity == "doc-late")
            }
        }
    }

    @Test("a document version is found recorded whether issued or held, and not when absent")
    func hasDocument() throws {
        try withLedger { ledger in
            try ledger.write { tx in
                let number = try tx.number(for: "UPD|shipment:SH-1", date: Fixture.date("2026-03-03"), series: Self.seriesA)
                _ = try tx.recordDocument(Fixture.document(identity: "UPD|shipment:SH-1", number: number.number, date: "2026-03-03"))
                _ = try tx.recordDocument(Fixture.document(identity: "UPD|shipment:SH-2", number: nil, date: "2026-03-03",
                                                           status: .held, shipmentID: "SH-2"))
                #expect(try tx.hasDocument(identity: "UPD|shipment:SH-1", correctionNumber: 0))
                #expect(try !tx.hasDocument(identity: "UPD|shipment:SH-1", correctionNumber: 1))
                #expect(try tx.hasDocument(identity: "UPD|shipment:SH-2", correctionNumber: 0))
                #expect(try !tx.hasDocument(identity: "UPD|shipment:SH-3", correctionNumber: 0))
                // Recording the same version again is seen as the same (found, compared, unchanged).
                #expect(try tx.recordDocument(Fixture.document(identity: "UPD|shipment:SH-1", number: number.number,
                                                               date: "2026-03-03")) == .unchanged)
            }
        }
    }
}
