import Domain
import Foundation
import GRDB
@testable import Ledger
import Testing

/// The reconciliation's block reads and writes leave and give exactly what the one-row calls do.
@Suite("Ledger: reconciliation's reads and writes")
struct ReconcileReadsTests {
    static let day = Fixture.date("2026-03-04")
    static let later = Fixture.date("2026-03-05")

    /// Every row of the tables a payment write touches, in rowid order (the order of inserts).
    static func rows(_ ledger: Ledger) throws -> [[String]] {
        try ledger.read { reader in
            try ["payments", "allocations"].flatMap { table in
                try Row.fetchAll(reader.db, sql: "SELECT * FROM \(table) ORDER BY rowid").map { row in
                    [table] + row.columnNames.map { "\($0)=\(row[$0] as DatabaseValue)" }
                }
            }
        }
    }

    /// Payments with repeats (the same id again, the same content or not) over more ids than one query reads.
    static func payments(prefix: String = "P-", count: Int = 1_100) -> [Payment] {
        var payments: [Payment] = []
        for index in 0..<count {
            let received = index % 3 == 0 ? "2026-03-03" : "2026-03-04"
            let payer: String? = index % 5 == 0 ? nil : Fixture.innA
            payments.append(Fixture.payment(id: "\(prefix)\(index)", amount: Int64(100 + index), receivedOn: received,
                                            payerINN: payer, purpose: "Оплата по счёту \(index)"))
        }
        payments.append(payments[7])
        var changed = payments[8]
        changed.amount = Money(kopecks: 9_999)
        payments.append(changed)
        return payments
    }

    @Test("a block of payments: the rows, outcomes and order of upserting them one by one")
    func upsertBlock() throws {
        let first = Self.payments()
        // The next day: some again, some changed, some new, repeats again.
        var second = Array(first[500...]) + Self.payments(prefix: "Q-").prefix(30)
        second[3].purpose = "другое назначение"
        second.append(second[3])
        let one = try TemporaryLedger()
        defer { one.remove() }
        let block = try TemporaryLedger()
        defer { block.remove() }
        for (payments, date) in [(first, Self.day), (second, Self.later)] {
            let expected = try one.ledger.write { tx in try payments.map { try tx.upsertPayment($0, businessDate: date) } }
            let outcomes = try block.ledger.write { tx in try tx.upsertPayments(payments, businessDate: date) }
            #expect(outcomes == expected)
            #expect(Set(outcomes) == [.inserted, .unchanged, .updated])
            #expect(try Self.rows(block.ledger) == Self.rows(one.ledger))
        }
    }

    @Test("unallocated payments without some ids and later days: the full read, filtered")
    func unallocatedExcluding() throws {
        try withLedger { ledger in
            let payments = Self.payments()
            try ledger.write { tx in
                _ = try tx.upsertOrder(Fixture.order(id: "ORD-1", amount: 1_000_000_00), businessDate: Self.day)
                try tx.upsertPayments(payments, businessDate: Self.day)
                let order = try #require(try tx.order(OrderID("ORD-1"))).order
                // Some paid in full, some in part.
                try tx.replaceAutomaticAllocations(
                    forPayments: [PaymentID("P-1"), PaymentID("P-2")],
                    with: [Allocation(paymentID: "P-1", orderID: order.id, billNumber: order.bill.number,
                                      amount: Money(kopecks: 101), method: .reference),
                           Allocation(paymentID: "P-2", orderID: order.id, billNumber: order.bill.number,
                                      amount: Money(kopecks: 50), method: .reference)],
                    businessDate: Self.day)
            }
            let all = try ledger.read { reader in try reader.unallocatedPayments() }
            #expect(all.contains { $0.payment.id == "P-2" && $0.allocated == Money(kopecks: 50) })
            #expect(!all.contains { $0.payment.id == "P-1" })
            let cases: [(Set<PaymentID>, CivilDate)] = [
                ([], Self.day), ([PaymentID("P-3"), PaymentID("P-2"), PaymentID("nothing")], Self.day),
                (Set(payments.prefix(900).map(\.id)), Self.later), (Set(payments.map(\.id)), Self.later),
                ([], Fixture.date("2026-03-03")),
            ]
            for (excluded, through) in cases {
                let expected = all.filter { !excluded.contains($0.payment.id) && $0.payment.receivedOn <= through }
                let found = try ledger.read { reader in
                    try reader.unallocatedPayments(excludingEach: { exclude in for id in excluded { try exclude(id) } },
                                                   receivedThrough: through)
                }
                #expect(found == expected)
                // The same ids given one at a time, each twice, in no order, in the day's write transaction too.
                let given: ((PaymentID) throws -> Void) throws -> Void = { exclude in
                    for id in excluded.sorted().reversed() { try exclude(id) }
                    for id in excluded { try exclude(id) }
                }
                let foundGiven = try ledger.read { reader in try reader.unallocatedPayments(excludingEach: given, receivedThrough: through) }
                #expect(foundGiven == expected)
                let foundWriting = try ledger.write { tx in try tx.unallocatedPayments(excludingEach: given, receivedThrough: through) }
                #expect(foundWriting == expected)
            }
        }
    }

    @Test("the payments being replaced given one at a time (repeats, any order): the same rows as a set; counted only; outsiders named")
    func replaceGivenOneAtATime() throws {
        // Latin, Cyrillic and digits: the payments are written in the order of their ids' bytes.
        let payments = Self.payments(prefix: "Б-", count: 2_500).prefix(2_500) + Self.payments(prefix: "P-", count: 2_500).prefix(2_500)
        func allocations(_ order: Order, _ amount: (Int) -> Int64) -> [Allocation] {
            payments.enumerated().compactMap { index, payment in
                amount(index) > 0 ? Allocation(paymentID: payment.id, orderID: order.id, billNumber: order.bill.number,
                                               amount: Money(kopecks: amount(index)), method: index % 97 == 3 ? .pin : .reference) : nil
            }
        }
        func fill(_ tx: LedgerTransaction) throws -> Order {
            _ = try tx.upsertOrder(Fixture.order(id: "ORD-1", amount: 1_000_000_00), businessDate: Self.day)
            try tx.upsertPayments(Array(payments), businessDate: Self.day)
            return try #require(try tx.order(OrderID("ORD-1"))).order
        }
        var bySet: [[String]] = []
        try withLedger { ledger in
            try ledger.write { tx in
                let order = try fill(tx)
                let replaced = try tx.replaceAutomaticAllocations(forPayments: Set(payments.map(\.id)),
                                                                  with: allocations(order) { $0 % 4 == 0 ? 0 : 10 }, businessDate: Self.day)
                #expect(replaced.changedPayments.map(\.rawValue) == replaced.changedPayments.map(\.rawValue).sorted {
                    $0.utf8.lexicographicallyPrecedes($1.utf8)
                })
                #expect(replaced.changedCount == replaced.changedPayments.count && replaced.changedCount > 3_000)
            }
            bySet = try Self.rows(ledger)
        }
        try withLedger { ledger in
            try ledger.write { tx in
                let order = try fill(tx)
                let given = payments.map(\.id).reversed() + payments.map(\.id).prefix(300)
                let replaced = try tx.replaceAutomaticAllocations(forPaymentsFrom: { add in for id in given { try add(id) } },
                                                                  with: allocations(order) { $0 % 4 == 0 ? 0 : 10 },
                                                                  businessDate: Self.day, listsChanged: false)
                #expect(replaced.changedPayments.isEmpty && replaced.changedCount > 3_000)
                // An allocation of a payment not given: the first in the allocations' order is named, nothing else checked.
                let some = Array(payments.map(\.id).prefix(4_000))
                let outside = allocations(order) { $0 % 4 == 0 ? 0 : 10 }
                let firstOutside = try #require(outside.first { !some.contains($0.paymentID) })
                #expect {
                    try tx.replaceAutomaticAllocations(forPaymentsFrom: { add in for id in some.shuffled() { try add(id) } },
                                                       with: outside, businessDate: Self.later)
                } throws: { error in
                    "\(error)".contains("payment \(firstOutside.paymentID)") && "\(error)".contains("outside the set")
                }
            }
            #expect(try Self.rows(ledger) == bySet)
        }
    }

    @Test("replacing many payments' allocations: the rows of one payment at a time; the same refusals")
    func replaceBlock() throws {
        // More payments than one block of the replacement reads and writes at once.
        let payments = Self.payments(count: 5_000).prefix(5_000)
        #expect(payments.count > 2 * LedgerTransaction.allocationBlock)
        func fill(_ tx: LedgerTransaction) throws -> Order {
            _ = try tx.upsertOrder(Fixture.order(id: "ORD-1", amount: 1_000_000_00), businessDate: Self.day)
            try tx.upsertPayments(Array(payments), businessDate: Self.day)
            return try #require(try tx.order(OrderID("ORD-1"))).order
        }
        try withLedger { ledger in
            try ledger.write { tx in
                let order = try fill(tx)
                let ids = Set(payments.map(\.id))
                func allocations(_ amount: (Int) -> Int64) -> [Allocation] {
                    payments.enumerated().compactMap { index, payment in
                        amount(index) > 0 ? Allocation(paymentID: payment.id, orderID: order.id, billNumber: order.bill.number,
                                                       amount: Money(kopecks: amount(index)), method: .reference) : nil
                    }
                }
                let first = try tx.replaceAutomaticAllocations(forPayments: ids, with: allocations { $0 % 4 == 0 ? 0 : 10 },
                                                               businessDate: Self.day, runID: nil)
                #expect(first.changedPayments.count == 3_750)
                #expect(first.changedPayments == ids.sorted().filter { id in
                    payments.firstIndex { $0.id == id }.map { $0 % 4 != 0 } ?? false
                })
                // Again: unchanged payments keep their rows; changed ones get new rows.
                let before = try Row.fetchAll(tx.db, sql: "SELECT id, payment_id FROM allocations ORDER BY id")
                    .map { "\($0["id"] as Int64) \($0["payment_id"] as String)" }
                let second = try tx.replaceAutomaticAllocations(forPayments: ids, with: allocations { $0 % 8 == 1 ? 20 : ($0 % 4 == 0 ? 0 : 10) },
                                                                businessDate: Self.later, runID: nil)
                #expect(second.changedPayments == ids.sorted().filter { id in
                    payments.firstIndex { $0.id == id }.map { $0 % 8 == 1 } ?? false
                })
                let after = try Row.fetchAll(tx.db, sql: "SELECT id, payment_id, business_date FROM allocations ORDER BY id")
                #expect(after.count == before.count)
                #expect(after.filter { ($0["business_date"] as String) == Self.later.iso }.count == second.changedPayments.count)
                #expect(Array(after.prefix(before.count - second.changedPayments.count)).allSatisfy {
                    ($0["business_date"] as String) == Self.day.iso
                })
                // Over a payment's amount: refused for the first such payment in id order.
                let over = allocations { $0 == 1_000 || $0 == 20 ? 5_000_00 : 0 }
                #expect {
                    try tx.replaceAutomaticAllocations(forPayments: ids, with: over, businessDate: Self.later, runID: nil)
                } throws: { error in
                    "\(error)".contains("payment P-1000") && "\(error)".contains("exceed")
                }
                // A pinned allocation counts: P-0 (100 kopecks, none allocated) pinned 80, then 30 automatic is too much, 20 is not.
                func to(_ payment: PaymentID, _ kopecks: Int64, _ method: AllocationMethod) -> Allocation {
                    Allocation(paymentID: payment, orderID: order.id, billNumber: order.bill.number, amount: Money(kopecks: kopecks),
                               method: method)
                }
                let pinned = try tx.replaceAutomaticAllocations(forPayments: ["P-0"], with: [to("P-0", 80, .pin)],
                                                                businessDate: Self.later, runID: nil)
                #expect(pinned.pinnedAdded == 1 && pinned.changedPayments.isEmpty)
                #expect {
                    try tx.replaceAutomaticAllocations(forPayments: ["P-0"], with: [to("P-0", 30, .reference)],
                                                       businessDate: Self.later, runID: nil)
                } throws: { error in
                    "\(error)".contains("payment P-0") && "\(error)".contains("exceed")
                }
                #expect {
                    try tx.replaceAutomaticAllocations(forPayments: ["P-0"], with: [to("P-0", 25, .reference), to("P-0", 80, .pin)],
                                                       businessDate: Self.later, runID: nil)
                } throws: { error in
                    "\(error)".contains("payment P-0") && "\(error)".contains("exceed")
                }
                let fits = try tx.replaceAutomaticAllocations(forPayments: ["P-0"], with: [to("P-0", 20, .reference), to("P-0", 80, .pin)],
                                                              businessDate: Self.later, runID: nil)
                #expect(fits.pinnedKept == 1 && fits.changedPayments == ["P-0"])
                #expect {
                    try tx.replaceAutomaticAllocations(forPayments: ["NONE"], with: [], businessDate: Self.later, runID: nil)
                } throws: { error in
                    "\(error)".contains("payment NONE") && "\(error)".contains("not in the ledger")
                }
                // A pin in a later block counts with its payment's automatic allocations: P-4321 (4 421 kopecks)
                // 10 automatic and 4 415 pinned is too much.
                #expect {
                    try tx.replaceAutomaticAllocations(forPayments: ids, with: allocations { $0 % 4 == 0 ? 0 : 10 } + [to("P-4321", 4_415, .pin)],
                                                       businessDate: Self.later, runID: nil)
                } throws: { error in
                    "\(error)".contains("payment P-4321") && "\(error)".contains("exceed")
                }
            }
        }
    }

    @Test("the keyed queries are answered through indexes")
    func indexed() throws {
        for sql in ReconcileSQL.keyed {
            let plan = try queryPlan(sql)
            #expect(!plan.isEmpty)
            #expect(plan.allSatisfy { !$0.hasPrefix("SCAN") }, "\(sql): \(plan)")
        }
    }
}
