import Domain

/// Where a reader keeps each payment it reads, whole with its record as the source gave it, as it
/// reads, instead of in its reading: a large day's payments are ~550 bytes each as values (the 1C
/// statement's ~53 MB and ИнвойсБокс's ~44 MB at 300 000 orders), and the job only ever writes them to
/// the day's files. The job gives a file kept aside; tests may keep them in memory.
///
/// Readers that take one: `ClientBankExchange.read(…, keeper:)`, `Camt053.read(…, keeper:)`,
/// `Invoicebox.PageReader(…, keeper:)` (their readings' `payments` are then empty and `kept` says, in
/// the same order, each payment's id and place) and `ingest(…, keeper:)`.
public protocol PaymentKeeper: Sendable {
    /// Keeps `payment`, its record (`raw`) with it, after the ones kept; returns its place, by which the
    /// keeper gives it back. Places are given 0, 1, 2, … in the order payments are kept, whichever reader
    /// keeps them (several may keep at once).
    func keep(_ payment: Payment) throws -> Int
}

/// A payment a reader gave to its ``PaymentKeeper``: its id (to read each payment once) and its place.
public struct KeptPayment: Hashable, Sendable {
    /// The payment's id.
    public var id: PaymentID
    /// Where the keeper keeps it.
    public var place: Int

    /// A payment kept at `place`.
    public init(id: PaymentID, place: Int) {
        self.id = id
        self.place = place
    }
}

/// A reader's payments as it adds them to its reading: each one given to the ``PaymentKeeper`` as it is
/// added when the reader was given one (the reading then holds only its id and place), else kept in the
/// reading.
struct PaymentsAside {
    /// Where the payments go (`nil`: they stay in the reading).
    let keeper: (any PaymentKeeper)?
    /// The source reading failures name.
    let source: String
    /// Why a payment could not be kept aside: nothing more is added, and the reading fails with it.
    private(set) var failure: SourceError?

    init(_ keeper: (any PaymentKeeper)?, source: String) {
        self.keeper = keeper
        self.source = source
    }

    /// Adds `payment` (read from `record`, as messages name it) to `reading`.
    mutating func add(_ payment: Payment, from record: String, to reading: inout BankStatementReading) {
        add(payment, from: record, to: &reading.payments, kept: &reading.kept)
    }

    /// Adds `payment` (read from `record`, as messages name it) to `payments`, or, given to the keeper,
    /// its id and place to `kept`.
    mutating func add(_ payment: Payment, from record: String, to payments: inout [Payment], kept: inout [KeptPayment]) {
        guard let keeper else {
            payments.append(payment)
            return
        }
        guard failure == nil else { return }
        do {
            kept.append(KeptPayment(id: payment.id, place: try keeper.keep(payment)))
        } catch {
            failure = SourceError(source: source, reason: "the payment of \(record) cannot be kept aside: \(error)")
        }
    }
}
