/// Money that came in, whatever its source, once read.
///
/// Reading the same statement twice yields the same payments: the id is the
/// source plus the source's own reference, never a counter or a timestamp.
public struct Payment: Hashable, Sendable, Codable {
    public enum Source: String, Hashable, Sendable, Codable, CaseIterable {
        /// The payment provider (ИнвойсБокс): a completed order with `paidAt`.
        case invoicebox
        /// A bank statement in 1CClientBankExchange format.
        case bank1C = "bank-1c"
        /// A bank statement in ISO 20022 camt.053.
        case camt053 = "bank-camt053"

        public var isBank: Bool { self != .invoicebox }
    }

    public var id: PaymentID
    public var source: Source
    /// The Moscow day the money arrived.
    public var receivedOn: CivilDate
    public var amount: Money
    /// The payer's ИНН as the source gives it (checked elsewhere; may be missing or wrong).
    public var payerINN: String?
    public var payerName: String?
    /// The purpose (назначение платежа).
    public var purpose: String
    /// The payment order's number and date, for bank payments.
    public var documentNumber: String?
    public var documentDate: CivilDate?
    /// For provider payments: the provider's order id and our order id as the provider knows it.
    public var providerOrderID: ProviderOrderID?
    public var merchantOrderID: String?
    /// The raw record it was read from, kept verbatim for the accountant and the audit trail.
    public var raw: String

    public init(id: PaymentID, source: Source, receivedOn: CivilDate, amount: Money, payerINN: String?,
                payerName: String?, purpose: String, documentNumber: String? = nil, documentDate: CivilDate? = nil,
                providerOrderID: ProviderOrderID? = nil, merchantOrderID: String? = nil, raw: String) {
        self.id = id
        self.source = source
        self.receivedOn = receivedOn
        self.amount = amount
        self.payerINN = payerINN
        self.payerName = payerName
        self.purpose = purpose
        self.documentNumber = documentNumber
        self.documentDate = documentDate
        self.providerOrderID = providerOrderID
        self.merchantOrderID = merchantOrderID
        self.raw = raw
    }
}

extension Payment {
    /// The payer's ИНН as a key: spaces removed; `nil` when missing or a placeholder of zeros
    /// (banks write `0` or `0000000000` for a payer without one).
    public var payerKey: String? {
        guard let text = payerINN else { return nil }
        if !text.isEmpty, text.utf8.allSatisfy({ $0 &- 48 < 10 }) {
            return text.utf8.contains { $0 != 48 } ? text : nil
        }
        let trimmed = text.filter { !$0.isWhitespace }
        guard !trimmed.isEmpty, trimmed.contains(where: { $0 != "0" }) else { return nil }
        return trimmed
    }

    /// Whether this is the payment provider's payout to us: a bank payment whose payer is the
    /// provider. Payouts are checked against the provider's payments and never allocated to bills.
    public func isPayout(providerINN: String?) -> Bool {
        guard source.isBank, let providerINN, !providerINN.isEmpty else { return false }
        return payerKey == providerINN
    }
}
