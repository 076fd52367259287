import Domain

/// The provider's commission: an exact fraction of the amount, never a binary float.
public struct CommissionRate: Hashable, Sendable, CustomStringConvertible {
    /// The rate is `numerator / denominator` of the amount.
    public let numerator: Int64
    public let denominator: Int64

    /// A rate in basis points: 250 = 2.5 %. Must be 0…10 000.
    public init?(basisPoints: Int64) {
        guard (0...10_000).contains(basisPoints) else { return nil }
        self.init(reducing: basisPoints, 10_000)
    }

    /// A rate written as a decimal percentage: `"2.5"`, `"2.50%"`, `"0,9"`. Must be 0…100.
    public init?(percent text: String) {
        var cleaned = text.filter { !$0.isWhitespace }
        if cleaned.hasSuffix("%") { cleaned.removeLast() }
        cleaned = String(cleaned.map { $0 == "," ? "." : $0 })
        guard let value = ExactDecimal(cleaned), !value.isNegative, value.scale <= 8 else { return nil }
        var denominator: Int64 = 100
        for _ in 0..<value.scale { denominator *= 10 }
        guard value.units <= denominator else { return nil }
        self.init(reducing: value.units, denominator)
    }

    /// The fraction in lowest terms, so equal rates compare equal (`250` bp == `"2.5"`).
    private init(reducing numerator: Int64, _ denominator: Int64) {
        var a = numerator
        var b = denominator
        while b != 0 { (a, b) = (b, a % b) }
        let divisor = max(a, 1)
        self.numerator = numerator / divisor
        self.denominator = denominator / divisor
    }

    /// The commission on `amount`, rounded to the kopeck half away from zero.
    public func commission(on amount: Money) -> Money {
        let product = Int128(amount.kopecks) * Int128(numerator)
        let divisor = Int128(denominator)
        var quotient = product / divisor
        let remainder = product % divisor
        if remainder.magnitude * 2 >= divisor.magnitude {
            quotient += product < 0 ? -1 : 1
        }
        return Money(kopecks: Int64(quotient))
    }

    /// The rate as a percentage, e.g. `2.5%` (a fraction when it has no short decimal form).
    public var description: String {
        for scale in 0...10 {
            var factor: Int64 = 100
            for _ in 0..<scale { factor *= 10 }
            let (scaled, overflow) = numerator.multipliedReportingOverflow(by: factor)
            if !overflow, scaled % denominator == 0 {
                return "\(ExactDecimal(units: scaled / denominator, scale: scale))%"
            }
        }
        return "\(numerator)/\(denominator)"
    }
}

/// How the provider pays out.
public struct PayoutConfiguration: Hashable, Sendable {
    /// The provider's ИНН (the payer of its payouts).
    public var providerINN: String
    /// A payout on day D covers the provider payments received up to D − lag that no earlier payout covered.
    public var settlementLagDays: Int
    public var commission: CommissionRate

    public init(providerINN: String, settlementLagDays: Int, commission: CommissionRate) {
        self.providerINN = providerINN
        self.settlementLagDays = settlementLagDays
        self.commission = commission
    }
}

/// One payout checked against the provider payments it covers.
public struct PayoutReconciliation: Hashable, Sendable, Codable {
    public var payoutID: PaymentID
    public var date: CivilDate
    /// The provider payments it covers, in canonical order.
    public var covered: [PaymentID]
    /// Their sum.
    public var gross: Money
    /// The commission on `gross` (one rounding per payout).
    public var commission: Money
    /// gross − commission.
    public var expected: Money
    /// What arrived.
    public var actual: Money
    /// actual − expected; any non-zero value is an exception.
    public var difference: Money
}

/// The payouts of a run and their exceptions.
public struct PayoutReport: Hashable, Sendable, Codable {
    public var payouts: [PayoutReconciliation]
    /// `payout-difference` for every payout that does not add up.
    public var exceptions: [ReconcileException]
    /// Every provider payment some payout covers (the earlier ones included), for the ledger.
    public var covered: Set<PaymentID>
}

public enum PayoutCheck {
    /// Checks each payout (in date, then id order) against the provider payments received up to
    /// its date − lag and not yet covered by another payout (`alreadyCovered` or an earlier payout
    /// of this run), less the commission rounded half away from zero on their sum. A difference is
    /// reported, never absorbed. Payouts are never allocated to bills.
    public static func check(payouts: [Payment], providerPayments: [Payment], alreadyCovered: Set<PaymentID>,
                             configuration: PayoutConfiguration) -> PayoutReport {
        let orderedPayouts = payouts.sorted { a, b in
            a.receivedOn != b.receivedOn ? a.receivedOn < b.receivedOn : a.id < b.id
        }
        let pending = providerPayments
            .filter { $0.source == .invoicebox }
            .sorted { a, b in a.receivedOn != b.receivedOn ? a.receivedOn < b.receivedOn : a.id < b.id }
        var covered = alreadyCovered
        var next = 0
        var report = PayoutReport(payouts: [], exceptions: [], covered: [])
        for payout in orderedPayouts {
            let cutoff = payout.receivedOn.adding(days: -configuration.settlementLagDays)
            var coveredNow: [PaymentID] = []
            var gross = Money.zero
            while next < pending.count, pending[next].receivedOn <= cutoff {
                let payment = pending[next]
                next += 1
                guard covered.insert(payment.id).inserted else { continue }
                coveredNow.append(payment.id)
                gross += payment.amount
            }
            let commission = configuration.commission.commission(on: gross)
            let expected = gross - commission
            let difference = payout.amount - expected
            report.payouts.append(PayoutReconciliation(
                payoutID: payout.id, date: payout.receivedOn, covered: coveredNow, gross: gross,
                commission: commission, expected: expected, actual: payout.amount, difference: difference))
            if !difference.isZero {
                report.exceptions.append(ReconcileException(
                    kind: .payoutDifference, severity: .error, paymentID: payout.id, expected: expected,
                    actual: payout.amount, coveredPayments: coveredNow,
                    message: "payout \(payout.id) of \(payout.receivedOn): expected \(expected) "
                        + "(\(coveredNow.count) provider payments of \(cutoff) and before, \(gross), less "
                        + "\(configuration.commission) commission \(commission)), received \(payout.amount), "
                        + "difference \(difference); covers "
                        + (coveredNow.isEmpty ? "no payments" : coveredNow.map(\.rawValue).joined(separator: ", "))))
            }
        }
        report.covered = covered
        return report
    }
}
