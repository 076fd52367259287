import Domain

/// Customers' running balances from their movements (shipments at actual value +,
/// adjustments −, payments −, refunds +, write-offs −). Positive = the customer owes us.
///
/// Built once (movements grouped per customer, sorted by date then id, with running
/// sums), then each query is a binary search.
public struct Balances: Sendable {
    private struct Account: Sendable {
        var movements: [BalanceMovement]
        /// running[i] = sum of movements[0...i].
        var running: [Int64]
    }

    private let accounts: [String: Account]

    /// Groups `movements` per customer. A movement id given twice counts once.
    public init(_ movements: [BalanceMovement]) {
        var grouped: [String: [BalanceMovement]] = [:]
        var seen: Set<String> = []
        for movement in movements where seen.insert(movement.id).inserted {
            grouped[movement.customerINN, default: []].append(movement)
        }
        var accounts: [String: Account] = [:]
        func ordered(_ a: BalanceMovement, _ b: BalanceMovement) -> Bool { a.date != b.date ? a.date < b.date : a.id < b.id }
        for (inn, list) in grouped {
            // (Movements read from the ledger come in this order already: checking is cheaper than sorting.)
            var isSorted = true
            for index in list.indices.dropFirst() where !ordered(list[index - 1], list[index]) {
                isSorted = false
                break
            }
            let sorted = isSorted ? list : list.sorted(by: ordered)
            var running: [Int64] = []
            running.reserveCapacity(sorted.count)
            var total: Int64 = 0
            for movement in sorted {
                total += movement.amount.kopecks
                running.append(total)
            }
            accounts[inn] = Account(movements: sorted, running: running)
        }
        self.accounts = accounts
    }

    /// Every customer with at least one movement, sorted.
    public var customers: [String] { accounts.keys.sorted() }

    /// The balance at the end of `date`: the sum of the customer's movements up to and including it.
    public func balance(of customerINN: String, at date: CivilDate) -> Money {
        guard let account = accounts[customerINN] else { return .zero }
        let count = Balances.countUpTo(date, in: account.movements)
        return count == 0 ? .zero : Money(kopecks: account.running[count - 1])
    }

    /// The customer's movements dated within `period`, oldest first.
    public func movements(of customerINN: String, in period: ClosedRange<CivilDate>) -> [BalanceMovement] {
        guard let account = accounts[customerINN] else { return [] }
        let start = Balances.countUpTo(period.lowerBound.adding(days: -1), in: account.movements)
        let end = Balances.countUpTo(period.upperBound, in: account.movements)
        return Array(account.movements[start..<end])
    }

    /// The customer's movements up to and including `date`, oldest first.
    public func movements(of customerINN: String, upTo date: CivilDate) -> [BalanceMovement] {
        guard let account = accounts[customerINN] else { return [] }
        return Array(account.movements[0..<Balances.countUpTo(date, in: account.movements)])
    }

    /// How many movements are dated on or before `date` (they are sorted by date).
    private static func countUpTo(_ date: CivilDate, in movements: [BalanceMovement]) -> Int {
        var low = 0
        var high = movements.count
        while low < high {
            let middle = (low + high) / 2
            if movements[middle].date <= date { low = middle + 1 } else { high = middle }
        }
        return low
    }
}

// MARK: - Weighed goods

/// A prepaid order whose goods are all shipped: what was billed, paid and shipped.
public struct PrepaidSettlementInput: Hashable, Sendable, Codable {
    public var orderID: OrderID
    public var billNumber: BillNumber
    public var customerINN: String
    /// The ordered amount (the bill).
    public var ordered: Money
    /// What was allocated (paid) against the bill.
    public var paid: Money
    /// The value actually shipped (weighed goods at their actual weight), less returns.
    public var shippedValue: Money
    /// The day the last shipment left: the date of the refund movement.
    public var settledOn: CivilDate

    public init(orderID: OrderID, billNumber: BillNumber, customerINN: String, ordered: Money, paid: Money,
                shippedValue: Money, settledOn: CivilDate) {
        self.orderID = orderID
        self.billNumber = billNumber
        self.customerINN = customerINN
        self.ordered = ordered
        self.paid = paid
        self.shippedValue = shippedValue
        self.settledOn = settledOn
    }
}

/// What to do with a prepaid order's overpayment after weighing.
public enum OverpaymentTreatment: String, Hashable, Sendable, Codable {
    /// Leave it on the customer's balance as credit.
    case customerCredit = "customer-credit"
    /// Pay it back: a `.refund` movement and an entry in the refund register.
    case refund
}

/// An entry of the refund register: money to pay back to a customer.
public struct RefundEntry: Hashable, Sendable, Codable {
    public var orderID: OrderID
    public var billNumber: BillNumber
    public var customerINN: String
    public var amount: Money
    public var date: CivilDate
    public var reason: String
}

/// One order's line of the weighed-goods report.
public struct PrepaidSettlement: Hashable, Sendable, Codable {
    public var orderID: OrderID
    public var billNumber: BillNumber
    public var customerINN: String
    public var ordered: Money
    public var paid: Money
    public var shippedValue: Money
    /// paid − shipped value (positive: the customer paid more than they received).
    public var difference: Money
    /// `nil` when there is nothing to treat (difference ≤ 0).
    public var treatment: OverpaymentTreatment?
}

/// The weighed-goods settlement: the per-order report, the refund movements and the register.
public struct PrepaidSettlementReport: Hashable, Sendable, Codable {
    public var orders: [PrepaidSettlement]
    /// `.refund` movements (+difference), for the ledger; empty when the treatment is credit.
    public var movements: [BalanceMovement]
    public var refunds: [RefundEntry]
}

public enum WeighedGoods {
    /// For each prepaid order paid more than its shipped value, leaves the difference as credit
    /// or refunds it (a `.refund` movement with id `refund:<order id>` and a register entry).
    /// Orders are reported sorted by order id; an order with nothing to treat is reported too.
    public static func settle(_ orders: [PrepaidSettlementInput], treatment: OverpaymentTreatment)
        -> PrepaidSettlementReport {
        var report = PrepaidSettlementReport(orders: [], movements: [], refunds: [])
        for order in orders.sorted(by: { $0.orderID < $1.orderID }) {
            let difference = order.paid - order.shippedValue
            let treated = difference.isPositive ? treatment : nil
            report.orders.append(PrepaidSettlement(
                orderID: order.orderID, billNumber: order.billNumber, customerINN: order.customerINN,
                ordered: order.ordered, paid: order.paid, shippedValue: order.shippedValue, difference: difference,
                treatment: treated))
            guard treated == .refund else { continue }
            let reason = "order \(order.orderID): paid \(order.paid) against bill \(order.billNumber), "
                + "shipped \(order.shippedValue)"
            report.movements.append(BalanceMovement(
                id: "refund:\(order.orderID)", customerINN: order.customerINN, date: order.settledOn, kind: .refund,
                amount: difference, orderID: order.orderID, reference: "refund of \(difference) for bill \(order.billNumber)"))
            report.refunds.append(RefundEntry(orderID: order.orderID, billNumber: order.billNumber,
                                              customerINN: order.customerINN, amount: difference,
                                              date: order.settledOn, reason: reason))
        }
        return report
    }
}
