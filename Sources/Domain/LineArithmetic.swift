/// The amounts of one document line, computed from a unit price that includes VAT.
///
/// ## Rounding rules (sverka's, written down in docs/money.md)
///
/// Every amount is computed per line, from exact values, and rounded once,
/// half away from zero ("half up" for positive amounts), to the kopeck:
///
/// 1. `total` (графа 9, `СтТовУчНал`) = quantity × unit price with VAT, rounded to kopecks.
/// 2. `vat` (графа 8, `СумНал`) = total × rate / (100 + rate), rounded to kopecks
///    (22% → 22/122 of the total); zero for 0% and without VAT.
/// 3. `totalWithoutVAT` (графа 5, `СтТовБезНДС`) = total − vat. Never rounded on its own,
///    so 5 + 8 = 9 holds exactly.
/// 4. `unitPriceWithoutVAT` (графа 4, `ЦенаТов`) = totalWithoutVAT / quantity, rounded to
///    11 decimals, so that quantity × price rounds back to графа 5.
///
/// Document totals are sums of the line amounts, never recomputed from totals.
///
/// Worked example (weighed cheese, 10%): 1.436 kg × 659.90 ₽ = 947.6164 → **947.62**;
/// VAT 947.62 × 10/110 = 86.1472… → **86.15**; without VAT 947.62 − 86.15 = **861.47**;
/// unit price without VAT 861.47 / 1.436 = 599.9094707520891… → **599.90947075209**.
public struct LineAmounts: Hashable, Sendable, Codable {
    public let quantity: ExactDecimal
    public let unitPriceWithVAT: Money
    public let rate: VATRate
    /// Графа 9: the value including VAT.
    public let total: Money
    /// Графа 8: the VAT amount (zero for 0% and without VAT).
    public let vat: Money
    /// Графа 5: the value without VAT.
    public let totalWithoutVAT: Money
    /// Графа 4: the unit price without VAT, at up to 11 decimals.
    public let unitPriceWithoutVAT: ExactDecimal

    /// Computes a line by sverka's rounding rules.
    public init(quantity: ExactDecimal, unitPriceWithVAT: Money, rate: VATRate) {
        self.quantity = quantity
        self.unitPriceWithVAT = unitPriceWithVAT
        self.rate = rate
        let total = Money.multiply(unitPriceWithVAT, by: quantity)
        let vat = LineAmounts.vat(includedIn: total, rate: rate)
        self.total = total
        self.vat = vat
        self.totalWithoutVAT = total - vat
        self.unitPriceWithoutVAT = LineAmounts.unitPrice(of: total - vat, quantity: quantity)
    }

    /// Creates a line from amounts already computed (for example read back from the ledger).
    public init(quantity: ExactDecimal, unitPriceWithVAT: Money, rate: VATRate, total: Money, vat: Money,
                totalWithoutVAT: Money, unitPriceWithoutVAT: ExactDecimal) {
        self.quantity = quantity
        self.unitPriceWithVAT = unitPriceWithVAT
        self.rate = rate
        self.total = total
        self.vat = vat
        self.totalWithoutVAT = totalWithoutVAT
        self.unitPriceWithoutVAT = unitPriceWithoutVAT
    }

    /// The VAT inside an amount that includes it: amount × rate / (100 + rate), rounded to kopecks.
    public static func vat(includedIn amount: Money, rate: VATRate) -> Money {
        let share = rate.shareOfGross
        guard share.numerator != 0 else { return .zero }
        let value = divideRoundingHalfAwayFromZero(
            Int128(amount.kopecks) * Int128(share.numerator), Int128(share.denominator))
        return Money(kopecks: Int64(value))
    }

    /// `amount / quantity` at 11 decimals, rounded half away from zero; zero for a zero quantity.
    public static func unitPrice(of amount: Money, quantity: ExactDecimal) -> ExactDecimal {
        guard !quantity.isZero else { return .zero }
        // amount/100 ÷ (units/10^scale), in units of 10^-11:
        // kopecks × 10^(scale + 9) / units
        let numerator = Int128(amount.kopecks) * Int128(pow10(quantity.scale + 9))
        var denominator = Int128(quantity.units)
        var signedNumerator = numerator
        if denominator < 0 {
            denominator = -denominator
            signedNumerator = -signedNumerator
        }
        let value = divideRoundingHalfAwayFromZero(signedNumerator, denominator)
        return ExactDecimal(units: Int64(value), scale: ExactDecimal.maximumScale).normalized
    }

    /// Whether the line's columns agree by the rules above (used to check documents before they leave).
    public var isConsistent: Bool {
        total == Money.multiply(unitPriceWithVAT, by: quantity)
            && vat == LineAmounts.vat(includedIn: total, rate: rate)
            && totalWithoutVAT + vat == total
            && Money.multiply(unitPriceWithoutVAT, by: quantity) == totalWithoutVAT
    }
}

extension Money {
    /// `price × quantity`, rounded half away from zero to the kopeck.
    public static func multiply(_ price: Money, by quantity: ExactDecimal) -> Money {
        let value = divideRoundingHalfAwayFromZero(
            Int128(price.kopecks) * Int128(quantity.units), Int128(pow10(quantity.scale)))
        return Money(kopecks: Int64(value))
    }

    /// `unit price (up to 11 decimals) × quantity`, rounded half away from zero to the kopeck.
    public static func multiply(_ price: ExactDecimal, by quantity: ExactDecimal) -> Money {
        // price.units × 10^-p × quantity.units × 10^-q roubles = … × 10^(2-p-q) kopecks
        let exponent = price.scale + quantity.scale - 2
        let product = Int128(price.units) * Int128(quantity.units)
        if exponent <= 0 {
            return Money(kopecks: Int64(product * Int128(pow10(-exponent))))
        }
        var divisor = Int128(1)
        for _ in 0..<exponent { divisor *= 10 }
        return Money(kopecks: Int64(divideRoundingHalfAwayFromZero(product, divisor)))
    }

    /// The amount as an exact decimal of roubles (`12.50`).
    public var decimal: ExactDecimal { ExactDecimal(units: kopecks, scale: 2) }
}
