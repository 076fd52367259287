import Domain
import Foundation
import GRDB
import GRDBSQLite

extension LedgerTransaction {
    /// ``upsertOrder(_:businessDate:)-(PreparedOrder,_)`` of each of `prepared`, in their order: the same
    /// ledger contents, the same results and the same error as upserting them one by one, with far fewer
    /// statements for a block of new orders.
    ///
    /// What the block's keys already name in the ledger is read with one query per table (and chunk of
    /// keys). A new order that claims no bill number, shipment id or return id already taken (in the ledger
    /// or earlier in the block) is inserted by statements prepared once for the block, its values bound
    /// directly; its customer is kept up to date in memory the way the one-by-one upsert keeps the
    /// customer's row (new customers and changes are written at once, in the same order; the rows of
    /// returning customers before the next order that is not new, and at the end).
    /// Any other order (one the ledger holds, a conflict, a duplicate within the block) is upserted by
    /// ``upsertOrder(_:businessDate:)-(PreparedOrder,_)`` itself, after everything before it is written.
    ///
    /// - Returns: each order's ``OrderUpsert``, in the order of `prepared`.
    /// - Throws: the ``LedgerError`` the one-by-one upserts throw, for the same order, with the orders
    ///   before it written.
    @discardableResult
    public func upsertOrders(_ prepared: [PreparedOrder], businessDate: CivilDate) throws -> [OrderUpsert] {
        guard !prepared.isEmpty else { return [] }
        var block = try OrderBlockWriter(self, prepared, businessDate: businessDate)
        var results: [OrderUpsert] = []
        results.reserveCapacity(prepared.count)
        // (By index, so that no order is copied.)
        for index in prepared.indices {
            if let changes = try block.insertNew(prepared[index]) {
                results.append(OrderUpsert(outcome: .inserted, customerChanges: changes))
            } else {
                try block.writeCustomers()
                results.append(try upsertOrder(prepared[index], businessDate: businessDate))
                try block.reloadCustomer(prepared[index].order.customer.inn.value)
            }
        }
        try block.writeCustomers()
        return results
    }
}

/// The state of one ``LedgerTransaction/upsertOrders(_:businessDate:)`` call: what the ledger held of the
/// block's keys, what the block's orders claimed so far, each touched customer as the one-by-one upsert
/// would have left its row, and the block's insert statements.
private struct OrderBlockWriter {
    let tx: LedgerTransaction
    let businessDate: CivilDate
    let day: String

    // What the ledger held when the block began. Keys only ever leave it during the block (an updated
    // order replaces its parts), so an order found free of it is free.
    var storedOrders: Set<String>
    var storedBills: Set<String>
    var storedShipments: Set<String>
    var storedReturns: Set<String>
    // The keys of the block's orders so far, whichever way they were written.
    var claimedOrders = Set<String>()
    var claimedBills = Set<String>()
    var claimedShipments = Set<String>()
    var claimedReturns = Set<String>()

    /// A customer as the one-by-one upsert would have left its row after the orders taken so far.
    struct Customer {
        var source: StoredCustomerSource
        /// The requisites to write when they changed; `nil`: as stored.
        var party: Party?
        /// Whether its row in the ledger is behind.
        var isDirty: Bool
    }
    var customers: [String: Customer]
    /// The customers whose rows are behind, in the order they fell behind.
    var dirtyCustomers: [String] = []

    let orders: DirectInsert
    let bills: DirectInsert
    let shipments: DirectInsert
    let shipmentLines: DirectInsert
    let returns: DirectInsert
    let returnLines: DirectInsert

    init(_ tx: LedgerTransaction, _ prepared: [PreparedOrder], businessDate: CivilDate) throws {
        self.tx = tx
        self.businessDate = businessDate
        day = businessDate.iso
        var orderIDs: [String] = [], billNumbers: [String] = [], shipmentIDs: [String] = [], returnIDs: [String] = []
        var inns: [String] = []
        for index in prepared.indices {
            orderIDs.append(prepared[index].order.id.rawValue)
            billNumbers.append(prepared[index].order.bill.number.rawValue)
            for shipment in prepared[index].order.shipments { shipmentIDs.append(shipment.id.rawValue) }
            for value in prepared[index].order.returns { returnIDs.append(value.id.rawValue) }
            inns.append(prepared[index].order.customer.inn.value)
        }
        (storedOrders, storedBills, storedShipments, storedReturns, customers,
         orders, bills, shipments, shipmentLines, returns, returnLines) = try tx.guarded(
            "upsert order", record: "\(prepared.count) orders") {
            (try tx.storedOrderIDs(orderIDs),
             try tx.storedBillNumbers(billNumbers),
             try tx.storedShipmentIDs(shipmentIDs),
             try tx.storedReturnIDs(returnIDs),
             try tx.customerSources(inns: inns).mapValues {
                 Customer(source: $0, party: nil, isDirty: false)
             },
             // The one-by-one upsert's statements.
             try DirectInsert(tx.db, sql: """
                INSERT INTO orders (number, customer_inn, bill_number, bill_date, bill_amount, status, terms_payment,
                    deferral_days, credit_limit, provider_order_id, created_at, content, content_sha256,
                    first_seen, last_seen, updated_on, id)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """),
             try DirectInsert(tx.db, sql: "INSERT INTO bills (number, order_id, date, amount, customer_inn) VALUES (?, ?, ?, ?, ?)"),
             try DirectInsert(tx.db, sql: """
                INSERT INTO shipments (id, order_id, warehouse_id, warehouse, departed_at, delivered_at, date)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """),
             try DirectInsert(tx.db, sql: "INSERT INTO shipment_lines (shipment_id, line_no, quantity, vsd) VALUES (?, ?, ?, ?)"),
             try DirectInsert(tx.db, sql: """
                INSERT INTO returns (id, order_id, shipment_id, stage, at, reason) VALUES (?, ?, ?, ?, ?, ?)
                """),
             try DirectInsert(tx.db, sql: "INSERT INTO return_lines (return_id, line_no, quantity) VALUES (?, ?, ?)"))
        }
    }

    /// Inserts `item` when it is a new order that conflicts with nothing, and returns its customer's
    /// changes; otherwise writes nothing and returns `nil` (the caller upserts it one by one). Either way
    /// its keys are claimed.
    mutating func insertNew(_ item: PreparedOrder) throws -> [CustomerChange]? {
        let order = item.order
        let free = isFree(order)
        claimedOrders.insert(order.id.rawValue)
        claimedBills.insert(order.bill.number.rawValue)
        for shipment in order.shipments { claimedShipments.insert(shipment.id.rawValue) }
        for value in order.returns { claimedReturns.insert(value.id.rawValue) }
        guard free else { return nil }
        return try tx.guarded("upsert order", record: "order \(order.id)") {
            guard let changes = try upsertCustomer(item) else { return nil }
            try insertRows(item)
            return changes
        }
    }

    /// Whether `order` is new and every key it brings is free (in the ledger, earlier in the block and
    /// within the order), so its rows insert without a conflict.
    private func isFree(_ order: Order) -> Bool {
        let id = order.id.rawValue
        guard !storedOrders.contains(id), !claimedOrders.contains(id) else { return false }
        let bill = order.bill.number.rawValue
        guard !storedBills.contains(bill), !claimedBills.contains(bill) else { return false }
        for (index, shipment) in order.shipments.enumerated() {
            let key = shipment.id.rawValue
            guard !storedShipments.contains(key), !claimedShipments.contains(key),
                  !order.shipments[..<index].contains(where: { $0.id == shipment.id }),
                  Self.hasDistinctNumbers(shipment.lines.map(\.lineNo)) else { return false }
        }
        for (index, value) in order.returns.enumerated() {
            let key = value.id.rawValue
            guard !storedReturns.contains(key), !claimedReturns.contains(key),
                  !order.returns[..<index].contains(where: { $0.id == value.id }),
                  Self.hasDistinctNumbers(value.lines.map(\.lineNo)) else { return false }
        }
        return true
    }

    /// Whether no number repeats (at once when they rise, as lines are numbered).
    private static func hasDistinctNumbers(_ numbers: [Int]) -> Bool {
        zip(numbers, numbers.dropFirst()).allSatisfy { $0 < $1 } || Set(numbers).count == numbers.count
    }

    /// The one-by-one customer upsert for `item` on the customer in memory: a new customer is inserted and
    /// changes are recorded at once, a returning customer's row is written by ``writeCustomers()``.
    /// `nil` (nothing written or changed) when the stored requisites do not decode: the one-by-one upsert
    /// then reports it.
    private mutating func upsertCustomer(_ item: PreparedOrder) throws -> [CustomerChange]? {
        let order = item.order
        let party = order.customer
        let inn = party.inn.value
        guard var customer = customers[inn] else {
            try tx.db.cachedStatement(sql: """
                INSERT INTO customers (inn, customer_id, kind, name, kpp, address_text, edo_id, email, party,
                    source_order_id, source_created_at, first_seen, last_seen)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """).execute(arguments: tx.customerRow(party, partyJSON: item.partyJSON, source: order, day: day))
            let source = StoredCustomerSource(partyJSON: item.partyJSON, sourceCreatedAt: order.createdAt.epochSeconds,
                                              sourceOrderID: order.id.rawValue, lastSeen: day)
            customers[inn] = Customer(source: source, party: nil, isDirty: false)
            return []
        }
        var changes: [CustomerChange] = []
        var changed = false
        if customer.source.lastSeen < day {
            customer.source.lastSeen = day
            changed = true
        }
        if LedgerTransaction.isNewer(order, thanCreatedAt: customer.source.sourceCreatedAt,
                                     orderID: customer.source.sourceOrderID) {
            if customer.source.partyJSON != item.partyJSON {
                guard let old = try? decodeJSON(Party.self, customer.source.partyJSON, column: "customers.party") else {
                    return nil
                }
                changes = tx.customerChanges(from: old, to: party, by: order, businessDate: businessDate)
                customer.source.partyJSON = item.partyJSON
                customer.party = party
            }
            customer.source.sourceOrderID = order.id.rawValue
            customer.source.sourceCreatedAt = order.createdAt.epochSeconds
            changed = true
        }
        for change in changes { try tx.recordCustomerChange(change) }
        if changed && !customer.isDirty {
            customer.isDirty = true
            dirtyCustomers.append(inn)
        }
        customers[inn] = customer
        return changes
    }

    /// Inserts the order's row, its bill, shipments with their lines and returns with their lines (the
    /// values of the one-by-one upsert's statements, in the same order).
    private func insertRows(_ item: PreparedOrder) throws {
        let order = item.order
        let id = order.id.rawValue
        orders.bind(order.number)
        orders.bind(order.customer.inn.value)
        orders.bind(order.bill.number.rawValue)
        orders.bind(order.bill.date.iso)
        orders.bind(order.bill.amount.kopecks)
        orders.bind(order.status.rawValue)
        orders.bind(order.terms.payment.rawValue)
        orders.bind(order.terms.deferralDays)
        orders.bind(order.terms.creditLimit.kopecks)
        orders.bind(order.providerOrderID?.rawValue)
        orders.bind(order.createdAt.description)
        orders.bind(item.content)
        orders.bind(item.contentSHA256)
        orders.bind(day)
        orders.bind(day)
        orders.bind(day)
        orders.bind(id)
        try orders.step()

        bills.bind(order.bill.number.rawValue)
        bills.bind(id)
        bills.bind(order.bill.date.iso)
        bills.bind(order.bill.amount.kopecks)
        bills.bind(order.customer.inn.value)
        try bills.step()

        for (shipmentIndex, shipment) in order.shipments.enumerated() {
            shipments.bind(shipment.id.rawValue)
            shipments.bind(id)
            shipments.bind(shipment.warehouse.id.rawValue)
            shipments.bind(item.warehouseJSON[shipmentIndex])
            shipments.bind(shipment.departedAt.description)
            shipments.bind(shipment.deliveredAt?.description)
            shipments.bind(shipment.date.iso)
            try shipments.step()
            for (lineIndex, line) in shipment.lines.enumerated() {
                shipmentLines.bind(shipment.id.rawValue)
                shipmentLines.bind(line.lineNo)
                shipmentLines.bind(line.quantity.description)
                shipmentLines.bind(item.vsdJSON[shipmentIndex][lineIndex])
                try shipmentLines.step()
            }
        }
        for value in order.returns {
            returns.bind(value.id.rawValue)
            returns.bind(id)
            returns.bind(value.shipmentID.rawValue)
            returns.bind(value.stage.rawValue)
            returns.bind(value.at.description)
            returns.bind(value.reason)
            try returns.step()
            for line in value.lines {
                returnLines.bind(value.id.rawValue)
                returnLines.bind(line.lineNo)
                returnLines.bind(line.quantity.description)
                try returnLines.step()
            }
        }
    }

    /// Reads a customer's row again after the one-by-one upsert wrote it.
    mutating func reloadCustomer(_ inn: String) throws {
        customers[inn] = try tx.guarded("upsert order", record: "customer \(inn)") {
            try tx.customerSources(inns: [inn])[inn].map { Customer(source: $0, party: nil, isDirty: false) }
        }
    }

    /// Brings the rows of returning customers up to what the one-by-one upsert would have left.
    mutating func writeCustomers() throws {
        guard !dirtyCustomers.isEmpty else { return }
        try tx.guarded("upsert order", record: "\(dirtyCustomers.count) customers") {
            for inn in dirtyCustomers {
                guard var customer = customers[inn] else { continue }
                if let party = customer.party {
                    try tx.db.cachedStatement(sql: LedgerTransaction.updateCustomerSQL).execute(
                        arguments: tx.customerUpdateRow(party, partyJSON: customer.source.partyJSON,
                                                        sourceOrderID: customer.source.sourceOrderID,
                                                        sourceCreatedAt: customer.source.sourceCreatedAt))
                }
                try tx.db.cachedStatement(sql: """
                    UPDATE customers SET last_seen = ?, source_order_id = ?, source_created_at = ? WHERE inn = ?
                    """).execute(arguments: [customer.source.lastSeen, customer.source.sourceOrderID,
                                             customer.source.sourceCreatedAt, inn])
                customer.party = nil
                customer.isDirty = false
                customers[inn] = customer
            }
        }
        dirtyCustomers.removeAll(keepingCapacity: true)
    }
}

/// An `INSERT` prepared once and run many times with its values bound directly through SQLite's C API
/// (text copied by SQLite), without `StatementArguments` per row. Bind every parameter in order, then
/// ``step()``.
final class DirectInsert {
    private let statement: Statement
    private let handle: OpaquePointer
    private let parameterCount: CInt
    private var next: CInt = 1
    private var bindFailure: CInt = SQLITE_OK

    init(_ db: Database, sql: String) throws {
        statement = try db.makeStatement(sql: sql)
        handle = statement.sqliteStatement
        parameterCount = sqlite3_bind_parameter_count(handle)
    }

    func bind(_ value: String) { checked(bindText(handle, next, value)) }

    func bind(_ value: String?) {
        if let value { bind(value) } else { checked(sqlite3_bind_null(handle, next)) }
    }

    func bind(_ value: Int64) { checked(sqlite3_bind_int64(handle, next, value)) }

    func bind(_ value: Int) { bind(Int64(value)) }

    private func checked(_ code: CInt) {
        if code != SQLITE_OK && bindFailure == SQLITE_OK { bindFailure = code }
        next += 1
    }

    /// Inserts the row bound since the last step.
    func step() throws {
        defer {
            next = 1
            bindFailure = SQLITE_OK
        }
        guard bindFailure == SQLITE_OK else {
            throw DatabaseError(resultCode: ResultCode(rawValue: bindFailure), message: "a value could not be bound",
                                sql: statement.sql)
        }
        guard next == parameterCount + 1 else {
            throw DatabaseError(resultCode: .SQLITE_MISUSE, message: "\(next - 1) values bound for \(parameterCount) parameters",
                                sql: statement.sql)
        }
        let code = sqlite3_step(handle)
        let message = code == SQLITE_DONE ? nil : String(cString: sqlite3_errmsg(sqlite3_db_handle(handle)))
        sqlite3_reset(handle)
        guard code == SQLITE_DONE else {
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: message, sql: statement.sql)
        }
    }
}
