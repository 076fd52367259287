import Domain

/// Where a reader keeps each payment's record as its source gave it, as it reads, instead of on the
/// payment: only the ledger needs the records, and a large day's are tens of megabytes (the 1C
/// statement's 52 MiB at 100 000 orders) that would otherwise all be in memory when its reading ends.
/// The job gives a file kept aside (`SpilledTexts`); tests may keep them in memory.
///
/// Readers that take one: `ClientBankExchange.read(…, records:)`, `Camt053.read(…, records:)` and
/// `Invoicebox.PageReader(…, records:)` (their payments then carry an empty `raw` and the reading's
/// `recordPlaces` says where each record went) and `ingest(…, records:)`.
public protocol RecordKeeper: Sendable {
    /// Keeps `record` after the ones kept; returns its place, by which the keeper gives it back.
    /// Places are given 0, 1, 2, … in the order records are kept, whichever reader keeps them.
    func keep(_ record: String) throws -> Int
}

/// A reader's payments as it adds them to its reading: each one's record kept aside as it is added
/// when the reader was given a ``RecordKeeper`` (the payment then carries an empty `raw`, and the
/// reading's `recordPlaces` says where its record went).
struct RecordsAside {
    /// Where the records go (`nil`: they stay on the payments).
    let keeper: (any RecordKeeper)?
    /// The source reading failures name.
    let source: String
    /// Why a record could not be kept aside: nothing more is added, and the reading fails with it.
    private(set) var failure: SourceError?

    init(_ keeper: (any RecordKeeper)?, source: String) {
        self.keeper = keeper
        self.source = source
    }

    /// Adds `payment` (read from `record`, as messages name it) to `reading`, its record kept aside.
    mutating func add(_ payment: Payment, from record: String, to reading: inout BankStatementReading) {
        add(payment, from: record, to: &reading.payments, places: &reading.recordPlaces)
    }

    /// Adds `payment` (read from `record`, as messages name it) to `payments`, its record kept aside
    /// and its place added to `places`.
    mutating func add(_ payment: Payment, from record: String, to payments: inout [Payment], places: inout [Int]) {
        var payment = payment
        if let keeper {
            guard failure == nil else { return }
            do {
                places.append(try keeper.keep(payment.raw))
                payment.raw = ""
            } catch {
                failure = SourceError(source: source, reason: "the record of \(record) cannot be kept aside: \(error)")
                return
            }
        }
        payments.append(payment)
    }
}
