import Documents
import Domain
import Foundation
import Testing
import TestSupport
import XML

@Suite("Rendering")
struct RenderingTests {
    typealias F = Fixture

    func single(_ input: DocumentsInput, number: String = "N-1") throws -> RenderedDocument {
        let day = try Render.day(input, numbers: [number])
        #expect(day.held.isEmpty, "\(day.held)")
        #expect(day.emitted.count == 1)
        return try #require(day.emitted.first)
    }

    func parse(_ document: RenderedDocument) throws -> XDocument {
        try XDocument(bytes: document.xml, fileName: document.fileName)
    }

    // MARK: Golden files

    @Test("УПД golden: weighed cheese with ВСД, water at 22%, prepaid through the provider")
    func updGolden() throws {
        let document = try single(F.input("2026-11-27", orders: [F.order123()], payments: [F.payment123]), number: "УПД-000460")
        try Render.expectSchemaValid(document)
        try Golden.check(document.xml, named: "upd.xml")
        #expect(document.printForm == nil)
        #expect(document.fileName.hasPrefix("ON_NSCHFDOPPR_\(F.customerA.edoID!)_\(F.sellerEDO)_20261127_"))
        #expect(document.fileName.hasSuffix("_0_0_0_0_0_00.xml"))
    }

    @Test("corrected УПД golden: same number and date, ИспрДок 1 dated the business day")
    func correctedGolden() throws {
        let document = try single(F.input("2026-11-27", orders: [F.order119(reduced: true)], prior: [F.priorUPD119()]))
        #expect(document.number == "УПД-000452")
        try Render.expectSchemaValid(document)
        try Golden.check(document.xml, named: "upd-correction.xml")
        let xml = try parse(document)
        #expect(try xml.string(xpath: "/child::Файл/Документ/СвСчФакт/@НомерДок") == "УПД-000452")
        #expect(try xml.string(xpath: "/child::Файл/Документ/СвСчФакт/@ДатаДок") == "26.11.2026")
        #expect(try xml.string(xpath: "/child::Файл/Документ/СвСчФакт/ИспрДок/@НомИспр") == "1")
        #expect(try xml.string(xpath: "/child::Файл/Документ/СвСчФакт/ИспрДок/@ДатаИспр") == "27.11.2026")
        #expect(try xml.string(xpath: "/child::Файл/Документ/ТаблСчФакт/СведТов[1]/@КолТов") == "4")
    }

    @Test("УКД golden: before, after and decrease per line, ВсегоУм")
    func ukdGolden() throws {
        let document = try single(F.input("2026-11-27", orders: [F.order118(withReturn: true)], prior: [F.priorUPD118()]),
                                  number: "УКД-000012")
        try Render.expectSchemaValid(document)
        try Golden.check(document.xml, named: "ukd.xml")
        #expect(document.fileName.hasPrefix("ON_NKORSCHFDOPPR_"))
        let xml = try parse(document)
        let line = "/child::Файл/Документ/ТаблКСчФ/СведТов[1]"
        #expect(try xml.string(xpath: "\(line)/@КолТовДо") == "12")
        #expect(try xml.string(xpath: "\(line)/@КолТовПосле") == "10")
        #expect(try xml.string(xpath: "\(line)/СтТовУчНал/@СтоимДоИзм") == "1439.88")
        #expect(try xml.string(xpath: "\(line)/СтТовУчНал/@СтоимПослеИзм") == "1199.90")
        #expect(try xml.string(xpath: "\(line)/СтТовУчНал/@СтоимУм") == "239.98")
        #expect(try xml.string(xpath: "/child::Файл/Документ/ТаблКСчФ/ВсегоУм/@СтТовУчНалВсего") == "239.98")
        #expect(try xml.string(xpath: "/child::Файл/Документ/СвКСчФ/СчФ/@НомерСчФ") == "УПД-000451")
        #expect(try xml.string(xpath: "/child::Файл/Документ/СвКСчФ/@ДатаКСчФ") == "27.11.2026")
    }

    @Test("advance invoice golden: СЧФ, СпОбстФСЧФ=2, calculated rates, across a quarter end")
    func advanceGolden() throws {
        var order = F.order119(reduced: false)
        order.shipments = []
        let prepayment = Prepayment(paymentID: "bank-1c:2026-12-29:311", orderID: order.id, number: "311",
                                    receivedOn: F.day("2026-12-29"), amount: F.rub("5000.00"))
        let document = try single(F.input("2026-12-31", orders: [order], prepayments: [prepayment]), number: "АВ-000007")
        try Render.expectSchemaValid(document)
        try Golden.check(document.xml, named: "advance-invoice.xml")
        let xml = try parse(document)
        #expect(try xml.string(xpath: "/child::Файл/Документ/@Функция") == "СЧФ")
        #expect(try xml.nodes(xpath: "/child::Файл/Документ/@НаимДокОпр").isEmpty)
        #expect(try xml.string(xpath: "/child::Файл/Документ/СвСчФакт/ДопСвФХЖ1/@СпОбстФСЧФ") == "2")
        #expect(try xml.string(xpath: "/child::Файл/Документ/СвСчФакт/@ДатаДок") == "31.12.2026")
        #expect(try xml.nodes(xpath: "/child::Файл/Документ/ТаблСчФакт/СведТов/@НалСт").map(\.text) == ["22/122", "10/110"])
    }

    @Test("paper-only buyer: same document flagged paperOnly, placeholder recipient, HTML print form golden")
    func paperOnly() throws {
        let day = try Render.day(F.input("2026-11-27", orders: [F.order124()]), numbers: ["УПД-000470", "УПД-000471"])
        #expect(day.held.isEmpty, "\(day.held)")
        #expect(day.emitted.count == 2)
        for document in day.emitted {
            #expect(document.paperOnly)
            #expect(document.fileName.hasPrefix("ON_NSCHFDOPPR_PAPER-\(F.customerB.inn.value)_"))
            try Render.expectSchemaValid(document)
        }
        let first = day.emitted[0]
        let html = try #require(first.printForm)
        try Golden.check(Array(html.utf8), named: "upd-print.html")
        #expect(html.contains("@page { size: A4 landscape"))
        #expect(html.contains("ИП Смирнов Алексей Петрович"))
        #expect(html.contains("500345001"))
        let xml = try parse(first)
        #expect(try xml.string(xpath: "/child::Файл/Документ/СвСчФакт/СвПокуп/ИдСв/СвИП/ФИО/@Фамилия") == "Смирнов")
        #expect(try xml.nodes(xpath: "/child::Файл/Документ/СвСчФакт/СвПокуп/ИдСв/СвИП/@КПП").isEmpty)
        #expect(try xml.string(xpath: "/child::Файл/Документ/СвСчФакт/ГрузОт/ГрузОтпр/ИдСв/СвЮЛУч/@КПП") == "500345001")
        let second = try parse(day.emitted[1])
        #expect(try second.string(xpath: "/child::Файл/Документ/СвСчФакт/ГрузОт/ГрузОтпр/ИдСв/СвЮЛУч/@КПП") == "771401001")
    }

    // MARK: Scenarios

    @Test("a product name with &, quotes, <script> and an emoji round-trips; the print form shows it as text")
    func escaping() throws {
        let name = "Сыр \"Пармезан\" & Co <script>alert('x')</script> 🧀"
        var order = F.order123(cheeseName: name)
        order.customer = F.customerB
        let document = try single(F.input("2026-11-27", orders: [order]))
        let text = Render.text(document.xml)
        #expect(text.contains("&amp; Co &lt;script&gt;"))
        #expect(text.contains("&#129472;"))
        let xml = try parse(document)
        #expect(try xml.string(xpath: "/child::Файл/Документ/ТаблСчФакт/СведТов[1]/@НаимТов") == name)
        let html = try #require(document.printForm)
        #expect(!html.contains("<script>"))
        #expect(html.contains("Сыр &quot;Пармезан&quot; &amp; Co &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; 🧀"))
        try Render.expectSchemaValid(document)
    }

    static let rateCases: [(VATRate, String, String, String?)] = [
        (.standard22, "2026-11-27", "22%", "21.64"),
        (.reduced10, "2026-11-27", "10%", "10.91"),
        (.zero, "2026-11-27", "0%", "0.00"),
        (.exempt, "2026-11-27", "без НДС", nil),
        (.standard20, "2025-11-27", "20%", "20.00"),
    ]

    @Test("each VAT rate renders, validates and satisfies the rules", arguments: 0..<5)
    func rates(index: Int) throws {
        let (rate, date, code, vat) = Self.rateCases[index]
        let order = rateOrder(rate: rate, date: date)
        let document = try single(F.input(date, orders: [order]))
        try Render.expectSchemaValid(document)
        let xml = try parse(document)
        #expect(try xml.string(xpath: "/child::Файл/Документ/ТаблСчФакт/СведТов/@НалСт") == code)
        if let vat {
            #expect(try xml.string(xpath: "/child::Файл/Документ/ТаблСчФакт/СведТов/СумНал/СумНал") == vat)
        } else {
            #expect(try xml.string(xpath: "/child::Файл/Документ/ТаблСчФакт/СведТов/СумНал/БезНДС") == "без НДС")
            #expect(try xml.string(xpath: "/child::Файл/Документ/ТаблСчФакт/ВсегоОпл/СумНалВсего/БезНДС") == "без НДС")
        }
    }

    @Test("22% on a 2025 document is held by the VAT-RATE-DATE rule")
    func rate22In2025() throws {
        let day = try Render.day(F.input("2025-11-27", orders: [rateOrder(rate: .standard22, date: "2025-11-27")]))
        #expect(day.emitted.isEmpty)
        let hold = try #require(day.held.first)
        #expect(hold.reasons.contains { $0.hasPrefix("[VAT-RATE-DATE]") && $0.contains("01.01.2026") })
    }

    func rateOrder(rate: VATRate, date: String) -> Order {
        F.order(200, customer: F.customerA, billDate: F.day(date), lines: [
            OrderLine(lineNo: 1, sku: "TEST", name: "Товар по ставке \(rate)", unit: F.pcs, quantity: F.dec("1"),
                      price: F.rub("120.00"), vatRate: rate, weighed: false, mercury: false),
        ], shipments: [
            Shipment(id: "SH-R", warehouse: F.lobnya, departedAt: F.at("\(date)T10:00:00+03:00"), deliveredAt: nil,
                     lines: [ShipmentLine(lineNo: 1, quantity: F.dec("1"))]),
        ])
    }

    @Test("ВСД slots: СвГосСист (default), СопрДокТов, ИнфПолФХЖ2", arguments: VSDSlot.allCases)
    func vsdSlots(slot: VSDSlot) throws {
        let document = try single(F.input("2026-11-27", orders: [F.order123()], slot: slot))
        try Render.expectSchemaValid(document)
        let xml = try parse(document)
        let line = "/child::Файл/Документ/ТаблСчФакт/СведТов[1]"
        let path: String
        switch slot {
        case .stateSystem: path = "\(line)/ДопСведТов/СвГосСист[@НаимГосСист='ФГИС «Меркурий»']/ИдНомУчетЕд"
        case .accompanyingDocument: path = "\(line)/ДопСведТов/СопрДокТов[@РеквНаимДок='ВСД']/@РеквНомерДок"
        case .textInfo: path = "\(line)/ИнфПолФХЖ2[@Идентиф='ВСД']/@Значен"
        }
        #expect(try xml.string(xpath: path) == F.vsdCheese)
    }

    @Test("a rerun regenerates byte-identical files and names")
    func rerun() throws {
        let input = F.input("2026-11-27", orders: [F.order124(), F.order123(), F.order118(withReturn: true), F.order119(reduced: true)],
                            prior: [F.priorUPD118(), F.priorUPD119()], payments: [F.payment123])
        let first = try Render.day(input)
        let second = try Render.day(input)
        #expect(first.emitted.count == 5)
        #expect(first.emitted == second.emitted)
        #expect(first.emitted.map(\.fileName) == second.emitted.map(\.fileName))
        #expect(Set(first.emitted.map(\.fileName)).count == first.emitted.count)
    }

    @Test("a correction's file name differs from its original's (GUID of identity and correction number)")
    func correctionGUID() {
        #expect(FileNaming.guid(identityKey: "UPD:SH-8802", correctionNumber: 0)
                != FileNaming.guid(identityKey: "UPD:SH-8802", correctionNumber: 1))
        #expect(FileNaming.guid(identityKey: "UPD:SH-8802", correctionNumber: 1)
                == FileNaming.guid(identityKey: "UPD:SH-8802", correctionNumber: 1))
    }

    @Test("a corrected УПД given another number is held")
    func correctionNumberEnforced() throws {
        let plan = DocumentPlanner.plan(F.input("2026-11-27", orders: [F.order119(reduced: true)], prior: [F.priorUPD119()]))
        let outcome = try Render.renderer().render(try #require(plan.documents.first), number: "УПД-999999")
        guard case .held(let hold) = outcome else { Issue.record("not held"); return }
        #expect(hold.reasons.first?.contains("УПД-000452") == true)
    }
}
