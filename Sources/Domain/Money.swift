/// An exact amount of roubles, held as a whole number of kopecks.
///
/// Money never passes through binary floating point. It is parsed from and
/// printed as a decimal string with exactly two decimals (`"1234.50"`), the
/// form the orders feed, the FNS formats and `run.json` use.
public struct Money: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    /// The amount in kopecks (1 rouble = 100 kopecks). Negative for a decrease.
    public var kopecks: Int64

    /// Creates an amount from a number of kopecks.
    public init(kopecks: Int64) { self.kopecks = kopecks }

    /// Creates an amount of whole roubles plus kopecks (`Money(rubles: 12, kopecks: 50)` = 12.50).
    public init(rubles: Int64, kopecks: Int64 = 0) { self.kopecks = rubles * 100 + kopecks }

    /// Zero roubles.
    public static let zero = Money(kopecks: 0)

    /// Parses the contract's money form: optional `-`, digits, `.`, exactly two digits.
    ///
    /// `"1234.50"` and `"0.07"` are accepted; `"1234.5"`, `"1,234.50"`, `"1e3"`
    /// and `" 12.00"` are not. Returns `nil` for anything else.
    public init?(exactString text: String) {
        guard let value = Money.parse(text, requireTwoDecimals: true) else { return nil }
        self = value
    }

    /// Parses money as people and banks write it: `2429.73`, `2429,73`, `2429-73`,
    /// `2 429.73`, `2429` (whole roubles), `2429.7` (one decimal).
    /// Returns `nil` when the text is not such an amount.
    public init?(lenientString text: String) {
        var cleaned = ""
        for ch in text where ch != " " && ch != "\u{00A0}" && ch != "\u{202F}" {
            cleaned.append(ch == "," || ch == "-" && !cleaned.isEmpty ? "." : ch)
        }
        guard let value = Money.parse(cleaned, requireTwoDecimals: false) else { return nil }
        self = value
    }

    private static func parse(_ text: String, requireTwoDecimals: Bool) -> Money? {
        var utf8 = Substring(text).utf8[...]
        var negative = false
        if utf8.first == UInt8(ascii: "-") {
            negative = true
            utf8 = utf8.dropFirst()
        }
        var whole: Int64 = 0
        var wholeDigits = 0
        var fraction: Int64 = 0
        var fractionDigits = 0
        var seenPoint = false
        for byte in utf8 {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                let digit = Int64(byte - UInt8(ascii: "0"))
                if seenPoint {
                    fractionDigits += 1
                    guard fractionDigits <= 2 else { return nil }
                    fraction = fraction * 10 + digit
                } else {
                    wholeDigits += 1
                    guard wholeDigits <= 16 else { return nil }
                    whole = whole * 10 + digit
                }
            case UInt8(ascii: "."):
                guard !seenPoint else { return nil }
                seenPoint = true
            default:
                return nil
            }
        }
        guard wholeDigits > 0 else { return nil }
        if requireTwoDecimals {
            guard seenPoint, fractionDigits == 2 else { return nil }
        } else if seenPoint && fractionDigits == 0 {
            return nil
        }
        if fractionDigits == 1 { fraction *= 10 }
        let kopecks = whole * 100 + fraction
        return Money(kopecks: negative ? -kopecks : kopecks)
    }

    /// The contract form: `-`, roubles, `.`, two digits (`"1234.50"`, `"-0.07"`).
    public var description: String {
        let sign = kopecks < 0 ? "-" : ""
        let magnitude = kopecks.magnitude
        let fraction = magnitude % 100
        return "\(sign)\(magnitude / 100).\(fraction < 10 ? "0" : "")\(fraction)"
    }

    /// The amount as an accountant reads it: `12 345,67` (groups of three
    /// separated by `grouping`, decimal comma by default).
    public func formatted(grouping: String = "\u{00A0}", decimalSeparator: String = ",") -> String {
        let sign = kopecks < 0 ? "-" : ""
        let magnitude = kopecks.magnitude
        let digits = String(magnitude / 100)
        var grouped = ""
        for (index, ch) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { grouped += grouping }
            grouped.append(ch)
        }
        let fraction = magnitude % 100
        return "\(sign)\(grouped)\(decimalSeparator)\(fraction < 10 ? "0" : "")\(fraction)"
    }

    /// Whole roubles (truncated towards zero).
    public var rublesPart: Int64 { kopecks / 100 }
    /// The kopecks after the whole roubles (same sign as the amount).
    public var kopecksPart: Int64 { kopecks % 100 }

    public var isZero: Bool { kopecks == 0 }
    public var isNegative: Bool { kopecks < 0 }
    public var isPositive: Bool { kopecks > 0 }
    public var magnitude: Money { Money(kopecks: kopecks < 0 ? -kopecks : kopecks) }

    public static func < (lhs: Money, rhs: Money) -> Bool { lhs.kopecks < rhs.kopecks }
    public static func + (lhs: Money, rhs: Money) -> Money { Money(kopecks: lhs.kopecks + rhs.kopecks) }
    public static func - (lhs: Money, rhs: Money) -> Money { Money(kopecks: lhs.kopecks - rhs.kopecks) }
    public static prefix func - (value: Money) -> Money { Money(kopecks: -value.kopecks) }
    public static func += (lhs: inout Money, rhs: Money) { lhs.kopecks += rhs.kopecks }
    public static func -= (lhs: inout Money, rhs: Money) { lhs.kopecks -= rhs.kopecks }
    public static func * (lhs: Money, rhs: Int64) -> Money { Money(kopecks: lhs.kopecks * rhs) }

    /// Encodes as the contract's two-decimal string.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    /// Decodes the contract's two-decimal string; anything else is a decoding error.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let value = Money(exactString: text) else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "'\(text)' is not money with exactly two decimals")
        }
        self = value
    }
}

extension Sequence where Element == Money {
    /// The exact sum of the amounts.
    public func sum() -> Money { reduce(.zero, +) }
}
