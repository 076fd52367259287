/// A B2B order as the shop's feed describes it, after validation against the contract
/// (`docs/orders-feed.md`). Everything here is checked; raw feed records live in Ingest.
public struct Order: Hashable, Sendable, Codable {
    public var id: OrderID
    /// The number shown to the customer.
    public var number: String
    public var createdAt: Timestamp
    public var status: OrderStatus
    /// The payment bill (счёт на оплату) issued for the order.
    public var bill: Bill
    /// The payment provider's order id, when paid through ИнвойсБокс.
    public var providerOrderID: ProviderOrderID?
    /// The buyer (покупатель).
    public var customer: Party
    /// The receiver (грузополучатель); `nil` means the customer.
    public var consignee: Party?
    public var terms: Terms
    public var lines: [OrderLine]
    public var shipments: [Shipment]
    public var returns: [Return]

    public init(id: OrderID, number: String, createdAt: Timestamp, status: OrderStatus, bill: Bill,
                providerOrderID: ProviderOrderID?, customer: Party, consignee: Party?, terms: Terms,
                lines: [OrderLine], shipments: [Shipment], returns: [Return]) {
        self.id = id
        self.number = number
        self.createdAt = createdAt
        self.status = status
        self.bill = bill
        self.providerOrderID = providerOrderID
        self.customer = customer
        self.consignee = consignee
        self.terms = terms
        self.lines = lines
        self.shipments = shipments
        self.returns = returns
    }

    /// The line with this number.
    public func line(_ lineNo: Int) -> OrderLine? { lines.first { $0.lineNo == lineNo } }

    /// The receiver of the goods: the consignee, or the customer when there is none.
    public var receiver: Party { consignee ?? customer }
}

public enum OrderStatus: String, Hashable, Sendable, Codable {
    case shipped, delivered, cancelled
}

/// The payment bill (счёт на оплату) for an order.
public struct Bill: Hashable, Sendable, Codable {
    public var number: BillNumber
    public var date: CivilDate
    public var amount: Money

    public init(number: BillNumber, date: CivilDate, amount: Money) {
        self.number = number
        self.date = date
        self.amount = amount
    }
}

/// How the customer pays.
public struct Terms: Hashable, Sendable, Codable {
    public enum Payment: String, Hashable, Sendable, Codable { case prepaid, postpaid }
    public var payment: Payment
    /// Postpaid: days after shipment until payment is due.
    public var deferralDays: Int
    /// Postpaid: the most the customer may owe.
    public var creditLimit: Money

    public init(payment: Payment, deferralDays: Int, creditLimit: Money) {
        self.payment = payment
        self.deferralDays = deferralDays
        self.creditLimit = creditLimit
    }
}

/// A buyer, consignee or seller: an organisation (юрлицо) or a sole trader (ИП).
///
/// A value type whose fields live in one shared, copy-on-write box: a day holds a hundred thousand
/// orders of a few thousand customers, and an order's customer (and consignee) is one reference to
/// the customer's box instead of ~300 bytes inline in every copy of every order (ingest shares one
/// box per distinct party). Equality, hashing, `Codable` and reflection are those of the nine fields.
public struct Party: Hashable, Sendable, Codable, CustomReflectable {
    public enum Kind: String, Hashable, Sendable, Codable {
        case legal
        case soleTrader = "sole_trader"
    }

    public var id: CustomerID {
        get { storage.id }
        set { unique().id = newValue }
    }
    public var kind: Kind {
        get { storage.kind }
        set { unique().kind = newValue }
    }
    /// Full name, e.g. `ООО «Ромашка»` or `ИП Иванов Иван Иванович`.
    public var name: String {
        get { storage.name }
        set { unique().name = newValue }
    }
    public var inn: INN {
        get { storage.inn }
        set { unique().inn = newValue }
    }
    /// КПП, for organisations only.
    public var kpp: String? {
        get { storage.kpp }
        set { unique().kpp = newValue }
    }
    public var address: Address {
        get { storage.address }
        set { unique().address = newValue }
    }
    public var bank: BankDetails? {
        get { storage.bank }
        set { unique().bank = newValue }
    }
    public var email: String? {
        get { storage.email }
        set { unique().email = newValue }
    }
    /// The participant id at the party's EDO operator; `nil` = paper documents only.
    public var edoID: String? {
        get { storage.edoID }
        set { unique().edoID = newValue }
    }

    public init(id: CustomerID, kind: Kind, name: String, inn: INN, kpp: String?, address: Address,
                bank: BankDetails? = nil, email: String? = nil, edoID: String? = nil) {
        storage = Storage(id: id, kind: kind, name: name, inn: inn, kpp: kpp, address: address,
                          bank: bank, email: email, edoID: edoID)
    }

    /// The fields. Mutated only through `unique()`, i.e. only while this value is its one owner,
    /// so a box shared between values (and threads) is never written: hence `@unchecked Sendable`.
    private final class Storage: @unchecked Sendable {
        var id: CustomerID
        var kind: Kind
        var name: String
        var inn: INN
        var kpp: String?
        var address: Address
        var bank: BankDetails?
        var email: String?
        var edoID: String?

        init(id: CustomerID, kind: Kind, name: String, inn: INN, kpp: String?, address: Address,
             bank: BankDetails?, email: String?, edoID: String?) {
            self.id = id
            self.kind = kind
            self.name = name
            self.inn = inn
            self.kpp = kpp
            self.address = address
            self.bank = bank
            self.email = email
            self.edoID = edoID
        }

        func copy() -> Storage {
            Storage(id: id, kind: kind, name: name, inn: inn, kpp: kpp, address: address, bank: bank, email: email, edoID: edoID)
        }
    }

    private var storage: Storage

    /// The box, copied first when another value shares it.
    private mutating func unique() -> Storage {
        if !isKnownUniquelyReferenced(&storage) { storage = storage.copy() }
        return storage
    }

    public static func == (lhs: Party, rhs: Party) -> Bool {
        if lhs.storage === rhs.storage { return true }
        let a = lhs.storage, b = rhs.storage
        return a.id == b.id && a.kind == b.kind && a.name == b.name && a.inn == b.inn && a.kpp == b.kpp
            && a.address == b.address && a.bank == b.bank && a.email == b.email && a.edoID == b.edoID
    }

    public func hash(into hasher: inout Hasher) {
        let fields = storage
        hasher.combine(fields.id)
        hasher.combine(fields.kind)
        hasher.combine(fields.name)
        hasher.combine(fields.inn)
        hasher.combine(fields.kpp)
        hasher.combine(fields.address)
        hasher.combine(fields.bank)
        hasher.combine(fields.email)
        hasher.combine(fields.edoID)
    }

    private enum CodingKeys: String, CodingKey {
        case id, kind, name, inn, kpp, address, bank, email, edoID
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(id: try container.decode(CustomerID.self, forKey: .id),
                  kind: try container.decode(Kind.self, forKey: .kind),
                  name: try container.decode(String.self, forKey: .name),
                  inn: try container.decode(INN.self, forKey: .inn),
                  kpp: try container.decodeIfPresent(String.self, forKey: .kpp),
                  address: try container.decode(Address.self, forKey: .address),
                  bank: try container.decodeIfPresent(BankDetails.self, forKey: .bank),
                  email: try container.decodeIfPresent(String.self, forKey: .email),
                  edoID: try container.decodeIfPresent(String.self, forKey: .edoID))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(kind, forKey: .kind)
        try container.encode(name, forKey: .name)
        try container.encode(inn, forKey: .inn)
        try container.encodeIfPresent(kpp, forKey: .kpp)
        try container.encode(address, forKey: .address)
        try container.encodeIfPresent(bank, forKey: .bank)
        try container.encodeIfPresent(email, forKey: .email)
        try container.encodeIfPresent(edoID, forKey: .edoID)
    }

    /// The nine fields, as a struct's stored properties would reflect.
    public var customMirror: Mirror {
        Mirror(self, children: [("id", id as Any), ("kind", kind), ("name", name), ("inn", inn), ("kpp", kpp as Any),
                                ("address", address), ("bank", bank as Any), ("email", email as Any), ("edoID", edoID as Any)],
               displayStyle: .struct)
    }
}

/// A Russian address as the feed gives it: structured parts plus a one-line form.
public struct Address: Hashable, Sendable, Codable {
    /// Two-digit region code (`77` Москва).
    public var regionCode: String
    public var region: String
    public var postalCode: String?
    public var city: String?
    public var street: String?
    public var house: String?
    public var flat: String?
    /// The one-line form, as printed.
    public var text: String

    public init(regionCode: String, region: String, postalCode: String? = nil, city: String? = nil,
                street: String? = nil, house: String? = nil, flat: String? = nil, text: String) {
        self.regionCode = regionCode
        self.region = region
        self.postalCode = postalCode
        self.city = city
        self.street = street
        self.house = house
        self.flat = flat
        self.text = text
    }
}

/// A bank account.
public struct BankDetails: Hashable, Sendable, Codable {
    public var bik: String
    public var account: String
    public var correspondentAccount: String?
    public var name: String

    public init(bik: String, account: String, correspondentAccount: String?, name: String) {
        self.bik = bik
        self.account = account
        self.correspondentAccount = correspondentAccount
        self.name = name
    }
}

/// A unit of measure by its ОКЕИ code (`796` шт, `166` кг).
public struct MeasureUnit: Hashable, Sendable, Codable {
    public var okei: String
    public var name: String

    public init(okei: String, name: String) {
        self.okei = okei
        self.name = name
    }
}

/// What was ordered.
public struct OrderLine: Hashable, Sendable, Codable {
    public var lineNo: Int
    public var sku: String
    /// Product name as printed on documents (any Unicode).
    public var name: String
    public var gtin: String?
    public var unit: MeasureUnit
    /// Ordered quantity (kg with up to 3 decimals for weighed goods).
    public var quantity: ExactDecimal
    /// Unit price including VAT.
    public var price: Money
    public var vatRate: VATRate
    /// Sold by weight: the shipped weight differs from the ordered quantity.
    public var weighed: Bool
    /// Animal-origin product: each shipment needs a veterinary document (ВСД, ФГИС «Меркурий»).
    public var mercury: Bool

    public init(lineNo: Int, sku: String, name: String, gtin: String? = nil, unit: MeasureUnit,
                quantity: ExactDecimal, price: Money, vatRate: VATRate, weighed: Bool, mercury: Bool) {
        self.lineNo = lineNo
        self.sku = sku
        self.name = name
        self.gtin = gtin
        self.unit = unit
        self.quantity = quantity
        self.price = price
        self.vatRate = vatRate
        self.weighed = weighed
        self.mercury = mercury
    }
}

/// A warehouse goods leave from.
public struct Warehouse: Hashable, Sendable, Codable {
    public var id: WarehouseID
    public var name: String
    public var address: Address
    /// The warehouse's own КПП when it is a separate division (обособленное подразделение).
    public var kpp: String?

    public init(id: WarehouseID, name: String, address: Address, kpp: String?) {
        self.id = id
        self.name = name
        self.address = address
        self.kpp = kpp
    }
}

/// What left one warehouse: one transfer of goods, one transfer document.
public struct Shipment: Hashable, Sendable, Codable {
    public var id: ShipmentID
    public var warehouse: Warehouse
    public var departedAt: Timestamp
    public var deliveredAt: Timestamp?
    public var lines: [ShipmentLine]

    public init(id: ShipmentID, warehouse: Warehouse, departedAt: Timestamp, deliveredAt: Timestamp?, lines: [ShipmentLine]) {
        self.id = id
        self.warehouse = warehouse
        self.departedAt = departedAt
        self.deliveredAt = deliveredAt
        self.lines = lines
    }

    /// The Moscow day the goods left: the date of the shipment's document.
    public var date: CivilDate { departedAt.moscowDate }
}

/// The actual quantity of an order line that left (for weighed goods, the actual weight).
public struct ShipmentLine: Hashable, Sendable, Codable {
    public var lineNo: Int
    public var quantity: ExactDecimal
    /// ВСД uuids (ФГИС «Меркурий»), required for animal-origin lines.
    public var vsd: [String]

    public init(lineNo: Int, quantity: ExactDecimal, vsd: [String] = []) {
        self.lineNo = lineNo
        self.quantity = quantity
        self.vsd = vsd
    }
}

/// Goods taken off the vehicle before it left, or returned after delivery.
public struct Return: Hashable, Sendable, Codable {
    public enum Stage: String, Hashable, Sendable, Codable {
        /// Taken off before departure: already subtracted from the shipment's quantities.
        case beforeDeparture = "before_departure"
        /// Returned or refused after delivery: the goods left and came back.
        case afterDelivery = "after_delivery"
    }

    public var id: ReturnID
    public var shipmentID: ShipmentID
    public var stage: Stage
    public var at: Timestamp
    public var reason: String
    public var lines: [ReturnLine]

    public init(id: ReturnID, shipmentID: ShipmentID, stage: Stage, at: Timestamp, reason: String, lines: [ReturnLine]) {
        self.id = id
        self.shipmentID = shipmentID
        self.stage = stage
        self.at = at
        self.reason = reason
        self.lines = lines
    }
}

public struct ReturnLine: Hashable, Sendable, Codable {
    public var lineNo: Int
    public var quantity: ExactDecimal

    public init(lineNo: Int, quantity: ExactDecimal) {
        self.lineNo = lineNo
        self.quantity = quantity
    }
}
