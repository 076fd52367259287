import Domain

/// Amounts written out in Russian words, as acts and invoices print them:
/// «двенадцать тысяч триста сорок пять рублей 67 копеек».
///
/// Roubles are words with the right gender and plural form for every scale
/// (тысяча is feminine: «одна тысяча», «две тысячи»); kopecks stay digits, two of
/// them, with the plural form of their last digits («01 копейка», «02 копейки»).
/// Exact for every `Int64` amount (up to quadrillions); negative amounts are
/// written as their magnitude with «минус» in front.
public enum AmountInWords {
    /// The whole amount: roubles in words, kopecks in digits.
    public static func rubles(_ money: Money) -> String {
        let magnitude = money.kopecks.magnitude
        let rubles = magnitude / 100
        let kopecks = Int(magnitude % 100)
        let rublesText = words(rubles, feminine: false)
        let kopecksDigits = kopecks < 10 ? "0\(kopecks)" : "\(kopecks)"
        let text = "\(rublesText) \(plural(rubles, "рубль", "рубля", "рублей")) "
            + "\(kopecksDigits) \(plural(UInt64(kopecks), "копейка", "копейки", "копеек"))"
        return money.kopecks < 0 ? "минус " + text : text
    }

    /// A whole number in words (`feminine` for counting feminine nouns: «одна», «две»).
    public static func number(_ value: UInt64, feminine: Bool = false) -> String {
        words(value, feminine: feminine)
    }

    /// The plural form for `count`: `one` for 1, 21, 101…; `few` for 2–4, 22–24…;
    /// `many` for 0, 5–20, 25–30, 111–114….
    public static func plural(_ count: UInt64, _ one: String, _ few: String, _ many: String) -> String {
        let lastTwo = count % 100
        if (11...14).contains(lastTwo) { return many }
        switch count % 10 {
        case 1: return one
        case 2, 3, 4: return few
        default: return many
        }
    }

    private struct Scale {
        let one: String
        let few: String
        let many: String
        let feminine: Bool
    }

    /// Scales above units, from thousands up: 10^3, 10^6, 10^9, 10^12, 10^15, 10^18.
    private static let scales: [Scale] = [
        Scale(one: "тысяча", few: "тысячи", many: "тысяч", feminine: true),
        Scale(one: "миллион", few: "миллиона", many: "миллионов", feminine: false),
        Scale(one: "миллиард", few: "миллиарда", many: "миллиардов", feminine: false),
        Scale(one: "триллион", few: "триллиона", many: "триллионов", feminine: false),
        Scale(one: "квадриллион", few: "квадриллиона", many: "квадриллионов", feminine: false),
        Scale(one: "квинтиллион", few: "квинтиллиона", many: "квинтиллионов", feminine: false),
    ]

    private static let hundreds = ["", "сто", "двести", "триста", "четыреста", "пятьсот", "шестьсот", "семьсот",
                                   "восемьсот", "девятьсот"]
    private static let tens = ["", "", "двадцать", "тридцать", "сорок", "пятьдесят", "шестьдесят", "семьдесят",
                               "восемьдесят", "девяносто"]
    private static let teens = ["десять", "одиннадцать", "двенадцать", "тринадцать", "четырнадцать", "пятнадцать",
                                "шестнадцать", "семнадцать", "восемнадцать", "девятнадцать"]
    private static let unitsMasculine = ["", "один", "два", "три", "четыре", "пять", "шесть", "семь", "восемь",
                                         "девять"]
    private static let unitsFeminine = ["", "одна", "две", "три", "четыре", "пять", "шесть", "семь", "восемь",
                                        "девять"]

    private static func words(_ value: UInt64, feminine: Bool) -> String {
        if value == 0 { return "ноль" }
        // Split into groups of three digits, lowest first.
        var groups: [Int] = []
        var rest = value
        while rest > 0 {
            groups.append(Int(rest % 1000))
            rest /= 1000
        }
        var parts: [String] = []
        for index in stride(from: groups.count - 1, through: 0, by: -1) {
            let group = groups[index]
            guard group > 0 else { continue }
            if index == 0 {
                parts.append(triple(group, feminine: feminine))
            } else {
                let scale = scales[index - 1]
                parts.append(triple(group, feminine: scale.feminine))
                parts.append(plural(UInt64(group), scale.one, scale.few, scale.many))
            }
        }
        return parts.filter { !$0.isEmpty }.joined(separator: " ")
    }

    /// 1…999 in words.
    private static func triple(_ value: Int, feminine: Bool) -> String {
        var parts: [String] = []
        parts.append(hundreds[value / 100])
        let lastTwo = value % 100
        if (10...19).contains(lastTwo) {
            parts.append(teens[lastTwo - 10])
        } else {
            parts.append(tens[lastTwo / 10])
            parts.append((feminine ? unitsFeminine : unitsMasculine)[lastTwo % 10])
        }
        return parts.filter { !$0.isEmpty }.joined(separator: " ")
    }
}
