import Domain
import Foundation
import Reports
import Testing
import TestSupport
import XML

enum ActSchemas {
    static let project = Paths.schemas.appendingPathComponent("ON_AKTSVEROTP_sverka_05_01.xsd")
    static var official: URL? {
        Paths.officialSchemas.map { $0.appendingPathComponent("ON_AKTSVEROTP_1_972_01_05_01_01.xsd") }
            .flatMap { FileManager.default.fileExists(atPath: $0.path) ? $0 : nil }
    }
}

@Suite("Act of reconciliation: FNS XML 5.01")
struct ActXMLTests {
    let act = ActFixtures.act
    let createdAt = Timestamp(rfc3339: "2026-11-30T18:05:09+03:00")!

    func file(_ act: ActOfReconciliation) throws(ActError) -> ActOfReconciliation.XMLFile {
        try act.xml(createdAt: createdAt, program: "sverka 1.0")
    }

    @Test("valid against the project's schema")
    func projectSchema() throws {
        let xml = try file(act)
        let schema = try XMLSchema(contentsOf: ActSchemas.project)
        let issues = schema.validate(bytes: xml.bytes, fileName: xml.fileName)
        #expect(issues.isEmpty, "\(issues)")
    }

    @Test("valid against the official schema", .enabled(if: ActSchemas.official != nil))
    func officialSchema() throws {
        let schema = try XMLSchema(contentsOf: try #require(ActSchemas.official))
        for variant in [act, ActXMLTests.soleTraderAct, ActXMLTests.withoutContract] {
            let xml = try file(variant)
            let issues = schema.validate(bytes: xml.bytes, fileName: xml.fileName)
            #expect(issues.isEmpty, "\(issues)")
        }
    }

    @Test("a sole trader and an act without contract are valid against the project's schema too")
    func variants() throws {
        let schema = try XMLSchema(contentsOf: ActSchemas.project)
        for variant in [ActXMLTests.soleTraderAct, ActXMLTests.withoutContract] {
            let xml = try file(variant)
            #expect(schema.validate(bytes: xml.bytes, fileName: xml.fileName).isEmpty)
        }
    }

    @Test("the project's schema is stricter: it rejects what the writer never emits")
    func projectSchemaRejects() throws {
        let schema = try XMLSchema(contentsOf: ActSchemas.project)
        let text = try #require(String(bytes: try file(act).bytes, encoding: .windowsCP1251))
        for (from, to) in [("ВерсФорм=\"5.01\"", "ВерсФорм=\"5.02\""), ("КодОКВ=\"643\"", "КодОКВ=\"840\""),
                           ("ОборотКр=\"34000.00\"", "ОборотКр=\"34000\""), ("КНД=\"1110332\"", "КНД=\"1115131\"")] {
            #expect(text.contains(from), "fixture lacks \(from)")
            let broken = text.replacingOccurrences(of: from, with: to)
            let bytes = try #require(broken.data(using: .windowsCP1251))
            #expect(!schema.validate(bytes: Array(bytes), fileName: "x.xml").isEmpty, "accepted \(to)")
        }
    }

    @Test("windows-1251 declaration, ИдФайл equals the file name, content as expected")
    func contents() throws {
        let xml = try file(act)
        let head = String(decoding: xml.bytes.prefix(45), as: UTF8.self)
        #expect(head == "<?xml version=\"1.0\" encoding=\"windows-1251\"?>")
        // Cyrillic is one byte per letter in windows-1251: «<Файл» is 3C D4 E0 E9 EB.
        let root: [UInt8] = [0x3C, 0xD4, 0xE0, 0xE9, 0xEB]
        #expect((0...(xml.bytes.count - root.count)).contains { Array(xml.bytes[$0..<($0 + root.count)]) == root })
        let doc = try XDocument(bytes: xml.bytes, fileName: xml.fileName)
        #expect(try doc.string(xpath: "string(/child::Файл/@ИдФайл)") + ".xml" == xml.fileName)
        #expect(xml.fileName.hasPrefix("ON_AKTSVEROTP_2BM-7736207543-773601001-201905050000000000000_"
            + "2BM-7707083893-770701001-201801010000000000000_20261130_"))
        #expect(try doc.string(xpath: "string(/child::Файл/Документ/@ВрИнфОтпр)") == "18:05:09")
        #expect(try doc.string(xpath: "string(/child::Файл/Документ/@ДатаИнфОтпр)") == "30.11.2026")
        #expect(try doc.string(xpath: "string(/child::Файл/Документ/@ДатаНачПер)") == "01.11.2026")
        #expect(try doc.string(xpath: "string(/descendant::СвОтпр/ИдСв/СвЮЛУч/@НаимОрг)") == "ООО «Свежие продукты»")
        #expect(try doc.string(xpath: "string(/descendant::СвПол/ИдСв/СвЮЛУч/@ИННЮЛ)") == "7736207543")
        #expect(try doc.string(xpath: "string(/child::Файл/Документ/ТаблАкт/@СальдоНачДеб)") == "1000.00")
        #expect(try doc.string(xpath: "string(/child::Файл/Документ/ТаблАкт/@СальдоНачКр)") == "0.00")
        #expect(try doc.string(xpath: "string(/child::Файл/Документ/ТаблАкт/@ОборотДеб)") == "57345.67")
        #expect(try doc.string(xpath: "string(/child::Файл/Документ/ТаблАкт/@ОборотКр)") == "34000.00")
        #expect(try doc.string(xpath: "string(/child::Файл/Документ/ТаблАкт/@СальдоКонДеб)") == "24345.67")
        #expect(try doc.string(xpath: "string(/descendant::ДогСв/@НомДог)") == "П-15/2025")
        #expect(try doc.string(xpath: "count(/descendant::СвОпер)") == "6")
        #expect(try doc.string(xpath: "count(/descendant::ДокСв)") == "6")
        #expect(try doc.string(xpath: "string(/descendant::СвОпер[@НомСтр='2']/@СумКредит)") == "25000.00")
        #expect(try doc.string(xpath: "string(/descendant::СвОпер[@НомСтр='2']/../@НаимДок)") == "Платёжное поручение")
        #expect(try doc.string(xpath: "string(/descendant::СвОпер[@НомСтр='2']/../@ДатаДок)") == "09.11.2026")
        #expect(try doc.string(xpath: "count(/descendant::СвОпер[@СумДебет and @СумКредит])") == "0")
        #expect(try doc.string(xpath: "string(/descendant::Подписант/ФИО/@Фамилия)") == "Смирнова")
        #expect(try doc.string(xpath: "string(/descendant::Подписант/@Должн)") == "Главный бухгалтер")
        // The sums in the XML are the sums of the operations.
        let debits = try doc.nodes(xpath: "/descendant::СвОпер/@СумДебет").compactMap { Money(exactString: $0.text) }.sum()
        let credits = try doc.nodes(xpath: "/descendant::СвОпер/@СумКредит").compactMap { Money(exactString: $0.text) }.sum()
        #expect(debits == act.turnoverDebit && credits == act.turnoverCredit)
    }

    @Test("the same act gives the same file name; a changed act a new one")
    func stableName() throws {
        #expect(try file(act).fileName == file(act).fileName)
        #expect(try file(act).bytes == file(act).bytes)
        var changed = act
        changed.entries.removeLast()
        #expect(try file(changed).fileName != file(act).fileName)
    }

    @Test("characters outside windows-1251 become numeric character references")
    func characterReferences() throws {
        var exotic = act
        exotic.customer.name = "ООО «Чай 茶 ✓»"
        let xml = try file(exotic)
        let text = String(decoding: xml.bytes, as: UTF8.self)
        #expect(text.contains("&#33590;") && text.contains("&#10003;"))
        let doc = try XDocument(bytes: xml.bytes, fileName: xml.fileName)
        #expect(try doc.string(xpath: "string(/descendant::СвПол/ИдСв/СвЮЛУч/@НаимОрг)") == "ООО «Чай 茶 ✓»")
        // The encoded bytes: «Ч» is 0xD7 in windows-1251.
        #expect(xml.bytes.contains(0xD7))
    }

    @Test("what the format requires but the act lacks is an error naming the field")
    func requiredFields() throws {
        func field(_ change: (inout ActOfReconciliation) -> Void) -> String? {
            var broken = act
            change(&broken)
            do throws(ActError) {
                _ = try file(broken)
                return nil
            } catch {
                return error.field
            }
        }
        #expect(field { $0.seller.signer = nil } == "seller.signer")
        #expect(field { $0.customer.ogrn = nil } == "customer.ogrn")
        #expect(field { $0.customer.kpp = nil } == "customer.kpp")
        #expect(field { $0.entries = [] } == "entries")
        #expect(field { $0.customer.inn = "77362075" } == "customer.inn")
        #expect(field { $0.entries[0].documentNumber = String(repeating: "9", count: 51) } == "entries[0].documentNumber")
        #expect(field { $0.entries[0].date = CivilDate(year: 2026, month: 12, day: 1)! } == "entries[0].date")
    }

    static var soleTraderAct: ActOfReconciliation {
        var act = ActFixtures.act
        act.customer = .init(kind: .soleTrader, name: "ИП Петров Пётр Петрович", inn: "500100732259",
                             ogrn: "304500116000157",
                             person: .init(surname: "Петров", givenName: "Пётр", patronymic: "Петрович"),
                             phone: "+7 495 000-00-00")
        act.openingBalance = Money(kopecks: -3_000_000)
        return act
    }

    static var withoutContract: ActOfReconciliation {
        var act = ActFixtures.act
        act.contract = nil
        act.entries = [.init(date: ActFixtures.d(5), kind: .payment, documentNumber: "1", amount: Money(kopecks: -1))]
        return act
    }
}
