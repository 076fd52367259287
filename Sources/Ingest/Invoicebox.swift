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
        let root: JSONValue
        do {
            root = try JSONParser.parse(bytes)
        } catch {
            throw SourceError(source: source, line: error.line, reason: "the page is \(error.description)")
        }
        guard root.isObject else {
            throw SourceError(source: source, reason: "the page must be a JSON object ({data, metaData}), got \(root.typeName)")
        }
        if let error = root["error"], !isNull(error) {
            let detail = error["message"]?.stringValue ?? error.stringValue ?? String(decoding: bytes[error.range], as: UTF8.self)
            throw SourceError(source: source, reason: "the provider answered with an error: \(detail)")
        }
        var envelope = FieldChecker()
        let data = envelope.array(root, "data", "")
        let meta = envelope.object(root, "metaData", "")
        var totalCount: Int?
        var page: Int?
        var pageSize: Int?
        if let meta {
            totalCount = envelope.integer(meta, "totalCount", "metaData", minimum: 0)
            page = envelope.integer(meta, "page", "metaData", minimum: 1)
            pageSize = envelope.integer(meta, "pageSize", "metaData", minimum: 1)
        }
        if let problem = envelope.problems.first {
            throw SourceError(source: source, reason: "envelope: \(problem)")
        }
        guard let data, let totalCount, let page, let pageSize else {
            throw SourceError(source: source, reason: "envelope: incomplete")
        }
        if let expectedPage, expectedPage != page {
            throw SourceError(source: source, reason: "envelope: page \(expectedPage) was requested but metaData.page is \(page)")
        }
        guard data.count <= pageSize else {
            throw SourceError(source: source, reason: "envelope: \(data.count) orders on a page of pageSize \(pageSize)")
        }

        var result = InvoiceboxPage(page: page, pageSize: pageSize, totalCount: totalCount, recordCount: data.count,
                                    providerIDs: [], payments: [], quarantined: [], diagnostics: [], ignoredCount: 0)
        var seen: [String: Int] = [:]
        for (index, item) in data.enumerated() {
            let raw = String(decoding: bytes[item.range], as: UTF8.self)
            let idText = item["id"]?.stringValue
            let record = "page \(page), order \(idText ?? "#\(index + 1) (no id)")"
            var checker = FieldChecker()
            guard item.isObject else {
                checker.add("", "an order must be a JSON object, got \(item.typeName)")
                result.quarantined.append(quarantine(checker.problems, source: source, record: record,
                                                     key: "\(source):\(fingerprint(raw))", raw: raw))
                continue
            }
            let id = checker.string(item, "id", "")
            if let id, !isUUID(id) { checker.add("id", "'\(id)' is not a uuid") }
            let status = checker.string(item, "status", "")
            if let id, isUUID(id) {
                if let earlier = seen[id] {
                    result.diagnostics.append(Diagnostic(severity: .warning, kind: "duplicate-record", source: source, record: record,
                                                         message: "provider order \(id) appears again (first as #\(earlier)); read once"))
                    continue
                }
                seen[id] = index + 1
                result.providerIDs.append(ProviderOrderID(id))
            }
            guard checker.problems.isEmpty, let id, let status else {
                result.quarantined.append(quarantine(checker.problems, source: source, record: record,
                                                     key: "\(source):\(idText ?? fingerprint(raw))", raw: raw))
                continue
            }
            guard status == "completed" else {
                result.ignoredCount += 1
                continue
            }
            let paidAt = checker.timestamp(item, "paidAt", "")
            let amount = providerMoney(item, "amount", &checker)
            if let currency = item["currencyId"], !isNull(currency) {
                let code = currency.stringValue ?? (currency.kind.numberLiteral ?? "")
                if code != "RUB" && code != "643" {
                    checker.add("currencyId", "only roubles (RUB) are accepted, got '\(code)'")
                }
            }
            var merchantOrderID: String?
            if let value = item["merchantOrderId"], !isNull(value) {
                merchantOrderID = value.stringValue ?? value.kind.numberLiteral
                if merchantOrderID == nil { checker.add("merchantOrderId", "must be a string, got \(value.typeName)") }
            }
            var payerINN: String?
            var payerName: String?
            if let customer = checker.object(item, "customer", "", required: false) {
                payerINN = checker.string(customer, "vatNumber", "customer", required: false)
                payerName = checker.string(customer, "name", "customer", required: false)
            }
            let description = item["description"]?.stringValue
            guard checker.problems.isEmpty, let paidAt, let amount else {
                result.quarantined.append(quarantine(checker.problems, source: source, record: record,
                                                     key: "\(source):\(id)", raw: raw))
                continue
            }
            guard paidAt.moscowDate == day else {
                result.ignoredCount += 1
                result.diagnostics.append(Diagnostic(severity: .info, kind: "other-day", source: source, record: record,
                                                     message: "paid on \(paidAt.moscowDate) (Moscow), not on \(day); not a payment of this day"))
                continue
            }
            result.payments.append(Payment(
                id: PaymentID("invoicebox:\(id)"), source: .invoicebox, receivedOn: paidAt.moscowDate, amount: amount,
                payerINN: payerINN, payerName: payerName, purpose: description ?? "",
                providerOrderID: ProviderOrderID(id), merchantOrderID: merchantOrderID, raw: raw))
        }
        return result
    }

    /// Combines pages: a provider id seen on two pages is read once, with a warning.
    public static func combine(_ pages: [InvoiceboxPage]) -> InvoiceboxReading {
        var reading = InvoiceboxReading(payments: [], quarantined: [], diagnostics: [], recordCount: 0, ignoredCount: 0)
        var seen: Set<ProviderOrderID> = []
        var paymentIDs: Set<PaymentID> = []
        for page in pages {
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
            for payment in page.payments where paymentIDs.insert(payment.id).inserted {
                reading.payments.append(payment)
            }
        }
        return reading
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
    private static func providerMoney(_ item: JSONValue, _ key: String, _ checker: inout FieldChecker) -> Money? {
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

    private static func isNull(_ value: JSONValue) -> Bool {
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
