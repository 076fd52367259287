import Domain

/// Something the accountant must look at: a payment the matcher would not guess about,
/// a flagged match, a payout that does not add up.
public struct ReconcileException: Hashable, Sendable, Codable, CustomStringConvertible {
    public enum Kind: String, Hashable, Sendable, Codable, CaseIterable {
        /// A provider payment fits more than one order (provider order id or `merchantOrderId`).
        case ambiguousProviderID = "ambiguous-provider-id"
        /// A provider payment names an order that has no open bill.
        case unknownProviderOrder = "unknown-provider-order"
        /// The purpose quotes a bill number no open bill has (old, paid, or a typo).
        case unknownBillQuoted = "unknown-bill-quoted"
        /// A quoted number fits several open bills equally well.
        case ambiguousReference = "ambiguous-reference"
        /// The quoted bill belongs to another customer than the payer; taken, but flagged.
        case otherCustomerBill = "other-customer-bill"
        /// A payment exceeds the bill(s) it identifies; the excess is credit (or left unallocated).
        case overpayment
        /// An identified bill is paid only in part; it stays open.
        case partialPayment = "partial-payment"
        /// Nothing to match the payment to: listed with the likely candidates.
        case unmatchedPayment = "unmatched-payment"
        /// A pin that cannot be applied (bill not open, payment exhausted).
        case pinRejected = "pin-rejected"
        /// A pin asking for more than the payment or the bill has; applied as far as possible.
        case pinCapped = "pin-capped"
        /// The same payment id given twice; the second is ignored.
        case duplicatePayment = "duplicate-payment"
        /// A payment of zero or a negative amount; not allocated.
        case invalidPayment = "invalid-payment"
        /// A provider payout differs from the provider payments it covers less commission.
        case payoutDifference = "payout-difference"
    }

    /// A bill the matcher considered and did not take, with why.
    public struct Candidate: Hashable, Sendable, Codable, CustomStringConvertible {
        public var billNumber: BillNumber
        public var orderID: OrderID
        public var customerINN: String
        public var outstanding: Money
        public var reason: String

        public init(billNumber: BillNumber, orderID: OrderID, customerINN: String, outstanding: Money, reason: String) {
            self.billNumber = billNumber
            self.orderID = orderID
            self.customerINN = customerINN
            self.outstanding = outstanding
            self.reason = reason
        }

        public var description: String { "\(billNumber) (\(outstanding) open): \(reason)" }
    }

    public var kind: Kind
    public var severity: Diagnostic.Severity
    /// The payment (or payout) concerned.
    public var paymentID: PaymentID?
    /// The bills concerned (taken or meant).
    public var billNumbers: [BillNumber]
    /// The bill numbers as quoted in the purpose, when relevant.
    public var quoted: [String]
    public var candidates: [Candidate]
    /// Amounts, when relevant (`payout-difference`: expected, actual, difference).
    public var expected: Money?
    public var actual: Money?
    /// `payout-difference`: the provider payments the payout covers.
    public var coveredPayments: [PaymentID]
    public var message: String

    public init(kind: Kind, severity: Diagnostic.Severity, paymentID: PaymentID?, billNumbers: [BillNumber] = [],
                quoted: [String] = [], candidates: [Candidate] = [], expected: Money? = nil, actual: Money? = nil,
                coveredPayments: [PaymentID] = [], message: String) {
        self.kind = kind
        self.severity = severity
        self.paymentID = paymentID
        self.billNumbers = billNumbers
        self.quoted = quoted
        self.candidates = candidates
        self.expected = expected
        self.actual = actual
        self.coveredPayments = coveredPayments
        self.message = message
    }

    /// actual − expected, when both are known.
    public var difference: Money? {
        guard let expected, let actual else { return nil }
        return actual - expected
    }

    public var description: String { diagnostic.description }

    /// The exception as a report diagnostic (source `reconcile`, record = the payment).
    public var diagnostic: Diagnostic {
        var text = message
        if !candidates.isEmpty {
            text += "; candidates: " + candidates.map(\.description).joined(separator: "; ")
        }
        return Diagnostic(severity: severity, kind: kind.rawValue, source: "reconcile",
                          record: paymentID.map { "payment \($0)" } ?? "run", field: nil, message: text)
    }
}
