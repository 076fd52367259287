import Domain
import Foundation
import Generator
import GRDB
import Ledger
import Testing

/// The stored form the ledger wrote before ``SortedJSONEncoder``: `JSONEncoder` with these options.
private func foundationJSON<T: Encodable>(_ value: T) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    return String(decoding: try encoder.encode(value), as: UTF8.self)
}

@Suite("Stored JSON: the same bytes JSONEncoder wrote")
struct StoredJSONTests {
    static let day = CivilDate(iso: "2026-11-27").unsafelyUnwrapped

    @Test("generated orders, customers, warehouses and ВСД lists encode to JSONEncoder's bytes and decode back", arguments: [
        UInt64(1), 7, 2026,
    ])
    func generatedOrders(seed: UInt64) throws {
        let encoder = SortedJSONEncoder(escapesSlashes: false)
        let orders = Generator.orders(day: Self.day, count: 1500, seed: seed)
        #expect(orders.count == 1500)
        var compared = 0
        for order in orders {
            let text = try encoder.encodeString(order)
            #expect(text == (try foundationJSON(order)), "order \(order.id)")
            #expect(try JSONDecoder().decode(Order.self, from: Data(text.utf8)) == order)
            #expect(try encoder.encodeString(order.customer) == (try foundationJSON(order.customer)))
            if let consignee = order.consignee {
                #expect(try encoder.encodeString(consignee) == (try foundationJSON(consignee)))
            }
            for shipment in order.shipments {
                #expect(try encoder.encodeString(shipment.warehouse) == (try foundationJSON(shipment.warehouse)))
                for line in shipment.lines {
                    #expect(try encoder.encodeString(line.vsd) == (try foundationJSON(line.vsd)))
                }
            }
            compared += 1
        }
        #expect(compared == orders.count)
    }

    @Test("what the ledger stores for generated orders is JSONEncoder's bytes, and the order hash is theirs")
    func storedColumns() throws {
        let temporary = try TemporaryLedger("stored-json")
        defer { temporary.remove() }
        let orders = Generator.orders(day: Self.day, count: 400, seed: 99)
        try temporary.ledger.write { tx in
            for order in orders { _ = try tx.upsertOrder(order, businessDate: Self.day) }
        }
        var parties: [String: Set<String>] = [:]
        var warehouses: [String: String] = [:]
        var vsd: [String: String] = [:]
        for order in orders {
            parties[order.customer.inn.value, default: []].insert(try foundationJSON(order.customer))
            for shipment in order.shipments {
                warehouses[shipment.id.rawValue] = try foundationJSON(shipment.warehouse)
                for line in shipment.lines { vsd["\(shipment.id.rawValue)#\(line.lineNo)"] = try foundationJSON(line.vsd) }
            }
        }
        let queue = try DatabaseQueue(path: temporary.path)
        try queue.read { db in
            var rows = 0
            for order in orders {
                let row = try #require(try Row.fetchOne(db, sql: "SELECT content, content_sha256 FROM orders WHERE id = ?",
                                                        arguments: [order.id.rawValue]))
                let expected = try foundationJSON(order)
                #expect(row["content"] as String == expected)
                #expect(row["content_sha256"] as String == SHA256.hex(Array(expected.utf8)))
                rows += 1
            }
            #expect(rows == orders.count)
            for row in try Row.fetchAll(db, sql: "SELECT inn, party FROM customers") {
                #expect(parties[row["inn"] as String]?.contains(row["party"] as String) == true, "customer \(row["inn"] as String)")
            }
            let shipmentRows = try Row.fetchAll(db, sql: "SELECT id, warehouse FROM shipments")
            #expect(shipmentRows.count == warehouses.count)
            for row in shipmentRows {
                #expect(warehouses[row["id"] as String] == row["warehouse"] as String)
            }
            let lineRows = try Row.fetchAll(db, sql: "SELECT shipment_id, line_no, vsd FROM shipment_lines")
            #expect(lineRows.count == vsd.count)
            for row in lineRows {
                #expect(vsd["\(row["shipment_id"] as String)#\(row["line_no"] as Int)"] == row["vsd"] as String)
            }
        }
    }
}
