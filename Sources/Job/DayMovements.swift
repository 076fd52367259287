import Domain
import Foundation
import Ledger
import Reconcile

extension DayComputation {
    /// The value of a set of quantities of an order's lines, by the ledger's rounding rules.
    static func value(of lines: [(lineNo: Int, quantity: ExactDecimal)], in order: Order) -> Money {
        lines.compactMap { item in
            order.line(item.lineNo).map {
                LineAmounts(quantity: item.quantity, unitPriceWithVAT: $0.price, rate: $0.vatRate).total
            }
        }.sum()
    }

    /// Step 4 of the day: the balance movements of the day's orders and touched payments, weighed goods.
    func recordMovements(_ tx: LedgerTransaction, orders: [Order], facts: inout DayFacts) throws {
        try DayMovements(day: day, prefix: prefix, providerINN: providerINN,
                         weighedTreatment: configuration.policies.weighedDifference == .refund ? .refund : .customerCredit)
            .record(tx, orders: orders, facts: &facts)
    }

    /// Step 4 of the day: ageing and the stop list of the customers the day touched.
    func creditControl(_ tx: LedgerTransaction, orders: [Order], facts: inout DayFacts) throws {
        try DayMovements(day: day, prefix: prefix, providerINN: providerINN,
                         weighedTreatment: configuration.policies.weighedDifference == .refund ? .refund : .customerCredit)
            .creditControl(tx, facts: &facts)
    }
}

/// The day's balance movements and credit control, from the ledger as the earlier steps of the day left it.
struct DayMovements {
    let day: CivilDate
    /// The documents' number prefix (references name `УПД № <prefix><number>`).
    let prefix: String
    /// The payment provider's ИНН: its payouts are no customer's payments.
    let providerINN: String?
    let weighedTreatment: OverpaymentTreatment

    /// How many orders' (or payments', customers') rows are read with one batch of queries.
    static let readBlock = DayComputation.readBlock

    /// A movement of `value` for something that may change on later days (a shipment whose
    /// document is corrected, a payment attributed anew): the first business day writes `base`;
    /// a later day that sees another value writes the difference as `base@<day>`, dated that day.
    /// Nothing a day recorded is ever rewritten by a later one, so each day's figures stay as they were.
    func staged(_ histories: [String: [(movement: BalanceMovement, businessDate: CivilDate)]], base: String,
                value: Money, customer: String, date: CivilDate,
                kind: BalanceMovement.Kind, orderID: OrderID?, reference: @autoclosure () -> String) -> BalanceMovement? {
        guard let history = histories[base], history.contains(where: { $0.businessDate < day }) else {
            return BalanceMovement(id: base, customerINN: customer, date: date, kind: kind, amount: value,
                                   orderID: orderID, reference: reference())
        }
        var earlier = Money.zero
        for entry in history where entry.businessDate < day { earlier += entry.movement.amount }
        let delta = value - earlier
        let id = "\(base)@\(day.iso)"
        guard !delta.isZero || history.contains(where: { $0.movement.id == id }) else { return nil }
        return BalanceMovement(id: id, customerINN: customer, date: max(date, day), kind: kind, amount: delta,
                               orderID: orderID, reference: reference() + " (изменение \(day.russian))")
    }

    /// The latest version of a document that this business day (or an earlier one) recorded: a rerun
    /// of an earlier day must not describe its movements with a later day's correction.
    /// `versions`: every version of the documents of the document's order, in recording order.
    func documentAsOfDay(_ versions: [DocumentStamp], identity: String) -> DocumentStamp? {
        var latest: DocumentStamp?
        for version in versions where version.businessDate <= day && version.identity == identity {
            // (The first of equal correction numbers, as `max(by:)` keeps it.)
            if latest.map({ $0.correctionNumber < version.correctionNumber }) ?? true { latest = version }
        }
        return latest
    }

    /// The value of a shipment's lines in `order` (``DayComputation/value(of:in:)`` of its lines), without
    /// copying the order's lines.
    static func value(of shipment: Shipment, in order: Order) -> Money {
        var total = Money.zero
        for line in shipment.lines {
            // (`Order.line(_:)`: the first line of that number.)
            guard let index = order.lines.firstIndex(where: { $0.lineNo == line.lineNo }) else { continue }
            total += LineAmounts(quantity: line.quantity, unitPriceWithVAT: order.lines[index].price,
                                 rate: order.lines[index].vatRate).total
        }
        return total
    }

    /// One shipment of an order that the day describes, with its returns after delivery in the order they happened.
    private struct DayShipment {
        var index: Int
        var base: String
        var returns: [(ret: Return, base: String)]
    }

    /// The shipments of `order` that the day describes, with their returns after delivery; their bases
    /// are added to `bases`.
    private func plan(_ order: Order, bases: inout [String]) -> [DayShipment] {
        // Returns after delivery lower the value on this day, in the order they happened.
        let afterDelivery = order.returns.isEmpty ? []
            : order.returns.sorted(by: { ($0.at, $0.id) < ($1.at, $1.id) })
                .filter { $0.stage == .afterDelivery && $0.at.moscowDate <= day }
        var shipments: [DayShipment] = []
        for index in order.shipments.indices where order.shipments[index].date <= day {
            let base = "shipment:\(order.shipments[index].id)"
            bases.append(base)
            var returns: [(ret: Return, base: String)] = []
            for ret in afterDelivery where ret.shipmentID == order.shipments[index].id {
                let returnBase = "return:\(ret.id)"
                bases.append(returnBase)
                returns.append((ret, returnBase))
            }
            shipments.append(DayShipment(index: index, base: base, returns: returns))
        }
        return shipments
    }

    /// The movements of one order's shipments (and their returns) that the day describes (`shipments`).
    private func describe(_ order: Order, _ shipments: [DayShipment], versionsByOrder: [OrderID: [DocumentStamp]],
                          histories: [String: [(movement: BalanceMovement, businessDate: CivilDate)]],
                          into movements: inout [BalanceMovement], facts: inout DayFacts) {
        let inn = order.customer.inn.value
        facts.customersTouched.insert(inn)
        facts.customerNames[inn] = order.customer.name
        guard !shipments.isEmpty else { return }
        let versions = versionsByOrder[order.id] ?? []
        for planned in shipments {
            let shipment = order.shipments[planned.index]
            let amount = Self.value(of: shipment, in: order)
            let document = documentAsOfDay(versions, identity: "UPD:\(shipment.id)")
            let reference: String
            if let document, let number = document.number {
                reference = "УПД № \(prefix)\(number) от \(document.date.russian)"
                    + (document.correctionNumber > 0 ? ", испр. \(document.correctionNumber)" : "")
            } else {
                reference = "Отгрузка \(shipment.id) от \(shipment.date.russian)"
            }
            if let movement = staged(histories, base: planned.base, value: amount, customer: inn,
                                     date: shipment.date, kind: .shipment, orderID: order.id, reference: reference) {
                movements.append(movement)
            }
            guard !planned.returns.isEmpty else { continue }
            // Returns after delivery lower the value, line by line, in the order they happened.
            var current = Dictionary(shipment.lines.map { ($0.lineNo, $0.quantity) }, uniquingKeysWith: { a, _ in a })
            for (ret, base) in planned.returns {
                let before = DayComputation.value(of: current.map { ($0.key, $0.value) }, in: order)
                for line in ret.lines { current[line.lineNo] = (current[line.lineNo] ?? .zero) - line.quantity }
                let after = DayComputation.value(of: current.map { ($0.key, $0.value) }, in: order)
                let ukd = documentAsOfDay(versions, identity: "UKD:\(ret.id)")
                let reference = ukd?.number.map { "УКД № \(prefix)\($0) от \(ukd?.date.russian ?? "")" }
                    ?? "Возврат \(ret.id) от \(ret.at.moscowDate.russian)"
                if let movement = staged(histories, base: base, value: after - before, customer: inn,
                                         date: ret.at.moscowDate, kind: .adjustment, orderID: order.id,
                                         reference: reference) {
                    movements.append(movement)
                }
            }
        }
    }

    func record(_ tx: LedgerTransaction, orders: [Order], facts: inout DayFacts) throws {
        var movements: [BalanceMovement] = []
        movements.reserveCapacity(orders.count * 2 + facts.touchedPayments.count)
        // A block of orders at a time: their documents and the histories of their movements are read at once.
        var start = 0
        while start < orders.count {
            let block = orders[start..<min(orders.count, start + Self.readBlock)]
            start += block.count
            var bases: [String] = []
            var shipping: [OrderID] = []
            var planned: [[DayShipment]] = []
            planned.reserveCapacity(block.count)
            bases.reserveCapacity(block.count * 2)
            for index in block.indices where orders[index].status != .cancelled {
                let shipments = plan(orders[index], bases: &bases)
                if !shipments.isEmpty { shipping.append(orders[index].id) }
                planned.append(shipments)
            }
            let versionsByOrder = try tx.documentStamps(orders: shipping)
            let histories = try tx.movementHistories(bases: bases)
            var position = 0
            for index in block.indices where orders[index].status != .cancelled {
                describe(orders[index], planned[position], versionsByOrder: versionsByOrder, histories: histories,
                         into: &movements, facts: &facts)
                position += 1
            }
        }
        // Payments: one movement per payment and customer it paid for; the rest is the payer's credit.
        let known = try tx.customerINNs()
        start = 0
        while start < facts.touchedPayments.count {
            let block = Array(facts.touchedPayments[start..<min(facts.touchedPayments.count, start + Self.readBlock)])
            start += block.count
            let payments = try tx.paymentsReadDirectly(ids: block)
            let sharesByPayment = try tx.allocatedShares(payments: block)
            var planned: [(id: PaymentID, payment: Payment, reference: String, amounts: [(customer: String, amount: Money)])] = []
            planned.reserveCapacity(block.count)
            for id in block {
                guard let payment = payments[id], !payment.isPayout(providerINN: providerINN) else { continue }
                var perCustomer: [String: Money] = [:]
                var allocated = Money.zero
                for share in sharesByPayment[id] ?? [] {
                    let customer = share.customerINN ?? payment.payerINN ?? ""
                    perCustomer[customer, default: .zero] += share.amount
                    allocated += share.amount
                }
                let remainder = payment.amount - allocated
                if remainder.isPositive, let payer = payment.payerINN, known.contains(payer) {
                    perCustomer[payer, default: .zero] += remainder
                }
                let reference = payment.documentNumber.map { "Оплата (п/п № \($0) от \((payment.documentDate ?? payment.receivedOn).russian))" }
                    ?? "Оплата через ИнвойсБокс от \(payment.receivedOn.russian)"
                planned.append((id, payment, reference, perCustomer.sorted(by: { $0.key < $1.key })
                    .filter { !$0.key.isEmpty }.map { ($0.key, $0.value) }))
            }
            var bases: [[String]] = []
            bases.reserveCapacity(planned.count)
            for item in planned { bases.append(item.amounts.map { "payment:\(item.id):\($0.customer)" }) }
            let histories = try tx.movementHistories(bases: bases.flatMap { $0 })
            for (item, itemBases) in zip(planned, bases) {
                for ((customer, amount), base) in zip(item.amounts, itemBases) {
                    facts.customersTouched.insert(customer)
                    if let movement = staged(histories, base: base, value: -amount, customer: customer,
                                             date: item.payment.receivedOn, kind: .payment, orderID: nil, reference: item.reference) {
                        movements.append(movement)
                    }
                }
            }
        }
        // Weighed goods: a prepaid order paid more than its shipped value.
        func isWeighedPrepaid(_ order: Order) -> Bool {
            order.status != .cancelled && order.terms.payment == .prepaid && order.lines.contains(where: \.weighed)
                && !order.shipments.isEmpty
        }
        let weighed = orders.indices.filter { isWeighedPrepaid(orders[$0]) }
        let weighedPaid = try tx.allocatedAmounts(orders: weighed.map { orders[$0].id })
        var settlements: [PrepaidSettlementInput] = []
        func settlement(_ order: Order) -> PrepaidSettlementInput? {
            let shipped = order.shipments.map { Self.value(of: $0, in: order) }.sum()
            let paid = weighedPaid[order.id] ?? .zero
            guard paid.isPositive else { return nil }
            return PrepaidSettlementInput(
                orderID: order.id, billNumber: order.bill.number, customerINN: order.customer.inn.value,
                ordered: order.bill.amount, paid: paid, shippedValue: shipped,
                settledOn: order.shipments.map(\.date).max() ?? day)
        }
        for index in weighed {
            if let input = settlement(orders[index]) { settlements.append(input) }
        }
        let report = WeighedGoods.settle(settlements, treatment: weighedTreatment)
        facts.settlements = report
        let settlementHistories = try tx.movementHistories(bases: report.movements.map(\.id))
        for movement in report.movements {
            if let staged = staged(settlementHistories, base: movement.id, value: movement.amount, customer: movement.customerINN,
                                   date: movement.date, kind: movement.kind, orderID: movement.orderID,
                                   reference: movement.reference) {
                movements.append(staged)
            }
        }
        _ = try tx.recordMovements(movements, businessDate: day)
    }

    func creditControl(_ tx: LedgerTransaction, facts: inout DayFacts) throws {
        var deferral: [OrderID: Int] = [:]
        var accounts: [CreditAccount] = []
        var movements: [BalanceMovement] = []
        let start2000 = CivilDate(year: 2000, month: 1, day: 1)!
        let customers = facts.customersTouched.sorted()
        var start = 0
        while start < customers.count {
            // A block of customers at a time: their orders' terms, latest names and movements read at once.
            let block = Array(customers[start..<min(customers.count, start + Self.readBlock)])
            start += block.count
            let termsByCustomer = try tx.orderTerms(customerINNs: block)
            var latestByCustomer: [String: OrderTermsRecord] = [:]
            for (inn, records) in termsByCustomer {
                latestByCustomer[inn] = records.max(by: { ($0.createdAt, $0.orderID) < ($1.createdAt, $1.orderID) })
            }
            let names = try tx.customerNames(ofOrders: latestByCustomer.values.map(\.orderID))
            let entries = try tx.movements(customerINNs: block, from: start2000, through: day, knownOn: day)
            for inn in block {
                // Terms from the orders' columns; only the latest order's customer name is read from its content.
                let customerOrders = termsByCustomer[inn] ?? []
                for record in customerOrders {
                    deferral[record.orderID] = record.terms.payment == .postpaid ? record.terms.deferralDays : 0
                }
                if let latest = latestByCustomer[inn] {
                    facts.creditLimits[inn] = latest.terms.creditLimit
                    if let name = names[latest.orderID] { facts.customerNames[inn] = name }
                    if latest.terms.payment == .postpaid {
                        accounts.append(CreditAccount(customerINN: inn, creditLimit: latest.terms.creditLimit, openOrders: .zero))
                    }
                } else if let customer = try tx.customer(inn: inn) {
                    facts.customerNames[inn] = customer.party.name
                }
                movements += entries[inn] ?? []
            }
        }
        facts.ageing = Receivables.age(movements, deferralDays: deferral, asOf: day)
        facts.stopList = CreditControl.stopList(ageing: facts.ageing, accounts: accounts, asOf: day)
    }
}
