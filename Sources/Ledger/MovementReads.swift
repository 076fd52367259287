import Domain
import Foundation
import GRDB

/// One version of a document as the day's balance movements name it: no content, totals or file.
public struct DocumentStamp: Hashable, Sendable {
    /// The document's identity (`UPD:<shipment id>`, `UKD:<return id>`, …).
    public var identity: String
    public var correctionNumber: Int
    /// `nil` while held.
    public var number: Int?
    public var date: CivilDate
    /// The business day that recorded the version.
    public var businessDate: CivilDate

    public init(identity: String, correctionNumber: Int, number: Int?, date: CivilDate, businessDate: CivilDate) {
        self.identity = identity
        self.correctionNumber = correctionNumber
        self.number = number
        self.date = date
        self.businessDate = businessDate
    }
}

extension LedgerReader {
    /// The stamps of ``documentVersions(orders:withDetails:)`` of each of `orders`: every version of
    /// every document of each order, in recording order, with only the columns of ``DocumentStamp``
    /// read. Orders without documents are absent.
    public func documentStamps(orders: [OrderID]) throws -> [OrderID: [DocumentStamp]] {
        try guarded("read documents", record: "\(orders.count) orders") {
            var found: [String: [(id: Int64, stamp: DocumentStamp)]] = [:]
            try forEachRawRow(BatchedSQL.documentStamps, keys: orders.map(\.rawValue)) { row in
                let stamp = DocumentStamp(identity: try row.requiredText(2, "documents.identity"),
                                          correctionNumber: Int(try row.int64(3, "documents.correction_number")),
                                          number: row.optionalInt64(4).map { Int($0) },
                                          date: try row.date(5, "date"), businessDate: try row.date(6, "business_date"))
                found[try row.requiredText(1, "documents.order_id"), default: []]
                    .append((try row.int64(0, "documents.id"), stamp))
            }
            var result: [OrderID: [DocumentStamp]] = [:]
            result.reserveCapacity(found.count)
            for (order, versions) in found {
                result[OrderID(order)] = versions.sorted { $0.id < $1.id }.map(\.stamp)
            }
            return result
        }
    }

    /// The columns of `balance_movements` that ``movement(from:)`` reads, in its order.
    static let rawMovementColumns = "id, customer_inn, date, kind, amount, order_id, reference, business_date"

    /// The movement in the current row of a query selecting ``rawMovementColumns`` (what `movementValue`
    /// gives for the same row).
    func movement(from row: RawQuery) throws -> BalanceMovement {
        guard let kind = BalanceMovement.Kind(rawValue: try row.requiredText(3, "balance_movements.kind")) else {
            throw CorruptValue(column: "balance_movements.kind")
        }
        return BalanceMovement(id: try row.requiredText(0, "balance_movements.id"),
                               customerINN: try row.requiredText(1, "balance_movements.customer_inn"),
                               date: try row.date(2, "date"), kind: kind,
                               amount: Money(kopecks: try row.int64(4, "balance_movements.amount")),
                               orderID: row.text(5).map { OrderID($0) },
                               reference: try row.requiredText(6, "balance_movements.reference"))
    }

    /// ``payments(ids:)``, read through ``RawQuery`` (columns by index): the same payments, or without
    /// their records as their sources gave them (`raw` empty) when `includingRecords` is false — what
    /// reports and allocations need, at a fraction of the memory.
    public func paymentsReadDirectly(ids: [PaymentID], includingRecords: Bool = true) throws -> [PaymentID: Payment] {
        try guarded("read payments", record: "\(ids.count) payments") {
            var found: [PaymentID: Payment] = [:]
            found.reserveCapacity(ids.count)
            try forEachRawRow("""
                SELECT id, source, received_on, amount, payer_inn, payer_name, purpose, document_number, document_date,
                       provider_order_id, merchant_order_id, \(includingRecords ? "raw" : "''")
                FROM payments WHERE id IN ({keys})
                """, keys: ids.map(\.rawValue)) { row in
                guard let source = Payment.Source(rawValue: try row.requiredText(1, "payments.source")) else {
                    throw CorruptValue(column: "payments.source")
                }
                let payment = Payment(
                    id: PaymentID(try row.requiredText(0, "payments.id")), source: source,
                    receivedOn: try row.date(2, "received_on"), amount: Money(kopecks: try row.int64(3, "payments.amount")),
                    payerINN: row.text(4), payerName: row.text(5), purpose: try row.requiredText(6, "payments.purpose"),
                    documentNumber: row.text(7), documentDate: row.isNull(8) ? nil : try row.date(8, "document_date"),
                    providerOrderID: row.text(9).map { ProviderOrderID($0) }, merchantOrderID: row.text(10),
                    raw: try row.requiredText(11, "payments.raw"))
                found[payment.id] = payment
            }
            return found
        }
    }

    /// The payments `forEachListed` gives that the ledger holds, each once, in the order of receipt (their
    /// day, then their ids in byte order, as SQLite orders text), handed to `body` `size` ids at a time.
    ///
    /// The ids go to a table of this connection's own as `forEachListed` gives them (each once or more, in
    /// any order), and SQLite puts them in order (its sorter writes what exceeds its cache to a temporary
    /// file): a caller that reads them a block at a time from elsewhere never holds them all, a set of them
    /// or their days. `body` may read the ledger; what it throws is thrown as it is.
    public func forEachPaymentBlockInReceiptOrder(listing forEachListed: ((PaymentID) throws -> Void) throws -> Void,
                                                  size: Int, _ body: ([PaymentID]) throws -> Void) throws {
        let operation = "list payments in the order of receipt"
        try guarded(operation) { try PaymentIDTable.fill(db, table: PaymentIDTable.listed, from: forEachListed) }
        defer { try? PaymentIDTable.drop(db, table: PaymentIDTable.listed) }
        // (The listed ids drive the read: the ledger's payments of every day are never scanned.)
        let rows = try guarded(operation) {
            try String.fetchCursor(db, sql: """
                SELECT p.id FROM \(PaymentIDTable.listed) l CROSS JOIN payments p ON p.id = l.id
                ORDER BY p.received_on, p.id
                """)
        }
        // SQLite's sorter keeps in memory up to the connection's page cache (32 MiB) before it writes to its
        // temporary file: a large day's list grew to it (~10 MB at 100 000 orders). And `body`'s reads of
        // the listed payments (their rows and allocations, in the order of receipt) touch each page about
        // once. The whole listing runs with a small cache.
        try withPageCache(kibibytes: Self.onePassCacheKiB) {
            var block: [PaymentID] = []
            block.reserveCapacity(size)
            while let id = try guarded(operation, { try rows.next() }) {
                block.append(PaymentID(id))
                if block.count >= size {
                    try body(block)
                    block.removeAll(keepingCapacity: true)
                }
            }
            if !block.isEmpty { try body(block) }
        }
    }

    /// What each of `payments` paid for: the amount of each of its allocations with the ИНН of the
    /// allocation's order (``customerINN(ofOrder:)``, `nil` when the ledger holds no such order), in the
    /// order they were made. Payments without allocations are absent.
    ///
    /// The ИНН is read from the order's bill: every write of an order's `customer_inn` writes its bill
    /// with the same ИНН, and a bill exists exactly when its order does; a bill's row is a fraction of
    /// its order's (which holds the order's content), so far fewer pages are read.
    public func allocatedShares(payments: [PaymentID]) throws -> [PaymentID: [(customerINN: String?, amount: Money)]] {
        try guarded("read allocations", record: "\(payments.count) payments") {
            var found: [String: [(id: Int64, customerINN: String?, amount: Money)]] = [:]
            try forEachRawRow("""
                SELECT a.id, a.payment_id, a.amount, b.customer_inn FROM allocations a LEFT JOIN bills b ON b.order_id = a.order_id
                WHERE a.payment_id IN ({keys})
                """, keys: payments.map(\.rawValue)) { row in
                found[try row.requiredText(1, "allocations.payment_id"), default: []]
                    .append((try row.int64(0, "allocations.id"), row.text(3), Money(kopecks: try row.int64(2, "allocations.amount"))))
            }
            var result: [PaymentID: [(customerINN: String?, amount: Money)]] = [:]
            result.reserveCapacity(found.count)
            for (payment, shares) in found {
                result[PaymentID(payment)] = shares.sorted { $0.id < $1.id }.map { ($0.customerINN, $0.amount) }
            }
            return result
        }
    }

    /// The sum of the allocations to each of `orders`' bills. Orders without allocations are absent.
    public func allocatedAmounts(orders: [OrderID]) throws -> [OrderID: Money] {
        try guarded("read allocations", record: "\(orders.count) orders") {
            var found: [OrderID: Money] = [:]
            try forEachRawRow("SELECT order_id, amount FROM allocations WHERE order_id IN ({keys})",
                              keys: orders.map(\.rawValue)) { row in
                found[OrderID(try row.requiredText(0, "allocations.order_id")), default: .zero]
                    += Money(kopecks: try row.int64(1, "allocations.amount"))
            }
            return found
        }
    }
}
