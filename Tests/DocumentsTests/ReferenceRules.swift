import Documents
import Domain

/// The beyond-XSD rules as they were written before they became one walk (kept in the tests only,
/// as the reference the fast rules are compared with): each rule on its own, over nodes that
/// carry their path as a string, every attribute looked up by name. Same ids, paths, lines,
/// messages and order as `FNSRule.run` must give.
enum ReferenceRules {
    /// A node and its spelled path.
    struct Node: Sendable {
        var node: DocumentTree
        var path: String

        /// `/name` or `/name[i]` for child `index` of `siblings`, the index only where the name repeats.
        static func step(_ siblings: [DocumentTree], _ index: Int) -> String {
            let name = siblings[index].name
            let same = siblings.indices.filter { siblings[$0].name.utf8.elementsEqual(name.utf8) }
            guard same.count > 1, let ordinal = same.firstIndex(of: index) else { return "/" + name }
            return "/\(name)[\(ordinal + 1)]"
        }

        func children(_ name: String) -> [Node] {
            node.children.indices.filter { node.children[$0].name.utf8.elementsEqual(name.utf8) }.map {
                Node(node: node.children[$0], path: path + Self.step(node.children, $0))
            }
        }

        func child(_ name: String) -> Node? { children(name).first }

        func attribute(_ name: String) -> String? {
            node.attributes.first { $0.name.utf8.elementsEqual(name.utf8) }?.value
        }

        func attributePath(_ name: String) -> String { path + "/@" + name }

        /// This node and every element below it, depth first.
        func all() -> [Node] {
            [self] + node.children.indices.flatMap { Node(node: node.children[$0], path: path + Self.step(node.children, $0)).all() }
        }
    }

    struct Input: Sendable {
        var root: DocumentTree
        var fileName: String?
        var format: DocumentFormat
        var file: Node { Node(node: root, path: "/Файл") }
        var document: Node? { file.child("Документ") }
        var lines: [Node] { document?.child("ТаблСчФакт")?.children("СведТов") ?? [] }
        var function: String { document?.attribute("Функция") ?? "" }
        var isInvoice: Bool { function == "СЧФ" || function == "СЧФДОП" }
        var isAdvance: Bool { document?.child("СвСчФакт")?.child("ДопСвФХЖ1")?.attribute("СпОбстФСЧФ") == "2" }
    }

    struct RefRule: Sendable {
        var id: String
        var summary: String
        var formats: Set<DocumentFormat>
        var check: @Sendable (Input) -> [RuleViolation]
    }

    /// The violations of `rules` (all when `nil`, else those with these ids) in the reporting order.
    static func run(on root: DocumentTree, fileName: String?, only ids: Set<String>? = nil) -> [RuleViolation] {
        guard let format = DocumentFormat.of(root) else {
            return [RuleViolation(ruleID: "FORMAT", path: "/" + root.name, line: root.line,
                                  message: "not a УПД 5.03 (КНД 1115131) or УКД 5.01 (КНД 1115133) document")]
        }
        let input = Input(root: root, fileName: fileName, format: format)
        return all.filter { $0.formats.contains(format) && (ids?.contains($0.id) ?? true) }.flatMap { $0.check(input) }
    }

    static let upd: Set<DocumentFormat> = [.upd503]
    static let both: Set<DocumentFormat> = [.upd503, .ukd501]

    static let all: [RefRule] = [
        fileName, tableRequired, transferRequired, documentName, transferDate, totalsRequired,
        lineName, unitName, quantityRequired, pricePositive, quantityPositive, lineValuesRequired,
        addressRequired, powerOfAttorney, shipmentDocument, advanceCircumstance,
        lineArithmetic, totals, requisites, vatRateDate, fieldLengths, dateFormats,
        correctionArithmetic, correctionTotals, correctionParticipants,
    ]

    static func violation(_ id: String, _ node: Node, attribute: String? = nil, _ message: String) -> RuleViolation {
        RuleViolation(ruleID: id, path: attribute.map { node.attributePath($0) } ?? node.path, line: node.node.line, message: message)
    }

    static func lines(_ input: Input) -> [Node] { input.lines }

    static func decimal(_ text: String?) -> ExactDecimal? { text.flatMap { ExactDecimal($0) } }

    static func money(_ text: String?) -> Money? {
        guard let value = decimal(text), let cents = value.rescaled(to: 2) else { return nil }
        return Money(kopecks: cents.units)
    }

    static func participants(_ input: Input) -> [Node] {
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

    static let fileName = RefRule(
        id: "FILE-NAME", summary: "the file name (without .xml) equals Файл/@ИдФайл", formats: both
    ) { input in
        guard let name = input.fileName else { return [] }
        let id = input.root[attribute: "ИдФайл"] ?? ""
        guard name != id else { return [] }
        return [violation("FILE-NAME", input.file, attribute: "ИдФайл",
                          "file name «\(name)» differs from ИдФайл «\(id)»")]
    }

    // MARK: Schematron conditions (FORMAT-NOTES §3–5)

    static let tableRequired = RefRule(
        id: "FNS-TABLE", summary: "ТаблСчФакт is present for Функция СЧФ and СЧФДОП", formats: upd
    ) { input in
        guard input.isInvoice, let document = input.document, document.child("ТаблСчФакт") == nil else { return [] }
        return [violation("FNS-TABLE", document, "Функция=\(input.function) requires ТаблСчФакт")]
    }

    static let transferRequired = RefRule(
        id: "FNS-TRANSFER", summary: "СвПродПер is present for Функция ДОП and СЧФДОП", formats: upd
    ) { input in
        guard input.function == "ДОП" || input.function == "СЧФДОП", let document = input.document,
              document.child("СвПродПер") == nil else { return [] }
        return [violation("FNS-TRANSFER", document, "Функция=\(input.function) requires СвПродПер")]
    }

    static let documentName = RefRule(
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

    static let transferDate = RefRule(
        id: "FNS-TRANSFER-DATE", summary: "СвПер has ДатаПер, or both ДатаНачПер and ДатаОконПер", formats: upd
    ) { input in
        guard let transfer = input.document?.child("СвПродПер")?.child("СвПер") else { return [] }
        if transfer.attribute("ДатаПер") != nil { return [] }
        if transfer.attribute("ДатаНачПер") != nil && transfer.attribute("ДатаОконПер") != nil { return [] }
        return [violation("FNS-TRANSFER-DATE", transfer, "needs ДатаПер or both ДатаНачПер and ДатаОконПер")]
    }

    static let totalsRequired = RefRule(
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

    static let lineName = RefRule(
        id: "FNS-LINE-NAME", summary: "every line has НаимТов for СЧФ and СЧФДОП", formats: upd
    ) { input in
        guard input.isInvoice else { return [] }
        return lines(input).filter { $0.attribute("НаимТов") == nil }.map {
            violation("FNS-LINE-NAME", $0, attribute: "НаимТов", "is required for Функция=\(input.function)")
        }
    }

    static let unitName = RefRule(
        id: "FNS-UNIT-NAME", summary: "НаимЕдИзм is present when ОКЕИ_Тов is", formats: upd
    ) { input in
        lines(input).filter { $0.attribute("ОКЕИ_Тов") != nil && $0.attribute("НаимЕдИзм") == nil }.map {
            violation("FNS-UNIT-NAME", $0, attribute: "НаимЕдИзм", "is required when ОКЕИ_Тов is given")
        }
    }

    static let quantityRequired = RefRule(
        id: "FNS-QUANTITY", summary: "КолТов is present for СЧФ/СЧФДОП when ОКЕИ_Тов is, and unless an advance invoice",
        formats: upd
    ) { input in
        guard input.isInvoice else { return [] }
        return lines(input).filter {
            $0.attribute("КолТов") == nil && ($0.attribute("ОКЕИ_Тов") != nil || !input.isAdvance)
        }.map { violation("FNS-QUANTITY", $0, attribute: "КолТов", "is required for Функция=\(input.function)") }
    }

    static let pricePositive = RefRule(
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

    static let quantityPositive = RefRule(
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

    static let lineValuesRequired = RefRule(
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

    static let addressRequired = RefRule(
        id: "FNS-ADDRESS", summary: "СвПрод, ГрузОтпр, ГрузПолуч and СвПокуп have Адрес for СЧФ and СЧФДОП", formats: upd
    ) { input in
        guard input.isInvoice else { return [] }
        return participants(input).filter { $0.child("Адрес") == nil }.map {
            violation("FNS-ADDRESS", $0, "Адрес is required for Функция=\(input.function)")
        }
    }

    static let powerOfAttorney = RefRule(
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

    static let shipmentDocument = RefRule(
        id: "FNS-SHIPMENT-DOC", summary: "ДокПодтвОтгрНом is present for СЧФ unless СпОбстФСЧФ=2", formats: upd
    ) { input in
        guard input.function == "СЧФ", !input.isAdvance, let header = input.document?.child("СвСчФакт"),
              header.child("ДокПодтвОтгрНом") == nil else { return [] }
        return [violation("FNS-SHIPMENT-DOC", header, "ДокПодтвОтгрНом is required for Функция=СЧФ unless СпОбстФСЧФ=2")]
    }

    static let advanceCircumstance = RefRule(
        id: "FNS-SPOBST", summary: "ДопСвФХЖ1/@СпОбстФСЧФ only with Функция=СЧФ", formats: upd
    ) { input in
        guard input.function != "СЧФ", let extra = input.document?.child("СвСчФакт")?.child("ДопСвФХЖ1"),
              extra.attribute("СпОбстФСЧФ") != nil else { return [] }
        return [violation("FNS-SPOBST", extra, attribute: "СпОбстФСЧФ", "is allowed only with Функция=СЧФ")]
    }

    // MARK: Arithmetic

    static let lineArithmetic = RefRule(
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

    static let totals = RefRule(
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

    static let correctionArithmetic = RefRule(
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

    static let correctionTotals = RefRule(
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

    // MARK: Requisites, dates, rates, lengths (over every element's attributes)

    enum Kind { case other, date, time, innLegal, innPerson, kpp, rate, rateBefore, rateAfter }

    static let listedKinds: [String: Kind] = [
        "ИННЮЛ": .innLegal, "ИННФЛ": .innPerson, "КПП": .kpp, "НалСт": .rate, "НалСтДо": .rateBefore,
        "НалСтПосле": .rateAfter, "РеквДатаДок": .date, "ДатаПРД": .date,
    ]

    static func kind(_ name: String) -> Kind {
        if let kind = listedKinds[name] { return kind }
        if name.utf8.starts(with: "Дата".utf8) { return .date }
        if name.utf8.starts(with: "Врем".utf8) { return .time }
        return .other
    }

    static let upd503Limits: [String: Int] = [
        "НаимТов": 2000, "НаимОрг": 1000, "НомерДок": 1000, "Кварт": 50, "Дом": 50, "Улица": 255, "Город": 255,
        "НаимРегион": 51, "НомерПРД": 30, "Значен": 2000, "Идентиф": 50, "НаимЕдИзм": 255, "АртикулТов": 50,
        "РеквНомерДок": 255, "РеквНаимДок": 255, "СодОпер": 255, "Должн": 255, "НаимЭконСубСост": 1000,
        "ИдФайл": 255, "ВерсПрог": 40, "НаимГосСист": 255, "СтруктПодр": 1000, "Фамилия": 60, "Имя": 60, "Отчество": 60,
    ]
    static let ukd501Limits: [String: Int] = [
        "НаимТов": 1000, "НаимОрг": 1000, "НомерКСчФ": 256, "НомерСчФ": 1000, "Кварт": 20, "Дом": 20, "Улица": 50,
        "Город": 50, "Значен": 2000, "Идентиф": 50, "ИдОтпр": 46, "ИдПол": 46, "СодОпер": 255, "Должн": 128,
        "НаимЭконСубСост": 1000, "ИдФайл": 255, "ВерсПрог": 40, "Фамилия": 60, "Имя": 60, "Отчество": 60,
    ]

    /// Per element (document order), the violations of the attributes of `kinds`, ordered by the kind's rank.
    static func ranked(_ input: Input, _ kinds: [Kind],
                       _ check: (DocumentTree.Attribute, Kind, Node) -> RuleViolation?) -> [RuleViolation] {
        var result: [RuleViolation] = []
        for element in input.file.all() {
            var found: [(rank: Int, violation: RuleViolation)] = []
            for attribute in element.node.attributes {
                let kind = kind(attribute.name)
                guard let rank = kinds.firstIndex(of: kind) else { continue }
                if let violation = check(attribute, kind, element) { found.append((rank, violation)) }
            }
            result += found.enumerated().sorted { ($0.element.rank, $0.offset) < ($1.element.rank, $1.offset) }.map(\.element.violation)
        }
        return result
    }

    static let requisites = RefRule(id: "REQ-INN-KPP", summary: "", formats: both) { input in
        ranked(input, [.innLegal, .innPerson, .kpp]) { attribute, kind, element in
            if kind == .kpp {
                do throws(RequisiteError) { try Requisites.checkKPP(attribute.value) } catch {
                    return violation("REQ-INN-KPP", element, attribute: "КПП", error.description)
                }
            } else {
                do throws(RequisiteError) { try INN.check(attribute.value) } catch {
                    return violation("REQ-INN-KPP", element, attribute: attribute.name, error.description)
                }
            }
            return nil
        }
    }

    static let vatRateDate = RefRule(id: "VAT-RATE-DATE", summary: "", formats: both) { input in
        guard let document = input.document else { return [] }
        let header = input.format == .upd503 ? document.child("СвСчФакт") : document.child("СвКСчФ")
        let dateAttribute = input.format == .upd503 ? "ДатаДок" : "ДатаКСчФ"
        guard let date = header?.attribute(dateAttribute).flatMap(CivilDate.init(russian:)) else { return [] }
        return ranked(input, [.rate, .rateBefore, .rateAfter]) { attribute, _, element in
            guard let rate = VATRate(rawValue: attribute.value) else { return nil }
            do throws(VATRateError) { try rate.validate(on: date) } catch {
                return violation("VAT-RATE-DATE", element, attribute: attribute.name, error.description)
            }
            return nil
        }
    }

    static let fieldLengths = RefRule(id: "FIELD-LENGTH", summary: "", formats: both) { input in
        var result: [RuleViolation] = []
        let limits = input.format == .upd503 ? upd503Limits : ukd501Limits
        for element in input.file.all() {
            for attribute in element.node.attributes {
                guard let limit = limits[attribute.name] else { continue }
                if attribute.value.isEmpty || attribute.value.count > limit {
                    result.append(violation("FIELD-LENGTH", element, attribute: attribute.name,
                                            "has \(attribute.value.count) characters, allowed 1–\(limit)"))
                }
            }
        }
        return result
    }

    static let dateFormats = RefRule(id: "DATE-FORMAT", summary: "", formats: both) { input in
        var result: [RuleViolation] = []
        for element in input.file.all() {
            for attribute in element.node.attributes {
                switch kind(attribute.name) {
                case .date where CivilDate(russian: attribute.value) == nil:
                    result.append(violation("DATE-FORMAT", element, attribute: attribute.name,
                                            "«\(attribute.value)» is not a ДД.ММ.ГГГГ date"))
                case .time where !isFNSTime(attribute.value):
                    result.append(violation("DATE-FORMAT", element, attribute: attribute.name,
                                            "«\(attribute.value)» is not a ЧЧ.ММ.СС time"))
                default:
                    break
                }
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

    static let correctionParticipants = RefRule(id: "UKD-HEADER", summary: "", formats: [.ukd501]) { input in
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
