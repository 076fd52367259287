import Domain

/// Everything the nightly job hands the documents stage for one business day.
///
/// The stage is a pure function of this value: the same input always plans the
/// same documents (`DocumentPlanner.plan(_:)`) and renders the same bytes.
public struct DocumentsInput: Hashable, Sendable {
    /// The Moscow business day being closed.
    public var businessDay: CivilDate
    /// The day's orders, in their current state from the feed.
    public var orders: [Order]
    /// Documents issued earlier for these orders (from the ledger).
    public var priorDocuments: [PriorDocument]
    /// Payments applied to each order (for `СвПРД`, строка 5).
    public var appliedPayments: [AppliedPayment]
    /// Prepayments not yet followed by a shipment (candidates for advance invoices).
    public var prepayments: [Prepayment]
    public var configuration: DocumentsConfiguration

    public init(businessDay: CivilDate, orders: [Order], priorDocuments: [PriorDocument] = [],
                appliedPayments: [AppliedPayment] = [], prepayments: [Prepayment] = [],
                configuration: DocumentsConfiguration) {
        self.businessDay = businessDay
        self.orders = orders
        self.priorDocuments = priorDocuments
        self.appliedPayments = appliedPayments
        self.prepayments = prepayments
        self.configuration = configuration
    }
}

/// A document issued on an earlier run, as the ledger keeps it.
public struct PriorDocument: Hashable, Sendable, Codable {
    public var kind: Domain.DocumentKind
    /// The planner's identity key (`UPD:<shipment id>`, `UKD:<return id>`, `ADV:<payment id>:<order id>`).
    public var identityKey: String
    public var orderID: OrderID
    /// The shipment the document is about (УПД, its corrections and УКД).
    public var shipmentID: ShipmentID?
    public var number: DocumentNumber
    /// The document date (`ДатаДок`; a correction keeps the original's date).
    public var date: CivilDate
    /// 0 for the original, 1, 2, … for corrections (`ИспрДок/@НомИспр`).
    public var correctionNumber: Int
    /// The correction date (`ИспрДок/@ДатаИспр`) when `correctionNumber > 0`.
    public var correctionDate: CivilDate?
    public var status: DocumentStatus
    /// The lines as issued: for a УПД the shipped values, for a УКД the values after the change.
    public var lines: [DocumentLineRecord]

    public init(kind: Domain.DocumentKind, identityKey: String, orderID: OrderID, shipmentID: ShipmentID?,
                number: DocumentNumber, date: CivilDate, correctionNumber: Int = 0, correctionDate: CivilDate? = nil,
                status: DocumentStatus, lines: [DocumentLineRecord]) {
        self.kind = kind
        self.identityKey = identityKey
        self.orderID = orderID
        self.shipmentID = shipmentID
        self.number = number
        self.date = date
        self.correctionNumber = correctionNumber
        self.correctionDate = correctionDate
        self.status = status
        self.lines = lines
    }
}

/// One line of a document as the ledger records it: the order line it stands for and its amounts.
public struct DocumentLineRecord: Hashable, Sendable, Codable {
    /// The order line number (`OrderLine.lineNo`).
    public var lineNo: Int
    public var amounts: LineAmounts

    public init(lineNo: Int, amounts: LineAmounts) {
        self.lineNo = lineNo
        self.amounts = amounts
    }
}

/// A payment applied to an order, quoted in `СвПРД` of the order's УПД.
public struct AppliedPayment: Hashable, Sendable, Codable {
    public var orderID: OrderID
    public var paymentID: PaymentID
    /// The payment document's number (`НомерПРД`, at most 30 characters are written:
    /// a longer reference such as a provider uuid keeps its last 30).
    public var number: String
    public var date: CivilDate
    /// The part of the payment applied to this order.
    public var amount: Money

    public init(orderID: OrderID, paymentID: PaymentID, number: String, date: CivilDate, amount: Money) {
        self.orderID = orderID
        self.paymentID = paymentID
        self.number = number
        self.date = date
        self.amount = amount
    }
}

/// Money received for an order before any of it shipped.
public struct Prepayment: Hashable, Sendable, Codable {
    public var paymentID: PaymentID
    public var orderID: OrderID
    /// The payment document's number (for `СвПРД`).
    public var number: String
    /// The Moscow day the money arrived.
    public var receivedOn: CivilDate
    /// The amount applied to the order.
    public var amount: Money

    public init(paymentID: PaymentID, orderID: OrderID, number: String, receivedOn: CivilDate, amount: Money) {
        self.paymentID = paymentID
        self.orderID = orderID
        self.number = number
        self.receivedOn = receivedOn
        self.amount = amount
    }
}

/// Where the ВСД ids (ФГИС «Меркурий») of animal-origin lines are written.
public enum VSDSlot: String, Hashable, Sendable, Codable, CaseIterable {
    /// `ДопСведТов/СвГосСист @НаимГосСист="ФГИС «Меркурий»"`, one `ИдНомУчетЕд` per ВСД (default).
    case stateSystem = "state-system"
    /// `ДопСведТов/СопрДокТов @РеквНаимДок="ВСД"`, one per ВСД.
    case accompanyingDocument = "accompanying-document"
    /// `ИнфПолФХЖ2 @Идентиф="ВСД"`, one per ВСД.
    case textInfo = "text-info"
}

/// The person who signs the documents (`Подписант`).
public struct Signer: Hashable, Sendable, Codable {
    public var surname: String
    public var givenName: String
    public var patronymic: String?
    /// `Должн`: required in practice for СЧФДОП.
    public var position: String
    /// `СпосПодтПолном` (1–6): 1 = the signer's own qualified certificate (the director).
    public var authorityMethod: String
    /// Machine-readable power of attorney (МЧД), required exactly when `authorityMethod == "3"`.
    public var electronicPowerOfAttorney: ElectronicPowerOfAttorney?
    /// Paper power of attorney, required exactly when `authorityMethod == "5"`.
    public var paperPowerOfAttorney: PaperPowerOfAttorney?

    public init(surname: String, givenName: String, patronymic: String?, position: String, authorityMethod: String = "1",
                electronicPowerOfAttorney: ElectronicPowerOfAttorney? = nil, paperPowerOfAttorney: PaperPowerOfAttorney? = nil) {
        self.surname = surname
        self.givenName = givenName
        self.patronymic = patronymic
        self.position = position
        self.authorityMethod = authorityMethod
        self.electronicPowerOfAttorney = electronicPowerOfAttorney
        self.paperPowerOfAttorney = paperPowerOfAttorney
    }

    /// `Фамилия И. О.` for print forms.
    public var shortName: String {
        var text = surname + " " + String(givenName.prefix(1)) + "."
        if let patronymic, let first = patronymic.first { text += " \(first)." }
        return text
    }
}

/// `СвДоверЭл`: a machine-readable power of attorney.
public struct ElectronicPowerOfAttorney: Hashable, Sendable, Codable {
    /// `НомДовер`: the МЧД's 36-character uuid.
    public var number: String
    public var issuedOn: CivilDate
    /// `ИдСистХран`: where it is stored.
    public var storageSystem: String

    public init(number: String, issuedOn: CivilDate, storageSystem: String) {
        self.number = number
        self.issuedOn = issuedOn
        self.storageSystem = storageSystem
    }
}

/// `СвДоверБум`: a paper power of attorney.
public struct PaperPowerOfAttorney: Hashable, Sendable, Codable {
    public var internalNumber: String
    public var issuedOn: CivilDate

    public init(internalNumber: String, issuedOn: CivilDate) {
        self.internalNumber = internalNumber
        self.issuedOn = issuedOn
    }
}

/// The seller's side of every document: from the job's configuration, never from the feed.
public struct DocumentsConfiguration: Hashable, Sendable, Codable {
    /// The seller (`СвПрод`); `edoID` is the sender id in file names and is required.
    public var seller: Party
    public var signer: Signer
    public var vsdSlot: VSDSlot
    /// `ВерсПрог` (1–40 characters), e.g. `sverka 1.0`.
    public var programVersion: String
    /// `ВремИнфПр` of documents whose time is not taken from an event (corrections, advance invoices).
    public var fixedFormationTime: String
    /// The recipient id written in file names of paper-only documents (buyer without `edo_id`):
    /// the prefix followed by the buyer's ИНН, e.g. `PAPER-500100732259`.
    public var paperRecipientPrefix: String
    /// The 5.01 (УКД) signer attributes `ОблПолн`, `Статус`, `ОснПолн`.
    public var correctionSignerScope: String
    public var correctionSignerStatus: String
    public var correctionSignerBasis: String

    public init(seller: Party, signer: Signer, vsdSlot: VSDSlot = .stateSystem, programVersion: String,
                fixedFormationTime: String = "00.00.00", paperRecipientPrefix: String = "PAPER-",
                correctionSignerScope: String = "6", correctionSignerStatus: String = "1",
                correctionSignerBasis: String = "Должностные обязанности") {
        self.seller = seller
        self.signer = signer
        self.vsdSlot = vsdSlot
        self.programVersion = programVersion
        self.fixedFormationTime = fixedFormationTime
        self.paperRecipientPrefix = paperRecipientPrefix
        self.correctionSignerScope = correctionSignerScope
        self.correctionSignerStatus = correctionSignerStatus
        self.correctionSignerBasis = correctionSignerBasis
    }
}
