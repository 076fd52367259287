import Domain
import Reports

/// A realistic business day with every section of the report populated.
enum Fixtures {
    static let day = CivilDate(year: 2026, month: 11, day: 27)!

    static let seller = ReportParty(name: "ООО «Свежие продукты»", inn: "7707083893", kpp: "770701001")

    static func money(_ text: String) -> Money { Money(exactString: text)! }

    static func allocation(_ payment: String, _ order: String, _ bill: String, _ amount: String,
                           _ method: AllocationMethod) -> Allocation {
        Allocation(paymentID: PaymentID(payment), orderID: OrderID(order), billNumber: BillNumber(bill),
                   amount: money(amount), method: method)
    }

    static let payments: [PaymentRow] = [
        PaymentRow(id: "bank-1c:482", source: .bank1C, receivedOn: day, documentNumber: "482",
                   payerName: "ООО «Ромашка»", payerINN: "7736207543", amount: money("48250.00"),
                   purpose: "Оплата по счёту № 1021 от 20.11.2026 за продукты, в т.ч. НДС 20%",
                   allocations: [allocation("bank-1c:482", "ORD-1021", "1021", "48250.00", .reference)],
                   unallocated: .zero, status: .allocated),
        PaymentRow(id: "bank-1c:483", source: .bank1C, receivedOn: day, documentNumber: "483",
                   payerName: "ИП Петров Пётр Петрович", payerINN: "500100732259", amount: money("12345.67"),
                   purpose: "Оплата за товар",
                   allocations: [allocation("bank-1c:483", "ORD-1030", "1030", "12345.67", .innExactAmount)],
                   unallocated: .zero, status: .allocated),
        PaymentRow(id: "bank-1c:484", source: .bank1C, receivedOn: day, documentNumber: "484",
                   payerName: "ООО «Вектор»", payerINN: "7710140679", amount: money("30000.00"),
                   purpose: "Оплата по счетам 1031, 1032",
                   allocations: [allocation("bank-1c:484", "ORD-1031", "1031", "17500.50", .innSubset),
                                 allocation("bank-1c:484", "ORD-1032", "1032", "12499.50", .innSubset)],
                   unallocated: .zero, status: .allocated),
        PaymentRow(id: "bank-camt053:NTRY-77", source: .camt053, receivedOn: day, documentNumber: "77",
                   payerName: "ООО «Ромашка»", payerINN: "7736207543", amount: money("60000.00"),
                   purpose: "Предоплата по договору поставки",
                   allocations: [allocation("bank-camt053:NTRY-77", "ORD-1001", "1001", "25000.00", .innOldestFirst),
                                 allocation("bank-camt053:NTRY-77", "ORD-1015", "1015", "20000.00", .innOldestFirst)],
                   unallocated: money("15000.00"), status: .credit),
        PaymentRow(id: "bank-camt053:NTRY-78", source: .camt053, receivedOn: day, documentNumber: "78",
                   payerName: "<script>alert('payer')</script> ООО «Хакер»", payerINN: "7702070139",
                   amount: money("9999.99"), purpose: "Оплата <b>счёт</b> & \"прочее\"; без номера",
                   allocations: [], unallocated: money("9999.99"), status: .unmatched),
        PaymentRow(id: "invoicebox:5b1c", source: .invoicebox, receivedOn: day, payerName: "ООО «Ромашка»",
                   payerINN: "7736207543", amount: money("7320.40"), purpose: "Заказ ORD-1040 через ИнвойсБокс",
                   allocations: [allocation("invoicebox:5b1c", "ORD-1040", "1040", "7320.40", .provider)],
                   unallocated: .zero, status: .allocated),
        PaymentRow(id: "invoicebox:7d2e", source: .invoicebox, receivedOn: day, payerName: "ООО «Вектор»",
                   payerINN: "7710140679", amount: money("5200.00"), purpose: "Заказ ORD-1041",
                   allocations: [allocation("invoicebox:7d2e", "ORD-1041", "1041", "5000.00", .provider)],
                   unallocated: money("200.00"), status: .refund),
        PaymentRow(id: "bank-1c:485", source: .bank1C, receivedOn: day, documentNumber: "485",
                   payerName: "ООО «Ромашка»", payerINN: "7736207543", amount: money("3000.00"),
                   purpose: "Частичная оплата по счёту 1050",
                   allocations: [allocation("bank-1c:485", "ORD-1050", "1050", "1800.00", .reference)],
                   unallocated: money("1200.00"), status: .partial),
        PaymentRow(id: "pin:bank-1c:470", source: .bank1C, receivedOn: day, documentNumber: "470",
                   payerName: "ООО «Берёзка»", payerINN: "7704217370", amount: money("1500.00"),
                   purpose: "Оплата по письму",
                   allocations: [allocation("pin:bank-1c:470", "ORD-990", "990", "1500.00", .pin)],
                   unallocated: .zero, status: .allocated),
    ]

    static let exceptions: [ExceptionRow] = [
        ExceptionRow(kind: .unmatchedPayment, reference: "bank-camt053:NTRY-78", amount: money("9999.99"),
                     message: "Нет счёта с такой суммой у плательщика; ИНН не найден среди покупателей",
                     candidates: [ExceptionCandidate(billNumber: "1060", orderID: "ORD-1060",
                                                     customerName: "ООО «Ромашка»", amount: money("9999.00"),
                                                     note: "сумма отличается на 0,99"),
                                  ExceptionCandidate(billNumber: "1061", orderID: "ORD-1061",
                                                     customerName: "ООО «Вектор»", amount: money("10000.00"))]),
        ExceptionRow(kind: .ambiguousProviderID, reference: "invoicebox:9f00", amount: money("2500.00"),
                     message: "merchantOrderId ORD-1070 и заказ ИнвойсБокс указывают на разные заказы",
                     candidates: [ExceptionCandidate(orderID: "ORD-1070", amount: money("2500.00")),
                                  ExceptionCandidate(orderID: "ORD-1071", amount: money("2500.00"))]),
        ExceptionRow(kind: .payoutDifference, reference: "выплата ИнвойсБокс № 3318 от 27.11.2026",
                     amount: money("-12.40"), message: "Выплата меньше суммы платежей за вычетом комиссии на 12,40"),
    ]

    static let documents: [DocumentRow] = [
        DocumentRow(kind: .upd, number: "1021", date: day, orderID: "ORD-1021", buyerName: "ООО «Ромашка»",
                    buyerINN: "7736207543", totalWithoutVAT: money("40208.33"), vat: money("8041.67"),
                    total: money("48250.00"),
                    fileName: "ON_NSCHFDOPPR_2BM-7736207543-2012_2BM-7707083893-2012_20261127_6F9619FF-8B86-D011-B42D-00C04FC964FF_0_0_0_0_0_00.xml"),
        DocumentRow(kind: .upd, number: "1030", date: day, orderID: "ORD-1030", buyerName: "ИП Петров Пётр Петрович",
                    buyerINN: "500100732259", totalWithoutVAT: money("11223.34"), vat: money("1122.33"),
                    total: money("12345.67"), fileName: "ON_NSCHFDOPPR_1030.xml", paperOnly: true),
        DocumentRow(kind: .updCorrection, number: "1015", date: day, correctionNumber: 1, orderID: "ORD-1015",
                    buyerName: "ООО «Ромашка»", buyerINN: "7736207543", totalWithoutVAT: money("16666.67"),
                    vat: money("3333.33"), total: money("20000.00"), fileName: "ON_NSCHFDOPPR_1015_1.xml"),
        DocumentRow(kind: .ukd, number: "1002-К", date: day, orderID: "ORD-1002",
                    buyerName: "<script>alert('buyer')</script>", buyerINN: "7710140679",
                    totalWithoutVAT: money("-1250.00"), vat: money("-250.00"), total: money("-1500.00"),
                    fileName: "ON_NKORSCHFDOPPR_1002-K.xml"),
        DocumentRow(kind: .advanceInvoice, number: "А-17", date: day, orderID: "ORD-1001",
                    buyerName: "ООО «Ромашка»", buyerINN: "7736207543", totalWithoutVAT: money("12500.00"),
                    vat: money("2500.00"), total: money("15000.00"), fileName: "ON_NSCHFDOPPR_A-17.xml"),
    ]

    static let held: [HeldRow] = [
        HeldRow(kind: .upd, orderID: "ORD-1045", reference: "отгрузка SHP-1045-1", buyerName: "ООО «Берёзка»",
                buyerINN: "7704217370", amount: money("8640.00"),
                reason: "Строка 2 «Говядина охлаждённая» без ВСД (ФГИС «Меркурий»)"),
    ]

    static let weighed: [WeighedRow] = [
        WeighedRow(orderID: "ORD-1021", billNumber: "1021", customerName: "ООО «Ромашка»", customerINN: "7736207543",
                   billAmount: money("48250.00"), shippedValue: money("47912.15"), treatment: .credit),
        WeighedRow(orderID: "ORD-1041", billNumber: "1041", customerName: "ООО «Вектор»", customerINN: "7710140679",
                   billAmount: money("5200.00"), shippedValue: money("5000.00"), treatment: .refund),
        WeighedRow(orderID: "ORD-1030", billNumber: "1030", customerName: "ИП Петров Пётр Петрович",
                   customerINN: "500100732259", billAmount: money("12300.00"), shippedValue: money("12345.67"),
                   treatment: .surcharge),
    ]

    static let returns: [ReturnRow] = [
        ReturnRow(orderID: "ORD-1002", returnID: "RET-1002-1", stage: .afterDelivery, date: day,
                  customerName: "ООО «Вектор»", reason: "Повреждена упаковка (3 коробки)", amount: money("1500.00"),
                  document: "УКД № 1002-К от 27.11.2026", documentFile: "ON_NKORSCHFDOPPR_1002-K.xml"),
        ReturnRow(orderID: "ORD-1021", returnID: "RET-1021-1", stage: .beforeDeparture, date: day,
                  customerName: "ООО «Ромашка»", reason: "Нет в наличии при погрузке", amount: money("1080.00")),
    ]

    static let receivables: [ReceivableRow] = [
        ReceivableRow(customerName: "ООО «Ромашка»", customerINN: "7736207543", creditLimit: money("500000.00"),
                      balance: money("185400.20"), notDue: money("120000.00"), overdue1to30: money("45400.20"),
                      overdue31to60: money("20000.00"), overdue61to90: .zero, overdueOver90: .zero),
        ReceivableRow(customerName: "ООО «Вектор»", customerINN: "7710140679", creditLimit: money("200000.00"),
                      balance: money("231500.00"), notDue: money("80000.00"), overdue1to30: money("51500.00"),
                      overdue31to60: money("40000.00"), overdue61to90: money("35000.00"),
                      overdueOver90: money("25000.00"),
                      stopListReason: "Просрочка более 90 дней: 25 000,00; превышен лимит"),
        ReceivableRow(customerName: "ИП Петров Пётр Петрович", customerINN: "500100732259", creditLimit: .zero,
                      balance: money("45.67"), notDue: money("45.67"), overdue1to30: .zero, overdue31to60: .zero,
                      overdue61to90: .zero, overdueOver90: .zero),
        ReceivableRow(customerName: "ООО «Берёзка»", customerINN: "7704217370", creditLimit: money("100000.00"),
                      balance: money("-3000.00"), notDue: .zero, overdue1to30: .zero, overdue31to60: .zero,
                      overdue61to90: .zero, overdueOver90: .zero),
        ReceivableRow(customerName: "ООО «Ландыш»", customerINN: "7725497022", creditLimit: money("150000.00"),
                      balance: money("98760.00"), notDue: money("18760.00"), overdue1to30: .zero,
                      overdue31to60: money("30000.00"), overdue61to90: money("20000.00"),
                      overdueOver90: money("30000.00"), stopListReason: "Просрочка более 90 дней"),
    ]

    static let quarantined: [QuarantinedRecord] = [
        QuarantinedRecord(
            diagnostic: Diagnostic(kind: "quarantined", source: "orders-feed", record: "page 2, order ORD-1077",
                                   field: "customer.inn", message: "check digit is 3, expected 7"),
            key: "orders-feed:ORD-1077",
            raw: #"{"id":"ORD-1077","customer":{"inn":"7736207533","name":"<img src=x onerror=alert(1)>"}}"#),
        QuarantinedRecord(
            diagnostic: Diagnostic(kind: "quarantined", source: "bank-1c", record: "line 118, document №490",
                                   field: "Сумма", message: "«12 3,45» is not an amount"),
            key: "bank-1c:line-118", raw: "СекцияДокумент=Платежное поручение\nНомер=490\nСумма=12 3,45"),
    ]

    static let sources: [SourceSummary] = [
        SourceSummary(source: "orders-feed", origin: "https://shop.example/api/b2b/orders?since=2026-11-26",
                      state: .partial, recordsRead: 58, recordsQuarantined: 1),
        SourceSummary(source: "bank-1c", origin: "kl_to_1c_27112026.txt", state: .partial, recordsRead: 6,
                      recordsQuarantined: 1),
        SourceSummary(source: "bank-camt053", origin: "camt053_20261127.xml", state: .ok, recordsRead: 2),
        SourceSummary(source: "invoicebox", origin: "ИнвойсБокс API", state: .ok, recordsRead: 2),
    ]

    static var input: DayReportInput {
        DayReportInput(
            businessDate: day,
            generatedAt: Timestamp(rfc3339: "2026-11-28T03:12:40+03:00"),
            seller: seller, sources: sources, payments: payments, exceptions: exceptions, documents: documents,
            held: held, weighedCorrections: weighed, returns: returns, receivables: receivables,
            quarantined: quarantined,
            runStatus: RunStatus(outcome: .completedWithProblems,
                                 startedAt: Timestamp(rfc3339: "2026-11-28T03:00:00+03:00"),
                                 finishedAt: Timestamp(rfc3339: "2026-11-28T03:12:40+03:00"),
                                 notes: ["Две записи в карантине: заказ ORD-1077 и строка 118 выписки 1С."]))
    }

    /// An empty day: nothing came in.
    static var emptyInput: DayReportInput {
        DayReportInput(businessDate: day, seller: seller, runStatus: RunStatus(outcome: .completed))
    }
}
