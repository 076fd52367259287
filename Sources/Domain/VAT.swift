/// A VAT rate as the FNS formats write it (`НалСт`).
///
/// The ordinary rates apply to supplies; the calculated rates (`22/122`,
/// `10/110`, …) apply to advances, where the tax is already inside the amount
/// received. Each rate is valid for a span of document dates: the standard rate
/// is 22% for supplies from 1 January 2026 and 20% before.
public enum VATRate: String, Hashable, Sendable, Codable, CaseIterable, CustomStringConvertible {
    case standard22 = "22%"
    case standard20 = "20%"
    case reduced10 = "10%"
    case zero = "0%"
    case exempt = "без НДС"
    case calculated22 = "22/122"
    case calculated20 = "20/120"
    case calculated10 = "10/110"

    /// The value of `НалСт` in the FNS formats.
    public var fnsCode: String { rawValue }
    public var description: String { rawValue }

    /// The day the standard rate became 22%.
    public static let standard22Since = CivilDate(year: 2026, month: 1, day: 1)!

    /// The rate from the orders feed (`22%`, `20%`, `10%`, `0%`, `без НДС`); calculated rates are not feed values.
    public init?(feedValue: String) {
        switch feedValue {
        case "22%": self = .standard22
        case "20%": self = .standard20
        case "10%": self = .reduced10
        case "0%": self = .zero
        case "без НДС": self = .exempt
        default: return nil
        }
    }

    /// The tax as a share of the amount *including* tax: 22/122 for 22%, 0 for 0% and without VAT.
    public var shareOfGross: (numerator: Int64, denominator: Int64) {
        switch self {
        case .standard22, .calculated22: (22, 122)
        case .standard20, .calculated20: (20, 120)
        case .reduced10, .calculated10: (10, 110)
        case .zero, .exempt: (0, 1)
        }
    }

    /// The percentage the rate stands for (22 for both `22%` and `22/122`).
    public var percent: Int64 {
        switch self {
        case .standard22, .calculated22: 22
        case .standard20, .calculated20: 20
        case .reduced10, .calculated10: 10
        case .zero, .exempt: 0
        }
    }

    /// Whether the document carries `без НДС` instead of a tax amount.
    public var isExempt: Bool { self == .exempt }

    /// Whether this is a calculated rate (for advances).
    public var isCalculated: Bool {
        switch self {
        case .calculated22, .calculated20, .calculated10: true
        default: false
        }
    }

    /// The calculated rate that goes with this supply rate on an advance invoice.
    /// `nil` for 0% and without VAT, which get no advance invoice.
    public var calculatedForAdvance: VATRate? {
        switch self {
        case .standard22, .calculated22: .calculated22
        case .standard20, .calculated20: .calculated20
        case .reduced10, .calculated10: .calculated10
        case .zero, .exempt: nil
        }
    }

    /// Whether the rate may stand on a document dated `date`.
    public func isValid(on date: CivilDate) -> Bool {
        switch self {
        case .standard22, .calculated22: date >= VATRate.standard22Since
        case .standard20, .calculated20: date < VATRate.standard22Since
        case .reduced10, .calculated10, .zero, .exempt: true
        }
    }

    /// Throws when the rate may not stand on a document dated `date`.
    public func validate(on date: CivilDate) throws(VATRateError) {
        guard isValid(on: date) else { throw VATRateError(rate: self, date: date) }
    }
}

/// A VAT rate used on a date it is not valid for.
public struct VATRateError: Error, Hashable, Sendable, CustomStringConvertible {
    public let rate: VATRate
    public let date: CivilDate

    public var description: String {
        switch rate {
        case .standard22, .calculated22:
            "VAT rate \(rate) applies from 01.01.2026; the document is dated \(date.russian)"
        case .standard20, .calculated20:
            "VAT rate \(rate) applies until 31.12.2025; the document is dated \(date.russian) (use 22%)"
        default:
            "VAT rate \(rate) is not valid on \(date.russian)"
        }
    }
}
