import Domain
import Foundation
import Ledger
import Reconcile

/// The day's matcher's bills kept in a ``BillsFile`` (`.matcher-bills.tmp-PID` in the output folder)
/// rather than in memory: they are written there, put in the matcher's order, matched, and the file is
/// removed, all on the matcher's thread.
enum MatchingFromFile {
    /// Matches `input` (its bills are `input.compactBills`, taken over and let go once in the file)
    /// against the payments of `payments`, the bills read from a file made in `directory`.
    static func match(_ input: consuming MatchingInput, payments: some PaymentSource, directory: URL,
                      block: Int = 4_096) throws -> MatchingResult {
        var rest = input // (what the matcher reads besides the bills: shared, not copied)
        var bills = CompactBills()
        swap(&bills, &rest.compactBills)
        let file = try BillsFile(path: directory.path + "/.matcher-bills.tmp-\(getpid())")
        defer { file.remove() }
        for start in stride(from: 0, to: bills.count, by: block) {
            try file.append((start..<min(bills.count, start + block)).map { row(of: bills, at: $0) })
        }
        bills = CompactBills()
        try file.arrange(ordering: CanonicalBillOrder.positions)
        return try file.read { reader in
            try Matcher.match(rest, bills: FiledBills(reader), paymentsFrom: payments)
        }
    }

    /// The bill at `position` of `bills` as the file keeps it.
    static func row(of bills: CompactBills, at position: Int) -> BillsFileRow {
        let number = bills.number(at: position).rawValue
        return BillsFileRow(number: number, orderID: bills.orderID(at: position).rawValue,
                            orderNumber: bills.orderNumber(at: position), customerINN: bills.customerINN(at: position),
                            date: bills.date(at: position), amount: bills.amount(at: position).kopecks,
                            allocated: bills.allocated(at: position).kopecks,
                            providerOrderID: bills.providerOrderID(at: position)?.rawValue,
                            normalizedNumber: BillReference.normalizedKey(number))
    }
}

/// ``MatcherBills`` read from a ``BillsFile``: each text read when the matcher asks for it; the dates
/// (4 bytes a bill: credit reads a customer's bills' dates one after another) held.
///
/// A read that fails gives no bill — an empty text, no position, a bill of nothing — and is kept as
/// ``failure``: the matcher then throws it and nothing it decided is used.
final class FiledBills: MatcherBills {
    private let reader: BillsFile.Reader
    private var dates: [CivilDate] = []
    /// The texts of the bills the latest lookups found (at most ``keptTexts``).
    private var found: [Int32: BillsFileTexts] = [:]
    private static let keptTexts = 256
    private(set) var failure: (any Error)?

    init(_ reader: BillsFile.Reader) {
        self.reader = reader
    }

    var count: Int { reader.count }

    func forEachSummary(_ body: (CivilDate, Int64, Int64, String) -> Void) {
        var read: [CivilDate] = []
        read.reserveCapacity(count)
        do {
            try reader.forEachSummary { date, amount, allocated, inn in
                read.append(date)
                body(date, amount, allocated, inn)
            }
        } catch {
            remember(error)
        }
        // (Every position gets its call: those not read are bills of nothing, never used.)
        while read.count < count {
            read.append(CivilDate(daysSinceEpoch: 0))
            body(CivilDate(daysSinceEpoch: 0), 0, 0, "")
        }
        dates = read
    }

    func bill(at position: Int) -> Reconcile.OpenBill {
        guard let row = attempt({ try reader.row(at: position) }) else {
            return Reconcile.OpenBill(number: BillNumber(""), orderID: OrderID(""), orderNumber: "", customerINN: "",
                            date: dates[position], amount: .zero)
        }
        return Reconcile.OpenBill(number: BillNumber(row.number), orderID: OrderID(row.orderID), orderNumber: row.orderNumber,
                        customerINN: row.customerINN, date: row.date, amount: Money(kopecks: row.amount),
                        allocated: Money(kopecks: row.allocated), providerOrderID: row.providerOrderID.map { ProviderOrderID($0) })
    }

    func date(at position: Int) -> CivilDate { dates[position] }
    func number(at position: Int) -> BillNumber { BillNumber(texts(at: position).number) }
    func orderID(at position: Int) -> OrderID { OrderID(texts(at: position).orderID) }
    func customerINN(at position: Int) -> String { texts(at: position).customerINN }

    func numberAndOrderID(at position: Int) -> (BillNumber, OrderID) {
        let texts = texts(at: position)
        return (BillNumber(texts.number), OrderID(texts.orderID))
    }

    func positions(normalizedNumber key: String) -> [Int32] { positions(.normalizedNumber, key) }
    func positions(providerOrderID: ProviderOrderID) -> [Int32] { positions(.providerOrderID, providerOrderID.rawValue) }
    func positions(numbered number: BillNumber) -> [Int32] { positions(.number, number.rawValue) }

    func positions(orderIDOrNumber text: String) -> [Int32] {
        Array(Set(positions(.orderID, text) + positions(.orderNumber, text))).sorted()
    }

    func releaseLookups() {}

    func release() { (dates, found) = ([], [:]) }

    /// The texts of the bill at `position`: those of the bills the latest lookups found are kept (the rules
    /// read the ИНН and number of each bill a lookup gives), others read.
    private func texts(at position: Int) -> BillsFileTexts {
        if let found = found[Int32(position)] { return found }
        return attempt { try reader.texts(at: position) } ?? BillsFileTexts(number: "", orderID: "", customerINN: "")
    }

    private func positions(_ key: BillsFileKey, _ text: String) -> [Int32] {
        let bills = attempt { try reader.bills(where: key, is: text) } ?? []
        if found.count + bills.count > Self.keptTexts { found = [:] }
        for bill in bills { found[bill.position] = bill.texts }
        return bills.map(\.position)
    }

    private func attempt<T>(_ read: () throws -> T) -> T? {
        guard failure == nil else { return nil }
        do {
            return try read()
        } catch {
            remember(error)
            return nil
        }
    }

    private func remember(_ error: any Error) {
        if failure == nil { failure = error }
    }
}
