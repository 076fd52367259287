import Domain
import Foundation
import GRDB
import Ledger
import Testing

/// The lookups a day makes per shipment, payment and document, read by index (round 3 of the
/// performance work): what they return must not change.
@Suite("Ledger: per-item lookups")
struct LookupTests {
    @Test("a movement's history is the movement and its `@day` changes, never a movement whose id only starts the same")
    func movementHistoryByPrefix() throws {
        try withLedger { ledger in
            let day = Fixture.date("2026-03-04")
            let later = Fixture.date("2026-03-05")
            try ledger.write { tx in
                _ = try tx.recordMovements([
                    Fixture.movement(id: "shipment:SH-1", date: "2026-03-03", kind: .shipment, amount: 100_00),
                    Fixture.movement(id: "shipment:SH-10", date: "2026-03-03", kind: .shipment, amount: 7_00),
                    Fixture.movement(id: "shipment:SH-1A", date: "2026-03-03", kind: .shipment, amount: 8_00),
                    Fixture.movement(id: "shipment:SH", date: "2026-03-03", kind: .shipment, amount: 9_00),
                ], businessDate: day)
                _ = try tx.recordMovements([
                    Fixture.movement(id: "shipment:SH-1@2026-03-05", date: "2026-03-05", kind: .shipment, amount: -10_00),
                    Fixture.movement(id: "shipment:SH-10@2026-03-05", date: "2026-03-05", kind: .shipment, amount: -1_00),
                ], businessDate: later)
            }
            let history = try ledger.read { try $0.movementHistory(base: "shipment:SH-1") }
            #expect(history.map(\.movement.id) == ["shipment:SH-1", "shipment:SH-1@2026-03-05"])
            #expect(history.map(\.businessDate) == [day, later])
            #expect(history.map(\.movement.amount) == [Money(kopecks: 100_00), Money(kopecks: -10_00)])
            #expect(try ledger.read { try $0.movementHistory(base: "shipment:SH") }.map(\.movement.id) == ["shipment:SH"])
            #expect(try ledger.read { try $0.movementHistory(base: "shipment:SH-2") }.isEmpty)
        }
    }

    @Test("an order's document versions without their XML are the same records with the XML left out")
    func documentVersionsWithoutXML() throws {
        try withLedger { ledger in
            let day = Fixture.date("2026-03-03")
            let series = "7701000010"
            try ledger.write { tx in
                _ = try tx.upsertOrder(Fixture.order(id: "ORD-1", shipmentID: "SH-1"), businessDate: day)
                let number = try tx.number(for: "UPD:SH-1", date: day, series: series).number
                _ = try tx.recordDocument(Fixture.document(identity: "UPD:SH-1", number: number, date: "2026-03-03"))
                _ = try tx.recordDocument(Fixture.document(identity: "UKD:R-1", number: nil, date: "2026-03-03", status: .held))
            }
            let full = try ledger.read { try $0.documentVersions(order: OrderID("ORD-1")) }
            let light = try ledger.read { try $0.documentVersions(order: OrderID("ORD-1"), withXML: false) }
            #expect(full.count == 2)
            #expect(full.first?.xml != nil)
            #expect(light.allSatisfy { $0.xml == nil })
            #expect(light == full.map { record in
                var copy = record
                copy.xml = nil
                return copy
            })
        }
    }

    @Test("an order upserted from its prepared forms is stored exactly as from the order")
    func preparedOrder() throws {
        let day = Fixture.date("2026-03-04")
        let orders = [Fixture.order(id: "ORD-1", shipmentID: "SH-1"),
                      Fixture.order(id: "ORD-2", customer: Fixture.party(inn: Fixture.innB, name: "ИП Петров"))]
        let direct = try withLedger { ledger in
            try ledger.write { tx in for order in orders { _ = try tx.upsertOrder(order, businessDate: day) } }
            return (try ledger.tableCounts(), try ledger.contentDigest())
        }
        let prepared = try withLedger { ledger in
            let forms = try orders.map { try PreparedOrder($0) }
            #expect(forms.map(\.order) == orders)
            try ledger.write { tx in for form in forms { _ = try tx.upsertOrder(form, businessDate: day) } }
            return (try ledger.tableCounts(), try ledger.contentDigest())
        }
        #expect(direct.0 == prepared.0)
        #expect(direct.1 == prepared.1)
        #expect(direct.0["shipment_lines"] == 1)
    }

    @Test("the v3 migration indexes document numbers by identity")
    func identityIndex() throws {
        let version = try withLedger { ledger throws in try ledger.schemaVersion() }
        #expect(Ledger.migrationNames.firstIndex(of: "v3-lookup-indexes") == 2)
        #expect(version == Ledger.migrationNames.count)
        let indexes = try withLedger { ledger in
            try DatabaseQueue(path: ledger.path).read { db in
                try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'document_numbers'")
            }
        }
        #expect(indexes.contains("document_numbers_by_identity"))
    }
}
