import Domain

/// Where a report file is written a piece at a time (a file being placed, a test's buffer).
public protocol ReportSink: AnyObject {
    /// Appends `bytes` to the file.
    func write(_ bytes: [UInt8]) throws
}

/// The documents register of the day's report, taken a row at a time so a day's rows are never
/// all in memory: `append` renders a row's HTML (as the bundled day template writes it) and its
/// CSV line at once, for the caller to set aside, and keeps only the register's totals.
/// `DayReport.write(_:documents:…)` then writes the report with those rows where
/// `DayReport.render` would have put `input.documents`.
public struct DocumentRegister: Sendable {
    /// How many rows were appended.
    public private(set) var count = 0
    /// Rows by kind.
    public private(set) var countByKind: [DocumentKind: Int] = [:]
    /// The rows' sums.
    public private(set) var totalWithoutVAT = Money.zero
    public private(set) var vat = Money.zero
    public private(set) var total = Money.zero
    /// Rows of paper-only buyers.
    public private(set) var paperOnlyCount = 0
    private let table: CSVTable

    /// An empty register whose CSV lines follow `csv`.
    public init(csv: CSVOptions = .excel) {
        table = DayReport.documentsHeader(csv)
    }

    /// Adds `row` to the totals and appends its HTML row to `html` and its CSV line to `csv`.
    public mutating func append(_ row: DocumentRow, html: inout [UInt8], csv: inout [UInt8]) {
        count += 1
        countByKind[row.kind, default: 0] += 1
        totalWithoutVAT += row.totalWithoutVAT
        vat += row.vat
        total += row.total
        if row.paperOnly { paperOnlyCount += 1 }
        var w = ByteBuffer()
        swap(&w.bytes, &html)
        DayHTML.documentRow(DayView.DocumentLine(row), &w)
        swap(&w.bytes, &html)
        table.appendRow(DayReport.documentFields(row, table), into: &csv)
    }

    /// `totals` with the register's documents in place of `input.documents`' (which the report
    /// then leaves out).
    func counted(in totals: DayReportTotals) -> DayReportTotals {
        var totals = totals
        totals.documentCountByKind = countByKind
        totals.documentsWithoutVAT = totalWithoutVAT
        totals.documentsVAT = vat
        totals.documentsTotal = total
        totals.paperOnlyCount = paperOnlyCount
        return totals
    }
}
