import Domain
import Foundation
import GRDB
@testable import Ledger
import Testing

/// The reads of many keys at once give, per key, exactly what the one-key reads give.
@Suite("Ledger: batched reads")
struct BatchedReadsTests {
    static let day = Fixture.date("2026-03-04")
    static let later = Fixture.date("2026-03-05")
    static let series = "7701000010"

    /// Three orders (two customers), payments and allocations, documents with a correction and a
    /// hold, and movements whose ids start alike, over more keys than one query asks for.
    static func fill(_ ledger: Ledger) throws {
        try ledger.write { tx in
            _ = try tx.upsertOrder(Fixture.order(id: "ORD-1", shipmentID: "SH-1"), businessDate: day)
            _ = try tx.upsertOrder(Fixture.order(id: "ORD-2", customer: Fixture.party(inn: Fixture.innB, name: "ИП \"Петров\" / Ко"),
                                                 bill: "B-2", shipmentID: "SH-2"), businessDate: day)
            _ = try tx.upsertOrder(Fixture.order(id: "ORD-3", bill: "B-3", shipmentID: "SH-3"), businessDate: day)
            _ = try tx.upsertPayment(Fixture.payment(id: "P-1", amount: 30_000_00), businessDate: day)
            _ = try tx.upsertPayment(Fixture.payment(id: "P-2", amount: 5_00), businessDate: day)
            let one = try #require(try tx.order(OrderID("ORD-1"))).order
            let three = try #require(try tx.order(OrderID("ORD-3"))).order
            try tx.replaceAutomaticAllocations(forPayments: [PaymentID("P-1"), PaymentID("P-2")], with: [
                Allocation(paymentID: PaymentID("P-1"), orderID: one.id, billNumber: one.bill.number, amount: Money(kopecks: 3_00),
                           method: .reference),
                Allocation(paymentID: PaymentID("P-2"), orderID: one.id, billNumber: one.bill.number, amount: Money(kopecks: 2_00),
                           method: .reference),
                Allocation(paymentID: PaymentID("P-1"), orderID: three.id, billNumber: three.bill.number,
                           amount: Money(kopecks: 4_00), method: .reference),
            ], businessDate: day, runID: nil)
            let number = try tx.number(for: "UPD:SH-1", date: day, series: series).number
            var first = Fixture.document(identity: "UPD:SH-1", number: number, date: "2026-03-04")
            first.details = Data(#"{"lines":[],"paperOnly":false,"buyerName":"ООО «Ромашка»"}"#.utf8)
            _ = try tx.recordDocument(first)
            _ = try tx.recordDocument(Fixture.document(identity: "UPD:SH-1", number: number, date: "2026-03-04",
                                                       bytes: "<Файл испр=\"1\"/>", correction: 1))
            _ = try tx.recordDocument(Fixture.document(identity: "UKD:R-1", number: nil, date: "2026-03-04", status: .held))
            let third = try tx.number(for: "UPD:SH-3", date: day, series: series).number
            _ = try tx.recordDocument(Fixture.document(identity: "UPD:SH-3", number: third, date: "2026-03-04", orderID: "ORD-3",
                                                       shipmentID: "SH-3"))
            var movements = [
                Fixture.movement(id: "shipment:SH-1", date: "2026-03-03", kind: .shipment, amount: 100_00),
                Fixture.movement(id: "shipment:SH-10", date: "2026-03-03", kind: .shipment, amount: 7_00),
                Fixture.movement(id: "shipment:SH-1A", date: "2026-03-03", kind: .shipment, amount: 8_00),
                Fixture.movement(id: "shipment:SH", date: "2026-03-03", kind: .shipment, amount: 9_00),
                Fixture.movement(id: "x", date: "2026-03-04", kind: .adjustment, amount: 1_00),
                Fixture.movement(id: "x@y", date: "2026-03-04", kind: .adjustment, amount: 2_00),
                Fixture.movement(id: "x@y@2026-03-05", inn: Fixture.innB, date: "2026-03-04", kind: .adjustment, amount: 3_00),
            ]
            movements += (0..<700).map {
                Fixture.movement(id: "payment:P\($0):\(Fixture.innA)", date: "2026-03-0\(1 + $0 % 4)", kind: .payment,
                                 amount: Int64(-$0 - 1))
            }
            _ = try tx.recordMovements(movements, businessDate: day)
            _ = try tx.recordMovements([
                Fixture.movement(id: "shipment:SH-1@2026-03-05", date: "2026-03-05", kind: .shipment, amount: -10_00),
                Fixture.movement(id: "shipment:SH-10@2026-03-05", date: "2026-03-05", kind: .shipment, amount: -1_00),
                Fixture.movement(id: "payment:P3:\(Fixture.innA)@2026-03-05", date: "2026-03-05", kind: .payment, amount: 1),
            ], businessDate: later)
        }
    }

    @Test("documents, allocations, payments and orders' customers by many keys are the one-key reads")
    func perKeyReads() throws {
        try withLedger { ledger in
            try Self.fill(ledger)
            try ledger.read { reader in
                let orders = ["ORD-1", "ORD-2", "ORD-3", "ORD-9", "ORD-1"].map { OrderID($0) }
                let versions = try reader.documentVersions(orders: orders)
                #expect(versions[OrderID("ORD-1")]?.count == 3)
                #expect(versions[OrderID("ORD-2")] == nil)
                for id in orders {
                    #expect((versions[id] ?? []) == (try reader.documentVersions(order: id, withXML: false)))
                }
                // Without the details: the same versions, each with its details left out.
                let light = try reader.documentVersions(orders: orders, withDetails: false)
                #expect(versions.mapValues { $0.map { version in var bare = version; bare.details = nil; return bare } } == light)
                #expect(versions.values.joined().contains { $0.details != nil })
                let allocations = try reader.allocations(orders: orders)
                #expect(allocations[OrderID("ORD-1")]?.map(\.allocation.amount) == [Money(kopecks: 3_00), Money(kopecks: 2_00)])
                for id in orders { #expect((allocations[id] ?? []) == (try reader.allocations(order: id))) }
                let paymentIDs = ["P-1", "P-2", "P-9"].map { PaymentID($0) }
                let byPayment = try reader.allocations(payments: paymentIDs)
                for id in paymentIDs { #expect((byPayment[id] ?? []) == (try reader.allocations(payment: id))) }
                let payments = try reader.payments(ids: paymentIDs)
                #expect(payments.count == 2)
                for id in paymentIDs { #expect(payments[id] == (try reader.payment(id))) }
                let inns = try reader.customerINNs(ofOrders: orders)
                #expect(inns[OrderID("ORD-2")] == Fixture.innB)
                for id in orders { #expect(inns[id] == (try reader.customerINN(ofOrder: id))) }
                let names = try reader.customerNames(ofOrders: orders)
                #expect(names[OrderID("ORD-2")] == "ИП \"Петров\" / Ко")
                for id in orders { #expect(names[id] == (try reader.order(id))?.order.customer.name) }
                let identities = ["UPD:SH-1", "UPD:SH-3", "UKD:R-1"]
                let numbers = try reader.assignedNumbers(for: identities, series: Self.series)
                #expect(numbers.count == 2)
                for identity in identities {
                    #expect(numbers[identity] == (try reader.assignedNumber(for: identity, series: Self.series)))
                }
                #expect(try reader.assignedNumbers(for: identities, series: "other").isEmpty)
            }
        }
    }

    @Test("movement histories by many bases are the one-base reads, across chunks and prefixes")
    func histories() throws {
        try withLedger { ledger in
            try Self.fill(ledger)
            try ledger.read { reader in
                let bases = ["shipment:SH-1", "shipment:SH", "shipment:SH-10", "shipment:SH-2", "x", "x@y", "shipment:SH-1"]
                    + (0..<700).map { "payment:P\($0):\(Fixture.innA)" }
                let histories = try reader.movementHistories(bases: bases)
                #expect(histories["shipment:SH-1"]?.map(\.movement.id) == ["shipment:SH-1", "shipment:SH-1@2026-03-05"])
                #expect(histories["x"]?.map(\.movement.id) == ["x", "x@y", "x@y@2026-03-05"])
                #expect(histories["x@y"]?.map(\.movement.id) == ["x@y", "x@y@2026-03-05"])
                #expect(histories["shipment:SH-2"] == nil)
                for base in Set(bases) {
                    let one = try reader.movementHistory(base: base)
                    let many = histories[base] ?? []
                    #expect(many.map(\.movement) == one.map(\.movement), "\(base)")
                    #expect(many.map(\.businessDate) == one.map(\.businessDate), "\(base)")
                }
            }
        }
    }

    @Test("orders' terms and movements by many customers are the one-customer reads")
    func perCustomer() throws {
        try withLedger { ledger in
            try Self.fill(ledger)
            try ledger.read { reader in
                let customers = [Fixture.innA, Fixture.innB, "0000000000"]
                let terms = try reader.orderTerms(customerINNs: customers)
                #expect(terms[Fixture.innA]?.count == 2)
                for inn in customers { #expect((terms[inn] ?? []) == (try reader.orderTerms(customerINN: inn))) }
                let from = Fixture.date("2026-03-02")
                for knownOn in [nil, Self.day, Self.later] {
                    let movements = try reader.movements(customerINNs: customers, from: from, through: Self.later, knownOn: knownOn)
                    for inn in customers {
                        let statement = try reader.statement(customerINN: inn, from: from, through: Self.later, knownOn: knownOn)
                        #expect((movements[inn] ?? []) == statement.entries)
                    }
                }
                #expect(try reader.movements(customerINNs: [Fixture.innA], from: from, through: Self.later, knownOn: Self.day)[Fixture.innA]?
                    .count == 531)
            }
        }
    }

    @Test("every batched query is answered through an index (no table scan)")
    func indexed() throws {
        for sql in BatchedSQL.all {
            let plan = try queryPlan(sql)
            #expect(!plan.isEmpty)
            #expect(plan.allSatisfy { !$0.hasPrefix("SCAN") }, "\(sql): \(plan)")
        }
    }

    @Test("the movements' reads of every order's documents and every customer's orders never touch the big rows")
    func covering() throws {
        // A document's row holds its XML and an order's its content (a page or more each): the
        // day's balance movements and credit control read one per order, from the index alone.
        for sql in [BatchedSQL.documentStamps, BatchedSQL.orderTerms] {
            let plan = try queryPlan(sql)
            #expect(plan.count == 1)
            #expect(plan.allSatisfy { $0.contains("USING COVERING INDEX") }, "\(sql): \(plan)")
        }
    }
}
