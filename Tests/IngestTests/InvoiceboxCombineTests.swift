import Domain
@testable import Ingest
import Testing

/// ИнвойсБокс's pages combined into the day's reading: taken over page by page, each payment id once.
@Suite("ИнвойсБокс's pages combined")
struct InvoiceboxCombineTests {
    static func payment(_ id: String, kopecks: Int64) -> Payment {
        Payment(id: PaymentID("invoicebox:\(id)"), source: .invoicebox, receivedOn: CivilDate(iso: "2026-11-27")!,
                amount: Money(kopecks: kopecks), payerINN: "7701234560", payerName: "ООО «Ромашка»", purpose: "Оплата \(id)",
                providerOrderID: ProviderOrderID(id), merchantOrderID: "ORD-\(id)", raw: "")
    }

    static func page(_ number: Int, _ ids: [String], places: [Int]? = nil) -> InvoiceboxPage {
        let payments = ids.enumerated().map { payment($1, kopecks: Int64(100 + $0)) }
        return InvoiceboxPage(page: number, pageSize: 100, totalCount: 0, recordCount: ids.count,
                              providerIDs: ids.map { ProviderOrderID($0) }, payments: places == nil ? payments : [],
                              quarantined: [], diagnostics: [], ignoredCount: 0,
                              kept: places.map { zip(payments, $0).map { KeptPayment(id: $0.id, place: $1) } } ?? [])
    }

    @Test("one page: its payments as they are, and a payment given twice read once (the first)")
    func onePage() {
        let plain = Invoicebox.combine([Self.page(1, ["a", "b", "c"])])
        #expect(plain.payments == Self.page(1, ["a", "b", "c"]).payments && plain.kept.isEmpty)
        #expect(plain.recordCount == 3 && plain.diagnostics.isEmpty)
        // "b" twice on the page: the first copy counts (its amount).
        var twice = Self.page(1, ["a", "b", "c"])
        twice.payments.append(Self.payment("b", kopecks: 999))
        let read = Invoicebox.combine([twice])
        #expect(read.payments.map(\.id.rawValue) == ["invoicebox:a", "invoicebox:b", "invoicebox:c"])
        #expect(read.payments[1].amount == Money(kopecks: 101))
    }

    @Test("one page kept aside: its places as they are, and a payment given twice read once with its first place")
    func onePageKept() {
        let plain = Invoicebox.combine([Self.page(1, ["a", "b", "c"], places: [7, 8, 9])])
        #expect(plain.kept.map(\.place) == [7, 8, 9] && plain.payments.isEmpty)
        #expect(plain.kept.map(\.id.rawValue) == ["invoicebox:a", "invoicebox:b", "invoicebox:c"])
        var twice = Self.page(1, ["a", "b", "c"], places: [4, 5, 6])
        twice.kept.append(KeptPayment(id: PaymentID("invoicebox:b"), place: 10))
        let read = Invoicebox.combine([twice])
        #expect(read.kept.map(\.place) == [4, 5, 6])
    }

    @Test("several pages: in page order, an order seen again read once with a warning, a repeated payment once")
    func severalPages() {
        let read = Invoicebox.combine([Self.page(1, ["a", "b"]), Self.page(2, ["b", "c"]), Self.page(3, ["d"])])
        #expect(read.payments.map(\.id.rawValue) == ["invoicebox:a", "invoicebox:b", "invoicebox:c", "invoicebox:d"])
        #expect(read.payments[1].amount == Money(kopecks: 101))
        #expect(read.recordCount == 4)
        #expect(read.diagnostics.map(\.kind) == ["duplicate-record"])
        let kept = Invoicebox.combine([Self.page(1, ["a", "b"], places: [0, 1]), Self.page(2, ["b", "c"], places: [2, 3]),
                                       Self.page(3, ["d"], places: [4])])
        #expect(kept.kept.map(\.id.rawValue) == ["invoicebox:a", "invoicebox:b", "invoicebox:c", "invoicebox:d"])
        #expect(kept.kept.map(\.place) == [0, 1, 3, 4])
        #expect(kept.diagnostics == read.diagnostics && kept.recordCount == 4)
    }
}
