import Domain
import Foundation

/// An act of reconciliation of mutual settlements (акт сверки взаиморасчётов) between
/// the seller and one customer for a period, as the seller's books show it.
///
/// Build one from the ledger's balance movements (`Entry(movement:)`), then render it
/// as HTML (`html()`), CSV (`csv()`) or FNS XML (`xml(createdAt:)`, format 5.01,
/// КНД 1110332). Amounts are signed from our side: positive = the customer owes us more
/// (debit), negative = less (credit).
public struct ActOfReconciliation: Sendable, Hashable {
    /// The act's number (`НомерАкт`), e.g. `АС-7707083893-202611`.
    public var number: String
    /// The day the act is drawn up.
    public var date: CivilDate
    /// Us.
    public var seller: Party
    /// The customer.
    public var customer: Party
    /// The period, both days included.
    public var periodFrom: CivilDate
    public var periodTo: CivilDate
    /// The balance before `periodFrom`: positive = the customer owes us, negative = we owe the customer.
    public var openingBalance: Money
    /// The operations of the period, in date order (sorted stably by date if not).
    public var entries: [Entry]
    /// The contract the settlements are under, when there is one.
    public var contract: Contract?

    public init(number: String, date: CivilDate, seller: Party, customer: Party, periodFrom: CivilDate,
                periodTo: CivilDate, openingBalance: Money, entries: [Entry], contract: Contract? = nil) {
        self.number = number
        self.date = date
        self.seller = seller
        self.customer = customer
        self.periodFrom = periodFrom
        self.periodTo = periodTo
        self.openingBalance = openingBalance
        self.entries = entries
        self.contract = contract
    }

    /// A side of the act: an organisation or a sole trader.
    public struct Party: Sendable, Hashable {
        public enum Kind: String, Sendable, Hashable {
            case legal
            case soleTrader = "sole_trader"
        }

        public var kind: Kind
        /// Full name: `ООО «Ромашка»`, `ИП Иванов Иван Иванович`.
        public var name: String
        public var inn: String
        /// КПП (organisations).
        public var kpp: String?
        /// ОГРН (13 digits) or ОГРНИП (15); the FNS XML requires it.
        public var ogrn: String?
        /// The sole trader's name (the FNS XML requires it for a sole trader).
        public var person: PersonName?
        public var email: String?
        public var phone: String?
        /// The participant id at the EDO operator (used in the XML file name).
        public var edoID: String?
        /// Who signs for this side; `nil` leaves the signature block blank.
        public var signer: Signer?

        public init(kind: Kind = .legal, name: String, inn: String, kpp: String? = nil, ogrn: String? = nil,
                    person: PersonName? = nil, email: String? = nil, phone: String? = nil, edoID: String? = nil,
                    signer: Signer? = nil) {
            self.kind = kind
            self.name = name
            self.inn = inn
            self.kpp = kpp
            self.ogrn = ogrn
            self.person = person
            self.email = email
            self.phone = phone
            self.edoID = edoID
            self.signer = signer
        }
    }

    /// A person's name in the FNS form.
    public struct PersonName: Sendable, Hashable {
        public var surname: String
        public var givenName: String
        public var patronymic: String?

        public init(surname: String, givenName: String, patronymic: String? = nil) {
            self.surname = surname
            self.givenName = givenName
            self.patronymic = patronymic
        }

        /// `Иванова А. П.`
        public var withInitials: String {
            var text = "\(surname) \(givenName.prefix(1))."
            if let patronymic, let first = patronymic.first { text += " \(first)." }
            return text
        }
    }

    /// Who signs, and as whom.
    public struct Signer: Sendable, Hashable {
        public var name: PersonName
        /// `Главный бухгалтер`, `Генеральный директор`.
        public var position: String

        public init(name: PersonName, position: String) {
            self.name = name
            self.position = position
        }
    }

    /// The contract settlements are under.
    public struct Contract: Sendable, Hashable {
        public var number: String
        public var date: CivilDate
        /// `Договор поставки`.
        public var title: String

        public init(number: String, date: CivilDate, title: String = "Договор поставки") {
            self.number = number
            self.date = date
            self.title = title
        }
    }

    /// One operation of the period.
    public struct Entry: Sendable, Hashable {
        /// What the document is; decides the words of the «Документ» column.
        public enum Kind: Sendable, Hashable {
            /// A sale: «Реализация (УПД) № 12 от 27.11.2026».
            case sale
            /// A correction of a sale: «Корректировка реализации (УКД) № 12-К от 28.11.2026».
            case correction
            /// Money received: «Оплата (п/п № 482 от 27.11.2026)».
            case payment
            /// Money paid back: «Возврат оплаты (п/п № 17 от 29.11.2026)».
            case refund
            /// A small debt written off: «Списание задолженности № 3 от 30.11.2026».
            case writeOff
            /// Anything else, with its own name: «Взаимозачёт № 5 от 30.11.2026».
            case other(String)
        }

        /// The day of the operation.
        public var date: CivilDate
        public var kind: Kind
        /// The document's number (УПД № 12, п/п № 482).
        public var documentNumber: String
        /// The document's date (defaults to the operation's date).
        public var documentDate: CivilDate
        /// Signed: positive = debit (the customer owes more), negative = credit.
        public var amount: Money
        /// The document's id in our books (a ledger key), for the XML's `ИдДок`.
        public var documentID: String?

        public init(date: CivilDate, kind: Kind, documentNumber: String, documentDate: CivilDate? = nil, amount: Money,
                    documentID: String? = nil) {
            self.date = date
            self.kind = kind
            self.documentNumber = documentNumber
            self.documentDate = documentDate ?? date
            self.amount = amount
            self.documentID = documentID
        }

        /// An entry for a ledger movement (its reference is the document number; its id the document id).
        public init(movement: BalanceMovement, documentDate: CivilDate? = nil) {
            let kind: Kind = switch movement.kind {
            case .shipment: .sale
            case .adjustment: .correction
            case .payment: .payment
            case .refund: .refund
            case .writeOff: .writeOff
            }
            self.init(date: movement.date, kind: kind, documentNumber: movement.reference, documentDate: documentDate,
                      amount: movement.amount, documentID: movement.id)
        }

        /// The document's short name, as the FNS XML's `НаимДок` takes it.
        public var documentName: String {
            switch kind {
            case .sale: "УПД"
            case .correction: "УКД"
            case .payment: "Платёжное поручение"
            case .refund: "Платёжное поручение"
            case .writeOff: "Бухгалтерская справка"
            case .other(let name): name
            }
        }

        /// The operation's name, as the XML's `НаимОпер` takes it.
        public var operationName: String {
            switch kind {
            case .sale: "Реализация"
            case .correction: "Корректировка реализации"
            case .payment: "Оплата"
            case .refund: "Возврат оплаты"
            case .writeOff: "Списание задолженности"
            case .other(let name): name
            }
        }

        /// The «Документ» column: «Реализация (УПД) № 12 от 27.11.2026», «Оплата (п/п № 482 от 27.11.2026)».
        public var description: String {
            let numberAndDate = "№ \(documentNumber) от \(documentDate.russian)"
            return switch kind {
            case .sale: "Реализация (УПД) \(numberAndDate)"
            case .correction: "Корректировка реализации (УКД) \(numberAndDate)"
            case .payment: "Оплата (п/п \(numberAndDate))"
            case .refund: "Возврат оплаты (п/п \(numberAndDate))"
            case .writeOff: "Списание задолженности \(numberAndDate)"
            case .other(let name): "\(name) \(numberAndDate)"
            }
        }

        /// The amount in the debit column (zero when it is a credit).
        public var debit: Money { amount.isPositive ? amount : .zero }
        /// The amount in the credit column (zero when it is a debit).
        public var credit: Money { amount.isNegative ? -amount : .zero }
    }

    // MARK: Computed

    /// The entries in date order (stable for equal dates).
    public var sortedEntries: [Entry] {
        entries.enumerated().sorted { ($0.element.date, $0.offset) < ($1.element.date, $1.offset) }.map(\.element)
    }

    /// Debit turnover: the sum of the debits of the period.
    public var turnoverDebit: Money { entries.map(\.debit).sum() }
    /// Credit turnover: the sum of the credits of the period.
    public var turnoverCredit: Money { entries.map(\.credit).sum() }
    /// The balance at the end of the period (positive = the customer owes us).
    public var closingBalance: Money { openingBalance + turnoverDebit - turnoverCredit }

    /// The closing sentence: «По данным … на 30.11.2026 задолженность в пользу … составляет
    /// 12 345,67 руб. (двенадцать тысяч триста сорок пять рублей 67 копеек)», or «… взаимная
    /// задолженность отсутствует».
    public var closingSentence: String {
        let balance = closingBalance
        let head = "По данным \(seller.name) на \(periodTo.russian)"
        guard !balance.isZero else { return head + " взаимная задолженность отсутствует." }
        let creditor = balance.isPositive ? seller.name : customer.name
        return head + " задолженность в пользу \(creditor) составляет \(balance.magnitude.formatted()) руб. "
            + "(\(AmountInWords.rubles(balance.magnitude)))."
    }

    /// Checks what every output needs: a period in order, entries inside it.
    public func validate() throws(ActError) {
        guard periodFrom <= periodTo else {
            throw ActError(act: number, field: "period",
                           reason: "the period starts \(periodFrom.russian), after its end \(periodTo.russian)")
        }
        for (index, entry) in entries.enumerated() where entry.date < periodFrom || entry.date > periodTo {
            throw ActError(act: number, field: "entries[\(index)].date",
                           reason: "\(entry.description) is dated \(entry.date.russian), outside the period "
                               + "\(periodFrom.russian)–\(periodTo.russian)")
        }
    }
}

/// Why an act could not be produced.
public struct ActError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The act's number.
    public var act: String
    /// The field at fault (`customer.ogrn`, `entries[3].date`).
    public var field: String
    /// Why, in plain words.
    public var reason: String

    public init(act: String, field: String, reason: String) {
        self.act = act
        self.field = field
        self.reason = reason
    }

    public var description: String { "act \(act), \(field): \(reason)" }
}

// MARK: HTML and CSV

extension ActOfReconciliation {
    /// The act as one self-contained HTML page (A4 portrait), with the customer's side left blank.
    public func html(templates: ReportTemplates) throws(ReportError) -> String {
        do { try validate() } catch { throw ReportError(item: "act \(number)", reason: error.description) }
        return try templates.render(ActView(self), template: "act")
    }

    /// The act as HTML with the bundled templates, or those of `templatesDirectory` where it has them.
    public func html(templatesDirectory: URL? = nil) throws(ReportError) -> String {
        try html(templates: ReportTemplates(overrideDirectory: templatesDirectory))
    }

    /// Our side of the act as CSV: Дата; Документ; Дебет; Кредит, from «Сальдо начальное»
    /// through the operations and «Обороты за период» to «Сальдо конечное».
    public func csvTable(options: CSVOptions = .excel) -> CSVTable {
        var table = CSVTable(header: ["Дата", "Документ", "Дебет", "Кредит"], options: options)
        func amounts(_ balance: Money) -> [String] {
            [balance.isPositive ? table.money(balance) : "", balance.isNegative ? table.money(-balance) : ""]
        }
        table.append([table.date(periodFrom), "Сальдо начальное"] + amounts(openingBalance))
        for entry in sortedEntries {
            table.append([table.date(entry.date), entry.description,
                          entry.debit.isZero ? "" : table.money(entry.debit),
                          entry.credit.isZero ? "" : table.money(entry.credit)])
        }
        table.append(["", "Обороты за период", table.money(turnoverDebit), table.money(turnoverCredit)])
        table.append([table.date(periodTo), "Сальдо конечное"] + amounts(closingBalance))
        return table
    }

    /// The CSV file's bytes (UTF-8 with BOM by default).
    public func csv(options: CSVOptions = .excel) -> [UInt8] { csvTable(options: options).bytes }

    /// A file-name stem for the act's HTML and CSV: `act-<ИНН>-<from>-<to>`.
    public var fileStem: String { "act-\(customer.inn)-\(periodFrom.iso)-\(periodTo.iso)" }
}

/// The act as the template sees it.
struct ActView {
    struct Row {
        let date: String
        let document: String
        let debit: String
        let credit: String
    }

    struct Side {
        let heading: String
        let position: String
        let signer: String
        let hasSigner: Bool
    }

    let title: String
    let number: String
    let date: String
    let period: String
    let seller: String
    let sellerINN: String
    let sellerKPP: String?
    let customer: String
    let customerINN: String
    let customerKPP: String?
    let contract: String?
    let intro: String
    let ourHeading: String
    let theirHeading: String
    let openingDate: String
    let openingDebit: String
    let openingCredit: String
    let rows: [Row]
    let turnoverDebit: String
    let turnoverCredit: String
    let closingDate: String
    let closingDebit: String
    let closingCredit: String
    let closingSentence: String
    let sellerSide: Side
    let customerSide: Side

    init(_ act: ActOfReconciliation) {
        let m = screenMoney
        func debit(_ balance: Money) -> String { balance.isPositive ? m(balance) : "" }
        func credit(_ balance: Money) -> String { balance.isNegative ? m(-balance) : "" }
        title = "Акт сверки взаимных расчётов № \(act.number)"
        number = act.number
        date = act.date.russian
        period = "за период с \(act.periodFrom.russian) по \(act.periodTo.russian)"
        seller = act.seller.name
        sellerINN = act.seller.inn
        sellerKPP = nonEmpty(act.seller.kpp)
        customer = act.customer.name
        customerINN = act.customer.inn
        customerKPP = nonEmpty(act.customer.kpp)
        contract = act.contract.map { "по договору: \($0.title) № \($0.number) от \($0.date.russian)" }
        let ourSigner = act.seller.signer.map { "\($0.position.lowercased()) \($0.name.withInitials)" }
        let theirSigner = act.customer.signer.map { "\($0.position.lowercased()) \($0.name.withInitials)" }
        intro = "Мы, нижеподписавшиеся, \(ourSigner.map { $0 + ", " } ?? "")\(act.seller.name), с одной стороны, и "
            + "\(theirSigner.map { $0 + ", " } ?? "")\(act.customer.name), с другой стороны, составили настоящий акт "
            + "сверки в том, что состояние взаимных расчётов по данным учёта следующее:"
        ourHeading = "По данным \(act.seller.name), руб."
        theirHeading = "По данным \(act.customer.name), руб."
        openingDate = act.periodFrom.russian
        openingDebit = debit(act.openingBalance)
        openingCredit = credit(act.openingBalance)
        rows = act.sortedEntries.map {
            Row(date: $0.date.russian, document: $0.description, debit: $0.debit.isZero ? "" : m($0.debit),
                credit: $0.credit.isZero ? "" : m($0.credit))
        }
        turnoverDebit = m(act.turnoverDebit)
        turnoverCredit = m(act.turnoverCredit)
        closingDate = act.periodTo.russian
        closingDebit = debit(act.closingBalance)
        closingCredit = credit(act.closingBalance)
        closingSentence = act.closingSentence
        sellerSide = Side(heading: "От \(act.seller.name)", position: act.seller.signer?.position ?? "",
                          signer: act.seller.signer?.name.withInitials ?? "", hasSigner: act.seller.signer != nil)
        customerSide = Side(heading: "От \(act.customer.name)", position: act.customer.signer?.position ?? "",
                            signer: act.customer.signer?.name.withInitials ?? "", hasSigner: act.customer.signer != nil)
    }
}
