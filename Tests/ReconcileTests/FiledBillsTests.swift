import Domain
import Foundation
import PropertyBased
import Testing
import TestSupport
@testable import Job
import Ledger
@testable import Reconcile

/// The job's way of matching: the bills written to a SQLite file of their own, put in order there and
/// read from it (`MatchingFromFile`, `FiledBills`), against the bills held in memory.
@Suite("The matcher with its bills read from a file")
struct FiledBillsTests {
    /// A folder of its own for a test's file.
    static func folder() throws -> URL { try Paths.temporaryDirectory("filed-bills") }

    /// `input` with its bills given compactly and its payments from a source, as the job gives them.
    static func filed(_ input: MatchingInput) -> (MatchingInput, CountingSource) {
        var rest = input
        rest.compactBills = CompactBills(input.bills)
        rest.bills = []
        rest.payments = []
        return (rest, CountingSource(input.payments))
    }

    @Test("generated inputs: the same decisions, outcomes and messages as with the bills held")
    func sameDecisions() async throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let inputs = zip(Gen.uint64(), Gen.int(in: 0...40), Gen.int(in: 0...40))
            .map { RichScenario(seed: $0, bills: $1, payments: $2) }
        await propertyCheck(count: 150, input: inputs) { scenario in
            let held = Matcher.match(scenario.input)
            let (rest, source) = Self.filed(scenario.input)
            do {
                let read = try MatchingFromFile.match(rest, payments: source, directory: folder, block: 7)
                expectSameDecisions(read, held, "\(scenario)")
            } catch {
                Issue.record("\(scenario): \(error)")
            }
        }
        // (the file is removed after each run)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).isEmpty)
    }

    @Test("a large input, decisions only (the job's way), pins and merchant order ids looked up in the file",
          arguments: [11 as UInt64, 12])
    func largeInput(seed: UInt64) throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        var input = RichScenario(seed: seed &* 0x9E37_79B9_7F4A_7C15, bills: 3_000, payments: 2_500, pins: 60).input
        input.reportsOutcomes = false
        let held = Matcher.match(input)
        let (rest, source) = Self.filed(input)
        let read = try MatchingFromFile.match(rest, payments: source, directory: folder)
        expectSameDecisions(read, held, "seed \(seed)")
        let methods = Set(held.allocations.map(\.method))
        #expect(methods.isSuperset(of: [.pin, .provider, .reference, .innExactAmount, .innOldestFirst]), "\(methods)")
    }

    @Test("numbers that are the same text in two Unicode forms: one number, ordered by order id, found by either form")
    func unicodeForms() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let day = CivilDate(year: 2026, month: 11, day: 26)!
        func bill(_ number: String, _ order: String, inn: String = "7701234560") -> Reconcile.OpenBill {
            OpenBill(number: BillNumber(number), orderID: OrderID(order), orderNumber: order, customerINN: inn,
                     date: day, amount: Money(kopecks: 10_000))
        }
        // "Й" precomposed sorts after "И" + breve byte by byte; as one number they go by order id.
        let bills = [bill("Й-1", "ORD-1"), bill("И\u{306}-1", "ORD-2"), bill("И-1", "ORD-3"), bill("Ж-1", "ORD-4")]
        let payment = Payment(id: PaymentID("p1"), source: .bank1C, receivedOn: day, amount: Money(kopecks: 10_000),
                              payerINN: "7701234560", payerName: nil, purpose: "за товар", raw: "p1")
        let pinned = Pin(paymentID: PaymentID("p1"), billNumber: BillNumber("И\u{306}-1"), amount: nil, note: "pinned")
        let input = MatchingInput(payments: [OpenPayment(payment)], bills: bills, pins: [pinned])
        let held = Matcher.match(input)
        let (rest, source) = Self.filed(input)
        let read = try MatchingFromFile.match(rest, payments: source, directory: folder)
        expectSameDecisions(read, held, "two forms of Й")
        // Two open bills have the pinned number (in either form): the pin is rejected, naming both.
        #expect(read.exceptions.map(\.kind) == [.pinRejected])
        #expect(read.exceptions.first?.message.contains("2 open bills") == true)
    }

    @Test("a read that fails: the matcher throws it and nothing is decided")
    func failingRead() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let input = RichScenario(seed: 5, bills: 40, payments: 40).input
        let file = try BillsFile(path: folder.appendingPathComponent("bills").path)
        defer { file.remove() }
        let compact = CompactBills(input.bills)
        try file.append(compact.indices.map { MatchingFromFile.row(of: compact, at: $0) })
        try file.arrange(ordering: CanonicalBillOrder.positions)
        let (rest, source) = Self.filed(input)
        var empty = rest
        empty.compactBills = CompactBills()
        try file.read { reader in
            let bills = FiledBills(reader)
            // (a position the file does not have: the read fails, and every read after it gives nothing)
            _ = bills.number(at: input.bills.count + 5)
            #expect(bills.failure != nil)
            #expect(bills.number(at: 0).rawValue.isEmpty)
            #expect(throws: (any Error).self) { try Matcher.match(empty, bills: bills, paymentsFrom: source) }
        }
    }
}
