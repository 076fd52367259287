import Domain
import Foundation
@testable import Ingest
import Testing

@Suite("ИнвойсБокс")
struct InvoiceboxTests {
    func text(_ day: CivilDate) throws -> String { try Fixture.sampleText(day, "invoicebox.json") }

    @Test func the26thHasOnePaymentAndIgnoresTheUnpaidOrder() throws {
        let reading = try Invoicebox.read(Fixture.sample(Fixture.day26, "invoicebox.json"), day: Fixture.day26)
        #expect(reading.recordCount == 2 && reading.ignoredCount == 1)
        #expect(reading.quarantined.isEmpty && reading.diagnostics.isEmpty)
        let payment = try #require(reading.payments.first)
        #expect(reading.payments.count == 1)
        #expect(payment.id == "invoicebox:5e2d7c41-93b8-4f0a-b6d1-2c8e4a7f9013")
        #expect(payment.source == .invoicebox)
        #expect(payment.providerOrderID == "5e2d7c41-93b8-4f0a-b6d1-2c8e4a7f9013")
        #expect(payment.merchantOrderID == "ORD-2026-000120")
        #expect(payment.amount == Money(exactString: "6583.50")!)
        #expect(payment.receivedOn == Fixture.day26)
        #expect(payment.payerINN == "5029147365")
        #expect(payment.payerName == "ООО «Кафе Берёзка»")
        #expect(payment.raw.hasPrefix("{") && payment.raw.contains("\"paidAt\": \"2026-11-26T06:45:12+03:00\""))
    }

    @Test func the27thKeepsBothOrdersWithTheSameMerchantOrderID() throws {
        let reading = try Invoicebox.read(Fixture.sample(Fixture.day27, "invoicebox.json"), day: Fixture.day27)
        #expect(reading.recordCount == 4 && reading.ignoredCount == 1)
        #expect(reading.payments.map(\.merchantOrderID) == ["ORD-2026-000123", "ORD-2026-000131", "ORD-2026-000131"])
        #expect(Set(reading.payments.map(\.id)).count == 3)
        let o123 = try #require(reading.payments.first)
        #expect(o123.providerOrderID == "0b4c5c3e-6a0f-4d52-9c39-2a1b7e0d9f11")
        #expect(o123.amount == Money(exactString: "2429.73")!)
        #expect(o123.payerINN == "7701234560")
    }

    @Test func theSameProviderOrderTwiceIsReadOnce() throws {
        let text = try text(Fixture.day26)
        let data = try #require(text.range(of: "\"data\": [\n")).upperBound
        let first = try #require(text.range(of: "\n    },\n")).lowerBound
        let order = String(text[text.index(data, offsetBy: 0)..<first]) + "\n    },\n"
        let doubled = try text.replacingOnce("\"data\": [\n", with: "\"data\": [\n" + order)
            .replacingOnce("\"totalCount\": 2", with: "\"totalCount\": 3")
        let reading = try Invoicebox.read(Array(doubled.utf8), day: Fixture.day26)
        #expect(reading.payments.count == 1)
        #expect(reading.diagnostics.map(\.kind) == ["duplicate-record"])
        // And across pages.
        let page = try Invoicebox.readPage(Fixture.sample(Fixture.day26, "invoicebox.json"), day: Fixture.day26)
        let combined = Invoicebox.combine([page, page])
        #expect(combined.payments.count == 1)
        #expect(combined.recordCount == 2)
        #expect(combined.diagnostics.filter { $0.kind == "duplicate-record" }.count == 2)
    }

    @Test func paidAtIsAMoscowDay() throws {
        // 21:30 UTC on the 26th is 00:30 on the 27th in Moscow.
        let text = try text(Fixture.day26).replacingOnce("\"paidAt\": \"2026-11-26T06:45:12+03:00\"",
                                                         with: "\"paidAt\": \"2026-11-26T21:30:00Z\"")
        #expect(try Invoicebox.read(Array(text.utf8), day: Fixture.day26).payments.isEmpty)
        let next = try Invoicebox.read(Array(text.utf8), day: Fixture.day27)
        #expect(next.payments.first?.receivedOn == Fixture.day27)
    }

    @Test func aCompletedOrderWithoutPaidAtIsQuarantined() throws {
        let text = try text(Fixture.day26).replacingOnce("\"paidAt\": \"2026-11-26T06:45:12+03:00\",", with: "")
        let reading = try Invoicebox.read(Array(text.utf8), day: Fixture.day26)
        #expect(reading.payments.isEmpty)
        let record = try #require(reading.quarantined.first)
        #expect(record.diagnostic.source == "invoicebox")
        #expect(record.diagnostic.field == "paidAt")
        #expect(record.diagnostic.record == "page 1, order 5e2d7c41-93b8-4f0a-b6d1-2c8e4a7f9013")
        #expect(record.key == "invoicebox:5e2d7c41-93b8-4f0a-b6d1-2c8e4a7f9013")
    }

    @Test func foreignCurrencyAndInexactAmountsAreQuarantined() throws {
        let euros = try text(Fixture.day26).replacingOnce("\"currencyId\": \"RUB\",\n      \"amount\": 6583.5",
                                                          with: "\"currencyId\": \"EUR\",\n      \"amount\": 6583.5")
        #expect(try Invoicebox.read(Array(euros.utf8), day: Fixture.day26).quarantined.first?.diagnostic.field == "currencyId")
        let inexact = try text(Fixture.day26).replacingOnce("\"amount\": 6583.5", with: "\"amount\": 6583.505")
        #expect(try Invoicebox.read(Array(inexact.utf8), day: Fixture.day26).quarantined.first?.diagnostic.field == "amount")
        let asString = try text(Fixture.day26).replacingOnce("\"amount\": 6583.5", with: "\"amount\": \"6583.50\"")
        #expect(try Invoicebox.read(Array(asString.utf8), day: Fixture.day26).payments.first?.amount == Money(exactString: "6583.50"))
    }

    @Test func anErrorResponseOrABrokenEnvelopeFailsTheSource() throws {
        let error = #expect(throws: SourceError.self) {
            try Invoicebox.read(Array(#"{"error": {"code": "forbidden", "message": "Access denied"}}"#.utf8), day: Fixture.day26)
        }
        #expect(error?.reason.contains("Access denied") == true)
        #expect(throws: SourceError.self) { try Invoicebox.read(Array(#"{"data": []}"#.utf8), day: Fixture.day26) }
        #expect(throws: SourceError.self) { try Invoicebox.read(Array("not json".utf8), day: Fixture.day26) }
        let short = try text(Fixture.day26).replacingOnce("\"totalCount\": 2", with: "\"totalCount\": 5")
        let missing = #expect(throws: SourceError.self) { try Invoicebox.read(Array(short.utf8), day: Fixture.day26) }
        #expect(missing?.reason.contains("2 of the 5") == true)
    }
}
