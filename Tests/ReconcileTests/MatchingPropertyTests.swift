import Domain
import PropertyBased
import Testing
@testable import Reconcile

/// Random but readable matching runs, decoded from numbers so that the property library can shrink them.
struct Scenario: Sendable, CustomStringConvertible {
    var input: MatchingInput
    var seed: UInt64

    static let customers = [Fixture.romashka, Fixture.vasilek, "7703456782"]
    static let amounts: [Int64] = [10_000, 20_000, 25_000, 30_000, 50_000, 12_345]
    static let paymentAmounts: [Int64] = [10_000, 20_000, 25_000, 30_000, 50_000, 12_345, 12_343, 45_000, 7_000, 9_999]

    init(bills billSeeds: [UInt64], payments paymentSeeds: [UInt64], seed: UInt64) {
        self.seed = seed
        var bills: [OpenBill] = []
        for (index, s) in billSeeds.enumerated() {
            let amount = Scenario.amounts[Int((s >> 8) % 6)]
            let number = (s >> 20) % 3 == 0 ? "\(index % 4)" : "СЧ-\(String(repeating: "0", count: 4))\(index)"
            bills.append(OpenBill(
                number: BillNumber(number), orderID: OrderID("ORD-\(index)"), orderNumber: "\(index)",
                customerINN: Scenario.customers[Int(s % 3)],
                date: Fixture.day(1 + Int((s >> 4) % 10)), amount: Money(kopecks: amount),
                allocated: Money(kopecks: (s >> 12) % 4 == 0 ? amount / 2 : 0),
                providerOrderID: (s >> 16) % 4 == 0 ? ProviderOrderID("uuid-\((s >> 18) % 5)") : nil))
        }
        let payers: [String?] = Scenario.customers + [nil, "500100732259", Fixture.provider]
        var payments: [OpenPayment] = []
        for (index, t) in paymentSeeds.enumerated() {
            let k = Int((t >> 24) % UInt64(max(1, billSeeds.count)))
            let purposes = ["", "Оплата по счету № СЧ-0000\(k) от 26.11.2026 г. Сумма 100-00",
                            "оплата счетов \(k), \(k + 1)", "по счету СЧ-0999", "за товар, НДС 22%"]
            let provider = (t >> 16) % 5 == 0
            payments.append(OpenPayment(Payment(
                id: PaymentID("p\(index)"), source: provider ? .invoicebox : .bank1C,
                receivedOn: Fixture.day(1 + Int((t >> 4) % 12)),
                amount: Money(kopecks: Scenario.paymentAmounts[Int((t >> 8) % 10)]),
                payerINN: payers[Int(t % 6)], payerName: nil, purpose: purposes[Int((t >> 12) % 5)],
                providerOrderID: provider ? ProviderOrderID("uuid-\((t >> 18) % 5)") : nil, raw: "")))
        }
        var pins: [Pin] = []
        if seed % 3 == 0, !payments.isEmpty, !bills.isEmpty {
            pins.append(Pin(paymentID: payments[0].payment.id, billNumber: bills[Int((seed >> 4) % UInt64(bills.count))].number,
                            amount: nil, note: "pinned"))
        }
        let configuration = (try? MatchingConfiguration(
            writeOffLimit: Money(kopecks: Int64((seed >> 8) % 4)), creditPaysLaterBills: (seed >> 10) % 2 == 1,
            providerINN: Fixture.provider)) ?? .standard
        input = MatchingInput(payments: payments, bills: bills, pins: pins, knownCustomerINNs: [Fixture.romashka],
                              configuration: configuration)
    }

    var description: String {
        "bills: " + input.bills.map { "\($0.number) \($0.customerINN) \($0.date) \($0.outstanding)" }.joined(separator: "; ")
            + "\npayments: " + input.payments.map {
                "\($0.payment.id) \($0.payment.payerINN ?? "-") \($0.payment.receivedOn) \($0.payment.amount) '\($0.payment.purpose)'"
            }.joined(separator: "; ")
            + "\npins: \(input.pins.map { "\($0.paymentID)→\($0.billNumber)" }) config: \(input.configuration)"
    }

    /// A deterministic shuffle (the seed's own LCG).
    func shuffled<T>(_ items: [T], salt: UInt64) -> [T] {
        var state = seed &* 6364136223846793005 &+ salt
        var result = items
        guard result.count > 1 else { return result }
        for index in stride(from: result.count - 1, to: 0, by: -1) {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let other = Int((state >> 33) % UInt64(index + 1))
            result.swapAt(index, other)
        }
        return result
    }

    /// The ledger after the run: bills with their new allocations and write-offs, payments with theirs.
    func applying(_ result: MatchingResult) -> MatchingInput {
        var next = input
        var addedToBill: [String: Int64] = [:]
        for allocation in result.allocations { addedToBill["\(allocation.orderID)", default: 0] += allocation.amount.kopecks }
        for writeOff in result.writeOffs { addedToBill["\(writeOff.orderID)", default: 0] += writeOff.amount.kopecks }
        next.bills = input.bills.map { bill in
            var bill = bill
            bill.allocated += Money(kopecks: addedToBill["\(bill.orderID)"] ?? 0)
            return bill
        }
        var byPayment: [PaymentID: [Allocation]] = [:]
        for allocation in result.allocations { byPayment[allocation.paymentID, default: []].append(allocation) }
        next.payments = input.payments.map { open in
            OpenPayment(open.payment, existingAllocations: open.existingAllocations + (byPayment[open.payment.id] ?? []))
        }
        return next
    }
}

let scenarios = zip(Gen.uint64().array(of: 0...14), Gen.uint64().array(of: 0...14), Gen.uint64())
    .map { Scenario(bills: $0, payments: $1, seed: $2) }

@Suite("Matching properties")
struct MatchingPropertyTests {
    @Test("nothing is allocated beyond a payment or a bill; allocated + unallocated = received, to the kopeck")
    func conservation() async {
        await propertyCheck(count: 300, input: scenarios) { scenario in
            let result = Matcher.match(scenario.input)
            var perPayment: [PaymentID: Int64] = [:]
            var perBill: [OrderID: Int64] = [:]
            for allocation in result.allocations {
                #expect(allocation.amount.isPositive, "\(scenario)")
                perPayment[allocation.paymentID, default: 0] += allocation.amount.kopecks
                perBill[allocation.orderID, default: 0] += allocation.amount.kopecks
            }
            for writeOff in result.writeOffs {
                #expect(writeOff.amount.isPositive && writeOff.amount <= scenario.input.configuration.writeOffLimit)
                perBill[writeOff.orderID, default: 0] += writeOff.amount.kopecks
            }
            #expect(result.payments.count == scenario.input.payments.count)
            for outcome in result.payments {
                #expect(outcome.allocatedBefore + outcome.allocatedNow + outcome.unallocated == outcome.amount)
                #expect(outcome.allocatedNow.kopecks == perPayment[outcome.paymentID] ?? 0)
                if outcome.status != .rejected { #expect(!outcome.unallocated.isNegative, "\(scenario)") }
            }
            for bill in scenario.input.bills {
                #expect((perBill[bill.orderID] ?? 0) <= max(0, bill.outstanding.kopecks), "\(bill.number) in \(scenario)")
            }
            for bill in result.bills {
                #expect(bill.allocatedBefore + bill.allocatedNow + bill.writtenOff + bill.outstanding == bill.amount)
            }
            for payout in result.payouts {
                #expect(!result.allocations.contains { $0.paymentID == payout.id })
            }
        }
    }

    @Test("the result does not depend on the order of payments, bills or pins")
    func orderIndependence() async {
        await propertyCheck(count: 300, input: scenarios) { scenario in
            let result = Matcher.match(scenario.input)
            var shuffled = scenario.input
            shuffled.payments = scenario.shuffled(shuffled.payments, salt: 1)
            shuffled.bills = scenario.shuffled(shuffled.bills, salt: 2)
            shuffled.pins = scenario.shuffled(shuffled.pins, salt: 3)
            let other = Matcher.match(shuffled)
            #expect(other.allocations == result.allocations, "\(scenario)")
            #expect(other.writeOffs == result.writeOffs)
            #expect(other.payments == result.payments)
            #expect(other.bills == result.bills)
            #expect(other.exceptions == result.exceptions)
            #expect(other.payouts == result.payouts)
        }
    }

    @Test("a rerun gives the same allocations, and over the written ledger adds nothing")
    func rerun() async {
        await propertyCheck(count: 300, input: scenarios) { scenario in
            let result = Matcher.match(scenario.input)
            #expect(Matcher.match(scenario.input).allocations == result.allocations)
            let again = Matcher.match(scenario.applying(result))
            #expect(again.allocations.isEmpty, "\(again.summary) in \(scenario)")
            #expect(again.writeOffs.isEmpty)
        }
    }

    @Test("a later day's payment for an old bill closes it and changes nothing else")
    func laterPaymentClosesOldBill() async {
        await propertyCheck(count: 300, input: scenarios) { scenario in
            let ledger = scenario.applying(Matcher.match(scenario.input))
            var keyCount: [String: Int] = [:]
            for bill in ledger.bills { keyCount[BillReference.normalizedKey(bill.number.rawValue), default: 0] += 1 }
            guard let old = ledger.bills.first(where: {
                $0.outstanding.isPositive && keyCount[BillReference.normalizedKey($0.number.rawValue)] == 1
            }) else { return }
            var next = ledger
            let payment = Payment(id: "late", source: .bank1C, receivedOn: Fixture.day(20, month: 12),
                                  amount: old.outstanding, payerINN: old.customerINN, payerName: nil,
                                  purpose: "Оплата по счету № \(old.number) от \(old.date.russian) г.", raw: "")
            next.payments.append(OpenPayment(payment))
            let result = Matcher.match(next)
            #expect(result.allocations == [Allocation(paymentID: "late", orderID: old.orderID, billNumber: old.number,
                                                      amount: old.outstanding, method: .reference)],
                    "\(scenario)")
            #expect(result.bills.map(\.orderID) == [old.orderID])
            #expect(result.bills.first?.isClosed == true)
        }
    }
}
