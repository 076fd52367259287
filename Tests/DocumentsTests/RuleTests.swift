import Documents
import Domain
import Foundation
import Testing
import TestSupport
import XML

/// Each beyond-XSD rule fires on a deliberately broken document.
@Suite("Beyond-XSD rules")
struct RuleTests {
    typealias F = Fixture

    /// The tree of a valid УПД (ORD-2026-000123) and its file id.
    static func upd() throws -> (tree: DocumentTree, fileID: String) {
        let plan = DocumentPlanner.plan(F.input("2026-11-27", orders: [F.order123()], payments: [F.payment123]))
        let document = try #require(plan.documents.first)
        let tree = TreeBuilder.tree(for: document, number: "УПД-000460", configuration: F.configuration()).tree
        return (tree, FileNaming.fileID(for: document, configuration: F.configuration()))
    }

    static func ukd() throws -> DocumentTree {
        let plan = DocumentPlanner.plan(F.input("2026-11-27", orders: [F.order118(withReturn: true)], prior: [F.priorUPD118()]))
        return TreeBuilder.tree(for: try #require(plan.documents.first), number: "УКД-1", configuration: F.configuration()).tree
    }

    static func advance() throws -> DocumentTree {
        var order = F.order119(reduced: false)
        order.shipments = []
        let prepayment = Prepayment(paymentID: "p", orderID: order.id, number: "1", receivedOn: F.day("2026-12-29"), amount: F.rub("100.00"))
        let plan = DocumentPlanner.plan(F.input("2026-12-31", orders: [order], prepayments: [prepayment]))
        return TreeBuilder.tree(for: try #require(plan.documents.first), number: "А-1", configuration: F.configuration()).tree
    }

    func ids(_ tree: DocumentTree, fileName: String? = nil) -> Set<String> {
        Set(FNSRule.run(on: tree, fileName: fileName).map(\.ruleID))
    }

    @Test("the documents sverka builds break no rule")
    func cleanDocuments() throws {
        let (tree, fileID) = try Self.upd()
        #expect(FNSRule.run(on: tree, fileName: fileID).isEmpty)
        #expect(FNSRule.run(on: try Self.ukd(), fileName: nil).isEmpty)
        #expect(FNSRule.run(on: try Self.advance(), fileName: nil).isEmpty)
    }

    /// Edits the element at `path` (child names from the root's children).
    static func edit(_ tree: DocumentTree, _ path: [String], index: Int = 0, _ change: (inout DocumentTree) -> Void) -> DocumentTree {
        var copy = tree
        func walk(_ node: inout DocumentTree, _ rest: ArraySlice<String>) {
            guard let step = rest.first else { change(&node); return }
            let matches = node.children.indices.filter { node.children[$0].name == step }
            guard !matches.isEmpty else { return }
            let position = rest.count == 1 ? matches[min(index, matches.count - 1)] : matches[0]
            walk(&node.children[position], rest.dropFirst())
        }
        walk(&copy, path[...])
        return copy
    }

    static func setAttribute(_ name: String, _ value: String?) -> @Sendable (inout DocumentTree) -> Void {
        { node in
            node.attributes.removeAll { $0.name == name }
            if let value { node.attributes.append(.init(name, value)) }
        }
    }

    static func removeChild(_ name: String) -> @Sendable (inout DocumentTree) -> Void {
        { node in node.children.removeAll { $0.name == name } }
    }

    typealias Case = (rule: String, path: [String], change: @Sendable (inout DocumentTree) -> Void)

    static let updCases: [Case] = [
        ("FNS-TABLE", ["Документ"], removeChild("ТаблСчФакт")),
        ("FNS-TRANSFER", ["Документ"], removeChild("СвПродПер")),
        ("FNS-DOC-NAME", ["Документ"], setAttribute("НаимДокОпр", nil)),
        ("FNS-TRANSFER-DATE", ["Документ", "СвПродПер", "СвПер"], setAttribute("ДатаПер", nil)),
        ("FNS-TOTALS", ["Документ", "ТаблСчФакт", "ВсегоОпл"], setAttribute("СтТовУчНалВсего", nil)),
        ("FNS-LINE-NAME", ["Документ", "ТаблСчФакт", "СведТов"], setAttribute("НаимТов", nil)),
        ("FNS-UNIT-NAME", ["Документ", "ТаблСчФакт", "СведТов"], setAttribute("НаимЕдИзм", nil)),
        ("FNS-QUANTITY", ["Документ", "ТаблСчФакт", "СведТов"], setAttribute("КолТов", nil)),
        ("FNS-PRICE", ["Документ", "ТаблСчФакт", "СведТов"], setAttribute("ЦенаТов", "0")),
        ("FNS-QUANTITY-POSITIVE", ["Документ", "ТаблСчФакт", "СведТов"], setAttribute("КолТов", "0")),
        ("FNS-LINE-VALUES", ["Документ", "ТаблСчФакт", "СведТов"], setAttribute("СтТовУчНал", nil)),
        ("FNS-ADDRESS", ["Документ", "СвСчФакт", "СвПокуп"], removeChild("Адрес")),
        ("FNS-POA", ["Документ", "Подписант"], setAttribute("СпосПодтПолном", "3")),
        ("FNS-SPOBST", ["Документ", "СвСчФакт", "ДенИзм"], { _ in }),
        ("ARITH-LINE", ["Документ", "ТаблСчФакт", "СведТов"], setAttribute("СтТовБезНДС", "861.48")),
        ("ARITH-TOTALS", ["Документ", "ТаблСчФакт", "ВсегоОпл"], setAttribute("СтТовБезНДСВсего", "2041.71")),
        ("REQ-INN-KPP", ["Документ", "СвСчФакт", "СвПокуп", "ИдСв", "СвЮЛУч"], setAttribute("ИННЮЛ", "5027012349")),
        ("REQ-INN-KPP", ["Документ", "СвСчФакт", "СвПокуп", "ИдСв", "СвЮЛУч"], setAttribute("КПП", "50270100")),
        ("VAT-RATE-DATE", ["Документ", "СвСчФакт"], setAttribute("ДатаДок", "27.11.2025")),
        ("FIELD-LENGTH", ["Документ", "СвСчФакт", "СвПрод", "Адрес", "АдрРФ"], setAttribute("Кварт", String(repeating: "к", count: 51))),
        ("FIELD-LENGTH", ["Документ", "ТаблСчФакт", "СведТов"], setAttribute("НаимТов", String(repeating: "С", count: 2001))),
        ("DATE-FORMAT", ["Документ"], setAttribute("ДатаИнфПр", "2026-11-27")),
        ("DATE-FORMAT", ["Документ"], setAttribute("ВремИнфПр", "06:10:00")),
    ]

    @Test("each УПД rule fires on a broken document", arguments: 0..<23)
    func updRuleFires(index: Int) throws {
        let (tree, _) = try Self.upd()
        let item = Self.updCases[index]
        var broken = Self.edit(tree, item.path, item.change)
        if item.rule == "FNS-SPOBST" {
            broken = Self.edit(tree, ["Документ", "СвСчФакт"]) { header in
                let position = header.children.firstIndex { $0.name == "ДенИзм" }.map { $0 + 1 } ?? header.children.count
                header.children.insert(DocumentTree("ДопСвФХЖ1", ["СпОбстФСЧФ": "2"]), at: position)
            }
        }
        #expect(broken != tree)
        let violations = FNSRule.run(on: broken, fileName: nil)
        #expect(violations.contains { $0.ruleID == item.rule }, "\(item.rule) did not fire: \(violations)")
        #expect(violations.allSatisfy { !$0.message.isEmpty && $0.path.hasPrefix("/Файл") })
    }

    @Test("FILE-NAME fires when the file name differs from ИдФайл")
    func fileNameRule() throws {
        let (tree, fileID) = try Self.upd()
        #expect(ids(tree, fileName: fileID + "x") == ["FILE-NAME"])
        #expect(ids(tree, fileName: fileID).isEmpty)
    }

    @Test("FNS-SHIPMENT-DOC fires for an invoice (СЧФ) that is not an advance and lacks ДокПодтвОтгрНом")
    func shipmentDocumentRule() throws {
        let broken = Self.edit(try Self.advance(), ["Документ", "СвСчФакт", "ДопСвФХЖ1"], Self.setAttribute("СпОбстФСЧФ", "1"))
        #expect(ids(broken).contains("FNS-SHIPMENT-DOC"))
    }

    @Test("FNS-POA: СвДоверБум without СпосПодтПолном=5")
    func paperPowerOfAttorney() throws {
        let (tree, _) = try Self.upd()
        let broken = Self.edit(tree, ["Документ", "Подписант"]) {
            $0.children.append(DocumentTree("СвДоверБум", ["ДатаВыдДовер": "01.01.2026", "ВнНомДовер": "12"]))
        }
        #expect(FNSRule.run(on: broken, fileName: nil).contains { $0.ruleID == "FNS-POA" && $0.message.contains("СвДоверБум") })
    }

    @Test("УКД rules fire on broken arithmetic, totals, header")
    func ukdRules() throws {
        let tree = try Self.ukd()
        let line = ["Документ", "ТаблКСчФ", "СведТов"]
        #expect(ids(Self.edit(tree, line + ["СтТовУчНал"], Self.setAttribute("СтоимУм", "239.99"))).contains("ARITH-UKD-LINE"))
        #expect(ids(Self.edit(tree, line, Self.setAttribute("ЦенаТовПосле", "98.36"))).contains("ARITH-UKD-LINE"))
        #expect(ids(Self.edit(tree, ["Документ", "ТаблКСчФ", "ВсегоУм"], Self.setAttribute("СтТовУчНалВсего", "1.00"))).contains("ARITH-UKD-TOTALS"))
        #expect(ids(Self.edit(tree, ["Документ", "ТаблКСчФ"], Self.removeChild("ВсегоУм"))).contains("ARITH-UKD-TOTALS"))
        #expect(ids(Self.edit(tree, ["Документ", "СвКСчФ"], Self.removeChild("СчФ"))).contains("UKD-HEADER"))
        #expect(ids(Self.edit(tree, [], Self.setAttribute("ИдФайл", "x"))).isEmpty)
        let longID = Self.edit(tree, ["СвУчДокОбор"], Self.setAttribute("ИдОтпр", "2BM-" + String(repeating: "0", count: 50)))
        #expect(ids(longID).contains("FIELD-LENGTH"))
    }

    @Test("an unknown document is reported, not checked")
    func unknownFormat() {
        #expect(ids(DocumentTree("Файл", children: [DocumentTree("Документ", ["КНД": "1110332"])])) == ["FORMAT"])
    }

    @Test("sverka validate applies the beyond-XSD rules to any file, with line numbers")
    func validatorAppliesRules() throws {
        let day = try Render.day(F.input("2026-11-27", orders: [F.order123()], payments: [F.payment123]))
        let document = try #require(day.emitted.first)
        let validator = FNSValidator(catalog: try SchemaCatalog(directory: Paths.schemas))
        let clean = try validator.validate(bytes: document.xml, fileName: document.fileName)
        #expect(clean.isValid, "\(clean.issues)")
        // Break the arithmetic without breaking the XSD: 861.47 → 861.48 in графа 5.
        let text = Render.text(document.xml).replacingOccurrences(of: "СтТовБезНДС=\"861.47\"", with: "СтТовБезНДС=\"861.48\"")
        let broken = [UInt8](text.data(using: .windowsCP1251)!)
        let report = try validator.validate(bytes: broken, fileName: document.fileName)
        let issue = try #require(report.issues.first { $0.rule == "ARITH-LINE" })
        #expect(issue.line > 1)
        #expect(issue.path?.contains("СведТов") == true)
        #expect(report.issues.contains { $0.rule == "ARITH-TOTALS" })
    }

    @Test("sverka validate recognises and checks the project's УКД")
    func validatorUKD() throws {
        let day = try Render.day(F.input("2026-11-27", orders: [F.order118(withReturn: true)], prior: [F.priorUPD118()]))
        let document = try #require(day.emitted.first)
        let validator = FNSValidator(catalog: try SchemaCatalog(directory: Paths.schemas))
        let report = try validator.validate(bytes: document.xml, fileName: document.fileName)
        #expect(report.kind == .ukdSeller501)
        #expect(report.schemaName == "ON_NKORSCHFDOPPR_sverka_05_01.xsd")
        #expect(report.isValid, "\(report.issues)")
    }

    /// Broken documents whose violations are pinned word for word: paths with sibling indices
    /// (`СведТов[2]`), attributes, element-wide rules (ИНН/КПП order, lengths, dates, rates), in the
    /// order the rules report them. Paths are spelled only for violations now; they must not change.
    static func pinnedViolations() throws -> [String] {
        let (tree, _) = try Self.upd()
        let table = ["Документ", "ТаблСчФакт", "СведТов"]
        var broken = Self.edit(tree, table, index: 1, Self.setAttribute("НаимТов", String(repeating: "С", count: 2001)))
        broken = Self.edit(broken, table, index: 1, Self.setAttribute("СтТовБезНДС", "1.00"))
        broken = Self.edit(broken, table, index: 0, Self.setAttribute("КолТов", "0"))
        broken = Self.edit(broken, ["Документ", "СвСчФакт", "СвПокуп", "ИдСв", "СвЮЛУч"], Self.setAttribute("КПП", "50270100"))
        broken = Self.edit(broken, ["Документ", "СвСчФакт", "СвПокуп", "ИдСв", "СвЮЛУч"], Self.setAttribute("ИННЮЛ", "5027012349"))
        broken = Self.edit(broken, ["Документ"], Self.setAttribute("ВремИнфПр", "06:10:00"))
        broken = Self.edit(broken, ["Документ", "СвСчФакт", "СвПрод", "Адрес", "АдрРФ"], Self.setAttribute("Кварт", ""))
        broken = Self.edit(broken, ["Документ", "СвСчФакт"], Self.setAttribute("ДатаДок", "27.11.2025"))
        broken = Self.edit(broken, ["Документ", "ТаблСчФакт", "ВсегоОпл", "СумНалВсего", "СумНал"]) { $0.text = "0.01" }
        return FNSRule.run(on: broken, fileName: "other").map(\.description)
    }

    @Test("violations keep their exact paths and messages")
    func pinnedPathsAndMessages() throws {
        let actual = try Self.pinnedViolations()
        #expect(actual == Self.pinned)
    }

    /// Recorded from the rules as they were before paths became lazy.
    static let pinned: [String] = [
        "[FILE-NAME] /Файл/@ИдФайл: file name «other» differs from ИдФайл «ON_NSCHFDOPPR_2BM-5027012340-502701001-000000000000000000017_2BM-7714698320-771401001-000000000000000000001_20261127_C2C355B1-F9C5-8B6B-BFE0-DC3170C9FC80_0_0_0_0_0_00»",
        "[FNS-QUANTITY-POSITIVE] /Файл/Документ/ТаблСчФакт/СведТов[1]/@КолТов: must be a number greater than 0 (got «0»)",
        "[ARITH-LINE] /Файл/Документ/ТаблСчФакт/СведТов[1]/@ЦенаТов: строка 1: 0 × 599.90947075209 = 0.00 ≠ 861.47",
        "[ARITH-LINE] /Файл/Документ/ТаблСчФакт/СведТов[2]/@СтТовБезНДС: строка 2: 1.00 + НДС 259.65 ≠ 1439.88",
        "[ARITH-LINE] /Файл/Документ/ТаблСчФакт/СведТов[2]/@ЦенаТов: строка 2: 12 × 98.3525 = 1180.23 ≠ 1.00",
        "[ARITH-TOTALS] /Файл/Документ/ТаблСчФакт/ВсегоОпл/@СтТовБезНДСВсего: 2041.70 ≠ sum of lines 862.47",
        "[ARITH-TOTALS] /Файл/Документ/ТаблСчФакт/ВсегоОпл/СумНалВсего/СумНал: СумНалВсего 0.01 ≠ sum of lines 345.80",
        "[REQ-INN-KPP] /Файл/Документ/СвСчФакт/СвПокуп/ИдСв/СвЮЛУч/@ИННЮЛ: ИНН '5027012349': check digit is 9, expected 8",
        "[REQ-INN-KPP] /Файл/Документ/СвСчФакт/СвПокуп/ИдСв/СвЮЛУч/@КПП: КПП '50270100': must be 9 characters, got 8",
        "[VAT-RATE-DATE] /Файл/Документ/ТаблСчФакт/СведТов[2]/@НалСт: VAT rate 22% applies from 01.01.2026; the document is dated 27.11.2025",
        "[FIELD-LENGTH] /Файл/Документ/СвСчФакт/СвПрод/Адрес/АдрРФ/@Кварт: has 0 characters, allowed 1–50",
        "[FIELD-LENGTH] /Файл/Документ/ТаблСчФакт/СведТов[2]/@НаимТов: has 2001 characters, allowed 1–2000",
        "[DATE-FORMAT] /Файл/Документ/@ВремИнфПр: «06:10:00» is not a ЧЧ.ММ.СС time",
    ]
}
