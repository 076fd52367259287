import Domain
@testable import Reconcile

/// Builders for readable scenarios.
enum Fixture {
    static let romashka = "7701234560"
    static let vasilek = "7702345671"
    static let provider = "7709876543"

    static func day(_ day: Int, month: Int = 11) -> CivilDate {
        CivilDate(year: 2026, month: month, day: day) ?? CivilDate(daysSinceEpoch: 0)
    }

    static func rub(_ text: String) -> Money { Money(lenientString: text) ?? .zero }

    static func bill(_ number: String, customer: String = romashka, amount: String, day: Int = 20,
                     allocated: String = "0", order: String? = nil, orderNumber: String? = nil,
                     provider: String? = nil) -> OpenBill {
        OpenBill(number: BillNumber(number), orderID: OrderID(order ?? "ORD-\(number)"),
                 orderNumber: orderNumber ?? number, customerINN: customer, date: Fixture.day(day),
                 amount: rub(amount), allocated: rub(allocated), providerOrderID: provider.map { ProviderOrderID($0) })
    }

    static func payment(_ id: String, amount: String, payer: String? = romashka, purpose: String = "", day: Int = 27,
                        source: Payment.Source = .bank1C, providerOrderID: String? = nil,
                        merchantOrderID: String? = nil) -> Payment {
        Payment(id: PaymentID(id), source: source, receivedOn: Fixture.day(day), amount: rub(amount), payerINN: payer,
                payerName: payer.map { "payer \($0)" }, purpose: purpose,
                providerOrderID: providerOrderID.map { ProviderOrderID($0) }, merchantOrderID: merchantOrderID,
                raw: "raw \(id)")
    }

    static func run(_ payments: [Payment], _ bills: [OpenBill], pins: [Pin] = [], known: Set<String> = [],
                    configuration: MatchingConfiguration = .standard) -> MatchingResult {
        Matcher.match(MatchingInput(payments: payments.map { OpenPayment($0) }, bills: bills, pins: pins,
                                    knownCustomerINNs: known, configuration: configuration))
    }

    static func config(writeOff kopecks: Int64 = 0, credit: Bool = false, provider: String? = nil)
        -> MatchingConfiguration {
        (try? MatchingConfiguration(writeOffLimit: Money(kopecks: kopecks), creditPaysLaterBills: credit,
                                    providerINN: provider)) ?? .standard
    }
}

extension MatchingResult {
    /// `payment→bill amount method` lines, for compact expectations.
    var summary: [String] {
        allocations.map { "\($0.paymentID)→\($0.billNumber) \($0.amount) \($0.method.rawValue)" }
    }

    func outcome(_ id: String) -> PaymentOutcome? { payments.first { $0.paymentID == PaymentID(id) } }
    func bill(_ number: String) -> BillOutcome? { bills.first { $0.billNumber == BillNumber(number) } }
    func exceptions(_ kind: ReconcileException.Kind) -> [ReconcileException] { exceptions.filter { $0.kind == kind } }
}
