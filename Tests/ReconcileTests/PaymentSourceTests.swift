import Domain
import PropertyBased
import Synchronization
import Testing
@testable import Reconcile

/// Payments given to the matcher by position, as the job's file gives them, counting what is read.
final class CountingSource: PaymentSource {
    let held: [OpenPayment]
    /// The most payments one read asked for, and how many reads there were.
    let reads = Mutex<(largest: Int, count: Int)>((0, 0))
    /// A read that fails once this many payments were given (nil: none fails).
    let failAfter: Int?
    private let given = Mutex(0)

    init(_ payments: [OpenPayment], failAfter: Int? = nil) {
        held = payments
        self.failAfter = failAfter
    }

    var count: Int { held.count }

    struct ReadFailed: Error, CustomStringConvertible {
        var description: String { "payments' file: cannot read back" }
    }

    func payments(at positions: [Int]) throws -> [OpenPayment] {
        try given.withLock { given in
            given += positions.count
            if let failAfter, given > failAfter { throw ReadFailed() }
        }
        reads.withLock { $0 = (max($0.largest, positions.count), $0.count + 1) }
        return positions.map { held[$0] }
    }
}

@Suite("The matcher's payments read from a source a window at a time")
struct PaymentSourceTests {
    /// The input with its payments taken out, and the source that gives them.
    static func split(_ input: MatchingInput, failAfter: Int? = nil) -> (MatchingInput, CountingSource) {
        var rest = input
        rest.payments = []
        return (rest, CountingSource(input.payments, failAfter: failAfter))
    }

    @Test("generated inputs: the same decisions, outcomes and messages as with every payment held",
          arguments: [1, 3, 64])
    func sameDecisions(window: Int) async {
        let inputs = zip(Gen.uint64(), Gen.int(in: 0...40), Gen.int(in: 0...40))
            .map { RichScenario(seed: $0, bills: $1, payments: $2) }
        await propertyCheck(count: 200, input: inputs) { scenario in
            let held = Matcher.match(scenario.input)
            let (rest, source) = Self.split(scenario.input)
            do {
                let read = try Matcher.match(rest, paymentsFrom: source, window: window)
                expectSameDecisions(read, held, "window \(window), \(scenario)")
                #expect(source.reads.withLock { $0.largest } <= window)
            } catch {
                Issue.record("\(scenario): \(error)")
            }
        }
    }

    @Test("a large input, decisions only (the job's way): the same decisions, never more than one window read at once")
    func largeInput() throws {
        var input = RichScenario(seed: 7 &* 0x9E37_79B9_7F4A_7C15, bills: 3_000, payments: 2_500, pins: 60).input
        input.reportsOutcomes = false
        let held = Matcher.match(input)
        let (rest, source) = Self.split(input)
        let read = try Matcher.match(rest, paymentsFrom: source, window: 100)
        expectSameDecisions(read, held, "window 100")
        let (largest, reads) = source.reads.withLock { $0 }
        #expect(largest == 100)
        // The plan's read, then the passes (validity, pins, the rules, credit) and the allocated payments'
        // ids: each reads every window once, so 2 500 payments take at most 6 × 25 reads.
        #expect(reads <= 6 * 25, "\(reads) reads")
        #expect(!held.allocations.isEmpty && held.allocations.count == read.allocations.count)
    }

    @Test("a source that fails: the error comes out and nothing is decided")
    func failingSource() {
        let input = RichScenario(seed: 11, bills: 40, payments: 40).input
        for failAfter in [0, 39, 41, 100] {
            let (rest, source) = Self.split(input, failAfter: failAfter)
            #expect(throws: CountingSource.ReadFailed.self, "failing after \(failAfter) payments") {
                _ = try Matcher.match(rest, paymentsFrom: source, window: 8)
            }
        }
    }

    @Test("a payment given twice by the source: the first in the canonical order counts, the copy is rejected")
    func repeatedPayment() throws {
        let day = CivilDate(year: 2026, month: 11, day: 27)!
        let bill = OpenBill(number: BillNumber("СЧ-7"), orderID: OrderID("ORD-7"), orderNumber: "7",
                            customerINN: Fixture.romashka, date: day, amount: Money(kopecks: 100_00))
        func payment(_ kopecks: Int64, on date: CivilDate) -> OpenPayment {
            OpenPayment(Payment(id: PaymentID("P-7"), source: .bank1C, receivedOn: date, amount: Money(kopecks: kopecks),
                                payerINN: Fixture.romashka, payerName: "ООО «Ромашка»", purpose: "Оплата по счёту СЧ-7", raw: ""))
        }
        // The later copy comes first in the source: the earlier date counts.
        let input = MatchingInput(payments: [payment(40_00, on: day.adding(days: 1)), payment(100_00, on: day)],
                                  bills: [bill], knownCustomerINNs: [Fixture.romashka])
        let (rest, source) = Self.split(input)
        let read = try Matcher.match(rest, paymentsFrom: source, window: 1)
        #expect(read.allocations.map(\.amount) == [Money(kopecks: 100_00)])
        #expect(read.exceptions.map(\.kind) == [.duplicatePayment])
        expectSameDecisions(read, Matcher.match(input), "a payment given twice")
    }
}
