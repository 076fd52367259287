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
///
/// Making one runs every built-in rule over the tree in one pass (`RuleScan`); each built-in
/// `FNSRule` then reads its share.
public struct RuleInput: Sendable {
    public let root: DocumentTree
    /// The file name without directory and without `.xml`; `nil` when unknown.
    public let fileName: String?
    public let format: DocumentFormat
    /// What the built-in rules found, in their reporting order.
    let findings: RuleFindings

    public init(root: DocumentTree, fileName: String?, format: DocumentFormat) {
        self.root = root
        self.fileName = fileName
        self.format = format
        self.findings = RuleScan.findings(root: root, fileName: fileName, format: format)
    }
}

/// A check the XSD cannot express. Each has its own identifier and message; a document that
/// breaks any is held, never emitted, and `sverka validate` reports it for any file.
public struct FNSRule: Sendable {
    public let id: String
    /// One line: what the rule requires.
    public let summary: String
    public let formats: Set<DocumentFormat>
    public let check: @Sendable (RuleInput) -> [RuleViolation]
    /// The built-in rule this is (its violations come from `RuleInput.findings`).
    let builtin: RuleIndex?

    public init(id: String, summary: String, formats: Set<DocumentFormat>,
                check: @escaping @Sendable (RuleInput) -> [RuleViolation]) {
        self.id = id
        self.summary = summary
        self.formats = formats
        self.check = check
        self.builtin = nil
    }

    /// A built-in rule: what the scan found for it.
    init(_ rule: RuleIndex, summary: String, formats: Set<DocumentFormat>) {
        self.id = BeyondXSDRules.ids[rule.rawValue]
        self.summary = summary
        self.formats = formats
        self.check = { input in input.findings.violations(of: rule) }
        self.builtin = rule
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
        // The built-in rules in their own order (the default): the findings are already that list.
        if rules.count == RuleIndex.allCases.count, rules.indices.allSatisfy({ rules[$0].builtin?.rawValue == $0 }) {
            return input.findings.violations
        }
        var result: [RuleViolation] = []
        for rule in rules where rule.formats.contains(format) { result += rule.check(input) }
        return result
    }
}

/// The rules sverka applies beyond the XSD (FORMAT-NOTES §3–5 Schematron conditions, file
/// name, arithmetic, requisites, dates, lengths). `RuleScan` checks them all in one pass.
public enum BeyondXSDRules {
    static let upd: Set<DocumentFormat> = [.upd503]
    static let both: Set<DocumentFormat> = [.upd503, .ukd501]

    /// The rules' identifiers, by `RuleIndex`.
    static let ids: [String] = [
        "FILE-NAME", "FNS-TABLE", "FNS-TRANSFER", "FNS-DOC-NAME", "FNS-TRANSFER-DATE", "FNS-TOTALS",
        "FNS-LINE-NAME", "FNS-UNIT-NAME", "FNS-QUANTITY", "FNS-PRICE", "FNS-QUANTITY-POSITIVE", "FNS-LINE-VALUES",
        "FNS-ADDRESS", "FNS-POA", "FNS-SHIPMENT-DOC", "FNS-SPOBST",
        "ARITH-LINE", "ARITH-TOTALS", "REQ-INN-KPP", "VAT-RATE-DATE", "FIELD-LENGTH", "DATE-FORMAT",
        "ARITH-UKD-LINE", "ARITH-UKD-TOTALS", "UKD-HEADER",
    ]

    /// Every rule, in reporting order.
    public static let all: [FNSRule] = [
        fileName, tableRequired, transferRequired, documentName, transferDate, totalsRequired,
        lineName, unitName, quantityRequired, pricePositive, quantityPositive, lineValuesRequired,
        addressRequired, powerOfAttorney, shipmentDocument, advanceCircumstance,
        lineArithmetic, totals, requisites, vatRateDate, fieldLengths, dateFormats,
        correctionArithmetic, correctionTotals, correctionParticipants,
    ]

    static let fileName = FNSRule(.fileName, summary: "the file name (without .xml) equals Файл/@ИдФайл", formats: both)

    // Schematron conditions (FORMAT-NOTES §3–5)
    static let tableRequired = FNSRule(.tableRequired, summary: "ТаблСчФакт is present for Функция СЧФ and СЧФДОП", formats: upd)
    static let transferRequired = FNSRule(.transferRequired, summary: "СвПродПер is present for Функция ДОП and СЧФДОП", formats: upd)
    static let documentName = FNSRule(.documentName, summary: "НаимДокОпр is present for СЧФДОП, ДОП, СвРК, СвЗК and absent for СЧФ",
                                      formats: upd)
    static let transferDate = FNSRule(.transferDate, summary: "СвПер has ДатаПер, or both ДатаНачПер and ДатаОконПер", formats: upd)
    static let totalsRequired = FNSRule(
        .totalsRequired, summary: "ВсегоОпл has СтТовУчНалВсего (СЧФ, СЧФДОП) and СтТовБезНДСВсего unless an advance invoice", formats: upd)
    static let lineName = FNSRule(.lineName, summary: "every line has НаимТов for СЧФ and СЧФДОП", formats: upd)
    static let unitName = FNSRule(.unitName, summary: "НаимЕдИзм is present when ОКЕИ_Тов is", formats: upd)
    static let quantityRequired = FNSRule(
        .quantityRequired, summary: "КолТов is present for СЧФ/СЧФДОП when ОКЕИ_Тов is, and unless an advance invoice", formats: upd)
    static let pricePositive = FNSRule(.pricePositive, summary: "ЦенаТов is present and > 0 when КолТов is (СЧФ, СЧФДОП)", formats: upd)
    static let quantityPositive = FNSRule(.quantityPositive, summary: "КолТов > 0", formats: upd)
    static let lineValuesRequired = FNSRule(
        .lineValuesRequired, summary: "lines have СтТовУчНал (СЧФ, СЧФДОП) and СтТовБезНДС unless an advance invoice", formats: upd)
    static let addressRequired = FNSRule(
        .addressRequired, summary: "СвПрод, ГрузОтпр, ГрузПолуч and СвПокуп have Адрес for СЧФ and СЧФДОП", formats: upd)
    static let powerOfAttorney = FNSRule(
        .powerOfAttorney, summary: "СвДоверЭл exactly when СпосПодтПолном=3, СвДоверБум exactly when =5", formats: upd)
    static let shipmentDocument = FNSRule(
        .shipmentDocument, summary: "ДокПодтвОтгрНом is present for СЧФ unless СпОбстФСЧФ=2", formats: upd)
    static let advanceCircumstance = FNSRule(.advanceCircumstance, summary: "ДопСвФХЖ1/@СпОбстФСЧФ only with Функция=СЧФ", formats: upd)

    // Arithmetic
    static let lineArithmetic = FNSRule(
        .lineArithmetic, summary: "графа 5 = round(3 × 4), графа 8 = round(9 × rate/(100+rate)), 5 + 8 = 9, to the kopeck", formats: upd)
    static let totals = FNSRule(.totals, summary: "ВсегоОпл equals the sums of the lines", formats: upd)
    static let correctionArithmetic = FNSRule(
        .correctionArithmetic, summary: "УКД lines: before − after = decrease (or after − before = increase) for values and VAT",
        formats: [.ukd501])
    static let correctionTotals = FNSRule(
        .correctionTotals, summary: "ВсегоУм / ВсегоУвел equal the sums of the lines' decreases / increases; at least one is present",
        formats: [.ukd501])

    // Requisites, dates, rates, lengths
    static let requisites = FNSRule(.requisites, summary: "every ИНН and КПП of every party has valid check digits / form", formats: both)
    static let vatRateDate = FNSRule(
        .vatRateDate, summary: "every НалСт is valid on the document date (22% from 01.01.2026, 20% until 31.12.2025)", formats: both)

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
        .fieldLengths, summary: "text fields within the format's limits (НаимТов ≤ 2000, names ≤ 1000, Кварт ≤ 50/20, …)", formats: both)
    static let dateFormats = FNSRule(.dateFormats, summary: "dates are ДД.ММ.ГГГГ calendar days, times ЧЧ.ММ.СС", formats: both)
    static let correctionParticipants = FNSRule(
        .correctionParticipants, summary: "УКД names the adjusted invoice (СчФ) and its seller and buyer", formats: [.ukd501])
}
