/// Where a reader keeps each payment's record as its source gave it, as it reads, instead of on the
/// payment: only the ledger needs the records, and a large day's are tens of megabytes (the 1C
/// statement's 52 MiB at 100 000 orders) that would otherwise all be in memory when its reading ends.
/// The job gives a file kept aside (`SpilledTexts`); tests may keep them in memory.
///
/// Readers that take one: `ClientBankExchange.read(…, records:)` and `Camt053.read(…, records:)` (their
/// payments then carry an empty `raw` and `BankStatementReading.recordPlaces` says where each record
/// went) and `ingest(…, records:)`.
public protocol RecordKeeper: Sendable {
    /// Keeps `record` after the ones kept; returns its place, by which the keeper gives it back.
    /// Places are given 0, 1, 2, … in the order records are kept, whichever reader keeps them.
    func keep(_ record: String) throws -> Int
}
