import Domain
import Foundation
@testable import Job
import Reconcile
import Testing

/// The day's payments and the matcher's kept in files (`SpilledPayments`), and the matcher reading
/// its payments from one a window at a time.
@Suite("Payments kept in a file")
struct SpilledPaymentsTests {
    static let day = CivilDate(iso: "2026-11-27")!
    static let inns = ["7701234560", "7707083893", "500100732259"]

    /// 500 payments in no particular order (ids whose byte order is not their numbers' order, three
    /// days, three sources, some with earlier allocations, one id given twice), and the bills they quote.
    static func input() -> MatchingInput {
        var payments: [OpenPayment] = []
        var bills: [OpenBill] = []
        for number in (0..<500).map({ ($0 * 7_919) % 500 }) {
            let inn = inns[number % inns.count]
            let bill = BillNumber("СЧ-\(number)")
            let kopecks = Int64(1_000_00 + (number % 37) * 1_13)
            bills.append(OpenBill(number: bill, orderID: OrderID("ORD-\(number)"), orderNumber: "\(number)", customerINN: inn,
                                  date: day.adding(days: -(number % 5)), amount: Money(kopecks: kopecks)))
            let source: Payment.Source = [.bank1C, .camt053, .invoicebox][number % 3]
            let payment = Payment(
                id: PaymentID("\(source.rawValue):\(number)"), source: source, receivedOn: day.adding(days: -(number % 3)),
                amount: Money(kopecks: kopecks - Int64(number % 4) * 50_00), payerINN: number % 11 == 0 ? nil : inn,
                payerName: "ООО «Плательщик \(number)»",
                purpose: number % 6 == 0 ? "Оплата по договору" : "Оплата по счёту \(bill.rawValue), в т.ч. НДС",
                documentNumber: source == .invoicebox ? nil : "\(number)", documentDate: source == .invoicebox ? nil : day,
                merchantOrderID: source == .invoicebox ? "\(number)" : nil, raw: "")
            let earlier = number % 50 == 0
                ? [Allocation(paymentID: payment.id, orderID: OrderID("ORD-\(number)"), billNumber: bill,
                              amount: Money(kopecks: 10_00), method: .reference)]
                : []
            payments.append(OpenPayment(payment, existingAllocations: earlier))
        }
        payments.append(payments[17]) // (the same payment twice)
        return MatchingInput(payments: payments, bills: bills, knownCustomerINNs: Set(inns),
                             configuration: .standard, reportsOutcomes: true)
    }

    static func folder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("sverka-payments-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test("appended in blocks, read back by range and by scattered positions exactly as appended; arranged in any order")
    func roundTrip() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let payments = Self.input().payments
        let spilled = try SpilledPayments(directory: folder, name: "payments", contents: "day's payments")
        try spilled.append(payments[..<1])
        try spilled.append([OpenPayment]())
        try spilled.append(payments[1...])
        #expect(spilled.count == payments.count)
        #expect(try spilled.payments(in: 0..<payments.count) == payments)
        let scattered = [400, 3, 4, 5, 0, 499, 500, 250]
        #expect(try spilled.payments(at: scattered) == scattered.map { payments[$0] })
        // Nothing shows in the folder: the files are unlinked at once.
        let order = (0..<payments.count).reversed().map { Int32($0) }
        let arranged = try #require(try spilled.arranged(in: order))
        #expect(arranged.count == payments.count)
        #expect(try arranged.payments(at: Array(0..<payments.count)) == payments.reversed())
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).isEmpty)
        #expect(throws: OrderSpillError.self) { try spilled.payments(in: 500..<502) }
        try spilled.removeAll()
        #expect(spilled.count == 0)
    }

    @Test("the day's payments reach the matcher with the day's own ids: its allocations share them, in any order")
    func sharedIDs() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let input = Self.input()
        let spilled = try SpilledPayments(directory: folder, name: "matcher-payments", contents: "matcher's payments")
        try spilled.append(input.payments)
        // The first 300 are "the day's" (held ids, made anew so they are not the input's), the rest earlier ones.
        let held = input.payments.prefix(300).map { PaymentID(String(decoding: Array($0.payment.id.rawValue.utf8), as: UTF8.self)) }
        let places = input.payments.indices.map { Int32($0 < 300 ? $0 : -1) }
        let source = SharedPaymentIDs(base: spilled, dayPlaces: places, ids: held)
        func storage(_ id: PaymentID) -> UnsafePointer<UInt8>? {
            id.rawValue.utf8.withContiguousStorageIfAvailable { $0.baseAddress } ?? nil
        }
        // (Only an id of over 15 bytes has storage of its own to share: a shorter one is kept inline.)
        let long = held.indices.filter { held[$0].rawValue.utf8.count > 15 }
        let first = try #require(long.first)
        let other = try #require(long.last)
        let read = try source.payments(at: [first, 420, other])
        #expect(read.map(\.payment) == [first, 420, other].map { input.payments[$0].payment })
        #expect(storage(read[0].payment.id) == storage(held[first]) && storage(read[2].payment.id) == storage(held[other]))
        let arranged = try #require(try source.arranged(in: input.payments.indices.reversed().map { Int32($0) }))
        let last = try arranged.payments(at: [input.payments.count - 1 - first])
        #expect(storage(last[0].payment.id) == storage(held[first]))
        var rest = input
        rest.payments = []
        let result = try Matcher.match(rest, paymentsFrom: source, window: 64)
        let expected = Matcher.match(input)
        #expect(result.allocations == expected.allocations)
        let heldStorage = Set(long.compactMap { storage(held[$0]) })
        let longIDs = Set(long.map { held[$0] })
        let day = result.allocations.filter { allocation in longIDs.contains(allocation.paymentID) }
        #expect(!day.isEmpty && day.allSatisfy { storage($0.paymentID).map(heldStorage.contains) ?? false })
    }

    @Test("the matcher reading its payments from the file decides as with them all held, for any window")
    func matcherFromFile() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let input = Self.input()
        let held = Matcher.match(input)
        #expect(held.allocations.count > 300)
        #expect(held.exceptions.contains { $0.kind == .duplicatePayment })
        for window in [1, 7, 4_096] {
            let spilled = try SpilledPayments(directory: folder, name: "matcher-payments", contents: "matcher's payments")
            try spilled.append(input.payments)
            var rest = input
            rest.payments = []
            let read = try Matcher.match(rest, paymentsFrom: spilled, window: window)
            #expect(read.allocations == held.allocations, "window \(window)")
            #expect(read.writeOffs == held.writeOffs, "window \(window)")
            #expect(read.payments == held.payments, "window \(window)")
            #expect(read.bills == held.bills, "window \(window)")
            #expect(read.exceptions.map(\.message) == held.exceptions.map(\.message), "window \(window)")
        }
    }
}
