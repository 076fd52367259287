import Domain
import PropertyBased
import Testing
@testable import Reconcile

/// Inputs with every case the matcher knows, decoded from a seed: prepayments and later payments,
/// partial and over-payments, one payment for several bills, quoted numbers in every spelling
/// (Cyrillic and Latin, glued prefixes, leading zeros, numbers several bills share), provider
/// payments by order id and `merchantOrderId` (shared ones too), payouts, pins (applied before,
/// capped, rejected), credit from earlier allocations, write-offs, duplicates and invalid amounts,
/// and bills that tie on date and number.
struct RichScenario: Sendable, CustomStringConvertible {
    var input: MatchingInput
    let seed: UInt64

    private struct Random {
        var state: UInt64
        mutating func next() -> UInt64 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return state >> 11
        }
        mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(max(1, bound))) }
        mutating func chance(_ percent: Int) -> Bool { below(100) < percent }
        mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }
    }

    static let customers = [Fixture.romashka, Fixture.vasilek, "7703456782", "7704567893", "500100732259"]
    static let amounts: [Int64] = [10_000, 20_000, 25_000, 30_000, 50_000, 12_345, 12_343, 99, 1, 7_000]

    init(seed: UInt64, bills billCount: Int, payments paymentCount: Int, pins pinCount: Int? = nil) {
        self.seed = seed
        var random = Random(state: seed)
        var bills: [OpenBill] = []
        let prefixes = ["СЧ-", "СЧ", "сч-", "Сч-", "INV-", "A", "Б", "", "СЧ-0", "ЯЯ-", "Й-", "И\u{306}-", "Z-"]
        for index in 0..<billCount {
            // Numbers of different lengths and scripts (their byte order differs from their `String` order),
            // some shared by several bills (the same normalised key, or the very same number).
            let core = random.chance(20) ? random.below(6) : index
            let number = random.pick(prefixes) + String(repeating: "0", count: random.below(4)) + "\(core)"
            let amount = random.pick(Self.amounts) * Int64(1 + random.below(3))
            let order = random.chance(5) && !bills.isEmpty ? bills[random.below(bills.count)].orderID : OrderID("ORD-\(index)")
            bills.append(OpenBill(
                number: BillNumber(number), orderID: order, orderNumber: random.chance(50) ? "\(index)" : "N-\(index % 7)",
                customerINN: random.pick(Self.customers), date: Fixture.day(1 + random.below(6)),
                amount: Money(kopecks: amount),
                allocated: Money(kopecks: random.chance(20) ? amount / 2 : (random.chance(5) ? amount : 0)),
                providerOrderID: random.chance(25) ? ProviderOrderID("uuid-\(random.below(billCount / 2 + 1))") : nil))
            if random.chance(4) { bills.append(bills[bills.count - 1]) }  // the same bill twice: a tie
        }
        let payers: [String?] = Self.customers + [nil, "", "000000000000", " 7701234560 ", "7799999999", Fixture.provider]
        var payments: [OpenPayment] = []
        for index in 0..<paymentCount {
            let quoted = bills.isEmpty ? "СЧ-1" : bills[random.below(bills.count)].number.rawValue
            let other = bills.isEmpty ? "2" : bills[random.below(bills.count)].number.rawValue
            let purposes = [
                "", "Оплата по счету № \(quoted) от 26.11.2026 г. Сумма 100-00, НДС 22%",
                "оплата счетов \(quoted), \(other)", "по счету СЧ-0999999", "за товар, НДС 22%",
                "Оплата по сч. \(quoted) и \(other)", "invoice #\(quoted)", "счет-фактура 12 от 01.11.2026",
                "по счёту №\(quoted.lowercased())", "Оплата заказа \(index)",
            ]
            let source = random.pick([Payment.Source.bank1C, .camt053, .invoicebox, .bank1C])
            let amount: Int64 = random.chance(3) ? -random.pick(Self.amounts) * Int64(random.below(2))
                : random.pick(Self.amounts) * Int64(1 + random.below(4)) + (random.chance(15) ? -Int64(random.below(4)) : 0)
            let merchant: String? = source == .invoicebox && random.chance(50)
                ? random.pick(["ORD-\(random.below(billCount + 1))", "\(random.below(billCount + 1))", "N-\(random.below(7))", ""])
                : nil
            let payment = Payment(
                id: PaymentID(random.chance(4) && index > 0 ? "p\(random.below(index))" : "p\(index)"), source: source,
                receivedOn: Fixture.day(1 + random.below(8)), amount: Money(kopecks: amount),
                payerINN: random.pick(payers), payerName: random.chance(50) ? "ООО Плательщик \(index)" : nil,
                purpose: random.pick(purposes),
                providerOrderID: source == .invoicebox && random.chance(60)
                    ? ProviderOrderID("uuid-\(random.below(billCount / 2 + 2))") : nil,
                merchantOrderID: merchant, raw: "raw \(index)")
            var existing: [Allocation] = []
            if random.chance(15), !bills.isEmpty {
                // Allocated before (credit), or a pin applied by an earlier run.
                let bill = bills[random.below(bills.count)]
                existing.append(Allocation(paymentID: payment.id, orderID: bill.orderID, billNumber: bill.number,
                                           amount: Money(kopecks: Int64(1 + random.below(30_000))),
                                           method: random.pick([.reference, .pin, .innOldestFirst, .customerCredit])))
            }
            payments.append(OpenPayment(payment, existingAllocations: existing))
        }
        var pins: [Pin] = []
        for _ in 0..<(pinCount ?? random.below(4)) where !payments.isEmpty && !bills.isEmpty {
            pins.append(Pin(paymentID: payments[random.below(payments.count)].payment.id,
                            billNumber: random.chance(80) ? bills[random.below(bills.count)].number : "НЕТ-1",
                            amount: random.chance(50) ? Money(kopecks: Int64(1 + random.below(60_000))) : nil,
                            note: "pinned"))
        }
        let configuration = (try? MatchingConfiguration(
            writeOffLimit: Money(kopecks: Int64(random.below(11))), creditPaysLaterBills: random.chance(50),
            providerINN: random.chance(80) || pinCount != nil ? Fixture.provider : nil)) ?? .standard
        input = MatchingInput(payments: payments, bills: bills, pins: pins,
                              knownCustomerINNs: random.chance(50) ? [Fixture.romashka, "7799999999"] : [],
                              configuration: configuration)
    }

    var description: String { "seed \(seed): \(input.bills.count) bills, \(input.payments.count) payments" }
}

/// The same decisions, field by field and in the same order.
func expectSameDecisions(_ new: MatchingResult, _ old: MatchingResult, _ context: String,
                         sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(new.allocations == old.allocations, "allocations, \(context)", sourceLocation: sourceLocation)
    #expect(new.writeOffs == old.writeOffs, "write-offs, \(context)", sourceLocation: sourceLocation)
    #expect(new.payments == old.payments, "payments, \(context)", sourceLocation: sourceLocation)
    #expect(new.bills == old.bills, "bills, \(context)", sourceLocation: sourceLocation)
    #expect(new.exceptions == old.exceptions, "exceptions, \(context)", sourceLocation: sourceLocation)
    #expect(new.exceptions.map(\.message) == old.exceptions.map(\.message), "messages, \(context)",
            sourceLocation: sourceLocation)
    #expect(new.payouts == old.payouts, "payouts, \(context)", sourceLocation: sourceLocation)
}

@Suite("Matcher against the matcher before the speedup")
struct MatcherDifferentialTests {
    @Test("small generated inputs: the same decisions in the same order")
    func smallInputs() async {
        let inputs = zip(Gen.uint64(), Gen.int(in: 0...40), Gen.int(in: 0...40))
            .map { RichScenario(seed: $0, bills: $1, payments: $2) }
        await propertyCheck(count: 600, input: inputs) { scenario in
            let old = ReferenceMatcher.match(scenario.input)
            expectSameDecisions(Matcher.match(scenario.input), old, "\(scenario)")
        }
    }

    @Test("large generated inputs: the same decisions in the same order", arguments: [1 as UInt64, 2, 3, 4])
    func largeInputs(seed: UInt64) {
        let scenario = RichScenario(seed: seed &* 0x9E37_79B9_7F4A_7C15, bills: 3_000, payments: 2_500, pins: 60)
        let old = ReferenceMatcher.match(scenario.input)
        expectSameDecisions(Matcher.match(scenario.input), old, "\(scenario)")
        // Without outcomes (the job's way): the same decisions, no payments' or bills' outcomes.
        var decisionsOnly = scenario.input
        decisionsOnly.reportsOutcomes = false
        var expected = old
        (expected.payments, expected.bills) = ([], [])
        expectSameDecisions(Matcher.match(decisionsOnly), expected, "without outcomes, \(scenario)")
        // The generated cases are really there.
        let methods = Set(old.allocations.map(\.method))
        #expect(methods.isSuperset(of: [.pin, .provider, .reference, .innExactAmount, .innSubset, .innOldestFirst]),
                "\(methods)")
        let statuses = Set(old.payments.map(\.status))
        #expect(statuses == [.allocated, .credit, .unmatched, .payout, .rejected], "\(statuses)")
        #expect(!old.writeOffs.isEmpty || scenario.input.configuration.writeOffLimit.isZero)
    }

    @Test("bills given held compactly, all or the first of them: the same decisions as given as values")
    func compactBills() async {
        let inputs = zip(Gen.uint64(), Gen.int(in: 0...40), Gen.int(in: 0...100))
            .map { (RichScenario(seed: $0, bills: $1, payments: $1), $2) }
        await propertyCheck(count: 300, input: inputs) { scenario, percent in
            let expected = Matcher.match(scenario.input)
            var compact = scenario.input
            let split = compact.bills.count * percent / 100
            compact.compactBills = CompactBills(compact.bills[..<split])
            compact.bills.removeFirst(split)
            expectSameDecisions(Matcher.match(compact), expected, "\(split) compact, \(scenario)")
        }
    }

    @Test("ties, byte order and shuffled input: the same decisions as before")
    func tiesAndShuffles() async {
        let inputs = zip(Gen.uint64(), Gen.int(in: 1...30)).map { RichScenario(seed: $0, bills: $1, payments: $1) }
        await propertyCheck(count: 300, input: inputs) { scenario in
            var reversed = scenario.input
            reversed.bills.reverse()
            reversed.payments.reverse()
            expectSameDecisions(Matcher.match(reversed), ReferenceMatcher.match(reversed), "reversed \(scenario)")
            // In order already, as the ledger gives bills (the matcher takes such input as it is).
            var ordered = scenario.input
            func bytesLess(_ x: String, _ y: String) -> Bool { x.utf8.lexicographicallyPrecedes(y.utf8) }
            ordered.bills.sort { a, b in
                if a.date != b.date { return a.date < b.date }
                if Array(a.number.rawValue.utf8) != Array(b.number.rawValue.utf8) {
                    return bytesLess(a.number.rawValue, b.number.rawValue)
                }
                return bytesLess(a.orderID.rawValue, b.orderID.rawValue)
            }
            ordered.payments.sort { a, b in
                if a.payment.receivedOn != b.payment.receivedOn { return a.payment.receivedOn < b.payment.receivedOn }
                return bytesLess(a.payment.id.rawValue, b.payment.id.rawValue)
            }
            expectSameDecisions(Matcher.match(ordered), ReferenceMatcher.match(ordered), "ordered \(scenario)")
        }
    }

    @Test("bills and payments put in order where they are: as a copy in that order would be")
    func arrangeInPlace() {
        var state: UInt64 = 0x5EED
        func random(_ bound: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int((state >> 33) % UInt64(bound))
        }
        for count in [0, 1, 2, 3, 7, 64, 1_000] {
            let elements = (0..<count).map { "элемент \($0)" } // (heap strings: moved, not lost or doubled)
            var orders: [[Int]] = [Array(0..<count), Array((0..<count).reversed())]
            for _ in 0..<5 {
                var order = Array(0..<count)
                for index in order.indices.reversed() where index > 0 { order.swapAt(index, random(index + 1)) }
                orders.append(order)
            }
            for order in orders {
                var arranged = elements
                ByteOrder.arrange(&arranged, in: order)
                #expect(arranged == order.map { elements[$0] }, "\(count) elements")
            }
        }
    }

    @Test("byte order of strings: as the UTF-8 bytes compare")
    func byteOrder() {
        let texts = ["", "a", "A", "ab", "b", "СЧ-1", "СЧ-10", "СЧ-9", "сч-1", "Ё", "Е", "e\u{301}", "é", "ЯЯ", "Я"]
        for a in texts {
            for b in texts {
                let expected = a.utf8.lexicographicallyPrecedes(b.utf8) ? -1 : (Array(a.utf8) == Array(b.utf8) ? 0 : 1)
                #expect(ByteOrder.compare(a, b).signum() == expected, "\(a) vs \(b)")
            }
        }
    }
}
