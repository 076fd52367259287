import Domain

/// One page of ИнвойсБокс's order list (API v3, `GET /filter/api/order/order`), read.
public struct InvoiceboxPage: Hashable, Sendable {
    /// The page number (1-based).
    public var page: Int
    /// The page size the provider used (`metaData.pageSize`).
    public var pageSize: Int
    /// How many orders the provider says match the filter, over all pages.
    public var totalCount: Int
    /// How many orders this page held.
    public var recordCount: Int
    /// Provider ids of every order on the page, in order (to spot duplicates across pages).
    public var providerIDs: [ProviderOrderID]
    /// Completed orders paid on the business day.
    public var payments: [Payment]
    /// Records that broke their contract, kept whole with why.
    public var quarantined: [QuarantinedRecord]
    /// Warnings and notes that do not stop a record.
    public var diagnostics: [Diagnostic]
    /// Orders that are not payments of the day (not completed, or paid on another day).
    public var ignoredCount: Int
    /// The payments given to the ``PaymentKeeper`` the reader was given, in the order read (each one's id
    /// and place; `payments` is then empty); empty when it was given none.
    public var kept: [KeptPayment] = []
}

/// The provider's payments of a day, every page combined and duplicates read once.
public struct InvoiceboxReading: Hashable, Sendable {
    /// The payments read, one per payment id.
    public var payments: [Payment]
    /// Records that broke their contract, kept whole with why.
    public var quarantined: [QuarantinedRecord]
    /// Warnings and notes that do not stop a record.
    public var diagnostics: [Diagnostic]
    /// Orders read (distinct provider ids) and how many were not payments of the day.
    public var recordCount: Int
    /// Orders that are not payments of the day (not completed, or paid on another day).
    public var ignoredCount: Int
    /// The payments given to the ``PaymentKeeper`` the pages were read with, each once, in the order
    /// read (each one's id and place; `payments` is then empty); empty when they were read with none.
    public var kept: [KeptPayment] = []
}

/// The reader of ИнвойсБокс API v3 order lists. Pure: bytes in, values out.
///
/// The provider has no list of payments: an order with `status` = `completed` and a `paidAt`
/// whose Moscow date is the business day is a payment of `amount` roubles. Its id is
/// `invoicebox:<provider order uuid>`. `merchantOrderId` is not unique at the provider and is
/// kept as data (the matcher flags ambiguity).
public enum Invoicebox {
    static let source = SourceName.invoicebox

    /// Reads one page.
    ///
    /// - Throws: `SourceError` when the page is not JSON, is an error response (`error`), or its
    ///   envelope (`data`, `metaData.totalCount/page/pageSize`) is wrong or is not `expectedPage`.
    public static func readPage(_ bytes: [UInt8], day: CivilDate, expectedPage: Int? = nil) throws(SourceError) -> InvoiceboxPage {
        var reader = PageReader(day: day, expectedPage: expectedPage)
        try reader.feed(bytes)
        return try reader.finish()
    }

    /// Combines pages: a provider id seen on two pages is read once, with a warning.
    ///
    /// The pages are taken over: each page's payments (or, when they were given to a keeper, their ids
    /// and places) go to the reading and are let go from the page (a caller that passes its only copy
    /// never holds them twice), and a day's single page with no payment given twice hands its array over
    /// as it is.
    public static func combine(_ pages: consuming [InvoiceboxPage]) -> InvoiceboxReading {
        var reading = InvoiceboxReading(payments: [], quarantined: [], diagnostics: [], recordCount: 0, ignoredCount: 0)
        var seen: Set<ProviderOrderID> = []
        var paymentIDs: Set<PaymentID> = []
        let single = pages.count == 1
        if !single {
            reading.payments.reserveCapacity(pages.reduce(0) { $0 + $1.payments.count })
            reading.kept.reserveCapacity(pages.reduce(0) { $0 + $1.kept.count })
        }
        for index in pages.indices {
            let payments = pages[index].payments
            let kept = pages[index].kept
            pages[index].payments = [] // (the page's own copies go: `payments` and `kept` hold them alone)
            pages[index].kept = []
            let page = pages[index]
            reading.quarantined += page.quarantined
            reading.diagnostics += page.diagnostics
            reading.ignoredCount += page.ignoredCount
            for id in page.providerIDs {
                if seen.insert(id).inserted {
                    reading.recordCount += 1
                } else {
                    reading.diagnostics.append(Diagnostic(severity: .warning, kind: "duplicate-record", source: source,
                                                          record: "page \(page.page), order \(id)",
                                                          message: "provider order \(id) appeared on an earlier page too; read once"))
                }
            }
            takeFirsts(of: payments, id: \.id, into: &reading.payments, ids: &paymentIDs, handingOver: single)
            takeFirsts(of: kept, id: \.id, into: &reading.kept, ids: &paymentIDs, handingOver: single)
        }
        return reading
    }

    /// Appends to `combined` each of `items` whose id is not in `ids` yet (adding it there); with
    /// `handingOver` (the only page) and no id given twice, `items` become `combined` as they are.
    private static func takeFirsts<Item>(of items: [Item], id: (Item) -> PaymentID, into combined: inout [Item],
                                         ids: inout Set<PaymentID>, handingOver: Bool) {
        guard !items.isEmpty else { return }
        if handingOver && combined.isEmpty {
            var firsts = Array(repeating: true, count: items.count)
            for (place, item) in items.enumerated() { firsts[place] = ids.insert(id(item)).inserted }
            if !firsts.contains(false) {
                combined = items // (handed over: no copy)
                return
            }
            ids = []
        }
        for item in items where ids.insert(id(item)).inserted { combined.append(item) }
    }

    /// Reads a file source: one document with the whole day's list (`metaData.totalCount` = the orders in it).
    public static func read(_ bytes: [UInt8], day: CivilDate) throws(SourceError) -> InvoiceboxReading {
        let page = try readPage(bytes, day: day)
        guard page.recordCount >= page.totalCount else {
            throw SourceError(source: source,
                              reason: "the file holds \(page.recordCount) of the \(page.totalCount) orders metaData.totalCount announces")
        }
        return combine([page])
    }

    /// The provider writes amounts as JSON numbers (`1239.6`) or strings; read exactly, at most 2 decimals.
    static func providerMoney(_ item: JSONValue, _ key: String, _ checker: inout FieldChecker) -> Money? {
        guard let value = checker.member(item, key, "", required: true) else { return nil }
        let text: String
        switch value.kind {
        case .number(let literal): text = literal
        case .string(let string): text = string
        default:
            checker.add(key, "must be a number, got \(value.typeName)")
            return nil
        }
        guard let decimal = ExactDecimal(text), let cents = decimal.rescaled(to: 2) else {
            checker.add(key, "'\(text)' is not an amount in roubles with at most two decimals")
            return nil
        }
        let money = Money(kopecks: cents.units)
        guard money > .zero else {
            checker.add(key, "a payment must be positive, got \(money)")
            return nil
        }
        return money
    }

    static func isNull(_ value: JSONValue) -> Bool {
        if case .null = value.kind { return true }
        return false
    }
}

extension JSONValue.Kind {
    var numberLiteral: String? {
        if case .number(let literal) = self { return literal }
        return nil
    }
}
