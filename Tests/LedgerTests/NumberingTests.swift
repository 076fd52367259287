import Domain
import Foundation
import Ledger
import Testing

@Suite("Ledger: document numbers and documents")
struct NumberingTests {
    let series = "7701000010"

    @Test("a rerun reuses the number of the same identity")
    func reuseAcrossReruns() throws {
        let temporary = try TemporaryLedger()
        defer { temporary.remove() }
        let first = try temporary.ledger.write { tx throws in
            try tx.number(for: "UPD|shipment:SH-1", date: Fixture.date("2026-03-03"), series: series)
        }
        #expect(first.number == 1)
        #expect(first.documentNumber == DocumentNumber("1"))
        // Another process opening the same file (a rerun) gets the same number, with its first date.
        let reopened = try Ledger(path: temporary.path)
        let again = try reopened.write { tx throws in
            try tx.number(for: "UPD|shipment:SH-1", date: Fixture.date("2026-03-04"), series: series)
        }
        #expect(again == first)
        #expect(again.date == Fixture.date("2026-03-03"))
        #expect(try temporary.ledger.tableCounts()["document_numbers"] == 1)
    }

    @Test("numbers increase with the date, without gaps or duplicates")
    func strictlyIncreasingNoGaps() throws {
        try withLedger { ledger in
            let dates = ["2026-03-02", "2026-03-02", "2026-03-03", "2026-03-05", "2026-03-05", "2026-03-09"]
            let numbers = try ledger.write { tx throws in
                try dates.enumerated().map { index, date in
                    try tx.number(for: "doc-\(index)", date: Fixture.date(date), series: series).number
                }
            }
            #expect(numbers == Array(1...dates.count))
            try ledger.read { reader throws in
                let last = try #require(try reader.lastNumber(series: series, year: 2026))
                #expect(last.number == dates.count)
                #expect(last.date == Fixture.date("2026-03-09"))
                #expect(try reader.assignedNumber(for: "doc-2", series: series)?.number == 3)
            }
        }
    }

    @Test("a new document dated before the last number is rejected")
    func outOfOrderDateRejected() throws {
        try withLedger { ledger in
            try ledger.write { tx throws in
                _ = try tx.number(for: "doc-1", date: Fixture.date("2026-03-05"), series: series)
                _ = try tx.number(for: "doc-2", date: Fixture.date("2026-03-06"), series: series)
            }
            let error = try #require(throws: NumberingError.self) {
                try ledger.write { tx in try tx.number(for: "doc-late", date: Fixture.date("2026-03-04"), series: series) }
            }
            #expect(error.lastNumber == 2)
            #expect(error.description.contains("dated 04.03.2026 cannot take a number after №2 dated 06.03.2026"))
            // The rejected document consumed nothing: the next valid one takes 3.
            let next = try ledger.write { tx in try tx.number(for: "doc-3", date: Fixture.date("2026-03-06"), series: series) }
            #expect(next.number == 3)
        }
    }

    @Test("a new year starts again at 1, and series are independent")
    func yearBoundaryAndSeries() throws {
        try withLedger { ledger in
            let result = try ledger.write { tx throws in
                [try tx.number(for: "a", date: Fixture.date("2025-12-30"), series: series).number,
                 try tx.number(for: "b", date: Fixture.date("2025-12-31"), series: series).number,
                 try tx.number(for: "c", date: Fixture.date("2026-01-01"), series: series).number,
                 try tx.number(for: "d", date: Fixture.date("2026-01-02"), series: series).number,
                 try tx.number(for: "x", date: Fixture.date("2025-12-31"), series: "OTHER").number,
                 try tx.number(for: "y", date: Fixture.date("2026-01-01"), series: "OTHER").number,
                 try tx.number(for: "z", date: Fixture.date("2026-01-05"), series: "OTHER").number]
            }
            #expect(result == [1, 2, 1, 2, 1, 1, 2])
            // The last number of 2025 is not blocked by 2026's dates (separate sequences).
            let late2025 = try ledger.write { tx in try tx.number(for: "e", date: Fixture.date("2025-12-31"), series: series) }
            #expect(late2025.number == 3)
            #expect(late2025.year == 2025)
        }
    }

    @Test("issued documents: recorded once, bytes kept, reruns unchanged, other bytes refused")
    func issuedDocuments() throws {
        try withLedger { ledger in
            let date = Fixture.date("2026-03-03")
            let number = try ledger.write { tx in try tx.number(for: "UPD|shipment:SH-1", date: date, series: series) }
            let document = Fixture.document(identity: "UPD|shipment:SH-1", number: number.number, date: "2026-03-03")
            #expect(try ledger.write { try $0.recordDocument(document) } == .inserted)
            #expect(try ledger.write { try $0.recordDocument(document) } == .unchanged)

            let changed = Fixture.document(identity: "UPD|shipment:SH-1", number: number.number, date: "2026-03-03",
                                           bytes: "<Файл Другой/>")
            let refused = try #require(throws: LedgerError.self) { try ledger.write { try $0.recordDocument(changed) } }
            #expect(refused.reason.contains("issue a correction"))

            try ledger.read { reader throws in
                let stored = try #require(try reader.document(identity: "UPD|shipment:SH-1"))
                #expect(stored == document)
                #expect(stored.xml == Data("<Файл/>".utf8))
                #expect(stored.contentSHA256 == SHA256.hex(Array("<Файл/>".utf8)))
                #expect(try reader.documents(businessDate: Fixture.date("2026-03-03")) == [document])
                #expect(try reader.documents(order: OrderID("ORD-1")) == [document])
                #expect(try reader.documents(shipment: ShipmentID("SH-1")) == [document])
            }
        }
    }

    @Test("an issued document must carry the number given to it")
    func issuedNeedsAssignedNumber() throws {
        try withLedger { ledger in
            let forged = Fixture.document(identity: "UPD|shipment:SH-9", number: 7, date: "2026-03-03")
            let error = try #require(throws: LedgerError.self) { try ledger.write { try $0.recordDocument(forged) } }
            #expect(error.reason.contains("was not given to this document"))
        }
    }

    @Test("a held document takes no number; once issued it takes the next one")
    func heldDocumentConsumesNoNumber() throws {
        try withLedger { ledger in
            let held = Fixture.document(identity: "UPD|shipment:SH-2", number: nil, date: "2026-03-03", status: .held)
            try ledger.write { tx throws in
                _ = try tx.recordDocument(held)
                let first = try tx.number(for: "UPD|shipment:SH-1", date: Fixture.date("2026-03-03"), series: series)
                _ = try tx.recordDocument(Fixture.document(identity: "UPD|shipment:SH-1", number: first.number,
                                                           date: "2026-03-03"))
            }
            try ledger.read { reader throws in
                #expect(try reader.lastNumber(series: series, year: 2026)?.number == 1)
                #expect(try reader.document(identity: "UPD|shipment:SH-2")?.status == .held)
                #expect(try reader.document(identity: "UPD|shipment:SH-2")?.holdReason == "ВСД missing")
            }
            // Next day the ВСД arrives: the held document is issued with the next number.
            let issued = try ledger.write { tx throws in
                let number = try tx.number(for: "UPD|shipment:SH-2", date: Fixture.date("2026-03-04"), series: series)
                let document = Fixture.document(identity: "UPD|shipment:SH-2", number: number.number, date: "2026-03-04",
                                                businessDate: "2026-03-04")
                #expect(try tx.recordDocument(document) == .updated)
                return document
            }
            #expect(issued.number == 2)
            try ledger.read { reader throws in
                #expect(try reader.document(identity: "UPD|shipment:SH-2") == issued)
            }
            // An issued document cannot go back to held.
            #expect(throws: LedgerError.self) { try ledger.write { try $0.recordDocument(held) } }
        }
    }

    @Test("a document held after taking its number gives it back; later numbers make that impossible")
    func heldAfterNumbering() throws {
        try withLedger { ledger in
            let date = Fixture.date("2026-03-03")
            try ledger.write { tx throws in
                _ = try tx.number(for: "UPD|shipment:SH-1", date: date, series: series)
                // The XML failed validation: the document is held instead.
                _ = try tx.recordDocument(Fixture.document(identity: "UPD|shipment:SH-1", number: nil,
                                                           date: "2026-03-03", status: .held))
                #expect(try tx.lastNumber(series: series, year: 2026) == nil)
                #expect(try tx.number(for: "UPD|shipment:SH-2", date: date, series: series).number == 1)
            }
            let error = try #require(throws: LedgerError.self) {
                try ledger.write { tx throws in
                    _ = try tx.number(for: "UPD|shipment:SH-3", date: date, series: series)
                    _ = try tx.number(for: "UPD|shipment:SH-4", date: date, series: series)
                    _ = try tx.recordDocument(Fixture.document(identity: "UPD|shipment:SH-3", number: nil,
                                                               date: "2026-03-03", status: .held))
                }
            }
            #expect(error.reason.contains("would leave a gap"))
        }
    }

    @Test("a correction keeps number and date; the original is marked corrected; latest version wins")
    func corrections() throws {
        try withLedger { ledger in
            let identity = "UPD|shipment:SH-1"
            try ledger.write { tx throws in
                let number = try tx.number(for: identity, date: Fixture.date("2026-03-03"), series: series)
                _ = try tx.recordDocument(Fixture.document(identity: identity, number: number.number, date: "2026-03-03"))
            }
            try ledger.write { tx throws in
                let number = try tx.number(for: identity, date: Fixture.date("2026-03-10"), series: series)
                #expect(number.number == 1)
                #expect(number.date == Fixture.date("2026-03-03"))
                _ = try tx.recordDocument(Fixture.document(identity: identity, number: number.number, date: "2026-03-03",
                                                           bytes: "<Файл Испр/>", correction: 1,
                                                           businessDate: "2026-03-10"))
                #expect(try tx.markCorrected(identity: identity, correctionNumber: 0) == .updated)
                #expect(try tx.markCorrected(identity: identity, correctionNumber: 0) == .unchanged)
            }
            try ledger.read { reader throws in
                #expect(try reader.document(identity: identity, correctionNumber: 0)?.status == .corrected)
                let latest = try #require(try reader.documents(shipment: ShipmentID("SH-1")).first)
                #expect(try reader.documents(shipment: ShipmentID("SH-1")).count == 1)
                #expect(latest.correctionNumber == 1)
                #expect(latest.kind == .updCorrection)
                #expect(latest.status == .issued)
                #expect(try reader.documents(businessDate: Fixture.date("2026-03-10")).map(\.correctionNumber) == [1])
            }
            // Re-recording the original after it was corrected changes nothing.
            #expect(try ledger.write { tx throws in
                try tx.recordDocument(Fixture.document(identity: identity, number: 1, date: "2026-03-03"))
            } == .unchanged)
        }
    }
}
