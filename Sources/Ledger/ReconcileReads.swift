import Domain
import Foundation
import GRDB

// The reads and writes of the day's reconciliation, each giving exactly what the one-row-at-a-time
// calls of the same name give, with a few queries per block of keys and inserts bound directly.

extension LedgerTransaction {
    /// ``upsertPayment(_:businessDate:)`` of each of `payments`, in their order: the same ledger contents,
    /// the same results and the same error as upserting them one by one.
    ///
    /// Which payments the ledger already holds is read with one query per chunk of ids. A payment it
    /// does not hold, and not given earlier in `payments`, is inserted by a statement prepared once, its
    /// values bound directly; any other (stored, or a repeat) is upserted by
    /// ``upsertPayment(_:businessDate:)`` itself.
    ///
    /// - Returns: each payment's ``UpsertOutcome``, in the order of `payments`.
    @discardableResult
    public func upsertPayments(_ payments: [Payment], businessDate: CivilDate) throws -> [UpsertOutcome] {
        guard !payments.isEmpty else { return [] }
        let day = businessDate.iso
        let (stored, insert) = try guarded("upsert payment", record: "\(payments.count) payments") {
            var found = Set<String>()
            try forEachRow(ReconcileSQL.storedPayments, keys: payments.map(\.id.rawValue)) { row in
                found.insert(row[0] as String)
            }
            // The one-by-one upsert's statement, its columns in the same order.
            return (found, try DirectInsert(db, sql: ReconcileSQL.insertPayment))
        }
        var claimed = Set<String>()
        claimed.reserveCapacity(payments.count)
        var outcomes: [UpsertOutcome] = []
        outcomes.reserveCapacity(payments.count)
        for payment in payments {
            let id = payment.id.rawValue
            guard !stored.contains(id), claimed.insert(id).inserted else {
                outcomes.append(try upsertPayment(payment, businessDate: businessDate))
                continue
            }
            try guarded("upsert payment", record: "payment \(payment.id)") {
                insert.bind(payment.source.rawValue)
                insert.bind(payment.receivedOn.iso)
                insert.bind(payment.amount.kopecks)
                insert.bind(payment.payerINN)
                insert.bind(payment.payerName)
                insert.bind(payment.purpose)
                insert.bind(payment.documentNumber)
                insert.bind(payment.documentDate?.iso)
                insert.bind(payment.providerOrderID?.rawValue)
                insert.bind(payment.merchantOrderID)
                insert.bind(payment.raw)
                insert.bind(id)
                insert.bind(day)
                insert.bind(day)
                try insert.step()
            }
            outcomes.append(.inserted)
        }
        return outcomes
    }
}

extension LedgerReader {
    /// ``unallocatedPayments()`` without the payments `forEachExcluded` gives and those received after
    /// `receivedThrough`, in the same order (by day, then id).
    ///
    /// Only the ids, days and sums of every unallocated payment are read; the payments kept are then
    /// read whole, a chunk of ids at a time (a day's own payments, usually most of the unallocated ones,
    /// are never decoded).
    ///
    /// The payments to leave out are those `forEachExcluded` gives (to the function it is given, each id
    /// once or more, in any order): they are kept for the read in a table of this connection's own (as
    /// ``forEachOpenBill(customerINN:excludingAutomaticAllocationsOf:oldestFirst:_:)`` keeps its), so a
    /// caller that reads them a block at a time from elsewhere never holds them all.
    public func unallocatedPayments(excludingEach forEachExcluded: ((PaymentID) throws -> Void) throws -> Void,
                                    receivedThrough last: CivilDate) throws -> [PaymentBalance] {
        try guarded("read unallocated payments") {
            try PaymentIDTable.fill(db, from: forEachExcluded)
            defer { try? PaymentIDTable.drop(db) }
            var kept: [(id: PaymentID, allocated: Int64)] = []
            var dates = DateCache()
            let rows = try Row.fetchCursor(db.cachedStatement(sql: ReconcileSQL.unallocatedPaymentsNotExcluded))
            while let row = try rows.next() {
                let id = PaymentID(row[0] as String)
                guard let received = dates.date(row[1] as String?) else {
                    throw CorruptValue(column: "received_on")
                }
                if received <= last { kept.append((id, row[2])) }
            }
            let payments = try self.payments(ids: kept.map(\.id))
            return try kept.map { entry in
                // (The same transaction read the id a moment ago.)
                guard let payment = payments[entry.id] else { throw CorruptValue(column: "payments.id") }
                return PaymentBalance(payment: payment, allocated: Money(kopecks: entry.allocated))
            }
        }
    }
}

/// Parses ISO dates, each distinct text once (a ledger's rows share a few days).
struct DateCache {
    private var last: (text: String, date: CivilDate)?
    private var seen: [String: CivilDate] = [:]

    /// `CivilDate(iso:)` of `text`; `nil` when it is `nil` or no date.
    mutating func date(_ text: String?) -> CivilDate? {
        guard let text else { return nil }
        if let last, last.text == text { return last.date }
        let date: CivilDate
        if let known = seen[text] {
            date = known
        } else {
            guard let parsed = CivilDate(iso: text) else { return nil }
            // (A bounded cache: a corrupt ledger with a million distinct days still parses each.)
            if seen.count < 4_096 { seen[text] = parsed }
            date = parsed
        }
        last = (text, date)
        return date
    }
}

/// The queries of the reconciliation's reads and writes (`{keys}`: one chunk's placeholders).
enum ReconcileSQL {
    static let storedPayments = "SELECT id FROM payments WHERE id IN ({keys})"
    static let insertPayment = """
        INSERT INTO payments (source, received_on, amount, payer_inn, payer_name, purpose, document_number,
            document_date, provider_order_id, merchant_order_id, raw, id, first_seen, last_seen)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """
    /// The unallocated payments' ids, days and sums, without the payments of ``PaymentIDTable``'s table.
    static let unallocatedPaymentsNotExcluded = """
        SELECT p.id, p.received_on, COALESCE((SELECT SUM(a.amount) FROM allocations a WHERE a.payment_id = p.id), 0) AS allocated
        FROM payments p
        WHERE p.amount > COALESCE((SELECT SUM(a.amount) FROM allocations a WHERE a.payment_id = p.id), 0)
          AND p.id NOT IN \(PaymentIDTable.excluded)
        ORDER BY p.received_on, p.id
        """
    static let paymentsWithAllocations = """
        SELECT p.id, p.amount, a.order_id, a.bill_number, a.amount, a.method, a.pinned
        FROM payments p LEFT JOIN allocations a ON a.payment_id = p.id WHERE p.id IN ({keys})
        """
    static let insertAllocation = """
        INSERT INTO allocations (payment_id, order_id, bill_number, amount, method, business_date, run_id, pinned)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?)
        """
    static let allocatedOfPayments = """
        SELECT p.id AS id, p.amount AS amount, COALESCE(SUM(a.amount), 0) AS allocated
        FROM payments p LEFT JOIN allocations a ON a.payment_id = p.id
        WHERE p.id IN ({keys}) GROUP BY p.id
        """

    /// Every keyed query with two keys, as `EXPLAIN QUERY PLAN` sees them.
    static var keyed: [String] {
        [storedPayments, paymentsWithAllocations, allocatedOfPayments].map {
            $0.replacingOccurrences(of: "{keys}", with: "?, ?")
        }
    }
}
