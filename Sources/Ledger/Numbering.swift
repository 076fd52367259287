import Domain
import GRDB

/// A document cannot take a number: its date is earlier than the date of the last number
/// already given in its series and year (numbers must increase with the document date).
public struct NumberingError: Error, Hashable, Sendable, CustomStringConvertible {
    public var series: String
    /// The document that asked for a number.
    public var identity: String
    public var date: CivilDate
    /// The last number given in the series and year, and its date.
    public var lastNumber: Int
    public var lastDate: CivilDate

    public init(series: String, identity: String, date: CivilDate, lastNumber: Int, lastDate: CivilDate) {
        self.series = series
        self.identity = identity
        self.date = date
        self.lastNumber = lastNumber
        self.lastDate = lastDate
    }

    public var description: String {
        "series \(series) \(date.year): document \(identity) dated \(date.russian) cannot take a number after "
            + "№\(lastNumber) dated \(lastDate.russian)"
    }
}

extension LedgerTransaction {
    /// The number of the document `identity` in `series`: the one it already has (a rerun
    /// reuses it, with the date it was first given for), or the next one of the series
    /// for the year of `date`.
    ///
    /// Numbers are plain integers, one sequence per series (the seller's ИНН or a
    /// configured prefix) and calendar year, starting at 1 each year, with no gaps and no
    /// duplicates, and increasing with the document date. Call this only when the document
    /// is about to be issued: a held document must not take a number, and a number taken
    /// in a transaction that rolls back is given again.
    ///
    /// - Throws: ``NumberingError`` when `identity` is new and `date` is earlier than the
    ///   date of the last number of that series and year.
    public func number(for identity: String, date: CivilDate, series: String) throws -> AssignedNumber {
        try guarded("assign document number", record: "document \(identity), series \(series)") {
            if let existing = try assignedNumber(for: identity, series: series) { return existing }
            let next: Int
            if let last = try lastNumber(series: series, year: date.year) {
                guard date >= last.date else {
                    throw NumberingError(series: series, identity: identity, date: date, lastNumber: last.number,
                                         lastDate: last.date)
                }
                next = last.number + 1
            } else {
                next = 1
            }
            try db.cachedStatement(sql: "INSERT INTO document_numbers (series, year, number, identity, date) VALUES (?, ?, ?, ?, ?)").execute(arguments: [series, date.year, next, identity, date.iso])
            return AssignedNumber(series: series, year: date.year, number: next, date: date, identity: identity)
        }
    }
}
