import Domain

/// The seller whose books the generated days belong to (it lives in the job's configuration).
public struct SellerProfile: Hashable, Sendable {
    public let name: String
    public let inn: String
    public let kpp: String
    public let ogrn: String
    public let address: Address
    /// The main account: its statement is the 1CClientBankExchange file.
    public let bank: BankDetails
    /// The second account: its statement is the camt.053 file.
    public let secondBank: BankDetails
    public let edoID: String
    /// The person who signs documents: surname, name, patronymic, position.
    public let signer: (surname: String, name: String, patronymic: String, position: String)

    public static func == (lhs: SellerProfile, rhs: SellerProfile) -> Bool { lhs.inn == rhs.inn && lhs.kpp == rhs.kpp }
    public func hash(into hasher: inout Hasher) { hasher.combine(inn) }
}

/// The payment provider (ИнвойсБокс) as it appears in bank statements.
public struct ProviderProfile: Hashable, Sendable {
    public let name: String
    public let inn: String
    public let kpp: String
    public let bank: BankDetails
    /// The seller's contract with the provider, quoted in payout purposes.
    public let contract: String
    /// The provider's commission in percent of the day's payments (2.5).
    public let commissionPercent: ExactDecimal
    /// Days between the provider's payments and the payout (1).
    public let settlementLagDays: Int
}

/// A customer of the pool, with the habits that shape its orders and payments.
public struct Customer: Hashable, Sendable {
    /// The buyer as the orders feed shows it (`bank` may be absent there).
    public let party: Party
    /// The account it pays from (always known to its bank, even when the feed leaves it out).
    public let bank: BankDetails
    public let terms: Terms
    /// Percent of its prepaid orders paid through the provider rather than by bank transfer.
    let providerPercent: Int
    /// Percent of its bank payments whose purpose quotes no bill.
    let unreferencedPercent: Int
}

/// Everything that stays the same across the generated days: seller, provider, warehouses,
/// the customer pool and the suppliers the seller pays.
struct World: Sendable {
    let seller: SellerProfile
    let provider: ProviderProfile
    let warehouses: [Warehouse]
    let customers: [Customer]
    /// Customers' ИНН, to keep unknown payers unknown.
    let customerINNs: Set<String>
    let suppliers: [(name: String, inn: String, kpp: String, bank: BankDetails)]

    static let seller: SellerProfile = {
        let sber = Vocabulary.banks[0]
        let alfa = Vocabulary.banks[1]
        let inn = Requisites.innWithCheckDigits("771469832")
        return SellerProfile(
            name: "ООО «Гипермаркет Онлайн»", inn: inn, kpp: "771401001", ogrn: ogrnWithCheckDigit("102773968432"),
            address: Address(regionCode: "77", region: "г. Москва", postalCode: "115054", city: "Москва",
                             street: "ул. Дубининская", house: "57, стр. 2",
                             text: "115054, г. Москва, ул. Дубининская, д. 57, стр. 2"),
            bank: BankDetails(bik: sber.bik, account: Requisites.accountWithKey("40702810938000012345", bik: sber.bik),
                              correspondentAccount: sber.correspondentAccount, name: sber.name),
            secondBank: BankDetails(bik: alfa.bik, account: Requisites.accountWithKey("40702810901300004567", bik: alfa.bik),
                                    correspondentAccount: alfa.correspondentAccount, name: alfa.name),
            edoID: "2BM-\(inn)-771401001-000000000000000000001",
            signer: ("Лебедева", "Марина", "Сергеевна", "Генеральный директор"))
    }()

    static let provider: ProviderProfile = {
        let tbank = Vocabulary.banks[3]
        return ProviderProfile(
            name: "ООО «Инвойсбокс»", inn: Requisites.innWithCheckDigits("770805117"), kpp: "770801001",
            bank: BankDetails(bik: tbank.bik, account: Requisites.accountWithKey("40702810200000099901", bik: tbank.bik),
                              correspondentAccount: tbank.correspondentAccount, name: tbank.name),
            contract: "№ ИБ-2025/0457 от 10.03.2025", commissionPercent: ExactDecimal(units: 25, scale: 1),
            settlementLagDays: 1)
    }()

    static let warehouses: [Warehouse] = [
        Warehouse(id: "WH-VNK", name: "РЦ Внуково",
                  address: Address(regionCode: "50", region: "Московская обл.", postalCode: "108809", city: "Внуково",
                                   street: "ул. Складская", house: "1",
                                   text: "108809, Московская обл., Внуково, ул. Складская, д. 1"),
                  kpp: "500345001"),
        Warehouse(id: "WH-LOB", name: "РЦ Лобня",
                  address: Address(regionCode: "50", region: "Московская обл.", postalCode: "141730", city: "Лобня",
                                   street: "ул. Заводская", house: "12",
                                   text: "141730, Московская обл., г. Лобня, ул. Заводская, д. 12"),
                  kpp: nil),
    ]

    /// The customer pool for `ordersPerDay` orders a day: about one customer per twenty orders, at least ten.
    init(seed: UInt64, ordersPerDay: Int) {
        seller = World.seller
        provider = World.provider
        warehouses = World.warehouses
        var random = SeededRandom(seed: seed, stream: 0xC057_03E5)
        let size = max(10, ordersPerDay / 20)
        var customers: [Customer] = []
        customers.reserveCapacity(size)
        var inns: Set<String> = [World.seller.inn, World.provider.inn]
        for index in 0..<size {
            let customer = World.makeCustomer(index: index, random: &random, taken: &inns)
            customers.append(customer)
        }
        self.customers = customers
        customerINNs = Set(customers.map(\.party.inn.value))
        var supplierRandom = SeededRandom(seed: 0x5_0991_1E25)
        var supplierINNs = inns
        suppliers = [
            "ООО «Агрокомплекс Подмосковье»", "ООО «ТрансЛогистик»", "АО «Молочный комбинат «Заречье»",
            "ООО «Овощебаза № 4»", "ООО «ПакСервис»",
        ].map { name in
            let place = Vocabulary.places[supplierRandom.int(0...Vocabulary.places.count - 1)]
            let office = supplierRandom.pick(place.taxOffices)
            let inn = World.uniqueINN(prefix: office, legal: true, random: &supplierRandom, taken: &supplierINNs)
            let bank = supplierRandom.pick(Vocabulary.banks)
            let account = Requisites.accountWithKey("40702810" + supplierRandom.digits(12), bik: bank.bik)
            return (name, inn, office + "01001",
                    BankDetails(bik: bank.bik, account: account, correspondentAccount: bank.correspondentAccount, name: bank.name))
        }
    }

    /// A ИНН with valid check digits that no one else in `taken` has.
    static func uniqueINN(prefix: String, legal: Bool, random: inout SeededRandom, taken: inout Set<String>) -> String {
        while true {
            let inn = Requisites.innWithCheckDigits(prefix + random.digits(legal ? 5 : 6))
            if taken.insert(inn).inserted { return inn }
        }
    }

    private static func makeCustomer(index: Int, random: inout SeededRandom, taken: inout Set<String>) -> Customer {
        let place = Vocabulary.places[random.weighted(Vocabulary.places.map(\.weight))]
        let office = random.pick(place.taxOffices)
        let legal = random.chance(75)
        let inn = uniqueINN(prefix: office, legal: legal, random: &random, taken: &taken)
        let name: String
        let slug: String
        var kpp: String?
        if legal {
            kpp = office + "01001"
            switch random.int(0...2) {
            case 0:
                let words = "\(random.pick(Vocabulary.adjectives)) \(random.pick(Vocabulary.nouns))"
                name = "ООО «\(words)»"
                slug = Vocabulary.transliterate(words)
            case 1:
                let word = random.pick(Vocabulary.compoundHeads) + random.pick(Vocabulary.compoundTails)
                name = random.chance(85) ? "ООО «\(word)»" : "АО «\(word)»"
                slug = Vocabulary.transliterate(word)
            default:
                let kind = random.pick(Vocabulary.venueKinds)
                let venue = random.pick(Vocabulary.venueNames)
                name = "ООО «\(kind) \(venue)»"
                slug = Vocabulary.transliterate(kind + venue)
            }
        } else {
            let female = random.chance(40)
            var surname = random.pick(Vocabulary.maleSurnames)
            let first = female ? random.pick(Vocabulary.femaleNames) : random.pick(Vocabulary.maleNames)
            let father = random.pick(Vocabulary.fatherNames)
            if female { surname = feminine(surname) }
            name = "ИП \(surname) \(first) \(patronymic(father, female: female))"
            slug = Vocabulary.transliterate(surname) + "." + Vocabulary.transliterate(String(first.prefix(1)))
        }
        let address = makeAddress(place: place, random: &random)
        let bankInfo = random.pick(Vocabulary.banks)
        let accountPrefix = legal ? "40702810" : "40802810"
        let bank = BankDetails(bik: bankInfo.bik,
                               account: Requisites.accountWithKey(accountPrefix + random.digits(12), bik: bankInfo.bik),
                               correspondentAccount: bankInfo.correspondentAccount, name: bankInfo.name)
        let mailbox = random.pick(["buh", "zakaz", "info", "office", "snab"])
        let email: String? = random.chance(90) ? (legal ? "\(mailbox)@\(slug).example" : "\(slug)@mail.example") : nil
        let edoID: String? = random.chance(legal ? 85 : 50)
            ? "\(random.pick(Vocabulary.edoOperators))-\(inn)\(kpp.map { "-\($0)" } ?? "")-\(random.digits(20))"
            : nil
        let party = Party(id: CustomerID("C-\(1000 + index)"), kind: legal ? .legal : .soleTrader, name: name,
                          inn: (try? INN(inn)) ?? World.fallbackINN, kpp: kpp, address: address,
                          bank: random.chance(70) ? bank : nil, email: email, edoID: edoID)
        let terms: Terms
        if random.chance(60) {
            terms = Terms(payment: .prepaid, deferralDays: 0, creditLimit: .zero)
        } else {
            terms = Terms(payment: .postpaid, deferralDays: random.pick([7, 14, 14, 21, 30]),
                          creditLimit: Money(rubles: Int64(random.pick([50_000, 100_000, 150_000, 300_000, 500_000]))))
        }
        return Customer(party: party, bank: bank, terms: terms,
                        providerPercent: random.pick([0, 0, 20, 40, 60, 80, 100]),
                        unreferencedPercent: random.pick([0, 0, 0, 5, 10, 30]))
    }

    /// Never used: `uniqueINN` always yields a valid ИНН; this keeps library code free of `try!`.
    static let fallbackINN: INN = {
        do { return try INN(World.seller.inn) } catch { preconditionFailure("the seller's ИНН is invalid: \(error)") }
    }()

    static func makeAddress(place: Vocabulary.Place, random: inout SeededRandom) -> Address {
        let postal: String
        switch place.postalPrefix.count {
        case 1: postal = place.postalPrefix + pad(random.int(1_000...29_999), 5)
        case 2: postal = place.postalPrefix + pad(random.int(0...9_999), 4)
        default: postal = place.postalPrefix + pad(random.int(0...999), 3)
        }
        let street = random.pick(Vocabulary.streets)
        var house = String(random.int(1...120))
        switch random.int(0...5) {
        case 0: house += ", корп. \(random.int(1...4))"
        case 1: house += ", стр. \(random.int(1...3))"
        default: break
        }
        let flat: String? = random.chance(30) ? "пом. \(random.int(1...40))" : nil
        let isCityRegion = place.regionCode == "77" || place.regionCode == "78"
        var text = "\(postal), \(place.region), "
        if !isCityRegion { text += "г. \(place.city), " }
        text += "\(street), д. \(house)"
        if let flat { text += ", \(flat)" }
        return Address(regionCode: place.regionCode, region: place.region, postalCode: postal, city: place.city,
                       street: street, house: house, flat: flat, text: text)
    }

    static func feminine(_ surname: String) -> String {
        if surname.hasSuffix("ий") { return String(surname.dropLast(2)) + "ая" }
        return surname + "а"
    }

    static func patronymic(_ father: String, female: Bool) -> String {
        let stem: String
        let soft: Bool
        switch father {
        case "Пётр": return female ? "Петровна" : "Петрович"
        case "Юрий": return female ? "Юрьевна" : "Юрьевич"
        case "Василий": return female ? "Васильевна" : "Васильевич"
        case "Анатолий": return female ? "Анатольевна" : "Анатольевич"
        case "Геннадий": return female ? "Геннадьевна" : "Геннадьевич"
        case "Евгений": return female ? "Евгеньевна" : "Евгеньевич"
        case "Алексей", "Андрей", "Сергей", "Николай":
            stem = String(father.dropLast())
            soft = true
        default:
            stem = father
            soft = false
        }
        if soft { return stem + (female ? "евна" : "евич") }
        return stem + (female ? "овна" : "ович")
    }
}

/// Appends the ОГРН check digit to 12 digits.
func ogrnWithCheckDigit(_ twelve: String) -> String {
    var remainder = 0
    for character in twelve { remainder = (remainder * 10 + (character.wholeNumberValue ?? 0)) % 11 }
    return twelve + String(remainder % 10)
}
