import Domain
import Foundation
import GRDB
@testable import Ledger
import Testing

/// The outputs' reader of a day's documents (columns by position through SQLite's C API) against
/// the records `documentVersions` decodes through GRDB's rows.
@Suite("Ledger: the day's placed documents read by position")
struct PlacedDocumentsTests {
    @Test("every version as documentVersions reads it, its XML bytes, stored hash and picked details")
    func sameAsRows() throws {
        try withLedger { ledger in
            let day = Fixture.date("2026-03-03")
            // Details: numbers, booleans, text with escapes and Cyrillic, null, a missing path, invalid JSON.
            let details: [Data?] = [
                Data(#"{"buyerName":"ООО «Ёлка» \"A\"","paperOnly":true,"printForm":"<p>1\n2</p>","printFormName":"a.html"}"#.utf8),
                Data(#"{"buyerName":null,"paperOnly":false,"weight":1.5}"#.utf8),
                Data("not json {".utf8),
                nil,
            ]
            var written: [DocumentRecord] = []
            try ledger.write { tx in
                for index in 1...4 {
                    let number = try tx.number(for: "UPD:SH-\(index)", date: day, series: "7701000010").number
                    var record = Fixture.document(identity: "UPD:SH-\(index)", number: number, date: "2026-03-03",
                                                  bytes: "<Файл Ид=\"\(index)\"/>" + String(repeating: "я", count: index * 3_000),
                                                  shipmentID: index == 2 ? nil : "SH-\(index)")
                    record.details = details[index - 1]
                    _ = try tx.recordDocument(record)
                    written.append(record)
                }
                var held = Fixture.document(identity: "UKD:R-1", number: nil, date: "2026-03-03", status: .held)
                held.details = details[0]
                _ = try tx.recordDocument(held)
                written.append(held)
                // Another day's document is not read.
                let other = try tx.number(for: "UPD:SH-9", date: Fixture.date("2026-03-04"), series: "7701000010").number
                _ = try tx.recordDocument(Fixture.document(identity: "UPD:SH-9", number: other, date: "2026-03-04",
                                                           businessDate: "2026-03-04"))
            }
            let paths = ["$.paperOnly", "$.printForm", "$.printFormName", "$.buyerName", "$.weight", "$.missing"]
            let (placed, versions, hashes) = try ledger.read { reader -> ([LedgerReader.PlacedDocument], [DocumentRecord], [String?]) in
                var placed: [LedgerReader.PlacedDocument] = []
                try reader.forEachPlacedDocumentBatch(businessDate: day, detailPaths: paths, batchSize: 2) { placed += $0 }
                let versions = try ["ORD-1"].flatMap { try reader.documentVersions(order: OrderID($0)) }
                let hashes = try String?.fetchAll(reader.db, sql: "SELECT content_sha256 FROM documents WHERE business_date = ? ORDER BY id",
                                                  arguments: [day.iso])
                return (placed, versions.filter { $0.businessDate == day }, hashes)
            }
            #expect(placed.count == 5)
            #expect(placed.map(\.record.identity) == written.map(\.identity))
            for (read, version) in zip(placed, versions) {
                var expected = version
                expected.xml = nil
                expected.details = nil
                #expect(read.record == expected)
                #expect(read.xml.map { Data($0) } == version.xml)
            }
            #expect(placed.map(\.contentSHA256) == hashes)
            #expect(placed[0].detailValues == ["1", "<p>1\n2</p>", "a.html", "ООО «Ёлка» \"A\"", nil, nil])
            #expect(placed[1].detailValues == ["0", nil, nil, nil, "1.5", nil])
            #expect(placed[2].detailValues == [nil, nil, nil, nil, nil, nil])
            #expect(placed[3].detailValues == [nil, nil, nil, nil, nil, nil])
            #expect(placed[4].xml == nil)
            #expect(placed[4].record.status == .held)
        }
    }

    @Test("a kind or date that does not read is a corrupt value, named, not a crash")
    func corruptValues() throws {
        try withLedger { ledger in
            let day = Fixture.date("2026-03-03")
            try ledger.write { tx in
                let number = try tx.number(for: "UPD:SH-1", date: day, series: "7701000010").number
                _ = try tx.recordDocument(Fixture.document(identity: "UPD:SH-1", number: number, date: "2026-03-03"))
            }
            for (column, value) in [("kind", "NOT-A-KIND"), ("date", "03.03.2026")] {
                try ledger.write { tx in
                    try tx.db.execute(sql: "UPDATE documents SET \(column) = ?", arguments: [value])
                }
                #expect {
                    try ledger.read { reader in
                        try reader.forEachPlacedDocumentBatch(businessDate: day, detailPaths: []) { _ in }
                    }
                } throws: { error in
                    "\(error)".contains("read documents") && "\(error)".contains(column)
                }
                try ledger.write { tx in
                    try tx.db.execute(sql: "UPDATE documents SET \(column) = ?", arguments: [column == "kind" ? "UPD" : "2026-03-03"])
                }
            }
        }
    }
}
