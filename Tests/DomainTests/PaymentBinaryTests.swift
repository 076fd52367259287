import Domain
import Testing

@Suite("A payment's binary form")
struct PaymentBinaryTests {
    static let day = CivilDate(year: 2026, month: 11, day: 27)!

    static let payments: [(payment: Payment, allocations: [Allocation])] = [
        (Payment(id: PaymentID("bank-1c:40702810900000012345:2026-11-27:118"), source: .bank1C, receivedOn: day,
                 amount: Money(kopecks: 1_234_567_89), payerINN: "7701234560", payerName: "ООО «Ромашка»",
                 purpose: "Оплата по счёту № СЧ-118 от 25.11.2026, в т.ч. НДС 20 %", documentNumber: "118",
                 documentDate: day.adding(days: -2), raw: "СекцияДокумент=Платежное поручение"),
         [Allocation(paymentID: PaymentID("bank-1c:40702810900000012345:2026-11-27:118"), orderID: OrderID("ORD-118"),
                     billNumber: BillNumber("СЧ-118"), amount: Money(kopecks: 1_000_00), method: .pin),
          Allocation(paymentID: PaymentID("bank-1c:40702810900000012345:2026-11-27:118"), orderID: OrderID("ORD-119"),
                     billNumber: BillNumber("СЧ-119"), amount: Money(kopecks: 1), method: .customerCredit)]),
        (Payment(id: PaymentID("invoicebox:IB-77"), source: .invoicebox, receivedOn: day.adding(days: -40),
                 amount: Money(kopecks: -5), payerINN: nil, payerName: nil, purpose: "",
                 providerOrderID: ProviderOrderID("IB-77"), merchantOrderID: "Заказ 77", raw: ""), []),
        (Payment(id: PaymentID("bank-camt053:Ntry-1"), source: .camt053, receivedOn: CivilDate(year: 1999, month: 12, day: 31)!,
                 amount: .zero, payerINN: "", payerName: "", purpose: "😀 e\u{301}", raw: ""), []),
    ]

    static func encoded() -> [UInt8] {
        var bytes: [UInt8] = []
        for (payment, allocations) in payments { payment.appendBinary(to: &bytes, allocations: allocations) }
        return bytes
    }

    @Test("read back as written, allocations too; the record as read (raw) is not kept")
    func roundTrip() throws {
        let decoded = try Payment.decodeBinary(Self.encoded())
        #expect(decoded.count == Self.payments.count)
        for ((payment, allocations), (expected, expectedAllocations)) in zip(decoded, Self.payments) {
            var withoutRaw = expected
            withoutRaw.raw = ""
            #expect(payment == withoutRaw)
            #expect(allocations == expectedAllocations)
        }
        #expect(try Payment.decodeBinary([]).isEmpty)
    }

    @Test("written with its record: read back whole, record too; a cut inside the record is an error naming it")
    func withRecords() throws {
        var bytes: [UInt8] = []
        for (payment, allocations) in Self.payments { payment.appendBinary(to: &bytes, allocations: allocations, withRecord: true) }
        let decoded = try Payment.decodeBinary(bytes, withRecords: true)
        #expect(decoded.map(\.payment) == Self.payments.map(\.payment))
        #expect(decoded.map(\.allocations) == Self.payments.map(\.allocations))
        #expect(decoded[0].payment.raw == "СекцияДокумент=Платежное поручение")
        // The record is the last field: one byte short, the record is named.
        #expect(throws: OrderBinaryError.self) { try Payment.decodeBinary(Array(bytes.dropLast()), withRecords: true) }
        var first: [UInt8] = []
        Self.payments[0].payment.appendBinary(to: &first, allocations: Self.payments[0].allocations, withRecord: true)
        do {
            _ = try Payment.decodeBinary(Array(first.dropLast()), withRecords: true)
            Issue.record("a payment with its record cut short was read")
        } catch {
            #expect(error.description.contains("payment[0]") && error.description.contains("raw"), "\(error)")
        }
        // Read without records, bytes written with them do not pass for payments.
        #expect(throws: OrderBinaryError.self) { try Payment.decodeBinary(first) }
    }

    @Test("bytes cut short or a bad tag: an error naming the payment and the field, never a wrong payment")
    func malformed() throws {
        let bytes = Self.encoded()
        var first: [UInt8] = []
        Self.payments[0].payment.appendBinary(to: &first, allocations: Self.payments[0].allocations)
        var second: [UInt8] = []
        Self.payments[1].payment.appendBinary(to: &second)
        // Every cut inside the second or the third payment fails, naming it.
        for cut in (first.count + 1)..<bytes.count where cut != first.count + second.count {
            let named = cut < first.count + second.count ? "payment[1]" : "payment[2]"
            do {
                let decoded = try Payment.decodeBinary(Array(bytes[..<cut]))
                Issue.record("cut at \(cut): read \(decoded.count) payments")
            } catch {
                #expect(error.description.contains(named), "cut at \(cut): \(error)")
            }
        }
        let firstTwo = try Payment.decodeBinary(Array(bytes[..<(first.count + second.count)]))
        #expect(firstTwo.map(\.payment.id) == Self.payments[..<2].map(\.payment.id))
        // The source's tag byte follows the id: an unknown tag is refused.
        var badTag = first
        let idLength = Self.payments[0].payment.id.rawValue.utf8.count
        badTag[1 + idLength] = 9
        #expect(throws: OrderBinaryError.self) { try Payment.decodeBinary(badTag) }
        do {
            _ = try Payment.decodeBinary(badTag)
        } catch {
            #expect(error.description == "binary form: payment[0].source at byte \(1 + idLength): bad tag byte 9")
        }
    }
}
