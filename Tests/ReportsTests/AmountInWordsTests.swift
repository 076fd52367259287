import Domain
import Reports
import Testing
import TestSupport

@Suite("Amount in words")
struct AmountInWordsTests {
    @Test("whole roubles: genders, plural forms, scales", arguments: [
        (0, "ноль рублей 00 копеек"),
        (1, "один рубль 00 копеек"),
        (2, "два рубля 00 копеек"),
        (5, "пять рублей 00 копеек"),
        (11, "одиннадцать рублей 00 копеек"),
        (12, "двенадцать рублей 00 копеек"),
        (14, "четырнадцать рублей 00 копеек"),
        (21, "двадцать один рубль 00 копеек"),
        (22, "двадцать два рубля 00 копеек"),
        (101, "сто один рубль 00 копеек"),
        (111, "сто одиннадцать рублей 00 копеек"),
        (1000, "одна тысяча рублей 00 копеек"),
        (1001, "одна тысяча один рубль 00 копеек"),
        (2000, "две тысячи рублей 00 копеек"),
        (5000, "пять тысяч рублей 00 копеек"),
        (11000, "одиннадцать тысяч рублей 00 копеек"),
        (21000, "двадцать одна тысяча рублей 00 копеек"),
        (22000, "двадцать две тысячи рублей 00 копеек"),
        (112_000, "сто двенадцать тысяч рублей 00 копеек"),
        (1_000_000, "один миллион рублей 00 копеек"),
        (2_000_000, "два миллиона рублей 00 копеек"),
        (5_000_000, "пять миллионов рублей 00 копеек"),
        (1_000_000_000, "один миллиард рублей 00 копеек"),
        (2_001_002_001, "два миллиарда один миллион две тысячи один рубль 00 копеек"),
        (999_999_999_999, "девятьсот девяносто девять миллиардов девятьсот девяносто девять миллионов "
            + "девятьсот девяносто девять тысяч девятьсот девяносто девять рублей 00 копеек"),
    ] as [(Int64, String)])
    func wholeRoubles(rubles: Int64, expected: String) {
        #expect(AmountInWords.rubles(Money(rubles: rubles)) == expected)
    }

    @Test("kopecks stay two digits with their plural form", arguments: [
        (1_234_567, "двенадцать тысяч триста сорок пять рублей 67 копеек"),
        (1, "ноль рублей 01 копейка"),
        (2, "ноль рублей 02 копейки"),
        (5, "ноль рублей 05 копеек"),
        (11, "ноль рублей 11 копеек"),
        (21, "ноль рублей 21 копейка"),
        (24, "ноль рублей 24 копейки"),
        (10_001, "сто рублей 01 копейка"),
        (-150, "минус один рубль 50 копеек"),
    ] as [(Int64, String)])
    func kopecks(kopecks: Int64, expected: String) {
        #expect(AmountInWords.rubles(Money(kopecks: kopecks)) == expected)
    }

    @Test("plural rule over 0…1000")
    func pluralRule() {
        for n in UInt64(0)...1000 {
            let form = AmountInWords.plural(n, "one", "few", "many")
            let lastTwo = n % 100, last = n % 10
            let expected = (11...14).contains(lastTwo) ? "many" : last == 1 ? "one" : (2...4).contains(last) ? "few" : "many"
            #expect(form == expected, "n = \(n)")
        }
    }

    /// Property: reading the words back gives the number, for numbers spread over every scale.
    @Test("words read back to the same number (deterministic sample of 20 000 values)")
    func roundTrip() throws {
        var generator = SplitMix64(seed: 0x5EED_2026)
        var values: [UInt64] = Array(0...2000)
        for _ in 0..<18_000 {
            let digits = generator.next() % 19 + 1 // 1…19 digits
            var limit: UInt64 = 1
            for _ in 0..<digits { limit = limit &* 10 }
            values.append(digits >= 19 ? generator.next() % 9_000_000_000_000_000_000 : generator.next() % limit)
        }
        for value in values {
            let masculine = AmountInWords.number(value)
            #expect(try RussianNumberReader.read(masculine) == value, "\(value): \(masculine)")
            let feminine = AmountInWords.number(value, feminine: true)
            #expect(try RussianNumberReader.read(feminine) == value, "\(value): \(feminine)")
            // Scale words agree with the number before them.
            #expect(!masculine.contains("одна тысячи") && !masculine.contains("два тысячи")
                && !masculine.contains("один тысяча") && !masculine.contains("две миллиона"))
        }
    }

    @Test("every amount of roubles ends in a correctly agreed «рубль»")
    func rubleAgreement() {
        var generator = SplitMix64(seed: 42)
        for _ in 0..<5000 {
            let kopecks = Int64(generator.next() % 100_000_000_000_00)
            let text = AmountInWords.rubles(Money(kopecks: kopecks))
            let rubles = UInt64(kopecks / 100)
            let expected = AmountInWords.plural(rubles, "рубль", "рубля", "рублей")
            #expect(text.contains(" \(expected) "), "\(kopecks): \(text)")
            let k = kopecks % 100
            #expect(text.hasSuffix("\(k < 10 ? "0" : "")\(k) " + AmountInWords.plural(UInt64(k), "копейка", "копейки", "копеек")))
        }
    }
}

/// Reads Russian number words back into a number: an independent check of `AmountInWords`.
enum RussianNumberReader {
    struct Unknown: Error { let word: String }

    static let small: [String: UInt64] = [
        "ноль": 0, "один": 1, "одна": 1, "два": 2, "две": 2, "три": 3, "четыре": 4, "пять": 5, "шесть": 6,
        "семь": 7, "восемь": 8, "девять": 9, "десять": 10, "одиннадцать": 11, "двенадцать": 12, "тринадцать": 13,
        "четырнадцать": 14, "пятнадцать": 15, "шестнадцать": 16, "семнадцать": 17, "восемнадцать": 18,
        "девятнадцать": 19, "двадцать": 20, "тридцать": 30, "сорок": 40, "пятьдесят": 50, "шестьдесят": 60,
        "семьдесят": 70, "восемьдесят": 80, "девяносто": 90, "сто": 100, "двести": 200, "триста": 300,
        "четыреста": 400, "пятьсот": 500, "шестьсот": 600, "семьсот": 700, "восемьсот": 800, "девятьсот": 900,
    ]
    static let scales: [(stem: String, value: UInt64)] = [
        ("тысяч", 1_000), ("миллион", 1_000_000), ("миллиард", 1_000_000_000), ("триллион", 1_000_000_000_000),
        ("квадриллион", 1_000_000_000_000_000), ("квинтиллион", 1_000_000_000_000_000_000),
    ]

    static func read(_ text: String) throws -> UInt64 {
        var total: UInt64 = 0
        var group: UInt64 = 0
        for word in text.split(separator: " ").map(String.init) {
            if let value = small[word] {
                group += value
            } else if let scale = scales.first(where: { word.hasPrefix($0.stem) }) {
                total += group * scale.value
                group = 0
            } else {
                throw Unknown(word: word)
            }
        }
        return total + group
    }
}
