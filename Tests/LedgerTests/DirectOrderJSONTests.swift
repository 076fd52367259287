import Domain
import Foundation
import Generator
@testable import Ledger
import Testing

/// The ledger's forms of an order (``PreparedOrder``), now written directly, against the Codable
/// path they replaced (`encodeJSON`: ``SortedJSONEncoder`` without escaped slashes), for generated days.
@Suite("Direct order JSON: the ledger's stored forms are the Codable path's bytes")
struct DirectOrderJSONTests {
    static let day = CivilDate(iso: "2026-11-27").unsafelyUnwrapped

    @Test("generated orders: content, hash, customer, warehouses and ВСД lists equal encodeJSON's", arguments: [
        UInt64(3), 11, 404, 31_337,
    ])
    func generatedOrders(seed: UInt64) throws {
        let orders = Generator.orders(day: Self.day, count: 1000, seed: seed)
        #expect(orders.count == 1000)
        let foundation = JSONEncoder()
        foundation.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var shipments = 0
        var vsdLists = 0
        for (index, order) in orders.enumerated() {
            let prepared = try PreparedOrder(order)
            let expected = try encodeJSON(order)
            #expect(prepared.content == expected, "order \(order.id)")
            #expect(prepared.contentSHA256 == SHA256.hex(Array(expected.utf8)))
            #expect(prepared.partyJSON == (try encodeJSON(order.customer)))
            #expect(prepared.warehouseJSON == (try order.shipments.map { try encodeJSON($0.warehouse) }))
            #expect(prepared.vsdJSON == (try order.shipments.map { shipment in try shipment.lines.map { try encodeJSON($0.vsd) } }))
            // The escaping mode the details use too, and Foundation's bytes for a sample.
            #expect(order.jsonBytes(escapesSlashes: true) == (try SortedJSONEncoder().encode(order)))
            if index % 20 == 0 {
                #expect(Array(prepared.content.utf8) == Array(try foundation.encode(order)))
            }
            shipments += order.shipments.count
            vsdLists += order.shipments.reduce(0) { $0 + $1.lines.count }
        }
        #expect(shipments > 0)
        #expect(vsdLists > 0)
    }
}
