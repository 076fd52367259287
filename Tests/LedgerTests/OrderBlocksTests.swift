import Domain
import Foundation
import Generator
import GRDB
import Ledger
import Testing

/// `upsertOrders` (a block at a time) against `upsertOrder` (one by one): the same orders into two
/// ledgers must leave every table's rows (rowids included) equal, return equal results and throw the
/// same error for the same order.
@Suite("Ledger: orders upserted a block at a time")
struct OrderBlocksTests {
    /// One business day's orders.
    struct Day {
        var date: CivilDate
        var orders: [Order]
    }

    /// What upserting some days left: every table's rows, each order's result, the first error.
    struct Outcome {
        var rows: [String: [[DatabaseValue]]]
        var results: [OrderUpsert]
        var error: String?
    }

    /// Upserts `days` into a fresh ledger, one write per day, one by one (`block == nil`) or in blocks of
    /// `block` orders. Stops at the first error, keeping what was written before it.
    static func upsert(_ days: [Day], block: Int?,
                       before: (String) throws -> Void = { _ in }, beforeDay: Int = .max) throws -> Outcome {
        let temporary = try TemporaryLedger("order-blocks")
        defer { temporary.remove() }
        var results: [OrderUpsert] = []
        var failure: String?
        for (index, day) in days.enumerated() where failure == nil {
            if index == beforeDay { try before(temporary.path) }
            let prepared = try day.orders.map { try PreparedOrder($0) }
            try temporary.ledger.write { tx in
                do {
                    if let block {
                        for start in stride(from: 0, to: prepared.count, by: block) {
                            let chunk = Array(prepared[start..<min(prepared.count, start + block)])
                            results += try tx.upsertOrders(chunk, businessDate: day.date)
                        }
                    } else {
                        for item in prepared { results.append(try tx.upsertOrder(item, businessDate: day.date)) }
                    }
                } catch {
                    failure = String(describing: error)
                }
            }
        }
        return Outcome(rows: try rows(temporary.path), results: results, error: failure)
    }

    /// Every row of every table with its rowid, by table (`sqlite_sequence` included).
    static func rows(_ path: String) throws -> [String: [[DatabaseValue]]] {
        let queue = try DatabaseQueue(path: path)
        return try queue.read { db in
            let tables = try String.fetchAll(db, sql: """
                SELECT name FROM sqlite_master WHERE type = 'table' AND (name NOT LIKE 'sqlite_%' OR name = 'sqlite_sequence')
                """)
            var rows: [String: [[DatabaseValue]]] = [:]
            for table in tables {
                rows[table] = try Row.fetchAll(db, sql: "SELECT rowid AS row_id, * FROM \(table) ORDER BY rowid")
                    .map { Array($0.databaseValues) }
            }
            return rows
        }
    }

    /// Checks the block path against the one-by-one path for each block size.
    static func expectSame(_ days: [Day], blocks: [Int] = [1, 5, 64, 1_024], expectError: Bool,
                           before: (String) throws -> Void = { _ in }, beforeDay: Int = .max,
                           sourceLocation: SourceLocation = #_sourceLocation) throws {
        let reference = try upsert(days, block: nil, before: before, beforeDay: beforeDay)
        #expect((reference.error != nil) == expectError, "one by one: \(reference.error ?? "no error")",
                sourceLocation: sourceLocation)
        #expect(reference.rows["orders"]?.isEmpty == false, sourceLocation: sourceLocation)
        for block in blocks {
            let batched = try upsert(days, block: block, before: before, beforeDay: beforeDay)
            #expect(batched.error == reference.error, "block \(block)", sourceLocation: sourceLocation)
            // (A block that throws returns no results: after an error, those of the blocks before it.)
            if reference.error == nil {
                #expect(batched.results == reference.results, "block \(block)", sourceLocation: sourceLocation)
            } else {
                #expect(reference.results.starts(with: batched.results), "block \(block)", sourceLocation: sourceLocation)
            }
            #expect(batched.rows.keys.sorted() == reference.rows.keys.sorted(), sourceLocation: sourceLocation)
            for (table, rows) in reference.rows.sorted(by: { $0.key < $1.key }) {
                let other = batched.rows[table] ?? []
                #expect(other.count == rows.count, "block \(block), \(table): \(other.count) rows, not \(rows.count)",
                        sourceLocation: sourceLocation)
                if let index = zip(other, rows).enumerated().first(where: { $0.element.0 != $0.element.1 })?.offset {
                    Issue.record("block \(block), \(table) row \(index): \(other[index]) is not \(rows[index])",
                                 sourceLocation: sourceLocation)
                }
            }
        }
    }

    /// `order` under new keys (id, bill, shipments, returns), so it is a new order conflicting with nothing.
    static func renamed(_ order: Order, _ tag: String) -> Order {
        var copy = order
        copy.id = OrderID("\(order.id.rawValue)-\(tag)")
        copy.bill.number = BillNumber("\(order.bill.number.rawValue)-\(tag)")
        copy.shipments = order.shipments.map { shipment in
            var shipment = shipment
            shipment.id = ShipmentID("\(shipment.id.rawValue)-\(tag)")
            return shipment
        }
        copy.returns = order.returns.map { item in
            var item = item
            item.id = ReturnID("\(item.id.rawValue)-\(tag)")
            item.shipmentID = ShipmentID("\(item.shipmentID.rawValue)-\(tag)")
            return item
        }
        return copy
    }

    /// Consecutive generated days (reissued orders with returns on later days).
    static func generatedDays(seed: UInt64, count: Int, days: Int) -> [Day] {
        var simulation = Simulation(GeneratorSettings(firstDay: Fixture.date("2026-03-02"), ordersPerDay: count,
                                                      seed: seed, days: days))
        return (0..<days).map { _ in
            let date = simulation.nextDate
            var orders: [Order] = []
            _ = simulation.nextDay { orders.append($0) }
            return Day(date: date, orders: orders)
        }
    }

    /// Some of `orders` with their customers' requisites changed (newer and older than the stored ones),
    /// some with other content, plus new orders for new and known customers.
    static func changed(_ orders: [Order], tag: String) -> [Order] {
        var result: [Order] = []
        for (index, order) in orders.enumerated() {
            var order = order
            switch index % 9 {
            case 1:
                order.customer.name += " (\(tag))"
                order.createdAt = Timestamp(epochSeconds: order.createdAt.epochSeconds + 86_400)
            case 2:
                order.customer.kpp = order.customer.kpp.map { _ in "77\(index % 10)001001" }
                order.createdAt = Timestamp(epochSeconds: order.createdAt.epochSeconds - 86_400 * 30)
            case 4:
                order.status = .cancelled
            case 5:
                order.customer.edoID = "2BM-\(tag)-\(index)"
                order.customer.bank = nil
            case 7:
                // Empty text is stored as empty text, not NULL.
                order.number = ""
                order.customer.email = ""
            default:
                break
            }
            result.append(order)
            if index % 4 == 0 {
                var new = renamed(order, tag)
                if index % 8 == 0 {
                    new.customer.inn = (try? INN(Fixture.inn(String(format: "77%07d", 1_000 + index)))) ?? order.customer.inn
                    new.customer.name = "ООО «Новый \(index)»"
                }
                result.append(new)
            }
        }
        return result
    }

    @Test("generated days, reruns and later changes: same rows, results and customer changes", arguments: [1, 7, 42] as [UInt64])
    func generatedDaysAndReruns(seed: UInt64) throws {
        let days = Self.generatedDays(seed: seed, count: 90, days: 3)
        let later = Day(date: days[2].date.adding(days: 1), orders: Self.changed(days[0].orders + days[1].orders, tag: "L"))
        let sequence = [days[0], days[0], days[1], days[2], days[1], later,
                        Day(date: later.date, orders: Self.changed(later.orders, tag: "M"))]
        try Self.expectSame(sequence, expectError: false)
        // The scenario exercises what it claims to.
        let reference = try Self.upsert(sequence, block: nil)
        #expect(reference.results.contains { $0.outcome == .inserted && !$0.customerChanges.isEmpty })
        #expect(reference.results.contains { $0.outcome == .updated && !$0.customerChanges.isEmpty })
        #expect(reference.results.contains { $0.outcome == .updated })
        #expect(Set(reference.results.map(\.outcome)).count == 3)
    }

    @Test("a block's duplicate orders: the same order twice, and a changed one after it")
    func duplicatesInBlock() throws {
        let orders = Self.generatedDays(seed: 3, count: 40, days: 1)[0].orders
        var changedCopy = orders[7]
        changedCopy.status = .cancelled
        changedCopy.customer.name += " (изм.)"
        let day = Day(date: Fixture.date("2026-03-02"),
                      orders: Array(orders[0..<10]) + [orders[3], changedCopy, orders[7]] + Array(orders[10...]))
        try Self.expectSame([day], expectError: false)
    }

    /// The conflicts the one-by-one upsert refuses, each in its own run: day one stores `orders`, day two
    /// brings `fresh` new orders with the conflicting one after the first nine of them.
    static func conflicts(_ orders: [Order], fresh: [Order]) -> [(name: String, order: Order)] {
        let withShipments = orders.filter { !$0.shipments.isEmpty }
        let earlier = fresh[0..<9]
        var takenBill = renamed(orders[20], "A")
        takenBill.bill.number = orders[3].bill.number
        var blockBill = renamed(orders[21], "B")
        blockBill.bill.number = fresh[5].bill.number
        var storedShipment = renamed(withShipments[0], "C")
        storedShipment.shipments[0].id = withShipments[withShipments.count - 1].shipments[0].id
        var blockShipment = renamed(withShipments[1], "D")
        blockShipment.shipments[0].id = earlier.last { !$0.shipments.isEmpty }?.shipments[0].id ?? ShipmentID("none")
        var twiceShipment = renamed(withShipments[2], "E")
        twiceShipment.shipments.append(twiceShipment.shipments[0])
        var repeatedLine = renamed(orders.first { $0.shipments.contains { $0.lines.count > 1 } } ?? orders[0], "F")
        if let index = repeatedLine.shipments.firstIndex(where: { $0.lines.count > 1 }) {
            repeatedLine.shipments[index].lines[1].lineNo = repeatedLine.shipments[index].lines[0].lineNo
        }
        var storedReturn = renamed(withShipments[3], "G")
        if let taken = orders.first(where: { !$0.returns.isEmpty })?.returns[0] {
            var item = taken
            item.shipmentID = storedReturn.shipments[0].id
            storedReturn.returns.append(item)
        }
        return [("a bill number of a stored order", takenBill),
                ("a bill number of an earlier order in the block", blockBill),
                ("a shipment id of a stored order", storedShipment),
                ("a shipment id of an earlier order in the block", blockShipment),
                ("a shipment id twice in one order", twiceShipment),
                ("a line number twice in one shipment", repeatedLine),
                ("a return id of a stored order", storedReturn)]
    }

    @Test("conflicts: the same error for the same order, the same rows written before it")
    func conflicts() throws {
        let orders = Self.generatedDays(seed: 11, count: 60, days: 1)[0].orders
        #expect(orders.contains { !$0.returns.isEmpty })
        #expect(orders.filter { !$0.shipments.isEmpty }.count > 4)
        let fresh = (0..<12).map { Self.renamed(orders[$0], "N") }
        for (name, conflicting) in Self.conflicts(orders, fresh: fresh) {
            let secondDay = Day(date: Fixture.date("2026-03-03"),
                                orders: Array(fresh[0..<9]) + [conflicting] + Array(fresh[9...]))
            let days = [Day(date: Fixture.date("2026-03-02"), orders: orders), secondDay]
            try Self.expectSame(days, expectError: true)
            let reference = try Self.upsert(days, block: nil)
            #expect(reference.error?.contains("order \(conflicting.id)") == true, "\(name): \(reference.error ?? "none")")
        }
    }

    @Test("a stored customer whose requisites do not decode: the same error from the same order")
    func corruptStoredCustomer() throws {
        let orders = Self.generatedDays(seed: 13, count: 30, days: 1)[0].orders
        var newer = Self.renamed(orders[4], "N")
        newer.customer.name += " (изм.)"
        newer.createdAt = Timestamp(epochSeconds: newer.createdAt.epochSeconds + 86_400)
        let fresh = (5..<15).map { Self.renamed(orders[$0], "N") }
        let days = [Day(date: Fixture.date("2026-03-02"), orders: orders),
                    Day(date: Fixture.date("2026-03-03"), orders: fresh + [newer] + fresh.map { Self.renamed($0, "M") })]
        let inn = newer.customer.inn.value
        try Self.expectSame(days, expectError: true, before: { path in
            let queue = try DatabaseQueue(path: path)
            try queue.write { db in
                try db.execute(sql: "UPDATE customers SET party = '{' WHERE inn = ?", arguments: [inn])
            }
        }, beforeDay: 1)
    }

    @Test("an empty block, a new order, the same order on a later day")
    func smallBlocks() throws {
        try withLedger { ledger in
            let order = Self.generatedDays(seed: 2, count: 1, days: 1)[0].orders[0]
            let results = try ledger.write { tx in
                (try tx.upsertOrders([], businessDate: Fixture.date("2026-03-02")),
                 try tx.upsertOrders([PreparedOrder(order)], businessDate: Fixture.date("2026-03-02")),
                 try tx.upsertOrders([PreparedOrder(order)], businessDate: Fixture.date("2026-03-03")))
            }
            #expect(results.0.isEmpty)
            #expect(results.1.map(\.outcome) == [.inserted])
            #expect(results.2.map(\.outcome) == [.unchanged])
            #expect(try ledger.read { try $0.order(order.id)?.lastSeen } == Fixture.date("2026-03-03"))
        }
    }
}
