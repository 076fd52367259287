import Domain
import Foundation
import Testing
@testable import Reconcile

@Suite("Balances, weighed goods, ageing, stop list, payouts")
struct CreditControlTests {
    typealias F = Fixture

    private func movement(_ id: String, _ kind: BalanceMovement.Kind, _ amount: String, day: Int, month: Int = 11,
                          order: String? = nil, customer: String = Fixture.romashka) -> BalanceMovement {
        BalanceMovement(id: id, customerINN: customer, date: F.day(day, month: month), kind: kind,
                        amount: F.rub(amount), orderID: order.map { OrderID($0) }, reference: id)
    }

    // MARK: Balances

    @Test("running balance at a date and movements in a period")
    func balances() {
        let movements = [
            movement("s1", .shipment, "1000.00", day: 1), movement("p1", .payment, "-600.00", day: 5),
            movement("a1", .adjustment, "-50.00", day: 6), movement("r1", .refund, "10.00", day: 8),
            movement("w1", .writeOff, "-0.02", day: 8), movement("s1", .shipment, "1000.00", day: 1),
            movement("x", .shipment, "5.00", day: 2, customer: F.vasilek),
        ]
        let balances = Balances(movements)
        #expect(balances.balance(of: F.romashka, at: F.day(1)) == F.rub("1000.00"), "a repeated id counts once")
        #expect(balances.balance(of: F.romashka, at: F.day(5)) == F.rub("400.00"))
        #expect(balances.balance(of: F.romashka, at: F.day(30)) == F.rub("359.98"))
        #expect(balances.balance(of: F.romashka, at: F.day(1, month: 10)) == .zero)
        #expect(balances.movements(of: F.romashka, in: F.day(5)...F.day(6)).map(\.id) == ["p1", "a1"])
        #expect(balances.customers == [F.romashka, F.vasilek])
    }

    // MARK: Weighed goods

    @Test("a prepaid order shipped for less than was paid: the difference is credit or a refund, per order")
    func weighedGoods() throws {
        let orders = [
            PrepaidSettlementInput(orderID: "ORD-2", billNumber: "СЧ-2", customerINN: F.romashka,
                                   ordered: F.rub("1000.00"), paid: F.rub("1000.00"),
                                   shippedValue: F.rub("947.62"), settledOn: F.day(27)),
            PrepaidSettlementInput(orderID: "ORD-1", billNumber: "СЧ-1", customerINN: F.romashka,
                                   ordered: F.rub("500.00"), paid: F.rub("500.00"),
                                   shippedValue: F.rub("500.00"), settledOn: F.day(27)),
        ]
        let credit = WeighedGoods.settle(orders, treatment: .customerCredit)
        #expect(credit.orders.map(\.orderID) == ["ORD-1", "ORD-2"])
        #expect(credit.orders[1].difference == F.rub("52.38"))
        #expect(credit.orders[1].treatment == .customerCredit)
        #expect(credit.orders[0].treatment == nil)
        #expect(credit.movements.isEmpty && credit.refunds.isEmpty)

        let refund = WeighedGoods.settle(orders, treatment: .refund)
        let entry = try #require(refund.refunds.first)
        #expect(refund.refunds.count == 1)
        #expect(entry.amount == F.rub("52.38") && entry.orderID == "ORD-2")
        #expect(refund.movements == [BalanceMovement(id: "refund:ORD-2", customerINN: F.romashka, date: F.day(27),
                                                     kind: .refund, amount: F.rub("52.38"), orderID: "ORD-2",
                                                     reference: "refund of 52.38 for bill СЧ-2")])
    }

    // MARK: Ageing and stop list

    @Test("postpaid receivables aged by due date, payments allocated to the oldest shipments first")
    func ageing() throws {
        let asOf = F.day(30, month: 12)
        let movements = [
            movement("s-aug", .shipment, "100.00", day: 1, month: 8, order: "O1"),   // due 08-11, 141 days
            movement("s-oct", .shipment, "200.00", day: 1, month: 10, order: "O2"),  // due 10-11, 80 days
            movement("s-nov", .shipment, "300.00", day: 20, month: 11, order: "O3"), // due 11-30, 30 days
            movement("s-dec", .shipment, "400.00", day: 25, month: 12, order: "O4"), // due 01-04, not due
            movement("pay", .payment, "-150.00", day: 1, month: 12),
            movement("future", .shipment, "999.00", day: 31, month: 12, order: "O5"),
        ]
        let aged = Receivables.age(movements, deferralDays: ["O1": 10, "O2": 10, "O3": 10, "O4": 10], asOf: asOf)
        let romashka = try #require(aged.first)
        #expect(romashka.balance == F.rub("850.00"))
        #expect(romashka.buckets.over90 == .zero, "the August shipment is paid by the payment")
        #expect(romashka.buckets.days61to90 == F.rub("150.00"))
        #expect(romashka.buckets.days1to30 == F.rub("300.00"))
        #expect(romashka.buckets.notDue == F.rub("400.00"))
        #expect(romashka.buckets.total == romashka.balance)
        #expect(romashka.maxDaysOverdue == 80)
        #expect(romashka.open.map(\.movementID) == ["s-oct", "s-nov", "s-dec"])

        let old = Receivables.age([movement("s", .shipment, "10.00", day: 1, month: 8, order: "O1")],
                                  deferralDays: [:], asOf: asOf)
        #expect(old.first?.buckets.over90 == F.rub("10.00"))
        let advance = Receivables.age([movement("p", .payment, "-10.00", day: 1)], deferralDays: [:], asOf: asOf)
        #expect(advance.first?.unusedCredit == F.rub("10.00"))
        #expect(advance.first?.buckets.total == .zero)
    }

    @Test("the stop list: over the credit limit with open orders, or anything overdue, with reasons and amounts")
    func stopList() throws {
        let asOf = F.day(30)
        let movements = [
            movement("s1", .shipment, "800.00", day: 25, order: "O1"),                       // not due
            movement("s2", .shipment, "100.00", day: 1, order: "O2", customer: F.vasilek),  // overdue
            movement("s3", .shipment, "100.00", day: 29, order: "O3", customer: "7703456782"),
        ]
        let aged = Receivables.age(movements, deferralDays: ["O1": 14, "O2": 14, "O3": 14], asOf: asOf)
        let accounts = [
            CreditAccount(customerINN: F.romashka, creditLimit: F.rub("1000.00"), openOrders: F.rub("300.00")),
            CreditAccount(customerINN: F.vasilek, creditLimit: F.rub("5000.00"), openOrders: .zero),
            CreditAccount(customerINN: "7703456782", creditLimit: F.rub("1000.00"), openOrders: F.rub("900.00")),
        ]
        let list = CreditControl.stopList(ageing: aged, accounts: accounts, asOf: asOf)
        // What a day keeps of the ageing (no open debits) gives the same stop list, and only `open` differs.
        let kept = aged.map(\.withoutOpenDebits)
        #expect(kept.allSatisfy(\.open.isEmpty) && aged.contains { !$0.open.isEmpty })
        #expect(kept.map { [$0.customerINN, "\($0.balance)", "\($0.buckets)", "\($0.unusedCredit)", "\($0.maxDaysOverdue)"] }
                == aged.map { [$0.customerINN, "\($0.balance)", "\($0.buckets)", "\($0.unusedCredit)", "\($0.maxDaysOverdue)"] })
        #expect(CreditControl.stopList(ageing: kept, accounts: accounts, asOf: asOf) == list)
        #expect(list.customers.map(\.customerINN) == [F.romashka, F.vasilek])
        let romashka = try #require(list.customers.first)
        #expect(romashka.reasons == [.overCreditLimit])
        #expect(romashka.overLimitBy == F.rub("100.00"))
        #expect(list.customers[1].reasons == [.overdue])
        #expect(list.customers[1].overdue == F.rub("100.00"))
        #expect(list.customers[1].maxDaysOverdue == 15)
        #expect(!list.contains("7703456782"), "exactly at the limit is not over it")

        let data = try list.jsonData()
        let text = try #require(String(data: data, encoding: .utf8))
        #expect(text.contains("\"version\" : 1"))
        #expect(text.contains("\"over_limit_by\" : \"100.00\""))
        #expect(text.contains("\"reasons\" : [\n        \"over-credit-limit\"\n      ]"))
        #expect(try StopList.decode(data) == list)

        let future = Data(text.replacingOccurrences(of: "\"version\" : 1", with: "\"version\" : 2").utf8)
        #expect(throws: StopListDecodingError.self) { try StopList.decode(future) }
    }

    @Test("the stop list's JSON is JSONEncoder's exact pretty-printed bytes: a full list, an empty one, entries without a limit")
    func stopListBytes() throws {
        let reference = JSONEncoder()
        reference.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let asOf = F.day(30)
        var movements: [BalanceMovement] = []
        var accounts: [CreditAccount] = []
        var deferral: [OrderID: Int] = [:]
        for index in 0..<40 {
            let customer = "77" + String(repeating: "0", count: index < 10 ? 7 : 6) + "\(index)"
            movements.append(movement("m\(index)", .shipment, "\(100 + index).50", day: 1 + index % 28, order: "O\(index)", customer: customer))
            deferral[OrderID("O\(index)")] = index % 3 == 0 ? 0 : 14
            if index % 4 != 0 {
                accounts.append(CreditAccount(customerINN: customer, creditLimit: F.rub("50.00"), openOrders: F.rub("10.00")))
            }
        }
        let list = CreditControl.stopList(ageing: Receivables.age(movements, deferralDays: deferral, asOf: asOf), accounts: accounts, asOf: asOf)
        #expect(list.customers.count > 10)
        #expect(list.customers.contains { $0.creditLimit == nil })
        #expect(try list.jsonData() == (try reference.encode(list)))
        let empty = StopList(asOf: asOf, customers: [])
        #expect(try empty.jsonData() == (try reference.encode(empty)))
        #expect(String(decoding: try empty.jsonData(), as: UTF8.self).contains("\"customers\" : [\n\n  ]"))
    }

    // MARK: Payouts

    @Test("commission rates: basis points or a percentage string, rounded half away from zero")
    func commission() throws {
        let rate = try #require(CommissionRate(percent: "2.5%"))
        #expect(rate == CommissionRate(basisPoints: 250))
        #expect(rate.commission(on: F.rub("10.10")) == F.rub("0.25"))   // 0.2525
        #expect(rate.commission(on: F.rub("10.20")) == F.rub("0.26"))   // 0.255 → up
        #expect(rate.commission(on: F.rub("-10.20")) == F.rub("-0.26")) // away from zero
        #expect(CommissionRate(percent: "0,35")?.commission(on: F.rub("1000.00")) == F.rub("3.50"))
        #expect(CommissionRate(percent: "abc") == nil)
        #expect(CommissionRate(percent: "101") == nil)
        #expect(CommissionRate(basisPoints: -1) == nil)
        #expect(rate.description == "2.5%")
    }

    @Test("a payout with the right commission matches; a wrong one is a payout-difference with the payments it covers")
    func payouts() throws {
        let configuration = PayoutConfiguration(providerINN: F.provider, settlementLagDays: 1,
                                                commission: try #require(CommissionRate(basisPoints: 250)))
        let providerPayments = [
            F.payment("ib-1", amount: "1000.00", day: 26, source: .invoicebox),
            F.payment("ib-2", amount: "500.00", day: 26, source: .invoicebox),
            F.payment("ib-3", amount: "200.00", day: 27, source: .invoicebox),
            F.payment("ib-0", amount: "300.00", day: 25, source: .invoicebox),
        ]
        // 27th covers the 26th (ib-0 already covered): 1500 − 37.50 = 1462.50.
        let right = F.payment("bank-1", amount: "1462.50", payer: F.provider, day: 27)
        // 28th covers the 27th: 200 − 5.00 = 195.00, but 190.00 arrived.
        let wrong = F.payment("bank-2", amount: "190.00", payer: F.provider, day: 28)
        let report = PayoutCheck.check(payouts: [wrong, right], providerPayments: providerPayments,
                                       alreadyCovered: ["ib-0"], configuration: configuration)
        #expect(report.payouts.map(\.payoutID) == ["bank-1", "bank-2"])
        let first = report.payouts[0]
        #expect(first.covered == ["ib-1", "ib-2"])
        #expect(first.gross == F.rub("1500.00") && first.commission == F.rub("37.50") && first.difference == .zero)
        let second = report.payouts[1]
        #expect(second.expected == F.rub("195.00") && second.difference == F.rub("-5.00"))
        let exception = try #require(report.exceptions.first)
        #expect(report.exceptions.count == 1)
        #expect(exception.kind == .payoutDifference)
        #expect(exception.expected == F.rub("195.00") && exception.actual == F.rub("190.00"))
        #expect(exception.difference == F.rub("-5.00"))
        #expect(exception.coveredPayments == ["ib-3"])
        #expect(report.covered == ["ib-0", "ib-1", "ib-2", "ib-3"])
    }
}
