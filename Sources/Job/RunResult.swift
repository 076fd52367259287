import Domain
import EDO
import Foundation

/// `run.json`: what a run of one business day did, for machines.
///
/// Money is a two-decimal string (`"2429.73"`), dates are `YYYY-MM-DD`. Nothing in
/// it depends on the clock, so a rerun of a finished day writes the same bytes.
/// The format is documented in docs/run-json.md.
public struct RunResult: Sendable, Codable, Equatable {
    public enum Status: String, Sendable, Codable, Equatable {
        /// Everything matched and was issued.
        case ok
        /// Done, but something waits for the accountant (see `exceptions`, `held`).
        case exceptions
        /// A source could not be read or a stage failed; the day is not complete.
        case failed
    }

    public struct PaymentEntry: Sendable, Codable, Equatable {
        public enum State: String, Sendable, Codable, Equatable {
            /// Fully allocated to bills.
            case allocated
            /// Partly allocated; the rest is the customer's credit.
            case partial
            /// Nothing allocated: unknown payer, quoted bill not found, or waiting for a bill.
            case unallocated
            /// A payout from the payment provider: checked against its payments, never allocated to bills.
            case payout
        }

        public struct AllocationEntry: Sendable, Codable, Equatable {
            public var orderID: OrderID
            public var billNumber: BillNumber
            public var amount: Money
            public var method: AllocationMethod

            public init(orderID: OrderID, billNumber: BillNumber, amount: Money, method: AllocationMethod) {
                self.orderID = orderID
                self.billNumber = billNumber
                self.amount = amount
                self.method = method
            }

            enum CodingKeys: String, CodingKey {
                case orderID = "order_id"
                case billNumber = "bill_number"
                case amount, method
            }
        }

        public var id: PaymentID
        public var source: String
        public var receivedOn: CivilDate
        public var amount: Money
        public var payerINN: String?
        public var allocations: [AllocationEntry]
        public var unallocated: Money
        public var status: State

        public init(id: PaymentID, source: String, receivedOn: CivilDate, amount: Money, payerINN: String?,
                    allocations: [AllocationEntry], unallocated: Money, status: State) {
            self.id = id
            self.source = source
            self.receivedOn = receivedOn
            self.amount = amount
            self.payerINN = payerINN
            self.allocations = allocations
            self.unallocated = unallocated
            self.status = status
        }

        enum CodingKeys: String, CodingKey {
            case id, source, amount, allocations, unallocated, status
            case receivedOn = "received_on"
            case payerINN = "payer_inn"
        }
    }

    public struct DocumentEntry: Sendable, Codable, Equatable {
        /// Relative to the day's folder.
        public var file: String
        public var kind: DocumentKind
        public var number: String
        public var date: CivilDate
        public var orderID: OrderID?
        public var shipmentID: ShipmentID?
        public var customerINN: String
        /// For a УКД, the change (negative for a decrease).
        public var totalWithoutVAT: Money
        public var vat: Money
        public var total: Money
        /// The buyer takes paper documents: archived with a printable form, not placed for EDO.
        public var paperOnly: Bool

        public init(file: String, kind: DocumentKind, number: String, date: CivilDate, orderID: OrderID?,
                    shipmentID: ShipmentID?, customerINN: String, totalWithoutVAT: Money, vat: Money, total: Money,
                    paperOnly: Bool) {
            self.file = file
            self.kind = kind
            self.number = number
            self.date = date
            self.orderID = orderID
            self.shipmentID = shipmentID
            self.customerINN = customerINN
            self.totalWithoutVAT = totalWithoutVAT
            self.vat = vat
            self.total = total
            self.paperOnly = paperOnly
        }

        enum CodingKeys: String, CodingKey {
            case file, kind, number, date, vat, total
            case orderID = "order_id"
            case shipmentID = "shipment_id"
            case customerINN = "customer_inn"
            case totalWithoutVAT = "total_without_vat"
            case paperOnly = "paper_only"
        }
    }

    public struct HeldEntry: Sendable, Codable, Equatable {
        public var orderID: OrderID
        public var shipmentID: ShipmentID?
        public var reason: String

        public init(orderID: OrderID, shipmentID: ShipmentID?, reason: String) {
            self.orderID = orderID
            self.shipmentID = shipmentID
            self.reason = reason
        }

        enum CodingKeys: String, CodingKey {
            case orderID = "order_id"
            case shipmentID = "shipment_id"
            case reason
        }
    }

    public struct CustomerEntry: Sendable, Codable, Equatable {
        public var inn: String
        public var name: String
        /// Positive when the customer owes us; negative is the customer's credit.
        public var balance: Money
        public var creditLimit: Money
        public var overdue: Money
        public var onStopList: Bool
        public var reasons: [String]

        public init(inn: String, name: String, balance: Money, creditLimit: Money, overdue: Money, onStopList: Bool,
                    reasons: [String]) {
            self.inn = inn
            self.name = name
            self.balance = balance
            self.creditLimit = creditLimit
            self.overdue = overdue
            self.onStopList = onStopList
            self.reasons = reasons
        }

        enum CodingKeys: String, CodingKey {
            case inn, name, balance, overdue, reasons
            case creditLimit = "credit_limit"
            case onStopList = "on_stop_list"
        }
    }

    public struct ExceptionEntry: Sendable, Codable, Equatable {
        /// A bounded kind: `unmatched-payment`, `unknown-bill`, `ambiguous-provider-id`, `payout-difference`,
        /// `quarantined`, `held-document`, `customer-changed`, `source-failed`, …
        public var kind: String
        /// What it is about: a payment id, an order id, a source name.
        public var ref: String
        public var message: String

        public init(kind: String, ref: String, message: String) {
            self.kind = kind
            self.ref = ref
            self.message = message
        }
    }

    public struct SourceEntry: Sendable, Codable, Equatable {
        public var name: String
        /// `ok` or `failed`.
        public var status: String
        /// The URL without secrets.
        public var url: String
        public var records: Int
        public var error: String?

        public init(name: String, status: String, url: String, records: Int, error: String?) {
            self.name = name
            self.status = status
            self.url = url
            self.records = records
            self.error = error
        }
    }

    public var version: Int = 1
    public var businessDate: CivilDate
    public var status: Status
    public var sources: [SourceEntry]
    /// The payments: spilled to a temporary file when the job builds them (``RunEntries``).
    public var payments: RunEntries<PaymentEntry>
    /// The issued documents: spilled to a temporary file when the job builds them (``RunEntries``).
    public var documents: RunEntries<DocumentEntry>
    public var held: [HeldEntry]
    public var customers: [CustomerEntry]
    public var exceptions: [ExceptionEntry]

    public init(businessDate: CivilDate, status: Status, sources: [SourceEntry], payments: RunEntries<PaymentEntry>,
                documents: RunEntries<DocumentEntry>, held: [HeldEntry], customers: [CustomerEntry], exceptions: [ExceptionEntry]) {
        self.businessDate = businessDate
        self.status = status
        self.sources = sources
        self.payments = payments
        self.documents = documents
        self.held = held
        self.customers = customers
        self.exceptions = exceptions
    }

    enum CodingKeys: String, CodingKey {
        case version, status, sources, payments, documents, held, customers, exceptions
        case businessDate = "business_date"
    }

    /// Deterministic JSON: sorted keys, pretty-printed, trailing newline — `JSONEncoder`'s bytes
    /// with `[.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]`, written without its tree of values.
    public func encoded() throws -> [UInt8] {
        var bytes = try SortedJSONEncoder(escapesSlashes: false, prettyPrinted: true).encode(self)
        bytes.append(0x0A)
        return bytes
    }

    /// Writes `encoded()`'s bytes to `url` with `AtomicFile.write`'s promise (a reader never sees
    /// half a file; the same bytes in place are left untouched), without encoding the whole file at
    /// once: the documents and the payments are written one at a time into the frame of the rest (a
    /// spilled list's stored member bytes copied as they are).
    @discardableResult
    public func write(to url: URL) throws -> AtomicFile.Outcome {
        try staged(to: url).commit()
    }

    /// `write(to:)` up to its last step: the bytes are written to the stream's temporary file,
    /// and nothing is in place until the caller commits the stream (or discards it).
    public func staged(to url: URL) throws -> AtomicFile.Stream {
        var rest = self
        rest.documents = []
        rest.payments = []
        // (Keys in order: "documents" comes before "payments".)
        let documentsFrame = try JSONArrayFrame(encoded: try rest.encoded(), arrayKey: CodingKeys.documents.stringValue)
        let paymentsFrame = try JSONArrayFrame(encoded: documentsFrame.tail, arrayKey: CodingKeys.payments.stringValue)
        let stream = try AtomicFile.Stream(url: url)
        do {
            try stream.write(documentsFrame.head)
            try documents.writeMembers(to: stream)
            try stream.write(JSONArrayFrame.closingLine(empty: documents.isEmpty) + paymentsFrame.head)
            try payments.writeMembers(to: stream)
            try stream.write(paymentsFrame.closing(empty: payments.isEmpty))
            return stream
        } catch {
            stream.discard()
            throw error
        }
    }
}

/// The exit codes of `sverka`, documented in `--help` and the README.
public enum ExitStatus: Int32, Sendable, CaseIterable {
    /// The day (or every day) is done and nothing waits for the accountant.
    case success = 0
    /// Done, with exceptions the accountant must look at.
    case exceptions = 1
    /// A source could not be read, or a stage failed: the day is not complete.
    case failure = 2
    /// The command line or the configuration is wrong.
    case usage = 64
    /// Another run holds the ledger's lock.
    case locked = 75

    public var meaning: String {
        switch self {
        case .success: "success"
        case .exceptions: "success with exceptions the accountant must look at"
        case .failure: "failure: a source could not be read or a stage failed; the day is not complete"
        case .usage: "usage or configuration error"
        case .locked: "another run holds the lock"
        }
    }
}
