import Documents
import Domain
import Foundation
import Generator
@testable import Job
import Testing
import TestSupport

/// The day's documents are planned a block of orders at a time and each window planned again
/// (`BlockPlanning`): the documents, their order and the holds must be those of one plan of the day.
@Suite("Block planning")
struct BlockPlanningTests {
    static let day = CivilDate(iso: "2026-11-27")!

    static var configuration: DocumentsConfiguration {
        let address = Address(regionCode: "77", region: "г. Москва", postalCode: "115114", city: "Москва",
                              street: "Дербеневская наб.", house: "11", text: "115114, г. Москва, Дербеневская наб., д. 11")
        let seller = Party(id: "SELLER", kind: .legal, name: "ООО «Гипермаркет Онлайн»",
                           inn: try! INN(Requisites.innWithCheckDigits("771469832")), kpp: "771401001", address: address,
                           edoID: "2BM-7714698320-771401001-000000000000000000001")
        let signer = Signer(surname: "Орлова", givenName: "Марина", patronymic: "Викторовна", position: "Генеральный директор")
        return DocumentsConfiguration(seller: seller, signer: signer, programVersion: "sverka 1.0")
    }

    /// The planning of `orders` with `applied`, held in memory or kept in a file in `folder` (a group an
    /// order position, as the day's write keeps them).
    static func planning(_ orders: [Order], applied: [AppliedPayment], keptIn folder: URL?) throws -> BlockPlanning {
        guard let folder else {
            return BlockPlanning(day: day, orders: orders, prior: [], applied: applied, configuration: configuration)
        }
        let dayOrders = DayOrders(orders)
        let file = try SpilledApplied(directory: folder)
        var groups = Array(repeating: [AppliedPayment](), count: orders.count)
        for payment in applied {
            if let position = dayOrders.position(of: payment.orderID) { groups[position].append(payment) }
        }
        for range in dayOrders.blocks(of: 700) { try file.append(Array(groups[range])) }
        #expect(file.count == orders.count)
        // (Read back at scattered positions, empty groups too, exactly as kept.)
        let scattered = [orders.count - 1, 3, 4, 0, 1_500, 2]
        #expect(try file.groups(at: scattered) == scattered.map { groups[$0] })
        return BlockPlanning(day: day, orders: dayOrders, prior: [], applied: .kept(file), configuration: configuration)
    }

    @Test("blocks and windows give the whole plan's documents, in its order, and its holds in its order (applied payments held, or in a file)",
          arguments: [false, true])
    func sameAsOnePlan(inFile: Bool) throws {
        let folder = inFile ? try Paths.temporaryDirectory("sverka-planning") : nil
        defer { folder.map { try? FileManager.default.removeItem(at: $0) } }
        // More orders than one block, so that planning takes several blocks and windows.
        let orders = Generator.orders(day: Self.day, count: BlockPlanning.block * 2 + 300, seed: 7)
        // A prepayment for every prepaid order, received in an order unlike the orders' ids (advances and their holds).
        var prepayments: [Prepayment] = []
        for (index, order) in orders.enumerated() where order.terms.payment == .prepaid {
            prepayments.append(Prepayment(paymentID: PaymentID("pay-\((index * 7919) % 10_007)"), orderID: order.id,
                                          number: "\(index)", receivedOn: Self.day.adding(days: -(index % 5)),
                                          amount: order.bill.amount))
        }
        let applied = prepayments.map {
            AppliedPayment(orderID: $0.orderID, paymentID: $0.paymentID, number: $0.number, date: $0.receivedOn, amount: $0.amount)
        }
        let whole = DocumentPlanner.plan(DocumentsInput(
            businessDay: Self.day, orders: orders, appliedPayments: applied, prepayments: prepayments,
            configuration: Self.configuration))
        #expect(whole.documents.count > BlockPlanning.block)
        #expect(!whole.holds.isEmpty)

        // (The planning is given no prepayments: each prepaid order's applied payments are its prepayments,
        // here exactly those the whole plan was given.)
        let planning = try Self.planning(orders, applied: applied, keptIn: folder)
        let (keys, holds) = try planning.keysAndHolds()
        #expect(holds == whole.holds)
        let order: (BlockPlanning.Key, BlockPlanning.Key) -> Bool = {
            ($0.date, $0.identityKey, $0.correctionNumber) < ($1.date, $1.identityKey, $1.correctionNumber)
        }
        let sortedKeys = keys.sorted(by: order)
        var windowed: [PlannedDocument] = []
        var start = 0
        while start < sortedKeys.count {
            let window = Array(sortedKeys[start..<min(sortedKeys.count, start + 500)])
            start += window.count
            windowed += try planning.documents(for: window).documents
        }
        let expected = whole.documents.sorted {
            ($0.date, $0.identityKey, $0.correctionNumber) < ($1.date, $1.identityKey, $1.correctionNumber)
        }
        #expect(windowed == expected)

        // Payments applied three weeks ago, to prepaid orders and to postpaid ones: those of the prepaid
        // orders are prepayments the goods did not cover in time (advance invoices), the others are not.
        let early = Self.day.adding(days: -20)
        let earlyApplied = orders.prefix(120).enumerated().map { index, order in
            AppliedPayment(orderID: order.id, paymentID: PaymentID("early-\(index)"), number: "\(index)", date: early,
                           amount: Money(kopecks: 100_000))
        }
        let earlyPrepayments = earlyApplied.filter { applied in
            orders.first { $0.id == applied.orderID }?.terms.payment == .prepaid
        }.map(Prepayment.init(applied:))
        #expect(!earlyPrepayments.isEmpty && earlyPrepayments.count < earlyApplied.count)
        let withEarly = try Self.planning(orders, applied: applied + earlyApplied, keptIn: folder)
        let explicit = DocumentPlanner.plan(DocumentsInput(
            businessDay: Self.day, orders: orders, appliedPayments: applied + earlyApplied,
            prepayments: prepayments + earlyPrepayments, configuration: Self.configuration))
        let (earlyKeys, earlyHolds) = try withEarly.keysAndHolds()
        #expect(earlyHolds == explicit.holds)
        #expect(earlyKeys.map(\.identityKey).sorted() == explicit.documents.map(\.identityKey).sorted())
        let advances = Set(earlyKeys.map(\.identityKey).filter { $0.hasPrefix("ADV:early-") })
        // (Not every one: a cancelled order has none.)
        #expect(advances.count > earlyPrepayments.count / 2)
        #expect(advances.isSubset(of: earlyPrepayments.map { DocumentPlanner.advanceKey(payment: $0.paymentID, order: $0.orderID) }))
    }
}
