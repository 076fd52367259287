import Domain

/// Builds the FNS document tree of a planned document with the number the ledger gave it.
///
/// Element and attribute order follow the schemas (`schemas/`). Values are written as the
/// formats want them: dates `ДД.ММ.ГГГГ`, times `ЧЧ.ММ.СС`, money with two decimals, quantities
/// and prices as exact decimals (up to 11 places) with `.`.
public enum TreeBuilder {
    /// `ПоФактХЖ` / `НаимДокОпр` of a УПД (СЧФДОП).
    public static let updFact = "Документ об отгрузке товаров (выполнении работ), передаче имущественных прав (документ об оказании услуг)"
    public static let updName = "Счет-фактура и документ об отгрузке товаров (выполнении работ), передаче имущественных прав (документ об оказании услуг)"
    /// `ПоФактХЖ` / `НаимДокОпр` of a УКД (КСЧФДИС).
    public static let ukdFact = "Документ, подтверждающий согласие (факт уведомления) покупателя на изменение стоимости отгруженных товаров (выполненных работ, оказанных услуг), переданных имущественных прав"
    public static let ukdName = "Корректировочный счет-фактура и документ об изменении стоимости отгруженных товаров (выполненных работ, оказанных услуг), переданных имущественных прав"

    /// The tree of `document` numbered `number`, and the problems that prevent building it
    /// faithfully (e.g. a sole trader's name that is not «ИП Фамилия Имя [Отчество]»).
    public static func tree(for document: PlannedDocument, number: DocumentNumber,
                            configuration: DocumentsConfiguration) -> (tree: DocumentTree, problems: [String]) {
        let fileID = FileNaming.fileID(for: document, configuration: configuration)
        var problems: [String] = []
        let tree: DocumentTree
        switch document.content {
        case .invoice(let draft):
            tree = invoice(draft, number: number, fileID: fileID, configuration: configuration, problems: &problems)
        case .correction(let draft):
            let recipient = FileNaming.recipientID(buyer: draft.buyer.party, configuration: configuration)
            tree = correction(draft, number: number, fileID: fileID, recipient: recipient, configuration: configuration,
                              problems: &problems)
        }
        return (tree, problems)
    }

    // MARK: УПД / advance invoice (5.03)

    static func invoice(_ draft: InvoiceDraft, number: DocumentNumber, fileID: String, configuration: DocumentsConfiguration,
                        problems: inout [String]) -> DocumentTree {
        let isUPD = draft.function == .invoiceAndTransfer
        var header: [DocumentTree] = []
        header.reserveCapacity(10 + draft.paymentDocuments.count)
        if let correction = draft.correction {
            header.append(DocumentTree("ИспрДок", ["НомИспр": String(correction.number), "ДатаИспр": correction.date.russian]))
        }
        header.append(participant("СвПрод", draft.seller, modern: true, problems: &problems))
        if let shipper = draft.shipper {
            header.append(DocumentTree("ГрузОт", children: [participant("ГрузОтпр", shipper, modern: true, problems: &problems)]))
        }
        if let consignee = draft.consignee {
            header.append(participant("ГрузПолуч", consignee, modern: true, problems: &problems))
        }
        for payment in draft.paymentDocuments {
            header.append(DocumentTree("СвПРД", ["НомерПРД": payment.number, "ДатаПРД": payment.date.russian,
                                                  "СуммаПРД": payment.amount.description]))
        }
        if isUPD {
            header.append(DocumentTree("ДокПодтвОтгрНом", ["РеквНаимДок": "Универсальный передаточный документ",
                                                            "РеквНомерДок": number.rawValue,
                                                            "РеквДатаДок": draft.date.russian]))
        }
        header.append(participant("СвПокуп", draft.buyer, modern: true, problems: &problems))
        header.append(DocumentTree("ДенИзм", ["КодОКВ": "643", "НаимОКВ": "Российский рубль"]))
        if draft.isAdvance {
            header.append(DocumentTree("ДопСвФХЖ1", ["СпОбстФСЧФ": "2"]))
        }
        if !draft.information.isEmpty {
            header.append(DocumentTree("ИнфПолФХЖ1", children: draft.information.map(textInfo("ТекстИнф"))))
        }
        // The lines and the totals row, in one allocation.
        var rows: [DocumentTree] = []
        rows.reserveCapacity(draft.lines.count + 1)
        let lineDate = draft.transfer?.date ?? draft.date
        for line in draft.lines { rows.append(invoiceLine(line, date: lineDate, configuration: configuration)) }
        let totalVAT: DocumentTree = draft.isWithoutVAT
            ? DocumentTree("СумНалВсего", children: [DocumentTree("БезНДС", text: "без НДС")])
            : DocumentTree("СумНалВсего", children: [DocumentTree("СумНал", text: draft.vat.description)])
        rows.append(DocumentTree("ВсегоОпл", [
            "СтТовБезНДСВсего": draft.isAdvance ? nil : draft.totalWithoutVAT.description,
            "СтТовУчНалВсего": draft.total.description,
        ], children: [totalVAT]))
        var body: [DocumentTree] = [
            DocumentTree("СвСчФакт", ["НомерДок": number.rawValue, "ДатаДок": draft.date.russian], children: header),
            DocumentTree("ТаблСчФакт", children: rows),
        ]
        if let transfer = draft.transfer {
            body.append(DocumentTree("СвПродПер", children: [
                DocumentTree("СвПер", ["СодОпер": transfer.content, "ВидОпер": transfer.kind, "ДатаПер": transfer.date.russian],
                             children: [reference("ОснПер", transfer.basis)]),
            ]))
        }
        body.append(signer503(draft.signer))
        let seller = configuration.seller
        let document = DocumentTree("Документ", [
            "КНД": "1115131",
            "Функция": draft.function.rawValue,
            "ПоФактХЖ": isUPD ? updFact : nil,
            "НаимДокОпр": isUPD ? updName : nil,
            "ДатаИнфПр": draft.formationDate.russian,
            "ВремИнфПр": draft.formationTime,
            "НаимЭконСубСост": "\(seller.name), ИНН \(seller.inn)",
        ], children: body)
        return DocumentTree("Файл", ["ИдФайл": fileID, "ВерсФорм": "5.03", "ВерсПрог": configuration.programVersion],
                            children: [document])
    }

    /// `date`: the transfer day, written as the ВСД's date in the `СопрДокТов` slot (the feed carries
    /// only the ВСД uuid; the ВСД is issued for that shipment).
    static func invoiceLine(_ line: InvoiceLine, date: CivilDate, configuration: DocumentsConfiguration) -> DocumentTree {
        var children: [DocumentTree] = []
        if let goods = line.goods {
            var extra: [DocumentTree] = []
            if !line.vsd.isEmpty {
                switch configuration.vsdSlot {
                case .stateSystem:
                    extra.append(DocumentTree("СвГосСист", ["НаимГосСист": "ФГИС «Меркурий»"],
                                              children: line.vsd.map { DocumentTree("ИдНомУчетЕд", text: $0) }))
                case .accompanyingDocument:
                    // СопрДокТов precedes СвГосСист in the schema's sequence.
                    extra.insert(contentsOf: line.vsd.map {
                        DocumentTree("СопрДокТов", ["РеквНаимДок": "ВСД", "РеквНомерДок": $0, "РеквДатаДок": date.russian,
                                                     "РИдСистХранД": "ФГИС «Меркурий»"])
                    }, at: 0)
                case .textInfo:
                    break
                }
            }
            children.append(DocumentTree("ДопСведТов", [
                "ПрТовРаб": "1",
                "НадлОтп": goods.orderedQuantity?.description,
                "АртикулТов": line.sku,
                "ГТИН": line.gtin.flatMap(gtin14),
            ], children: extra))
        }
        children.append(DocumentTree("Акциз", children: [DocumentTree("БезАкциз", text: "без акциза")]))
        children.append(vatElement("СумНал", inner: "СумНал", rate: line.rate, amount: line.vat))
        if configuration.vsdSlot == .textInfo {
            children += line.vsd.map { textInfo("ИнфПолФХЖ2")(InformationField(key: "ВСД", value: $0)) }
        }
        let goods = line.goods
        return DocumentTree("СведТов", [
            "НомСтр": String(line.number),
            "НаимТов": line.name,
            "ОКЕИ_Тов": goods?.unit.okei,
            "НаимЕдИзм": goods?.unit.name,
            "КолТов": goods?.amounts.quantity.description,
            "ЦенаТов": goods?.amounts.unitPriceWithoutVAT.normalized.description,
            "СтТовБезНДС": line.totalWithoutVAT?.description,
            "НалСт": line.rate.fnsCode,
            "СтТовУчНал": line.total.description,
        ], children: children)
    }

    /// A 13-digit EAN becomes a GTIN-14 with a leading zero; 14 digits stay; anything else is left out.
    static func gtin14(_ text: String) -> String? {
        // ASCII digits only (the usual case): one pass over the bytes, whose count is the characters'.
        let asciiDigits = text.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
        guard asciiDigits || text.allSatisfy(\.isASCIIDigit) else { return nil }
        switch asciiDigits ? text.utf8.count : text.count {
        case 14: return text
        case 13: return "0" + text
        default: return nil
        }
    }

    static func vatElement(_ name: String, inner: String, rate: VATRate, amount: Money) -> DocumentTree {
        rate == .exempt
            ? DocumentTree(name, children: [DocumentTree("БезНДС", text: "без НДС")])
            : DocumentTree(name, children: [DocumentTree(inner, text: amount.description)])
    }

    static func textInfo(_ name: String) -> (InformationField) -> DocumentTree {
        { field in DocumentTree(name, ["Идентиф": field.key, "Значен": field.value]) }
    }

    static func reference(_ name: String, _ reference: DocumentReference) -> DocumentTree {
        DocumentTree(name, ["РеквНаимДок": reference.name, "РеквНомерДок": reference.number,
                            "РеквДатаДок": reference.date.russian])
    }

    static func signer503(_ signer: Signer) -> DocumentTree {
        var children = [fullName(signer)]
        if let poa = signer.electronicPowerOfAttorney {
            children.append(DocumentTree("СвДоверЭл", ["НомДовер": poa.number, "ДатаВыдДовер": poa.issuedOn.russian,
                                                       "ИдСистХран": poa.storageSystem]))
        }
        if let poa = signer.paperPowerOfAttorney {
            children.append(DocumentTree("СвДоверБум", ["ДатаВыдДовер": poa.issuedOn.russian, "ВнНомДовер": poa.internalNumber]))
        }
        return DocumentTree("Подписант", ["Должн": signer.position, "СпосПодтПолном": signer.authorityMethod],
                            children: children)
    }

    static func fullName(_ signer: Signer) -> DocumentTree {
        DocumentTree("ФИО", ["Фамилия": signer.surname, "Имя": signer.givenName, "Отчество": signer.patronymic])
    }

    /// A sole trader's name as `ФИО`: «ИП Иванов Иван Иванович» → Иванов / Иван / Иванович.
    static func soleTraderName(_ name: String) -> (surname: String, given: String, patronymic: String?)? {
        var words = name.split(separator: " ").map(String.init)
        if let first = words.first, ["ИП", "И.П.", "ИНДИВИДУАЛЬНЫЙ"].contains(first.uppercased()) { words.removeFirst() }
        if words.first?.lowercased() == "предприниматель" { words.removeFirst() }
        guard words.count >= 2 else { return nil }
        let patronymic = words.count > 2 ? words[2...].joined(separator: " ") : nil
        return (words[0], words[1], patronymic)
    }

    /// `УчастникТип`. `modern` = 5.03 (НаимРегион, БанкРекв, СтруктПодр); otherwise the 5.01 form.
    static func participant(_ name: String, _ participant: Participant, modern: Bool, problems: inout [String]) -> DocumentTree {
        let party = participant.party
        let identity: DocumentTree
        switch party.kind {
        case .legal:
            identity = DocumentTree("СвЮЛУч", ["НаимОрг": party.name, "ИННЮЛ": party.inn.value, "КПП": participant.kpp])
        case .soleTrader:
            let fio = soleTraderName(party.name)
            if fio == nil { problems.append("\(name): имя ИП «\(party.name)» не разбирается на фамилию и имя") }
            identity = DocumentTree("СвИП", ["ИННФЛ": party.inn.value], children: [
                DocumentTree("ФИО", ["Фамилия": fio?.surname ?? party.name, "Имя": fio?.given ?? "-", "Отчество": fio?.patronymic]),
            ])
        }
        let address = participant.address
        let addressElement = DocumentTree("Адрес", children: [DocumentTree("АдрРФ", [
            "Индекс": address.postalCode,
            "КодРегион": address.regionCode,
            "НаимРегион": modern ? address.region : nil,
            "Город": address.city,
            "Улица": address.street,
            "Дом": address.house,
            "Кварт": address.flat,
        ])])
        var children = [DocumentTree("ИдСв", children: [identity]), addressElement]
        if modern, name == "СвПрод" || name == "СвПокуп", let bank = party.bank {
            children.append(DocumentTree("БанкРекв", ["НомерСчета": bank.account], children: [
                DocumentTree("СвБанк", ["НаимБанк": bank.name, "БИК": bank.bik, "КорСчет": bank.correspondentAccount]),
            ]))
        }
        return DocumentTree(name, ["СтруктПодр": modern ? participant.structuralUnit : nil], children: children)
    }

    // MARK: УКД (5.01 of 736@)

    static func correction(_ draft: CorrectionDraft, number: DocumentNumber, fileID: String, recipient: String,
                           configuration: DocumentsConfiguration, problems: inout [String]) -> DocumentTree {
        let invoiceRef = DocumentTree("СчФ", ["НомерСчФ": draft.original.number, "ДатаСчФ": draft.original.date.russian],
                                      children: draft.originalCorrection.map {
                                          [DocumentTree("ИспрСчФ", ["НомИспрСчФ": String($0.number), "ДатаИспрСчФ": $0.date.russian])]
                                      } ?? [])
        var header = [invoiceRef,
                      participant("СвПрод", draft.seller, modern: false, problems: &problems),
                      participant("СвПокуп", draft.buyer, modern: false, problems: &problems),
                      DocumentTree("ДопСвФХЖ1", ["НаимОКВ": "Российский рубль"])]
        if !draft.information.isEmpty {
            header.append(DocumentTree("ИнфПолФХЖ1", children: draft.information.map(textInfo("ТекстИнф"))))
        }
        // The lines and the totals row, in one allocation.
        var rows: [DocumentTree] = []
        rows.reserveCapacity(draft.lines.count + 1)
        for line in draft.lines { rows.append(correctionLine(line)) }
        let totalVAT = draft.isWithoutVAT
            ? DocumentTree("СумНал", children: [DocumentTree("БезНДС", text: "без НДС")])
            : DocumentTree("СумНал", children: [DocumentTree("СумНДС", text: draft.vatDecrease.description)])
        rows.append(DocumentTree("ВсегоУм", ["СтТовБезНДСВсего": draft.totalWithoutVATDecrease.description,
                                              "СтТовУчНалВсего": draft.totalDecrease.description], children: [totalVAT]))
        let seller = configuration.seller
        let signer = draft.signer
        let body: [DocumentTree] = [
            DocumentTree("СвКСчФ", ["НомерКСчФ": number.rawValue, "ДатаКСчФ": draft.date.russian, "КодОКВ": "643"],
                         children: header),
            DocumentTree("ТаблКСчФ", children: rows),
            DocumentTree("СодФХЖ3", ["СодОпер": String(draft.operation.prefix(255))], children: [
                DocumentTree("ПередатДокум", ["НаимОсн": draft.original.name, "НомОсн": draft.original.number,
                                              "ДатаОсн": draft.original.date.russian]),
                DocumentTree("ДокумОснКор", ["НаимОсн": draft.basis.name, "НомОсн": draft.basis.number,
                                             "ДатаОсн": draft.basis.date.russian]),
            ]),
            DocumentTree("Подписант", ["ОблПолн": configuration.correctionSignerScope,
                                       "Статус": configuration.correctionSignerStatus,
                                       "ОснПолн": configuration.correctionSignerBasis], children: [
                DocumentTree("ЮЛ", ["ИННЮЛ": seller.inn.value, "НаимОрг": seller.name, "Должн": signer.position],
                             children: [fullName(signer)]),
            ]),
        ]
        let document = DocumentTree("Документ", [
            "КНД": "1115133", "Функция": "КСЧФДИС", "ПоФактХЖ": ukdFact, "НаимДокОпр": ukdName,
            "ДатаИнфПр": draft.formationDate.russian, "ВремИнфПр": draft.formationTime,
            "НаимЭконСубСост": "\(seller.name), ИНН \(seller.inn)",
        ], children: body)
        return DocumentTree("Файл", ["ИдФайл": fileID, "ВерсФорм": "5.01", "ВерсПрог": configuration.programVersion], children: [
            DocumentTree("СвУчДокОбор", ["ИдОтпр": seller.edoID ?? "", "ИдПол": recipient]),
            document,
        ])
    }

    static func correctionLine(_ line: CorrectionLine) -> DocumentTree {
        func cost(_ name: String, _ before: Money, _ after: Money) -> DocumentTree {
            let difference = before - after
            return DocumentTree(name, [
                "СтоимДоИзм": before.description, "СтоимПослеИзм": after.description,
                "СтоимУвел": difference.isNegative ? difference.magnitude.description : nil,
                "СтоимУм": difference.isNegative ? nil : difference.description,
            ])
        }
        let rate = line.before.rate
        let vatDifference: DocumentTree
        if rate == .exempt {
            vatDifference = DocumentTree("СумНалРазн", children: [DocumentTree("БезНДС", text: "без НДС")])
        } else if line.vatDecrease.isNegative {
            vatDifference = DocumentTree("СумНалРазн", children: [DocumentTree("СумУвел", text: line.vatDecrease.magnitude.description)])
        } else {
            vatDifference = DocumentTree("СумНалРазн", children: [DocumentTree("СумУм", text: line.vatDecrease.description)])
        }
        return DocumentTree("СведТов", [
            "НомСтр": String(line.number),
            "ПорНомТовВСЧФ": String(line.originalLineNumber),
            "НаимТов": line.name,
            "ОКЕИ_ТовДо": line.unit.okei, "ОКЕИ_ТовПосле": line.unit.okei,
            "КолТовДо": line.before.quantity.description, "КолТовПосле": line.after.quantity.description,
            "ЦенаТовДо": line.before.unitPriceWithoutVAT.normalized.description,
            "ЦенаТовПосле": line.after.unitPriceWithoutVAT.normalized.description,
            "НалСтДо": rate.fnsCode, "НалСтПосле": line.after.rate.fnsCode,
        ], children: [
            cost("СтТовБезНДС", line.before.totalWithoutVAT, line.after.totalWithoutVAT),
            vatElement("СумНалДо", inner: "СумНДС", rate: rate, amount: line.before.vat),
            vatElement("СумНалПосле", inner: "СумНДС", rate: line.after.rate, amount: line.after.vat),
            vatDifference,
            cost("СтТовУчНал", line.before.total, line.after.total),
            DocumentTree("ДопСведТов", ["НаимЕдИзмДо": line.unit.name, "НаимЕдИзмПосле": line.unit.name]),
        ])
    }
}
