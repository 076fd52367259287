import Domain
import Testing
@testable import Reconcile

@Suite("Open bills held compactly")
struct CompactBillsTests {
    /// Bills with every kind of text: Cyrillic, empty, longer than a one-byte length, with and without
    /// a provider's order id (an empty one is not a missing one).
    static let bills: [OpenBill] = (0..<40).map { index in
        OpenBill(number: BillNumber(["СЧ-\(index)", "", "INV-" + String(repeating: "9", count: 200 + index)][index % 3]),
                 orderID: OrderID("ORD-2026-\(index)"), orderNumber: index % 4 == 0 ? "" : "Й\u{306}-\(index)",
                 customerINN: ["7701234560", "500100732259"][index % 2], date: CivilDate(year: 2026, month: 11, day: 1 + index % 28)!,
                 amount: Money(kopecks: Int64(index) * 1_000 - 5), allocated: Money(kopecks: Int64(index % 3) * 7),
                 providerOrderID: [nil, ProviderOrderID(""), ProviderOrderID("61814e9e-0630-4d03-a339-c34ad6b0a031\(index)")][index % 3])
    }

    @Test("every bill reads back as given, whole and field by field")
    func roundTrip() {
        let compact = CompactBills(Self.bills)
        #expect(compact.count == Self.bills.count)
        #expect(Array(compact) == Self.bills)
        for (position, bill) in Self.bills.enumerated() {
            #expect(compact.number(at: position) == bill.number)
            #expect(compact.orderID(at: position) == bill.orderID)
            #expect(compact.orderNumber(at: position) == bill.orderNumber)
            #expect(compact.customerINN(at: position) == bill.customerINN)
            #expect(compact.providerOrderID(at: position) == bill.providerOrderID)
            #expect(compact.date(at: position) == bill.date)
            #expect(compact.amount(at: position) == bill.amount)
            #expect(compact.allocated(at: position) == bill.allocated)
            #expect(compact.outstanding(at: position) == bill.outstanding)
        }
        #expect(compact.providerOrderID(at: 1) == ProviderOrderID("") && compact.providerOrderID(at: 0) == nil)
    }

    @Test("room reserved is let go, the bills unchanged; appending reserves room for exactly both")
    func capacity() {
        var compact = CompactBills()
        compact.reserveCapacity(5_000)
        for bill in Self.bills { compact.append(bill) }
        let reserved = compact.heldBytes
        compact.trimCapacity()
        #expect(Array(compact) == Self.bills)
        #expect(compact.heldBytes < reserved / 10, "\(compact.heldBytes) of \(reserved)")
        let trimmed = compact.heldBytes
        // A few more bills: room for them, not twice the room (what appending to a full buffer gives).
        compact.append(contentsOf: CompactBills(Self.bills.prefix(3)))
        #expect(Array(compact) == Self.bills + Self.bills.prefix(3))
        #expect(compact.heldBytes < trimmed * 13 / 10, "\(compact.heldBytes) after \(trimmed)")
    }

    @Test("kept where they are, appended, changed and arranged as an array of the same bills would be")
    func changes() {
        var compact = CompactBills(Self.bills)
        var array = Self.bills
        compact.setAllocated(Money(kopecks: 123), at: 5)
        array[5].allocated = Money(kopecks: 123)
        #expect(Array(compact) == array)

        let kept: (Int) -> Bool = { $0 % 3 != 1 && $0 != 0 }
        compact.keep(where: kept)
        array = array.indices.filter(kept).map { array[$0] }
        #expect(Array(compact) == array)

        compact.append(contentsOf: CompactBills(Self.bills.prefix(7)))
        array += Self.bills.prefix(7)
        #expect(Array(compact) == array)
        compact.append(Self.bills[2])
        array.append(Self.bills[2])
        #expect(Array(compact) == array)

        let order = Array(array.indices.reversed().filter { $0 % 2 == 0 } + array.indices.filter { $0 % 2 == 1 })
        compact = compact.arranged(in: order)
        array = order.map { array[$0] }
        #expect(Array(compact) == array)

        // Arranged: keeping, appending and changing still give what the array gives.
        let keptAfter: (Int) -> Bool = { $0 % 4 != 2 }
        compact.keep(where: keptAfter)
        array = array.indices.filter(keptAfter).map { array[$0] }
        #expect(Array(compact) == array)
        compact.append(contentsOf: CompactBills(Self.bills.suffix(3)))
        array += Self.bills.suffix(3)
        compact.setAllocated(Money(kopecks: 9), at: 0)
        array[0].allocated = Money(kopecks: 9)
        #expect(Array(compact) == array)
        var both = CompactBills(Self.bills.prefix(2))
        both.append(contentsOf: compact)
        #expect(Array(both) == Array(Self.bills.prefix(2)) + array)

        compact.keep { _ in false }
        #expect(compact.isEmpty && compact == CompactBills())
    }
}
