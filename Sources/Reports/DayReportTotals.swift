import Domain

/// Every total the day's report shows, summed in kopecks from the input rows.
///
/// The HTML and the CSV print these values and nothing else, so a test (or the
/// job's end-to-end check against the ledger) can compare them with its own sums.
public struct DayReportTotals: Sendable, Hashable {
    /// Payments of one source and their sum.
    public struct SourceTotal: Sendable, Hashable {
        public var source: Payment.Source
        public var count: Int
        public var amount: Money
    }

    /// Money in by payment source, in the order of `Payment.Source.allCases`; only sources with payments.
    public var moneyInBySource: [SourceTotal]

    // Payments
    public var paymentCount: Int
    public var moneyIn: Money
    /// Allocated to bills (sum of all allocations).
    public var allocated: Money
    /// How many allocations the payments carry (the rows of the allocations register).
    public var allocationCount: Int
    /// Left unallocated (sum of `unallocated` over all payments).
    public var unallocated: Money
    /// Payments with nothing allocated, and their sum.
    public var unmatchedCount: Int
    public var unmatchedAmount: Money
    /// Overpayments kept as customers' credit.
    public var overpaymentCredit: Money
    /// Overpayments to be paid back.
    public var overpaymentRefund: Money

    // Exceptions
    /// Exceptions + quarantined records + held documents.
    public var exceptionCount: Int
    /// The amounts at stake in the exception rows (held documents are in `heldAmount`).
    public var exceptionAmount: Money

    // Documents
    public var documentCountByKind: [DocumentKind: Int]
    public var documentsWithoutVAT: Money
    public var documentsVAT: Money
    public var documentsTotal: Money
    public var paperOnlyCount: Int
    public var heldCount: Int
    public var heldAmount: Money

    // Weighed goods
    public var weighedBillAmount: Money
    public var weighedShippedValue: Money
    public var weighedDifference: Money
    /// Differences kept as credit / to refund / to be paid by the customer (magnitudes).
    public var weighedCredit: Money
    public var weighedRefund: Money
    public var weighedSurcharge: Money

    // Returns
    public var returnsAmount: Money

    // Receivables
    public var creditLimit: Money
    public var balance: Money
    public var notDue: Money
    public var overdue1to30: Money
    public var overdue31to60: Money
    public var overdue61to90: Money
    public var overdueOver90: Money
    public var overdue: Money
    public var stopListCount: Int

    /// Credits granted today: overpayments kept and weighed-goods differences kept as credit.
    public var credits: Money { overpaymentCredit + weighedCredit }
    /// Refunds due from today: overpayments and weighed-goods differences to pay back.
    public var refunds: Money { overpaymentRefund + weighedRefund }

    /// Sums the input's rows.
    public init(_ input: DayReportInput) {
        var bySource: [SourceTotal] = []
        for source in Payment.Source.allCases {
            let rows = input.payments.filter { $0.source == source }
            if !rows.isEmpty {
                bySource.append(SourceTotal(source: source, count: rows.count, amount: rows.map(\.amount).sum()))
            }
        }
        moneyInBySource = bySource
        paymentCount = input.payments.count
        moneyIn = input.payments.map(\.amount).sum()
        allocated = input.payments.flatMap(\.allocations).map(\.amount).sum()
        allocationCount = input.payments.map(\.allocations.count).reduce(0, +)
        unallocated = input.payments.map(\.unallocated).sum()
        let unmatched = input.payments.filter { $0.status == .unmatched }
        unmatchedCount = unmatched.count
        unmatchedAmount = unmatched.map(\.amount).sum()
        overpaymentCredit = input.payments.filter { $0.status == .credit }.map(\.unallocated).sum()
        overpaymentRefund = input.payments.filter { $0.status == .refund }.map(\.unallocated).sum()

        exceptionCount = input.exceptions.count + input.quarantined.count + input.held.count
        exceptionAmount = input.exceptions.compactMap(\.amount).sum()

        var byKind: [DocumentKind: Int] = [:]
        for document in input.documents { byKind[document.kind, default: 0] += 1 }
        documentCountByKind = byKind
        documentsWithoutVAT = input.documents.map(\.totalWithoutVAT).sum()
        documentsVAT = input.documents.map(\.vat).sum()
        documentsTotal = input.documents.map(\.total).sum()
        paperOnlyCount = input.documents.filter(\.paperOnly).count
        heldCount = input.held.count
        heldAmount = input.held.compactMap(\.amount).sum()

        weighedBillAmount = input.weighedCorrections.map(\.billAmount).sum()
        weighedShippedValue = input.weighedCorrections.map(\.shippedValue).sum()
        weighedDifference = input.weighedCorrections.map(\.difference).sum()
        func weighed(_ treatment: WeighedRow.Treatment) -> Money {
            input.weighedCorrections.filter { $0.treatment == treatment }.map(\.difference.magnitude).sum()
        }
        weighedCredit = weighed(.credit)
        weighedRefund = weighed(.refund)
        weighedSurcharge = weighed(.surcharge)

        returnsAmount = input.returns.map(\.amount).sum()

        let receivables = input.receivables
        creditLimit = receivables.map(\.creditLimit).sum()
        balance = receivables.map(\.balance).sum()
        notDue = receivables.map(\.notDue).sum()
        overdue1to30 = receivables.map(\.overdue1to30).sum()
        overdue31to60 = receivables.map(\.overdue31to60).sum()
        overdue61to90 = receivables.map(\.overdue61to90).sum()
        overdueOver90 = receivables.map(\.overdueOver90).sum()
        overdue = receivables.map(\.overdue).sum()
        stopListCount = receivables.filter { $0.stopListReason != nil }.count
    }
}
