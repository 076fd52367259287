import Domain
import Testing

@Suite("Payments: the payer's key and provider payouts")
struct PaymentTests {
    func payment(_ inn: String?, source: Payment.Source = .bank1C) -> Payment {
        Payment(id: "p", source: source, receivedOn: CivilDate(iso: "2026-11-27")!, amount: Money(kopecks: 100),
                payerINN: inn, payerName: nil, purpose: "", raw: "")
    }

    @Test("a placeholder of zeros or a missing ИНН is no payer; spaces are dropped")
    func payerKey() {
        #expect(payment(nil).payerKey == nil)
        #expect(payment("").payerKey == nil)
        #expect(payment("0").payerKey == nil)
        #expect(payment("0000000000").payerKey == nil)
        #expect(payment(" 7708 051171 ").payerKey == "7708051171")
        #expect(payment("7708051171").payerKey == "7708051171")
    }

    @Test("a payout is a bank payment from the provider's ИНН, nothing else")
    func payout() {
        #expect(payment("7708051171").isPayout(providerINN: "7708051171"))
        #expect(payment("7708 051171").isPayout(providerINN: "7708051171"))
        #expect(!payment("7708051171", source: .invoicebox).isPayout(providerINN: "7708051171"))
        #expect(!payment("7708051171").isPayout(providerINN: nil))
        #expect(!payment("7708051171").isPayout(providerINN: ""))
        #expect(!payment("7728451932").isPayout(providerINN: "7708051171"))
    }
}
