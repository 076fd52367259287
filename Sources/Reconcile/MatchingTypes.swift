import Domain

/// An open payment bill as the ledger knows it: what the matcher may allocate to.
public struct OpenBill: Hashable, Sendable, Codable {
    public var number: BillNumber
    public var orderID: OrderID
    /// The order's number as shown to the customer (a provider's `merchantOrderId` may carry it).
    public var orderNumber: String
    /// The buyer's ИНН.
    public var customerINN: String
    public var date: CivilDate
    /// The bill's amount.
    public var amount: Money
    /// How much earlier runs (and pins) already allocated to it, written-off kopecks included.
    public var allocated: Money
    /// The provider's (ИнвойсБокс) order id, when the order is paid through the provider.
    public var providerOrderID: ProviderOrderID?

    public init(number: BillNumber, orderID: OrderID, orderNumber: String, customerINN: String, date: CivilDate,
                amount: Money, allocated: Money = .zero, providerOrderID: ProviderOrderID? = nil) {
        self.number = number
        self.orderID = orderID
        self.orderNumber = orderNumber
        self.customerINN = customerINN
        self.date = date
        self.amount = amount
        self.allocated = allocated
        self.providerOrderID = providerOrderID
    }

    /// The open bill of an order, with what is already allocated to it.
    public init(order: Order, allocated: Money = .zero) {
        self.init(number: order.bill.number, orderID: order.id, orderNumber: order.number,
                  customerINN: order.customer.inn.value, date: order.bill.date, amount: order.bill.amount,
                  allocated: allocated, providerOrderID: order.providerOrderID)
    }

    /// What the bill still needs: amount − allocated.
    public var outstanding: Money { amount - allocated }
}

/// A payment to allocate: the day's, or an earlier one with an unallocated remainder.
public struct OpenPayment: Hashable, Sendable, Codable {
    public var payment: Payment
    /// The allocations earlier runs already made from this payment (from the ledger).
    ///
    /// A payment with earlier allocations is not matched again: its remainder is the
    /// customer's credit. Its applied pins are recognised here and not applied twice.
    public var existingAllocations: [Allocation]

    public init(_ payment: Payment, existingAllocations: [Allocation] = []) {
        self.payment = payment
        self.existingAllocations = existingAllocations
    }

    /// The sum of the earlier allocations.
    public var allocated: Money { existingAllocations.map(\.amount).sum() }
}

/// Why a `MatchingConfiguration` cannot be built.
public struct ReconcileConfigurationError: Error, Hashable, Sendable, CustomStringConvertible {
    public var field: String
    public var value: String
    public var reason: String

    public init(field: String, value: String, reason: String) {
        self.field = field
        self.value = value
        self.reason = reason
    }

    public var description: String { "reconciliation configuration, \(field) '\(value)': \(reason)" }
}

/// How the matcher behaves.
public struct MatchingConfiguration: Hashable, Sendable {
    /// The largest write-off limit accepted: a few kopecks, never roubles.
    public static let maximumWriteOffLimit = Money(kopecks: 10)
    /// How many of a customer's oldest open bills the subset rule (5) considers.
    public static let subsetSearchWidth = 24

    /// A payment short of an otherwise exact match by at most this much closes the bill
    /// with a recorded write-off. Zero (the default) disables write-offs.
    public var writeOffLimit: Money
    /// Whether a customer's credit (overpayment) pays their later open bills automatically.
    public var creditPaysLaterBills: Bool
    /// The payment provider's (ИнвойсБокс) ИНН: a bank payment from it is a payout, never a customer payment.
    public var providerINN: String?

    /// Checks the write-off limit: 0 … `maximumWriteOffLimit`.
    public init(writeOffLimit: Money = .zero, creditPaysLaterBills: Bool = false,
                providerINN: String? = nil) throws(ReconcileConfigurationError) {
        guard !writeOffLimit.isNegative, writeOffLimit <= MatchingConfiguration.maximumWriteOffLimit else {
            throw ReconcileConfigurationError(
                field: "write_off_limit", value: writeOffLimit.description,
                reason: "must be between 0.00 and \(MatchingConfiguration.maximumWriteOffLimit) (a few kopecks)")
        }
        self.writeOffLimit = writeOffLimit
        self.creditPaysLaterBills = creditPaysLaterBills
        self.providerINN = providerINN
    }

    /// No write-offs, credit stays as credit, no provider.
    public static let standard = MatchingConfiguration(uncheckedLimit: .zero)

    private init(uncheckedLimit: Money) {
        writeOffLimit = uncheckedLimit
        creditPaysLaterBills = false
        providerINN = nil
    }
}

/// Everything one matching run looks at.
public struct MatchingInput: Sendable {
    public var payments: [OpenPayment]
    public var bills: [OpenBill]
    /// More bills, held compactly (the job's way: a large day's bills in a fraction of the memory);
    /// the matcher takes these and `bills` alike.
    public var compactBills: CompactBills
    /// The accountant's pins. A pin already applied (an existing `.pin` allocation of the
    /// same payment and bill) is not applied again.
    public var pins: [Pin]
    /// ИНН of every known customer (an overpayment of a known customer is their credit;
    /// a payer who is no customer is unmatched).
    public var knownCustomerINNs: Set<String>
    public var configuration: MatchingConfiguration
    /// Whether the result lists what became of every payment and of every bill touched
    /// (`MatchingResult.payments`, `.bills`); false leaves both empty for a caller that writes only
    /// the decisions (the job: a day's outcomes are megabytes it never reads). The decisions are the same.
    public var reportsOutcomes: Bool

    public init(payments: [OpenPayment], bills: [OpenBill], compactBills: CompactBills = CompactBills(), pins: [Pin] = [],
                knownCustomerINNs: Set<String> = [], configuration: MatchingConfiguration = .standard,
                reportsOutcomes: Bool = true) {
        self.payments = payments
        self.bills = bills
        self.compactBills = compactBills
        self.pins = pins
        self.knownCustomerINNs = knownCustomerINNs
        self.configuration = configuration
        self.reportsOutcomes = reportsOutcomes
    }
}

/// A few kopecks closed by the configured write-off limit, recorded on its own.
public struct WriteOff: Hashable, Sendable, Codable {
    public var paymentID: PaymentID
    public var billNumber: BillNumber
    public var orderID: OrderID
    public var customerINN: String
    /// Positive: the kopecks the customer did not pay and no longer owes.
    public var amount: Money
    /// The rule whose match the write-off completed.
    public var method: AllocationMethod
    /// The balance movement to record (kind `.writeOff`, amount −`amount`).
    public var movement: BalanceMovement
}

/// What became of one payment.
public struct PaymentOutcome: Hashable, Sendable, Codable {
    public enum Status: String, Hashable, Sendable, Codable {
        /// Allocated in full.
        case allocated
        /// A remainder stays as the customer's credit.
        case credit
        /// Held for the accountant: ambiguous, no known customer, nothing to match.
        case unmatched
        /// A provider payout: checked by `PayoutCheck`, never allocated to bills.
        case payout
        /// Not looked at: a duplicate or a non-positive amount (see the exceptions).
        case rejected
    }

    public var paymentID: PaymentID
    public var receivedOn: CivilDate
    public var amount: Money
    /// Allocated by earlier runs.
    public var allocatedBefore: Money
    /// Allocated by this run.
    public var allocatedNow: Money
    /// amount − allocatedBefore − allocatedNow.
    public var unallocated: Money
    public var status: Status
    /// The customer the remainder belongs to, when it is credit.
    public var creditCustomerINN: String?
    /// The rules that allocated it in this run, in order of use.
    public var methods: [AllocationMethod]
}

/// What became of one bill this run touched.
public struct BillOutcome: Hashable, Sendable, Codable {
    public var billNumber: BillNumber
    public var orderID: OrderID
    public var customerINN: String
    public var amount: Money
    public var allocatedBefore: Money
    public var allocatedNow: Money
    public var writtenOff: Money
    /// amount − allocatedBefore − allocatedNow − writtenOff.
    public var outstanding: Money
    public var isClosed: Bool { outstanding.isZero }
}

/// The decisions of one matching run. The job writes them to the ledger.
public struct MatchingResult: Sendable {
    /// New allocations, in the order they were made (payments in canonical order).
    public var allocations: [Allocation]
    public var writeOffs: [WriteOff]
    /// Every input payment, in canonical order (received date, then id); empty when the input did
    /// not ask for outcomes (`MatchingInput.reportsOutcomes`).
    public var payments: [PaymentOutcome]
    /// Every bill this run allocated to or wrote off, in canonical order (date, then number); empty
    /// when the input did not ask for outcomes.
    public var bills: [BillOutcome]
    /// What the accountant must look at, and why.
    public var exceptions: [ReconcileException]
    /// Bank payments from the provider: for `PayoutCheck`, never allocated to bills.
    public var payouts: [Payment]

    /// The exceptions as the day's report diagnostics.
    public var diagnostics: [Diagnostic] { exceptions.map(\.diagnostic) }
}
