import Domain
import Foundation
import GRDB
import Ledger
import Testing
import TestSupport

/// A ledger in a fresh temporary directory (a real file, WAL and all), removed afterwards.
struct TemporaryLedger {
    let directory: URL
    let ledger: Ledger

    var path: String { ledger.path }

    init(_ label: String = "ledger") throws {
        directory = try Paths.temporaryDirectory(label)
        ledger = try Ledger(path: directory.appendingPathComponent("sverka.sqlite").path)
    }

    func remove() {
        try? FileManager.default.removeItem(at: directory)
    }
}

/// The details of SQLite's `EXPLAIN QUERY PLAN` of `sql` in a fresh ledger's schema, each `?` bound to
/// a text key (`{keys}` stands for two of them).
func queryPlan(_ sql: String) throws -> [String] {
    try withLedger { ledger in
        let keyed = sql.replacingOccurrences(of: "{keys}", with: "?, ?")
        return try DatabaseQueue(path: ledger.path).read { db in
            try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + keyed, arguments: StatementArguments(
                Array(repeating: "k", count: keyed.filter { $0 == "?" }.count)))
                .map { $0["detail"] as String }
        }
    }
}

/// Runs `body` with a fresh temporary ledger and removes it afterwards.
func withLedger<T>(_ body: (Ledger) throws -> T) throws -> T {
    let temporary = try TemporaryLedger()
    defer { temporary.remove() }
    return try body(temporary.ledger)
}

enum Fixture {
    static func date(_ iso: String) -> CivilDate {
        guard let date = CivilDate(iso: iso) else { fatalError("bad test date \(iso)") }
        return date
    }

    static func time(_ text: String) -> Timestamp {
        guard let value = Timestamp(rfc3339: text) else { fatalError("bad test timestamp \(text)") }
        return value
    }

    /// A valid 10-digit ИНН from 9 digits plus the check digit.
    static func inn(_ nine: String) -> String {
        let weights = [2, 4, 10, 3, 5, 9, 4, 6, 8]
        let digits = nine.compactMap(\.wholeNumberValue)
        precondition(digits.count == 9)
        let check = zip(digits, weights).map { $0 * $1 }.reduce(0, +) % 11 % 10
        return nine + String(check)
    }

    static let innA = inn("770100001")
    static let innB = inn("500300002")

    static func party(inn: String, name: String = "ООО «Ромашка»", kpp: String? = "770101001",
                      addressText: String = "г. Москва, ул. Ленина, д. 1", edoID: String? = "2BM-7701000010-0001",
                      account: String = "40702810900000000001") -> Party {
        Party(id: CustomerID("C-\(inn)"), kind: .legal, name: name, inn: (try? INN(inn)) ?? failINN(inn), kpp: kpp,
              address: Address(regionCode: "77", region: "Москва", city: "Москва", text: addressText),
              bank: BankDetails(bik: "044525225", account: account, correspondentAccount: "30101810400000000225",
                                name: "ПАО Сбербанк"),
              email: "buh@example.ru", edoID: edoID)
    }

    private static func failINN(_ text: String) -> INN { fatalError("bad test ИНН \(text)") }

    static let warehouse = Warehouse(id: "WH-1", name: "Склад Подольск",
                                     address: Address(regionCode: "50", region: "Московская область", text: "г. Подольск"),
                                     kpp: nil)

    static func order(id: String, customer: Party? = nil, bill: String? = nil, billDate: String = "2026-03-02",
                      amount: Int64 = 1_200_00, createdAt: String = "2026-03-02T10:00:00+03:00",
                      status: OrderStatus = .shipped, shipmentID: String? = nil, quantity: Int64 = 12) -> Order {
        let shipments = shipmentID.map {
            [Shipment(id: ShipmentID($0), warehouse: warehouse, departedAt: time("2026-03-03T08:00:00+03:00"),
                      deliveredAt: nil, lines: [ShipmentLine(lineNo: 1, quantity: ExactDecimal(quantity))])]
        } ?? []
        return Order(
            id: OrderID(id), number: "N-\(id)", createdAt: time(createdAt), status: status,
            bill: Bill(number: BillNumber(bill ?? "B-\(id)"), date: date(billDate), amount: Money(kopecks: amount)),
            providerOrderID: nil, customer: customer ?? party(inn: innA), consignee: nil,
            terms: Terms(payment: .postpaid, deferralDays: 14, creditLimit: Money(rubles: 100_000)),
            lines: [OrderLine(lineNo: 1, sku: "SKU-1", name: "Молоко 3,2%", unit: MeasureUnit(okei: "796", name: "шт"),
                              quantity: ExactDecimal(quantity), price: Money(rubles: 100), vatRate: .reduced10,
                              weighed: false, mercury: false)],
            shipments: shipments, returns: [])
    }

    static func payment(id: String, amount: Int64, receivedOn: String = "2026-03-04", payerINN: String? = innA,
                        purpose: String = "Оплата по счёту") -> Payment {
        Payment(id: PaymentID(id), source: .bank1C, receivedOn: date(receivedOn), amount: Money(kopecks: amount),
                payerINN: payerINN, payerName: "ООО «Ромашка»", purpose: purpose, documentNumber: "482",
                documentDate: date(receivedOn), raw: "СекцияДокумент=Платежное поручение\nНомер=482\nСумма=\(amount)")
    }

    static func movement(id: String, inn: String = innA, date: String, kind: BalanceMovement.Kind, amount: Int64,
                         reference: String = "") -> BalanceMovement {
        BalanceMovement(id: id, customerINN: inn, date: self.date(date), kind: kind, amount: Money(kopecks: amount),
                        orderID: nil, reference: reference)
    }

    static func quarantined(key: String, message: String = "check digit is 3, expected 7") -> QuarantinedRecord {
        QuarantinedRecord(
            diagnostic: Diagnostic(kind: "quarantined", source: "orders-feed", record: "page 1, order \(key)",
                                   field: "customer.inn", message: message),
            key: key, raw: #"{"id":"\#(key)"}"#)
    }

    static func document(identity: String, number: Int?, date: String, series: String = "7701000010",
                         status: DocumentStatus = .issued, bytes: String = "<Файл/>", correction: Int = 0,
                         orderID: String = "ORD-1", shipmentID: String? = "SH-1",
                         businessDate: String = "2026-03-03") -> DocumentRecord {
        DocumentRecord(
            identity: identity, correctionNumber: correction, kind: correction == 0 ? .upd : .updCorrection,
            series: number == nil ? nil : series, number: number, date: self.date(date), orderID: OrderID(orderID),
            shipmentID: shipmentID.map { ShipmentID($0) }, customerINN: innA,
            fileName: status == .held ? nil : "ON_NSCHFDOPPR_\(identity).xml", fileID: status == .held ? nil : "ON_\(identity)",
            xml: status == .held ? nil : Data(bytes.utf8),
            totals: DocumentTotals(withoutVAT: Money(rubles: 1000), vat: Money(rubles: 100), withVAT: Money(rubles: 1100)),
            status: status, holdReason: status == .held ? "ВСД missing" : nil, businessDate: self.date(businessDate))
    }
}
