import Domain

/// The names sverka gives its sources, as they appear in diagnostics, quarantine keys and reports.
public enum SourceName {
    /// The shop's B2B orders feed.
    public static let ordersFeed = "orders-feed"
    /// The payment provider ИнвойсБокс (API v3).
    public static let invoicebox = Payment.Source.invoicebox.rawValue
    /// A bank statement in 1CClientBankExchange format.
    public static let bank1C = Payment.Source.bank1C.rawValue
    /// A bank statement in ISO 20022 camt.053.
    public static let camt053 = Payment.Source.camt053.rawValue
}

/// A source that could not be read as a whole: the day is not complete without it.
///
/// Unlike a quarantined record (one bad order or payment among good ones), this stops the
/// source: the page is not JSON, the envelope contradicts the request, the statement is
/// truncated, the XML is hostile, the server keeps failing.
public struct SourceError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The source (`orders-feed`, `invoicebox`, `bank-1c`, `bank-camt053`).
    public var source: String
    /// Where it was read from: a URL without credentials or query secrets, or a file name.
    public var location: String?
    /// The line of the input at fault, when there is one.
    public var line: Int?
    /// Why, in plain words.
    public var reason: String

    /// An error of `source`.
    public init(source: String, location: String? = nil, line: Int? = nil, reason: String) {
        self.source = source
        self.location = location
        self.line = line
        self.reason = reason
    }

    /// A one-line summary.
    public var description: String {
        var text = source
        if let location { text += " (\(location))" }
        text += ": "
        if let line { text += "line \(line): " }
        return text + reason
    }

    /// The same error, told where it was read from.
    func at(_ location: String?) -> SourceError {
        var copy = self
        if copy.location == nil { copy.location = location }
        return copy
    }
}

/// A stable, short fingerprint of a record's raw text, for quarantine keys.
func fingerprint(_ text: String) -> String {
    String(SHA256.hex(Array(text.utf8)).prefix(16))
}
