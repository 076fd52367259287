import Domain
import XML

// The act as the FNS XML: «Акт сверки взаимных расчетов, информация отправителя»,
// ON_AKTSVEROTP, format 5.01 (order ЕД-7-26/405@), КНД 1110332. Element order and
// limits follow the official schema ON_AKTSVEROTP_1_972_01_05_01_01.xsd; the project's
// schemas/ON_AKTSVEROTP_sverka_05_01.xsd describes exactly what is written here.

extension ActOfReconciliation {
    /// The act's FNS XML file: its `ИдФайл`, file name (`ИдФайл` + `.xml`) and windows-1251 bytes.
    public struct XMLFile: Sendable, Hashable {
        /// `Файл/@ИдФайл`: `ON_AKTSVEROTP_<recipient>_<sender>_<YYYYMMDD>_<GUID>`.
        public var fileID: String
        /// `fileID` + `.xml` (the FNS rule: the file name equals `ИдФайл`).
        public var fileName: String
        /// The document in windows-1251; characters outside it as numeric character references.
        public var bytes: [UInt8]
    }

    /// The file prefix of the sender's title.
    public static let xmlFilePrefix = "ON_AKTSVEROTP"

    /// The act as FNS XML, format 5.01.
    ///
    /// - Parameters:
    ///   - createdAt: when the file is made (`ДатаИнфОтпр`, `ВрИнфОтпр`, the date in the file name), Moscow time.
    ///   - program: `ВерсПрог`, the program and its version (1–40 characters).
    /// - Throws: `ActError` naming the field when the act lacks what the format requires
    ///   (a signer, ОГРН, КПП, at least one operation) or a value exceeds the format's limits.
    public func xml(createdAt: Timestamp, program: String = "sverka") throws(ActError) -> XMLFile {
        let fileID = xmlFileID(createdAt: createdAt)
        let tree = try xmlTree(fileID: fileID, createdAt: createdAt, program: program)
        do {
            let bytes = try tree.serialized(encoding: XElement.windows1251)
            return XMLFile(fileID: fileID, fileName: fileID + ".xml", bytes: bytes)
        } catch {
            throw ActError(act: number, field: "xml", reason: error.description)
        }
    }

    /// `ON_AKTSVEROTP_<ИдПол>_<ИдОтпр>_<YYYYMMDD>_<GUID>`, recipient first as in FNS file names.
    ///
    /// The participants' EDO ids are used when known, else ИНН (+ КПП). The GUID is derived
    /// from the act's identity and contents, so the same act made twice has the same name.
    public func xmlFileID(createdAt: Timestamp) -> String {
        func participant(_ party: Party) -> String { party.edoID ?? (party.inn + (party.kpp ?? "")) }
        let identity = [seller.inn, customer.inn, number, periodFrom.iso, periodTo.iso, openingBalance.description,
                        turnoverDebit.description, turnoverCredit.description, String(entries.count)]
        let guid = StableGUID.make(namespace: "sverka:act-of-reconciliation", name: identity.joined(separator: "|"))
        return [ActOfReconciliation.xmlFilePrefix, participant(customer), participant(seller),
                createdAt.moscowDate.compact, guid].joined(separator: "_")
    }

    /// The XML tree (before serialisation); exposed for tests and for the job's own checks.
    public func xmlTree(fileID: String, createdAt: Timestamp, program: String = "sverka") throws(ActError) -> XElement {
        try validate()
        try limit(program, 1...40, field: "program")
        try limit(number, 1...1000, field: "number")
        guard let signer = seller.signer else {
            throw ActError(act: number, field: "seller.signer", reason: "the format requires the signer's name (Подписант/ФИО)")
        }
        let operations = sortedEntries
        guard !operations.isEmpty else {
            throw ActError(act: number, field: "entries",
                           reason: "the format requires at least one operation in the period (ДокСв/СвОпер); "
                               + "an act without operations can be printed (html, csv) but not sent as XML")
        }
        for (index, entry) in operations.enumerated() {
            try limit(entry.documentName, 1...100, field: "entries[\(index)].documentName")
            try limit(entry.documentNumber, 1...50, field: "entries[\(index)].documentNumber")
            try limit(entry.operationName, 1...500, field: "entries[\(index)].operationName")
            if let id = entry.documentID { try limit(id, 1...100, field: "entries[\(index)].documentID") }
        }
        for (date, field) in [(periodFrom, "periodFrom"), (periodTo, "periodTo"), (createdAt.moscowDate, "createdAt")]
            + operations.enumerated().flatMap({ [($1.date, "entries[\($0)].date"), ($1.documentDate, "entries[\($0)].documentDate")] }) {
            guard (1900...2099).contains(date.year) else {
                throw ActError(act: number, field: field, reason: "the format's dates run from 1900 to 2099, got \(date.russian)")
            }
        }
        if let contract {
            try limit(contract.number, 1...50, field: "contract.number")
            try limit(contract.title, 1...500, field: "contract.title")
        }

        // Operations grouped by document, in order of first appearance; rows numbered through the act.
        var documents: [(key: String, entry: Entry, operations: [XElement])] = []
        for (index, entry) in operations.enumerated() {
            let operation = XElement("СвОпер", attributes: [
                "НомСтр": String(index + 1),
                "ДатаОпер": entry.date.russian,
                "НаимОпер": entry.operationName,
                "СумДебет": entry.amount.isNegative ? nil : decimal(entry.debit),
                "СумКредит": entry.amount.isNegative ? decimal(entry.credit) : nil,
            ])
            let key = "\(entry.documentName)\u{0}\(entry.documentNumber)\u{0}\(entry.documentDate.iso)"
            if let at = documents.firstIndex(where: { $0.key == key }) {
                documents[at].operations.append(operation)
            } else {
                documents.append((key, entry, [operation]))
            }
        }
        let documentElements = documents.map { document in
            XElement("ДокСв", attributes: [
                "НаимДок": document.entry.documentName,
                "НомДок": document.entry.documentNumber,
                "ДатаДок": document.entry.documentDate.russian,
                "ИдДок": document.entry.documentID,
            ], children: document.operations)
        }

        let balances: [XAttribute] = [
            XAttribute("СальдоНачДеб", decimal(openingBalance.isPositive ? openingBalance : .zero)),
            XAttribute("СальдоНачКр", decimal(openingBalance.isNegative ? -openingBalance : .zero)),
            XAttribute("ОборотДеб", decimal(turnoverDebit)),
            XAttribute("ОборотКр", decimal(turnoverCredit)),
            XAttribute("СальдоКонДеб", decimal(closingBalance.isPositive ? closingBalance : .zero)),
            XAttribute("СальдоКонКр", decimal(closingBalance.isNegative ? -closingBalance : .zero)),
        ]
        for attribute in balances where attribute.value.filter(\.isASCIIDigit).count > 15 {
            throw ActError(act: number, field: attribute.name, reason: "\(attribute.value) exceeds the format's 15 digits")
        }
        var contractAttributes: [XAttribute] = []
        if let contract {
            contractAttributes = [
                XAttribute("ОписТипДог", contract.title),
                XAttribute("НомДог", contract.number),
                XAttribute("ДатаДог", contract.date.russian),
            ]
        }
        let contractElement = XElement("ДогСв", attributeList: contractAttributes + balances, children: documentElements)

        return XElement("Файл", attributes: [
            "ИдФайл": fileID,
            "ВерсФорм": "5.01",
            "ВерсПрог": program,
        ], children: [
            XElement("Документ", attributes: [
                "КНД": "1110332",
                "ДатаИнфОтпр": createdAt.moscowDate.russian,
                "ВрИнфОтпр": createdAt.moscowTimeFNS.replacingDots(),
                "ДатаНачПер": periodFrom.russian,
                "ДатаОкПер": periodTo.russian,
                "НомерАкт": number,
            ], children: [
                XElement("СвДокКрАкт", attributes: ["КодОКВ": "643"], children: [
                    try participant(seller, element: "СвОтпр", field: "seller"),
                    try participant(customer, element: "СвПол", field: "customer"),
                ]),
                XElement("ТаблАкт", attributeList: balances, children: [contractElement]),
                XElement("Подписант", attributes: ["Должн": signer.position.isEmpty ? nil : signer.position],
                         children: [try fullName(signer.name, field: "seller.signer.name")]),
            ]),
        ])
    }

    private func participant(_ party: Party, element: String, field: String) throws(ActError) -> XElement {
        let identity: XElement
        switch party.kind {
        case .legal:
            try digits(party.inn, count: 10, field: "\(field).inn", what: "ИНН of an organisation")
            guard let kpp = party.kpp else {
                throw ActError(act: number, field: "\(field).kpp", reason: "the format requires the КПП of an organisation")
            }
            guard let ogrn = party.ogrn else {
                throw ActError(act: number, field: "\(field).ogrn", reason: "the format requires the ОГРН of an organisation")
            }
            try digits(ogrn, count: 13, field: "\(field).ogrn", what: "ОГРН")
            try limit(party.name, 1...1000, field: "\(field).name")
            identity = XElement("СвЮЛУч", attributes: ["НаимОрг": party.name, "ИННЮЛ": party.inn, "КПП": kpp, "ОГРН": ogrn])
        case .soleTrader:
            try digits(party.inn, count: 12, field: "\(field).inn", what: "ИНН of a sole trader")
            guard let ogrn = party.ogrn else {
                throw ActError(act: number, field: "\(field).ogrn", reason: "the format requires the ОГРНИП of a sole trader")
            }
            try digits(ogrn, count: 15, field: "\(field).ogrn", what: "ОГРНИП")
            guard let person = party.person else {
                throw ActError(act: number, field: "\(field).person", reason: "the format requires a sole trader's full name")
            }
            identity = XElement("СвИП", attributes: ["ИННФЛ": party.inn, "ОГРНИП": ogrn],
                                children: [try fullName(person, field: "\(field).person")])
        }
        let contact = XElement("Контакт", attributes: ["Тлф": party.phone, "ЭлПочта": party.email])
        for value in [party.phone, party.email].compactMap({ $0 }) { try limit(value, 1...255, field: "\(field).contact") }
        return XElement(element, children: [XElement("ИдСв", children: [identity]), contact])
    }

    private func fullName(_ name: PersonName, field: String) throws(ActError) -> XElement {
        try limit(name.surname, 1...60, field: "\(field).surname")
        try limit(name.givenName, 1...60, field: "\(field).givenName")
        if let patronymic = name.patronymic { try limit(patronymic, 1...60, field: "\(field).patronymic") }
        return XElement("ФИО", attributes: ["Фамилия": name.surname, "Имя": name.givenName, "Отчество": name.patronymic])
    }

    private func limit(_ value: String, _ range: ClosedRange<Int>, field: String) throws(ActError) {
        guard range.contains(value.count) else {
            throw ActError(act: number, field: field,
                           reason: "must be \(range.lowerBound)–\(range.upperBound) characters, got \(value.count)")
        }
    }

    private func digits(_ value: String, count: Int, field: String, what: String) throws(ActError) {
        guard value.count == count, value.allSatisfy(\.isASCIIDigit) else {
            throw ActError(act: number, field: field, reason: "\(what) must be \(count) digits, got '\(value)'")
        }
    }

    /// `1234.50`: the format's decimal with two fraction digits.
    private func decimal(_ money: Money) -> String { money.description }
}
