/// What the job decided, in values every stage shares: reconciliation produces
/// allocations and movements, documents produce issued-document records, and
/// the ledger stores them all.

/// How a payment came to be allocated to a bill. Every allocation records its rule.
public enum AllocationMethod: String, Hashable, Sendable, Codable, CaseIterable {
    /// The accountant's pin (payment X goes to bill Y); no automatic run undoes it.
    case pin
    /// A provider (ИнвойсБокс) payment to its order by the provider's order id or `merchantOrderId`.
    case provider
    /// The bill number found in the payment purpose.
    case reference
    /// Payer ИНН and an open bill of exactly the payment's amount.
    case innExactAmount = "inn-exact-amount"
    /// Payer ИНН and the smallest set of at most five open bills summing exactly to the payment.
    case innSubset = "inn-subset"
    /// Payer ИНН, oldest bills first, the last one partially.
    case innOldestFirst = "inn-oldest-first"
    /// The customer's credit (an earlier overpayment) applied to a later bill.
    case customerCredit = "customer-credit"
}

/// A part of a payment applied to a bill.
public struct Allocation: Hashable, Sendable, Codable {
    public var paymentID: PaymentID
    public var orderID: OrderID
    public var billNumber: BillNumber
    public var amount: Money
    public var method: AllocationMethod

    public init(paymentID: PaymentID, orderID: OrderID, billNumber: BillNumber, amount: Money, method: AllocationMethod) {
        self.paymentID = paymentID
        self.orderID = orderID
        self.billNumber = billNumber
        self.amount = amount
        self.method = method
    }
}

/// The accountant's decision that a payment goes to a bill; automatic runs never undo it.
public struct Pin: Hashable, Sendable, Codable {
    public var paymentID: PaymentID
    public var billNumber: BillNumber
    /// How much of the payment; `nil` = as much as the bill still needs.
    public var amount: Money?
    public var note: String

    public init(paymentID: PaymentID, billNumber: BillNumber, amount: Money?, note: String) {
        self.paymentID = paymentID
        self.billNumber = billNumber
        self.amount = amount
        self.note = note
    }
}

/// One change of a customer's balance. Positive amounts mean the customer owes us more.
///
/// The balance of a customer at any date is the sum of its movements up to that date.
public struct BalanceMovement: Hashable, Sendable, Codable {
    public enum Kind: String, Hashable, Sendable, Codable, CaseIterable {
        /// Goods shipped, at their actual value (+).
        case shipment
        /// A return after delivery or an agreed lower value (−).
        case adjustment
        /// Money received (−).
        case payment
        /// An overpayment paid back to the customer (+).
        case refund
        /// A configured write-off of a few kopecks (−).
        case writeOff = "write-off"
    }

    /// A stable key: the same event always gives the same id (idempotent writes).
    public var id: String
    public var customerINN: String
    public var date: CivilDate
    public var kind: Kind
    /// Signed: positive = the customer owes more.
    public var amount: Money
    public var orderID: OrderID?
    /// What it refers to, for people: a document or payment number.
    public var reference: String

    public init(id: String, customerINN: String, date: CivilDate, kind: Kind, amount: Money, orderID: OrderID?,
                reference: String) {
        self.id = id
        self.customerINN = customerINN
        self.date = date
        self.kind = kind
        self.amount = amount
        self.orderID = orderID
        self.reference = reference
    }
}

/// The kinds of documents sverka issues. Raw values are those of `run.json`.
public enum DocumentKind: String, Hashable, Sendable, Codable, CaseIterable {
    /// УПД (СЧФДОП) for one shipment from one warehouse.
    case upd = "UPD"
    /// A corrected УПД (`ИспрДок`): same number and date, next correction number.
    case updCorrection = "UPD-correction"
    /// УКД (КСЧФДИС) against a УПД: return after delivery, agreed lower weight.
    case ukd = "UKD"
    /// Advance invoice (СЧФ, СпОбстФСЧФ=2) for a prepayment not shipped within five days.
    case advanceInvoice = "advance-invoice"
}

/// The state of an issued document in the ledger.
public enum DocumentStatus: String, Hashable, Sendable, Codable {
    /// Emitted and valid; the current version.
    case issued
    /// Superseded by a corrected version.
    case corrected
    /// Not emitted: a rule failed or data is missing (the reason is recorded).
    case held
}
