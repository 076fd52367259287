import Domain
import Foundation
import Ledger
import PropertyBased
import Testing

@Suite("Ledger: allocations, pins, balances, runs, quarantine")
struct AllocationTests {
    let day = Fixture.date("2026-03-04")

    /// Three bills of customer A (dates 1, 2, 3 March), one of customer B, one cancelled; two payments.
    func seed(_ ledger: Ledger) throws {
        try ledger.write { tx throws in
            for (id, date, amount) in [("ORD-1", "2026-03-01", Int64(1_000_00)), ("ORD-2", "2026-03-02", 2_000_00),
                                       ("ORD-3", "2026-03-03", 3_000_00)] {
                _ = try tx.upsertOrder(Fixture.order(id: id, billDate: date, amount: amount), businessDate: day)
            }
            _ = try tx.upsertOrder(Fixture.order(id: "ORD-B", customer: Fixture.party(inn: Fixture.innB),
                                                 billDate: "2026-02-27", amount: 500_00), businessDate: day)
            _ = try tx.upsertOrder(Fixture.order(id: "ORD-X", billDate: "2026-02-01", amount: 700_00, status: .cancelled),
                                   businessDate: day)
            _ = try tx.upsertPayment(Fixture.payment(id: "p1", amount: 2_500_00), businessDate: day)
            _ = try tx.upsertPayment(Fixture.payment(id: "p2", amount: 1_000_00), businessDate: day)
        }
    }

    func allocation(_ payment: String, _ order: String, _ amount: Int64, _ method: AllocationMethod) -> Allocation {
        Allocation(paymentID: PaymentID(payment), orderID: OrderID(order), billNumber: BillNumber("B-\(order)"),
                   amount: Money(kopecks: amount), method: method)
    }

    /// p1's automatic allocations: 1 000.00 to ORD-1, 1 500.00 to ORD-2.
    func allocateP1(_ ledger: Ledger) throws {
        try ledger.write { tx throws in
            _ = try tx.replaceAutomaticAllocations(
                forPayments: [PaymentID("p1")],
                with: [allocation("p1", "ORD-1", 1_000_00, .innOldestFirst), allocation("p1", "ORD-2", 1_500_00, .innOldestFirst)],
                businessDate: day)
        }
    }

    @Test("open bills are per customer, oldest first, net of allocations; cancelled orders excluded")
    func openBills() throws {
        try withLedger { ledger in
            try seed(ledger)
            try allocateP1(ledger)
            try ledger.read { reader throws in
                let open = try reader.openBills(customerINN: Fixture.innA)
                #expect(open.map(\.billNumber) == [BillNumber("B-ORD-2"), BillNumber("B-ORD-3")])
                #expect(open.map(\.outstanding) == [Money(kopecks: 500_00), Money(kopecks: 3_000_00)])
                #expect(try reader.openBills().map(\.billNumber.rawValue) == ["B-ORD-B", "B-ORD-2", "B-ORD-3"])
                // A rerun about to redo p1 sees the bills as if p1 had not been allocated.
                let rerun = try reader.openBills(customerINN: Fixture.innA, excludingAutomaticAllocationsOf: [PaymentID("p1")])
                #expect(rerun.map(\.outstanding) == [Money(kopecks: 1_000_00), Money(kopecks: 2_000_00), Money(kopecks: 3_000_00)])

                let unallocated = try reader.unallocatedPayments()
                #expect(unallocated.map(\.payment.id) == [PaymentID("p2")])
                #expect(unallocated.first?.remaining == Money(kopecks: 1_000_00))
            }
        }
    }

    @Test("a rerun may leave out more payments than SQLite takes as one statement's arguments (250 000 here)")
    func manyPaymentsLeftOut() throws {
        try withLedger { ledger in
            try seed(ledger)
            try allocateP1(ledger)
            var many = Set((0..<250_001).map { PaymentID("absent-\($0)") })
            many.insert(PaymentID("p1"))
            let expected = [Money(kopecks: 1_000_00), Money(kopecks: 2_000_00), Money(kopecks: 3_000_00)]
            try ledger.read { reader throws in
                #expect(try reader.openBills(customerINN: Fixture.innA, excludingAutomaticAllocationsOf: many).map(\.outstanding) == expected)
                // The table of ids is gone after the read: the next read leaves nothing out.
                #expect(try reader.openBills(customerINN: Fixture.innA).map(\.outstanding)
                        == [Money(kopecks: 500_00), Money(kopecks: 3_000_00)])
            }
            // Inside the day's write too, and twice in the same transaction.
            try ledger.write { tx throws in
                for _ in 0..<2 {
                    #expect(try tx.openBills(customerINN: Fixture.innA, excludingAutomaticAllocationsOf: many).map(\.outstanding) == expected)
                }
            }
        }
    }

    @Test("pinned allocations survive replaceAutomaticAllocations; same automatic set changes nothing")
    func pinsSurvive() throws {
        try withLedger { ledger in
            try seed(ledger)
            let pin = Pin(paymentID: PaymentID("p1"), billNumber: BillNumber("B-ORD-3"), amount: Money(kopecks: 1_000_00),
                          note: "письмо клиента от 05.03")
            try ledger.write { tx throws in
                #expect(try tx.addPin(pin, at: Fixture.time("2026-03-05T09:00:00+03:00")) == .inserted)
                let result = try tx.replaceAutomaticAllocations(
                    forPayments: [PaymentID("p1")],
                    with: [allocation("p1", "ORD-3", 1_000_00, .pin), allocation("p1", "ORD-1", 1_000_00, .innOldestFirst)],
                    businessDate: day, runID: nil)
                #expect(result.pinnedAdded == 1)
            }
            // The next run reallocates the rest differently and repeats the pin allocation.
            let replacement = try ledger.write { tx throws in
                try tx.replaceAutomaticAllocations(
                    forPayments: [PaymentID("p1")],
                    with: [allocation("p1", "ORD-3", 1_000_00, .pin), allocation("p1", "ORD-2", 1_500_00, .reference)],
                    businessDate: Fixture.date("2026-03-05"))
            }
            #expect(replacement.pinnedKept == 1)
            #expect(replacement.changedPayments == [PaymentID("p1")])
            // An automatic run that allocates nothing for p1 still leaves the pin's allocation.
            try ledger.write { tx throws in
                _ = try tx.replaceAutomaticAllocations(forPayments: [PaymentID("p1")], with: [],
                                                       businessDate: Fixture.date("2026-03-06"))
            }
            try ledger.read { reader throws in
                let records = try reader.allocations(payment: PaymentID("p1"))
                #expect(records.count == 1)
                #expect(records.first?.pinned == true)
                #expect(records.first?.allocation.billNumber == BillNumber("B-ORD-3"))
                #expect(records.first?.businessDate == day)
                #expect(try reader.pins() == [pin])
            }
            // The same automatic set twice: nothing written.
            let set = [allocation("p2", "ORD-1", 1_000_00, .innExactAmount)]
            try ledger.write { tx throws in
                _ = try tx.replaceAutomaticAllocations(forPayments: [PaymentID("p2")], with: set, businessDate: day)
            }
            let digest = try ledger.contentDigest()
            let again = try ledger.write { tx throws in
                try tx.replaceAutomaticAllocations(forPayments: [PaymentID("p2")], with: set,
                                                   businessDate: Fixture.date("2026-03-07"))
            }
            #expect(again.changedPayments.isEmpty)
            #expect(try ledger.contentDigest() == digest)
            // Removing the pin is the accountant's act, and takes its allocation with it.
            #expect(try ledger.write { try $0.removePin(paymentID: PaymentID("p1"), billNumber: BillNumber("B-ORD-3")) })
            #expect(try ledger.read { try $0.allocations(payment: PaymentID("p1")) }.isEmpty)
        }
    }

    @Test("allocations beyond a payment's amount are refused")
    func overallocationRefused() throws {
        try withLedger { ledger in
            try seed(ledger)
            let error = try #require(throws: LedgerError.self) {
                try ledger.write { tx throws in
                    try tx.replaceAutomaticAllocations(
                        forPayments: [PaymentID("p2")],
                        with: [allocation("p2", "ORD-1", 600_00, .innOldestFirst), allocation("p2", "ORD-2", 600_00, .innOldestFirst)],
                        businessDate: day)
                }
            }
            #expect(error.reason.contains("exceed"))
            #expect(try ledger.tableCounts()["allocations"] == 0)
        }
    }

    @Test("balance at a date equals the sum of the movements up to it (property)")
    func balanceIsSumOfMovements() async throws {
        let rows = zip(Gen.int(in: 0...40), Gen.int64(in: -500_000...500_000), Gen.int(in: 0...1)).array(of: 0...25)
        await propertyCheck(count: 30, input: rows, Gen.int(in: -3...45)) { rows, queryOffset in
            let start = Fixture.date("2026-02-20")
            let customers = [Fixture.innA, Fixture.innB]
            let movements = rows.enumerated().map { index, row in
                BalanceMovement(id: "m\(index)", customerINN: customers[row.2], date: start.adding(days: row.0),
                                kind: row.1 >= 0 ? .shipment : .payment, amount: Money(kopecks: row.1), orderID: nil,
                                reference: "№\(index)")
            }
            let queryDate = start.adding(days: queryOffset)
            do {
                try withLedger { ledger in
                    try ledger.write { tx in _ = try tx.recordMovements(movements, businessDate: queryDate) }
                    try ledger.read { reader throws in
                        for inn in customers {
                            let expected = movements.filter { $0.customerINN == inn && $0.date <= queryDate }
                                .map(\.amount).sum()
                            #expect(try reader.balance(customerINN: inn, at: queryDate) == expected)
                            // The statement's parts add up: opening + entries = closing = balance at the end.
                            let statement = try reader.statement(customerINN: inn, from: start.adding(days: 10),
                                                                 through: queryDate)
                            #expect(statement.closing == statement.opening + statement.entries.map(\.amount).sum())
                            if queryDate >= start.adding(days: 10) {
                                #expect(statement.closing == expected)
                            }
                        }
                    }
                }
            } catch {
                Issue.record("ledger failed: \(error)")
            }
        }
    }

    @Test("a statement for the act of reconciliation: opening, dated entries with references, closing")
    func statement() throws {
        try withLedger { ledger in
            let movements = [
                Fixture.movement(id: "ship:SH-0", date: "2026-02-25", kind: .shipment, amount: 5_000_00, reference: "УПД №1"),
                Fixture.movement(id: "ship:SH-1", date: "2026-03-03", kind: .shipment, amount: 1_200_00, reference: "УПД №2"),
                Fixture.movement(id: "pay:p1", date: "2026-03-04", kind: .payment, amount: -6_000_00, reference: "п/п №482"),
                Fixture.movement(id: "refund:p1", date: "2026-03-10", kind: .refund, amount: 100_00,
                                 reference: "возврат переплаты по п/п №482"),
                Fixture.movement(id: "ship:SH-9", date: "2026-04-01", kind: .shipment, amount: 9_00, reference: "УПД №3"),
                Fixture.movement(id: "other", inn: Fixture.innB, date: "2026-03-05", kind: .shipment, amount: 1_00),
            ]
            let counts = try ledger.write { try $0.recordMovements(movements, businessDate: day) }
            #expect(counts == WriteCounts(inserted: 6))
            #expect(try ledger.write { try $0.recordMovements(movements, businessDate: day) } == WriteCounts(unchanged: 6))
            var revised = movements[1]
            revised.amount = Money(kopecks: 1_150_00)
            #expect(try ledger.write { try $0.recordMovements([revised], businessDate: day) } == WriteCounts(updated: 1))

            let statement = try ledger.read { reader throws in
                try reader.statement(customerINN: Fixture.innA, from: Fixture.date("2026-03-01"),
                                     through: Fixture.date("2026-03-31"))
            }
            #expect(statement.opening == Money(kopecks: 5_000_00))
            #expect(statement.entries.map(\.reference) == ["УПД №2", "п/п №482", "возврат переплаты по п/п №482"])
            #expect(statement.closing == Money(kopecks: 5_000_00 + 1_150_00 - 6_000_00 + 100_00))
            #expect(try ledger.read { try $0.balance(customerINN: Fixture.innA, at: Fixture.date("2026-03-31")) }
                    == statement.closing)
        }
    }

    @Test("the run journal: start, finish, newest first; a failed run's journal survives its rollback")
    func runs() throws {
        try withLedger { ledger in
            let first = try ledger.write { try $0.startRun(businessDate: day, command: "run --date 2026-03-04",
                                                            at: Fixture.time("2026-03-05T02:00:00+03:00")) }
            try ledger.write { tx throws in
                try tx.finishRun(first, outcome: .exceptions, counts: ["orders": 3, "quarantined": 1],
                                 message: "1 record quarantined", at: Fixture.time("2026-03-05T02:01:00+03:00"))
            }
            let second = try ledger.write { try $0.startRun(businessDate: day, command: "run --date 2026-03-04") }
            struct Failure: Error {}
            #expect(throws: Failure.self) {
                try ledger.write { tx throws in
                    _ = try tx.upsertPayment(Fixture.payment(id: "p9", amount: 1), businessDate: day)
                    throw Failure()
                }
            }
            try ledger.write { try $0.finishRun(second, outcome: .failed, message: "bank file unreadable") }

            let runs = try ledger.read { try $0.lastRuns(limit: 5) }
            #expect(runs.map(\.id) == [second, first])
            #expect(runs[0].outcome == .failed)
            #expect(runs[0].message == "bank file unreadable")
            #expect(runs[1].outcome == .exceptions)
            #expect(runs[1].counts == ["orders": 3, "quarantined": 1])
            #expect(runs[1].startedAt == Fixture.time("2026-03-05T02:00:00+03:00"))
            #expect(runs[1].finishedAt == Fixture.time("2026-03-05T02:01:00+03:00"))
            #expect(try ledger.read { try $0.payment(PaymentID("p9")) } == nil)
            #expect(throws: LedgerError.self) { try ledger.write { try $0.finishRun(999, outcome: .ok) } }
        }
    }

    @Test("quarantine is keyed by key and remembers each day it was seen")
    func quarantine() throws {
        try withLedger { ledger in
            let record = Fixture.quarantined(key: "orders-feed:ORD-9")
            #expect(try ledger.write { try $0.quarantine(record, businessDate: day) } == .inserted)
            #expect(try ledger.write { try $0.quarantine(record, businessDate: day) } == .unchanged)
            let nextDay = Fixture.date("2026-03-05")
            let worse = Fixture.quarantined(key: "orders-feed:ORD-9", message: "missing")
            #expect(try ledger.write { try $0.quarantine(worse, businessDate: nextDay) } == .updated)
            try ledger.read { reader throws in
                #expect(try reader.quarantined(on: day).map(\.key) == ["orders-feed:ORD-9"])
                #expect(try reader.quarantined(on: nextDay) == [worse])
                #expect(try reader.quarantined(on: Fixture.date("2026-03-06")).isEmpty)
            }
            #expect(try ledger.tableCounts()["quarantine"] == 1)
        }
    }
}
