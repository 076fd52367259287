import Domain

/// The payments register of the day's report, taken a row at a time so a day's payments are never
/// all in memory: `append` renders a payment's HTML row (as the bundled day template writes it),
/// its line of the payments CSV and its lines of the allocations CSV at once, for the caller to set
/// aside, and keeps only the register's running totals (a fixed size, whatever the day's count).
/// `DayReport.write(_:documents:payments:…)` then writes the report with those rows where
/// `DayReport.render` would have put `input.payments`, and with these totals wherever the report
/// shows a sum of the payments (the summary cards, the chart, the table's footer).
public struct PaymentRegister: Sendable {
    /// How many payments were appended.
    public private(set) var count = 0
    /// The payments' sum.
    public private(set) var moneyIn = Money.zero
    /// How many allocations the payments carry (the allocations CSV's rows).
    public private(set) var allocationCount = 0
    /// The allocations' sum.
    public private(set) var allocated = Money.zero
    /// The sum of what is left of each payment after its allocations.
    public private(set) var unallocated = Money.zero
    /// Payments with nothing allocated, and their sum.
    public private(set) var unmatchedCount = 0
    public private(set) var unmatchedAmount = Money.zero
    /// What is left of the payments kept as credit, and of those to be paid back.
    public private(set) var overpaymentCredit = Money.zero
    public private(set) var overpaymentRefund = Money.zero
    /// Count and sum by source (at most one entry per `Payment.Source` case).
    private var bySource: [Payment.Source: DayReportTotals.SourceTotal] = [:]
    private let paymentsTable: CSVTable
    private let allocationsTable: CSVTable

    /// An empty register whose CSV lines follow `csv`.
    public init(csv: CSVOptions = .excel) {
        paymentsTable = DayReport.paymentsHeader(csv)
        allocationsTable = DayReport.allocationsHeader(csv)
    }

    /// Money in by source, in the order of `Payment.Source.allCases`; only sources with payments.
    public var moneyInBySource: [DayReportTotals.SourceTotal] {
        Payment.Source.allCases.compactMap { bySource[$0] }
    }

    /// Adds `row` to the totals and appends its HTML row to `html` (`RegisterPart.paymentsHTML`), its
    /// line to `paymentsCSV` (`.paymentsCSV`) and a line per allocation to `allocationsCSV`
    /// (`.allocationsCSV`; nothing for a payment without allocations). The bytes depend on `row` and
    /// the CSV options only.
    public mutating func append(_ row: PaymentRow, html: inout [UInt8], paymentsCSV: inout [UInt8],
                                allocationsCSV: inout [UInt8]) {
        count += 1
        moneyIn += row.amount
        bySource[row.source, default: DayReportTotals.SourceTotal(source: row.source, count: 0, amount: .zero)].add(row.amount)
        for allocation in row.allocations {
            allocationCount += 1
            allocated += allocation.amount
        }
        unallocated += row.unallocated
        switch row.status {
        case .unmatched:
            unmatchedCount += 1
            unmatchedAmount += row.amount
        case .credit: overpaymentCredit += row.unallocated
        case .refund: overpaymentRefund += row.unallocated
        case .allocated, .partial, .payout: break
        }

        var w = ByteBuffer()
        swap(&w.bytes, &html)
        DayHTML.paymentRow(DayView.PaymentLine(row), &w)
        swap(&w.bytes, &html)
        paymentsTable.appendRow(DayReport.paymentFields(row, paymentsTable), into: &paymentsCSV)
        for allocation in row.allocations {
            allocationsTable.appendRow(DayReport.allocationFields(allocation, of: row, allocationsTable), into: &allocationsCSV)
        }
    }

    /// `totals` with the register's payments in place of `input.payments`' (which the report then
    /// leaves out).
    func counted(in totals: DayReportTotals) -> DayReportTotals {
        var totals = totals
        totals.moneyInBySource = moneyInBySource
        totals.paymentCount = count
        totals.moneyIn = moneyIn
        totals.allocated = allocated
        totals.allocationCount = allocationCount
        totals.unallocated = unallocated
        totals.unmatchedCount = unmatchedCount
        totals.unmatchedAmount = unmatchedAmount
        totals.overpaymentCredit = overpaymentCredit
        totals.overpaymentRefund = overpaymentRefund
        return totals
    }
}

extension DayReportTotals.SourceTotal {
    /// Counts one more payment of `amount`.
    mutating func add(_ amount: Money) {
        count += 1
        self.amount += amount
    }
}
