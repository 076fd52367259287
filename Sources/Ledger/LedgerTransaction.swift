import Domain
import Foundation
import GRDB

/// Typed writes inside one ``Ledger/write(_:)`` transaction, plus every read of
/// ``LedgerReader`` (which sees the writes made so far in this transaction).
///
/// Every write is idempotent: it is keyed by its source's stable id (order id, payment id,
/// movement id, document identity, quarantine key), and writing the same value again
/// changes nothing. Valid only inside the closure it was given to.
public final class LedgerTransaction: LedgerReader {

    // MARK: Orders and customers

    /// Stores an order (validated, as Ingest gives it) with its bill, shipments and returns,
    /// and keeps its customer's requisites up to date.
    ///
    /// - The order is keyed by its id. The same content again changes nothing (only
    ///   `last_seen` moves forward on a later business day); a changed order is updated in
    ///   place, its previous content kept in the order's history.
    /// - The customer (keyed by ИНН) takes the requisites of the newest order by creation
    ///   time; an older order read again never reverts them. When a returning customer's
    ///   name, КПП, address, bank details or EDO id change, the changes are recorded in
    ///   the customer's history and returned.
    /// - Throws ``LedgerError`` when the bill number or a shipment/return id already
    ///   belongs to another order.
    @discardableResult
    public func upsertOrder(_ order: Order, businessDate: CivilDate) throws -> OrderUpsert {
        let prepared = try guarded("upsert order", record: "order \(order.id)") { try PreparedOrder(order) }
        return try upsertOrder(prepared, businessDate: businessDate)
    }

    /// ``upsertOrder(_:businessDate:)`` with the order's stored forms already worked out
    /// (``PreparedOrder``, which can be made for many orders at once, off the transaction).
    @discardableResult
    public func upsertOrder(_ prepared: PreparedOrder, businessDate: CivilDate) throws -> OrderUpsert {
        let order = prepared.order
        return try guarded("upsert order", record: "order \(order.id)") {
            let changes = try upsertCustomer(order.customer, partyJSON: prepared.partyJSON, from: order, businessDate: businessDate)
            let content = prepared.content
            let sha = prepared.contentSHA256
            let day = businessDate.iso
            let existing = try Row.fetchOne(db.cachedStatement(sql: """
                SELECT content_sha256, content, last_seen, updated_on FROM orders WHERE id = ?
                """), arguments: [order.id.rawValue])
            if let owner = try String.fetchOne(db.cachedStatement(sql: "SELECT order_id FROM bills WHERE number = ? AND order_id <> ?"),
                                               arguments: [order.bill.number.rawValue, order.id.rawValue]) {
                throw LedgerError(operation: "upsert order", record: "order \(order.id)",
                                  reason: "bill \(order.bill.number) already belongs to order \(owner)")
            }
            let outcome: UpsertOutcome
            if let existing {
                // A rerun of an earlier day never takes the order back to an older state than a
                // later business day recorded: the newest day's version stays.
                if (existing["updated_on"] as String) > day {
                    return OrderUpsert(outcome: .unchanged, customerChanges: changes)
                }
                if (existing["content_sha256"] as String) == sha {
                    if (existing["last_seen"] as String) < day {
                        try db.cachedStatement(sql: "UPDATE orders SET last_seen = ? WHERE id = ?").execute(arguments: [day, order.id.rawValue])
                    }
                    return OrderUpsert(outcome: .unchanged, customerChanges: changes)
                }
                try db.cachedStatement(sql: """
                    INSERT INTO order_versions (order_id, replaced_on, content, content_sha256) VALUES (?, ?, ?, ?)
                    """).execute(arguments: [order.id.rawValue, day, existing["content"] as String, existing["content_sha256"] as String])
                try db.cachedStatement(sql: """
                    UPDATE orders SET number = ?, customer_inn = ?, bill_number = ?, bill_date = ?, bill_amount = ?,
                        status = ?, terms_payment = ?, deferral_days = ?, credit_limit = ?, provider_order_id = ?,
                        created_at = ?, content = ?, content_sha256 = ?, last_seen = MAX(last_seen, ?), updated_on = ?
                    WHERE id = ?
                    """).execute(arguments: orderColumns(order) + [content, sha, day, day, order.id.rawValue])
                outcome = .updated
            } else {
                try db.cachedStatement(sql: """
                    INSERT INTO orders (number, customer_inn, bill_number, bill_date, bill_amount, status, terms_payment,
                        deferral_days, credit_limit, provider_order_id, created_at, content, content_sha256,
                        first_seen, last_seen, updated_on, id)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """).execute(arguments: orderColumns(order) + [content, sha, day, day, day, order.id.rawValue])
                outcome = .inserted
            }
            try replaceOrderParts(prepared, isNew: outcome == .inserted)
            return OrderUpsert(outcome: outcome, customerChanges: changes)
        }
    }

    private func orderColumns(_ order: Order) -> StatementArguments {
        [order.number, order.customer.inn.value, order.bill.number.rawValue, order.bill.date.iso,
         order.bill.amount.kopecks, order.status.rawValue, order.terms.payment.rawValue, order.terms.deferralDays,
         order.terms.creditLimit.kopecks, order.providerOrderID?.rawValue, order.createdAt.description]
    }

    /// Rewrites the bill, shipments and returns derived from an order's content. `isNew`: the
    /// order was just inserted, so no row refers to it yet (the parts' `order_id` references
    /// `orders`, foreign keys enforced) and there is nothing to delete.
    private func replaceOrderParts(_ prepared: PreparedOrder, isNew: Bool) throws {
        let order = prepared.order
        let id = order.id.rawValue
        if !isNew { try db.cachedStatement(sql: "DELETE FROM bills WHERE order_id = ?").execute(arguments: [id]) }
        try db.cachedStatement(sql: "INSERT INTO bills (number, order_id, date, amount, customer_inn) VALUES (?, ?, ?, ?, ?)").execute(arguments: [order.bill.number.rawValue, id, order.bill.date.iso, order.bill.amount.kopecks,
                                   order.customer.inn.value])
        if !isNew { try db.cachedStatement(sql: "DELETE FROM shipments WHERE order_id = ?").execute(arguments: [id]) }
        for (shipmentIndex, shipment) in order.shipments.enumerated() {
            if let owner = try String.fetchOne(db.cachedStatement(sql: "SELECT order_id FROM shipments WHERE id = ?"),
                                               arguments: [shipment.id.rawValue]) {
                throw LedgerError(operation: "upsert order", record: "order \(order.id)",
                                  reason: "shipment \(shipment.id) already belongs to order \(owner)")
            }
            try db.cachedStatement(sql: """
                INSERT INTO shipments (id, order_id, warehouse_id, warehouse, departed_at, delivered_at, date)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """).execute(arguments: [shipment.id.rawValue, id, shipment.warehouse.id.rawValue, prepared.warehouseJSON[shipmentIndex],
                                 shipment.departedAt.description, shipment.deliveredAt?.description, shipment.date.iso])
            for (lineIndex, line) in shipment.lines.enumerated() {
                try db.cachedStatement(sql: "INSERT INTO shipment_lines (shipment_id, line_no, quantity, vsd) VALUES (?, ?, ?, ?)").execute(arguments: [shipment.id.rawValue, line.lineNo, line.quantity.description,
                                           prepared.vsdJSON[shipmentIndex][lineIndex]])
            }
        }
        if !isNew { try db.cachedStatement(sql: "DELETE FROM returns WHERE order_id = ?").execute(arguments: [id]) }
        for item in order.returns {
            if let owner = try String.fetchOne(db.cachedStatement(sql: "SELECT order_id FROM returns WHERE id = ?"),
                                               arguments: [item.id.rawValue]) {
                throw LedgerError(operation: "upsert order", record: "order \(order.id)",
                                  reason: "return \(item.id) already belongs to order \(owner)")
            }
            try db.cachedStatement(sql: """
                INSERT INTO returns (id, order_id, shipment_id, stage, at, reason) VALUES (?, ?, ?, ?, ?, ?)
                """).execute(arguments: [item.id.rawValue, id, item.shipmentID.rawValue, item.stage.rawValue, item.at.description,
                                 item.reason])
            for line in item.lines {
                try db.cachedStatement(sql: "INSERT INTO return_lines (return_id, line_no, quantity) VALUES (?, ?, ?)").execute(arguments: [item.id.rawValue, line.lineNo, line.quantity.description])
            }
        }
    }

    /// Inserts or refreshes a customer from an order; returns the changes of a returning customer.
    private func upsertCustomer(_ party: Party, partyJSON: String, from order: Order, businessDate: CivilDate) throws -> [CustomerChange] {
        let inn = party.inn.value
        let day = businessDate.iso
        guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT party, source_created_at, source_order_id, last_seen FROM customers WHERE inn = ?"),
                                         arguments: [inn]) else {
            try db.cachedStatement(sql: """
                INSERT INTO customers (inn, customer_id, kind, name, kpp, address_text, edo_id, email, party,
                    source_order_id, source_created_at, first_seen, last_seen)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """).execute(arguments: customerRow(party, partyJSON: partyJSON, source: order, day: day))
            return []
        }
        if (row["last_seen"] as String) < day {
            try db.cachedStatement(sql: "UPDATE customers SET last_seen = ? WHERE inn = ?").execute(arguments: [day, inn])
        }
        // An older order read again never reverts newer requisites (ties broken by order id,
        // so the outcome does not depend on the order the feed lists them in).
        guard Self.isNewer(order, thanCreatedAt: row["source_created_at"], orderID: row["source_order_id"]) else { return [] }
        let storedJSON: String = row["party"]
        guard storedJSON != partyJSON else {
            try db.cachedStatement(sql: "UPDATE customers SET source_order_id = ?, source_created_at = ? WHERE inn = ?").execute(arguments: [order.id.rawValue, order.createdAt.epochSeconds, inn])
            return []
        }
        let old = try decodeJSON(Party.self, storedJSON, column: "customers.party")
        let changes = customerChanges(from: old, to: party, by: order, businessDate: businessDate)
        for change in changes { try recordCustomerChange(change) }
        try db.cachedStatement(sql: Self.updateCustomerSQL)
            .execute(arguments: customerUpdateRow(party, partyJSON: partyJSON, sourceOrderID: order.id.rawValue,
                                                  sourceCreatedAt: order.createdAt.epochSeconds))
        return changes
    }

    /// Whether `order` is at least as new as a customer's stored source (by creation time, ties broken by
    /// order id), so its requisites win.
    static func isNewer(_ order: Order, thanCreatedAt createdAt: Int64, orderID: String) -> Bool {
        (order.createdAt.epochSeconds, order.id.rawValue) >= (createdAt, orderID)
    }

    /// The `customers` row of a new customer (the columns of its `INSERT`, in order).
    func customerRow(_ party: Party, partyJSON: String, source order: Order, day: String) -> StatementArguments {
        [party.inn.value, party.id.rawValue, party.kind.rawValue, party.name, party.kpp, party.address.text,
         party.edoID, party.email, partyJSON, order.id.rawValue, order.createdAt.epochSeconds, day, day]
    }

    /// Sets a customer's requisites from `party` and its source order.
    static let updateCustomerSQL = """
        UPDATE customers SET customer_id = ?, kind = ?, name = ?, kpp = ?, address_text = ?, edo_id = ?, email = ?,
            party = ?, source_order_id = ?, source_created_at = ?
        WHERE inn = ?
        """

    /// The arguments of ``updateCustomerSQL``.
    func customerUpdateRow(_ party: Party, partyJSON: String, sourceOrderID: String, sourceCreatedAt: Int64) -> StatementArguments {
        [party.id.rawValue, party.kind.rawValue, party.name, party.kpp, party.address.text, party.edoID,
         party.email, partyJSON, sourceOrderID, sourceCreatedAt, party.inn.value]
    }

    /// The requisites that differ between a customer's stored `old` party and `party` from `order`.
    func customerChanges(from old: Party, to party: Party, by order: Order, businessDate: CivilDate) -> [CustomerChange] {
        var changes: [CustomerChange] = []
        func note(_ field: CustomerChange.Field, _ before: String?, _ after: String?, differ: Bool) {
            guard differ else { return }
            changes.append(CustomerChange(customerINN: party.inn.value, field: field, oldValue: before, newValue: after,
                                          orderID: order.id, businessDate: businessDate))
        }
        note(.name, old.name, party.name, differ: old.name != party.name)
        note(.kpp, old.kpp, party.kpp, differ: old.kpp != party.kpp)
        note(.address, old.address.text, party.address.text, differ: old.address != party.address)
        note(.bank, old.bank.map(bankText), party.bank.map(bankText), differ: old.bank != party.bank)
        note(.edoID, old.edoID, party.edoID, differ: old.edoID != party.edoID)
        return changes
    }

    /// Appends a change to the customer's history.
    func recordCustomerChange(_ change: CustomerChange) throws {
        try db.cachedStatement(sql: """
            INSERT INTO customer_changes (inn, business_date, order_id, field, old_value, new_value)
            VALUES (?, ?, ?, ?, ?, ?)
            """).execute(arguments: [change.customerINN, change.businessDate.iso, change.orderID.rawValue, change.field.rawValue,
                                     change.oldValue, change.newValue])
    }

    private func bankText(_ bank: BankDetails) -> String {
        var text = "БИК \(bank.bik), р/с \(bank.account)"
        if let correspondent = bank.correspondentAccount { text += ", к/с \(correspondent)" }
        return text + ", \(bank.name)"
    }

    // MARK: Payments

    /// Stores a payment with its raw source record, keyed by its stable id.
    ///
    /// The same payment again changes nothing (only `last_seen` moves forward on a later
    /// business day); a payment whose source now says something else is updated in place.
    @discardableResult
    public func upsertPayment(_ payment: Payment, businessDate: CivilDate) throws -> UpsertOutcome {
        try guarded("upsert payment", record: "payment \(payment.id)") {
            let day = businessDate.iso
            if let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM payments WHERE id = ?"), arguments: [payment.id.rawValue]) {
                if (row["last_seen"] as String) < day {
                    try db.cachedStatement(sql: "UPDATE payments SET last_seen = ? WHERE id = ?").execute(arguments: [day, payment.id.rawValue])
                }
                if try paymentValue(row) == payment && (row["raw"] as String) == payment.raw { return .unchanged }
                try db.cachedStatement(sql: """
                    UPDATE payments SET source = ?, received_on = ?, amount = ?, payer_inn = ?, payer_name = ?,
                        purpose = ?, document_number = ?, document_date = ?, provider_order_id = ?,
                        merchant_order_id = ?, raw = ?
                    WHERE id = ?
                    """).execute(arguments: paymentColumns(payment) + [payment.id.rawValue])
                return .updated
            }
            try db.cachedStatement(sql: """
                INSERT INTO payments (source, received_on, amount, payer_inn, payer_name, purpose, document_number,
                    document_date, provider_order_id, merchant_order_id, raw, id, first_seen, last_seen)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """).execute(arguments: paymentColumns(payment) + [payment.id.rawValue, day, day])
            return .inserted
        }
    }

    private func paymentColumns(_ payment: Payment) -> StatementArguments {
        [payment.source.rawValue, payment.receivedOn.iso, payment.amount.kopecks, payment.payerINN, payment.payerName,
         payment.purpose, payment.documentNumber, payment.documentDate?.iso, payment.providerOrderID?.rawValue,
         payment.merchantOrderID, payment.raw]
    }

    // MARK: Quarantine

    /// Keeps a record that broke its contract, keyed by its key, and notes the business day.
    ///
    /// Quarantining the same key again updates the diagnostic and raw text to the latest
    /// and adds the day (once) to the days it was seen.
    @discardableResult
    public func quarantine(_ record: QuarantinedRecord, businessDate: CivilDate) throws -> UpsertOutcome {
        try guarded("quarantine record", record: "key \(record.key)") {
            let day = businessDate.iso
            let outcome: UpsertOutcome
            if let existing = try quarantined(key: record.key) {
                if existing == record {
                    outcome = .unchanged
                } else {
                    try db.cachedStatement(sql: """
                        UPDATE quarantine SET severity = ?, kind = ?, source = ?, record = ?, field = ?, message = ?, raw = ?
                        WHERE key = ?
                        """).execute(arguments: quarantineColumns(record) + [record.key])
                    outcome = .updated
                }
                try db.cachedStatement(sql: "UPDATE quarantine SET last_seen = MAX(last_seen, ?) WHERE key = ?").execute(arguments: [day, record.key])
            } else {
                try db.cachedStatement(sql: """
                    INSERT INTO quarantine (severity, kind, source, record, field, message, raw, key, first_seen, last_seen)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """).execute(arguments: quarantineColumns(record) + [record.key, day, day])
                outcome = .inserted
            }
            try db.cachedStatement(sql: "INSERT OR IGNORE INTO quarantine_days (key, business_date) VALUES (?, ?)").execute(arguments: [record.key, day])
            return outcome
        }
    }

    private func quarantineColumns(_ record: QuarantinedRecord) -> StatementArguments {
        let diagnostic = record.diagnostic
        return [diagnostic.severity.rawValue, diagnostic.kind, diagnostic.source, diagnostic.record, diagnostic.field,
                diagnostic.message, record.raw]
    }

    // MARK: Allocations and pins

    /// Replaces the automatic allocations of `payments` with `allocations`, leaving pinned
    /// allocations untouched.
    ///
    /// - For each payment whose current automatic allocations already equal the new ones
    ///   (same order, bill, amount, method; in any order) nothing changes, so a rerun keeps
    ///   the run and business day that first made them.
    /// - Allocations with method `.pin` are stored as pinned, once: if that payment already
    ///   has a pinned allocation to that bill, the existing one is kept as it is. The automatic ones
    ///   are written first, then the pins, each payment's in the order given, payments in the order
    ///   of their ids' UTF-8 bytes.
    /// - Every allocation must belong to one of `payments`, and a payment's allocations in
    ///   total may not exceed its amount.
    @discardableResult
    public func replaceAutomaticAllocations(forPayments payments: Set<PaymentID>, with allocations: [Allocation],
                                            businessDate: CivilDate, runID: Int64? = nil) throws -> AllocationReplacement {
        try replaceAutomaticAllocations(forPaymentsFrom: { add in for payment in payments { try add(payment) } },
                                        with: allocations, businessDate: businessDate, runID: runID)
    }

    /// ``replaceAutomaticAllocations(forPayments:with:businessDate:runID:)`` of the payments `forEachPayment`
    /// gives (each once or more): they go to a temporary table of the transaction's connection as they
    /// are given and are read back from it in id order a block at a time, so no set, sorted copy or
    /// per-payment sums of a day's payments are held (only a 4-byte position for each allocation).
    /// `listsChanged: false` counts the payments changed (``AllocationReplacement/changedCount``) without
    /// listing them.
    @discardableResult
    public func replaceAutomaticAllocations(forPaymentsFrom forEachPayment: ((PaymentID) throws -> Void) throws -> Void,
                                            with allocations: [Allocation], businessDate: CivilDate,
                                            runID: Int64? = nil, listsChanged: Bool = true) throws -> AllocationReplacement {
        try guarded("replace allocations") {
            try PaymentIDTable.fill(db, table: PaymentIDTable.replaced, from: forEachPayment)
            defer { try? PaymentIDTable.drop(db, table: PaymentIDTable.replaced) }
            // Each payment's allocations found by their positions sorted by payment (each payment's in the
            // order given): no table of a day's allocations by payment is made.
            var automatic: [Int32] = []
            var pinned: [Int32] = []
            for (position, allocation) in allocations.enumerated() {
                if allocation.method == .pin {
                    pinned.append(Int32(position))
                } else {
                    automatic.append(Int32(position))
                }
            }
            func byPayment(_ left: Int32, _ right: Int32) -> Bool {
                let order = IDOrder.compare(allocations[Int(left)].paymentID.rawValue, allocations[Int(right)].paymentID.rawValue)
                return order != 0 ? order < 0 : left < right
            }
            automatic.sort(by: byPayment)
            pinned.sort(by: byPayment)
            try checkAllocationsBelong(allocations, automatic, pinned)
            // The pins first decided (not written): which are new, and what they add to their payments.
            var pinsAdded: [String: Int64] = [:]
            var newPins: [Int32] = []
            var pinnedPairs = Set<[String]>()
            var result = AllocationReplacement(changedPayments: [], pinnedAdded: 0, pinnedKept: 0)
            for position in pinned {
                let allocation = allocations[Int(position)]
                let pair = [allocation.paymentID.rawValue, allocation.billNumber.rawValue]
                let exists = try pinnedPairs.contains(pair) || Bool.fetchOne(db.cachedStatement(sql: """
                    SELECT EXISTS (SELECT 1 FROM allocations WHERE payment_id = ? AND bill_number = ? AND pinned = 1)
                    """), arguments: [allocation.paymentID.rawValue, allocation.billNumber.rawValue]) ?? false
                if exists {
                    result.pinnedKept += 1
                } else {
                    pinnedPairs.insert(pair)
                    newPins.append(position)
                    // (a sum past 64 bits is past any amount: the payment is refused, as the ledger's sums would)
                    let (sum, overflow) = (pinsAdded[pair[0]] ?? 0).addingReportingOverflow(allocation.amount.kopecks)
                    pinsAdded[pair[0]] = overflow ? .max : sum
                    result.pinnedAdded += 1
                }
            }
            let insert = try DirectInsert(db, sql: ReconcileSQL.insertAllocation)
            let day = businessDate.iso
            var next = 0 // in `automatic`
            var firstOverflow: String? // (the first payment whose sum passes 64 bits: the ledger's own sums decide)
            var after: String? // (the last id of the block before)
            while true {
                let block = try replacedIDs(after: after, limit: Self.allocationBlock)
                guard let last = block.last else { break }
                after = last
                // The block's amounts and stored allocations: a payment's rows change only in its own turn
                // below (and by its new pins, counted already), so what it holds at the end is known here.
                var place: [[UInt8]: Int] = [:] // (by the ids' bytes, as the table tells them apart)
                for (index, id) in block.enumerated() { place[Array(id.utf8)] = index }
                var amounts = [Int64?](repeating: nil, count: block.count)
                var stored = Array(repeating: StoredAllocations(), count: block.count)
                try forEachRow(ReconcileSQL.paymentsWithAllocations, keys: block) { row in
                    guard let index = place[Array((row[0] as String).utf8)] else { return }
                    amounts[index] = row[1]
                    if let amount = row[4] as Int64? {
                        if (row[6] as Int64) == 0 {
                            stored[index].automatic.append(AllocationKey(order: row[2], bill: row[3], amount: amount, method: row[5]))
                        } else {
                            stored[index].pinned.append(amount)
                        }
                    }
                }
                for (index, payment) in block.enumerated() {
                    var end = next
                    while end < automatic.count, allocations[Int(automatic[end])].paymentID.rawValue.utf8.elementsEqual(payment.utf8) {
                        end += 1
                    }
                    let given = automatic[next..<end].lazy.map { allocations[Int($0)] }
                    next = end
                    // No payment's allocations may exceed it: the first that does (in id order) is refused.
                    if firstOverflow == nil {
                        guard let amount = amounts[index] else {
                            throw LedgerError(operation: "replace allocations", record: "payment \(payment)",
                                              reason: "the payment is not in the ledger")
                        }
                        var sum: Int64? = pinsAdded[payment] ?? 0
                        for value in stored[index].pinned.lazy + given.map(\.amount.kopecks) {
                            sum = sum.flatMap { total in
                                let (added, overflow) = total.addingReportingOverflow(value)
                                return overflow ? nil : added
                            }
                        }
                        if let sum, sum > amount {
                            throw LedgerError(operation: "replace allocations", record: "payment \(payment)",
                                              reason: "its allocations exceed its amount")
                        }
                        if sum == nil { firstOverflow = payment }
                    }
                    let current = stored[index].automatic
                    if current.sorted() == given.map(AllocationKey.init).sorted() { continue }
                    if !current.isEmpty {  // (deleting no rows changes nothing)
                        try db.cachedStatement(sql: "DELETE FROM allocations WHERE payment_id = ? AND pinned = 0").execute(arguments: [payment])
                    }
                    for allocation in given {
                        insert.bind(allocation.paymentID.rawValue)
                        insert.bind(allocation.orderID.rawValue)
                        insert.bind(allocation.billNumber.rawValue)
                        insert.bind(allocation.amount.kopecks)
                        insert.bind(allocation.method.rawValue)
                        insert.bind(day)
                        if let runID { insert.bind(runID) } else { insert.bind(nil as String?) }
                        insert.bind(Int64(0))
                        try insert.step()
                    }
                    result.changedCount += 1
                    if listsChanged { result.changedPayments.append(PaymentID(payment)) }
                }
            }
            for position in newPins {
                try insertAllocation(allocations[Int(position)], pinned: true, businessDate: businessDate, runID: runID)
            }
            // (Beyond 64 bits the ledger's own sums decide, from the first such payment on, as they always did.)
            if let firstOverflow { try checkNotOverallocated(from: firstOverflow) }
            return result
        }
    }

    /// Throws for the first allocation (in the order given) whose payment is not in the table of
    /// payments being replaced; `automatic` and `pinned` are the allocations' positions sorted by payment.
    private func checkAllocationsBelong(_ allocations: [Allocation], _ automatic: [Int32], _ pinned: [Int32]) throws {
        var outside: Int32?
        for sorted in [automatic, pinned] where !sorted.isEmpty {
            // The table's ids a block at a time beside the allocations' (both in id order).
            var next = 0
            var block = try replacedIDs(after: nil, limit: Self.allocationBlock)
            while next < sorted.count {
                let id = allocations[Int(sorted[next])].paymentID.rawValue
                if let last = block.last, IDOrder.compare(id, last) > 0 {
                    block = try replacedIDs(after: last, limit: Self.allocationBlock)
                    continue
                }
                if !Self.isListed(id, inSorted: block) { outside = min(outside ?? .max, sorted[next]) }
                next += 1
            }
        }
        if let outside {
            throw LedgerError(operation: "replace allocations", record: "payment \(allocations[Int(outside)].paymentID)",
                              reason: "an allocation of a payment outside the set being replaced")
        }
    }

    /// Whether `id` is one of `block`'s (in id order).
    private static func isListed(_ id: String, inSorted block: [String]) -> Bool {
        var (low, high) = (0, block.count)
        while low < high {
            let middle = (low + high) / 2
            if IDOrder.compare(block[middle], id) < 0 { low = middle + 1 } else { high = middle }
        }
        return low < block.count && block[low].utf8.elementsEqual(id.utf8)
    }

    /// Up to `limit` ids of the payments being replaced after `after` (from the first when `nil`), in id order.
    private func replacedIDs(after: String?, limit: Int) throws -> [String] {
        try replacedIDs(where: after.map { ("id > ?", $0) }, limit: limit)
    }

    /// Up to `limit` ids of the payments being replaced from `first` on (it included), in id order.
    private func replacedIDs(from first: String, limit: Int) throws -> [String] {
        try replacedIDs(where: ("id >= ?", first), limit: limit)
    }

    private func replacedIDs(where bound: (condition: String, id: String)?, limit: Int) throws -> [String] {
        let sql = "SELECT id FROM \(PaymentIDTable.replaced)" + (bound.map { " WHERE \($0.condition)" } ?? "") + " ORDER BY id LIMIT ?"
        let arguments: StatementArguments = bound.map { [$0.id, limit] } ?? [limit]
        return try String.fetchAll(db.cachedStatement(sql: sql), arguments: arguments)
    }

    /// How many payments ``replaceAutomaticAllocations(forPayments:with:businessDate:runID:)`` reads and
    /// writes at a time.
    static let allocationBlock = 2_048

    /// A payment's stored allocations, as ``replaceAutomaticAllocations(forPayments:with:businessDate:runID:)`` reads them.
    private struct StoredAllocations {
        var automatic: [AllocationKey] = []
        /// The amounts of its pinned allocations.
        var pinned: [Int64] = []
    }

    private func insertAllocation(_ allocation: Allocation, pinned: Bool, businessDate: CivilDate, runID: Int64?) throws {
        try db.cachedStatement(sql: """
            INSERT INTO allocations (payment_id, order_id, bill_number, amount, method, business_date, run_id, pinned)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [allocation.paymentID.rawValue, allocation.orderID.rawValue, allocation.billNumber.rawValue,
                             allocation.amount.kopecks, allocation.method.rawValue, businessDate.iso, runID,
                             pinned ? 1 : 0])
    }

    /// Throws for the first of the payments being replaced, in id order from `first` on, that the ledger
    /// does not hold or whose allocations exceed its amount (the ledger's sums), a block at a time.
    private func checkNotOverallocated(from first: String) throws {
        var block = try replacedIDs(from: first, limit: Self.allocationBlock)
        while let last = block.last {
            var sums: [String: (amount: Int64, allocated: Int64)] = [:]
            try forEachRow(ReconcileSQL.allocatedOfPayments, keys: block) { row in
                sums[row[0] as String] = (row[1], row[2])
            }
            for payment in block {
                guard let sum = sums[payment] else {
                    throw LedgerError(operation: "replace allocations", record: "payment \(payment)",
                                      reason: "the payment is not in the ledger")
                }
                if sum.allocated > sum.amount {
                    throw LedgerError(operation: "replace allocations", record: "payment \(payment)",
                                      reason: "its allocations exceed its amount")
                }
            }
            block = try replacedIDs(after: last, limit: Self.allocationBlock)
        }
    }

    /// Records the accountant's pin (payment X goes to bill Y). Only the accountant's
    /// command calls this: no automatic run writes or removes pins.
    @discardableResult
    public func addPin(_ pin: Pin, at time: Timestamp? = nil) throws -> UpsertOutcome {
        try guarded("add pin", record: "payment \(pin.paymentID), bill \(pin.billNumber)") {
            let existing = try pins().first { $0.paymentID == pin.paymentID && $0.billNumber == pin.billNumber }
            if existing == pin { return .unchanged }
            try db.cachedStatement(sql: """
                INSERT INTO pins (payment_id, bill_number, amount, note, created_at) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (payment_id, bill_number) DO UPDATE SET amount = excluded.amount, note = excluded.note
                """).execute(arguments: [pin.paymentID.rawValue, pin.billNumber.rawValue, pin.amount?.kopecks, pin.note,
                                 (time ?? .now()).description])
            return existing == nil ? .inserted : .updated
        }
    }

    /// Removes the accountant's pin and the pinned allocations made from it (the
    /// accountant's command only). Returns whether there was such a pin.
    @discardableResult
    public func removePin(paymentID: PaymentID, billNumber: BillNumber) throws -> Bool {
        try guarded("remove pin", record: "payment \(paymentID), bill \(billNumber)") {
            try db.cachedStatement(sql: "DELETE FROM allocations WHERE payment_id = ? AND bill_number = ? AND pinned = 1").execute(arguments: [paymentID.rawValue, billNumber.rawValue])
            try db.cachedStatement(sql: "DELETE FROM pins WHERE payment_id = ? AND bill_number = ?").execute(arguments: [paymentID.rawValue, billNumber.rawValue])
            return db.changesCount > 0
        }
    }

    // MARK: Balance movements

    /// Stores balance movements keyed by their ids: the same movement again changes
    /// nothing; a movement whose id exists with other content is updated in place.
    ///
    /// Refunds of overpayments are movements of kind `.refund` (the register of refunds
    /// is those movements; the reason goes in `reference`).
    @discardableResult
    public func recordMovements(_ movements: [BalanceMovement], businessDate: CivilDate) throws -> WriteCounts {
        try guarded("record movements") { try recordMovementsInBlocks(movements, businessDate: businessDate) }
    }

    // MARK: Documents

    /// Records one version of a document (keyed by identity and correction number).
    ///
    /// - `.held`: no number, no bytes needed; recorded with its reason. A held version may
    ///   later be replaced by the issued one. An issued version is never held again. If the
    ///   document took a number in this series and year and is held before being issued, the
    ///   number is given back when it is still the last one (else the hold is refused), so a
    ///   held document never consumes a number.
    /// - `.issued`: needs `series`, `number` (the one ``number(for:date:series:)`` gave this
    ///   identity, with the same date), `xml` and `fileName`. The same document again
    ///   (same bytes) changes nothing; different bytes for an issued version are refused:
    ///   an issued document is corrected by a new version, never rewritten.
    /// - `.corrected` is not recorded directly: use ``markCorrected(identity:correctionNumber:)``.
    ///
    /// `xmlSHA256` is the SHA-256 of `document.xml` when the caller already has it (the job hashes
    /// each document where it renders it, on every core); otherwise it is computed here.
    @discardableResult
    public func recordDocument(_ document: DocumentRecord, xmlSHA256: String? = nil) throws -> UpsertOutcome {
        assert(xmlSHA256 == nil || xmlSHA256 == document.contentSHA256, "the given SHA-256 is not the XML's")
        let label = "document \(document.identity) correction \(document.correctionNumber)"
        return try guarded("record document", record: label) {
            func refuse(_ reason: String) -> LedgerError {
                LedgerError(operation: "record document", record: label, reason: reason)
            }
            switch document.status {
            case .corrected:
                throw refuse("a document is marked corrected with markCorrected, not recorded as corrected")
            case .held:
                guard document.number == nil else { throw refuse("a held document has no number") }
                if document.correctionNumber == 0 { try returnUnusedNumber(of: document.identity, label: label) }
            case .issued:
                guard let series = document.series, let number = document.number else {
                    throw refuse("an issued document needs its series and number")
                }
                guard document.xml != nil, document.fileName != nil else {
                    throw refuse("an issued document needs its file name and XML bytes")
                }
                guard let assigned = try assignedNumber(for: document.identity, series: series),
                      assigned.number == number, assigned.date == document.date else {
                    throw refuse("number \(number) dated \(document.date.russian) was not given to this document in series \(series)")
                }
            }
            // (Most documents are new: whether the version exists is asked directly; it is read only when it does.)
            let existing = try hasDocument(identity: document.identity, correctionNumber: document.correctionNumber)
                ? try self.document(identity: document.identity, correctionNumber: document.correctionNumber) : nil
            if let existing {
                if existing.status != .held {
                    if document.status == .held { throw refuse("it is already issued and cannot be held") }
                    var comparable = document
                    comparable.businessDate = existing.businessDate
                    comparable.status = existing.status
                    if comparable == existing { return .unchanged }
                    throw refuse("it is already issued with other content; issue a correction instead")
                }
                var comparable = document
                comparable.businessDate = existing.businessDate
                if comparable == existing { return .unchanged }
                try db.cachedStatement(sql: "DELETE FROM documents WHERE identity = ? AND correction_number = ?").execute(arguments: [document.identity, document.correctionNumber])
            }
            try db.cachedStatement(sql: """
                INSERT INTO documents (identity, correction_number, kind, series, number, date, order_id, shipment_id,
                    customer_inn, file_name, file_id, content_sha256, xml, details, total_without_vat, total_vat, total,
                    status, hold_reason, business_date)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """).execute(arguments: [document.identity, document.correctionNumber, document.kind.rawValue, document.series,
                                 document.number, document.date.iso, document.orderID.rawValue,
                                 document.shipmentID?.rawValue, document.customerINN, document.fileName, document.fileID,
                                 xmlSHA256 ?? document.contentSHA256, document.xml, document.details, document.totals.withoutVAT.kopecks,
                                 document.totals.vat.kopecks, document.totals.withVAT.kopecks, document.status.rawValue,
                                 document.holdReason, document.businessDate.iso])
            return existing == nil ? .inserted : .updated
        }
    }

    /// A document held after it took a number (say its XML failed validation) gives the
    /// number back, so the series keeps no gap. That is possible only while it is the last
    /// number of its series and year; otherwise holding it is refused.
    private func returnUnusedNumber(of identity: String, label: String) throws {
        let issued = try Bool.fetchOne(db.cachedStatement(sql: """
            SELECT EXISTS (SELECT 1 FROM documents WHERE identity = ? AND status <> 'held')
            """), arguments: [identity]) ?? false
        guard !issued else { return }
        var assigned: [AssignedNumber] = []
        try forEachRawRow("SELECT \(Self.rawNumberColumns) FROM document_numbers WHERE identity IN ({keys})", keys: [identity]) {
            assigned.append(try assignedNumber(from: $0))
        }
        for number in assigned {
            guard let last = try lastNumber(series: number.series, year: number.year), last.number == number.number else {
                throw LedgerError(operation: "record document", record: label,
                                  reason: "it took №\(number.number) in series \(number.series) and later numbers were "
                                      + "given since; holding it now would leave a gap")
            }
            try db.cachedStatement(sql: "DELETE FROM document_numbers WHERE series = ? AND year = ? AND number = ?").execute(arguments: [number.series, number.year, number.number])
        }
    }

    /// Marks an issued version as superseded by a correction. Marking it again changes nothing.
    @discardableResult
    public func markCorrected(identity: String, correctionNumber: Int) throws -> UpsertOutcome {
        try guarded("mark document corrected", record: "document \(identity) correction \(correctionNumber)") {
            guard let existing = try document(identity: identity, correctionNumber: correctionNumber) else {
                throw LedgerError(operation: "mark document corrected",
                                  record: "document \(identity) correction \(correctionNumber)",
                                  reason: "no such document version")
            }
            switch existing.status {
            case .corrected:
                return .unchanged
            case .held:
                throw LedgerError(operation: "mark document corrected",
                                  record: "document \(identity) correction \(correctionNumber)",
                                  reason: "a held document was never issued, so it cannot be corrected")
            case .issued:
                try db.cachedStatement(sql: "UPDATE documents SET status = 'corrected' WHERE identity = ? AND correction_number = ?").execute(arguments: [identity, correctionNumber])
                return .updated
            }
        }
    }

    // MARK: Runs

    /// Opens a run in the journal and returns its id.
    ///
    /// The journal must survive a failed run, so start and finish a run in their own
    /// ``Ledger/write(_:)`` calls around the day's transaction (finish with `.ok` or
    /// `.exceptions` inside the day's transaction, or with `.failed` in a separate one).
    public func startRun(businessDate: CivilDate, command: String, at time: Timestamp? = nil) throws -> Int64 {
        try guarded("start run", record: "business date \(businessDate)") {
            try db.cachedStatement(sql: "INSERT INTO runs (business_date, command, started_at) VALUES (?, ?, ?)").execute(arguments: [businessDate.iso, command, (time ?? .now()).description])
            return db.lastInsertedRowID
        }
    }

    /// Closes a run with its outcome, named counts and a message.
    public func finishRun(_ id: Int64, outcome: RunOutcome, counts: [String: Int] = [:], message: String = "",
                          at time: Timestamp? = nil) throws {
        try guarded("finish run", record: "run \(id)") {
            try db.cachedStatement(sql: "UPDATE runs SET finished_at = ?, outcome = ?, counts = ?, message = ? WHERE id = ?").execute(arguments: [(time ?? .now()).description, outcome.rawValue, try encodeJSON(counts), message, id])
            guard db.changesCount == 1 else {
                throw LedgerError(operation: "finish run", record: "run \(id)", reason: "no such run")
            }
        }
    }
}

/// An allocation's content without its payment, comparable for "same set" checks.
private struct AllocationKey: Comparable {
    var order: String
    var bill: String
    var amount: Int64
    var method: String

    init(order: String, bill: String, amount: Int64, method: String) {
        self.order = order
        self.bill = bill
        self.amount = amount
        self.method = method
    }

    init(_ allocation: Allocation) {
        self.init(order: allocation.orderID.rawValue, bill: allocation.billNumber.rawValue,
                  amount: allocation.amount.kopecks, method: allocation.method.rawValue)
    }

    static func < (lhs: Self, rhs: Self) -> Bool {
        (lhs.order, lhs.bill, lhs.amount, lhs.method) < (rhs.order, rhs.bill, rhs.amount, rhs.method)
    }
}

/// The order of ids by their UTF-8 bytes: SQLite's order of text (`BINARY`), in which the payments being
/// replaced are read back from their table.
enum IDOrder {
    /// Negative when `a` comes first, zero when the bytes are equal, positive when `b` comes first.
    static func compare(_ a: String, _ b: String) -> Int {
        if a.utf8.elementsEqual(b.utf8) { return 0 }
        return a.utf8.lexicographicallyPrecedes(b.utf8) ? -1 : 1
    }
}
