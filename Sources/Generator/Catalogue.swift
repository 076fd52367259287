import Domain

/// One article of the seller's catalogue.
public struct Product: Hashable, Sendable {
    public let sku: String
    public let name: String
    public let gtin: String?
    public let unit: MeasureUnit
    /// Unit price including VAT.
    public let price: Money
    public let vatRate: VATRate
    public let weighed: Bool
    public let mercury: Bool
}

/// The seller's catalogue: about two hundred articles of a grocery wholesaler.
///
/// The catalogue is the same for every seed (it is the seller's assortment, not the day's
/// chance); prices and barcodes come from a fixed internal seed.
public enum Catalogue {
    static let piece = MeasureUnit(okei: "796", name: "шт")
    static let kilogram = MeasureUnit(okei: "166", name: "кг")
    static let pack = MeasureUnit(okei: "778", name: "упак")
    static let bottle = MeasureUnit(okei: "868", name: "бут")

    private enum Kind { case pieces, weighed, packs, bottles }

    /// Base articles: name, kind, price in kopecks, VAT, mercury, and whether brand variants exist.
    private struct Base {
        let name: String
        let kind: Kind
        let kopecks: Int64
        let rate: VATRate
        let mercury: Bool
        let branded: Bool
    }

    private static let bases: [Base] = [
        // Dairy (animal origin: ВСД required)
        Base(name: "Молоко 3,2% 1 л", kind: .pieces, kopecks: 9_990, rate: .reduced10, mercury: true, branded: true),
        Base(name: "Молоко 2,5% 930 мл", kind: .pieces, kopecks: 8_490, rate: .reduced10, mercury: true, branded: true),
        Base(name: "Кефир 1% 900 г", kind: .pieces, kopecks: 8_990, rate: .reduced10, mercury: true, branded: true),
        Base(name: "Сметана 20% 300 г", kind: .pieces, kopecks: 11_490, rate: .reduced10, mercury: true, branded: true),
        Base(name: "Творог 9% 200 г", kind: .pieces, kopecks: 12_990, rate: .reduced10, mercury: true, branded: true),
        Base(name: "Йогурт питьевой клубника 270 г", kind: .pieces, kopecks: 6_990, rate: .reduced10, mercury: true, branded: true),
        Base(name: "Масло сливочное 82,5% 180 г", kind: .pieces, kopecks: 21_990, rate: .reduced10, mercury: true, branded: true),
        Base(name: "Ряженка 4% 500 мл", kind: .pieces, kopecks: 7_490, rate: .reduced10, mercury: true, branded: true),
        Base(name: "Сливки 10% 500 мл", kind: .pieces, kopecks: 15_990, rate: .reduced10, mercury: true, branded: true),
        Base(name: "Яйцо куриное С1 10 шт.", kind: .packs, kopecks: 11_990, rate: .reduced10, mercury: true, branded: true),
        // Weighed cheese, meat, fish, sausage
        Base(name: "Сыр Российский 50% весовой", kind: .weighed, kopecks: 65_990, rate: .reduced10, mercury: true, branded: false),
        Base(name: "Сыр Гауда 45% весовой", kind: .weighed, kopecks: 74_990, rate: .reduced10, mercury: true, branded: false),
        Base(name: "Сыр Голландский 45% весовой", kind: .weighed, kopecks: 69_990, rate: .reduced10, mercury: true, branded: false),
        Base(name: "Сыр Маасдам 45% весовой", kind: .weighed, kopecks: 89_990, rate: .reduced10, mercury: true, branded: false),
        Base(name: "Сыр Пошехонский 45% весовой", kind: .weighed, kopecks: 62_990, rate: .reduced10, mercury: true, branded: false),
        Base(name: "Сыр Тильзитер 50% весовой", kind: .weighed, kopecks: 71_990, rate: .reduced10, mercury: true, branded: false),
        Base(name: "Фарш говяжий охл.", kind: .weighed, kopecks: 48_990, rate: .reduced10, mercury: true, branded: false),
        Base(name: "Свинина шейка охл.", kind: .weighed, kopecks: 54_990, rate: .reduced10, mercury: true, branded: false),
        Base(name: "Говядина вырезка охл.", kind: .weighed, kopecks: 149_990, rate: .reduced10, mercury: true, branded: false),
        Base(name: "Куриное филе охл.", kind: .weighed, kopecks: 42_990, rate: .reduced10, mercury: true, branded: false),
        Base(name: "Бедро куриное охл.", kind: .weighed, kopecks: 27_990, rate: .reduced10, mercury: true, branded: false),
        Base(name: "Окорок свиной охл.", kind: .weighed, kopecks: 38_990, rate: .reduced10, mercury: true, branded: false),
        Base(name: "Фарш домашний охл.", kind: .weighed, kopecks: 39_990, rate: .reduced10, mercury: true, branded: false),
        Base(name: "Голень индейки охл.", kind: .weighed, kopecks: 34_990, rate: .reduced10, mercury: true, branded: false),
        Base(name: "Сёмга филе охл.", kind: .weighed, kopecks: 199_000, rate: .reduced10, mercury: true, branded: false),
        Base(name: "Скумбрия х/к", kind: .weighed, kopecks: 69_990, rate: .reduced10, mercury: true, branded: false),
        Base(name: "Треска филе с/м", kind: .weighed, kopecks: 89_990, rate: .reduced10, mercury: true, branded: false),
        Base(name: "Минтай тушка с/м", kind: .weighed, kopecks: 24_990, rate: .reduced10, mercury: true, branded: false),
        Base(name: "Сельдь слабосолёная", kind: .weighed, kopecks: 29_990, rate: .reduced10, mercury: true, branded: false),
        Base(name: "Колбаса Докторская варёная весовая", kind: .weighed, kopecks: 64_990, rate: .reduced10, mercury: true, branded: false),
        Base(name: "Ветчина Классическая весовая", kind: .weighed, kopecks: 59_990, rate: .reduced10, mercury: true, branded: false),
        Base(name: "Буженина запечённая весовая", kind: .weighed, kopecks: 99_990, rate: .reduced10, mercury: true, branded: false),
        Base(name: "Сосиски Молочные 480 г", kind: .pieces, kopecks: 27_990, rate: .reduced10, mercury: true, branded: true),
        Base(name: "Колбаса Сервелат в/к 350 г", kind: .pieces, kopecks: 34_990, rate: .reduced10, mercury: true, branded: true),
        Base(name: "Пельмени «Домашние» 800 г", kind: .pieces, kopecks: 39_990, rate: .reduced10, mercury: true, branded: true),
        // Weighed vegetables and fruit
        Base(name: "Картофель мытый", kind: .weighed, kopecks: 4_990, rate: .reduced10, mercury: false, branded: false),
        Base(name: "Морковь мытая", kind: .weighed, kopecks: 5_490, rate: .reduced10, mercury: false, branded: false),
        Base(name: "Лук репчатый", kind: .weighed, kopecks: 3_990, rate: .reduced10, mercury: false, branded: false),
        Base(name: "Яблоки Гала", kind: .weighed, kopecks: 15_990, rate: .reduced10, mercury: false, branded: false),
        Base(name: "Бананы", kind: .weighed, kopecks: 13_990, rate: .reduced10, mercury: false, branded: false),
        Base(name: "Апельсины", kind: .weighed, kopecks: 14_990, rate: .reduced10, mercury: false, branded: false),
        Base(name: "Огурцы гладкие", kind: .weighed, kopecks: 19_990, rate: .reduced10, mercury: false, branded: false),
        Base(name: "Томаты сливовидные", kind: .weighed, kopecks: 24_990, rate: .reduced10, mercury: false, branded: false),
        Base(name: "Капуста белокочанная", kind: .weighed, kopecks: 3_490, rate: .reduced10, mercury: false, branded: false),
        Base(name: "Свёкла", kind: .weighed, kopecks: 4_490, rate: .reduced10, mercury: false, branded: false),
        Base(name: "Лимоны", kind: .weighed, kopecks: 21_990, rate: .reduced10, mercury: false, branded: false),
        Base(name: "Перец сладкий красный", kind: .weighed, kopecks: 34_990, rate: .reduced10, mercury: false, branded: false),
        // Grocery
        Base(name: "Крупа гречневая ядрица 900 г", kind: .pieces, kopecks: 8_450, rate: .reduced10, mercury: false, branded: true),
        Base(name: "Рис длиннозёрный 900 г", kind: .pieces, kopecks: 11_990, rate: .reduced10, mercury: false, branded: true),
        Base(name: "Макароны спагетти 450 г", kind: .pieces, kopecks: 7_990, rate: .reduced10, mercury: false, branded: true),
        Base(name: "Мука пшеничная в/с 2 кг", kind: .pieces, kopecks: 10_990, rate: .reduced10, mercury: false, branded: true),
        Base(name: "Сахар-песок 1 кг", kind: .pieces, kopecks: 8_990, rate: .reduced10, mercury: false, branded: true),
        Base(name: "Соль поваренная пищевая 1 кг", kind: .pieces, kopecks: 2_490, rate: .reduced10, mercury: false, branded: false),
        Base(name: "Масло подсолнечное рафинированное 1 л", kind: .bottles, kopecks: 14_990, rate: .reduced10, mercury: false, branded: true),
        Base(name: "Хлопья овсяные 500 г", kind: .pieces, kopecks: 6_990, rate: .reduced10, mercury: false, branded: true),
        Base(name: "Горох колотый 800 г", kind: .pieces, kopecks: 5_990, rate: .reduced10, mercury: false, branded: false),
        Base(name: "Пшено шлифованное 900 г", kind: .pieces, kopecks: 6_490, rate: .reduced10, mercury: false, branded: false),
        Base(name: "Хлеб Бородинский 400 г", kind: .pieces, kopecks: 6_490, rate: .reduced10, mercury: false, branded: true),
        Base(name: "Батон нарезной 400 г", kind: .pieces, kopecks: 5_490, rate: .reduced10, mercury: false, branded: true),
        Base(name: "Багет французский 250 г", kind: .pieces, kopecks: 6_990, rate: .reduced10, mercury: false, branded: false),
        // Standard rate
        Base(name: "Кофе молотый «Арабика» 250 г", kind: .pieces, kopecks: 42_900, rate: .standard22, mercury: false, branded: true),
        Base(name: "Кофе растворимый 95 г", kind: .pieces, kopecks: 38_990, rate: .standard22, mercury: false, branded: true),
        Base(name: "Чай чёрный байховый 100 пак.", kind: .packs, kopecks: 24_990, rate: .standard22, mercury: false, branded: true),
        Base(name: "Вода питьевая 5 л", kind: .bottles, kopecks: 11_999, rate: .standard22, mercury: false, branded: true),
        Base(name: "Вода минеральная газированная 0,5 л", kind: .bottles, kopecks: 5_990, rate: .standard22, mercury: false, branded: true),
        Base(name: "Сок яблочный осветлённый 1 л", kind: .pieces, kopecks: 12_990, rate: .standard22, mercury: false, branded: true),
        Base(name: "Шоколад молочный 90 г", kind: .pieces, kopecks: 10_990, rate: .standard22, mercury: false, branded: true),
        Base(name: "Конфеты «Ассорти» 200 г", kind: .pieces, kopecks: 29_990, rate: .standard22, mercury: false, branded: true),
        Base(name: "Печенье овсяное 300 г", kind: .pieces, kopecks: 8_990, rate: .standard22, mercury: false, branded: true),
        Base(name: "Майонез Провансаль 67% 400 г", kind: .pieces, kopecks: 11_990, rate: .standard22, mercury: false, branded: true),
        Base(name: "Кетчуп томатный 350 г", kind: .pieces, kopecks: 9_990, rate: .standard22, mercury: false, branded: true),
        Base(name: "Напиток газированный «Тархун» 1,5 л", kind: .bottles, kopecks: 8_990, rate: .standard22, mercury: false, branded: false),
        Base(name: "Салфетки бумажные 100 шт.", kind: .packs, kopecks: 5_990, rate: .standard22, mercury: false, branded: false),
        Base(name: "Бумага туалетная 4 рул.", kind: .packs, kopecks: 14_990, rate: .standard22, mercury: false, branded: true),
        Base(name: "Средство для мытья посуды 500 мл", kind: .pieces, kopecks: 12_990, rate: .standard22, mercury: false, branded: true),
        Base(name: "Пакеты для мусора 60 л, 20 шт.", kind: .packs, kopecks: 9_990, rate: .standard22, mercury: false, branded: false),
        Base(name: "Губки для посуды, 5 шт.", kind: .packs, kopecks: 7_990, rate: .standard22, mercury: false, branded: false),
        Base(name: "Перчатки нитриловые, 100 шт.", kind: .packs, kopecks: 69_990, rate: .standard22, mercury: false, branded: false),
        Base(name: "Плёнка пищевая 30 м", kind: .pieces, kopecks: 14_990, rate: .standard22, mercury: false, branded: false),
        Base(name: "Фольга алюминиевая 10 м", kind: .pieces, kopecks: 17_990, rate: .standard22, mercury: false, branded: false),
        // Exempt and zero-rated articles
        Base(name: "Маска медицинская трёхслойная, 50 шт.", kind: .packs, kopecks: 24_900, rate: .exempt, mercury: false, branded: false),
        Base(name: "Бахилы медицинские, 100 шт.", kind: .packs, kopecks: 19_900, rate: .exempt, mercury: false, branded: false),
        Base(name: "Поддон деревянный (возвратная тара)", kind: .pieces, kopecks: 45_000, rate: .zero, mercury: false, branded: false),
        Base(name: "Ящик пластиковый (возвратная тара)", kind: .pieces, kopecks: 35_000, rate: .zero, mercury: false, branded: false),
    ]

    private static let brands = ["«Луговое»", "«Заречье»", "«Белая долина»", "«Тёплый край»", "«Добрая ферма»", "«Северная»"]

    /// The articles, in SKU order.
    public static let products: [Product] = build()

    private static func build() -> [Product] {
        var random = SeededRandom(seed: 0x5EED_CA7A_1064)
        var products: [Product] = []
        var skuSerial = 0
        for (baseIndex, base) in bases.enumerated() {
            let variants = base.branded ? 4 : 1
            for variant in 0..<variants {
                skuSerial += 1
                let category = base.mercury ? 3 : (base.rate == .standard22 ? 2 : (base.kind == .weighed ? 5 : 1))
                let sku = "\(category)\(pad(baseIndex + 1, 2))\(pad(skuSerial, 3))"
                let name = base.branded ? "\(base.name) \(brands[(baseIndex + variant) % brands.count])" : base.name
                var kopecks = base.kopecks
                if variant > 0 {
                    // Another brand: 85–125 % of the base price, ending in 90 kopecks.
                    let percent = Int64(random.int(85...125))
                    kopecks = max(990, kopecks * percent / 100 / 100 * 100 - 10)
                }
                let unit: MeasureUnit
                switch base.kind {
                case .pieces: unit = piece
                case .weighed: unit = kilogram
                case .packs: unit = pack
                case .bottles: unit = bottle
                }
                let gtin: String? = base.kind == .weighed || random.chance(30) ? nil : ean13("460" + random.digits(9))
                products.append(Product(sku: sku, name: name, gtin: gtin, unit: unit, price: Money(kopecks: kopecks),
                                        vatRate: base.rate, weighed: base.kind == .weighed, mercury: base.mercury))
            }
        }
        return products
    }

    /// Appends the EAN-13 check digit to 12 digits.
    static func ean13(_ twelve: String) -> String {
        var sum = 0
        for (index, character) in twelve.enumerated() {
            sum += (character.wholeNumberValue ?? 0) * (index % 2 == 0 ? 1 : 3)
        }
        return twelve + String((10 - sum % 10) % 10)
    }
}

/// Zero-padded decimal of at least `width` digits.
func pad(_ value: Int, _ width: Int) -> String {
    let text = String(value)
    return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
}
