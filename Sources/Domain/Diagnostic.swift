/// A problem with one record, collected for the day's report instead of stopping the run.
///
/// The message names the source, the record, the field and why, so an
/// accountant or an operator can find it without the ledger:
/// `orders-feed page 2, order ORD-17, customer.inn: check digit is 3, expected 7`.
public struct Diagnostic: Hashable, Sendable, Codable, CustomStringConvertible {
    public enum Severity: String, Hashable, Sendable, Codable, Comparable {
        case info, warning, error

        private var rank: Int {
            switch self {
            case .info: 0
            case .warning: 1
            case .error: 2
            }
        }

        public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs.rank < rhs.rank }
    }

    public var severity: Severity
    /// A short, bounded kind for grouping and metrics (`quarantined`, `unmatched-payment`, `held-document`, …).
    public var kind: String
    /// Where the record came from (`orders-feed`, `bank-1c`, `invoicebox`, …).
    public var source: String
    /// The record: its position and id (`page 2, order ORD-17`, `line 118, document №482`).
    public var record: String
    /// The field at fault, when one is (`customer.inn`).
    public var field: String?
    /// Why, in plain words.
    public var message: String

    public init(severity: Severity = .error, kind: String, source: String, record: String, field: String? = nil,
                message: String) {
        self.severity = severity
        self.kind = kind
        self.source = source
        self.record = record
        self.field = field
        self.message = message
    }

    public var description: String {
        var text = "\(source) \(record)"
        if let field { text += ", \(field)" }
        return text + ": " + message
    }
}

/// A source record that broke its contract: kept whole, with why, so nothing is lost.
/// It does not reach the ledger's orders or payments; the day's report lists it.
public struct QuarantinedRecord: Hashable, Sendable, Codable {
    /// The problem (source, position, field, reason).
    public var diagnostic: Diagnostic
    /// A stable key for the record (source + position or the record's own id), so
    /// re-reading the same source quarantines it once.
    public var key: String
    /// The record as it was read (JSON text, the statement's lines).
    public var raw: String

    public init(diagnostic: Diagnostic, key: String, raw: String) {
        self.diagnostic = diagnostic
        self.key = key
        self.raw = raw
    }
}
