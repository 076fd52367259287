import Dispatch
import Domain
import Foundation
import Synchronization

/// An order read from the feed.
public struct FeedOrder: Hashable, Sendable {
    /// The validated order.
    public var order: Order
    /// The page it was on (1-based).
    public var page: Int
    /// The order's JSON exactly as the feed sent it, when it is kept; empty otherwise.
    ///
    /// Reading keeps it only for a copy that `OrdersFeed.combine` quarantines (a later copy of an
    /// order id with different content, or an order using an earlier order's shipment id), whose
    /// quarantined record needs it, and for every order of a page read without the day's earlier
    /// pages (see `OrdersFeed.PageReader`). A valid order's content is in `order` (and the ledger);
    /// not keeping its JSON means a day's feed is never held in memory.
    public var raw: String

    /// An order read from `page`.
    public init(order: Order, raw: String, page: Int) {
        self.order = order
        self.page = page
        self.raw = raw
    }
}

/// One page of the orders feed, read and checked against the contract (docs/orders-feed.md).
public struct OrdersFeedPage: Hashable, Sendable {
    /// The envelope's `business_date` (the day requested).
    public var businessDate: CivilDate
    /// The page number (1-based).
    public var page: Int
    /// How many pages the day has.
    public var pages: Int
    /// Orders that keep the contract.
    public var orders: [FeedOrder]
    /// Orders that break it, each with every problem found.
    public var quarantined: [QuarantinedRecord]
    /// Warnings and notes that do not stop an order (a `mercury` line shipped without a ВСД).
    public var diagnostics: [Diagnostic]
    /// Read with a spill: what was decided for the valid orders, which went to the spill (`orders`
    /// is then empty); nil otherwise.
    var settled: SettledOrders? = nil
}

/// What the reader of a page decided for its valid orders as it handed them to a spill (its
/// verdicts are final): how many were admitted, the copies read once, the copies quarantined.
struct SettledOrders: Hashable, Sendable {
    /// Orders handed to the spill.
    var admitted = 0
    /// A `duplicate-record` warning for each later copy with the same content, in the page's order.
    var duplicates: [Diagnostic] = []
    /// The later copies with different content and the orders reusing an earlier order's shipment
    /// id, in the page's order.
    var conflicts: [QuarantinedRecord] = []
}

/// The whole day's feed: every page combined, duplicates across pages resolved.
public struct OrdersFeedReading: Hashable, Sendable {
    /// The envelope's `business_date` (the day requested).
    public var businessDate: CivilDate
    /// How many pages the day has.
    public var pages: Int
    /// Orders that keep the contract.
    public var orders: [FeedOrder]
    /// Records that broke their contract, kept whole with why.
    public var quarantined: [QuarantinedRecord]
    /// Warnings and notes that do not stop a record.
    public var diagnostics: [Diagnostic]
    /// How many orders went to a spill instead of `orders` (read with one).
    var spilledOrders = 0
}

/// The reader of the shop's B2B orders feed (contract: docs/orders-feed.md). Pure: bytes in, values out.
public enum OrdersFeed {
    /// Reads one page whose bytes are all at hand: `PageReader` fed them at once.
    ///
    /// - Parameters:
    ///   - bytes: the page as received (UTF-8 JSON).
    ///   - day: the business day requested; the envelope's `business_date` must equal it.
    ///   - expectedPage: the page requested (`page=N`), when known; the envelope must say the same.
    ///   - earlier: the day's pages before this one (see `PageReader.init(day:expectedPage:after:)`).
    /// - Throws: `SourceError` when the page is not JSON or its envelope is wrong: the source fails.
    ///   A bad order does not throw; it is quarantined and the others are read.
    public static func readPage(_ bytes: [UInt8], day: CivilDate, expectedPage: Int? = nil,
                                after earlier: [OrdersFeedPage]? = nil) throws(SourceError) -> OrdersFeedPage {
        var reader = PageReader(day: day, expectedPage: expectedPage, after: earlier)
        try reader.feed(bytes)
        return try reader.finish()
    }

    /// What reading one order of a page gave.
    struct ItemReading: Sendable {
        var order: Order?
        var quarantined: QuarantinedRecord?
        var warnings: [Diagnostic] = []
        var syntaxError: JSONSyntaxError?
        /// The order's id, when it has a non-empty string one.
        var id: String?
    }

    /// Parses and checks the orders at `ranges` of `bytes` (the first being the page's order
    /// number `firstIndex`, from 0), in parallel, in their order.
    static func readItems(_ bytes: [UInt8], ranges: [Range<Int>], firstIndex: Int, page: Int, day: CivilDate) -> [ItemReading] {
        guard !ranges.isEmpty else { return [] }
        let chunks = min(ranges.count, max(1, ProcessInfo.processInfo.activeProcessorCount) * 8)
        let results = Mutex<[Int: [ItemReading]]>([:])
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            let span = (ranges.count * chunk / chunks)..<(ranges.count * (chunk + 1) / chunks)
            let read = span.map { readItem(bytes, range: ranges[$0], index: firstIndex + $0, page: page, day: day) }
            results.withLock { $0[chunk] = read }
        }
        return results.withLock { all in (0..<chunks).flatMap { all[$0] ?? [] } }
    }

    private static func readItem(_ bytes: [UInt8], range: Range<Int>, index: Int, page: Int, day: CivilDate) -> ItemReading {
        let source = SourceName.ordersFeed
        let item: JSONValue
        do {
            item = try JSONParser.parse(bytes, range: range, depth: 2) // in the envelope object and its array
        } catch {
            return ItemReading(syntaxError: error)
        }
        let id = item["id"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
        let record = "page \(page), order \(id ?? "#\(index + 1) (no id)")"
        var validator = OrderValidator(record: record)
        let order = validator.validate(item)
        if let order, validator.checker.problems.isEmpty {
            return ItemReading(order: order, warnings: validator.warnings, id: id)
        }
        let raw = String(decoding: bytes[item.range], as: UTF8.self)
        let problems = validator.checker.problems.isEmpty
            ? [ContractProblem(field: "", reason: "could not be read")]
            : validator.checker.problems
        let key = "\(source):\(day.iso):\(id ?? "page\(page)#\(index + 1)"):\(fingerprint(raw))"
        return ItemReading(quarantined: quarantine(problems, source: source, record: record, key: key, raw: raw),
                           warnings: validator.warnings, id: id)
    }

    /// Combines the pages of one day: an order id seen twice is read once when both copies are
    /// the same (with a warning), and the later copy is quarantined when they differ; a shipment id
    /// used by two orders quarantines the later order.
    ///
    /// - Throws: `SourceError` when the pages contradict each other (different `pages`, a page
    ///   missing or repeated).
    public static func combine(_ pages: [OrdersFeedPage], day: CivilDate) throws(SourceError) -> OrdersFeedReading {
        try combine(pages, day: day, sharing: true)
    }

    /// The warning for a later copy of order `id` (on `page`) with the same content as its first copy.
    static func duplicate(_ id: OrderID, page: Int, firstPage: Int) -> Diagnostic {
        Diagnostic(severity: .warning, kind: "duplicate-record", source: SourceName.ordersFeed, record: "page \(page), order \(id)",
                   message: "order \(id) appears again (first on page \(firstPage)) with the same content; read once")
    }

    /// The quarantined record of a valid order (on `page`, sent as `raw`) that combining refuses.
    static func conflicting(_ id: OrderID, page: Int, problem: ContractProblem, raw: String, day: CivilDate) -> QuarantinedRecord {
        let source = SourceName.ordersFeed
        return quarantine([problem], source: source, record: "page \(page), order \(id)",
                          key: "\(source):\(day.iso):\(id):\(fingerprint(raw))", raw: raw)
    }

    /// Checks the pages agree: the same `pages`, each page once and in order, all of them.
    ///
    /// - Returns: how many pages the day has.
    private static func checkConsistent(_ pages: [OrdersFeedPage]) throws(SourceError) -> Int {
        let source = SourceName.ordersFeed
        guard let first = pages.first else {
            throw SourceError(source: source, reason: "no page was read")
        }
        for (index, page) in pages.enumerated() {
            guard page.pages == first.pages else {
                throw SourceError(source: source,
                                  reason: "page \(page.page) says there are \(page.pages) pages, page \(first.page) said \(first.pages)")
            }
            guard page.page == index + 1 else {
                throw SourceError(source: source, reason: "expected page \(index + 1), got page \(page.page)")
            }
        }
        guard pages.count == first.pages else {
            throw SourceError(source: source, reason: "read \(pages.count) of \(first.pages) pages")
        }
        return first.pages
    }

    /// Combines the pages of one day read with a spill (their orders went to it as they were read,
    /// and the reader's verdicts are final): checks the pages agree and gathers their quarantined
    /// records and diagnostics as `combine` does, and how many orders the spill got.
    ///
    /// - Throws: `SourceError` when the pages contradict each other, or a page was not read with a
    ///   spill (its orders would be lost).
    static func combineSettled(_ pages: [OrdersFeedPage], day: CivilDate) throws(SourceError) -> OrdersFeedReading {
        let count = try checkConsistent(pages)
        var reading = OrdersFeedReading(businessDate: day, pages: count, orders: [], quarantined: [], diagnostics: [])
        for page in pages {
            guard let settled = page.settled else {
                throw SourceError(source: SourceName.ordersFeed, reason: "page \(page.page) was not read into the spill")
            }
            reading.quarantined += page.quarantined
            reading.diagnostics += page.diagnostics
            reading.quarantined += settled.conflicts
            reading.diagnostics += settled.duplicates
            reading.spilledOrders += settled.admitted
        }
        return reading
    }

    /// `combine`; `sharing` false when the pages' orders already share their repeated parts (read
    /// by a `PageReader`, which shares them as it reads, and no second copy is made here).
    static func combine(_ pages: [OrdersFeedPage], day: CivilDate, sharing: Bool) throws(SourceError) -> OrdersFeedReading {
        let pageCount = try checkConsistent(pages)
        var reading = OrdersFeedReading(businessDate: day, pages: pageCount, orders: [], quarantined: [], diagnostics: [])
        // Sized once: an array of a day's orders grown by doubling holds its old and new storage at once.
        let count = pages.reduce(0) { $0 + $1.orders.count }
        reading.orders.reserveCapacity(count)
        var combiner = FeedCombiner(expectedOrders: count)
        var interner = OrderInterner()
        for page in pages {
            reading.quarantined += page.quarantined
            reading.diagnostics += page.diagnostics
            for feedOrder in page.orders {
                let order = feedOrder.order
                switch combiner.admitKept(order, page: feedOrder.page) {
                case .sameAgain(let firstPage):
                    reading.diagnostics.append(duplicate(order.id, page: feedOrder.page, firstPage: firstPage))
                case .conflict(let problem):
                    reading.quarantined.append(conflicting(order.id, page: feedOrder.page, problem: problem, raw: feedOrder.raw, day: day))
                case .accepted:
                    var shared = feedOrder
                    if sharing { interner.share(&shared.order) }
                    reading.orders.append(shared)
                }
            }
        }
        return reading
    }

    /// Reads a file source: one document holding the whole day (`page` = `pages` = 1).
    public static func read(_ bytes: [UInt8], day: CivilDate) throws(SourceError) -> OrdersFeedReading {
        let page = try readPage(bytes, day: day, expectedPage: 1)
        return try combine([page], day: day, sharing: false)
    }
}

/// Builds the quarantined record for a list of problems: the first is the reason, all are in the message.
func quarantine(_ problems: [ContractProblem], source: String, record: String, key: String, raw: String) -> QuarantinedRecord {
    let first = problems[0]
    var message = first.reason
    if problems.count > 1 {
        message += " (\(problems.count) problems: " + problems.map(\.description).joined(separator: "; ") + ")"
    }
    let diagnostic = Diagnostic(severity: .error, kind: "quarantined", source: source, record: record,
                                field: first.field.isEmpty ? nil : first.field, message: message)
    return QuarantinedRecord(diagnostic: diagnostic, key: key, raw: raw)
}

/// Checks one order against the contract, collecting every problem.
struct OrderValidator {
    let record: String
    var checker = FieldChecker()
    var warnings: [Diagnostic] = []

    init(record: String) { self.record = record }

    mutating func validate(_ json: JSONValue) -> Order? {
        guard json.isObject else {
            checker.add("", "an order must be a JSON object, got \(json.typeName)")
            return nil
        }
        let id = checker.string(json, "id", "")
        let number = checker.string(json, "number", "")
        let createdAt = checker.timestamp(json, "created_at", "")
        let status = checker.choice(json, "status", "", ["shipped", "delivered", "cancelled"]).flatMap(OrderStatus.init(rawValue:))
        let bill = self.bill(json)
        var providerOrderID: ProviderOrderID?
        if let text = checker.string(json, "invoicebox_order_id", "", required: false) {
            if isUUID(text) {
                providerOrderID = ProviderOrderID(text)
            } else {
                checker.add("invoicebox_order_id", "'\(text)' is not a uuid")
            }
        }
        let customer = checker.object(json, "customer", "").flatMap { party($0, "customer") }
        var consignee: Party?
        if let value = checker.object(json, "consignee", "", required: false) {
            consignee = party(value, "consignee")
        }
        let terms = self.terms(json)
        let lines = self.lines(json, billDate: bill?.date)
        let shipments = self.shipments(json, lines: lines)
        let returns = self.returns(json, lines: lines, shipments: shipments)

        if let lines, let bill {
            let computed = lines.reduce(Money.zero) { $0 + Money.multiply($1.price, by: $1.quantity) }
            if computed != bill.amount {
                let detail = lines.map { "line \($0.lineNo): \($0.quantity) × \($0.price) = \(Money.multiply($0.price, by: $0.quantity))" }
                checker.add("bill.amount",
                            "bill amount \(bill.amount) differs from the ordered lines at their prices, \(computed) (\(detail.joined(separator: "; ")))")
            }
        }
        if let status, let shipments {
            switch status {
            case .shipped, .delivered:
                if shipments.isEmpty { checker.add("shipments", "an order that is \(status.rawValue) needs at least one shipment") }
                if status == .delivered {
                    for (index, shipment) in shipments.enumerated() where shipment.deliveredAt == nil {
                        checker.add("shipments[\(index)].delivered_at", "the order is delivered but shipment \(shipment.id) has no delivered_at")
                    }
                }
            case .cancelled:
                break
            }
        }

        guard checker.problems.isEmpty, let id, let number, let createdAt, let status, let bill, let customer,
              let terms, let lines, let shipments, let returns else { return nil }
        return Order(id: OrderID(id), number: number, createdAt: createdAt, status: status, bill: bill,
                     providerOrderID: providerOrderID, customer: customer, consignee: consignee, terms: terms,
                     lines: lines, shipments: shipments, returns: returns)
    }

    private mutating func bill(_ json: JSONValue) -> Bill? {
        guard let value = checker.object(json, "bill", "") else { return nil }
        let number = checker.string(value, "number", "bill")
        let date = checker.date(value, "date", "bill")
        let amount = checker.money(value, "amount", "bill")
        guard let number, let date, let amount else { return nil }
        return Bill(number: BillNumber(number), date: date, amount: amount)
    }

    private mutating func terms(_ json: JSONValue) -> Terms? {
        guard let value = checker.object(json, "terms", "") else { return nil }
        let payment = checker.choice(value, "payment", "terms", ["prepaid", "postpaid"]).flatMap(Terms.Payment.init(rawValue:))
        let deferral = checker.integer(value, "deferral_days", "terms", minimum: 0)
        let limit = checker.money(value, "credit_limit", "terms")
        guard let payment, let deferral, let limit else { return nil }
        return Terms(payment: payment, deferralDays: deferral, creditLimit: limit)
    }

    private mutating func party(_ json: JSONValue, _ path: String) -> Party? {
        let before = checker.problems.count
        let id = checker.string(json, "id", path)
        let kind = checker.choice(json, "kind", path, ["legal", "sole_trader"]).flatMap(Party.Kind.init(rawValue:))
        let name = checker.string(json, "name", path)
        var inn: INN?
        if let text = checker.string(json, "inn", path) {
            do {
                let value = try INN(text)
                switch kind {
                case .legal where !value.isLegalEntity:
                    checker.add(path + ".inn", "an organisation's ИНН has 10 digits, got \(text.count)")
                case .soleTrader where value.isLegalEntity:
                    checker.add(path + ".inn", "a sole trader's ИНН has 12 digits, got \(text.count)")
                default:
                    inn = value
                }
            } catch {
                checker.add(path + ".inn", error.description)
            }
        }
        var kpp: String?
        let problemsBeforeKPP = checker.problems.count
        let kppText = checker.string(json, "kpp", path, required: false)
        switch kind {
        case .legal:
            if let kppText {
                do {
                    try Requisites.checkKPP(kppText)
                    kpp = kppText
                } catch {
                    checker.add(path + ".kpp", error.description)
                }
            } else if checker.problems.count == problemsBeforeKPP {
                checker.add(path + ".kpp", "is required for an organisation")
            }
        case .soleTrader:
            if kppText != nil { checker.add(path + ".kpp", "a sole trader (ИП) has no КПП") }
        case nil:
            break
        }
        let address = checker.object(json, "address", path).flatMap { self.address($0, path + ".address") }
        var bank: BankDetails?
        if let value = checker.object(json, "bank", path, required: false) {
            bank = bankDetails(value, path + ".bank")
        }
        var email: String?
        if let text = checker.string(json, "email", path, required: false) {
            if isEmailAddress(text) {
                email = text
            } else {
                checker.add(path + ".email", "'\(text)' is not an e-mail address")
            }
        }
        var edoID: String?
        if let text = checker.string(json, "edo_id", path, required: false) {
            if containsWhitespace(text) {
                checker.add(path + ".edo_id", "an EDO participant id has no spaces")
            } else {
                edoID = text
            }
        }
        guard checker.problems.count == before, let id, let kind, let name, let inn, let address else { return nil }
        return Party(id: CustomerID(id), kind: kind, name: name, inn: inn, kpp: kpp, address: address,
                     bank: bank, email: email, edoID: edoID)
    }

    private mutating func address(_ json: JSONValue, _ path: @autoclosure () -> String) -> Address? {
        let before = checker.problems.count
        let regionCode = checker.string(json, "region_code", path())
        if let regionCode, !isASCIIDigits(regionCode, count: 2...2) {
            checker.add(path() + ".region_code", "'\(regionCode)' is not a two-digit region code")
        }
        let region = checker.string(json, "region", path())
        let postalCode = checker.string(json, "postal_code", path(), required: false)
        if let postalCode, !isASCIIDigits(postalCode, count: 6...6) {
            checker.add(path() + ".postal_code", "'\(postalCode)' is not a six-digit postal code")
        }
        let city = checker.string(json, "city", path(), required: false)
        let street = checker.string(json, "street", path(), required: false)
        let house = checker.string(json, "house", path(), required: false)
        let flat = checker.string(json, "flat", path(), required: false)
        let text = checker.string(json, "text", path())
        guard checker.problems.count == before, let regionCode, let region, let text else { return nil }
        return Address(regionCode: regionCode, region: region, postalCode: postalCode, city: city, street: street,
                       house: house, flat: flat, text: text)
    }

    private mutating func bankDetails(_ json: JSONValue, _ path: @autoclosure () -> String) -> BankDetails? {
        let before = checker.problems.count
        let bik = checker.string(json, "bik", path())
        let account = checker.string(json, "account", path())
        let corr = checker.string(json, "corr_account", path(), required: false)
        let name = checker.string(json, "name", path())
        if let bik {
            do {
                try Requisites.checkBIK(bik)
                if let account {
                    do { try Requisites.checkAccount(account, bik: bik) } catch { checker.add(path() + ".account", error.description) }
                }
                if let corr {
                    do { try Requisites.checkCorrespondentAccount(corr, bik: bik) } catch { checker.add(path() + ".corr_account", error.description) }
                }
            } catch {
                checker.add(path() + ".bik", error.description)
            }
        }
        guard checker.problems.count == before, let bik, let account, let name else { return nil }
        return BankDetails(bik: bik, account: account, correspondentAccount: corr, name: name)
    }

    private mutating func lines(_ json: JSONValue, billDate: CivilDate?) -> [OrderLine]? {
        guard let items = checker.array(json, "lines", "") else { return nil }
        if items.isEmpty { checker.add("lines", "an order needs at least one line") }
        let before = checker.problems.count
        var lines: [OrderLine] = []
        var numbers: [Int: Int] = [:]
        for (index, item) in items.enumerated() {
            func path() -> String { "lines[\(index)]" }
            guard checker.isObject(item, at: path()) else { continue }
            let lineNo = checker.integer(item, "line_no", path(), minimum: 1)
            checker.unique(lineNo, at: index, seen: &numbers, field: path() + ".line_no", label: "line_no", list: "lines")
            let sku = checker.string(item, "sku", path())
            let name = checker.string(item, "name", path())
            let gtin = checker.string(item, "gtin", path(), required: false)
            if let gtin, !isASCIIDigits(gtin, count: 8...14) {
                checker.add(path() + ".gtin", "'\(gtin)' is not 8–14 digits")
            }
            var unit: MeasureUnit?
            if let unitJSON = checker.object(item, "unit", path()) {
                let okei = checker.string(unitJSON, "okei", path() + ".unit")
                if let okei, !isASCIIDigits(okei, count: 3...3) {
                    checker.add(path() + ".unit.okei", "'\(okei)' is not a three-digit ОКЕИ code")
                }
                let unitName = checker.string(unitJSON, "name", path() + ".unit")
                if let okei, let unitName { unit = MeasureUnit(okei: okei, name: unitName) }
            }
            let quantity = checker.decimal(item, "quantity", path())
            let price = checker.money(item, "price", path())
            var rate: VATRate?
            if let text = checker.string(item, "vat_rate", path()) {
                if let value = VATRate(feedValue: text) {
                    if let billDate, !value.isValid(on: billDate) {
                        checker.add(path() + ".vat_rate", "VAT rate \(text) is not valid on \(billDate.russian) (the bill's date)")
                    } else {
                        rate = value
                    }
                } else {
                    checker.add(path() + ".vat_rate", "'\(text)' is not one of '22%', '10%', '0%', 'без НДС'")
                }
            }
            let weighed = checker.bool(item, "weighed", path())
            let mercury = checker.bool(item, "mercury", path())
            if let quantity, let weighed {
                if !quantity.isPositive {
                    checker.add(path() + ".quantity", "the ordered quantity must be greater than 0, got \(quantity)")
                } else if weighed, quantity.scale > 3 {
                    checker.add(path() + ".quantity", "a weighed quantity has at most 3 decimals, got \(quantity)")
                } else if !weighed, unit?.okei == "796", quantity.normalized.scale > 0 {
                    checker.add(path() + ".quantity", "pieces (ОКЕИ 796) are whole, got \(quantity)")
                }
            }
            if let lineNo, let sku, let name, let unit, let quantity, let price, let rate, let weighed, let mercury {
                lines.append(OrderLine(lineNo: lineNo, sku: sku, name: name, gtin: gtin, unit: unit, quantity: quantity,
                                       price: price, vatRate: rate, weighed: weighed, mercury: mercury))
            }
        }
        return checker.problems.count == before ? lines : nil
    }

    private mutating func warehouse(_ json: JSONValue, _ path: @autoclosure () -> String) -> Warehouse? {
        let before = checker.problems.count
        let id = checker.string(json, "id", path())
        let name = checker.string(json, "name", path())
        let address = checker.object(json, "address", path()).flatMap { self.address($0, path() + ".address") }
        var kpp: String?
        if let text = checker.string(json, "kpp", path(), required: false) {
            do {
                try Requisites.checkKPP(text)
                kpp = text
            } catch {
                checker.add(path() + ".kpp", error.description)
            }
        }
        guard checker.problems.count == before, let id, let name, let address else { return nil }
        return Warehouse(id: WarehouseID(id), name: name, address: address, kpp: kpp)
    }

    private mutating func shipments(_ json: JSONValue, lines: [OrderLine]?) -> [Shipment]? {
        guard let items = checker.array(json, "shipments", "") else { return nil }
        let before = checker.problems.count
        let lineByNumber = firstByNumber(lines ?? [])
        var shipments: [Shipment] = []
        var ids: [String: Int] = [:]
        var shippedTotal: [Int: ExactDecimal] = [:]
        for (index, item) in items.enumerated() {
            func path() -> String { "shipments[\(index)]" }
            guard checker.isObject(item, at: path()) else { continue }
            let id = checker.string(item, "id", path())
            checker.unique(id, at: index, seen: &ids, field: path() + ".id", label: "shipment id", list: "shipments")
            let warehouse = checker.object(item, "warehouse", path()).flatMap { self.warehouse($0, path() + ".warehouse") }
            let departedAt = checker.timestamp(item, "departed_at", path())
            let deliveredAt = checker.timestamp(item, "delivered_at", path(), required: false)
            if let departedAt, let deliveredAt, deliveredAt < departedAt {
                checker.add(path() + ".delivered_at", "delivered at \(deliveredAt), before it departed at \(departedAt)")
            }
            var shipmentLines: [ShipmentLine] = []
            var seenLines: Set<Int> = []
            if let lineItems = checker.array(item, "lines", path()) {
                if lineItems.isEmpty { checker.add(path() + ".lines", "a shipment needs at least one line") }
                for (lineIndex, lineItem) in lineItems.enumerated() {
                    func linePath() -> String { "\(path()).lines[\(lineIndex)]" }
                    guard checker.isObject(lineItem, at: linePath()) else { continue }
                    let lineNo = checker.integer(lineItem, "line_no", linePath(), minimum: 1)
                    let quantity = checker.decimal(lineItem, "quantity", linePath())
                    var vsd: [String] = []
                    if let vsdItems = checker.array(lineItem, "vsd", linePath(), required: false) {
                        for (vsdIndex, vsdItem) in vsdItems.enumerated() {
                            if let text = vsdItem.stringValue, isUUID(text) {
                                vsd.append(text)
                            } else {
                                checker.add("\(linePath()).vsd[\(vsdIndex)]", "a ВСД id must be a uuid string")
                            }
                        }
                    }
                    guard let lineNo else { continue }
                    if !seenLines.insert(lineNo).inserted {
                        checker.add(linePath() + ".line_no", "line \(lineNo) appears twice in shipment \(id ?? "#\(index + 1)")")
                    }
                    guard let orderLine = lineByNumber[lineNo] else {
                        if lines != nil { checker.add(linePath() + ".line_no", "the order has no line \(lineNo)") }
                        continue
                    }
                    guard let quantity else { continue }
                    if quantity.isNegative {
                        checker.add(linePath() + ".quantity", "a shipped quantity cannot be negative, got \(quantity)")
                        continue
                    }
                    if orderLine.weighed {
                        if !quantity.isPositive {
                            checker.add(linePath() + ".quantity", "a weighed line's shipped weight must be greater than 0, got \(quantity)")
                        } else if quantity.scale > 3 {
                            checker.add(linePath() + ".quantity", "a weighed quantity has at most 3 decimals, got \(quantity)")
                        }
                    } else {
                        if orderLine.unit.okei == "796", quantity.normalized.scale > 0 {
                            checker.add(linePath() + ".quantity", "pieces (ОКЕИ 796) are whole, got \(quantity)")
                        }
                        let total = (shippedTotal[lineNo] ?? .zero) + quantity
                        shippedTotal[lineNo] = total
                        if total > orderLine.quantity {
                            checker.add(linePath() + ".quantity",
                                        "shipped \(total) of line \(lineNo) in all, but \(orderLine.quantity) was ordered")
                        }
                    }
                    if orderLine.mercury, quantity.isPositive, vsd.isEmpty {
                        warnings.append(Diagnostic(
                            severity: .warning, kind: "missing-vsd", source: SourceName.ordersFeed, record: record,
                            field: linePath() + ".vsd",
                            message: "line \(lineNo) «\(orderLine.name)» is a mercury line shipped without a ВСД; its transfer document will be held back"))
                    }
                    shipmentLines.append(ShipmentLine(lineNo: lineNo, quantity: quantity, vsd: vsd))
                }
            }
            if let id, let warehouse, let departedAt {
                shipments.append(Shipment(id: ShipmentID(id), warehouse: warehouse, departedAt: departedAt,
                                          deliveredAt: deliveredAt, lines: shipmentLines))
            }
        }
        return checker.problems.count == before ? shipments : nil
    }

    private mutating func returns(_ json: JSONValue, lines: [OrderLine]?, shipments: [Shipment]?) -> [Return]? {
        guard let items = checker.array(json, "returns", "") else { return nil }
        let before = checker.problems.count
        let lineByNumber = firstByNumber(lines ?? [])
        let shipmentByID = Dictionary((shipments ?? []).map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        var shippedTotal: [Int: ExactDecimal] = [:]
        for shipment in shipments ?? [] {
            for line in shipment.lines { shippedTotal[line.lineNo] = (shippedTotal[line.lineNo] ?? .zero) + line.quantity }
        }
        var returns: [Return] = []
        var ids: [String: Int] = [:]
        var returnedAfterDelivery: [String: ExactDecimal] = [:]
        var takenOffTotal: [Int: ExactDecimal] = [:]
        for (index, item) in items.enumerated() {
            func path() -> String { "returns[\(index)]" }
            guard checker.isObject(item, at: path()) else { continue }
            let id = checker.string(item, "id", path())
            checker.unique(id, at: index, seen: &ids, field: path() + ".id", label: "return id", list: "returns")
            let shipmentText = checker.string(item, "shipment_id", path())
            var shipment: Shipment?
            if let shipmentText, shipments != nil {
                shipment = shipmentByID[ShipmentID(shipmentText)]
                if shipment == nil {
                    checker.add(path() + ".shipment_id", "the order has no shipment \(shipmentText)")
                }
            }
            let stage = checker.choice(item, "stage", path(), ["before_departure", "after_delivery"]).flatMap(Return.Stage.init(rawValue:))
            let at = checker.timestamp(item, "at", path())
            let reason = checker.string(item, "reason", path())
            if let shipment, let stage, let at {
                switch stage {
                case .beforeDeparture where at > shipment.departedAt:
                    checker.add(path() + ".at", "a before_departure return at \(at) is after shipment \(shipment.id) departed at \(shipment.departedAt)")
                case .afterDelivery where at < shipment.departedAt:
                    checker.add(path() + ".at", "an after_delivery return at \(at) is before shipment \(shipment.id) departed at \(shipment.departedAt)")
                default:
                    break
                }
            }
            var returnLines: [ReturnLine] = []
            if let lineItems = checker.array(item, "lines", path()) {
                if lineItems.isEmpty { checker.add(path() + ".lines", "a return needs at least one line") }
                for (lineIndex, lineItem) in lineItems.enumerated() {
                    func linePath() -> String { "\(path()).lines[\(lineIndex)]" }
                    guard checker.isObject(lineItem, at: linePath()) else { continue }
                    let lineNo = checker.integer(lineItem, "line_no", linePath(), minimum: 1)
                    let quantity = checker.decimal(lineItem, "quantity", linePath())
                    guard let lineNo, let quantity else { continue }
                    guard let orderLine = lineByNumber[lineNo] else {
                        if lines != nil { checker.add(linePath() + ".line_no", "the order has no line \(lineNo)") }
                        continue
                    }
                    guard quantity.isPositive else {
                        checker.add(linePath() + ".quantity", "a returned quantity must be greater than 0, got \(quantity)")
                        continue
                    }
                    if !orderLine.weighed, orderLine.unit.okei == "796", quantity.normalized.scale > 0 {
                        checker.add(linePath() + ".quantity", "pieces (ОКЕИ 796) are whole, got \(quantity)")
                    }
                    returnLines.append(ReturnLine(lineNo: lineNo, quantity: quantity))
                    guard let shipment, let stage else { continue }
                    let shipped = shipment.lines.first { $0.lineNo == lineNo }?.quantity
                    switch stage {
                    case .afterDelivery:
                        guard let shipped else {
                            checker.add(linePath() + ".line_no", "shipment \(shipment.id) did not carry line \(lineNo)")
                            continue
                        }
                        let key = "\(shipment.id)#\(lineNo)"
                        let total = (returnedAfterDelivery[key] ?? .zero) + quantity
                        returnedAfterDelivery[key] = total
                        if total > shipped {
                            checker.add(linePath() + ".quantity",
                                        "returned \(total) of line \(lineNo) from shipment \(shipment.id), which shipped \(shipped)")
                        }
                    case .beforeDeparture:
                        // Already subtracted from the shipment: what was loaded is shipped + taken off.
                        let takenOff = (takenOffTotal[lineNo] ?? .zero) + quantity
                        takenOffTotal[lineNo] = takenOff
                        if !orderLine.weighed {
                            let loaded = (shippedTotal[lineNo] ?? .zero) + takenOff
                            if loaded > orderLine.quantity {
                                checker.add(linePath() + ".quantity",
                                            "taken off \(takenOff) of line \(lineNo) before departure plus \(shippedTotal[lineNo] ?? .zero) shipped is \(loaded), more than the \(orderLine.quantity) ordered")
                            }
                        }
                    }
                }
            }
            if let id, let shipmentText, let stage, let at, let reason {
                returns.append(Return(id: ReturnID(id), shipmentID: ShipmentID(shipmentText), stage: stage, at: at,
                                      reason: reason, lines: returnLines))
            }
        }
        return checker.problems.count == before ? returns : nil
    }
}

/// Whether `text` is `count` ASCII digits (`Character.isASCIIDigit` each): decided on the bytes, as
/// an ASCII digit is one byte and one character (no digit joins another, or a mark, into one).
func isASCIIDigits(_ text: String, count: ClosedRange<Int>) -> Bool {
    let utf8 = text.utf8
    guard count.contains(utf8.count) else { return false }
    return utf8.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
}

/// The lines by number, the first of a repeated number kept.
func firstByNumber(_ lines: [OrderLine]) -> [Int: OrderLine] {
    var byNumber: [Int: OrderLine] = [:]
    byNumber.reserveCapacity(lines.count)
    for line in lines where byNumber[line.lineNo] == nil { byNumber[line.lineNo] = line }
    return byNumber
}

/// Whether `text` looks like an e-mail address: one `@` after something, a `.` after it, no
/// whitespace. ASCII text is checked byte by byte (its characters are its bytes, but for CR LF,
/// which is whitespace either way); other text character by character.
func isEmailAddress(_ text: String) -> Bool {
    let ascii: Bool? = text.utf8.withContiguousStorageIfAvailable { bytes in
        // Only ASCII is decided here: elsewhere a combining mark may join an `@` or `.`.
        guard bytes.allSatisfy({ $0 < 0x80 }) else { return nil }
        var at: Int?
        var dotAfterAt = false
        for (index, byte) in bytes.enumerated() {
            switch byte {
            case 0x09...0x0D, 0x20:
                return false
            case UInt8(ascii: "@"):
                if at != nil { return false }
                at = index
            case UInt8(ascii: "."):
                if at != nil { dotAfterAt = true }
            default:
                break
            }
        }
        guard let at, at > 0 else { return false }
        return dotAfterAt
    } ?? nil
    if let ascii { return ascii }
    let parts = text.split(separator: "@", omittingEmptySubsequences: false)
    return parts.count == 2 && !parts[0].isEmpty && parts[1].contains(".") && !text.contains(where: \.isWhitespace)
}

/// Whether a character of `text` is whitespace (`Character.isWhitespace`), decided from the bytes
/// when the text is ASCII.
func containsWhitespace(_ text: String) -> Bool {
    let ascii: Bool? = text.utf8.withContiguousStorageIfAvailable { bytes in
        var found = false
        for byte in bytes {
            if byte >= 0x80 { return nil }
            if (0x09...0x0D).contains(byte) || byte == 0x20 { found = true }
        }
        return found
    } ?? nil
    if let ascii { return ascii }
    return text.contains(where: \.isWhitespace)
}

/// Makes equal parts of the day's orders share one copy: a customer's requisites repeat in each of
/// its orders, a warehouse (name, address, КПП) in each shipment, a product's name in each line.
/// Only storage is shared (Swift strings and arrays are values), never a value changed: a day of
/// many orders then holds each repeated part once.
///
/// Each part is first looked up by a cheap hash (a party's and a warehouse's id, a name's UTF-8
/// bytes) with the part's own `==`; only a part not seen before goes to the set, whose hash of
/// every field normalises each non-ASCII string. The set keeps the first of each class of equal
/// parts and the lookup remembers what the set gave, so both give the same copy.
struct OrderInterner {
    private var parties = Set<Party>()
    private var warehouses = Set<Warehouse>()
    private var names = Set<String>()
    private var partyByID: [CheaplyHashed<Party>: Party] = [:]
    private var warehouseByID: [CheaplyHashed<Warehouse>: Warehouse] = [:]
    private var nameByBytes: [CheaplyHashed<String>: String] = [:]

    /// Replaces the order's repeated parts by their first copies (in place: an order whose arrays
    /// are not shared is not copied).
    mutating func share(_ order: inout Order) {
        order.customer = share(order.customer)
        if let consignee = order.consignee { order.consignee = share(consignee) }
        for index in order.shipments.indices {
            let warehouse = order.shipments[index].warehouse
            order.shipments[index].warehouse = Self.shared(warehouse, hash: utf8Hash(warehouse.id.rawValue),
                                                           in: &warehouses, byHash: &warehouseByID)
        }
        for index in order.lines.indices {
            let name = order.lines[index].name
            order.lines[index].name = Self.shared(name, hash: utf8Hash(name), in: &names, byHash: &nameByBytes)
        }
    }

    private mutating func share(_ party: Party) -> Party {
        Self.shared(party, hash: utf8Hash(party.id.rawValue), in: &parties, byHash: &partyByID)
    }

    /// `value`'s first copy: found by its cheap `hash`, else the set's first equal member (then
    /// remembered under that hash).
    private static func shared<Value: SameBytes & Hashable>(_ value: Value, hash: Int, in set: inout Set<Value>,
                                                              byHash: inout [CheaplyHashed<Value>: Value]) -> Value {
        let key = CheaplyHashed(value, hash: hash)
        if let shared = byHash[key] { return shared }
        let shared = set.insert(value).memberAfterInsert
        byHash[key] = shared
        return shared
    }
}

/// A value hashed by a cheap part of it (computed once) and compared with its own `==`.
///
/// Equal values may hash differently (`==` of strings is canonical equivalence, the hash is of
/// bytes): a lookup may then miss an equal key, never find an unequal one.
///
/// Values whose text has the same bytes are equal without comparing it as Unicode: `==` of two
/// byte-equal non-ASCII strings in separate storage still walks them as possibly unnormalised.
struct CheaplyHashed<Value: SameBytes>: Hashable {
    let value: Value
    let hash: Int

    init(_ value: Value, hash: Int) {
        self.value = value
        self.hash = hash
    }

    static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.hash == rhs.hash && (lhs.value.hasSameBytes(as: rhs.value) || lhs.value == rhs.value)
    }
    func hash(into hasher: inout Hasher) { hasher.combine(hash) }
}

/// A value whose text can be compared byte for byte: the same bytes imply `==` (the converse
/// need not hold).
protocol SameBytes: Equatable {
    func hasSameBytes(as other: Self) -> Bool
}

extension String: SameBytes {
    func hasSameBytes(as other: String) -> Bool { sameUTF8(self, other) }
}

extension Optional where Wrapped == String {
    func hasSameBytes(as other: String?) -> Bool {
        switch (self, other) {
        case (nil, nil): true
        case (let left?, let right?): sameUTF8(left, right)
        default: false
        }
    }
}

extension Address: SameBytes {
    func hasSameBytes(as other: Address) -> Bool {
        regionCode.hasSameBytes(as: other.regionCode) && region.hasSameBytes(as: other.region)
            && postalCode.hasSameBytes(as: other.postalCode) && city.hasSameBytes(as: other.city)
            && street.hasSameBytes(as: other.street) && house.hasSameBytes(as: other.house)
            && flat.hasSameBytes(as: other.flat) && text.hasSameBytes(as: other.text)
    }
}

extension BankDetails: SameBytes {
    func hasSameBytes(as other: BankDetails) -> Bool {
        bik.hasSameBytes(as: other.bik) && account.hasSameBytes(as: other.account)
            && correspondentAccount.hasSameBytes(as: other.correspondentAccount) && name.hasSameBytes(as: other.name)
    }
}

extension Party: SameBytes {
    func hasSameBytes(as other: Party) -> Bool {
        let bankSame: Bool
        switch (bank, other.bank) {
        case (nil, nil): bankSame = true
        case (let left?, let right?): bankSame = left.hasSameBytes(as: right)
        default: bankSame = false
        }
        return id.rawValue.hasSameBytes(as: other.id.rawValue) && kind == other.kind && name.hasSameBytes(as: other.name)
            && inn.value.hasSameBytes(as: other.inn.value) && kpp.hasSameBytes(as: other.kpp)
            && address.hasSameBytes(as: other.address) && bankSame && email.hasSameBytes(as: other.email)
            && edoID.hasSameBytes(as: other.edoID)
    }
}

extension Warehouse: SameBytes {
    func hasSameBytes(as other: Warehouse) -> Bool {
        id.rawValue.hasSameBytes(as: other.id.rawValue) && name.hasSameBytes(as: other.name)
            && address.hasSameBytes(as: other.address) && kpp.hasSameBytes(as: other.kpp)
    }
}

/// Whether the two texts have the same UTF-8 bytes.
func sameUTF8(_ a: String, _ b: String) -> Bool {
    let (left, right) = (a.utf8, b.utf8)
    guard left.count == right.count else { return false }
    let compared: Bool? = left.withContiguousStorageIfAvailable { x in
        right.withContiguousStorageIfAvailable { y in
            for index in 0..<x.count where x[index] != y[index] { return false }
            return true
        }
    } ?? nil
    return compared ?? left.elementsEqual(right)
}

/// A hash of a string's UTF-8 bytes (FNV-1a; no Unicode normalisation, unlike `String.hashValue`).
/// Only a bucket hint: `CheaplyHashed` is hashed into a dictionary's seeded `Hasher` as well.
func utf8Hash(_ text: String) -> Int {
    Int(truncatingIfNeeded: FNV1a.hash64(utf8: text))
}
