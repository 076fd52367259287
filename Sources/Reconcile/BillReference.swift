import Domain

/// A bill number quoted in a payment purpose, as found by `BillReference.quotes(in:)`.
///
/// `text` is what the payer wrote for the number (`СЧ-000123`, `000123`, `123`);
/// `exactKey` is that text in upper case with dashes, spaces and `№` removed
/// (`СЧ000123`), used to prefer the bill whose number is written exactly so;
/// `normalizedKey` strips the letter prefix, dashes and leading zeros (`123`),
/// used to find every bill the quote can mean.
public struct QuotedBillNumber: Hashable, Sendable, Codable, CustomStringConvertible {
    public var text: String
    public var exactKey: String
    public var normalizedKey: String

    public init(text: String) {
        self.text = text
        self.exactKey = BillReference.exactKey(text)
        self.normalizedKey = BillReference.normalizedKey(text)
    }

    public var description: String { text }
}

/// Finds bill numbers in payment purposes, the way people really type them.
///
/// A number counts as a bill number only when it follows a bill keyword
/// (`счет`, `счёт`, `счета`, `счету`, `счетов`, `сч`, `сч.`, `invoice`, …),
/// possibly after `№`, `N`, `No`, `#`, `на оплату`, and then as a list joined by
/// `,`, `;`, `и`, `+` or another `№`. A letter prefix glued to the number
/// (`СЧ-000123`, `СЧ000123`, `Счёт-000123`) belongs to it.
///
/// Never a bill number: a date (`26.11.2026`, `2026-11-26`, `от 26 ноября 2026 г.`),
/// an amount (`2429-73`, `2 429,73`, `2429.73`), a percentage (`НДС 22%`), a number
/// longer than eight significant digits (ИНН, КПП, ОГРН, БИК, accounts, phones),
/// a number after `счет-фактура`/`с/ф` (a tax invoice), or a number after
/// any other keyword (`договор N 0320`, `заказ 123`).
public enum BillReference {
    /// The bill numbers quoted in `purpose`, in the order written, without repeats.
    public static func quotes(in purpose: String) -> [QuotedBillNumber] {
        guard mayQuote(purpose) else { return [] }
        let tokens = tokenize(purpose)
        var found: [QuotedBillNumber] = []
        var seen: Set<String> = []
        var index = 0
        while index < tokens.count {
            guard tokens[index].kind == .word, isBillKeyword(tokens, at: index) else {
                index += 1
                continue
            }
            let (numbers, next) = parseList(tokens, afterKeywordAt: index)
            for number in numbers where seen.insert(number.exactKey).inserted {
                found.append(number)
            }
            index = max(next, index + 1)
        }
        return found
    }

    /// A quick scan: every bill keyword starts with `сч` (any case) or `inv`.
    static func mayQuote(_ purpose: String) -> Bool {
        var previous: UInt32 = 0
        var beforePrevious: UInt32 = 0
        for scalar in purpose.unicodeScalars {
            let value = scalar.value
            // с/С then ч/Ч
            if (value == 0x447 || value == 0x427) && (previous == 0x441 || previous == 0x421) { return true }
            if value | 0x20 == 0x76 && previous | 0x20 == 0x6E && beforePrevious | 0x20 == 0x69 { return true }
            beforePrevious = previous
            previous = value
        }
        return false
    }

    /// Upper case, `ё`→`Е`, only letters and digits kept (`сч-000123` → `СЧ000123`).
    public static func exactKey(_ text: String) -> String {
        var result = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if isDigit(scalar) {
                result.append(scalar)
            } else if isLetter(scalar) {
                let upper = uppercase(scalar)
                result.append(upper == "Ё" ? "Е" : upper)
            }
        }
        return String(result)
    }

    /// The letter prefix, dashes and leading zeros stripped (`СЧ-000123` → `123`).
    /// A number without digits normalises to its exact key.
    public static func normalizedKey(_ text: String) -> String {
        let scalars = text.unicodeScalars
        guard let firstDigit = scalars.firstIndex(where: isDigit) else { return exactKey(text) }
        var result = String.UnicodeScalarView()
        var leading = true
        for scalar in scalars[firstDigit...] {
            if leading && scalar == "0" { continue }
            if isDigit(scalar) {
                leading = false
                result.append(scalar)
            } else if isLetter(scalar) {
                leading = false
                let upper = uppercase(scalar)
                result.append(upper == "Ё" ? "Е" : upper)
            }
        }
        return result.isEmpty ? "0" : String(result)
    }

    // MARK: - Scalars (fast paths for ASCII and Cyrillic)

    @inline(__always)
    static func isDigit(_ scalar: Unicode.Scalar) -> Bool { scalar.value &- 48 < 10 }

    @inline(__always)
    static func isLetter(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        if value < 0x80 { return (value | 0x20) &- 97 < 26 }
        if value >= 0x400 && value <= 0x4FF { return true }
        return scalar.properties.isAlphabetic
    }

    @inline(__always)
    static func isSpace(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        if value < 0x80 { return value == 32 || (value >= 9 && value <= 13) }
        return scalar.properties.isWhitespace
    }

    static func lowercase(_ scalar: Unicode.Scalar) -> Unicode.Scalar {
        let value = scalar.value
        if value &- 65 < 26 { return Unicode.Scalar(value + 32) ?? scalar }
        if value >= 0x410 && value <= 0x42F { return Unicode.Scalar(value + 32) ?? scalar }
        if value >= 0x400 && value <= 0x40F { return Unicode.Scalar(value + 80) ?? scalar }
        return scalar
    }

    static func uppercase(_ scalar: Unicode.Scalar) -> Unicode.Scalar {
        let value = scalar.value
        if value &- 97 < 26 { return Unicode.Scalar(value - 32) ?? scalar }
        if value >= 0x430 && value <= 0x44F { return Unicode.Scalar(value - 32) ?? scalar }
        if value >= 0x450 && value <= 0x45F { return Unicode.Scalar(value - 80) ?? scalar }
        return scalar
    }

    // MARK: - Tokens

    enum TokenKind: Equatable {
        case word
        /// Digits, possibly with inner `.`, `,`, `-`, `/` between digit groups (`26.11.2026`, `2429-73`).
        case number
        case symbol
    }

    struct Token {
        var kind: TokenKind
        var text: String
        /// No space between this token and the previous one.
        var glued: Bool
    }

    static func tokenize(_ purpose: String) -> [Token] {
        var tokens: [Token] = []
        let scalars = Array(purpose.unicodeScalars)
        var index = 0
        var glued = false
        while index < scalars.count {
            let scalar = scalars[index]
            if isSpace(scalar) {
                glued = false
                index += 1
                continue
            }
            if isDigit(scalar) {
                var end = index + 1
                while end < scalars.count {
                    if isDigit(scalars[end]) {
                        end += 1
                    } else if ".,-/".unicodeScalars.contains(scalars[end]), end + 1 < scalars.count,
                              isDigit(scalars[end + 1]) {
                        end += 2
                    } else {
                        break
                    }
                }
                var text = String.UnicodeScalarView()
                text.append(contentsOf: scalars[index..<end])
                tokens.append(Token(kind: .number, text: String(text), glued: glued))
                index = end
            } else if isLetter(scalar) {
                var end = index + 1
                while end < scalars.count, isLetter(scalars[end]) { end += 1 }
                var text = String.UnicodeScalarView()
                for letter in scalars[index..<end] { text.append(lowercase(letter)) }
                tokens.append(Token(kind: .word, text: String(text), glued: glued))
                index = end
            } else {
                tokens.append(Token(kind: .symbol, text: String(scalar), glued: glued))
                index += 1
            }
            glued = true
        }
        return tokens
    }

    // MARK: - Grammar

    private static let billKeywords: Set<String> = [
        "сч", "счет", "счета", "счету", "счете", "счетом", "счетов", "счетам", "счетами", "счетах",
        "счёт", "счёта", "счёту", "счёте", "счётом", "счётов", "счётам", "счётами", "счётах",
        "invoice", "invoices", "inv",
    ]

    /// Words between the keyword and the first number that do not end the phrase.
    private static let leadWords: Set<String> = ["n", "no", "nr", "номер", "номера", "нн"]

    private static let currencyWords: Set<String> = ["р", "руб", "рубля", "рублей", "рубль", "rub", "rur", "коп"]

    private static let months = ["янв", "фев", "мар", "апр", "мая", "май", "июн", "июл", "авг", "сен", "окт", "ноя", "дек"]

    /// A bill keyword that is not part of `счет-фактура`, `сч-ф`, `сч/ф` or an account (`р/с`, `расчетный счет`).
    static func isBillKeyword(_ tokens: [Token], at index: Int) -> Bool {
        let word = tokens[index].text
        // Every keyword starts with `сч` (D1 81 D1 87) or `inv`: most words fail here, unhashed.
        var bytes = word.utf8.makeIterator()
        let first = bytes.next()
        let second = bytes.next()
        let startsWithSch = first == 0xD1 && second == 0x81 && bytes.next() == 0xD1 && bytes.next() == 0x87
        let startsWithInv = first == UInt8(ascii: "i") && second == UInt8(ascii: "n")
        guard startsWithSch || startsWithInv, billKeywords.contains(word) else { return false }
        // счет-фактура, сч-ф, сч/ф: a tax invoice, not a payment bill.
        if index + 2 < tokens.count, tokens[index + 1].kind == .symbol, "-/".contains(tokens[index + 1].text),
           tokens[index + 2].kind == .word, tokens[index + 2].glued,
           tokens[index + 2].text == "ф" || tokens[index + 2].text.hasPrefix("фактур") {
            return false
        }
        // расчетный / лицевой / банковский счет: an account.
        if index > 0, tokens[index - 1].kind == .word,
           ["расчетный", "расчётный", "лицевой", "банковский", "корр", "корреспондентский", "р", "л", "к"]
            .contains(tokens[index - 1].text) {
            return false
        }
        return true
    }

    /// Parses the list of numbers after the keyword at `keywordIndex`; returns them and where parsing stopped.
    static func parseList(_ tokens: [Token], afterKeywordAt keywordIndex: Int) -> ([QuotedBillNumber], Int) {
        var numbers: [QuotedBillNumber] = []
        var index = keywordIndex + 1
        // A number glued to the keyword itself: СЧ-000123, СЧ000123, Счёт-000123.
        if let (number, next) = gluedNumber(tokens, prefixAt: keywordIndex) {
            numbers.append(number)
            index = next
        }
        var expectingNumber = numbers.isEmpty
        while index < tokens.count {
            let token = tokens[index]
            if expectingNumber {
                switch token.kind {
                case .symbol where ["№", "#", ".", ":", "-"].contains(token.text):
                    index += 1
                case .word where token.text == "на":
                    // `счет на оплату № 123`, but not `счет на 5000 руб.`
                    guard index + 1 < tokens.count, ["оплату", "оплаты"].contains(tokens[index + 1].text) else {
                        return (numbers, index)
                    }
                    index += 2
                case .word where leadWords.contains(token.text):
                    index += 1
                case .word where token.text == "от":
                    guard let next = skipDate(tokens, from: index + 1) else { return (numbers, index) }
                    index = next
                case .word:
                    // A short letter prefix glued to its number: АБ-123, СЧ000123.
                    if token.text.count <= 4, let (number, next) = gluedNumber(tokens, prefixAt: index) {
                        numbers.append(number)
                        index = next
                        expectingNumber = false
                    } else {
                        return (numbers, index)
                    }
                case .number:
                    if isDate(token.text) {
                        index += 1
                        continue
                    }
                    guard let number = billNumber(tokens, at: index) else { return (numbers, index) }
                    numbers.append(number)
                    index += 1
                    expectingNumber = false
                default:
                    return (numbers, index)
                }
            } else {
                switch token.kind {
                case .symbol where [",", ";", "+", "&", "№", "#"].contains(token.text):
                    index += 1
                    expectingNumber = true
                case .word where token.text == "и":
                    index += 1
                    expectingNumber = true
                case .word where token.text == "от":
                    guard let next = skipDate(tokens, from: index + 1) else { return (numbers, index) }
                    index = next
                default:
                    return (numbers, index)
                }
            }
        }
        return (numbers, index)
    }

    /// `prefix` `-`? `digits`, all glued together (no spaces): the number with its prefix.
    private static func gluedNumber(_ tokens: [Token], prefixAt index: Int) -> (QuotedBillNumber, Int)? {
        var next = index + 1
        if next < tokens.count, tokens[next].kind == .symbol, tokens[next].text == "-", tokens[next].glued {
            next += 1
        }
        guard next < tokens.count, next > index, tokens[next].kind == .number, tokens[next].glued,
              tokens[next].text.allSatisfy(\.isASCIIDigit), acceptable(tokens, numberAt: next) else { return nil }
        let prefix = tokens[index].text.uppercased()
        let separator = next == index + 2 ? "-" : ""
        return (QuotedBillNumber(text: prefix + separator + tokens[next].text), next + 1)
    }

    /// A bare number that can be a bill number, or `nil`.
    private static func billNumber(_ tokens: [Token], at index: Int) -> QuotedBillNumber? {
        let text = tokens[index].text
        guard text.allSatisfy(\.isASCIIDigit), acceptable(tokens, numberAt: index) else { return nil }
        return QuotedBillNumber(text: text)
    }

    /// Not a percentage, not followed by a month name (a date), at most eight significant digits.
    private static func acceptable(_ tokens: [Token], numberAt index: Int) -> Bool {
        let text = tokens[index].text
        let significant = text.drop { $0 == "0" }
        guard significant.count <= 8 else { return false }
        if index + 1 < tokens.count {
            let next = tokens[index + 1]
            if next.kind == .symbol, next.text == "%" { return false }
            if next.kind == .word, isMonth(next.text) || currencyWords.contains(next.text) { return false }
            if next.kind == .symbol, next.text == "₽" { return false }
        }
        return true
    }

    private static func isMonth(_ word: String) -> Bool { months.contains { word.hasPrefix($0) } }

    /// `26.11.2026`, `26.11.26`, `2026-11-26`, `26/11/2026`.
    static func isDate(_ text: String) -> Bool {
        let parts = text.split(omittingEmptySubsequences: false) { ".-/".contains($0) }
        guard parts.count == 3, parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isASCIIDigit) }) else { return false }
        let lengths = parts.map(\.count)
        return (lengths[0] <= 2 && lengths[1] <= 2 && (lengths[2] == 2 || lengths[2] == 4)) ||
            (lengths[0] == 4 && lengths[1] <= 2 && lengths[2] <= 2)
    }

    /// After `от`: a date (`26.11.2026`, `26 ноября 2026`) and an optional `г.`/`года`; where it ends, or `nil`.
    private static func skipDate(_ tokens: [Token], from start: Int) -> Int? {
        var index = start
        guard index < tokens.count, tokens[index].kind == .number else { return nil }
        if isDate(tokens[index].text) {
            index += 1
        } else if index + 1 < tokens.count, tokens[index + 1].kind == .word, isMonth(tokens[index + 1].text),
                  tokens[index].text.count <= 2 {
            index += 2
            if index < tokens.count, tokens[index].kind == .number, tokens[index].text.count == 4 { index += 1 }
        } else {
            return nil
        }
        if index < tokens.count, tokens[index].kind == .word, ["г", "года", "гг"].contains(tokens[index].text) {
            index += 1
            if index < tokens.count, tokens[index].kind == .symbol, tokens[index].text == ".", tokens[index].glued {
                index += 1
            }
        }
        return index
    }
}
