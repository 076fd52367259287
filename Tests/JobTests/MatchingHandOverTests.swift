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

    @Test("take() gives the bills and payments and keeps none; the matcher decides on what it was given")
    func takenOnce() throws {
        let handOver = MatchingHandOver(try Self.input())
        let taken = handOver.take()
        #expect(taken.bills.map(\.number) == [BillNumber("СЧ-1")])
        #expect(taken.payments.map(\.payment.id) == [PaymentID("P-1")])
        let rest = handOver.take()
        #expect(rest.bills.isEmpty && rest.payments.isEmpty)
        #expect(rest.knownCustomerINNs == ["7701234560"])
        let result = Matcher.match(taken)
        #expect(result.allocations.map(\.amount) == [Money(kopecks: 150_000)])
        #expect(result.allocations.map(\.billNumber) == [BillNumber("СЧ-1")])
    }
}
