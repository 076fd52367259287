// `sverka-bench match`: times the matcher on deterministic synthetic data, by default one
// million payments against one million open bills (formerly `reconcile-bench`).
//
// Prints the generation and matching times, what the rules did, and the peak RSS.
import Domain
import Foundation
import Reconcile

/// Matches `count` payments against `bills` open bills (default: as many as payments).
func matchBenchmark(count: Int, billCount billOption: Int?) {
    let paymentCount = count
    let billCount = billOption ?? paymentCount
    let customerCount = max(1, billCount / 4)

    var random = SplitMix64(state: 20_261_127)
    let start = CivilDate(year: 2026, month: 10, day: 1) ?? CivilDate(daysSinceEpoch: 20_362)
    let clock = ContinuousClock()
    let generationStart = clock.now

    func inn(_ customer: Int) -> String { "77\(String(customer).leftPadded(8))" }
    func billNumber(_ index: Int) -> String { "СЧ-\(String(index).leftPadded(7))" }

    // Bills: about four per customer, spread over sixty days; one in ten through the provider.
    var bills: [OpenBill] = []
    bills.reserveCapacity(billCount)
    var billsOfCustomer: [[Int]] = Array(repeating: [], count: customerCount)
    for index in 0..<billCount {
        let customer = random.below(customerCount)
        let amount = Money(kopecks: Int64(10_000 + random.below(5_000_000)))
        let viaProvider = random.below(10) == 0
        bills.append(OpenBill(
            number: BillNumber(billNumber(index)), orderID: OrderID("ORD-\(index)"), orderNumber: String(index),
            customerINN: inn(customer), date: start.adding(days: random.below(60)), amount: amount,
            providerOrderID: viaProvider ? ProviderOrderID("ib-\(index)") : nil))
        billsOfCustomer[customer].append(index)
    }

    // Payments of every kind the rules meet.
    var payments: [OpenPayment] = []
    payments.reserveCapacity(paymentCount)
    var kinds: [String: Int] = [:]
    for index in 0..<paymentCount {
        let bill = bills[random.below(billCount)]
        let customer = Int(bill.customerINN.dropFirst(2)) ?? 0
        let day = start.adding(days: 30 + random.below(30))
        var source = Payment.Source.bank1C
        var payer: String? = bill.customerINN
        var purpose = "Оплата за продукты по договору поставки N 12 от 01.01.2026. В т.ч. НДС 22%"
        var amount = bill.amount
        var providerOrderID: ProviderOrderID?
        let roll = random.below(100)
        let kind: String
        switch roll {
        case 0..<35:
            kind = "reference"
            purpose = "Оплата по счету № \(bill.number) от \(bill.date.russian) г. Сумма \(bill.amount.rublesPart)-"
                + "\(String(bill.amount.kopecksPart).leftPadded(2)), в т.ч. НДС 22%"
        case 35..<40:
            kind = "reference, partial"
            amount = Money(kopecks: max(1, bill.amount.kopecks / 2))
            purpose = "опл. сч.\(bill.number.rawValue.dropFirst(3))"
        case 40..<60:
            kind = "ИНН, exact amount"
        case 60..<70:
            kind = "ИНН, two bills"
            let own = billsOfCustomer[customer]
            if own.count >= 2 { amount = bills[own[0]].amount + bills[own[1]].amount }
        case 70..<80:
            kind = "ИНН, any amount"
            amount = Money(kopecks: Int64(1_000 + random.below(3_000_000)))
        case 80..<90:
            kind = "provider"
            if let id = bill.providerOrderID {
                source = .invoicebox
                providerOrderID = id
                purpose = "Оплата заказа"
            }
        case 90..<95:
            kind = "unknown payer"
            payer = nil
            purpose = "Перевод денежных средств"
        default:
            kind = "unknown bill quoted"
            purpose = "Оплата по счету СЧ-9\(String(index).leftPadded(7))"
        }
        kinds[kind, default: 0] += 1
        payments.append(OpenPayment(Payment(
            id: PaymentID("bank-\(String(index).leftPadded(8))"), source: source, receivedOn: day, amount: amount,
            payerINN: payer, payerName: nil, purpose: purpose, providerOrderID: providerOrderID, raw: "")))
    }
    let generated = clock.now - generationStart

    let configuration = (try? MatchingConfiguration(writeOffLimit: Money(kopecks: 2), creditPaysLaterBills: true))
        ?? .standard
    let input = MatchingInput(payments: payments, bills: bills, configuration: configuration)
    let matchingStart = clock.now
    let cpuStart = cpuSeconds()
    let result = Matcher.match(input)
    let matched = clock.now - matchingStart
    let matchedCPU = cpuSeconds() - cpuStart

    var byMethod: [String: Int] = [:]
    for allocation in result.allocations { byMethod[allocation.method.rawValue, default: 0] += 1 }
    var byStatus: [String: Int] = [:]
    for outcome in result.payments { byStatus[outcome.status.rawValue, default: 0] += 1 }
    var byException: [String: Int] = [:]
    for exception in result.exceptions { byException[exception.kind.rawValue, default: 0] += 1 }

    print("sverka-bench match: \(paymentCount) payments, \(billCount) open bills, \(customerCount) customers")
    print("generated in \(seconds(generated) as String); payments by kind: \(kinds.sorted { $0.key < $1.key })")
    print("matching: \(seconds(matched) as String) wall, \(Int(matchedCPU * 1000)) ms CPU (user + system)")
    print("allocations: \(result.allocations.count) \(byMethod.sorted { $0.key < $1.key })")
    print("payments: \(byStatus.sorted { $0.key < $1.key }); write-offs: \(result.writeOffs.count)")
    print("exceptions: \(byException.sorted { $0.key < $1.key })")
    print("peak RSS (VmHWM): \(peakRSS())")
}
