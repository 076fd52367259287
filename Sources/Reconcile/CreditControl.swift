import Domain
import Foundation

// MARK: - Ageing

/// Receivables by how long they are overdue.
public struct AgeingBuckets: Hashable, Sendable, Codable {
    public var notDue: Money = .zero
    public var days1to30: Money = .zero
    public var days31to60: Money = .zero
    public var days61to90: Money = .zero
    public var over90: Money = .zero

    public init() {}

    /// Everything still open.
    public var total: Money { notDue + overdue }
    /// Everything past its due date.
    public var overdue: Money { days1to30 + days31to60 + days61to90 + over90 }

    mutating func add(_ amount: Money, daysOverdue: Int) {
        switch daysOverdue {
        case ...0: notDue += amount
        case 1...30: days1to30 += amount
        case 31...60: days31to60 += amount
        case 61...90: days61to90 += amount
        default: over90 += amount
        }
    }

    enum CodingKeys: String, CodingKey {
        case notDue = "not_due"
        case days1to30 = "days_1_30"
        case days31to60 = "days_31_60"
        case days61to90 = "days_61_90"
        case over90 = "over_90"
    }
}

/// What is still open of one debit (a shipment, or a refund paid out).
public struct OpenReceivable: Hashable, Sendable, Codable {
    /// The movement's id.
    public var movementID: String
    public var orderID: OrderID?
    public var reference: String
    public var date: CivilDate
    public var dueDate: CivilDate
    public var amount: Money
    /// What payments and other credits have not yet covered.
    public var open: Money
    /// Days past the due date at the as-of date (≤ 0: not yet due).
    public var daysOverdue: Int
}

/// One customer's receivables at a date.
public struct CustomerAgeing: Hashable, Sendable, Codable {
    public var customerINN: String
    public var asOf: CivilDate
    /// The balance (all movements up to the as-of date); negative = the customer's credit.
    public var balance: Money
    public var buckets: AgeingBuckets
    /// Open debits, oldest first.
    public var open: [OpenReceivable]
    /// Credit not used by any debit (an advance); zero when the customer owes.
    public var unusedCredit: Money
    /// The most days any open debit is overdue (0 when none is).
    public var maxDaysOverdue: Int
}

extension CustomerAgeing {
    /// The same without its open debits (`open` empty): the balance, the buckets, the unused credit and the
    /// most days overdue — all a stop list and a day's report read.
    public var withoutOpenDebits: CustomerAgeing {
        var copy = self
        copy.open = []
        return copy
    }
}

public enum Receivables {
    /// Ages each customer's receivables as of `asOf`.
    ///
    /// Debits are the positive movements up to `asOf`: a shipment is due `deferralDays`
    /// after its date (the days of its order's terms; 0 when the order is not given), any
    /// other debit (a refund) on its date. Credits (payments, adjustments, write-offs) are
    /// pooled and pay the debits oldest first (date, then id); what is left of each debit is
    /// bucketed by days overdue. Customers are sorted by ИНН.
    public static func age(_ movements: [BalanceMovement], deferralDays: [OrderID: Int], asOf: CivilDate)
        -> [CustomerAgeing] {
        let balances = Balances(movements)
        var result: [CustomerAgeing] = []
        for inn in balances.customers {
            let upTo = balances.movements(of: inn, upTo: asOf)
            var credit = upTo.filter { $0.amount.isNegative }.reduce(Int64(0)) { $0 - $1.amount.kopecks }
            var buckets = AgeingBuckets()
            var open: [OpenReceivable] = []
            var maxOverdue = 0
            for debit in upTo where debit.amount.isPositive {
                let covered = min(credit, debit.amount.kopecks)
                credit -= covered
                let left = debit.amount.kopecks - covered
                guard left > 0 else { continue }
                let deferral = debit.kind == .shipment ? debit.orderID.flatMap { deferralDays[$0] } ?? 0 : 0
                let due = debit.date.adding(days: max(0, deferral))
                let overdue = due.days(to: asOf)
                buckets.add(Money(kopecks: left), daysOverdue: overdue)
                maxOverdue = max(maxOverdue, overdue)
                open.append(OpenReceivable(movementID: debit.id, orderID: debit.orderID, reference: debit.reference,
                                           date: debit.date, dueDate: due, amount: debit.amount,
                                           open: Money(kopecks: left), daysOverdue: overdue))
            }
            result.append(CustomerAgeing(customerINN: inn, asOf: asOf, balance: balances.balance(of: inn, at: asOf),
                                         buckets: buckets, open: open, unusedCredit: Money(kopecks: credit),
                                         maxDaysOverdue: maxOverdue))
        }
        return result
    }
}

// MARK: - Stop list

/// A postpaid customer's credit terms and what they have ordered but not yet been invoiced for.
public struct CreditAccount: Hashable, Sendable, Codable {
    public var customerINN: String
    public var creditLimit: Money
    /// Open orders: unshipped or not yet invoiced amounts.
    public var openOrders: Money

    public init(customerINN: String, creditLimit: Money, openOrders: Money) {
        self.customerINN = customerINN
        self.creditLimit = creditLimit
        self.openOrders = openOrders
    }
}

/// Why a customer is on the stop list.
public enum StopReason: String, Hashable, Sendable, Codable, CaseIterable {
    /// Debt plus open orders exceed the credit limit.
    case overCreditLimit = "over-credit-limit"
    /// Something is past its due date.
    case overdue
}

/// One customer the shop must not ship to on credit.
public struct StopListEntry: Hashable, Sendable, Codable {
    public var customerINN: String
    public var reasons: [StopReason]
    /// The balance owed (zero when in credit).
    public var debt: Money
    public var openOrders: Money
    /// `nil` for a customer without credit terms (stopped for overdue debt only).
    public var creditLimit: Money?
    /// debt + open orders − credit limit, when over the limit; otherwise zero.
    public var overLimitBy: Money
    public var overdue: Money
    public var maxDaysOverdue: Int

    enum CodingKeys: String, CodingKey {
        case customerINN = "customer_inn"
        case reasons, debt
        case openOrders = "open_orders"
        case creditLimit = "credit_limit"
        case overLimitBy = "over_limit_by"
        case overdue
        case maxDaysOverdue = "max_days_overdue"
    }
}

/// Why a stop-list file cannot be read back.
public struct StopListDecodingError: Error, Hashable, Sendable, CustomStringConvertible {
    public var reason: String
    public var description: String { "stop list: \(reason)" }
}

/// The customers on stop at a date, as a value and as the JSON file the shop reads
/// (format in docs/reconciliation.md; `version` 1).
public struct StopList: Hashable, Sendable, Codable {
    /// The file format version this code writes and reads.
    public static let currentVersion = 1

    public var version: Int
    public var asOf: CivilDate
    /// Sorted by ИНН.
    public var customers: [StopListEntry]

    public init(asOf: CivilDate, customers: [StopListEntry]) {
        self.version = StopList.currentVersion
        self.asOf = asOf
        self.customers = customers.sorted { $0.customerINN < $1.customerINN }
    }

    enum CodingKeys: String, CodingKey {
        case version
        case asOf = "as_of"
        case customers
    }

    /// Whether the customer is on the list.
    public func contains(_ customerINN: String) -> Bool { customers.contains { $0.customerINN == customerINN } }

    /// The list as UTF-8 JSON: sorted keys, two-space indentation, money as `"1234.50"` strings.
    public func jsonData() throws -> Data {
        Data(try SortedJSONEncoder(escapesSlashes: false, prettyPrinted: true).encode(self))
    }

    /// Reads a stop-list file; refuses a version this code does not know.
    public static func decode(_ data: Data) throws -> StopList {
        let list = try JSONDecoder().decode(StopList.self, from: data)
        guard list.version == currentVersion else {
            throw StopListDecodingError(reason: "version \(list.version) is not supported (expected \(currentVersion))")
        }
        return list
    }
}

public enum CreditControl {
    /// The stop list at `asOf`: a customer with credit terms is stopped when debt plus open
    /// orders exceed the credit limit; any customer is stopped when anything is overdue.
    public static func stopList(ageing: [CustomerAgeing], accounts: [CreditAccount], asOf: CivilDate) -> StopList {
        var byINN: [String: CustomerAgeing] = [:]
        for entry in ageing { byINN[entry.customerINN] = entry }
        var accountByINN: [String: CreditAccount] = [:]
        for account in accounts { accountByINN[account.customerINN] = account }
        var entries: [StopListEntry] = []
        for inn in Set(byINN.keys).union(accountByINN.keys).sorted() {
            let aged = byINN[inn]
            let account = accountByINN[inn]
            let debt = max(.zero, aged?.balance ?? .zero)
            let openOrders = account?.openOrders ?? .zero
            let overdue = aged?.buckets.overdue ?? .zero
            var reasons: [StopReason] = []
            var overLimitBy = Money.zero
            if let account, debt + openOrders > account.creditLimit {
                reasons.append(.overCreditLimit)
                overLimitBy = debt + openOrders - account.creditLimit
            }
            if overdue.isPositive { reasons.append(.overdue) }
            guard !reasons.isEmpty else { continue }
            entries.append(StopListEntry(customerINN: inn, reasons: reasons, debt: debt, openOrders: openOrders,
                                         creditLimit: account?.creditLimit, overLimitBy: overLimitBy,
                                         overdue: overdue, maxDaysOverdue: aged?.maxDaysOverdue ?? 0))
        }
        return StopList(asOf: asOf, customers: entries)
    }
}
