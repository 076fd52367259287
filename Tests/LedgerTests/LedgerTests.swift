import Domain
import Foundation
import Ledger
import Testing

@Suite("Ledger: schema, idempotency, atomicity")
struct LedgerTests {
    @Test("migrations run from an empty file and record the schema version")
    func migrationsFromEmpty() throws {
        let temporary = try TemporaryLedger()
        defer { temporary.remove() }
        #expect(!Ledger.migrationNames.isEmpty)
        #expect(try temporary.ledger.appliedMigrations() == Ledger.migrationNames)
        #expect(try temporary.ledger.schemaVersion() == Ledger.migrationNames.count)
        let counts = try temporary.ledger.tableCounts()
        for table in ["customers", "orders", "bills", "shipments", "payments", "allocations", "balance_movements",
                      "documents", "document_numbers", "runs", "pins", "quarantine"] {
            #expect(counts[table] == 0, "table \(table)")
        }
        // WAL mode: the -wal file appears beside the database once written.
        _ = try temporary.ledger.write { try $0.upsertPayment(Fixture.payment(id: "p1", amount: 100), businessDate: Fixture.date("2026-03-04")) }
        #expect(FileManager.default.fileExists(atPath: temporary.path + "-wal"))

        // Reopening applies nothing new and keeps the data.
        let reopened = try Ledger(path: temporary.path)
        #expect(try reopened.appliedMigrations() == Ledger.migrationNames)
        #expect(try reopened.tableCounts()["payments"] == 1)
    }

    @Test("the same orders and payments written twice give the same rows and content")
    func idempotentReimport() throws {
        try withLedger { ledger in
            let day = Fixture.date("2026-03-04")
            let orders = [Fixture.order(id: "ORD-1", shipmentID: "SH-1"),
                          Fixture.order(id: "ORD-2", customer: Fixture.party(inn: Fixture.innB, name: "ИП Петров"))]
            let payments = [Fixture.payment(id: "bank-1c:482", amount: 1_200_00),
                            Fixture.payment(id: "bank-1c:483", amount: 50_00, payerINN: nil)]
            func importAll() throws -> [UpsertOutcome] {
                try ledger.write { tx throws in
                    try orders.map { try tx.upsertOrder($0, businessDate: day).outcome }
                        + payments.map { try tx.upsertPayment($0, businessDate: day) }
                        + [try tx.quarantine(Fixture.quarantined(key: "orders-feed:ORD-9"), businessDate: day)]
                        + [try tx.recordMovements([Fixture.movement(id: "m1", date: "2026-03-03", kind: .shipment,
                                                                     amount: 1_200_00)],
                                                   businessDate: day).inserted == 1 ? .inserted : .unchanged]
                }
            }
            #expect(try importAll().allSatisfy { $0 == .inserted })
            let countsAfterFirst = try ledger.tableCounts()
            let digestAfterFirst = try ledger.contentDigest()
            #expect(countsAfterFirst["orders"] == 2)
            #expect(countsAfterFirst["shipments"] == 1)
            #expect(countsAfterFirst["shipment_lines"] == 1)
            #expect(countsAfterFirst["customers"] == 2)

            #expect(try importAll().allSatisfy { $0 == .unchanged })
            #expect(try ledger.tableCounts() == countsAfterFirst)
            #expect(try ledger.contentDigest() == digestAfterFirst)

            // What comes back is what went in.
            try ledger.read { reader throws in
                #expect(try reader.order(OrderID("ORD-1"))?.order == orders[0])
                #expect(try reader.payment(PaymentID("bank-1c:483")) == payments[1])
                #expect(try reader.order(billNumber: BillNumber("B-ORD-2"))?.order.id == OrderID("ORD-2"))
                #expect(try reader.quarantined(on: day).map(\.key) == ["orders-feed:ORD-9"])
            }
        }
    }

    @Test("a changed order is updated in place and its previous content kept")
    func changedOrderKeepsHistory() throws {
        try withLedger { ledger in
            let first = Fixture.order(id: "ORD-1", amount: 1_200_00)
            var second = first
            second.bill.amount = Money(kopecks: 1_150_00)
            second.status = .delivered
            try ledger.write { tx in _ = try tx.upsertOrder(first, businessDate: Fixture.date("2026-03-02")) }
            let outcome = try ledger.write { tx in try tx.upsertOrder(second, businessDate: Fixture.date("2026-03-03")) }
            #expect(outcome.outcome == .updated)
            try ledger.read { reader throws in
                let record = try #require(try reader.order(OrderID("ORD-1")))
                #expect(record.order == second)
                #expect(record.firstSeen == Fixture.date("2026-03-02"))
                #expect(record.lastSeen == Fixture.date("2026-03-03"))
                #expect(record.updatedOn == Fixture.date("2026-03-03"))
                let history = try reader.orderHistory(OrderID("ORD-1"))
                #expect(history.count == 1)
                #expect(history.first?.order == first)
                #expect(try reader.openBills().map(\.amount) == [Money(kopecks: 1_150_00)])
            }
            #expect(try ledger.tableCounts()["orders"] == 1)
        }
    }

    @Test("a bill number already used by another order is refused")
    func billNumberUnique() throws {
        try withLedger { ledger in
            let day = Fixture.date("2026-03-02")
            try ledger.write { tx in _ = try tx.upsertOrder(Fixture.order(id: "ORD-1", bill: "B-1"), businessDate: day) }
            let error = try #require(throws: LedgerError.self) {
                try ledger.write { tx in _ = try tx.upsertOrder(Fixture.order(id: "ORD-2", bill: "B-1"), businessDate: day) }
            }
            #expect(error.description.contains("bill B-1 already belongs to order ORD-1"))
            #expect(try ledger.tableCounts()["orders"] == 1)
        }
    }

    @Test("a returning customer's changed КПП and name are recorded and returned")
    func customerHistory() throws {
        try withLedger { ledger in
            let original = Fixture.party(inn: Fixture.innA)
            let moved = Fixture.party(inn: Fixture.innA, name: "ООО «Ромашка Плюс»", kpp: "771001001")
            let first = Fixture.order(id: "ORD-1", customer: original, createdAt: "2026-03-01T10:00:00+03:00")
            let later = Fixture.order(id: "ORD-2", customer: moved, createdAt: "2026-03-05T10:00:00+03:00")

            let initial = try ledger.write { tx in try tx.upsertOrder(first, businessDate: Fixture.date("2026-03-01")) }
            #expect(initial.customerChanges.isEmpty, "a new customer has nothing to report")

            let result = try ledger.write { tx in try tx.upsertOrder(later, businessDate: Fixture.date("2026-03-05")) }
            #expect(Set(result.customerChanges.map(\.field)) == [.name, .kpp])
            let kpp = try #require(result.customerChanges.first { $0.field == .kpp })
            #expect(kpp.oldValue == "770101001")
            #expect(kpp.newValue == "771001001")
            #expect(kpp.orderID == OrderID("ORD-2"))

            // Reading the older order again neither reverts the requisites nor reports anything.
            let again = try ledger.write { tx in try tx.upsertOrder(first, businessDate: Fixture.date("2026-03-06")) }
            #expect(again.customerChanges.isEmpty)
            let rerun = try ledger.write { tx in try tx.upsertOrder(later, businessDate: Fixture.date("2026-03-06")) }
            #expect(rerun.customerChanges.isEmpty)

            try ledger.read { reader throws in
                let customer = try #require(try reader.customer(inn: Fixture.innA))
                #expect(customer.party == moved)
                #expect(customer.firstSeen == Fixture.date("2026-03-01"))
                #expect(customer.lastSeen == Fixture.date("2026-03-06"))
                let history = try reader.customerChanges(inn: Fixture.innA)
                #expect(history.count == 2)
                #expect(history.allSatisfy { $0.businessDate == Fixture.date("2026-03-05") })
                #expect(try reader.customerChanges(on: Fixture.date("2026-03-05")).count == 2)
            }
        }
    }

    @Test("bank details and EDO id changes are noticed too")
    func customerBankAndEDO() throws {
        try withLedger { ledger in
            let before = Fixture.party(inn: Fixture.innA)
            let after = Fixture.party(inn: Fixture.innA, edoID: nil, account: "40702810900000000002")
            try ledger.write { tx throws in
                _ = try tx.upsertOrder(Fixture.order(id: "ORD-1", customer: before), businessDate: Fixture.date("2026-03-02"))
            }
            let result = try ledger.write { tx throws in
                try tx.upsertOrder(Fixture.order(id: "ORD-2", customer: after, createdAt: "2026-03-03T09:00:00+03:00"),
                                   businessDate: Fixture.date("2026-03-03"))
            }
            #expect(Set(result.customerChanges.map(\.field)) == [.bank, .edoID])
            let edo = try #require(result.customerChanges.first { $0.field == .edoID })
            #expect(edo.newValue == nil)
            let bank = try #require(result.customerChanges.first { $0.field == .bank })
            #expect(bank.newValue?.contains("40702810900000000002") == true)
        }
    }

    @Test("an error thrown in the middle of write leaves nothing behind")
    func atomicity() throws {
        try withLedger { ledger in
            let day = Fixture.date("2026-03-04")
            try ledger.write { tx in _ = try tx.upsertOrder(Fixture.order(id: "ORD-0"), businessDate: day) }
            let countsBefore = try ledger.tableCounts()
            let digestBefore = try ledger.contentDigest()
            struct Boom: Error {}
            #expect(throws: Boom.self) {
                try ledger.write { tx throws in
                    _ = try tx.upsertOrder(Fixture.order(id: "ORD-1", shipmentID: "SH-1"), businessDate: day)
                    _ = try tx.upsertPayment(Fixture.payment(id: "p1", amount: 1_200_00), businessDate: day)
                    _ = try tx.recordMovements([Fixture.movement(id: "m1", date: "2026-03-04", kind: .payment,
                                                                 amount: -1_200_00)], businessDate: day)
                    _ = try tx.number(for: "UPD|shipment:SH-1", date: day, series: "S")
                    _ = try tx.startRun(businessDate: day, command: "run")
                    // Inside the transaction the writes are visible...
                    #expect(try tx.payment(PaymentID("p1")) != nil)
                    throw Boom()
                }
            }
            // ...and after the rollback none of them is.
            #expect(try ledger.tableCounts() == countsBefore)
            #expect(try ledger.contentDigest() == digestBefore)
            // The numbering did not lose a number either.
            let number = try ledger.write { tx in try tx.number(for: "UPD|shipment:SH-2", date: day, series: "S") }
            #expect(number.number == 1)
        }
    }

    @Test("a database error is a LedgerError naming the operation, without bound values")
    func errorsHaveContextWithoutValues() throws {
        try withLedger { ledger in
            let day = Fixture.date("2026-03-04")
            try ledger.write { tx throws in
                _ = try tx.upsertOrder(Fixture.order(id: "ORD-1"), businessDate: day)
                _ = try tx.upsertPayment(Fixture.payment(id: "p1", amount: 1_200_00), businessDate: day)
            }
            let secretAmount: Int64 = -987_654_321
            let error = try #require(throws: LedgerError.self) {
                try ledger.write { tx throws in
                    try tx.replaceAutomaticAllocations(
                        forPayments: [PaymentID("p1")],
                        with: [Allocation(paymentID: "p1", orderID: "ORD-1", billNumber: "B-ORD-1",
                                          amount: Money(kopecks: secretAmount), method: .reference)],
                        businessDate: day)
                }
            }
            #expect(error.operation == "replace allocations")
            #expect(error.underlying != nil)
            #expect(!error.description.contains("987654321"))
            #expect(error.description.contains("CHECK constraint failed"))
        }
    }
}
