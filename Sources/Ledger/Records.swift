import Domain
import Foundation

/// What an idempotent write did.
public enum UpsertOutcome: String, Hashable, Sendable, Codable {
    /// The key was new: a row was added.
    case inserted
    /// The key existed with different content: it was updated in place.
    case updated
    /// The key existed with the same content: nothing changed.
    case unchanged
}

/// The result of ``LedgerTransaction/upsertOrder(_:businessDate:)``.
public struct OrderUpsert: Hashable, Sendable {
    /// What happened to the order row.
    public var outcome: UpsertOutcome
    /// Requisites of a returning customer that this order changed (empty for a new customer).
    public var customerChanges: [CustomerChange]

    public init(outcome: UpsertOutcome, customerChanges: [CustomerChange]) {
        self.outcome = outcome
        self.customerChanges = customerChanges
    }
}

/// A change of a returning customer's requisites, noticed when an order brought new ones.
public struct CustomerChange: Hashable, Sendable, Codable {
    /// The requisites the ledger watches.
    public enum Field: String, Hashable, Sendable, Codable, CaseIterable {
        case name
        case kpp
        case address
        case bank
        case edoID = "edo_id"
    }

    public var customerINN: String
    public var field: Field
    /// The value before, as text (`nil` = it was absent).
    public var oldValue: String?
    /// The value now, as text (`nil` = it is absent now).
    public var newValue: String?
    /// The order that brought the new value.
    public var orderID: OrderID
    /// The business day it was noticed.
    public var businessDate: CivilDate

    public init(customerINN: String, field: Field, oldValue: String?, newValue: String?, orderID: OrderID,
                businessDate: CivilDate) {
        self.customerINN = customerINN
        self.field = field
        self.oldValue = oldValue
        self.newValue = newValue
        self.orderID = orderID
        self.businessDate = businessDate
    }
}

/// A customer as the ledger knows it: the latest requisites and when it was seen.
public struct CustomerRecord: Hashable, Sendable {
    /// The requisites from the newest order (by the order's creation time).
    public var party: Party
    /// The order whose requisites are current.
    public var sourceOrderID: OrderID
    public var firstSeen: CivilDate
    public var lastSeen: CivilDate

    public init(party: Party, sourceOrderID: OrderID, firstSeen: CivilDate, lastSeen: CivilDate) {
        self.party = party
        self.sourceOrderID = sourceOrderID
        self.firstSeen = firstSeen
        self.lastSeen = lastSeen
    }
}

/// An order as stored, with when the job saw it.
/// An order's terms and creation time, as `LedgerReader.orderTerms(customerINN:)` reads them.
public struct OrderTermsRecord: Hashable, Sendable {
    public var orderID: OrderID
    public var createdAt: Timestamp
    public var terms: Terms

    public init(orderID: OrderID, createdAt: Timestamp, terms: Terms) {
        self.orderID = orderID
        self.createdAt = createdAt
        self.terms = terms
    }
}

public struct OrderRecord: Hashable, Sendable {
    public var order: Order
    public var firstSeen: CivilDate
    public var lastSeen: CivilDate
    /// The business day its content last changed (or was first stored).
    public var updatedOn: CivilDate

    public init(order: Order, firstSeen: CivilDate, lastSeen: CivilDate, updatedOn: CivilDate) {
        self.order = order
        self.firstSeen = firstSeen
        self.lastSeen = lastSeen
        self.updatedOn = updatedOn
    }
}

/// A bill with what is still owed on it.
public struct OpenBill: Hashable, Sendable {
    public var billNumber: BillNumber
    public var orderID: OrderID
    public var customerINN: String
    public var date: CivilDate
    public var amount: Money
    /// The sum of allocations to this bill so far.
    public var allocated: Money
    /// `amount - allocated`, always positive for an open bill.
    public var outstanding: Money { amount - allocated }

    public init(billNumber: BillNumber, orderID: OrderID, customerINN: String, date: CivilDate, amount: Money,
                allocated: Money) {
        self.billNumber = billNumber
        self.orderID = orderID
        self.customerINN = customerINN
        self.date = date
        self.amount = amount
        self.allocated = allocated
    }
}

/// A payment with what is allocated of it so far.
public struct PaymentBalance: Hashable, Sendable {
    public var payment: Payment
    public var allocated: Money
    /// `payment.amount - allocated`.
    public var remaining: Money { payment.amount - allocated }

    public init(payment: Payment, allocated: Money) {
        self.payment = payment
        self.allocated = allocated
    }
}

/// An allocation as stored: the decision plus who made it and whether it is pinned.
public struct AllocationRecord: Hashable, Sendable {
    public var allocation: Allocation
    /// The business day of the run that made it.
    public var businessDate: CivilDate
    /// The run that made it, when known.
    public var runID: Int64?
    /// Made from the accountant's pin: no automatic run removes or changes it.
    public var pinned: Bool

    public init(allocation: Allocation, businessDate: CivilDate, runID: Int64?, pinned: Bool) {
        self.allocation = allocation
        self.businessDate = businessDate
        self.runID = runID
        self.pinned = pinned
    }
}

/// What ``LedgerTransaction/replaceAutomaticAllocations(forPayments:with:businessDate:runID:)`` did.
public struct AllocationReplacement: Hashable, Sendable {
    /// Payments whose automatic allocations were replaced by a different set, in id order (empty when
    /// they were only counted).
    public var changedPayments: [PaymentID]
    /// How many payments' automatic allocations were replaced by a different set.
    public var changedCount: Int
    /// Pinned allocations added (a pin's first allocation).
    public var pinnedAdded: Int
    /// `.pin` allocations ignored because that payment/bill already had a pinned allocation.
    public var pinnedKept: Int

    public init(changedPayments: [PaymentID], pinnedAdded: Int, pinnedKept: Int) {
        self.changedPayments = changedPayments
        changedCount = changedPayments.count
        self.pinnedAdded = pinnedAdded
        self.pinnedKept = pinnedKept
    }
}

/// Counts of an idempotent batch write.
public struct WriteCounts: Hashable, Sendable, Codable {
    public var inserted: Int
    public var updated: Int
    public var unchanged: Int

    public init(inserted: Int = 0, updated: Int = 0, unchanged: Int = 0) {
        self.inserted = inserted
        self.updated = updated
        self.unchanged = unchanged
    }

    mutating func add(_ outcome: UpsertOutcome) {
        switch outcome {
        case .inserted: inserted += 1
        case .updated: updated += 1
        case .unchanged: unchanged += 1
        }
    }
}

/// A customer's movements over a period, for the act of reconciliation (акт сверки).
public struct CustomerStatement: Hashable, Sendable {
    public var customerINN: String
    public var from: CivilDate
    public var through: CivilDate
    /// The balance at the end of the day before `from`. Positive = the customer owes.
    public var opening: Money
    /// Movements dated `from…through`, by date then id; each has its document or payment
    /// number in `reference` and its date in `date`.
    public var entries: [BalanceMovement]
    /// `opening` plus the entries: the balance at the end of `through`.
    public var closing: Money

    public init(customerINN: String, from: CivilDate, through: CivilDate, opening: Money,
                entries: [BalanceMovement], closing: Money) {
        self.customerINN = customerINN
        self.from = from
        self.through = through
        self.opening = opening
        self.entries = entries
        self.closing = closing
    }
}

/// Totals of an issued document.
public struct DocumentTotals: Hashable, Sendable, Codable {
    public var withoutVAT: Money
    public var vat: Money
    public var withVAT: Money

    public init(withoutVAT: Money, vat: Money, withVAT: Money) {
        self.withoutVAT = withoutVAT
        self.vat = vat
        self.withVAT = withVAT
    }
}

/// A document the job issued or held, one version of it.
///
/// A document's `identity` is the stable key of what it documents (for example
/// `UPD|shipment:SH-17`); corrections keep the identity (and the number and date) and
/// take the next `correctionNumber` (0 = the original).
public struct DocumentRecord: Hashable, Sendable {
    public var identity: String
    public var correctionNumber: Int
    public var kind: DocumentKind
    /// The numbering series the number comes from (`nil` for a held document that never got one).
    public var series: String?
    /// The number from ``LedgerTransaction/number(for:date:series:)``; `nil` while held.
    public var number: Int?
    public var date: CivilDate
    public var orderID: OrderID
    public var shipmentID: ShipmentID?
    public var customerINN: String
    /// The emitted file's name (`ON_NSCHFDOPPR_….xml`).
    public var fileName: String?
    /// ИдФайл inside the XML.
    public var fileID: String?
    /// The XML bytes as emitted (windows-1251), so the file can be re-materialised.
    public var xml: Data?
    /// What the documents stage needs to know of it later, opaque to the ledger (JSON: the
    /// document's lines for corrections and УКД, the correction date, the print form).
    public var details: Data?
    public var totals: DocumentTotals
    public var status: DocumentStatus
    /// Why it is held (for `.held`).
    public var holdReason: String?
    /// The business day it was recorded.
    public var businessDate: CivilDate

    public init(identity: String, correctionNumber: Int = 0, kind: DocumentKind, series: String?, number: Int?,
                date: CivilDate, orderID: OrderID, shipmentID: ShipmentID?, customerINN: String, fileName: String?,
                fileID: String?, xml: Data?, details: Data? = nil, totals: DocumentTotals, status: DocumentStatus,
                holdReason: String? = nil, businessDate: CivilDate) {
        self.details = details
        self.identity = identity
        self.correctionNumber = correctionNumber
        self.kind = kind
        self.series = series
        self.number = number
        self.date = date
        self.orderID = orderID
        self.shipmentID = shipmentID
        self.customerINN = customerINN
        self.fileName = fileName
        self.fileID = fileID
        self.xml = xml
        self.totals = totals
        self.status = status
        self.holdReason = holdReason
        self.businessDate = businessDate
    }

    /// SHA-256 of ``xml`` as 64 lower-case hex digits (`nil` without bytes).
    public var contentSHA256: String? { xml.map { SHA256.hex($0) } }
}

/// A number given from a series: the number and the date of the document that took it.
public struct AssignedNumber: Hashable, Sendable {
    public var series: String
    public var year: Int
    public var number: Int
    public var date: CivilDate
    public var identity: String

    public init(series: String, year: Int, number: Int, date: CivilDate, identity: String) {
        self.series = series
        self.year = year
        self.number = number
        self.date = date
        self.identity = identity
    }

    /// The plain integer as a document number (the documents stage may add a prefix).
    public var documentNumber: DocumentNumber { DocumentNumber(String(number)) }
}

/// How a run ended.
public enum RunOutcome: String, Hashable, Sendable, Codable {
    /// Everything done, nothing for people to look at.
    case ok
    /// Done, with records quarantined, payments unmatched or documents held.
    case exceptions
    /// The run did not finish its work; its transaction was rolled back.
    case failed
}

/// One run in the journal.
public struct RunRecord: Hashable, Sendable {
    public var id: Int64
    public var businessDate: CivilDate
    /// The command line or its summary (`run --date 2026-03-05`).
    public var command: String
    public var startedAt: Timestamp
    /// `nil` while running (or when the process died before finishing).
    public var finishedAt: Timestamp?
    public var outcome: RunOutcome?
    /// Named counts (`orders`, `payments`, `documents`, `quarantined`, …).
    public var counts: [String: Int]
    public var message: String

    public init(id: Int64, businessDate: CivilDate, command: String, startedAt: Timestamp, finishedAt: Timestamp?,
                outcome: RunOutcome?, counts: [String: Int], message: String) {
        self.id = id
        self.businessDate = businessDate
        self.command = command
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.outcome = outcome
        self.counts = counts
        self.message = message
    }
}

extension Timestamp {
    /// The current instant, in Moscow's offset.
    static func now() -> Timestamp {
        Timestamp(epochSeconds: Int64(Date().timeIntervalSince1970.rounded(.down)))
    }
}

/// An order with the forms the ledger stores it in (its JSON content and that content's SHA-256,
/// the customer's JSON, each shipment's warehouse and each shipment line's ВСД as JSON), worked out
/// without the ledger: a day prepares its orders on all cores, then upserts them one by one
/// (``LedgerTransaction/upsertOrder(_:businessDate:)-(PreparedOrder,_)``). The forms are exactly
/// those ``LedgerTransaction/upsertOrder(_:businessDate:)-(Order,_)`` stores.
public struct PreparedOrder: Sendable {
    /// The order.
    public let order: Order
    let content: String
    let contentSHA256: String
    let partyJSON: String
    /// By shipment, in the order's order.
    let warehouseJSON: [String]
    /// By shipment, then by line, in the order's order.
    let vsdJSON: [[String]]

    /// Encodes `order`'s stored forms in one pass: the order's JSON is written directly
    /// (``DirectJSONEncodable``, the bytes `encodeJSON` writes), and the customer's, the warehouses'
    /// and the ВСД lists' JSON are the sub-ranges of it where those values were written.
    /// - Throws: nothing today (the direct writer cannot fail); kept so callers need not change
    ///   should encoding ever become fallible again.
    public init(_ order: Order) throws {
        self.order = order
        var json = JSONBytes(escapesSlashes: false, capacity: 2048)
        var layout = OrderJSONLayout()
        order.writeJSON(to: &json, layout: &layout)
        let bytes = json.bytes
        (content, partyJSON, warehouseJSON, vsdJSON) = bytes.withUnsafeBufferPointer { buffer in
            func text(_ range: Range<Int>) -> String {
                String(decoding: UnsafeBufferPointer(rebasing: buffer[range]), as: UTF8.self)
            }
            return (text(0..<buffer.count), text(layout.customer), layout.warehouses.map(text),
                    layout.vsd.map { $0.map(text) })
        }
        contentSHA256 = SHA256.hex(bytes)
    }
}
