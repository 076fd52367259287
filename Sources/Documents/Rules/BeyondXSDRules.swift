import Domain

/// The formats the beyond-XSD rules know, recognised from `Документ/@КНД`.
public enum DocumentFormat: String, Hashable, Sendable, CaseIterable {
    /// УПД / invoice, seller's title 5.03 (КНД 1115131).
    case upd503 = "ON_NSCHFDOPPR 5.03"
    /// УКД, seller's title 5.01 of 736@ (КНД 1115133).
    case ukd501 = "ON_NKORSCHFDOPPR 5.01"

    /// The format of a document tree, or `nil` when it is neither.
    public static func of(_ root: DocumentTree) -> DocumentFormat? {
        guard root.name == "Файл", let document = root.child("Документ") else { return nil }
        switch document[attribute: "КНД"] {
        case "1115131": return .upd503
        // 1115133 is what sverka writes; 1115127 is the value quoted in FORMAT-NOTES (both unverified).
        case "1115133", "1115127": return .ukd501
        default: return nil
        }
    }
}

/// One broken rule: which, where, and why in words an accountant understands.
public struct RuleViolation: Hashable, Sendable, CustomStringConvertible {
    /// The rule's stable identifier (`FNS-ADDRESS`, `ARITH-LINE`, …).
    public var ruleID: String
    /// Where: `/Файл/Документ/ТаблСчФакт/СведТов[2]/@КолТов`.
    public var path: String
    /// The element's line in a parsed file, when known.
    public var line: Int?
    public var message: String

    public init(ruleID: String, path: String, line: Int? = nil, message: String) {
        self.ruleID = ruleID
        self.path = path
        self.line = line
        self.message = message
    }

    public var description: String {
        "[\(ruleID)] \(path)\(line.map { " (line \($0))" } ?? ""): \(message)"
    }
}

/// What a rule looks at: the document tree and the file name it was (or will be) written under.
public struct RuleInput: Sendable {
    public var root: DocumentTree
    /// The file name without directory and without `.xml`; `nil` when unknown.
    public var fileName: String?
    public var format: DocumentFormat

    public init(root: DocumentTree, fileName: String?, format: DocumentFormat) {
        self.root = root
        self.fileName = fileName
        self.format = format
        let file = LocatedNode(node: root, path: "/Файл")
        self.walk = ElementWalk(root: file)
        let document = file.child("Документ")
        self.document = document
        self.lines = document?.child("ТаблСчФакт")?.children("СведТов") ?? []
        let function = document?.attribute("Функция") ?? ""
        self.function = function
        self.isInvoice = sameName(function, "СЧФ") || sameName(function, "СЧФДОП")
        self.isAdvance = document?.child("СвСчФакт")?.child("ДопСвФХЖ1")?.attribute("СпОбстФСЧФ").map { sameName($0, "2") } ?? false
    }

    var file: LocatedNode { LocatedNode(node: root, path: "/Файл") }
    /// `/Файл/Документ` (found once: most rules start there).
    let document: LocatedNode?
    /// `/Файл/Документ/ТаблСчФакт/СведТов[i]`, the lines (found once).
    let lines: [LocatedNode]
    /// Every element of the document, depth first (walked once: several rules use it).
    let walk: ElementWalk
    /// The walk's elements as located nodes.
    var elements: ElementWalk.Elements { walk.elements }

    /// `Документ/@Функция` (empty when absent).
    let function: String
    /// Функция СЧФ or СЧФДОП.
    let isInvoice: Bool
    /// `СвСчФакт/ДопСвФХЖ1/@СпОбстФСЧФ` = 2: an advance invoice.
    let isAdvance: Bool
}

/// A check the XSD cannot express. Each has its own identifier and message; a document that
/// breaks any is held, never emitted, and `sverka validate` reports it for any file.
public struct FNSRule: Sendable {
    public var id: String
    /// One line: what the rule requires.
    public var summary: String
    public var formats: Set<DocumentFormat>
    public var check: @Sendable (RuleInput) -> [RuleViolation]

    public init(id: String, summary: String, formats: Set<DocumentFormat>,
                check: @escaping @Sendable (RuleInput) -> [RuleViolation]) {
        self.id = id
        self.summary = summary
        self.formats = formats
        self.check = check
    }
}

extension FNSRule {
    /// Runs every applicable rule of `rules` over a tree. An unknown format yields one violation.
    public static func run(_ rules: [FNSRule] = BeyondXSDRules.all, on root: DocumentTree,
                           fileName: String?) -> [RuleViolation] {
        guard let format = DocumentFormat.of(root) else {
            return [RuleViolation(ruleID: "FORMAT", path: "/" + root.name, line: root.line,
                                  message: "not a УПД 5.03 (КНД 1115131) or УКД 5.01 (КНД 1115133) document")]
        }
        let input = RuleInput(root: root, fileName: fileName, format: format)
        return rules.filter { $0.formats.contains(format) }.flatMap { $0.check(input) }
    }
}

/// The rules sverka applies beyond the XSD (FORMAT-NOTES §3–5 Schematron conditions, file
/// name, arithmetic, requisites, dates, lengths).
public enum BeyondXSDRules {
    static let upd: Set<DocumentFormat> = [.upd503]
    static let both: Set<DocumentFormat> = [.upd503, .ukd501]

    /// Every rule, in reporting order.
    public static let all: [FNSRule] = [
        fileName, tableRequired, transferRequired, documentName, transferDate, totalsRequired,
        lineName, unitName, quantityRequired, pricePositive, quantityPositive, lineValuesRequired,
        addressRequired, powerOfAttorney, shipmentDocument, advanceCircumstance,
        lineArithmetic, totals, requisites, vatRateDate, fieldLengths, dateFormats,
        correctionArithmetic, correctionTotals, correctionParticipants,
    ]

    // MARK: Helpers

    static func violation(_ id: String, _ node: LocatedNode, attribute: String? = nil, _ message: String) -> RuleViolation {
        RuleViolation(ruleID: id, path: attribute.map { node.attributePath($0) } ?? node.path, line: node.node.line,
                      message: message)
    }

    static func lines(_ input: RuleInput) -> [LocatedNode] { input.lines }

    static func decimal(_ text: String?) -> ExactDecimal? { text.flatMap { ExactDecimal($0) } }

    /// Money from a document: an xs:decimal with at most two decimals (`5982` and `5982.5` included).
    static func money(_ text: String?) -> Money? {
        guard let value = decimal(text), let cents = value.rescaled(to: 2) else { return nil }
        return Money(kopecks: cents.units)
    }

    static func participants(_ input: RuleInput) -> [LocatedNode] {
        guard let document = input.document else { return [] }
        switch input.format {
        case .upd503:
            guard let header = document.child("СвСчФакт") else { return [] }
            return header.children("СвПрод") + header.children("ГрузОт").flatMap { $0.children("ГрузОтпр") }
                + header.children("ГрузПолуч") + header.children("СвПокуп")
        case .ukd501:
            guard let header = document.child("СвКСчФ") else { return [] }
            return header.children("СвПрод") + header.children("СвПокуп")
        }
    }

    // MARK: File name

    static let fileName = FNSRule(
        id: "FILE-NAME", summary: "the file name (without .xml) equals Файл/@ИдФайл", formats: both
    ) { input in
        guard let name = input.fileName else { return [] }
        let id = input.root[attribute: "ИдФайл"] ?? ""
        guard name != id else { return [] }
        return [violation("FILE-NAME", input.file, attribute: "ИдФайл",
                          "file name «\(name)» differs from ИдФайл «\(id)»")]
    }

    // MARK: Schematron conditions (FORMAT-NOTES §3–5)

    static let tableRequired = FNSRule(
        id: "FNS-TABLE", summary: "ТаблСчФакт is present for Функция СЧФ and СЧФДОП", formats: upd
    ) { input in
        guard input.isInvoice, let document = input.document, document.child("ТаблСчФакт") == nil else { return [] }
        return [violation("FNS-TABLE", document, "Функция=\(input.function) requires ТаблСчФакт")]
    }

    static let transferRequired = FNSRule(
        id: "FNS-TRANSFER", summary: "СвПродПер is present for Функция ДОП and СЧФДОП", formats: upd
    ) { input in
        guard input.function == "ДОП" || input.function == "СЧФДОП", let document = input.document,
              document.child("СвПродПер") == nil else { return [] }
        return [violation("FNS-TRANSFER", document, "Функция=\(input.function) requires СвПродПер")]
    }

    static let documentName = FNSRule(
        id: "FNS-DOC-NAME", summary: "НаимДокОпр is present for СЧФДОП, ДОП, СвРК, СвЗК and absent for СЧФ", formats: upd
    ) { input in
        guard let document = input.document else { return [] }
        let present = document.attribute("НаимДокОпр") != nil
        if input.function == "СЧФ" && present {
            return [violation("FNS-DOC-NAME", document, attribute: "НаимДокОпр", "must be absent for Функция=СЧФ")]
        }
        if ["СЧФДОП", "ДОП", "СвРК", "СвЗК"].contains(input.function) && !present {
            return [violation("FNS-DOC-NAME", document, attribute: "НаимДокОпр", "is required for Функция=\(input.function)")]
        }
        return []
    }

    static let transferDate = FNSRule(
        id: "FNS-TRANSFER-DATE", summary: "СвПер has ДатаПер, or both ДатаНачПер and ДатаОконПер", formats: upd
    ) { input in
        guard let transfer = input.document?.child("СвПродПер")?.child("СвПер") else { return [] }
        if transfer.attribute("ДатаПер") != nil { return [] }
        if transfer.attribute("ДатаНачПер") != nil && transfer.attribute("ДатаОконПер") != nil { return [] }
        return [violation("FNS-TRANSFER-DATE", transfer, "needs ДатаПер or both ДатаНачПер and ДатаОконПер")]
    }

    static let totalsRequired = FNSRule(
        id: "FNS-TOTALS", summary: "ВсегоОпл has СтТовУчНалВсего (СЧФ, СЧФДОП) and СтТовБезНДСВсего unless an advance invoice",
        formats: upd
    ) { input in
        guard input.isInvoice, let total = input.document?.child("ТаблСчФакт")?.child("ВсегоОпл") else { return [] }
        var result: [RuleViolation] = []
        if total.attribute("СтТовУчНалВсего") == nil {
            result.append(violation("FNS-TOTALS", total, attribute: "СтТовУчНалВсего", "is required for Функция=\(input.function)"))
        }
        if !input.isAdvance && total.attribute("СтТовБезНДСВсего") == nil {
            result.append(violation("FNS-TOTALS", total, attribute: "СтТовБезНДСВсего", "is required unless СпОбстФСЧФ=2"))
        }
        return result
    }

    static let lineName = FNSRule(
        id: "FNS-LINE-NAME", summary: "every line has НаимТов for СЧФ and СЧФДОП", formats: upd
    ) { input in
        guard input.isInvoice else { return [] }
        return lines(input).filter { $0.attribute("НаимТов") == nil }.map {
            violation("FNS-LINE-NAME", $0, attribute: "НаимТов", "is required for Функция=\(input.function)")
        }
    }

    static let unitName = FNSRule(
        id: "FNS-UNIT-NAME", summary: "НаимЕдИзм is present when ОКЕИ_Тов is", formats: upd
    ) { input in
        lines(input).filter { $0.attribute("ОКЕИ_Тов") != nil && $0.attribute("НаимЕдИзм") == nil }.map {
            violation("FNS-UNIT-NAME", $0, attribute: "НаимЕдИзм", "is required when ОКЕИ_Тов is given")
        }
    }

    static let quantityRequired = FNSRule(
        id: "FNS-QUANTITY", summary: "КолТов is present for СЧФ/СЧФДОП when ОКЕИ_Тов is, and unless an advance invoice",
        formats: upd
    ) { input in
        guard input.isInvoice else { return [] }
        return lines(input).filter {
            $0.attribute("КолТов") == nil && ($0.attribute("ОКЕИ_Тов") != nil || !input.isAdvance)
        }.map { violation("FNS-QUANTITY", $0, attribute: "КолТов", "is required for Функция=\(input.function)") }
    }

    static let pricePositive = FNSRule(
        id: "FNS-PRICE", summary: "ЦенаТов is present and > 0 when КолТов is (СЧФ, СЧФДОП)", formats: upd
    ) { input in
        guard input.isInvoice else { return [] }
        return lines(input).compactMap { line in
            guard line.attribute("КолТов") != nil else { return nil }
            guard let price = decimal(line.attribute("ЦенаТов")), price.isPositive else {
                return violation("FNS-PRICE", line, attribute: "ЦенаТов",
                                 "must be present and greater than 0 when КолТов is given (got \(line.attribute("ЦенаТов") ?? "nothing"))")
            }
            return nil
        }
    }

    static let quantityPositive = FNSRule(
        id: "FNS-QUANTITY-POSITIVE", summary: "КолТов > 0", formats: upd
    ) { input in
        lines(input).compactMap { line in
            guard let text = line.attribute("КолТов") else { return nil }
            guard let quantity = decimal(text), quantity.isPositive else {
                return violation("FNS-QUANTITY-POSITIVE", line, attribute: "КолТов", "must be a number greater than 0 (got «\(text)»)")
            }
            return nil
        }
    }

    static let lineValuesRequired = FNSRule(
        id: "FNS-LINE-VALUES", summary: "lines have СтТовУчНал (СЧФ, СЧФДОП) and СтТовБезНДС unless an advance invoice",
        formats: upd
    ) { input in
        guard input.isInvoice else { return [] }
        var result: [RuleViolation] = []
        for line in lines(input) {
            if line.attribute("СтТовУчНал") == nil {
                result.append(violation("FNS-LINE-VALUES", line, attribute: "СтТовУчНал", "is required for Функция=\(input.function)"))
            }
            if !input.isAdvance && line.attribute("СтТовБезНДС") == nil {
                result.append(violation("FNS-LINE-VALUES", line, attribute: "СтТовБезНДС", "is required unless СпОбстФСЧФ=2"))
            }
        }
        return result
    }

    static let addressRequired = FNSRule(
        id: "FNS-ADDRESS", summary: "СвПрод, ГрузОтпр, ГрузПолуч and СвПокуп have Адрес for СЧФ and СЧФДОП", formats: upd
    ) { input in
        guard input.isInvoice else { return [] }
        return participants(input).filter { $0.child("Адрес") == nil }.map {
            violation("FNS-ADDRESS", $0, "Адрес is required for Функция=\(input.function)")
        }
    }

    static let powerOfAttorney = FNSRule(
        id: "FNS-POA", summary: "СвДоверЭл exactly when СпосПодтПолном=3, СвДоверБум exactly when =5", formats: upd
    ) { input in
        var result: [RuleViolation] = []
        for signer in input.document?.children("Подписант") ?? [] {
            let method = signer.attribute("СпосПодтПолном") ?? ""
            let electronic = !signer.children("СвДоверЭл").isEmpty
            let paper = !signer.children("СвДоверБум").isEmpty
            if (method == "3") != electronic {
                result.append(violation("FNS-POA", signer, attribute: "СпосПодтПолном",
                                        method == "3" ? "СпосПодтПолном=3 requires СвДоверЭл" : "СвДоверЭл is allowed only with СпосПодтПолном=3"))
            }
            if (method == "5") != paper {
                result.append(violation("FNS-POA", signer, attribute: "СпосПодтПолном",
                                        method == "5" ? "СпосПодтПолном=5 requires СвДоверБум" : "СвДоверБум is allowed only with СпосПодтПолном=5"))
            }
        }
        return result
    }

    static let shipmentDocument = FNSRule(
        id: "FNS-SHIPMENT-DOC", summary: "ДокПодтвОтгрНом is present for СЧФ unless СпОбстФСЧФ=2", formats: upd
    ) { input in
        guard input.function == "СЧФ", !input.isAdvance, let header = input.document?.child("СвСчФакт"),
              header.child("ДокПодтвОтгрНом") == nil else { return [] }
        return [violation("FNS-SHIPMENT-DOC", header, "ДокПодтвОтгрНом is required for Функция=СЧФ unless СпОбстФСЧФ=2")]
    }

    static let advanceCircumstance = FNSRule(
        id: "FNS-SPOBST", summary: "ДопСвФХЖ1/@СпОбстФСЧФ only with Функция=СЧФ", formats: upd
    ) { input in
        guard input.function != "СЧФ", let extra = input.document?.child("СвСчФакт")?.child("ДопСвФХЖ1"),
              extra.attribute("СпОбстФСЧФ") != nil else { return [] }
        return [violation("FNS-SPOBST", extra, attribute: "СпОбстФСЧФ", "is allowed only with Функция=СЧФ")]
    }

    // MARK: Arithmetic

    static let lineArithmetic = FNSRule(
        id: "ARITH-LINE", summary: "графа 5 = round(3 × 4), графа 8 = round(9 × rate/(100+rate)), 5 + 8 = 9, to the kopeck",
        formats: upd
    ) { input in
        var result: [RuleViolation] = []
        for line in lines(input) {
            let number = line.attribute("НомСтр") ?? "?"
            guard let total = money(line.attribute("СтТовУчНал")) else { continue }
            let rate = line.attribute("НалСт").flatMap(VATRate.init(rawValue:))
            let vatText = line.node.child("СумНал")?.child("СумНал")?.text
            let vat = vatText.flatMap { money($0) } ?? .zero
            if let rate, vatText != nil || rate == .exempt {
                let expected = LineAmounts.vat(includedIn: total, rate: rate)
                if expected != vat {
                    result.append(violation("ARITH-LINE", line, attribute: "СтТовУчНал",
                                            "строка \(number): НДС \(vat) ≠ \(total) × \(rate.shareOfGross.numerator)/\(rate.shareOfGross.denominator) = \(expected)"))
                }
            }
            if let without = money(line.attribute("СтТовБезНДС")) {
                if without + vat != total {
                    result.append(violation("ARITH-LINE", line, attribute: "СтТовБезНДС",
                                            "строка \(number): \(without) + НДС \(vat) ≠ \(total)"))
                }
                if let quantity = decimal(line.attribute("КолТов")), let price = decimal(line.attribute("ЦенаТов")) {
                    let product = Money.multiply(price, by: quantity)
                    if product != without {
                        result.append(violation("ARITH-LINE", line, attribute: "ЦенаТов",
                                                "строка \(number): \(quantity) × \(price) = \(product) ≠ \(without)"))
                    }
                }
            }
        }
        return result
    }

    static let totals = FNSRule(
        id: "ARITH-TOTALS", summary: "ВсегоОпл equals the sums of the lines", formats: upd
    ) { input in
        guard let table = input.document?.child("ТаблСчФакт"), let total = table.child("ВсегоОпл") else { return [] }
        let rows = table.children("СведТов")
        var result: [RuleViolation] = []
        func compare(_ attribute: String, _ lineAttribute: String) {
            guard let stated = money(total.attribute(attribute)) else { return }
            let sum = rows.compactMap { money($0.attribute(lineAttribute)) }.sum()
            if stated != sum {
                result.append(violation("ARITH-TOTALS", total, attribute: attribute, "\(stated) ≠ sum of lines \(sum)"))
            }
        }
        compare("СтТовУчНалВсего", "СтТовУчНал")
        compare("СтТовБезНДСВсего", "СтТовБезНДС")
        let vatSum = rows.compactMap { $0.node.child("СумНал")?.child("СумНал").flatMap { money($0.text) } }.sum()
        if let statedNode = total.child("СумНалВсего")?.child("СумНал"), let stated = money(statedNode.node.text), stated != vatSum {
            result.append(violation("ARITH-TOTALS", statedNode, "СумНалВсего \(stated) ≠ sum of lines \(vatSum)"))
        }
        return result
    }

    static let correctionArithmetic = FNSRule(
        id: "ARITH-UKD-LINE", summary: "УКД lines: before − after = decrease (or after − before = increase) for values and VAT",
        formats: [.ukd501]
    ) { input in
        var result: [RuleViolation] = []
        for line in input.document?.child("ТаблКСчФ")?.children("СведТов") ?? [] {
            let number = line.attribute("НомСтр") ?? "?"
            for name in ["СтТовБезНДС", "СтТовУчНал"] {
                guard let cost = line.child(name), let before = money(cost.attribute("СтоимДоИзм")),
                      let after = money(cost.attribute("СтоимПослеИзм")) else {
                    result.append(violation("ARITH-UKD-LINE", line, "строка \(number): \(name) needs СтоимДоИзм and СтоимПослеИзм"))
                    continue
                }
                let decrease = money(cost.attribute("СтоимУм")) ?? .zero
                let increase = money(cost.attribute("СтоимУвел")) ?? .zero
                if before - after != decrease - increase {
                    result.append(violation("ARITH-UKD-LINE", cost, "строка \(number): \(before) − \(after) ≠ \(decrease - increase)"))
                }
            }
            let vatBefore = line.child("СумНалДо")?.child("СумНДС").flatMap { money($0.node.text) } ?? .zero
            let vatAfter = line.child("СумНалПосле")?.child("СумНДС").flatMap { money($0.node.text) } ?? .zero
            let difference = line.child("СумНалРазн")
            let vatDecrease = difference?.child("СумУм").flatMap { money($0.node.text) } ?? .zero
            let vatIncrease = difference?.child("СумУвел").flatMap { money($0.node.text) } ?? .zero
            if vatBefore - vatAfter != vatDecrease - vatIncrease {
                result.append(violation("ARITH-UKD-LINE", line, "строка \(number): НДС \(vatBefore) − \(vatAfter) ≠ \(vatDecrease - vatIncrease)"))
            }
            if let quantity = decimal(line.attribute("КолТовПосле")), let price = decimal(line.attribute("ЦенаТовПосле")),
               let after = line.child("СтТовБезНДС").flatMap({ money($0.attribute("СтоимПослеИзм")) }),
               Money.multiply(price, by: quantity) != after {
                result.append(violation("ARITH-UKD-LINE", line, attribute: "ЦенаТовПосле",
                                        "строка \(number): \(quantity) × \(price) ≠ \(after)"))
            }
        }
        return result
    }

    static let correctionTotals = FNSRule(
        id: "ARITH-UKD-TOTALS", summary: "ВсегоУм / ВсегоУвел equal the sums of the lines' decreases / increases; at least one is present",
        formats: [.ukd501]
    ) { input in
        guard let table = input.document?.child("ТаблКСчФ") else { return [] }
        let rows = table.children("СведТов")
        var result: [RuleViolation] = []
        if table.child("ВсегоУм") == nil && table.child("ВсегоУвел") == nil {
            result.append(violation("ARITH-UKD-TOTALS", table, "ВсегоУвел or ВсегоУм is required"))
        }
        for (totalName, costAttribute, vatName) in [("ВсегоУм", "СтоимУм", "СумУм"), ("ВсегоУвел", "СтоимУвел", "СумУвел")] {
            guard let total = table.child(totalName) else { continue }
            for (attribute, element) in [("СтТовБезНДСВсего", "СтТовБезНДС"), ("СтТовУчНалВсего", "СтТовУчНал")] {
                let sum = rows.compactMap { $0.child(element).flatMap { money($0.attribute(costAttribute)) } }.sum()
                if let stated = money(total.attribute(attribute)), stated != sum {
                    result.append(violation("ARITH-UKD-TOTALS", total, attribute: attribute, "\(stated) ≠ sum of lines \(sum)"))
                }
            }
            let vatSum = rows.compactMap { $0.child("СумНалРазн")?.child(vatName).flatMap { money($0.node.text) } }.sum()
            if let statedNode = total.child("СумНал")?.child("СумНДС"), let stated = money(statedNode.node.text), stated != vatSum {
                result.append(violation("ARITH-UKD-TOTALS", statedNode, "\(stated) ≠ sum of lines \(vatSum)"))
            }
        }
        return result
    }

    // MARK: Requisites, dates, rates, lengths

    static let requisites = FNSRule(
        id: "REQ-INN-KPP", summary: "every ИНН and КПП of every party has valid check digits / form", formats: both
    ) { input in
        input.walk.ranked([.innLegal, .innPerson, .kpp]) { attribute, kind, element in
            if kind == .kpp {
                do throws(RequisiteError) { try Requisites.checkKPP(attribute.value) } catch {
                    return violation("REQ-INN-KPP", element(), attribute: "КПП", error.description)
                }
            } else {
                do throws(RequisiteError) { try INN.check(attribute.value) } catch {
                    return violation("REQ-INN-KPP", element(), attribute: attribute.name, error.description)
                }
            }
            return nil
        }
    }

    static let vatRateDate = FNSRule(
        id: "VAT-RATE-DATE", summary: "every НалСт is valid on the document date (22% from 01.01.2026, 20% until 31.12.2025)",
        formats: both
    ) { input in
        guard let document = input.document else { return [] }
        let header = input.format == .upd503 ? document.child("СвСчФакт") : document.child("СвКСчФ")
        let dateAttribute = input.format == .upd503 ? "ДатаДок" : "ДатаКСчФ"
        guard let date = header?.attribute(dateAttribute).flatMap(CivilDate.init(russian:)) else { return [] }
        return input.walk.ranked([.rate, .rateBefore, .rateAfter]) { attribute, _, element in
            guard let rate = VATRate(rawValue: attribute.value) else { return nil }
            do throws(VATRateError) { try rate.validate(on: date) } catch {
                return violation("VAT-RATE-DATE", element(), attribute: attribute.name, error.description)
            }
            return nil
        }
    }

    /// Character limits of the fields sverka writes, per format (the XSD's, restated so that a
    /// document is held with a plain message before libxml2 is even asked).
    static let limits: [DocumentFormat: [String: Int]] = [
        .upd503: ["НаимТов": 2000, "НаимОрг": 1000, "НомерДок": 1000, "Кварт": 50, "Дом": 50, "Улица": 255, "Город": 255,
                  "НаимРегион": 51, "НомерПРД": 30, "Значен": 2000, "Идентиф": 50, "НаимЕдИзм": 255, "АртикулТов": 50,
                  "РеквНомерДок": 255, "РеквНаимДок": 255, "СодОпер": 255, "Должн": 255, "НаимЭконСубСост": 1000,
                  "ИдФайл": 255, "ВерсПрог": 40, "НаимГосСист": 255, "СтруктПодр": 1000, "Фамилия": 60, "Имя": 60, "Отчество": 60],
        .ukd501: ["НаимТов": 1000, "НаимОрг": 1000, "НомерКСчФ": 256, "НомерСчФ": 1000, "Кварт": 20, "Дом": 20, "Улица": 50,
                  "Город": 50, "Значен": 2000, "Идентиф": 50, "ИдОтпр": 46, "ИдПол": 46, "СодОпер": 255, "Должн": 128,
                  "НаимЭконСубСост": 1000, "ИдФайл": 255, "ВерсПрог": 40, "Фамилия": 60, "Имя": 60, "Отчество": 60],
    ]

    static let fieldLengths = FNSRule(
        id: "FIELD-LENGTH", summary: "text fields within the format's limits (НаимТов ≤ 2000, names ≤ 1000, Кварт ≤ 50/20, …)",
        formats: both
    ) { input in
        var result: [RuleViolation] = []
        let walk = input.walk
        for known in walk.known {
            let limit = known.info.limit(input.format)
            guard limit > 0 else { continue }
            let attribute = walk.attribute(known)
            // A value of at most `limit` bytes has at most `limit` characters: count them only beyond.
            if attribute.value.isEmpty || attribute.value.utf8.count > limit && attribute.value.count > limit {
                result.append(violation("FIELD-LENGTH", walk.elements[known.position], attribute: attribute.name,
                                        "has \(attribute.value.count) characters, allowed 1–\(limit)"))
            }
        }
        return result
    }

    static let dateFormats = FNSRule(
        id: "DATE-FORMAT", summary: "dates are ДД.ММ.ГГГГ calendar days, times ЧЧ.ММ.СС", formats: both
    ) { input in
        var result: [RuleViolation] = []
        let walk = input.walk
        for known in walk.known where known.info.kind == .date || known.info.kind == .time {
            let attribute = walk.attribute(known)
            if known.info.kind == .date {
                if CivilDate(russian: attribute.value) == nil {
                    result.append(violation("DATE-FORMAT", walk.elements[known.position], attribute: attribute.name,
                                            "«\(attribute.value)» is not a ДД.ММ.ГГГГ date"))
                }
            } else if !isFNSTime(attribute.value) {
                result.append(violation("DATE-FORMAT", walk.elements[known.position], attribute: attribute.name,
                                        "«\(attribute.value)» is not a ЧЧ.ММ.СС time"))
            }
        }
        return result
    }

    static func isFNSTime(_ text: String) -> Bool {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, parts.allSatisfy({ $0.count == 2 && $0.allSatisfy(\.isASCIIDigit) }),
              let hours = Int(parts[0]), let minutes = Int(parts[1]), let seconds = Int(parts[2]) else { return false }
        return hours < 24 && minutes < 60 && seconds < 60
    }

    static let correctionParticipants = FNSRule(
        id: "UKD-HEADER", summary: "УКД names the adjusted invoice (СчФ) and its seller and buyer", formats: [.ukd501]
    ) { input in
        guard let header = input.document?.child("СвКСчФ") else {
            return [violation("UKD-HEADER", input.document ?? input.file, "СвКСчФ is required")]
        }
        var result: [RuleViolation] = []
        if header.children("СчФ").isEmpty { result.append(violation("UKD-HEADER", header, "СчФ (the adjusted invoice) is required")) }
        if header.child("СвПрод") == nil { result.append(violation("UKD-HEADER", header, "СвПрод is required")) }
        if header.child("СвПокуп") == nil { result.append(violation("UKD-HEADER", header, "СвПокуп is required")) }
        return result
    }
}
