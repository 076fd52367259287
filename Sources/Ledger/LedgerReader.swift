import Domain
import Foundation
import GRDB

/// Read access to the ledger, inside ``Ledger/read(_:)`` or ``Ledger/write(_:)``
/// (a ``LedgerTransaction`` is a reader that also sees its own uncommitted writes).
///
/// Valid only inside the closure it was given to.
public class LedgerReader {
    let db: Database

    init(_ db: Database) { self.db = db }

    /// Gives back what this connection holds in memory (its page cache, up to
    /// ``Ledger``'s 32 MiB): for a read that went over much of the ledger and will not soon be
    /// repeated, so its pages do not stay resident beside the rest of the day's work.
    public func releaseMemory() throws {
        try guarded("release memory") { try db.execute(sql: "PRAGMA shrink_memory") }
    }

    /// Runs `body` with this connection's page cache at `kibibytes`, then sets ``Ledger``'s own back
    /// (also when `body` throws; what `body` throws is thrown as it is): for reads that go over many
    /// pages about once each, where a large cache only fills with pages never read again.
    public func withPageCache<T>(kibibytes: Int, _ body: () throws -> T) throws -> T {
        try guarded("set the page cache") { try db.execute(sql: "PRAGMA cache_size = -\(max(1, kibibytes))") }
        defer { try? db.execute(sql: "PRAGMA cache_size = -\(Ledger.pageCacheKiB)") }
        return try body()
    }

    /// The page cache (KiB) for reads that touch each page about once (``withPageCache(kibibytes:_:)``):
    /// the day's payments listed in the order of receipt and the touched customers' balances, read
    /// for the outputs. At 300 000 orders the connection's own 32 MiB filled for each (~34 MB resident),
    /// and the reads took no longer with this (docs/performance.md, round 21).
    public static let onePassCacheKiB = 4_096

    // MARK: Customers

    /// The customer with this ИНН, with its current requisites.
    public func customer(inn: String) throws -> CustomerRecord? {
        try guarded("read customer", record: "customer \(inn)") {
            guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM customers WHERE inn = ?"), arguments: [inn]) else {
                return nil
            }
            return try customerValue(row)
        }
    }

    func customerValue(_ row: Row) throws -> CustomerRecord {
        CustomerRecord(party: try decodeJSON(Party.self, row["party"], column: "customers.party"),
                       sourceOrderID: OrderID(row["source_order_id"] as String),
                       firstSeen: try row.date("first_seen"), lastSeen: try row.date("last_seen"))
    }

    /// The ИНН of every customer the ledger knows.
    public func customerINNs() throws -> Set<String> {
        try guarded("read customers") {
            Set(try String.fetchAll(db.cachedStatement(sql: "SELECT inn FROM customers")))
        }
    }

    /// Every customer, by ИНН.
    public func customers() throws -> [CustomerRecord] {
        try guarded("read customers") {
            try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM customers ORDER BY inn")).map(customerValue)
        }
    }

    /// The recorded changes of a customer's requisites, oldest first.
    public func customerChanges(inn: String) throws -> [CustomerChange] {
        try guarded("read customer changes", record: "customer \(inn)") {
            try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM customer_changes WHERE inn = ? ORDER BY id"), arguments: [inn])
                .map(customerChange)
        }
    }

    /// The customer changes noticed on a business day, oldest first.
    public func customerChanges(on businessDate: CivilDate) throws -> [CustomerChange] {
        try guarded("read customer changes", record: "business date \(businessDate)") {
            try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM customer_changes WHERE business_date = ? ORDER BY id"),
                             arguments: [businessDate.iso])
                .map(customerChange)
        }
    }

    private func customerChange(_ row: Row) throws -> CustomerChange {
        guard let field = CustomerChange.Field(rawValue: row["field"]) else {
            throw CorruptValue(column: "customer_changes.field")
        }
        return CustomerChange(customerINN: row["inn"], field: field, oldValue: row["old_value"], newValue: row["new_value"],
                              orderID: OrderID(row["order_id"] as String), businessDate: try row.date("business_date"))
    }

    // MARK: Orders

    /// The order with this id, as last stored.
    public func order(_ id: OrderID) throws -> OrderRecord? {
        try guarded("read order", record: "order \(id)") {
            try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM orders WHERE id = ?"), arguments: [id.rawValue]).map(orderRecord)
        }
    }

    /// The order whose bill has this number.
    public func order(billNumber: BillNumber) throws -> OrderRecord? {
        try guarded("read order", record: "bill \(billNumber)") {
            try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM orders WHERE bill_number = ?"), arguments: [billNumber.rawValue])
                .map(orderRecord)
        }
    }

    /// The order the payment provider knows by this id.
    public func order(providerOrderID: ProviderOrderID) throws -> OrderRecord? {
        try guarded("read order", record: "provider order \(providerOrderID)") {
            try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM orders WHERE provider_order_id = ?"),
                             arguments: [providerOrderID.rawValue])
                .map(orderRecord)
        }
    }

    /// Orders, oldest created first; only one customer's when `customerINN` is given.
    public func orders(customerINN: String? = nil) throws -> [OrderRecord] {
        try guarded("read orders") {
            if let customerINN {
                return try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM orders WHERE customer_inn = ? ORDER BY created_at, id"),
                                        arguments: [customerINN]).map(orderRecord)
            }
            return try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM orders ORDER BY created_at, id")).map(orderRecord)
        }
    }

    /// One customer's orders as their columns hold them (no content decoded), oldest created first
    /// (the order of `orders(customerINN:)`).
    public func orderTerms(customerINN: String) throws -> [OrderTermsRecord] {
        try guarded("read orders", record: "customer \(customerINN)") {
            try Row.fetchAll(db.cachedStatement(sql: """
                SELECT id, created_at, terms_payment, deferral_days, credit_limit FROM orders
                WHERE customer_inn = ? ORDER BY created_at, id
                """), arguments: [customerINN]).map { row in
                guard let payment = Terms.Payment(rawValue: row["terms_payment"]) else {
                    throw CorruptValue(column: "orders.terms_payment")
                }
                return OrderTermsRecord(orderID: OrderID(row["id"] as String), createdAt: try row.timestamp("created_at"),
                                        terms: Terms(payment: payment, deferralDays: row["deferral_days"],
                                                     creditLimit: Money(kopecks: row["credit_limit"])))
            }
        }
    }

    /// The ИНН of the customer of an order (its column; no content decoded).
    public func customerINN(ofOrder id: OrderID) throws -> String? {
        try guarded("read order", record: "order \(id)") {
            try String.fetchOne(db.cachedStatement(sql: "SELECT customer_inn FROM orders WHERE id = ?"), arguments: [id.rawValue])
        }
    }

    /// Orders seen (read from the feed) on a business day, oldest created first.
    public func orders(lastSeenOn businessDate: CivilDate) throws -> [OrderRecord] {
        try guarded("read orders", record: "business date \(businessDate)") {
            try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM orders WHERE last_seen = ? ORDER BY created_at, id"),
                             arguments: [businessDate.iso]).map(orderRecord)
        }
    }

    /// Earlier contents of an order that a later feed replaced, oldest first, with the business day of each replacement.
    public func orderHistory(_ id: OrderID) throws -> [(replacedOn: CivilDate, order: Order)] {
        try guarded("read order history", record: "order \(id)") {
            try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM order_versions WHERE order_id = ? ORDER BY id"), arguments: [id.rawValue])
                .map { row in
                    (try row.date("replaced_on"), try decodeJSON(Order.self, row["content"], column: "order_versions.content"))
                }
        }
    }

    private func orderRecord(_ row: Row) throws -> OrderRecord {
        OrderRecord(order: try decodeJSON(Order.self, row["content"], column: "orders.content"),
                    firstSeen: try row.date("first_seen"), lastSeen: try row.date("last_seen"),
                    updatedOn: try row.date("updated_on"))
    }

    // MARK: Payments and allocations

    /// The payment with this id.
    public func payment(_ id: PaymentID) throws -> Payment? {
        try guarded("read payment", record: "payment \(id)") {
            try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM payments WHERE id = ?"), arguments: [id.rawValue]).map(paymentValue)
        }
    }

    /// Payments received in a period (inclusive), by day then id.
    public func payments(receivedFrom from: CivilDate, through: CivilDate) throws -> [Payment] {
        try guarded("read payments") {
            try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM payments WHERE received_on BETWEEN ? AND ? ORDER BY received_on, id"),
                             arguments: [from.iso, through.iso]).map(paymentValue)
        }
    }

    /// Bills of orders that are not cancelled and are not fully paid: the bill amount minus
    /// the allocations so far, oldest bill first (by date, then number).
    ///
    /// - Parameters:
    ///   - customerINN: only this customer's bills.
    ///   - payments: ignore the *automatic* (unpinned) allocations of these payments, as
    ///     a rerun that is about to replace them needs (pinned allocations always count).
    public func openBills(customerINN: String? = nil,
                          excludingAutomaticAllocationsOf payments: Set<PaymentID> = []) throws -> [OpenBill] {
        var bills: [OpenBill] = []
        try forEachOpenBill(customerINN: customerINN, excludingAutomaticAllocationsOf: payments, oldestFirst: true) {
            bills.append($0)
        }
        return bills
    }

    /// Each bill ``openBills(customerINN:excludingAutomaticAllocationsOf:)`` gives, one at a time as
    /// SQLite reads it: no array of them is made.
    ///
    /// - Parameter oldestFirst: by date, then number, as `openBills` gives them; `false` in the order
    ///   of their numbers' index, which spares SQLite sorting every open bill (a large day's bills fill
    ///   ~10 MB of its sorter) for a caller that puts them in its own order.
    /// - Throws: ``LedgerError`` when the ledger cannot be read; an error `body` throws, as it is.
    public func forEachOpenBill(customerINN: String? = nil, excludingAutomaticAllocationsOf payments: Set<PaymentID> = [],
                                oldestFirst: Bool, _ body: (OpenBill) throws -> Void) throws {
        var arguments = StatementArguments()
        var exclusion = ""
        if !payments.isEmpty {
            // The ids go to a table of this connection's own (SQLite's temporary database: pages of its
            // own, written to a file past its small cache), not to one `?` each: a rerun of a large day
            // excludes every one of its payments, more than SQLite takes as arguments of one statement
            // (250 000 here) and a parse tree of a node each beside the read.
            try guarded("read open bills", record: "\(payments.count) payment(s) to exclude") {
                try PaymentIDTable.fill(db, with: payments)
            }
            exclusion = " AND NOT (a.pinned = 0 AND a.payment_id IN \(PaymentIDTable.excluded))"
        }
        defer { if !payments.isEmpty { try? PaymentIDTable.drop(db) } }
        var filter = ""
        if let customerINN {
            filter = " AND b.customer_inn = ?"
            arguments += [customerINN]
        }
        let sql = """
            SELECT b.number, b.order_id, b.customer_inn, b.date, b.amount,
                   COALESCE(SUM(a.amount), 0) AS allocated
            FROM bills b
            JOIN orders o ON o.id = b.order_id
            LEFT JOIN allocations a ON a.bill_number = b.number\(exclusion)
            WHERE o.status <> 'cancelled'\(filter)
            GROUP BY b.number
            HAVING b.amount - COALESCE(SUM(a.amount), 0) > 0
            """ + (oldestFirst ? "\nORDER BY b.date, b.number" : "")
        // (Columns by position, each distinct date parsed once: a day's bills share a few dates.)
        var dates = DateCache()
        let rows = try guarded("read open bills") { try Row.fetchCursor(db, sql: sql, arguments: arguments) }
        while let row = try guarded("read open bills", { try rows.next() }) {
            let bill = try guarded("read open bills") { () throws -> OpenBill in
                guard let date = dates.date(row[3] as String?) else { throw CorruptValue(column: "date") }
                return OpenBill(billNumber: BillNumber(row[0] as String), orderID: OrderID(row[1] as String),
                                customerINN: row[2], date: date,
                                amount: Money(kopecks: row[4]), allocated: Money(kopecks: row[5]))
            }
            try body(bill)
        }
    }

    /// Payments not fully allocated (unallocated or partially allocated), by day then id.
    public func unallocatedPayments() throws -> [PaymentBalance] {
        try guarded("read unallocated payments") {
            let sql = """
                SELECT p.*, COALESCE((SELECT SUM(a.amount) FROM allocations a WHERE a.payment_id = p.id), 0) AS allocated
                FROM payments p
                WHERE p.amount > COALESCE((SELECT SUM(a.amount) FROM allocations a WHERE a.payment_id = p.id), 0)
                ORDER BY p.received_on, p.id
                """
            return try Row.fetchAll(db, sql: sql).map { row in
                PaymentBalance(payment: try paymentValue(row), allocated: Money(kopecks: row["allocated"]))
            }
        }
    }

    /// The allocations of a payment, in the order they were made.
    public func allocations(payment: PaymentID) throws -> [AllocationRecord] {
        try guarded("read allocations", record: "payment \(payment)") {
            try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM allocations WHERE payment_id = ? ORDER BY id"),
                             arguments: [payment.rawValue]).map(allocationRecord)
        }
    }

    /// The allocations to an order's bill, in the order they were made.
    public func allocations(order: OrderID) throws -> [AllocationRecord] {
        try guarded("read allocations", record: "order \(order)") {
            try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM allocations WHERE order_id = ? ORDER BY id"),
                             arguments: [order.rawValue]).map(allocationRecord)
        }
    }

    /// The accountant's pins, by payment then bill.
    public func pins() throws -> [Pin] {
        try guarded("read pins") {
            try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM pins ORDER BY payment_id, bill_number")).map { row in
                Pin(paymentID: PaymentID(row["payment_id"] as String), billNumber: BillNumber(row["bill_number"] as String),
                    amount: (row["amount"] as Int64?).map { Money(kopecks: $0) }, note: row["note"])
            }
        }
    }

    // MARK: Balances

    /// A customer's balance at the end of `date`: the sum of its movements dated up to and
    /// including `date`. Positive = the customer owes; negative = the customer has credit.
    /// With `knownOn`, only what business days up to `knownOn` recorded: the balance as that
    /// day's run saw it, so a rerun of a finished day reports the same figures.
    public func balance(customerINN: String, at date: CivilDate, knownOn: CivilDate? = nil) throws -> Money {
        try guarded("read balance", record: "customer \(customerINN)") {
            var sql = "SELECT COALESCE(SUM(amount), 0) FROM balance_movements WHERE customer_inn = ? AND date <= ?"
            var arguments: StatementArguments = [customerINN, date.iso]
            if let knownOn {
                sql += " AND business_date <= ?"
                arguments += [knownOn.iso]
            }
            let kopecks = try Int64.fetchOne(db, sql: sql, arguments: arguments) ?? 0
            return Money(kopecks: kopecks)
        }
    }

    public func statement(customerINN: String, from: CivilDate, through: CivilDate,
                          knownOn: CivilDate? = nil) throws -> CustomerStatement {
        let opening = try balance(customerINN: customerINN, at: from.adding(days: -1), knownOn: knownOn)
        let entries = try guarded("read movements", record: "customer \(customerINN)") {
            var sql = "SELECT * FROM balance_movements WHERE customer_inn = ? AND date BETWEEN ? AND ?"
            var arguments: StatementArguments = [customerINN, from.iso, through.iso]
            if let knownOn {
                sql += " AND business_date <= ?"
                arguments += [knownOn.iso]
            }
            return try Row.fetchAll(db, sql: sql + " ORDER BY date, id", arguments: arguments).map(movementValue)
        }
        let closing = opening + entries.map(\.amount).sum()
        return CustomerStatement(customerINN: customerINN, from: from, through: through, opening: opening,
                                 entries: entries, closing: closing)
    }

    /// A movement and the changes recorded to it on later business days (ids `<base>@<YYYY-MM-DD>`),
    /// each with the business day that wrote it, oldest first.
    public func movementHistory(base: String) throws -> [(movement: BalanceMovement, businessDate: CivilDate)] {
        try guarded("read movements", record: "movement \(base)") {
            try Row.fetchAll(db.cachedStatement(sql: """
                SELECT * FROM balance_movements
                WHERE id = ? OR (id >= ? AND id < ?)
                ORDER BY business_date, id
                """), arguments: [base, base + "@", base + "A"]).map { row in (try movementValue(row), try row.date("business_date")) }
        }
    }

    /// One movement by its id.
    public func movement(id: String) throws -> BalanceMovement? {
        try guarded("read movement", record: "movement \(id)") {
            try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM balance_movements WHERE id = ?"), arguments: [id]).map(movementValue)
        }
    }

    // MARK: Numbers and documents

    /// The number already given to `identity` in `series`, if any.
    public func assignedNumber(for identity: String, series: String) throws -> AssignedNumber? {
        try guarded("read document number", record: "document \(identity)") {
            // (Asked once or twice per document the day issues: stepped directly, columns by position.)
            try firstRawRow("SELECT \(Self.rawNumberColumns) FROM document_numbers WHERE series = ? AND identity = ?",
                            [.text(series), .text(identity)], assignedNumber(from:))
        }
    }

    /// The last number given in a series and year.
    public func lastNumber(series: String, year: Int) throws -> AssignedNumber? {
        try guarded("read document number", record: "series \(series) \(year)") {
            try firstRawRow(
                "SELECT \(Self.rawNumberColumns) FROM document_numbers WHERE series = ? AND year = ? ORDER BY number DESC LIMIT 1",
                [.text(series), .integer(Int64(year))], assignedNumber(from:))
        }
    }

    /// The latest version (highest correction number) of the document with this identity.
    public func document(identity: String) throws -> DocumentRecord? {
        try guarded("read document", record: "document \(identity)") {
            try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM documents WHERE identity = ? ORDER BY correction_number DESC LIMIT 1"),
                             arguments: [identity]).map(documentValue)
        }
    }

    /// Whether the version `correctionNumber` of the document `identity` is recorded (held or not).
    func hasDocument(identity: String, correctionNumber: Int) throws -> Bool {
        try firstRawRow("SELECT 1 FROM documents WHERE identity = ? AND correction_number = ?",
                        [.text(identity), .integer(Int64(correctionNumber))]) { _ in true } ?? false
    }

    /// One version of a document.
    public func document(identity: String, correctionNumber: Int) throws -> DocumentRecord? {
        try guarded("read document", record: "document \(identity) correction \(correctionNumber)") {
            try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM documents WHERE identity = ? AND correction_number = ?"),
                             arguments: [identity, correctionNumber]).map(documentValue)
        }
    }

    /// Every document version recorded on a business day (issued, corrected or held), in recording order.
    public func documents(businessDate: CivilDate) throws -> [DocumentRecord] {
        try guarded("read documents", record: "business date \(businessDate)") {
            try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM documents WHERE business_date = ? ORDER BY id"),
                             arguments: [businessDate.iso]).map(documentValue)
        }
    }

    /// The document versions recorded on a business day, in recording order, handed over
    /// `batchSize` at a time: a day's XML is read without ever being in memory all at once.
    public func forEachDocumentBatch(businessDate: CivilDate, batchSize: Int = 512,
                                     _ body: ([DocumentRecord]) throws -> Void) throws {
        try guarded("read documents", record: "business date \(businessDate)") {
            let rows = try Row.fetchCursor(db.cachedStatement(sql: "SELECT * FROM documents WHERE business_date = ? ORDER BY id"),
                                           arguments: [businessDate.iso])
            var batch: [DocumentRecord] = []
            batch.reserveCapacity(max(1, batchSize))
            while let row = try rows.next() {
                batch.append(try documentValue(row))
                if batch.count >= max(1, batchSize) {
                    try body(batch)
                    batch.removeAll(keepingCapacity: true)
                }
            }
            if !batch.isEmpty { try body(batch) }
        }
    }

    /// Every version of every document of an order (originals and corrections), in recording order.
    ///
    /// - Parameter withXML: `false` leaves each record's `xml` `nil` and does not read the bytes
    ///   (most of a document's row) — for callers that need only numbers, dates and details.
    public func documentVersions(order: OrderID, withXML: Bool = true) throws -> [DocumentRecord] {
        try guarded("read documents", record: "order \(order)") {
            let sql = withXML ? "SELECT * FROM documents WHERE order_id = ? ORDER BY id"
                : "SELECT \(Self.documentColumnsWithoutXML) FROM documents WHERE order_id = ? ORDER BY id"
            return try Row.fetchAll(db.cachedStatement(sql: sql), arguments: [order.rawValue]).map(documentValue)
        }
    }

    /// Every column of `documents` but `details` and `xml`, the two that can be large (`documentValue`
    /// reads a missing column as `nil`); since migration v4 all of them come before those two.
    static let documentColumnsWithoutContent = """
        id, identity, correction_number, kind, series, number, date, order_id, shipment_id, customer_inn, file_name,
        file_id, content_sha256, total_without_vat, total_vat, total, status, hold_reason, business_date
        """

    /// Every column of `documents` but `xml` (`documentValue` reads a missing `xml` as `nil`).
    static let documentColumnsWithoutXML = """
        id, identity, correction_number, kind, series, number, date, order_id, shipment_id, customer_inn, file_name,
        file_id, content_sha256, details, total_without_vat, total_vat, total, status, hold_reason, business_date
        """

    /// The latest version of each document of an order, in recording order.
    public func documents(order: OrderID) throws -> [DocumentRecord] {
        try latestDocuments(where: "order_id = ?", argument: order.rawValue, record: "order \(order)")
    }

    /// The latest version of each document of a shipment, in recording order.
    public func documents(shipment: ShipmentID) throws -> [DocumentRecord] {
        try latestDocuments(where: "shipment_id = ?", argument: shipment.rawValue, record: "shipment \(shipment)")
    }

    private func latestDocuments(where condition: String, argument: String, record: String) throws -> [DocumentRecord] {
        try guarded("read documents", record: record) {
            let sql = """
                SELECT d.* FROM documents d
                WHERE d.\(condition)
                  AND d.correction_number = (SELECT MAX(v.correction_number) FROM documents v WHERE v.identity = d.identity)
                ORDER BY d.id
                """
            return try Row.fetchAll(db, sql: sql, arguments: [argument]).map(documentValue)
        }
    }

    // MARK: Runs and quarantine

    /// The most recent runs, newest first.
    public func lastRuns(limit: Int = 10) throws -> [RunRecord] {
        try guarded("read runs") {
            try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM runs ORDER BY id DESC LIMIT ?"), arguments: [limit]).map(runValue)
        }
    }

    /// The run with this id.
    public func run(id: Int64) throws -> RunRecord? {
        try guarded("read run", record: "run \(id)") {
            try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM runs WHERE id = ?"), arguments: [id]).map(runValue)
        }
    }

    /// The records quarantined on a business day (including records quarantined again that day), by key.
    public func quarantined(on businessDate: CivilDate) throws -> [QuarantinedRecord] {
        try guarded("read quarantine", record: "business date \(businessDate)") {
            try Row.fetchAll(db.cachedStatement(sql: """
                SELECT q.* FROM quarantine q JOIN quarantine_days d ON d.key = q.key
                WHERE d.business_date = ? ORDER BY q.key
                """), arguments: [businessDate.iso]).map(quarantinedValue)
        }
    }

    /// The quarantined record with this key.
    public func quarantined(key: String) throws -> QuarantinedRecord? {
        try guarded("read quarantine", record: "key \(key)") {
            try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM quarantine WHERE key = ?"), arguments: [key]).map(quarantinedValue)
        }
    }

    // MARK: Row decoding

    func paymentValue(_ row: Row) throws -> Payment {
        guard let source = Payment.Source(rawValue: row["source"]) else { throw CorruptValue(column: "payments.source") }
        return Payment(id: PaymentID(row["id"] as String), source: source, receivedOn: try row.date("received_on"),
                       amount: Money(kopecks: row["amount"]), payerINN: row["payer_inn"], payerName: row["payer_name"],
                       purpose: row["purpose"], documentNumber: row["document_number"],
                       documentDate: try row.optionalDate("document_date"),
                       providerOrderID: (row["provider_order_id"] as String?).map { ProviderOrderID($0) },
                       merchantOrderID: row["merchant_order_id"], raw: row["raw"])
    }

    func allocationRecord(_ row: Row) throws -> AllocationRecord {
        guard let method = AllocationMethod(rawValue: row["method"]) else { throw CorruptValue(column: "allocations.method") }
        let allocation = Allocation(paymentID: PaymentID(row["payment_id"] as String),
                                    orderID: OrderID(row["order_id"] as String),
                                    billNumber: BillNumber(row["bill_number"] as String),
                                    amount: Money(kopecks: row["amount"]), method: method)
        return AllocationRecord(allocation: allocation, businessDate: try row.date("business_date"),
                                runID: row["run_id"], pinned: (row["pinned"] as Int64) == 1)
    }

    func movementValue(_ row: Row) throws -> BalanceMovement {
        guard let kind = BalanceMovement.Kind(rawValue: row["kind"]) else {
            throw CorruptValue(column: "balance_movements.kind")
        }
        return BalanceMovement(id: row["id"], customerINN: row["customer_inn"], date: try row.date("date"), kind: kind,
                               amount: Money(kopecks: row["amount"]),
                               orderID: (row["order_id"] as String?).map { OrderID($0) }, reference: row["reference"])
    }

    /// The columns of `document_numbers` that ``assignedNumber(from:)`` reads, in its order.
    static let rawNumberColumns = "series, year, number, date, identity"

    /// The number in the current row of a query selecting ``rawNumberColumns``.
    func assignedNumber(from row: RawQuery) throws -> AssignedNumber {
        AssignedNumber(series: try row.requiredText(0, "document_numbers.series"),
                       year: Int(try row.int64(1, "document_numbers.year")),
                       number: Int(try row.int64(2, "document_numbers.number")), date: try row.date(3, "date"),
                       identity: try row.requiredText(4, "document_numbers.identity"))
    }

    func documentValue(_ row: Row) throws -> DocumentRecord {
        guard let kind = DocumentKind(rawValue: row["kind"]) else { throw CorruptValue(column: "documents.kind") }
        guard let status = DocumentStatus(rawValue: row["status"]) else { throw CorruptValue(column: "documents.status") }
        return DocumentRecord(
            identity: row["identity"], correctionNumber: row["correction_number"], kind: kind, series: row["series"],
            number: row["number"], date: try row.date("date"), orderID: OrderID(row["order_id"] as String),
            shipmentID: (row["shipment_id"] as String?).map { ShipmentID($0) }, customerINN: row["customer_inn"],
            fileName: row["file_name"], fileID: row["file_id"], xml: row["xml"], details: row["details"],
            totals: DocumentTotals(withoutVAT: Money(kopecks: row["total_without_vat"]),
                                   vat: Money(kopecks: row["total_vat"]), withVAT: Money(kopecks: row["total"])),
            status: status, holdReason: row["hold_reason"], businessDate: try row.date("business_date"))
    }

    func runValue(_ row: Row) throws -> RunRecord {
        var outcome: RunOutcome?
        if let text = row["outcome"] as String? {
            guard let value = RunOutcome(rawValue: text) else { throw CorruptValue(column: "runs.outcome") }
            outcome = value
        }
        return RunRecord(id: row["id"], businessDate: try row.date("business_date"), command: row["command"],
                         startedAt: try row.timestamp("started_at"), finishedAt: try row.optionalTimestamp("finished_at"),
                         outcome: outcome, counts: try decodeJSON([String: Int].self, row["counts"], column: "runs.counts"),
                         message: row["message"])
    }

    func quarantinedValue(_ row: Row) throws -> QuarantinedRecord {
        guard let severity = Diagnostic.Severity(rawValue: row["severity"]) else {
            throw CorruptValue(column: "quarantine.severity")
        }
        let diagnostic = Diagnostic(severity: severity, kind: row["kind"], source: row["source"], record: row["record"],
                                    field: row["field"], message: row["message"])
        return QuarantinedRecord(diagnostic: diagnostic, key: row["key"], raw: row["raw"])
    }

    /// Runs a database operation, turning any failure into a ``LedgerError`` for `operation`.
    /// Errors that already carry context (``LedgerError``, ``NumberingError``) pass through.
    func guarded<T>(_ operation: String, record: String? = nil, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as LedgerError {
            throw error
        } catch let error as NumberingError {
            throw error
        } catch let error as CorruptValue {
            throw LedgerError(operation: operation, record: record, reason: "stored \(error.column) is not valid")
        } catch let error as DatabaseError {
            throw LedgerError(operation: operation, record: record, reason: "the database refused it", underlying: error)
        } catch {
            throw LedgerError(operation: operation, record: record, reason: "stored data could not be read or written",
                              underlying: error)
        }
    }
}

/// Payment ids for one read, in a temporary table of the connection's own (`excluded`: the payments a
/// read of open bills or of unallocated payments leaves out; `listed`: those the outputs list): filled
/// just before the read, dropped right after it (a failed read's table is dropped by the next fill).
enum PaymentIDTable {
    static let excluded = "temp.sverka_excluded_payments"
    static let listed = "temp.sverka_listed_payments"
    static let replaced = "temp.sverka_replaced_payments"

    static func fill(_ db: Database, with payments: Set<PaymentID>) throws {
        try fill(db) { exclude in for payment in payments { try exclude(payment) } }
    }

    /// Fills `table` with the ids `forEach` gives (each once or more).
    static func fill(_ db: Database, table: String = excluded, from forEach: ((PaymentID) throws -> Void) throws -> Void) throws {
        try db.execute(sql: "DROP TABLE IF EXISTS \(table)")
        try db.execute(sql: "CREATE TABLE \(table) (id TEXT PRIMARY KEY) WITHOUT ROWID")
        let insert = try db.makeStatement(sql: "INSERT OR IGNORE INTO \(table) (id) VALUES (?)")
        try forEach { payment in try insert.execute(arguments: [payment.rawValue]) }
    }

    static func drop(_ db: Database, table: String = excluded) throws {
        try db.execute(sql: "DROP TABLE IF EXISTS \(table)")
    }
}

/// A stored value that does not decode (a date that is not a date, an unknown enum value).
struct CorruptValue: Error {
    var column: String
}

func placeholders(_ count: Int) -> String {
    Array(repeating: "?", count: count).joined(separator: ", ")
}

func decodeJSON<T: Decodable>(_ type: T.Type, _ text: String, column: String) throws -> T {
    do {
        return try JSONDecoder().decode(type, from: Data(text.utf8))
    } catch {
        throw CorruptValue(column: column)
    }
}

/// The stored JSON form of `value`: exactly `JSONEncoder`'s bytes with
/// `[.sortedKeys, .withoutEscapingSlashes]` (reruns compare them and hash orders'), written by
/// ``SortedJSONEncoder``.
func encodeJSON<T: Encodable>(_ value: T) throws -> String {
    try SortedJSONEncoder(escapesSlashes: false).encodeString(value)
}

extension Row {
    func date(_ column: String) throws -> CivilDate {
        guard let text = self[column] as String?, let date = CivilDate(iso: text) else { throw CorruptValue(column: column) }
        return date
    }

    func optionalDate(_ column: String) throws -> CivilDate? {
        guard let text = self[column] as String? else { return nil }
        guard let date = CivilDate(iso: text) else { throw CorruptValue(column: column) }
        return date
    }

    func timestamp(_ column: String) throws -> Timestamp {
        guard let text = self[column] as String?, let value = Timestamp(rfc3339: text) else {
            throw CorruptValue(column: column)
        }
        return value
    }

    func optionalTimestamp(_ column: String) throws -> Timestamp? {
        guard let text = self[column] as String? else { return nil }
        guard let value = Timestamp(rfc3339: text) else { throw CorruptValue(column: column) }
        return value
    }
}
