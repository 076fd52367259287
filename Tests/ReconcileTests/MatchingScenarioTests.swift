import Domain
import Testing
@testable import Reconcile

@Suite("Matching rules, scenario by scenario")
struct MatchingScenarioTests {
    typealias F = Fixture

    // MARK: Rule 1: pins

    @Test("a pin wins over every automatic rule, and a rerun does not wipe it")
    func pinSurvivesRerun() throws {
        let bills = [F.bill("СЧ-000001", amount: "100.00", day: 1), F.bill("СЧ-000002", amount: "100.00", day: 2)]
        let payment = F.payment("p1", amount: "100.00", purpose: "Оплата по счету СЧ-000001")
        let pin = Pin(paymentID: "p1", billNumber: "СЧ-000002", amount: nil, note: "customer called")
        let first = F.run([payment], bills, pins: [pin])
        #expect(first.summary == ["p1→СЧ-000002 100.00 pin"])
        #expect(first.bill("СЧ-000001") == nil, "the quoted bill is untouched")

        // Rerun over the ledger state: the pin is already there, nothing new, nothing undone.
        let after = [bills[0], F.bill("СЧ-000002", amount: "100.00", day: 2, allocated: "100.00")]
        let rerun = Matcher.match(MatchingInput(
            payments: [OpenPayment(payment, existingAllocations: first.allocations)], bills: after, pins: [pin]))
        #expect(rerun.allocations.isEmpty)
        #expect(rerun.outcome("p1")?.unallocated == .zero)

        // Rerun from scratch (automatic allocations dropped): the pin is applied again first.
        #expect(F.run([payment], bills, pins: [pin]).summary == first.summary)
    }

    @Test("a pin with an amount splits a payment as the accountant says; the rest is credit")
    func pinWithAmounts() {
        let bills = [F.bill("A", amount: "300.00", day: 1), F.bill("B", amount: "300.00", day: 2)]
        let payment = F.payment("p1", amount: "500.00")
        let pins = [Pin(paymentID: "p1", billNumber: "B", amount: F.rub("200.00"), note: ""),
                    Pin(paymentID: "p1", billNumber: "A", amount: F.rub("250.00"), note: "")]
        let result = F.run([payment], bills, pins: pins)
        #expect(result.summary == ["p1→A 250.00 pin", "p1→B 200.00 pin"])
        #expect(result.outcome("p1")?.status == .credit)
        #expect(result.outcome("p1")?.unallocated == F.rub("50.00"))
    }

    @Test("a pin asking more than the bill needs is capped and reported; a pin to no bill is rejected")
    func pinProblems() {
        let bills = [F.bill("A", amount: "100.00")]
        let pins = [Pin(paymentID: "p1", billNumber: "A", amount: F.rub("150.00"), note: ""),
                    Pin(paymentID: "p2", billNumber: "Z", amount: nil, note: "")]
        let result = F.run([F.payment("p1", amount: "200.00"), F.payment("p2", amount: "10.00")], bills, pins: pins)
        #expect(result.summary == ["p1→A 100.00 pin"])
        #expect(result.exceptions(.pinCapped).count == 1)
        #expect(result.exceptions(.pinRejected).map(\.paymentID) == [PaymentID("p2")])
    }

    // MARK: Rule 2: provider

    @Test("a provider payment goes to its order by the provider's order id, then by merchantOrderId")
    func provider() {
        let bills = [F.bill("СЧ-000010", amount: "500.00", order: "ORD-10", provider: "uuid-10"),
                     F.bill("СЧ-000011", amount: "700.00", order: "ORD-11", orderNumber: "11")]
        let payments = [
            F.payment("ib-1", amount: "500.00", source: .invoicebox, providerOrderID: "uuid-10"),
            F.payment("ib-2", amount: "700.00", source: .invoicebox, providerOrderID: "uuid-unknown-to-us",
                      merchantOrderID: "11"),
        ]
        let result = F.run(payments, bills)
        #expect(result.summary == ["ib-1→СЧ-000010 500.00 provider", "ib-2→СЧ-000011 700.00 provider"])
    }

    @Test("an ambiguous provider id is an exception, never a guess")
    func ambiguousProvider() throws {
        // merchantOrderId is not unique at the provider: "15" is one order's number and another's id.
        let bills = [F.bill("СЧ-000015", amount: "500.00", order: "ORD-15", orderNumber: "15"),
                     F.bill("СЧ-000016", amount: "500.00", order: "15", orderNumber: "16")]
        let payment = F.payment("ib-1", amount: "500.00", source: .invoicebox, merchantOrderID: "15")
        let result = F.run([payment], bills)
        #expect(result.allocations.isEmpty)
        let exception = try #require(result.exceptions(.ambiguousProviderID).first)
        #expect(Set(exception.billNumbers) == [BillNumber("СЧ-000015"), BillNumber("СЧ-000016")])
        #expect(result.outcome("ib-1")?.status == .unmatched)
        #expect(exception.diagnostic.kind == "ambiguous-provider-id")
    }

    @Test("two provider orders sharing one merchantOrderId identify no order: both are exceptions, neither allocated")
    func sharedMerchantOrderID() throws {
        // The provider does not keep merchantOrderId unique: two of its orders carry our order's id.
        let bills = [F.bill("СЧ-000017", amount: "1250.00", order: "ORD-17")]
        let payments = [
            F.payment("ib-1", amount: "1250.00", source: .invoicebox, merchantOrderID: "ORD-17"),
            F.payment("ib-2", amount: "1250.00", source: .invoicebox, merchantOrderID: "ORD-17"),
        ]
        let result = F.run(payments, bills)
        #expect(result.allocations.isEmpty)
        #expect(result.exceptions(.ambiguousProviderID).count == 2)
        #expect(result.exceptions(.ambiguousProviderID).allSatisfy { $0.message.contains("used by 2 provider orders") })
        // One provider order with that id alone is matched as usual.
        let single = F.run([payments[0]], bills)
        #expect(single.summary == ["ib-1→СЧ-000017 1250.00 provider"])
    }

    @Test("a provider payment for an order with no open bill is not spread over other bills")
    func unknownProviderOrder() {
        let bills = [F.bill("СЧ-000020", amount: "500.00")]
        let payment = F.payment("ib-1", amount: "500.00", source: .invoicebox, providerOrderID: "uuid-x")
        let result = F.run([payment], bills)
        #expect(result.allocations.isEmpty)
        #expect(result.exceptions(.unknownProviderOrder).count == 1)
        #expect(result.outcome("ib-1")?.status == .credit)
    }

    // MARK: Rule 3: reference

    @Test("a partial payment never closes a bill")
    func partialReference() throws {
        let bills = [F.bill("СЧ-000123", amount: "2429.73")]
        let result = F.run([F.payment("p1", amount: "2000.00", purpose: "Оплата по счету № СЧ-000123 от 26.11.2026 г.")],
                           bills, configuration: F.config(writeOff: 5))
        #expect(result.summary == ["p1→СЧ-000123 2000.00 reference"])
        #expect(result.bill("СЧ-000123")?.outstanding == F.rub("429.73"))
        #expect(result.bill("СЧ-000123")?.isClosed == false)
        let partial = try #require(result.exceptions(.partialPayment).first)
        #expect(partial.expected == F.rub("2429.73") && partial.actual == F.rub("2000.00"))
        #expect(result.writeOffs.isEmpty)
    }

    @Test("a reference match does not override the amount: the excess is credit, not spread over other bills")
    func referenceExcess() {
        let bills = [F.bill("СЧ-000123", amount: "1000.00", day: 10), F.bill("СЧ-000100", amount: "500.00", day: 1)]
        let result = F.run([F.payment("p1", amount: "1500.00", purpose: "по сч №123")], bills)
        #expect(result.summary == ["p1→СЧ-000123 1000.00 reference"])
        #expect(result.bill("СЧ-000100") == nil)
        #expect(result.outcome("p1")?.status == .credit)
        #expect(result.outcome("p1")?.creditCustomerINN == F.romashka)
        #expect(result.outcome("p1")?.unallocated == F.rub("500.00"))
        #expect(result.exceptions(.overpayment).count == 1)
    }

    @Test("one payment split over several quoted bills, oldest first, the last one partially")
    func splitOverQuotedBills() {
        let bills = [F.bill("СЧ-000130", amount: "300.00", day: 3), F.bill("СЧ-000131", amount: "400.00", day: 4)]
        let full = F.run([F.payment("p1", amount: "700.00", purpose: "оплата счетов 131, 130")], bills)
        #expect(full.summary == ["p1→СЧ-000130 300.00 reference", "p1→СЧ-000131 400.00 reference"])
        let short = F.run([F.payment("p1", amount: "500.00", purpose: "оплата счетов 130, 131")], bills)
        #expect(short.summary == ["p1→СЧ-000130 300.00 reference", "p1→СЧ-000131 200.00 reference"])
        #expect(short.bill("СЧ-000131")?.outstanding == F.rub("200.00"))
    }

    @Test("the exact written form wins when several bills normalise alike")
    func exactFormPreferred() {
        let bills = [F.bill("СЧ-000123", amount: "100.00", day: 1), F.bill("123", amount: "100.00", day: 2)]
        #expect(F.run([F.payment("p1", amount: "100.00", purpose: "Оплата СЧ000123")], bills).summary
            == ["p1→СЧ-000123 100.00 reference"])
        #expect(F.run([F.payment("p1", amount: "100.00", purpose: "Оплата по счету 123")], bills).summary
            == ["p1→123 100.00 reference"])
        // Neither form is exact: ambiguous, held for the accountant.
        let held = F.run([F.payment("p1", amount: "100.00", purpose: "Оплата по счету 0123")], bills)
        #expect(held.allocations.isEmpty)
        #expect(held.exceptions(.ambiguousReference).first?.candidates.count == 2)
        #expect(held.outcome("p1")?.status == .unmatched)
    }

    @Test("another customer's bill is taken only when the payer has none with that number, and flagged")
    func otherCustomersBill() {
        let foreign = F.bill("СЧ-000200", customer: F.vasilek, amount: "100.00")
        let flagged = F.run([F.payment("p1", amount: "100.00", purpose: "по счету 200")], [foreign])
        #expect(flagged.summary == ["p1→СЧ-000200 100.00 reference"])
        #expect(flagged.exceptions(.otherCustomerBill).count == 1)

        let own = F.bill("ИБ-200", customer: F.romashka, amount: "100.00", day: 25)
        let preferOwn = F.run([F.payment("p1", amount: "100.00", purpose: "по счету СЧ-000200")], [foreign, own])
        #expect(preferOwn.summary == ["p1→ИБ-200 100.00 reference"])
        #expect(preferOwn.exceptions(.otherCustomerBill).isEmpty)
    }

    @Test("an unknown bill quoted stays the customer's credit and is reported with what was quoted")
    func unknownBillQuoted() throws {
        let bills = [F.bill("СЧ-000001", amount: "999.00")]
        let result = F.run([F.payment("p1", amount: "999.00", purpose: "Оплата по счету СЧ-000999")], bills)
        #expect(result.allocations.isEmpty, "not spread over the payer's other bills")
        let exception = try #require(result.exceptions(.unknownBillQuoted).first)
        #expect(exception.quoted == ["СЧ-000999"])
        #expect(exception.message.contains("quoted СЧ-000999, no such open bill"))
        #expect(result.outcome("p1")?.status == .credit)
        #expect(result.outcome("p1")?.unallocated == F.rub("999.00"))
    }

    // MARK: Rules 4–6

    @Test("payer ИНН and an exact open amount: the oldest such bill")
    func exactAmount() {
        let bills = [F.bill("B3", amount: "250.00", day: 3), F.bill("B1", amount: "250.00", day: 1),
                     F.bill("B2", amount: "100.00", day: 2)]
        let result = F.run([F.payment("p1", amount: "250.00", purpose: "за продукты")], bills)
        #expect(result.summary == ["p1→B1 250.00 inn-exact-amount"])
    }

    @Test("payer ИНН and the smallest exact set of bills, oldest first on ties")
    func subset() {
        let bills = [F.bill("B1", amount: "100.00", day: 1), F.bill("B2", amount: "200.00", day: 2),
                     F.bill("B3", amount: "300.00", day: 3), F.bill("B4", amount: "500.00", day: 4),
                     F.bill("B5", amount: "400.00", day: 5)]
        // 800 = 300+500 (two bills) beats 100+200+500 (three).
        #expect(F.run([F.payment("p1", amount: "800.00")], bills).summary
            == ["p1→B3 300.00 inn-subset", "p1→B4 500.00 inn-subset"])
        // 500 = 100+400 = 200+300: the set with the oldest bills.
        #expect(F.run([F.payment("p1", amount: "500.00")], bills.filter { $0.number != "B4" }).summary
            == ["p1→B1 100.00 inn-subset", "p1→B5 400.00 inn-subset"])
        // Five bills at most: 1500 needs all five.
        #expect(F.run([F.payment("p1", amount: "1500.00")], bills).allocations.map(\.method)
            == Array(repeating: .innSubset, count: 5))
    }

    @Test("payer ИНН, oldest bills first, the last one partially; an excess is credit")
    func oldestFirst() {
        let bills = [F.bill("B2", amount: "200.00", day: 2), F.bill("B1", amount: "100.00", day: 1),
                     F.bill("B3", amount: "300.00", day: 3)]
        let partial = F.run([F.payment("p1", amount: "250.00")], bills)
        #expect(partial.summary == ["p1→B1 100.00 inn-oldest-first", "p1→B2 150.00 inn-oldest-first"])
        #expect(partial.bill("B2")?.outstanding == F.rub("50.00"))
        let excess = F.run([F.payment("p1", amount: "700.00")], bills)
        #expect(excess.allocations.count == 3)
        #expect(excess.outcome("p1")?.unallocated == F.rub("100.00"))
        #expect(excess.outcome("p1")?.status == .credit)
    }

    // MARK: Rule 7

    @Test("an unknown payer is unmatched, listed with same-amount candidates and why they were not taken")
    func unknownPayer() throws {
        let bills = [F.bill("B1", amount: "480.00"), F.bill("B2", customer: F.vasilek, amount: "480.00")]
        let result = F.run([F.payment("p1", amount: "480.00", payer: nil, purpose: "за товар"),
                            F.payment("p2", amount: "480.00", payer: "500100732259", purpose: "за товар")], bills)
        #expect(result.allocations.isEmpty)
        let unmatched = result.exceptions(.unmatchedPayment)
        #expect(unmatched.count == 2)
        let first = try #require(unmatched.first)
        #expect(first.candidates.map(\.billNumber) == ["B1", "B2"])
        #expect(first.candidates.allSatisfy { $0.reason.contains("no payer ИНН") })
        #expect(unmatched.last?.candidates.first?.reason.contains("not the payer 500100732259") == true)
        #expect(result.outcome("p1")?.status == .unmatched)
    }

    @Test("a known customer without open bills keeps the payment as credit")
    func knownCustomerWithoutBills() {
        let result = F.run([F.payment("p1", amount: "10.00", payer: F.vasilek)], [], known: [F.vasilek])
        #expect(result.outcome("p1")?.status == .credit)
        #expect(result.exceptions(.unmatchedPayment).isEmpty)
    }

    // MARK: Write-offs

    @Test("a shortfall within the configured limit is written off, on its own record")
    func writeOffWithinLimit() throws {
        let bills = [F.bill("СЧ-000123", amount: "2429.73")]
        let payment = F.payment("p1", amount: "2429.70", purpose: "Оплата по счету № СЧ-000123")
        let result = F.run([payment], bills, configuration: F.config(writeOff: 3))
        #expect(result.summary == ["p1→СЧ-000123 2429.70 reference"])
        let writeOff = try #require(result.writeOffs.first)
        #expect(writeOff.amount == F.rub("0.03"))
        #expect(writeOff.movement.kind == .writeOff && writeOff.movement.amount == F.rub("-0.03"))
        #expect(writeOff.movement.id == "write-off:СЧ-000123:p1")
        #expect(result.bill("СЧ-000123")?.isClosed == true)
        #expect(result.bill("СЧ-000123")?.writtenOff == F.rub("0.03"))
    }

    @Test("a shortfall beyond the limit is a partial payment, never a write-off")
    func writeOffBeyondLimit() {
        let bills = [F.bill("СЧ-000123", amount: "2429.73")]
        let payment = F.payment("p1", amount: "2429.69", purpose: "Оплата по счету № СЧ-000123")
        let result = F.run([payment], bills, configuration: F.config(writeOff: 3))
        #expect(result.writeOffs.isEmpty)
        #expect(result.bill("СЧ-000123")?.outstanding == F.rub("0.04"))
        #expect(result.exceptions(.partialPayment).first?.message.contains("more than the write-off limit") == true)
        // And with no limit configured (the default), even a kopeck stays open.
        #expect(F.run([F.payment("p1", amount: "2429.72", purpose: "счет 123")], bills).writeOffs.isEmpty)
    }

    @Test("an ИНН match short by a kopeck or two closes the bill with a write-off when configured")
    func writeOffOnINNMatch() {
        let bills = [F.bill("B1", amount: "100.02")]
        let result = F.run([F.payment("p1", amount: "100.00")], bills, configuration: F.config(writeOff: 2))
        #expect(result.summary == ["p1→B1 100.00 inn-exact-amount"])
        #expect(result.writeOffs.map(\.amount) == [F.rub("0.02")])
    }

    @Test("the write-off limit is a few kopecks at most")
    func writeOffLimitChecked() {
        #expect(throws: ReconcileConfigurationError.self) { try MatchingConfiguration(writeOffLimit: F.rub("1.00")) }
        #expect(throws: ReconcileConfigurationError.self) { try MatchingConfiguration(writeOffLimit: F.rub("-0.01")) }
        #expect((try? MatchingConfiguration(writeOffLimit: F.rub("0.05"))) != nil)
    }

    // MARK: Credit

    @Test("credit pays later open bills when configured, oldest first, never earlier bills")
    func creditPaysLaterBills() {
        let bills = [F.bill("OLD", amount: "50.00", day: 1), F.bill("СЧ-000123", amount: "100.00", day: 20),
                     F.bill("NEW1", amount: "30.00", day: 28), F.bill("NEW2", amount: "40.00", day: 29)]
        let payment = F.payment("p1", amount: "150.00", purpose: "счет 123", day: 27)
        let off = F.run([payment], bills)
        #expect(off.summary == ["p1→СЧ-000123 100.00 reference"])
        let on = F.run([payment], bills, configuration: F.config(credit: true))
        #expect(on.summary == ["p1→СЧ-000123 100.00 reference", "p1→NEW1 30.00 customer-credit",
                               "p1→NEW2 20.00 customer-credit"])
        #expect(on.bill("OLD") == nil)
    }

    @Test("an earlier payment's credit pays a new bill on a later run")
    func earlierCredit() {
        let earlier = F.payment("p0", amount: "150.00", purpose: "счет 1", day: 10)
        let existing = [Allocation(paymentID: "p0", orderID: "ORD-1", billNumber: "1", amount: F.rub("100.00"),
                                   method: .reference)]
        let input = MatchingInput(payments: [OpenPayment(earlier, existingAllocations: existing)],
                                  bills: [F.bill("2", amount: "80.00", day: 27)],
                                  configuration: F.config(credit: true))
        #expect(Matcher.match(input).summary == ["p0→2 50.00 customer-credit"])
    }

    // MARK: Payouts, duplicates, reruns

    @Test("a payout from the provider is set aside, never allocated to bills")
    func payoutSetAside() {
        let bills = [F.bill("B1", customer: F.provider, amount: "975.00")]
        let payout = F.payment("bank-1", amount: "975.00", payer: F.provider, purpose: "Перечисление по реестру")
        let result = F.run([payout], bills, configuration: F.config(provider: F.provider))
        #expect(result.allocations.isEmpty)
        #expect(result.payouts.map(\.id) == ["bank-1"])
        #expect(result.outcome("bank-1")?.status == .payout)
    }

    @Test("a payment given twice is counted once")
    func duplicatePayment() {
        let payment = F.payment("p1", amount: "100.00")
        let result = F.run([payment, payment], [F.bill("B1", amount: "300.00")])
        #expect(result.summary == ["p1→B1 100.00 inn-oldest-first"])
        #expect(result.exceptions(.duplicatePayment).count == 1)
    }

    @Test("a later day's payment for an old bill closes it without changing anything else")
    func laterPaymentForOldBill() {
        let bills = [F.bill("СЧ-000001", amount: "100.00", day: 1), F.bill("СЧ-000002", amount: "200.00", day: 2)]
        let day1 = F.run([F.payment("p1", amount: "200.00", purpose: "счет 2", day: 3)], bills)
        #expect(day1.summary == ["p1→СЧ-000002 200.00 reference"])
        let state = [bills[0], F.bill("СЧ-000002", amount: "200.00", day: 2, allocated: "200.00")]
        let day2 = F.run([F.payment("p2", amount: "100.00", purpose: "счет 1", day: 40)], state)
        #expect(day2.summary == ["p2→СЧ-000001 100.00 reference"])
        #expect(day2.bills.map(\.billNumber) == ["СЧ-000001"])
        #expect(day2.bill("СЧ-000001")?.isClosed == true)
    }

    @Test("a quote of a bill already paid is an overpayment, not a new allocation")
    func quoteOfPaidBill() {
        let paid = F.bill("СЧ-000001", amount: "100.00", allocated: "100.00")
        let result = F.run([F.payment("p2", amount: "100.00", purpose: "счет 1")], [paid, F.bill("X", amount: "100.00")])
        #expect(result.allocations.isEmpty)
        #expect(result.exceptions(.overpayment).count == 1)
        #expect(result.outcome("p2")?.status == .credit)
    }
}

@Suite("Matching: duplicates given on different days")
struct DuplicateAcrossDaysTests {
    @Test("the same payment id with another date is still counted once, the earlier copy kept")
    func duplicateAcrossDays() {
        let early = Fixture.payment("p1", amount: "100.00", day: 5)
        let late = Fixture.payment("p1", amount: "100.00", day: 9)
        let result = Fixture.run([late, early], [Fixture.bill("B1", amount: "300.00")])
        #expect(result.summary == ["p1→B1 100.00 inn-oldest-first"])
        #expect(result.exceptions(.duplicatePayment).count == 1)
    }
}
