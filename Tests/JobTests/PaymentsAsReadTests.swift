import Domain
import Foundation
import Ingest
@testable import Job
import Testing

/// The payments the sources' readers keep aside as they read (`PaymentsAsRead`), read back by place.
@Suite("Payments kept aside as read")
struct PaymentsAsReadTests {
    static func payment(_ number: Int, source: Payment.Source) -> Payment {
        Payment(id: PaymentID("\(source.rawValue):\(number)"), source: source, receivedOn: CivilDate(iso: "2026-11-27")!,
                amount: Money(kopecks: Int64(number) * 1_01), payerINN: number % 5 == 0 ? nil : "7701234560",
                payerName: "ООО «Плательщик \(number)»", purpose: "Оплата по счёту СЧ-\(number), в т.ч. НДС",
                documentNumber: source == .invoicebox ? nil : "\(number)",
                providerOrderID: source == .invoicebox ? ProviderOrderID("IB-\(number)") : nil,
                raw: number % 7 == 0 ? "" : "СекцияДокумент=Платежное поручение\r\nНомер=\(number)\r\nКонецДокумента")
    }

    @Test("two readers keeping at once: each payment back whole, record too, by its place, in any order asked")
    func interleaved() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sverka-as-read-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let kept = try PaymentsAsRead(directory: folder, name: "payments-read")
        // Two readers at once, as ingest's are: their places interleave.
        async let bank = Task.detached {
            try (0..<700).map { number in
                let payment = Self.payment(number, source: .bank1C)
                return (payment, try kept.keep(payment))
            }
        }.value
        async let provider = Task.detached {
            try (0..<300).map { number in
                let payment = Self.payment(number, source: .invoicebox)
                return (payment, try kept.keep(payment))
            }
        }.value
        let (banks, providers) = try await (bank, provider)
        #expect(kept.count == 1_000)
        #expect(Set((banks + providers).map(\.1)) == Set(0..<1_000))
        // The merged order: the provider's, then the bank's (rising places with gaps), then a few falling and far apart.
        let order = providers + banks + [banks[3], providers[299], banks[0], banks[0]]
        #expect(try kept.payments(at: order.map(\.1)) == order.map(\.0))
        for span in [1, 2, 1_000] {
            #expect(try kept.payments(at: order.map(\.1), span: span) == order.map(\.0), "span \(span)")
        }
        #expect(try kept.payments(at: []).isEmpty)
        // Nothing shows in the folder, and a place it never gave is an error naming the file's contents.
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).isEmpty)
        let error = #expect(throws: OrderSpillError.self) { try kept.payments(at: [998, 999, 1_000]) }
        #expect(error?.reason.contains("payments as read") == true, "\(String(describing: error))")
    }
}
