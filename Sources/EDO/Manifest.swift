import Domain
import Foundation

/// One file placed for the EDO operator (or archived, for paper-only buyers).
public struct ManifestEntry: Hashable, Sendable, Codable {
    /// Path relative to the day's folder (`edo/ON_NSCHFDOPPR_….xml`).
    public var file: String
    public var kind: DocumentKind
    public var number: String
    /// `YYYY-MM-DD`.
    public var date: CivilDate
    public var buyerINN: String
    public var totalWithoutVAT: Money
    public var vat: Money
    public var total: Money
    /// Lower-case hex SHA-256 of the file's bytes.
    public var sha256: String
    /// The detached signature beside it, when a signer is configured.
    public var signature: String?
    /// The buyer has no EDO id: archived with a printable form, not for the operator.
    public var paperOnly: Bool
    /// The printable HTML form (paper-only buyers).
    public var printForm: String?

    public init(file: String, kind: DocumentKind, number: String, date: CivilDate, buyerINN: String,
                totalWithoutVAT: Money, vat: Money, total: Money, sha256: String, signature: String? = nil,
                paperOnly: Bool = false, printForm: String? = nil) {
        self.file = file
        self.kind = kind
        self.number = number
        self.date = date
        self.buyerINN = buyerINN
        self.totalWithoutVAT = totalWithoutVAT
        self.vat = vat
        self.total = total
        self.sha256 = sha256
        self.signature = signature
        self.paperOnly = paperOnly
        self.printForm = printForm
    }

    enum CodingKeys: String, CodingKey {
        case file, kind, number, date, sha256, signature
        case buyerINN = "buyer_inn"
        case totalWithoutVAT = "total_without_vat"
        case vat, total
        case paperOnly = "paper_only"
        case printForm = "print_form"
    }
}

/// `manifest.json` of a business day: every file placed, with what it is and its hash.
public struct Manifest: Hashable, Sendable, Codable {
    public var version: Int
    public var businessDate: CivilDate
    public var files: [ManifestEntry]

    public init(businessDate: CivilDate, files: [ManifestEntry]) {
        self.version = 1
        self.businessDate = businessDate
        self.files = files.sorted { $0.file < $1.file }
    }

    enum CodingKeys: String, CodingKey {
        case version
        case businessDate = "business_date"
        case files
    }

    /// Deterministic JSON (sorted keys, pretty-printed): the same day gives the same bytes —
    /// `JSONEncoder`'s with `[.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]`, written without
    /// its tree of values.
    public func encoded() throws -> [UInt8] {
        var bytes = try SortedJSONEncoder(escapesSlashes: false, prettyPrinted: true).encode(self)
        bytes.append(0x0A)
        return bytes
    }
}
