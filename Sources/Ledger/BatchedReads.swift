import Domain
import Foundation
import GRDB

/// Reads of many keys at once: each gives, per key, exactly what the one-key read of the same
/// name gives, with one indexed query per chunk of keys instead of one per key (the day's
/// single writing thread reads tens of thousands of keys).
extension LedgerReader {
    /// How many keys one query asks for (well under SQLite's limit on bound parameters).
    static let batchChunk = 500

    /// Runs `sql`, in which `{keys}` stands for the placeholders of one chunk of `keys`, once per
    /// chunk; the statements of full chunks are prepared once.
    /// `then`: arguments bound after the keys.
    func forEachRow(_ sql: String, keys: [String], then extra: StatementArguments = [],
                            _ body: (Row) throws -> Void) throws {
        var seen = Set<String>()
        let unique = keys.filter { seen.insert($0).inserted }
        var start = 0
        while start < unique.count {
            let chunk = Array(unique[start..<min(unique.count, start + Self.batchChunk)])
            start += chunk.count
            let text = sql.replacingOccurrences(of: "{keys}", with: placeholders(chunk.count))
            let statement = try db.cachedStatement(sql: text)
            let rows = try Row.fetchCursor(statement, arguments: StatementArguments(chunk) + extra)
            while let row = try rows.next() { try body(row) }
        }
    }

    /// ``documentVersions(order:withXML:)`` (without XML) of each of `orders`: every version of
    /// every document of each order, in recording order. Orders without documents are absent.
    ///
    /// `withDetails` false leaves each version's `details` out (`nil`): what is left of the row comes
    /// before the details and the XML, so reading it never touches their overflow pages.
    public func documentVersions(orders: [OrderID], withDetails: Bool = true) throws -> [OrderID: [DocumentRecord]] {
        try guarded("read documents", record: "\(orders.count) orders") {
            var found: [OrderID: [(id: Int64, record: DocumentRecord)]] = [:]
            try forEachRow(withDetails ? BatchedSQL.documentVersions : BatchedSQL.documentVersionsWithoutDetails,
                           keys: orders.map(\.rawValue)) { row in
                let record = try documentValue(row)
                found[record.orderID, default: []].append((row["id"], record))
            }
            return found.mapValues { $0.sorted { $0.id < $1.id }.map(\.record) }
        }
    }

    /// ``allocations(order:)`` of each of `orders`, in the order they were made. Orders without
    /// allocations are absent.
    public func allocations(orders: [OrderID]) throws -> [OrderID: [AllocationRecord]] {
        try guarded("read allocations", record: "\(orders.count) orders") {
            var found: [OrderID: [(id: Int64, record: AllocationRecord)]] = [:]
            try forEachRow(BatchedSQL.allocationsOfOrders, keys: orders.map(\.rawValue)) { row in
                let record = try allocationRecord(row)
                found[record.allocation.orderID, default: []].append((row["id"], record))
            }
            return found.mapValues { $0.sorted { $0.id < $1.id }.map(\.record) }
        }
    }

    /// ``allocations(payment:)`` of each of `payments`, in the order they were made. Payments
    /// without allocations are absent.
    public func allocations(payments: [PaymentID]) throws -> [PaymentID: [AllocationRecord]] {
        try guarded("read allocations", record: "\(payments.count) payments") {
            var found: [PaymentID: [(id: Int64, record: AllocationRecord)]] = [:]
            try forEachRow(BatchedSQL.allocationsOfPayments, keys: payments.map(\.rawValue)) { row in
                let record = try allocationRecord(row)
                found[record.allocation.paymentID, default: []].append((row["id"], record))
            }
            return found.mapValues { $0.sorted { $0.id < $1.id }.map(\.record) }
        }
    }

    /// ``payment(_:)`` of each of `ids` that the ledger holds.
    public func payments(ids: [PaymentID]) throws -> [PaymentID: Payment] {
        try guarded("read payments", record: "\(ids.count) payments") {
            var found: [PaymentID: Payment] = [:]
            try forEachRow(BatchedSQL.payments, keys: ids.map(\.rawValue)) { row in
                let payment = try paymentValue(row)
                found[payment.id] = payment
            }
            return found
        }
    }

    /// ``customerINN(ofOrder:)`` of each of `orders` that the ledger holds.
    public func customerINNs(ofOrders orders: [OrderID]) throws -> [OrderID: String] {
        try guarded("read orders", record: "\(orders.count) orders") {
            var found: [OrderID: String] = [:]
            try forEachRow(BatchedSQL.customerINNs, keys: orders.map(\.rawValue)) { row in
                found[OrderID(row["id"] as String)] = row["customer_inn"]
            }
            return found
        }
    }

    /// ``movementHistory(base:)`` of each of `bases`: the movement `base` and its changes
    /// (`<base>@…`), each with the business day that wrote it, oldest first. Bases with no
    /// movement are absent.
    public func movementHistories(bases: [String]) throws
        -> [String: [(movement: BalanceMovement, businessDate: CivilDate)]] {
        try guarded("read movements", record: "\(bases.count) movements") {
            var seen = Set<String>()
            let unique = bases.filter { seen.insert($0).inserted }
            var found: [String: [String: (movement: BalanceMovement, businessDate: CivilDate)]] = [:]
            let chunkSize = Self.batchChunk / 2
            var queries: [Int: RawQuery] = [:]
            var start = 0
            while start < unique.count {
                let chunk = Array(unique[start..<min(unique.count, start + chunkSize)])
                start += chunk.count
                let wanted = Set(chunk)
                // Each base: itself, and the range `[base + "@", base + "A")` (the ids starting `base@`),
                // all through the primary key.
                let query: RawQuery
                if let made = queries[chunk.count] {
                    query = made
                } else {
                    let ranges = Array(repeating: "(id >= ? AND id < ?)", count: chunk.count).joined(separator: " OR ")
                    query = try RawQuery(db, sql: BatchedSQL.movementHistories
                        .replacingOccurrences(of: "{keys}", with: placeholders(chunk.count))
                        .replacingOccurrences(of: "{ranges}", with: ranges))
                    queries[chunk.count] = query
                }
                var arguments = chunk
                arguments.reserveCapacity(chunk.count * 3)
                for base in chunk {
                    arguments.append(base + "@")
                    arguments.append(base + "A")
                }
                try query.bind(arguments)
                while try query.step() {
                    let movement = try self.movement(from: query)
                    let businessDate = try query.date(7, "business_date")
                    // The bases of this chunk it belongs to: its own id, and each prefix before an "@".
                    if wanted.contains(movement.id) { found[movement.id, default: [:]][movement.id] = (movement, businessDate) }
                    var index = movement.id.startIndex
                    while let at = movement.id[index...].firstIndex(of: "@") {
                        let prefix = String(movement.id[..<at])
                        if wanted.contains(prefix) { found[prefix, default: [:]][movement.id] = (movement, businessDate) }
                        index = movement.id.index(after: at)
                    }
                }
            }
            return found.mapValues { history in
                // (SQLite's `ORDER BY business_date, id`: ids compared byte by byte)
                history.values.sorted { lhs, rhs in
                    lhs.businessDate != rhs.businessDate ? lhs.businessDate < rhs.businessDate
                        : utf8Precedes(lhs.movement.id, rhs.movement.id)
                }
            }
        }
    }

    /// ``orderTerms(customerINN:)`` of each of `customerINNs`: each customer's orders as their
    /// columns hold them, oldest created first. Customers without orders are absent.
    public func orderTerms(customerINNs: [String]) throws -> [String: [OrderTermsRecord]] {
        try guarded("read orders", record: "\(customerINNs.count) customers") {
            var found: [String: [(createdAt: String, id: String, record: OrderTermsRecord)]] = [:]
            try forEachRawRow(BatchedSQL.orderTerms, keys: customerINNs) { row in
                guard let payment = Terms.Payment(rawValue: try row.requiredText(3, "orders.terms_payment")) else {
                    throw CorruptValue(column: "orders.terms_payment")
                }
                let id = try row.requiredText(0, "orders.id")
                let createdAt = try row.requiredText(2, "created_at")
                guard let timestamp = Timestamp(rfc3339: createdAt) else { throw CorruptValue(column: "created_at") }
                let record = OrderTermsRecord(orderID: OrderID(id), createdAt: timestamp,
                                              terms: Terms(payment: payment,
                                                           deferralDays: Int(try row.int64(4, "orders.deferral_days")),
                                                           creditLimit: Money(kopecks: try row.int64(5, "orders.credit_limit"))))
                found[try row.requiredText(1, "orders.customer_inn"), default: []].append((createdAt, id, record))
            }
            // (SQLite's `ORDER BY created_at, id`: text compared byte by byte)
            return found.mapValues { orders in
                orders.sorted { lhs, rhs in
                    lhs.createdAt != rhs.createdAt ? utf8Precedes(lhs.createdAt, rhs.createdAt) : utf8Precedes(lhs.id, rhs.id)
                }.map(\.record)
            }
        }
    }

    /// The deferral of each of `orders` as credit control ages its shipments — its terms' days when it
    /// is postpaid, else 0 — with the customer the order lists now. Orders not in the ledger are absent.
    public func deferrals(orders: [OrderID]) throws -> [OrderID: (customerINN: String, days: Int)] {
        try guarded("read orders", record: "\(orders.count) orders") {
            var found: [OrderID: (customerINN: String, days: Int)] = [:]
            try forEachRawRow(BatchedSQL.deferrals, keys: orders.map(\.rawValue)) { row in
                guard let payment = Terms.Payment(rawValue: try row.requiredText(2, "orders.terms_payment")) else {
                    throw CorruptValue(column: "orders.terms_payment")
                }
                let days = payment == .postpaid ? Int(try row.int64(3, "orders.deferral_days")) : 0
                found[OrderID(try row.requiredText(0, "orders.id"))] = (try row.requiredText(1, "orders.customer_inn"), days)
            }
            return found
        }
    }

    /// The customer's name in the stored content of each of `orders` (`order(_:)?.order.customer.name`,
    /// picked out by SQLite without decoding the order). Orders not in the ledger are absent.
    public func customerNames(ofOrders orders: [OrderID]) throws -> [OrderID: String] {
        try guarded("read orders", record: "\(orders.count) orders") {
            var found: [OrderID: String] = [:]
            try forEachRow(BatchedSQL.customerNames,
                           keys: orders.map(\.rawValue)) { row in
                guard let name = row["name"] as String? else { throw CorruptValue(column: "orders.content") }
                found[OrderID(row["id"] as String)] = name
            }
            return found
        }
    }

    /// The entries of ``statement(customerINN:from:through:knownOn:)`` of each of `customerINNs`:
    /// their movements dated `from` through `through` (recorded by business days up to `knownOn`
    /// when given), by date then id. Customers without such movements are absent.
    public func movements(customerINNs: [String], from: CivilDate, through: CivilDate,
                          knownOn: CivilDate? = nil) throws -> [String: [BalanceMovement]] {
        try guarded("read movements", record: "\(customerINNs.count) customers") {
            var found: [String: [BalanceMovement]] = [:]
            var sql = BatchedSQL.movements
            var extra = [from.iso, through.iso]
            if let knownOn {
                sql += " AND business_date <= ?"
                extra.append(knownOn.iso)
            }
            try forEachRawRow(sql, keys: customerINNs, extra: extra) { row in
                let movement = try self.movement(from: row)
                found[movement.customerINN, default: []].append(movement)
            }
            // (SQLite's `ORDER BY date, id`: ids compared byte by byte)
            return found.mapValues { entries in
                entries.sorted { lhs, rhs in
                    lhs.date != rhs.date ? lhs.date < rhs.date : utf8Precedes(lhs.id, rhs.id)
                }
            }
        }
    }

    /// ``assignedNumber(for:series:)`` of each of `identities` that has a number in `series`.
    public func assignedNumbers(for identities: [String], series: String) throws -> [String: AssignedNumber] {
        try guarded("read document numbers", record: "\(identities.count) documents") {
            var found: [String: AssignedNumber] = [:]
            try forEachRawRow(BatchedSQL.assignedNumbers, keys: identities, extra: [series]) { row in
                let number = try assignedNumber(from: row)
                found[number.identity] = number
            }
            return found
        }
    }
}

/// What ``LedgerTransaction/upsertOrders(_:businessDate:)`` needs of a stored customer: the columns the
/// one-by-one customer upsert reads.
struct StoredCustomerSource {
    var partyJSON: String
    var sourceCreatedAt: Int64
    var sourceOrderID: String
    var lastSeen: String
}

extension LedgerReader {
    /// Which of `keys` the ledger holds, by a query of `BatchedSQL` whose one column is the key.
    private func storedKeys(_ sql: String, _ keys: [String]) throws -> Set<String> {
        var found = Set<String>()
        try forEachRow(sql, keys: keys) { row in found.insert(row[0] as String) }
        return found
    }

    /// The ids among `ids` of stored orders.
    func storedOrderIDs(_ ids: [String]) throws -> Set<String> { try storedKeys(BatchedSQL.storedOrders, ids) }
    /// The numbers among `numbers` of stored bills.
    func storedBillNumbers(_ numbers: [String]) throws -> Set<String> { try storedKeys(BatchedSQL.storedBills, numbers) }
    /// The ids among `ids` of stored shipments.
    func storedShipmentIDs(_ ids: [String]) throws -> Set<String> { try storedKeys(BatchedSQL.storedShipments, ids) }
    /// The ids among `ids` of stored returns.
    func storedReturnIDs(_ ids: [String]) throws -> Set<String> { try storedKeys(BatchedSQL.storedReturns, ids) }

    /// The stored source of each of `inns` that is a stored customer.
    func customerSources(inns: [String]) throws -> [String: StoredCustomerSource] {
        var found: [String: StoredCustomerSource] = [:]
        try forEachRow(BatchedSQL.customerSources, keys: inns) { row in
            found[row["inn"]] = StoredCustomerSource(partyJSON: row["party"], sourceCreatedAt: row["source_created_at"],
                                                     sourceOrderID: row["source_order_id"], lastSeen: row["last_seen"])
        }
        return found
    }
}

/// The queries of the batched reads (`{keys}`: one chunk's placeholders), each answered through an index.
enum BatchedSQL {
    static let documentVersions = "SELECT \(LedgerReader.documentColumnsWithoutXML) FROM documents WHERE order_id IN ({keys})"
    static let documentVersionsWithoutDetails = """
        SELECT \(LedgerReader.documentColumnsWithoutContent) FROM documents WHERE order_id IN ({keys})
        """
    static let allocationsOfOrders = "SELECT * FROM allocations WHERE order_id IN ({keys})"
    static let allocationsOfPayments = "SELECT * FROM allocations WHERE payment_id IN ({keys})"
    static let payments = "SELECT * FROM payments WHERE id IN ({keys})"
    static let customerINNs = "SELECT id, customer_inn FROM orders WHERE id IN ({keys})"
    static let customerNames = "SELECT id, json_extract(content, '$.customer.name') AS name FROM orders WHERE id IN ({keys})"
    static let assignedNumbers = "SELECT \(LedgerReader.rawNumberColumns) FROM document_numbers WHERE identity IN ({keys}) AND series = ?"
    /// Answered from `documents_by_order` alone (v5): a document's row holds its XML.
    static let documentStamps = """
        SELECT id, order_id, identity, correction_number, number, date, business_date FROM documents
        WHERE order_id IN ({keys})
        """
    /// Answered from `orders_by_customer` alone (v5): an order's row holds its content.
    static let deferrals = "SELECT id, customer_inn, terms_payment, deferral_days FROM orders WHERE id IN ({keys})"
    static let orderTerms = """
        SELECT id, customer_inn, created_at, terms_payment, deferral_days, credit_limit FROM orders
        WHERE customer_inn IN ({keys})
        """
    static let movements = """
        SELECT \(LedgerReader.rawMovementColumns) FROM balance_movements WHERE customer_inn IN ({keys}) AND date BETWEEN ? AND ?
        """
    static let storedOrders = "SELECT id FROM orders WHERE id IN ({keys})"
    static let storedBills = "SELECT number FROM bills WHERE number IN ({keys})"
    static let storedShipments = "SELECT id FROM shipments WHERE id IN ({keys})"
    static let storedReturns = "SELECT id FROM returns WHERE id IN ({keys})"
    static let customerSources = """
        SELECT inn, party, source_created_at, source_order_id, last_seen FROM customers WHERE inn IN ({keys})
        """
    /// `{ranges}`: `(id >= ? AND id < ?)` per base, joined by `OR`.
    static let movementHistories = """
        SELECT \(LedgerReader.rawMovementColumns) FROM balance_movements WHERE id IN ({keys}) OR {ranges}
        """

    /// Every query with two keys (and two ranges), as `EXPLAIN QUERY PLAN` sees them.
    static var all: [String] {
        [documentVersions, documentVersionsWithoutDetails, allocationsOfOrders, allocationsOfPayments, payments, customerINNs, customerNames,
         assignedNumbers, documentStamps, orderTerms, movements + " AND business_date <= ?", movementHistories,
         storedOrders, storedBills, storedShipments, storedReturns, customerSources].map {
            $0.replacingOccurrences(of: "{keys}", with: "?, ?")
                .replacingOccurrences(of: "{ranges}", with: "(id >= ? AND id < ?) OR (id >= ? AND id < ?)")
        }
    }
}
