import Domain

/// The bill numbers quoted in payments' purposes (``BillReference/quotes(in:)``), worked out ahead of
/// a matching run: the job finds them on another core while it reads the ledger for the run.
///
/// An entry serves only a payment with that id and exactly that purpose (the same UTF-8 bytes); any
/// other payment's purpose is read when the matcher needs it, so the quotes never change a decision.
public struct PurposeQuotes: Sendable {
    private var byPayment: [PaymentID: (purpose: String, quotes: [QuotedBillNumber])] = [:]

    /// None worked out ahead.
    public init() {}

    /// The quotes of each of `payments` (of a repeated id, the first one's).
    public init(_ payments: [Payment]) {
        byPayment.reserveCapacity(payments.count)
        for payment in payments where byPayment[payment.id] == nil {
            byPayment[payment.id] = (payment.purpose, BillReference.quotes(in: payment.purpose))
        }
    }

    /// How many payments' quotes are held.
    public var count: Int { byPayment.count }

    /// ``BillReference/quotes(in:)`` of `payment`'s purpose.
    public func quotes(of payment: Payment) -> [QuotedBillNumber] {
        if let entry = byPayment[payment.id], entry.purpose.utf8.elementsEqual(payment.purpose.utf8) {
            return entry.quotes
        }
        return BillReference.quotes(in: payment.purpose)
    }
}
