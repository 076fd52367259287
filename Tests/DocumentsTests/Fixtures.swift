import Documents
import Domain

/// Fixed inputs modelled on the bundled sample days (docs: briefs/sample-day.md): the seller
/// ООО «Гипермаркет Онлайн», warehouses «РЦ Внуково» (own КПП) and «РЦ Лобня», customers A–C.
enum Fixture {
    static func day(_ text: String) -> CivilDate { CivilDate(iso: text)! }
    static func at(_ text: String) -> Timestamp { Timestamp(rfc3339: text)! }
    static func dec(_ text: String) -> ExactDecimal { ExactDecimal(text)! }
    static func rub(_ text: String) -> Money { Money(exactString: text)! }
    static func inn(_ leading: String) -> INN { try! INN(Requisites.innWithCheckDigits(leading)) }

    static let kg = MeasureUnit(okei: "166", name: "кг")
    static let pcs = MeasureUnit(okei: "796", name: "шт")

    static let sellerINN = inn("771469832")
    static let sellerEDO = "2BM-\(sellerINN.value)-771401001-000000000000000000001"
    static let seller = Party(
        id: "SELLER", kind: .legal, name: "ООО «Гипермаркет Онлайн»", inn: sellerINN, kpp: "771401001",
        address: Address(regionCode: "77", region: "г. Москва", postalCode: "115114", city: "Москва",
                         street: "Дербеневская наб.", house: "11", flat: "офис 402",
                         text: "115114, г. Москва, Дербеневская наб., д. 11, офис 402"),
        bank: BankDetails(bik: "044525225", account: Requisites.accountWithKey("40702810000000012345", bik: "044525225"),
                          correspondentAccount: "30101810400000000225", name: "ПАО Сбербанк"),
        edoID: sellerEDO)

    static let signer = Signer(surname: "Орлова", givenName: "Марина", patronymic: "Викторовна", position: "Генеральный директор")

    static func configuration(_ slot: VSDSlot = .stateSystem) -> DocumentsConfiguration {
        DocumentsConfiguration(seller: seller, signer: signer, vsdSlot: slot, programVersion: "sverka 1.0")
    }

    static let vnukovo = Warehouse(
        id: "WH-VNK", name: "РЦ Внуково",
        address: Address(regionCode: "50", region: "Московская обл.", postalCode: "142718", city: "Ленинский г.о.",
                         street: "пос. Внуково, Промзона", house: "7", text: "142718, Московская обл., Ленинский г.о., пос. Внуково, Промзона, 7"),
        kpp: "500345001")
    static let lobnya = Warehouse(
        id: "WH-LOB", name: "РЦ Лобня",
        address: Address(regionCode: "50", region: "Московская обл.", postalCode: "141730", city: "Лобня",
                         street: "ул. Промышленная", house: "3", text: "141730, Московская обл., г. Лобня, ул. Промышленная, д. 3"),
        kpp: nil)

    static let customerA = Party(
        id: "CUST-A", kind: .legal, name: "ООО «Ромашка»", inn: inn("502701234"), kpp: "502701001",
        address: Address(regionCode: "50", region: "Московская обл.", postalCode: "140000", city: "Люберцы",
                         street: "Октябрьский пр-т", house: "112", text: "140000, Московская обл., г. Люберцы, Октябрьский пр-т, д. 112"),
        edoID: "2BM-5027012340-502701001-000000000000000000017")
    static let customerB = Party(
        id: "CUST-B", kind: .soleTrader, name: "ИП Смирнов Алексей Петрович", inn: inn("5001007322"), kpp: nil,
        address: Address(regionCode: "50", region: "Московская обл.", postalCode: "141700", city: "Долгопрудный",
                         street: "ул. Лихачёвская", house: "4", flat: "12", text: "141700, Московская обл., г. Долгопрудный, ул. Лихачёвская, д. 4, кв. 12"))
    static let customerC = Party(
        id: "CUST-C", kind: .legal, name: "ООО \"Кафе & Бар\"", inn: inn("773101234"), kpp: "773101001",
        address: Address(regionCode: "77", region: "г. Москва", postalCode: "121170", city: "Москва",
                         street: "Кутузовский пр-т", house: "36", text: "121170, г. Москва, Кутузовский пр-т, д. 36"),
        edoID: "2LT-7731012345")

    static func order(_ number: Int, customer: Party, payment: Terms.Payment = .prepaid, billDate: CivilDate = day("2026-11-26"),
                      lines: [OrderLine], shipments: [Shipment] = [], returns: [Return] = [],
                      status: OrderStatus = .shipped) -> Order {
        let total = lines.map { LineAmounts(quantity: $0.quantity, unitPriceWithVAT: $0.price, rate: $0.vatRate).total }.sum()
        let padded = String(repeating: "0", count: 6 - String(number).count) + String(number)
        return Order(
            id: OrderID("ORD-2026-\(padded)"), number: String(number), createdAt: at("\(billDate.iso)T09:00:00+03:00"),
            status: status, bill: Bill(number: BillNumber("СЧ-\(padded)"), date: billDate, amount: total),
            providerOrderID: nil, customer: customer, consignee: nil,
            terms: Terms(payment: payment, deferralDays: payment == .postpaid ? 14 : 0, creditLimit: rub("150000.00")),
            lines: lines, shipments: shipments, returns: returns)
    }

    static let vsdCheese = "a3f1c2d4-5b6e-4f70-8a91-b2c3d4e5f601"
    static let vsdMince = "0c9e8d7f-6a5b-4c3d-9e2f-1a0b9c8d7e6f"

    /// ORD-2026-000123: weighed cheese (ordered 1.500 kg, shipped 1.436 kg, ВСД) and 12 pcs of water at 22%.
    static func order123(cheeseVSD: [String] = [vsdCheese], cheeseName: String = "Сыр «Российский» 50%, весовой") -> Order {
        order(123, customer: customerA, lines: [
            OrderLine(lineNo: 1, sku: "CHEESE-RU-50", name: cheeseName, gtin: "4607001234567", unit: kg,
                      quantity: dec("1.500"), price: rub("659.90"), vatRate: .reduced10, weighed: true, mercury: true),
            OrderLine(lineNo: 2, sku: "WATER-15", name: "Вода питьевая негазированная 1,5 л", unit: pcs,
                      quantity: dec("12"), price: rub("119.99"), vatRate: .standard22, weighed: false, mercury: false),
        ], shipments: [
            Shipment(id: "SH-8830", warehouse: vnukovo, departedAt: at("2026-11-27T06:10:00+03:00"),
                     deliveredAt: at("2026-11-27T10:40:00+03:00"),
                     lines: [ShipmentLine(lineNo: 1, quantity: dec("1.436"), vsd: cheeseVSD),
                             ShipmentLine(lineNo: 2, quantity: dec("12"))]),
        ])
    }

    static let payment123 = AppliedPayment(orderID: "ORD-2026-000123", paymentID: "invoicebox:7f6e5d4c-3b2a-4190-8f7e-6d5c4b3a2910",
                                           number: "7f6e5d4c-3b2a-4190-8f7e-6d5c4b3a2910", date: day("2026-11-27"),
                                           amount: rub("2429.73"))

    /// ORD-2026-000119: customer C, prepaid, shipment SH-8802 from Лобня.
    static func order119(reduced: Bool) -> Order {
        let lines = [
            OrderLine(lineNo: 1, sku: "COFFEE-1KG", name: "Кофе зерновой 1 кг", unit: pcs, quantity: dec("6"),
                      price: rub("1450.00"), vatRate: .standard22, weighed: false, mercury: false),
            OrderLine(lineNo: 2, sku: "SUGAR-1KG", name: "Сахар-песок 1 кг", unit: pcs, quantity: dec("10"),
                      price: rub("95.50"), vatRate: .reduced10, weighed: false, mercury: false),
        ]
        let shipment = Shipment(id: "SH-8802", warehouse: lobnya, departedAt: at("2026-11-26T15:30:00+03:00"),
                                deliveredAt: nil, lines: [ShipmentLine(lineNo: 1, quantity: dec(reduced ? "4" : "6")),
                                                          ShipmentLine(lineNo: 2, quantity: dec("10"))])
        let returns = reduced ? [Return(id: "RET-119-1", shipmentID: "SH-8802", stage: .beforeDeparture,
                                        at: at("2026-11-26T15:05:00+03:00"), reason: "Нет в наличии", lines: [ReturnLine(lineNo: 1, quantity: dec("2"))])] : []
        return order(119, customer: customerC, lines: lines, shipments: [shipment], returns: returns)
    }

    /// ORD-2026-000118: customer A, postpaid, SH-8801 from Внуково on the 26th (mince with ВСД,
    /// milk 10%, water 22%); on the 27th the customer refused 2 pcs of water after delivery.
    static func order118(withReturn: Bool) -> Order {
        let returns = withReturn ? [Return(id: "RET-118-1", shipmentID: "SH-8801", stage: .afterDelivery,
                                           at: at("2026-11-27T11:20:00+03:00"), reason: "Отказ покупателя от 2 шт.",
                                           lines: [ReturnLine(lineNo: 3, quantity: dec("2"))])] : []
        return order(118, customer: customerA, payment: .postpaid, lines: [
            OrderLine(lineNo: 1, sku: "MINCE-BEEF", name: "Фарш говяжий охл.", unit: kg, quantity: dec("2.000"),
                      price: rub("549.90"), vatRate: .reduced10, weighed: true, mercury: true),
            OrderLine(lineNo: 2, sku: "MILK-32", name: "Молоко 3,2% 1 л", unit: pcs, quantity: dec("10"),
                      price: rub("89.90"), vatRate: .reduced10, weighed: false, mercury: false),
            OrderLine(lineNo: 3, sku: "WATER-15", name: "Вода питьевая негазированная 1,5 л", unit: pcs, quantity: dec("12"),
                      price: rub("119.99"), vatRate: .standard22, weighed: false, mercury: false),
        ], shipments: [
            Shipment(id: "SH-8801", warehouse: vnukovo, departedAt: at("2026-11-26T07:40:00+03:00"),
                     deliveredAt: at("2026-11-26T12:15:00+03:00"),
                     lines: [ShipmentLine(lineNo: 1, quantity: dec("1.964"), vsd: [vsdMince]),
                             ShipmentLine(lineNo: 2, quantity: dec("10")), ShipmentLine(lineNo: 3, quantity: dec("12"))]),
        ], returns: returns)
    }

    /// ORD-2026-000124: sole trader B (no КПП, no EDO id), postpaid, two shipments (Внуково, Лобня).
    static func order124() -> Order {
        order(124, customer: customerB, payment: .postpaid, billDate: day("2026-11-27"), lines: [
            OrderLine(lineNo: 1, sku: "RICE-900", name: "Рис круглозерный 900 г", unit: pcs, quantity: dec("20"),
                      price: rub("129.90"), vatRate: .reduced10, weighed: false, mercury: false),
            OrderLine(lineNo: 2, sku: "OIL-SUN-1L", name: "Масло подсолнечное рафинированное 1 л", unit: pcs, quantity: dec("15"),
                      price: rub("164.50"), vatRate: .reduced10, weighed: false, mercury: false),
            OrderLine(lineNo: 3, sku: "NAPKIN-100", name: "Салфетки бумажные 100 шт.", unit: pcs, quantity: dec("30"),
                      price: rub("54.90"), vatRate: .standard22, weighed: false, mercury: false),
        ], shipments: [
            Shipment(id: "SH-8841", warehouse: vnukovo, departedAt: at("2026-11-27T08:00:00+03:00"), deliveredAt: nil,
                     lines: [ShipmentLine(lineNo: 1, quantity: dec("20")), ShipmentLine(lineNo: 2, quantity: dec("15"))]),
            Shipment(id: "SH-8842", warehouse: lobnya, departedAt: at("2026-11-27T09:30:00+03:00"), deliveredAt: nil,
                     lines: [ShipmentLine(lineNo: 3, quantity: dec("30"))]),
        ])
    }

    /// The УПД of SH-8801 as the ledger recorded it on the 26th.
    static func priorUPD118() -> PriorDocument {
        let order = order118(withReturn: false)
        let lines = order.shipments[0].lines.map { shipped -> DocumentLineRecord in
            let line = order.line(shipped.lineNo)!
            return DocumentLineRecord(lineNo: line.lineNo, amounts: LineAmounts(quantity: shipped.quantity, unitPriceWithVAT: line.price, rate: line.vatRate))
        }
        return PriorDocument(kind: .upd, identityKey: "UPD:SH-8801", orderID: order.id, shipmentID: "SH-8801",
                             number: "УПД-000451", date: day("2026-11-26"), status: .issued, lines: lines)
    }

    /// The УПД of SH-8802 as issued on the 26th with full quantities.
    static func priorUPD119(correction: Int = 0) -> PriorDocument {
        let order = order119(reduced: false)
        let lines = order.shipments[0].lines.map { shipped -> DocumentLineRecord in
            let line = order.line(shipped.lineNo)!
            return DocumentLineRecord(lineNo: line.lineNo, amounts: LineAmounts(quantity: shipped.quantity, unitPriceWithVAT: line.price, rate: line.vatRate))
        }
        return PriorDocument(kind: correction == 0 ? .upd : .updCorrection, identityKey: "UPD:SH-8802", orderID: order.id,
                             shipmentID: "SH-8802", number: "УПД-000452", date: day("2026-11-26"), correctionNumber: correction,
                             correctionDate: correction == 0 ? nil : day("2026-11-26"), status: .issued, lines: lines)
    }

    static func input(_ businessDay: String, orders: [Order], prior: [PriorDocument] = [], payments: [AppliedPayment] = [],
                      prepayments: [Prepayment] = [], slot: VSDSlot = .stateSystem) -> DocumentsInput {
        DocumentsInput(businessDay: day(businessDay), orders: orders, priorDocuments: prior, appliedPayments: payments,
                       prepayments: prepayments, configuration: configuration(slot))
    }
}
