import Domain
import Foundation
import Testing
@testable import Reconcile

/// `Balances` keeps each customer's movements by date then id whatever order they come in (it skips
/// sorting what already is in order): sorted, reversed and shuffled inputs give the same balances,
/// movements and ageing.
@Suite("Balances: the order movements come in")
struct BalancesOrderTests {
    @Test("sorted, reversed and shuffled movements (ids alike, non-ASCII, repeated) give the same results")
    func orderDoesNotMatter() {
        var random = SystemRandomNumberGenerator()
        let customers = [Fixture.romashka, Fixture.vasilek]
        let ids = ["s1", "s10", "s2", "S1", "ё1", "е1", "payment:P-1@2026-11-03", "payment:P-1", "a", "b"]
        var movements: [BalanceMovement] = []
        for (index, id) in ids.enumerated() {
            for customer in customers {
                movements.append(BalanceMovement(
                    id: "\(id):\(customer)", customerINN: customer, date: Fixture.day(1 + index % 3),
                    kind: index % 2 == 0 ? .shipment : .payment, amount: Money(kopecks: Int64(index % 2 == 0 ? 1_000 : -300) * Int64(index + 1)),
                    orderID: OrderID("ORD-\(index)"), reference: id))
            }
        }
        movements.append(movements[3])  // a repeated id counts once
        let sorted = movements.sorted { $0.date != $1.date ? $0.date < $1.date : $0.id < $1.id }
        let asOf = Fixture.day(20)
        let expected = Receivables.age(sorted, deferralDays: [OrderID("ORD-0"): 3], asOf: asOf)
        let reference = Balances(sorted)
        for input in [movements, sorted.reversed(), movements.shuffled(using: &random), movements.shuffled(using: &random)] {
            let balances = Balances(input)
            #expect(Receivables.age(input, deferralDays: [OrderID("ORD-0"): 3], asOf: asOf) == expected)
            for customer in customers {
                #expect(balances.movements(of: customer, upTo: asOf) == reference.movements(of: customer, upTo: asOf))
                #expect(balances.balance(of: customer, at: Fixture.day(2)) == reference.balance(of: customer, at: Fixture.day(2)))
            }
        }
        #expect(reference.movements(of: Fixture.romashka, upTo: asOf).count == ids.count)
    }
}
