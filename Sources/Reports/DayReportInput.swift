import Domain

// The day's report is rendered from values only: the nightly job gathers them from
// the ledger and the stages and passes one `DayReportInput`. Nothing here reads a
// database or a file; every total the report shows is summed from these rows.

/// Everything the day's report shows, for one business day.
public struct DayReportInput: Sendable, Hashable {
    /// The business day (a Moscow day) the report is about.
    public var businessDate: CivilDate
    /// When the report was made; printed in the header when given.
    public var generatedAt: Timestamp?
    /// Our organisation (the seller).
    public var seller: ReportParty
    /// What each source gave today (feeds and statements read, or failed).
    public var sources: [SourceSummary]
    /// Every payment received or (re)allocated today.
    public var payments: [PaymentRow]
    /// Reconciliation problems to resolve: unmatched payments, ambiguous provider ids,
    /// payout differences. Quarantined records and held documents are passed separately
    /// (`quarantined`, `held`) and are listed in the same section of the report.
    public var exceptions: [ExceptionRow]
    /// Documents issued today.
    public var documents: [DocumentRow]
    /// Documents not issued because a rule failed or data is missing.
    public var held: [HeldRow]
    /// Orders of weighed goods whose shipped value differs from the bill.
    public var weighedCorrections: [WeighedRow]
    /// Returns recorded today and their documents.
    public var returns: [ReturnRow]
    /// Receivables per customer at the end of the day.
    public var receivables: [ReceivableRow]
    /// Source records that broke their contract and were kept aside.
    public var quarantined: [QuarantinedRecord]
    /// How the run went.
    public var runStatus: RunStatus

    public init(businessDate: CivilDate, generatedAt: Timestamp? = nil, seller: ReportParty,
                sources: [SourceSummary] = [], payments: [PaymentRow] = [], exceptions: [ExceptionRow] = [],
                documents: [DocumentRow] = [], held: [HeldRow] = [], weighedCorrections: [WeighedRow] = [],
                returns: [ReturnRow] = [], receivables: [ReceivableRow] = [], quarantined: [QuarantinedRecord] = [],
                runStatus: RunStatus) {
        self.businessDate = businessDate
        self.generatedAt = generatedAt
        self.seller = seller
        self.sources = sources
        self.payments = payments
        self.exceptions = exceptions
        self.documents = documents
        self.held = held
        self.weighedCorrections = weighedCorrections
        self.returns = returns
        self.receivables = receivables
        self.quarantined = quarantined
        self.runStatus = runStatus
    }
}

/// An organisation or a sole trader as the reports print it.
public struct ReportParty: Sendable, Hashable {
    /// Full name: `ООО «Ромашка»`, `ИП Иванов Иван Иванович`.
    public var name: String
    public var inn: String
    public var kpp: String?

    public init(name: String, inn: String, kpp: String? = nil) {
        self.name = name
        self.inn = inn
        self.kpp = kpp
    }
}

/// What one source (a feed, a bank statement, the provider's API) gave today.
public struct SourceSummary: Sendable, Hashable {
    public enum State: String, Sendable, Hashable, CaseIterable {
        /// Read completely.
        case ok
        /// Read, but some records were quarantined.
        case partial
        /// Could not be read at all (the message says why).
        case failed
        /// Nothing to read today.
        case empty
    }

    /// A stable key: `orders-feed`, `bank-1c`, `bank-camt053`, `invoicebox`.
    public var source: String
    /// What was read, for people: a file name or an endpoint.
    public var origin: String
    public var state: State
    /// Records read (orders, payments, statement lines).
    public var recordsRead: Int
    /// Records quarantined.
    public var recordsQuarantined: Int
    /// Why it failed, or a note.
    public var message: String?

    public init(source: String, origin: String, state: State, recordsRead: Int, recordsQuarantined: Int = 0,
                message: String? = nil) {
        self.source = source
        self.origin = origin
        self.state = state
        self.recordsRead = recordsRead
        self.recordsQuarantined = recordsQuarantined
        self.message = message
    }
}

/// Where a payment ended up.
public enum PaymentStatus: String, Sendable, Hashable, CaseIterable {
    /// Allocated in full to bills.
    case allocated
    /// Partly allocated; the rest waits for a bill or the accountant.
    case partial
    /// Allocated, and the surplus kept as the customer's credit (overpayment).
    case credit
    /// Allocated, and the surplus is to be paid back to the customer.
    case refund
    /// Not allocated at all: an exception to resolve.
    case unmatched
    /// A payout from the payment provider: checked against its payments, never allocated to bills.
    case payout
}

/// One payment and where it went.
public struct PaymentRow: Sendable, Hashable {
    public var id: PaymentID
    public var source: Payment.Source
    public var receivedOn: CivilDate
    /// The payment order's number (п/п №), for bank payments.
    public var documentNumber: String?
    public var payerName: String?
    public var payerINN: String?
    public var amount: Money
    /// The purpose (назначение платежа).
    public var purpose: String
    /// The parts applied to bills, each with its rule.
    public var allocations: [Allocation]
    /// What is left of the payment after the allocations (credit, refund or unmatched).
    public var unallocated: Money
    public var status: PaymentStatus

    public init(id: PaymentID, source: Payment.Source, receivedOn: CivilDate, documentNumber: String? = nil,
                payerName: String?, payerINN: String?, amount: Money, purpose: String, allocations: [Allocation],
                unallocated: Money, status: PaymentStatus) {
        self.id = id
        self.source = source
        self.receivedOn = receivedOn
        self.documentNumber = documentNumber
        self.payerName = payerName
        self.payerINN = payerINN
        self.amount = amount
        self.purpose = purpose
        self.allocations = allocations
        self.unallocated = unallocated
        self.status = status
    }
}

/// A problem reconciliation could not decide; the accountant resolves it.
public struct ExceptionRow: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// A payment no rule could allocate.
        case unmatchedPayment = "unmatched-payment"
        /// A provider payment whose order id fits several orders, or none.
        case ambiguousProviderID = "ambiguous-provider-id"
        /// The provider's payout differs from the payments it should cover.
        case payoutDifference = "payout-difference"
        /// A payer ИНН that fails its check digits or belongs to no customer.
        case unknownPayer = "unknown-payer"
        /// The purpose quotes a bill that does not exist: the money waits as the customer's credit.
        case unknownBill = "unknown-bill-quoted"
        /// A provider payment for an order the ledger does not know.
        case unknownProviderOrder = "unknown-provider-order"
        /// A bill number in the purpose that fits several bills.
        case ambiguousReference = "ambiguous-reference"
        /// A returning customer's requisites changed.
        case customerChanged = "customer-changed"
        /// Anything else the job reports here.
        case other
    }

    public var kind: Kind
    /// What it is about: a payment id, a provider order id, a payout number.
    public var reference: String
    /// The amount at stake, when there is one (the payment, the difference).
    public var amount: Money?
    /// Why, in plain words.
    public var message: String
    /// Bills or orders it might belong to, for the accountant to choose.
    public var candidates: [ExceptionCandidate]

    public init(kind: Kind, reference: String, amount: Money? = nil, message: String,
                candidates: [ExceptionCandidate] = []) {
        self.kind = kind
        self.reference = reference
        self.amount = amount
        self.message = message
        self.candidates = candidates
    }
}

/// A bill or an order an exception might belong to.
public struct ExceptionCandidate: Sendable, Hashable {
    public var billNumber: BillNumber?
    public var orderID: OrderID?
    public var customerName: String?
    /// What the bill still needs, or the order's total.
    public var amount: Money?
    /// Why it is a candidate (`ИНН совпадает, сумма другая`).
    public var note: String?

    public init(billNumber: BillNumber? = nil, orderID: OrderID? = nil, customerName: String? = nil,
                amount: Money? = nil, note: String? = nil) {
        self.billNumber = billNumber
        self.orderID = orderID
        self.customerName = customerName
        self.amount = amount
        self.note = note
    }
}

/// A document issued today.
public struct DocumentRow: Sendable, Hashable {
    public var kind: DocumentKind
    public var number: DocumentNumber
    public var date: CivilDate
    /// The correction number (`ИспрДок/НомИспр`) of a corrected УПД.
    public var correctionNumber: Int?
    public var orderID: OrderID?
    public var buyerName: String
    public var buyerINN: String
    /// Totals; for a УКД the differences (negative for a decrease).
    public var totalWithoutVAT: Money
    public var vat: Money
    public var total: Money
    /// The file written (the FNS file name, `ON_NSCHFDOPPR_….xml`).
    public var fileName: String
    /// The buyer has no EDO: the document goes on paper.
    public var paperOnly: Bool

    public init(kind: DocumentKind, number: DocumentNumber, date: CivilDate, correctionNumber: Int? = nil,
                orderID: OrderID? = nil, buyerName: String, buyerINN: String, totalWithoutVAT: Money, vat: Money,
                total: Money, fileName: String, paperOnly: Bool = false) {
        self.kind = kind
        self.number = number
        self.date = date
        self.correctionNumber = correctionNumber
        self.orderID = orderID
        self.buyerName = buyerName
        self.buyerINN = buyerINN
        self.totalWithoutVAT = totalWithoutVAT
        self.vat = vat
        self.total = total
        self.fileName = fileName
        self.paperOnly = paperOnly
    }
}

/// A document that was not issued, and why.
public struct HeldRow: Sendable, Hashable {
    public var kind: DocumentKind
    public var orderID: OrderID
    /// What it would have covered: a shipment or a return id.
    public var reference: String
    public var buyerName: String?
    public var buyerINN: String?
    /// The document's total, when it could be computed.
    public var amount: Money?
    public var reason: String

    public init(kind: DocumentKind, orderID: OrderID, reference: String, buyerName: String? = nil,
                buyerINN: String? = nil, amount: Money? = nil, reason: String) {
        self.kind = kind
        self.orderID = orderID
        self.reference = reference
        self.buyerName = buyerName
        self.buyerINN = buyerINN
        self.amount = amount
        self.reason = reason
    }
}

/// An order of weighed goods whose shipped value differs from the bill.
public struct WeighedRow: Sendable, Hashable {
    /// What is done with the difference.
    public enum Treatment: String, Sendable, Hashable, CaseIterable {
        /// The overpaid difference stays as the customer's credit.
        case credit
        /// The overpaid difference is paid back.
        case refund
        /// More was shipped than billed: the customer owes the difference.
        case surcharge
    }

    public var orderID: OrderID
    public var billNumber: BillNumber
    public var customerName: String
    public var customerINN: String
    public var billAmount: Money
    /// The value of the actual shipped weights (with VAT).
    public var shippedValue: Money
    public var treatment: Treatment

    public init(orderID: OrderID, billNumber: BillNumber, customerName: String, customerINN: String, billAmount: Money,
                shippedValue: Money, treatment: Treatment) {
        self.orderID = orderID
        self.billNumber = billNumber
        self.customerName = customerName
        self.customerINN = customerINN
        self.billAmount = billAmount
        self.shippedValue = shippedValue
        self.treatment = treatment
    }

    /// Shipped value minus the bill: negative when less was shipped than billed.
    public var difference: Money { shippedValue - billAmount }
}

/// A return and the document it led to.
public struct ReturnRow: Sendable, Hashable {
    public var orderID: OrderID
    public var returnID: ReturnID
    public var stage: Return.Stage
    public var date: CivilDate
    public var customerName: String
    public var reason: String
    /// The value of the returned goods, with VAT.
    public var amount: Money
    /// The document, for people: `УКД № 12-К от 28.11.2026`; `nil` when none is due
    /// (goods taken off before departure) or it is held.
    public var document: String?
    /// The file of that document.
    public var documentFile: String?

    public init(orderID: OrderID, returnID: ReturnID, stage: Return.Stage, date: CivilDate, customerName: String,
                reason: String, amount: Money, document: String? = nil, documentFile: String? = nil) {
        self.orderID = orderID
        self.returnID = returnID
        self.stage = stage
        self.date = date
        self.customerName = customerName
        self.reason = reason
        self.amount = amount
        self.document = document
        self.documentFile = documentFile
    }
}

/// What one customer owes at the end of the day, by age.
public struct ReceivableRow: Sendable, Hashable {
    public var customerName: String
    public var customerINN: String
    /// Postpaid customers' limit; zero for prepaid ones.
    public var creditLimit: Money
    /// The balance: positive = the customer owes us, negative = our debt (credit).
    public var balance: Money
    /// Owed, but not yet due.
    public var notDue: Money
    public var overdue1to30: Money
    public var overdue31to60: Money
    public var overdue61to90: Money
    public var overdueOver90: Money
    /// Why the customer is on the stop list; `nil` when not.
    public var stopListReason: String?

    public init(customerName: String, customerINN: String, creditLimit: Money, balance: Money, notDue: Money,
                overdue1to30: Money, overdue31to60: Money, overdue61to90: Money, overdueOver90: Money,
                stopListReason: String? = nil) {
        self.customerName = customerName
        self.customerINN = customerINN
        self.creditLimit = creditLimit
        self.balance = balance
        self.notDue = notDue
        self.overdue1to30 = overdue1to30
        self.overdue31to60 = overdue31to60
        self.overdue61to90 = overdue61to90
        self.overdueOver90 = overdueOver90
        self.stopListReason = stopListReason
    }

    /// Everything past due (the four overdue buckets).
    public var overdue: Money { overdue1to30 + overdue31to60 + overdue61to90 + overdueOver90 }
}

/// How the night's run went, printed at the top of the report.
public struct RunStatus: Sendable, Hashable {
    public enum Outcome: String, Sendable, Hashable, CaseIterable {
        /// Everything ran.
        case completed
        /// Ran, but some sources or records failed (see the notes and exceptions).
        case completedWithProblems = "completed-with-problems"
        /// A stage failed; the report shows what was done before it.
        case failed
    }

    public var outcome: Outcome
    public var startedAt: Timestamp?
    public var finishedAt: Timestamp?
    /// Lines for the operator (`банковская выписка bank-1c не получена: …`).
    public var notes: [String]

    public init(outcome: Outcome, startedAt: Timestamp? = nil, finishedAt: Timestamp? = nil, notes: [String] = []) {
        self.outcome = outcome
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.notes = notes
    }
}
