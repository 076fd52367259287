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
