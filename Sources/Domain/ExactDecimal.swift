/// An exact decimal number with at most 11 digits after the point: quantities
/// (kilograms to the gram, pieces) and unit prices as the FNS formats allow
/// (`decimal(26,11)`).
///
/// The value is `units × 10^-scale`. It keeps the scale it was written with, so
/// `"1.500"` prints back as `1.500`; equality and ordering compare values, so
/// `1.500 == 1.5`.
public struct ExactDecimal: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    /// The largest number of decimals the FNS formats allow.
    public static let maximumScale = 11

    /// The digits of the number without the point.
    public let units: Int64
    /// How many of `units`' digits stand after the point (0…11).
    public let scale: Int

    /// Creates `units × 10^-scale`; `scale` must be in 0…11.
    public init(units: Int64, scale: Int) {
        precondition((0...ExactDecimal.maximumScale).contains(scale), "scale \(scale) is outside 0…11")
        self.units = units
        self.scale = scale
    }

    /// A whole number.
    public init(_ integer: Int64) { self.init(units: integer, scale: 0) }

    public static let zero = ExactDecimal(0)

    /// Parses `"12"`, `"1.436"`, `"-0.5"`: an optional minus, digits, and an optional
    /// point followed by 1…11 digits. No exponent, no comma, no spaces.
    public init?(_ text: String) {
        // From the string's own UTF-8 when it is contiguous (a native string always is).
        let parsed = text.utf8.withContiguousStorageIfAvailable(ExactDecimal.parse) ?? Array(text.utf8).withUnsafeBufferPointer(ExactDecimal.parse)
        guard let parsed else { return nil }
        self = parsed
    }

    private static func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> ExactDecimal? {
        var index = 0
        var negative = false
        if bytes.count > 0 && bytes[0] == UInt8(ascii: "-") {
            negative = true
            index = 1
        }
        var units: Int64 = 0
        var scale = 0
        var digits = 0
        var seenPoint = false
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                let (shifted, o1) = units.multipliedReportingOverflow(by: 10)
                let (added, o2) = shifted.addingReportingOverflow(Int64(byte - UInt8(ascii: "0")))
                guard !o1, !o2 else { return nil }
                units = added
                digits += 1
                if seenPoint {
                    scale += 1
                    guard scale <= ExactDecimal.maximumScale else { return nil }
                }
            case UInt8(ascii: "."):
                guard !seenPoint, digits > 0 else { return nil }
                seenPoint = true
            default:
                return nil
            }
        }
        guard digits > 0, !(seenPoint && scale == 0) else { return nil }
        return ExactDecimal(units: negative ? -units : units, scale: scale)
    }

    /// The number as written (`1.500` keeps its zeros).
    public var description: String {
        let sign = units < 0 ? "-" : ""
        var digits = String(units.magnitude)
        guard scale > 0 else { return sign + digits }
        if digits.count <= scale { digits = String(repeating: "0", count: scale - digits.count + 1) + digits }
        let point = digits.index(digits.endIndex, offsetBy: -scale)
        return sign + digits[..<point] + "." + digits[point...]
    }

    /// The shortest form: trailing zeros after the point removed (`1.500` → `1.5`, `12.000` → `12`).
    public var normalized: ExactDecimal {
        var units = self.units
        var scale = self.scale
        while scale > 0 && units % 10 == 0 {
            units /= 10
            scale -= 1
        }
        return ExactDecimal(units: units, scale: scale)
    }

    /// The same value with exactly `scale` decimals, when that loses nothing.
    public func rescaled(to scale: Int) -> ExactDecimal? {
        if scale >= self.scale {
            let factor = Int128(pow10(scale - self.scale))
            let value = Int128(units) * factor
            guard let exact = Int64(exactly: value) else { return nil }
            return ExactDecimal(units: exact, scale: scale)
        }
        let factor = pow10(self.scale - scale)
        guard units % factor == 0 else { return nil }
        return ExactDecimal(units: units / factor, scale: scale)
    }

    /// The value scaled to 11 decimals, as a 128-bit integer (for exact comparison and arithmetic).
    var elevenths: Int128 { Int128(units) * Int128(pow10(ExactDecimal.maximumScale - scale)) }

    public var isZero: Bool { units == 0 }
    public var isPositive: Bool { units > 0 }
    public var isNegative: Bool { units < 0 }

    public static func == (lhs: ExactDecimal, rhs: ExactDecimal) -> Bool { lhs.elevenths == rhs.elevenths }
    public func hash(into hasher: inout Hasher) { hasher.combine(elevenths) }
    public static func < (lhs: ExactDecimal, rhs: ExactDecimal) -> Bool { lhs.elevenths < rhs.elevenths }

    /// Exact sum, at the larger of the two scales. Traps on overflow (quantities are far from it).
    public static func + (lhs: ExactDecimal, rhs: ExactDecimal) -> ExactDecimal {
        let scale = max(lhs.scale, rhs.scale)
        let a = Int64(exactly: Int128(lhs.units) * Int128(pow10(scale - lhs.scale)))!
        let b = Int64(exactly: Int128(rhs.units) * Int128(pow10(scale - rhs.scale)))!
        return ExactDecimal(units: a + b, scale: scale)
    }

    /// Exact difference, at the larger of the two scales.
    public static func - (lhs: ExactDecimal, rhs: ExactDecimal) -> ExactDecimal {
        lhs + ExactDecimal(units: -rhs.units, scale: rhs.scale)
    }

    /// Encodes as the decimal string.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    /// Decodes a decimal string; anything else is a decoding error.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let value = ExactDecimal(text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "'\(text)' is not a decimal number")
        }
        self = value
    }
}

extension Sequence where Element == ExactDecimal {
    /// The exact sum.
    public func sum() -> ExactDecimal { reduce(.zero, +) }
}

/// 10 to the power `exponent` (0…18).
@inline(__always)
func pow10(_ exponent: Int) -> Int64 {
    var result: Int64 = 1
    for _ in 0..<exponent { result *= 10 }
    return result
}

/// Divides and rounds half away from zero: the rounding rule of every amount sverka computes.
@inline(__always)
func divideRoundingHalfAwayFromZero(_ numerator: Int128, _ denominator: Int128) -> Int128 {
    precondition(denominator > 0)
    let quotient = numerator / denominator
    let remainder = numerator % denominator
    if remainder.magnitude * 2 >= denominator.magnitude {
        return numerator < 0 ? quotient - 1 : quotient + 1
    }
    return quotient
}
