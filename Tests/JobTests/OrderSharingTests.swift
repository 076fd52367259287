import Domain
import Foundation
import Generator
import Ingest
import Testing
import TestSupport

/// A day's orders hold each repeated part once: a customer's requisites in each of its orders, a
/// warehouse in each shipment, a product's name in each line share one copy after reading the feed.
@Suite("Orders feed: repeated parts shared")
struct OrderSharingTests {
    /// The address of a string's UTF-8 storage (`nil` for a small string kept inline).
    static func storage(_ string: String) -> UnsafeRawPointer? {
        string.utf8.withContiguousStorageIfAvailable { UnsafeRawPointer($0.baseAddress) } ?? nil
    }

    @Test("orders of one customer share its requisites; shipments share warehouses; lines share names; nothing changes")
    func repeatedPartsShareStorage() throws {
        let day = CivilDate(iso: "2026-11-27")!
        let folder = try Paths.temporaryDirectory("sverka-sharing")
        defer { try? FileManager.default.removeItem(at: folder) }
        _ = try Generator.write(GeneratorSettings(firstDay: day, ordersPerDay: 400, seed: 3), to: folder)
        let feed = folder.appendingPathComponent("days/\(day.iso)/orders.json")
        let reading = try OrdersFeed.read([UInt8](try Data(contentsOf: feed)), day: day)
        // The same orders as written (values unchanged by sharing).
        let written = Generator.orders(day: day, count: 400, seed: 3)
        let read = Dictionary(reading.orders.map { ($0.order.id, $0.order) }, uniquingKeysWith: { a, _ in a })
        #expect(written.filter { read[$0.id] != nil }.allSatisfy { read[$0.id] == $0 })

        var customers: [Party: UnsafeRawPointer?] = [:]
        var warehouses: [Warehouse: UnsafeRawPointer?] = [:]
        var names: [String: UnsafeRawPointer?] = [:]
        var repeats = (customers: 0, warehouses: 0, names: 0)
        for order in reading.orders.map(\.order) {
            if let first = customers[order.customer] {
                repeats.customers += 1
                #expect(first == Self.storage(order.customer.name) && first != nil, "\(order.id)")
            } else {
                customers[order.customer] = Self.storage(order.customer.name)
            }
            for shipment in order.shipments {
                if let first = warehouses[shipment.warehouse] {
                    repeats.warehouses += 1
                    #expect(first == Self.storage(shipment.warehouse.address.text), "\(shipment.id)")
                } else {
                    warehouses[shipment.warehouse] = Self.storage(shipment.warehouse.address.text)
                }
            }
            for line in order.lines where line.name.utf8.count > 15 {
                if let first = names[line.name] {
                    repeats.names += 1
                    #expect(first == Self.storage(line.name))
                } else {
                    names[line.name] = Self.storage(line.name)
                }
            }
        }
        #expect(repeats.customers > 50 && repeats.warehouses > 100 && repeats.names > 100, "\(repeats)")
    }
}
