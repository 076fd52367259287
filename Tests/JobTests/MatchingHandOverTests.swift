import Domain
import Foundation
@testable import Job
import Reconcile
import Testing

/// The matcher's input goes to its thread whole, and nothing of the day's bills and payments stays
/// behind in the hand-over (so the matcher, which takes its input over, holds them once).
@Suite("The matcher's input handed over")
struct MatchingHandOverTests {
    static let day = CivilDate(year: 2026, month: 11, day: 27)!

    static func input() throws -> MatchingInput {
        let payment = Payment(id: PaymentID("P-1"), source: .bank1C, receivedOn: day, amount: Money(kopecks: 150_000),
                              payerINN: "7701234560", payerName: "ООО «Ромашка»", purpose: "Оплата по счёту СЧ-1",
                              raw: "")
        let bill = OpenBill(number: BillNumber("СЧ-1"), orderID: OrderID("ORD-1"), orderNumber: "1", customerINN: "7701234560",
                            date: day, amount: Money(kopecks: 150_000))
        return MatchingInput(payments: [OpenPayment(payment)], bills: [bill], knownCustomerINNs: ["7701234560"],
                             configuration: try MatchingConfiguration())
    }

    @Test("take() gives the bills and payments once and keeps nothing; the matcher decides on what it was given")
    func takenOnce() throws {
        let handOver = Handover(try Self.input())
        let taken = try #require(handOver.take())
        #expect(taken.bills.map(\.number) == [BillNumber("СЧ-1")])
        #expect(taken.payments.map(\.payment.id) == [PaymentID("P-1")])
        #expect(handOver.take() == nil)
        let result = Matcher.match(taken)
        #expect(result.allocations.map(\.amount) == [Money(kopecks: 150_000)])
        #expect(result.allocations.map(\.billNumber) == [BillNumber("СЧ-1")])
    }

    @Test("a hand-over keeps no copy: once taken, the value's storage has its taker as its only owner")
    func noCopyLeft() {
        final class Probe: Sendable {}
        weak var probe: Probe?
        do {
            let handOver: Handover<[Probe]>
            do {
                let made = Probe()
                probe = made
                handOver = Handover([made])
            }
            var taken = handOver.take()
            #expect(probe != nil && taken?.count == 1)
            taken = nil
            // (Taken and let go: nothing else held it.)
            #expect(probe == nil)
            _ = handOver
        }
    }
}
