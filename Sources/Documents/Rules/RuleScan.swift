import Domain

/// The built-in rules in reporting order (`BeyondXSDRules.all`): a violation found by the scan
/// carries its rule's index, and sorting by it restores the order the rules report in.
enum RuleIndex: Int, CaseIterable, Sendable {
    case fileName, tableRequired, transferRequired, documentName, transferDate, totalsRequired,
         lineName, unitName, quantityRequired, pricePositive, quantityPositive, lineValuesRequired,
         addressRequired, powerOfAttorney, shipmentDocument, advanceCircumstance,
         lineArithmetic, totals, requisites, vatRateDate, fieldLengths, dateFormats,
         correctionArithmetic, correctionTotals, correctionParticipants
}

/// What the built-in rules found in one document, in the order they report it.
struct RuleFindings: Sendable {
    /// Each violation with its rule, sorted by rule (each rule's own order kept).
    let entries: [(rule: RuleIndex, violation: RuleViolation)]

    /// All violations, rule after rule.
    var violations: [RuleViolation] { entries.map(\.violation) }

    /// The violations of one rule.
    func violations(of rule: RuleIndex) -> [RuleViolation] {
        guard !entries.isEmpty else { return [] }
        return entries.compactMap { $0.rule == rule ? $0.violation : nil }
    }
}

/// A node's position below the root as child indices, at most eight deep, without an allocation:
/// what the rules keep of where a node is, spelled as a path only for a violation.
struct Steps: Sendable {
    private var indices = SIMD8<Int32>()
    private(set) var count = 0

    static let root = Steps()

    /// The position of child `index` of this node.
    func child(_ index: Int) -> Steps {
        var steps = self
        steps.indices[count] = Int32(truncatingIfNeeded: index)
        steps.count += 1
        return steps
    }

    subscript(position: Int) -> Int { Int(indices[position]) }
}

/// All built-in rules over one document in a single pass: the header facts (function, advance,
/// the table, the participants) are found first by name; one depth-first walk then classifies each
/// attribute once (`AttributeNames.rules`) and feeds the element-wide rules (requisites, rates,
/// lengths, dates) and, on the lines of the УПД table, the line rules with each number parsed once;
/// the totals compare with the sums the walk kept. Paths and messages are spelled only for a
/// violation. The result equals each rule run on its own, in `BeyondXSDRules.all`'s order.
struct RuleScan {
    let root: DocumentTree
    let format: DocumentFormat
    private var found: [(rule: RuleIndex, minor: Int, violation: RuleViolation)] = []

    /// Scans `root` as a document of `format`.
    static func findings(root: DocumentTree, fileName: String?, format: DocumentFormat) -> RuleFindings {
        var scan = RuleScan(root: root, format: format)
        scan.run(fileName: fileName)
        guard !scan.found.isEmpty else { return RuleFindings(entries: []) }
        let sorted = scan.found.enumerated().sorted {
            ($0.element.rule.rawValue, $0.element.minor, $0.offset) < ($1.element.rule.rawValue, $1.element.minor, $1.offset)
        }
        return RuleFindings(entries: sorted.map { ($0.element.rule, $0.element.violation) })
    }

    private init(root: DocumentTree, format: DocumentFormat) {
        self.root = root
        self.format = format
    }

    // MARK: Reporting

    /// The path of the node at `steps` (`/Файл/Документ/ТаблСчФакт/СведТов[2]`).
    func path(_ steps: Steps) -> String {
        path(count: steps.count) { steps[$0] }
    }

    func path(count: Int, _ step: (Int) -> Int) -> String {
        var path = "/Файл"
        var siblings = root.children
        for position in 0..<count {
            let index = step(position)
            path += Self.step(siblings, index)
            siblings = siblings[index].children
        }
        return path
    }

    /// `/name` or `/name[i]` for child `index` of `siblings`: `i` counts the same-named siblings
    /// up to it, written only when the name repeats.
    static func step(_ siblings: [DocumentTree], _ index: Int) -> String {
        let name = siblings[index].name
        var ordinal = 1
        var total = 0
        for (position, sibling) in siblings.enumerated() where sameName(sibling.name, name) {
            total += 1
            if position < index { ordinal += 1 }
        }
        return "/" + name + (total > 1 ? "[\(ordinal)]" : "")
    }

    private mutating func report(_ rule: RuleIndex, _ node: Node, attribute: String? = nil, minor: Int = 0, _ message: String) {
        let base = path(node.steps)
        found.append((rule, minor, RuleViolation(ruleID: BeyondXSDRules.ids[rule.rawValue],
                                                 path: attribute.map { base + "/@" + $0 } ?? base,
                                                 line: node.tree.line, message: message)))
    }

    /// A node and where it is.
    struct Node {
        let tree: DocumentTree
        let steps: Steps

        /// The first child named `name`.
        func child(_ name: String) -> Node? {
            let children = tree.children
            guard let index = children.firstIndex(where: { sameName($0.name, name) }) else { return nil }
            return Node(tree: children[index], steps: steps.child(index))
        }

        /// Each child named `name`, in document order.
        func children(_ name: String) -> [Node] {
            let children = tree.children
            var result: [Node] = []
            for index in children.indices where sameName(children[index].name, name) {
                result.append(Node(tree: children[index], steps: steps.child(index)))
            }
            return result
        }

        func hasChild(_ name: String) -> Bool { tree.children.contains { sameName($0.name, name) } }

        func attribute(_ name: String) -> String? { tree[attribute: name] }
    }

    // MARK: The scan

    private mutating func run(fileName: String?) {
        let file = Node(tree: root, steps: .root)
        if let name = fileName {
            let id = root[attribute: "ИдФайл"] ?? ""
            if name != id { report(.fileName, file, attribute: "ИдФайл", "file name «\(name)» differs from ИдФайл «\(id)»") }
        }
        let document = file.child("Документ")
        switch format {
        case .upd503:
            let facts = InvoiceFacts(document: document)
            invoiceHeader(facts)
            var sums = LineSums()
            walk(documentDate: facts.date, lines: facts.table?.steps, invoice: facts, sums: &sums)
            invoiceTotals(facts, sums)
        case .ukd501:
            let header = document?.child("СвКСчФ")
            let date = header?.attribute("ДатаКСчФ").flatMap(RuleValues.fastRussianDate)
            var sums = LineSums()
            walk(documentDate: date, lines: nil, invoice: nil, sums: &sums)
            correction(document: document, header: header)
        }
    }

    // MARK: УПД header (FORMAT-NOTES §3–5)

    /// What the УПД rules read of the header, found once.
    struct InvoiceFacts {
        let document: Node?
        /// `Документ/@Функция` (empty when absent).
        let function: String
        /// Функция СЧФ or СЧФДОП.
        let isInvoice: Bool
        /// `СвСчФакт/ДопСвФХЖ1/@СпОбстФСЧФ` = 2.
        let isAdvance: Bool
        let header: Node?
        let table: Node?
        /// `СвСчФакт/@ДатаДок`, when a date.
        let date: CivilDate?

        init(document: Node?) {
            self.document = document
            let function = document?.attribute("Функция") ?? ""
            self.function = function
            isInvoice = sameName(function, "СЧФ") || sameName(function, "СЧФДОП")
            let header = document?.child("СвСчФакт")
            self.header = header
            isAdvance = header?.child("ДопСвФХЖ1")?.attribute("СпОбстФСЧФ").map { sameName($0, "2") } ?? false
            table = document?.child("ТаблСчФакт")
            date = header?.attribute("ДатаДок").flatMap(RuleValues.fastRussianDate)
        }
    }

    private mutating func invoiceHeader(_ facts: InvoiceFacts) {
        guard let document = facts.document else { return }
        let function = facts.function
        if facts.isInvoice, facts.table == nil {
            report(.tableRequired, document, "Функция=\(function) requires ТаблСчФакт")
        }
        let transferPart = document.child("СвПродПер")
        if sameName(function, "ДОП") || sameName(function, "СЧФДОП"), transferPart == nil {
            report(.transferRequired, document, "Функция=\(function) requires СвПродПер")
        }
        let namePresent = document.attribute("НаимДокОпр") != nil
        if sameName(function, "СЧФ") && namePresent {
            report(.documentName, document, attribute: "НаимДокОпр", "must be absent for Функция=СЧФ")
        } else if !namePresent, ["СЧФДОП", "ДОП", "СвРК", "СвЗК"].contains(where: { sameName(function, $0) }) {
            report(.documentName, document, attribute: "НаимДокОпр", "is required for Функция=\(function)")
        }
        if let transfer = transferPart?.child("СвПер"), transfer.attribute("ДатаПер") == nil,
           transfer.attribute("ДатаНачПер") == nil || transfer.attribute("ДатаОконПер") == nil {
            report(.transferDate, transfer, "needs ДатаПер or both ДатаНачПер and ДатаОконПер")
        }
        if facts.isInvoice, let total = facts.table?.child("ВсегоОпл") {
            if total.attribute("СтТовУчНалВсего") == nil {
                report(.totalsRequired, total, attribute: "СтТовУчНалВсего", "is required for Функция=\(function)")
            }
            if !facts.isAdvance && total.attribute("СтТовБезНДСВсего") == nil {
                report(.totalsRequired, total, attribute: "СтТовБезНДСВсего", "is required unless СпОбстФСЧФ=2")
            }
        }
        if facts.isInvoice, let header = facts.header {
            var participants = header.children("СвПрод")
            for shipper in header.children("ГрузОт") { participants += shipper.children("ГрузОтпр") }
            participants += header.children("ГрузПолуч")
            participants += header.children("СвПокуп")
            for participant in participants where !participant.hasChild("Адрес") {
                report(.addressRequired, participant, "Адрес is required for Функция=\(function)")
            }
        }
        for signer in document.children("Подписант") {
            let method = signer.attribute("СпосПодтПолном") ?? ""
            let electronic = signer.hasChild("СвДоверЭл")
            let paper = signer.hasChild("СвДоверБум")
            if sameName(method, "3") != electronic {
                report(.powerOfAttorney, signer, attribute: "СпосПодтПолном",
                       sameName(method, "3") ? "СпосПодтПолном=3 requires СвДоверЭл" : "СвДоверЭл is allowed only with СпосПодтПолном=3")
            }
            if sameName(method, "5") != paper {
                report(.powerOfAttorney, signer, attribute: "СпосПодтПолном",
                       sameName(method, "5") ? "СпосПодтПолном=5 requires СвДоверБум" : "СвДоверБум is allowed only with СпосПодтПолном=5")
            }
        }
        let isSCHF = sameName(function, "СЧФ")
        if isSCHF, !facts.isAdvance, let header = facts.header, !header.hasChild("ДокПодтвОтгрНом") {
            report(.shipmentDocument, header, "ДокПодтвОтгрНом is required for Функция=СЧФ unless СпОбстФСЧФ=2")
        }
        if !isSCHF, let extra = facts.header?.child("ДопСвФХЖ1"), extra.attribute("СпОбстФСЧФ") != nil {
            report(.advanceCircumstance, extra, attribute: "СпОбстФСЧФ", "is allowed only with Функция=СЧФ")
        }
    }

    // MARK: УПД lines and totals

    /// The sums of the lines' columns (each line's parsed values), for the totals.
    struct LineSums {
        var total = WideAmount.zero
        var withoutVAT = WideAmount.zero
        var vat = WideAmount.zero
    }

    /// The line rules on one line of the table, its attributes already sorted into `values`.
    private mutating func invoiceLine(_ line: Node, _ values: inout [String?], _ facts: InvoiceFacts, sums: inout LineSums,
                                      rate: VATRate?) {
        typealias Slot = AttributeInfo.LineSlot
        func value(_ slot: Slot) -> String? { values[slot.rawValue] }
        let function = facts.function
        let quantityText = value(.quantity)
        let priceText = value(.price)
        let quantity = quantityText.flatMap(RuleValues.decimal)
        let price = priceText.flatMap(RuleValues.decimal)
        let total = RuleValues.money(value(.total))
        let withoutVAT = RuleValues.money(value(.withoutVAT))
        let vatText = line.child("СумНал")?.child("СумНал")?.tree.text
        let vatMoney = vatText.flatMap(RuleValues.money)
        if let total { sums.total += WideAmount(total) }
        if let withoutVAT { sums.withoutVAT += WideAmount(withoutVAT) }
        if let vatMoney { sums.vat += WideAmount(vatMoney) }

        if facts.isInvoice && value(.name) == nil {
            report(.lineName, line, attribute: "НаимТов", "is required for Функция=\(function)")
        }
        if value(.unitCode) != nil && value(.unitName) == nil {
            report(.unitName, line, attribute: "НаимЕдИзм", "is required when ОКЕИ_Тов is given")
        }
        if facts.isInvoice && quantityText == nil && (value(.unitCode) != nil || !facts.isAdvance) {
            report(.quantityRequired, line, attribute: "КолТов", "is required for Функция=\(function)")
        }
        if facts.isInvoice, quantityText != nil, !(price?.isPositive ?? false) {
            report(.pricePositive, line, attribute: "ЦенаТов",
                   "must be present and greater than 0 when КолТов is given (got \(priceText ?? "nothing"))")
        }
        if let quantityText, !(quantity?.isPositive ?? false) {
            report(.quantityPositive, line, attribute: "КолТов", "must be a number greater than 0 (got «\(quantityText)»)")
        }
        if facts.isInvoice {
            if value(.total) == nil {
                report(.lineValuesRequired, line, attribute: "СтТовУчНал", "is required for Функция=\(function)")
            }
            if !facts.isAdvance && value(.withoutVAT) == nil {
                report(.lineValuesRequired, line, attribute: "СтТовБезНДС", "is required unless СпОбстФСЧФ=2")
            }
        }
        // ARITH-LINE: графа 5 = round(3 × 4), графа 8 = round(9 × rate/(100+rate)), 5 + 8 = 9.
        guard let total else { return }
        let number = value(.number) ?? "?"
        let vat = vatMoney ?? .zero
        if let rate, vatText != nil || rate == .exempt {
            let expected = LineAmounts.vat(includedIn: total, rate: rate)
            if expected != vat {
                report(.lineArithmetic, line, attribute: "СтТовУчНал",
                       "строка \(number): НДС \(vat) ≠ \(total) × \(rate.shareOfGross.numerator)/\(rate.shareOfGross.denominator) = \(expected)")
            }
        }
        if let withoutVAT {
            if WideAmount(withoutVAT) + WideAmount(vat) != WideAmount(total) {
                report(.lineArithmetic, line, attribute: "СтТовБезНДС", "строка \(number): \(withoutVAT) + НДС \(vat) ≠ \(total)")
            }
            if let quantity, let price {
                let product = WideAmount.product(price, quantity)
                if product != WideAmount(withoutVAT) {
                    report(.lineArithmetic, line, attribute: "ЦенаТов", "строка \(number): \(quantity) × \(price) = \(product) ≠ \(withoutVAT)")
                }
            }
        }
    }

    private mutating func invoiceTotals(_ facts: InvoiceFacts, _ sums: LineSums) {
        guard let total = facts.table?.child("ВсегоОпл") else { return }
        if let stated = RuleValues.money(total.attribute("СтТовУчНалВсего")), WideAmount(stated) != sums.total {
            report(.totals, total, attribute: "СтТовУчНалВсего", "\(stated) ≠ sum of lines \(sums.total)")
        }
        if let stated = RuleValues.money(total.attribute("СтТовБезНДСВсего")), WideAmount(stated) != sums.withoutVAT {
            report(.totals, total, attribute: "СтТовБезНДСВсего", "\(stated) ≠ sum of lines \(sums.withoutVAT)")
        }
        if let statedNode = total.child("СумНалВсего")?.child("СумНал"), let stated = RuleValues.money(statedNode.tree.text), WideAmount(stated) != sums.vat {
            report(.totals, statedNode, "СумНалВсего \(stated) ≠ sum of lines \(sums.vat)")
        }
    }

    // MARK: The walk: requisites, rates, lengths, dates (and the УПД lines)

    /// Walks every element depth first. `lines`: where the УПД table is, whose `СведТов` children
    /// get the line rules (`invoice` holds the header facts they need).
    private mutating func walk(documentDate: CivilDate?, lines table: Steps?, invoice: InvoiceFacts?, sums: inout LineSums) {
        var stack: [Int] = []
        stack.reserveCapacity(16)
        var ordinal = 0
        var values = [String?](repeating: nil, count: AttributeInfo.LineSlot.count)
        // The element's attributes of the ranked kinds (requisites, rates): (attribute index, kind).
        var ranked: [(index: Int, kind: AttributeInfo.Kind)] = []
        ranked.reserveCapacity(8)
        let names = AttributeNames.rules
        // The table's position as a path of indices, compared with the walk's stack.
        var tablePath: [Int] = []
        if let table { for position in 0..<table.count { tablePath.append(table[position]) } }

        func visit(_ node: DocumentTree, isLine: Bool, scan: inout RuleScan) {
            let element = ordinal
            ordinal += 1
            var hasRequisite = false
            var hasRate = false
            let attributes = node.attributes
            for index in attributes.indices {
                let attribute = attributes[index]
                let info = names.info(attribute.name)
                guard info.isKnown else { continue }
                let value = attribute.value
                let limit = info.limit(scan.format)
                // A value of at most `limit` bytes has at most `limit` characters: count them only beyond.
                if limit > 0, value.isEmpty || value.utf8.count > limit && value.count > limit {
                    scan.reportHere(.fieldLengths, node, stack, attribute: attribute.name,
                                    "has \(value.count) characters, allowed 1–\(limit)")
                }
                switch info.kind {
                case .date:
                    if RuleValues.fastRussianDate(value) == nil {
                        scan.reportHere(.dateFormats, node, stack, attribute: attribute.name, "«\(value)» is not a ДД.ММ.ГГГГ date")
                    }
                case .time:
                    if !RuleValues.isFNSTime(value) {
                        scan.reportHere(.dateFormats, node, stack, attribute: attribute.name, "«\(value)» is not a ЧЧ.ММ.СС time")
                    }
                case .innLegal, .innPerson, .kpp:
                    hasRequisite = true
                    ranked.append((index, info.kind))
                case .rate, .rateBefore, .rateAfter:
                    hasRate = true
                    ranked.append((index, info.kind))
                case .other: break
                }
                if isLine, info.lineSlot != .none, values[info.lineSlot.rawValue] == nil {
                    values[info.lineSlot.rawValue] = value
                }
            }
            if hasRequisite {
                // Within an element: ИННЮЛ, then ИННФЛ, then КПП (as the rule always reported them).
                for (rank, kind) in Self.requisiteKinds.enumerated() {
                    for entry in ranked where entry.kind == kind {
                        let attribute = attributes[entry.index]
                        if let message = RuleValues.requisiteProblem(attribute.value, kind: kind) {
                            scan.reportHere(.requisites, node, stack, attribute: kind == .kpp ? "КПП" : attribute.name,
                                            minor: element &* 4 &+ rank, message)
                        }
                    }
                }
            }
            if hasRate {
                for (rank, kind) in Self.rateKinds.enumerated() {
                    for entry in ranked where entry.kind == kind {
                        let attribute = attributes[entry.index]
                        guard let rate = RuleValues.vatRate(attribute.value) else { continue }
                        guard let documentDate else { continue }
                        do throws(VATRateError) { try rate.validate(on: documentDate) } catch {
                            scan.reportHere(.vatRateDate, node, stack, attribute: attribute.name, minor: element &* 4 &+ rank,
                                            error.description)
                        }
                    }
                }
            }
            ranked.removeAll(keepingCapacity: true)
            if isLine, let invoice {
                // The line's first НалСт (as `attribute(_:)` finds it).
                let rate = values[AttributeInfo.LineSlot.rate.rawValue].flatMap(RuleValues.vatRate)
                scan.invoiceLine(Node(tree: node, steps: Self.stepsOf(stack)), &values, invoice, sums: &sums, rate: rate)
                for slot in values.indices { values[slot] = nil }
            }
            let children = node.children
            let isTable = stack.count == tablePath.count && stack == tablePath && table != nil
            for index in children.indices {
                stack.append(index)
                visit(children[index], isLine: isTable && sameName(children[index].name, "СведТов"), scan: &scan)
                stack.removeLast()
            }
        }
        visit(root, isLine: false, scan: &self)
    }

    /// The order of the kinds within an element, as the requisites and the rates rules report them.
    private static let requisiteKinds: [AttributeInfo.Kind] = [.innLegal, .innPerson, .kpp]
    private static let rateKinds: [AttributeInfo.Kind] = [.rate, .rateBefore, .rateAfter]

    /// Steps of a walk position (the УПД lines are three deep: within `Steps`' eight).
    private static func stepsOf(_ stack: [Int]) -> Steps {
        var steps = Steps.root
        for index in stack.prefix(8) { steps = steps.child(index) }
        return steps
    }

    /// A violation at the element the walk is on (`stack` leads to it).
    private mutating func reportHere(_ rule: RuleIndex, _ node: DocumentTree, _ stack: [Int], attribute: String,
                                     minor: Int = 0, _ message: String) {
        let base = path(count: stack.count) { stack[$0] }
        found.append((rule, minor, RuleViolation(ruleID: BeyondXSDRules.ids[rule.rawValue], path: base + "/@" + attribute,
                                                 line: node.line, message: message)))
    }

    // MARK: УКД (5.01)

    private mutating func correction(document: Node?, header: Node?) {
        let table = document?.child("ТаблКСчФ")
        for line in table?.children("СведТов") ?? [] {
            let number = line.attribute("НомСтр") ?? "?"
            for name in ["СтТовБезНДС", "СтТовУчНал"] {
                guard let cost = line.child(name), let before = RuleValues.money(cost.attribute("СтоимДоИзм")),
                      let after = RuleValues.money(cost.attribute("СтоимПослеИзм")) else {
                    report(.correctionArithmetic, line, "строка \(number): \(name) needs СтоимДоИзм and СтоимПослеИзм")
                    continue
                }
                let decrease = RuleValues.money(cost.attribute("СтоимУм")) ?? .zero
                let increase = RuleValues.money(cost.attribute("СтоимУвел")) ?? .zero
                if WideAmount(before) - WideAmount(after) != WideAmount(decrease) - WideAmount(increase) {
                    report(.correctionArithmetic, cost,
                           "строка \(number): \(before) − \(after) ≠ \(WideAmount(decrease) - WideAmount(increase))")
                }
            }
            let vatBefore = line.child("СумНалДо")?.child("СумНДС").flatMap { RuleValues.money($0.tree.text) } ?? .zero
            let vatAfter = line.child("СумНалПосле")?.child("СумНДС").flatMap { RuleValues.money($0.tree.text) } ?? .zero
            let difference = line.child("СумНалРазн")
            let vatDecrease = difference?.child("СумУм").flatMap { RuleValues.money($0.tree.text) } ?? .zero
            let vatIncrease = difference?.child("СумУвел").flatMap { RuleValues.money($0.tree.text) } ?? .zero
            if WideAmount(vatBefore) - WideAmount(vatAfter) != WideAmount(vatDecrease) - WideAmount(vatIncrease) {
                report(.correctionArithmetic, line,
                       "строка \(number): НДС \(vatBefore) − \(vatAfter) ≠ \(WideAmount(vatDecrease) - WideAmount(vatIncrease))")
            }
            if let quantity = line.attribute("КолТовПосле").flatMap(RuleValues.decimal),
               let price = line.attribute("ЦенаТовПосле").flatMap(RuleValues.decimal),
               let after = line.child("СтТовБезНДС").flatMap({ RuleValues.money($0.attribute("СтоимПослеИзм")) }),
               WideAmount.product(price, quantity) != WideAmount(after) {
                report(.correctionArithmetic, line, attribute: "ЦенаТовПосле", "строка \(number): \(quantity) × \(price) ≠ \(after)")
            }
        }
        if let table {
            let rows = table.children("СведТов")
            if !table.hasChild("ВсегоУм") && !table.hasChild("ВсегоУвел") {
                report(.correctionTotals, table, "ВсегоУвел or ВсегоУм is required")
            }
            for (totalName, costAttribute, vatName) in [("ВсегоУм", "СтоимУм", "СумУм"), ("ВсегоУвел", "СтоимУвел", "СумУвел")] {
                guard let total = table.child(totalName) else { continue }
                for (attribute, element) in [("СтТовБезНДСВсего", "СтТовБезНДС"), ("СтТовУчНалВсего", "СтТовУчНал")] {
                    let sum = rows.compactMap { $0.child(element).flatMap { RuleValues.money($0.attribute(costAttribute)) } }
                        .reduce(WideAmount.zero) { $0 + WideAmount($1) }
                    if let stated = RuleValues.money(total.attribute(attribute)), WideAmount(stated) != sum {
                        report(.correctionTotals, total, attribute: attribute, "\(stated) ≠ sum of lines \(sum)")
                    }
                }
                let vatSum = rows.compactMap { $0.child("СумНалРазн")?.child(vatName).flatMap { RuleValues.money($0.tree.text) } }
                    .reduce(WideAmount.zero) { $0 + WideAmount($1) }
                if let statedNode = total.child("СумНал")?.child("СумНДС"), let stated = RuleValues.money(statedNode.tree.text),
                   WideAmount(stated) != vatSum {
                    report(.correctionTotals, statedNode, "\(stated) ≠ sum of lines \(vatSum)")
                }
            }
        }
        guard let header else {
            report(.correctionParticipants, document ?? Node(tree: root, steps: .root), "СвКСчФ is required")
            return
        }
        if !header.hasChild("СчФ") { report(.correctionParticipants, header, "СчФ (the adjusted invoice) is required") }
        if !header.hasChild("СвПрод") { report(.correctionParticipants, header, "СвПрод is required") }
        if !header.hasChild("СвПокуп") { report(.correctionParticipants, header, "СвПокуп is required") }
    }
}

// MARK: Values

/// The values the rules read, parsed from their bytes where that is cheaper (each with the Domain
/// parser it agrees with).
enum RuleValues {

    /// Money from a document: an xs:decimal with at most two decimals (`5982` and `5982.5` included).
    static func money(_ text: String?) -> Money? {
        guard let text, let value = decimal(text), let cents = value.rescaled(to: 2) else { return nil }
        return Money(kopecks: cents.units)
    }

    /// `ExactDecimal(text)`: an optional minus, digits, and an optional point followed by 1…11
    /// digits; `nil` for anything else or a value beyond `Int64`.
    static func decimal(_ text: String) -> ExactDecimal? { ExactDecimal(text) }

    /// `ДД.ММ.ГГГГ` as `CivilDate(russian:)` reads it, from the bytes: that initialiser accepts
    /// exactly ten ASCII characters, digits with dots at 2 and 5, that make a calendar day.
    static func fastRussianDate(_ text: String) -> CivilDate? {
        let parsed = text.utf8.withContiguousStorageIfAvailable { bytes -> CivilDate? in
            guard bytes.count == 10, bytes[2] == 0x2E, bytes[5] == 0x2E else { return nil }
            var day = 0, month = 0, year = 0
            for (position, byte) in bytes.enumerated() where position != 2 && position != 5 {
                guard byte >= 0x30 && byte <= 0x39 else { return nil }
                let digit = Int(byte &- 0x30)
                switch position {
                case 0, 1: day = day * 10 + digit
                case 3, 4: month = month * 10 + digit
                default: year = year * 10 + digit
                }
            }
            return CivilDate(year: year, month: month, day: day)
        }
        if let parsed { return parsed }
        return CivilDate(russian: text)
    }

    /// `ЧЧ.ММ.СС`: eight ASCII characters, a time of day.
    static func isFNSTime(_ text: String) -> Bool {
        let utf8 = text.utf8
        guard utf8.count == 8 else { return false }
        var fields = 0, field = 0
        for (position, byte) in utf8.enumerated() {
            if position == 2 || position == 5 {
                guard byte == 0x2E else { return false }
                guard field < (fields == 0 ? 24 : 60) else { return false }
                fields += 1
                field = 0
                continue
            }
            guard byte >= 0x30 && byte <= 0x39 else { return false }
            field = field * 10 + Int(byte &- 0x30)
        }
        return field < 60
    }

    /// The rate a `НалСт`/`НалСтДо`/`НалСтПосле` value names (`VATRate(rawValue:)`, compared by bytes:
    /// no other spelling of these values is canonically equivalent to them).
    static func vatRate(_ text: String) -> VATRate? {
        for rate in VATRate.allCases where sameName(rate.rawValue, text) { return rate }
        return nil
    }

    /// Why a ИНН or КПП is wrong (`INN.check`, `Requisites.checkKPP`), or `nil`. A well-formed value
    /// is recognised from its bytes; only a wrong one is handed to Domain for the message.
    static func requisiteProblem(_ value: String, kind: AttributeInfo.Kind) -> String? {
        if kind == .kpp {
            if isWellFormedKPP(value) { return nil }
            do throws(RequisiteError) { try Requisites.checkKPP(value) } catch { return error.description }
        } else {
            if hasValidINNDigits(value) { return nil }
            do throws(RequisiteError) { try INN.check(value) } catch { return error.description }
        }
        return nil
    }

    /// 10 or 12 ASCII digits whose check digits are right (what `INN.check` accepts).
    static func hasValidINNDigits(_ value: String) -> Bool {
        var digits: (Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int) = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        let utf8 = value.utf8
        guard utf8.count == 10 || utf8.count == 12 else { return false }
        return withUnsafeMutableBytes(of: &digits) { raw -> Bool in
            let buffer = raw.bindMemory(to: Int.self)
            for byte in utf8 {
                guard byte >= 0x30 && byte <= 0x39 else { return false }
                buffer[count] = Int(byte &- 0x30)
                count += 1
            }
            func control(_ weights: [Int]) -> Int {
                var sum = 0
                for index in weights.indices { sum += buffer[index] * weights[index] }
                return sum % 11 % 10
            }
            if count == 10 { return buffer[9] == control([2, 4, 10, 3, 5, 9, 4, 6, 8]) }
            return buffer[10] == control([7, 2, 4, 10, 3, 5, 9, 4, 6, 8]) && buffer[11] == control([3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8])
        }
    }

    /// Nine ASCII characters: 4 digits, 2 digits or capital Latin letters, 3 digits (what `Requisites.checkKPP` accepts).
    static func isWellFormedKPP(_ value: String) -> Bool {
        let utf8 = value.utf8
        guard utf8.count == 9 else { return false }
        for (position, byte) in utf8.enumerated() {
            let digit = byte >= 0x30 && byte <= 0x39
            if position == 4 || position == 5 {
                guard digit || byte >= 0x41 && byte <= 0x5A else { return false }
            } else {
                guard digit else { return false }
            }
        }
        return true
    }

}

/// An amount in kopecks the rules add, subtract and multiply without a trap: a document's amounts
/// are read into `Money` (Int64 kopecks), whose own arithmetic stops the process on overflow; the
/// sums of a hostile document's lines, or a huge price times a huge quantity, must instead simply
/// not match what the document states. Printed as `Money` prints.
struct WideAmount: Equatable, CustomStringConvertible {
    /// `nil`: beyond even Int128 (a product of two near-limit decimals scaled up).
    var kopecks: Int128?

    static let zero = WideAmount(kopecks: 0)

    init(kopecks: Int128?) { self.kopecks = kopecks }
    init(_ money: Money) { kopecks = Int128(money.kopecks) }

    static func + (lhs: WideAmount, rhs: WideAmount) -> WideAmount {
        guard let a = lhs.kopecks, let b = rhs.kopecks else { return WideAmount(kopecks: nil) }
        let (sum, overflow) = a.addingReportingOverflow(b)
        return WideAmount(kopecks: overflow ? nil : sum)
    }

    static func - (lhs: WideAmount, rhs: WideAmount) -> WideAmount {
        guard let a = lhs.kopecks, let b = rhs.kopecks else { return WideAmount(kopecks: nil) }
        let (difference, overflow) = a.subtractingReportingOverflow(b)
        return WideAmount(kopecks: overflow ? nil : difference)
    }

    static func += (lhs: inout WideAmount, rhs: WideAmount) { lhs = lhs + rhs }

    /// `price × quantity` rounded half away from zero to the kopeck, as `Money.multiply` does.
    static func product(_ price: ExactDecimal, _ quantity: ExactDecimal) -> WideAmount {
        let (product, overflow) = Int128(price.units).multipliedReportingOverflow(by: Int128(quantity.units))
        guard !overflow else { return WideAmount(kopecks: nil) }
        // price × 10^-p × quantity × 10^-q roubles = product × 10^(2-p-q) kopecks
        let exponent = price.scale + quantity.scale - 2
        if exponent <= 0 {
            var value = product
            for _ in 0..<(-exponent) {
                let (scaled, overflow) = value.multipliedReportingOverflow(by: 10)
                guard !overflow else { return WideAmount(kopecks: nil) }
                value = scaled
            }
            return WideAmount(kopecks: value)
        }
        var divisor = Int128(1)
        for _ in 0..<exponent { divisor *= 10 }
        let quotient = product / divisor
        let remainder = product % divisor
        guard remainder.magnitude * 2 >= divisor.magnitude else { return WideAmount(kopecks: quotient) }
        return WideAmount(kopecks: product < 0 ? quotient - 1 : quotient + 1)
    }

    var description: String {
        guard let kopecks else { return "(beyond any amount)" }
        if let money = Int64(exactly: kopecks) { return Money(kopecks: money).description }
        let magnitude = kopecks.magnitude
        let fraction = magnitude % 100
        return "\(kopecks < 0 ? "-" : "")\(magnitude / 100).\(fraction < 10 ? "0" : "")\(fraction)"
    }
}
