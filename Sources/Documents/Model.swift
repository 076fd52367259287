import Domain

/// A participant of a document (`УчастникТип`): seller, shipper, consignee or buyer.
public struct Participant: Hashable, Sendable, Codable {
    public var party: Party
    /// The КПП written for this participant (a separate division's own КПП for a shipper).
    public var kpp: String?
    /// The address written for this participant (a warehouse's address for a shipper).
    public var address: Address
    /// `СтруктПодр`: the structural unit (the warehouse's name for a shipper).
    public var structuralUnit: String?

    public init(party: Party, kpp: String? = nil, address: Address? = nil, structuralUnit: String? = nil) {
        self.party = party
        self.kpp = kpp ?? party.kpp
        self.address = address ?? party.address
        self.structuralUnit = structuralUnit
    }
}

/// A reference to another document (`РеквДокТип`): name, number and date.
public struct DocumentReference: Hashable, Sendable, Codable {
    public var name: String
    public var number: String
    public var date: CivilDate

    public init(name: String, number: String, date: CivilDate) {
        self.name = name
        self.number = number
        self.date = date
    }
}

/// A payment document quoted in `СвПРД` (строка 5).
public struct PaymentDocument: Hashable, Sendable, Codable {
    public var number: String
    public var date: CivilDate
    public var amount: Money

    public init(number: String, date: CivilDate, amount: Money) {
        self.number = number
        self.date = date
        self.amount = amount
    }
}

/// One line of a УПД or an advance invoice.
public struct InvoiceLine: Hashable, Sendable, Codable {
    /// `НомСтр`: 1, 2, … in document order.
    public var number: Int
    /// The order line it stands for (`OrderLine.lineNo`); `nil` on an advance invoice.
    public var orderLineNo: Int?
    /// `НаимТов` (графа 1а).
    public var name: String
    public var sku: String?
    public var gtin: String?
    /// Goods lines: unit, quantity, prices and amounts by Domain's rounding rules.
    public var goods: Goods?
    /// Advance lines (no quantity): the calculated rate, the advance part and its VAT.
    public var advance: AdvancePart?
    /// ВСД ids (ФГИС «Меркурий») of an animal-origin line.
    public var vsd: [String]

    public struct Goods: Hashable, Sendable, Codable {
        public var unit: MeasureUnit
        public var amounts: LineAmounts
        /// `ДопСведТов/@НадлОтп`: the ordered quantity of a weighed line.
        public var orderedQuantity: ExactDecimal?

        public init(unit: MeasureUnit, amounts: LineAmounts, orderedQuantity: ExactDecimal?) {
            self.unit = unit
            self.amounts = amounts
            self.orderedQuantity = orderedQuantity
        }
    }

    public struct AdvancePart: Hashable, Sendable, Codable {
        /// A calculated rate (`22/122`, `10/110`, `20/120`).
        public var rate: VATRate
        /// The advance received for goods at this rate (графа 9).
        public var total: Money
        /// The VAT inside it (графа 8).
        public var vat: Money

        public init(rate: VATRate, total: Money, vat: Money) {
            self.rate = rate
            self.total = total
            self.vat = vat
        }
    }

    public init(number: Int, orderLineNo: Int?, name: String, sku: String? = nil, gtin: String? = nil,
                goods: Goods? = nil, advance: AdvancePart? = nil, vsd: [String] = []) {
        self.number = number
        self.orderLineNo = orderLineNo
        self.name = name
        self.sku = sku
        self.gtin = gtin
        self.goods = goods
        self.advance = advance
        self.vsd = vsd
    }

    /// `НалСт` (графа 7).
    public var rate: VATRate { goods?.amounts.rate ?? advance?.rate ?? .exempt }
    /// Графа 9.
    public var total: Money { goods?.amounts.total ?? advance?.total ?? .zero }
    /// Графа 8.
    public var vat: Money { goods?.amounts.vat ?? advance?.vat ?? .zero }
    /// Графа 5 (`nil` on an advance line, where the format leaves it out).
    public var totalWithoutVAT: Money? { goods?.amounts.totalWithoutVAT }
}

/// A УПД (`СЧФДОП`), its correction, or an advance invoice (`СЧФ`, `СпОбстФСЧФ=2`),
/// with everything but the number the ledger assigns.
public struct InvoiceDraft: Hashable, Sendable, Codable {
    public enum Function: String, Hashable, Sendable, Codable {
        /// Invoice and transfer document: the УПД.
        case invoiceAndTransfer = "СЧФДОП"
        /// Invoice only: the advance invoice.
        case invoice = "СЧФ"
    }

    public var function: Function
    /// `ДатаДок`.
    public var date: CivilDate
    /// `ИспрДок`: the correction number and date of a corrected УПД.
    public var correction: Correction?
    /// `ДатаИнфПр` / `ВремИнфПр`: derived from business data, never from the clock.
    public var formationDate: CivilDate
    public var formationTime: String
    public var seller: Participant
    /// `ГрузОт/ГрузОтпр`: the warehouse the goods left.
    public var shipper: Participant?
    /// `ГрузПолуч`.
    public var consignee: Participant?
    public var buyer: Participant
    public var paymentDocuments: [PaymentDocument]
    /// `СпОбстФСЧФ="2"`: an invoice for a prepayment.
    public var isAdvance: Bool
    public var lines: [InvoiceLine]
    /// `СвПродПер/СвПер`: what was transferred, when, on which basis.
    public var transfer: Transfer?
    public var signer: Signer
    /// `ИнфПолФХЖ1/ТекстИнф`: order number and id for the buyer's matching.
    public var information: [InformationField]

    public struct Correction: Hashable, Sendable, Codable {
        public var number: Int
        public var date: CivilDate

        public init(number: Int, date: CivilDate) {
            self.number = number
            self.date = date
        }
    }

    public struct Transfer: Hashable, Sendable, Codable {
        /// `СодОпер`.
        public var content: String
        /// `ВидОпер`.
        public var kind: String?
        /// `ДатаПер`.
        public var date: CivilDate
        /// `ОснПер`.
        public var basis: DocumentReference

        public init(content: String, kind: String?, date: CivilDate, basis: DocumentReference) {
            self.content = content
            self.kind = kind
            self.date = date
            self.basis = basis
        }
    }

    // The sums add in line order as `sum()` would, without an array of the addends.

    /// Графа 9 total.
    public var total: Money { lines.reduce(.zero) { $0 + $1.total } }
    /// Графа 8 total.
    public var vat: Money { lines.reduce(.zero) { $0 + $1.vat } }
    /// Графа 5 total (sum of lines' values without VAT).
    public var totalWithoutVAT: Money {
        // A plain loop with if-let (`line.totalWithoutVAT` is the goods' value, `nil` without goods):
        // Swift 6.3's optimiser crashes (CopyPropagation) on the optional-chained closure form.
        var sum = Money.zero
        for line in lines {
            if let goods = line.goods { sum = sum + goods.amounts.totalWithoutVAT }
        }
        return sum
    }
    /// Whether every line is without VAT (`БезНДС` in the totals).
    public var isWithoutVAT: Bool { !lines.isEmpty && lines.allSatisfy { $0.rate == .exempt } }
}

/// `ТекстИнф @Идентиф @Значен`.
public struct InformationField: Hashable, Sendable, Codable {
    public var key: String
    public var value: String

    public init(key: String, value: String) {
        self.key = key
        self.value = value
    }
}

/// One line of a УКД: the values before and after the change.
public struct CorrectionLine: Hashable, Sendable, Codable {
    /// `НомСтр`.
    public var number: Int
    /// `ПорНомТовВСЧФ`: the line's number in the УПД being adjusted.
    public var originalLineNumber: Int
    public var orderLineNo: Int
    public var name: String
    public var unit: MeasureUnit
    public var before: LineAmounts
    public var after: LineAmounts

    public init(number: Int, originalLineNumber: Int, orderLineNo: Int, name: String, unit: MeasureUnit,
                before: LineAmounts, after: LineAmounts) {
        self.number = number
        self.originalLineNumber = originalLineNumber
        self.orderLineNo = orderLineNo
        self.name = name
        self.unit = unit
        self.before = before
        self.after = after
    }

    /// Decrease of графа 9 (positive when the value went down).
    public var totalDecrease: Money { before.total - after.total }
    /// Decrease of the VAT.
    public var vatDecrease: Money { before.vat - after.vat }
    /// Decrease of графа 5.
    public var totalWithoutVATDecrease: Money { before.totalWithoutVAT - after.totalWithoutVAT }
}

/// A УКД (`КСЧФДИС`) against a УПД, with everything but its own number.
public struct CorrectionDraft: Hashable, Sendable, Codable {
    /// `ДатаКСчФ`: the return day.
    public var date: CivilDate
    public var formationDate: CivilDate
    public var formationTime: String
    /// The УПД being adjusted (`СчФ @НомерСчФ @ДатаСчФ`).
    public var original: DocumentReference
    /// Its latest correction, if any (`ИспрСчФ`).
    public var originalCorrection: InvoiceDraft.Correction?
    public var seller: Participant
    public var buyer: Participant
    public var lines: [CorrectionLine]
    /// `СодФХЖ3/ДокумОснКор`: why the value changed (the return).
    public var basis: DocumentReference
    /// `СодФХЖ3/@СодОпер`.
    public var operation: String
    public var signer: Signer
    public var information: [InformationField]

    // The sums add in line order as `sum()` would, without an array of the addends.
    public var totalDecrease: Money { lines.reduce(.zero) { $0 + $1.totalDecrease } }
    public var vatDecrease: Money { lines.reduce(.zero) { $0 + $1.vatDecrease } }
    public var totalWithoutVATDecrease: Money { lines.reduce(.zero) { $0 + $1.totalWithoutVATDecrease } }
    public var isWithoutVAT: Bool { !lines.isEmpty && lines.allSatisfy { $0.before.rate == .exempt } }
}

/// What a planned document contains.
public enum PlannedContent: Hashable, Sendable, Codable {
    case invoice(InvoiceDraft)
    case correction(CorrectionDraft)
}

/// A document the planner decided to issue. Rendering adds the number the ledger gives.
public struct PlannedDocument: Hashable, Sendable, Codable {
    public var kind: Domain.DocumentKind
    /// The stable identity (`UPD:<shipment id>`, `UKD:<return id>`, `ADV:<payment id>:<order id>`);
    /// a correction shares its original's key and differs by `correctionNumber`.
    public var identityKey: String
    public var orderID: OrderID
    public var shipmentID: ShipmentID?
    /// 0 for an original, 1, 2, … for a corrected УПД.
    public var correctionNumber: Int
    /// The number a correction must carry (its original's); `nil` = the ledger assigns a new one.
    public var requiredNumber: DocumentNumber?
    /// The buyer has no EDO id: the document is archived and printed, never sent to the operator.
    public var paperOnly: Bool
    /// What the document contains. Held in one shared box: a document travels through planning,
    /// rendering and recording, and a copy of it then costs one reference instead of one for every
    /// string of the draft (a draft is most of a document). Setting it gives this document a box of its own.
    public var content: PlannedContent {
        _read { yield contentBox.content }
        set { contentBox = ContentBox(newValue) }
    }
    /// The lines as the ledger records them (УПД: shipped values; УКД: values after the change).
    public var lineRecords: [DocumentLineRecord]
    private var contentBox: ContentBox

    /// `content`, shared by the copies of a document (never changed once made).
    private final class ContentBox: Sendable {
        let content: PlannedContent
        init(_ content: PlannedContent) { self.content = content }
    }

    public init(kind: Domain.DocumentKind, identityKey: String, orderID: OrderID, shipmentID: ShipmentID?,
                correctionNumber: Int, requiredNumber: DocumentNumber?, paperOnly: Bool, content: PlannedContent,
                lineRecords: [DocumentLineRecord]) {
        self.kind = kind
        self.identityKey = identityKey
        self.orderID = orderID
        self.shipmentID = shipmentID
        self.correctionNumber = correctionNumber
        self.requiredNumber = requiredNumber
        self.paperOnly = paperOnly
        self.contentBox = ContentBox(content)
        self.lineRecords = lineRecords
    }

    // Equality, hashing and coding as the memberwise ones would be with `content` stored.

    public static func == (lhs: PlannedDocument, rhs: PlannedDocument) -> Bool {
        lhs.kind == rhs.kind && lhs.identityKey == rhs.identityKey && lhs.orderID == rhs.orderID
            && lhs.shipmentID == rhs.shipmentID && lhs.correctionNumber == rhs.correctionNumber
            && lhs.requiredNumber == rhs.requiredNumber && lhs.paperOnly == rhs.paperOnly
            && (lhs.contentBox === rhs.contentBox || lhs.content == rhs.content) && lhs.lineRecords == rhs.lineRecords
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(kind)
        hasher.combine(identityKey)
        hasher.combine(orderID)
        hasher.combine(shipmentID)
        hasher.combine(correctionNumber)
        hasher.combine(requiredNumber)
        hasher.combine(paperOnly)
        hasher.combine(content)
        hasher.combine(lineRecords)
    }

    private enum CodingKeys: String, CodingKey {
        case kind, identityKey, orderID, shipmentID, correctionNumber, requiredNumber, paperOnly, content, lineRecords
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(kind: try container.decode(Domain.DocumentKind.self, forKey: .kind),
                  identityKey: try container.decode(String.self, forKey: .identityKey),
                  orderID: try container.decode(OrderID.self, forKey: .orderID),
                  shipmentID: try container.decodeIfPresent(ShipmentID.self, forKey: .shipmentID),
                  correctionNumber: try container.decode(Int.self, forKey: .correctionNumber),
                  requiredNumber: try container.decodeIfPresent(DocumentNumber.self, forKey: .requiredNumber),
                  paperOnly: try container.decode(Bool.self, forKey: .paperOnly),
                  content: try container.decode(PlannedContent.self, forKey: .content),
                  lineRecords: try container.decode([DocumentLineRecord].self, forKey: .lineRecords))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(kind, forKey: .kind)
        try container.encode(identityKey, forKey: .identityKey)
        try container.encode(orderID, forKey: .orderID)
        try container.encodeIfPresent(shipmentID, forKey: .shipmentID)
        try container.encode(correctionNumber, forKey: .correctionNumber)
        try container.encodeIfPresent(requiredNumber, forKey: .requiredNumber)
        try container.encode(paperOnly, forKey: .paperOnly)
        try container.encode(content, forKey: .content)
        try container.encode(lineRecords, forKey: .lineRecords)
    }

    /// The document date (`ДатаДок` / `ДатаКСчФ`); a correction keeps its original's date.
    public var date: CivilDate {
        switch content {
        case .invoice(let draft): draft.date
        case .correction(let draft): draft.date
        }
    }

    /// The day the file is formed (`ДатаИнфПр`), the date in the file name.
    public var formationDate: CivilDate {
        switch content {
        case .invoice(let draft): draft.formationDate
        case .correction(let draft): draft.formationDate
        }
    }

    /// Графа 9 total (УКД: the decrease).
    public var total: Money {
        switch content {
        case .invoice(let draft): draft.total
        case .correction(let draft): draft.totalDecrease
        }
    }
}

/// A document that is not emitted, with why. The ledger records it as `held`.
public struct DocumentHold: Hashable, Sendable, Codable, CustomStringConvertible {
    public var kind: Domain.DocumentKind
    public var identityKey: String
    public var orderID: OrderID
    /// Each reason names the rule and the line or field: «строка 1 «Сыр …»: нет ВСД ФГИС «Меркурий»».
    public var reasons: [String]

    public init(kind: Domain.DocumentKind, identityKey: String, orderID: OrderID, reasons: [String]) {
        self.kind = kind
        self.identityKey = identityKey
        self.orderID = orderID
        self.reasons = reasons
    }

    public var description: String { "\(kind.rawValue) \(identityKey) (\(orderID)) held: " + reasons.joined(separator: "; ") }

    /// The hold as a diagnostic for the day's report.
    public var diagnostic: Diagnostic {
        Diagnostic(severity: .error, kind: "held-document", source: "documents",
                   record: "\(kind.rawValue) \(identityKey), order \(orderID)", message: reasons.joined(separator: "; "))
    }
}

/// The planner's result: documents to render and documents held back.
public struct DocumentPlan: Hashable, Sendable {
    public var documents: [PlannedDocument]
    public var holds: [DocumentHold]

    public init(documents: [PlannedDocument], holds: [DocumentHold]) {
        self.documents = documents
        self.holds = holds
    }
}
