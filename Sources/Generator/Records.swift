import Domain

/// One order in the provider's (ИнвойсБокс v3) order list.
struct ProviderRecord: Sendable {
    enum Status: String, Sendable { case completed, created, expired, canceled }

    let id: String
    let description: String
    let amount: Money
    let vat: Money
    let status: Status
    let createdAt: Timestamp
    let merchantOrderID: String
    let paidAt: Timestamp?
    let customerName: String
    let customerINN: String
    let customerEmail: String?
}

/// A party of a bank document.
struct Counterparty: Sendable {
    let name: String
    let inn: String
    let kpp: String?
    let bank: BankDetails
    /// The bank's city, as `ПлательщикБанк2` writes it.
    var bankCity: String { "г. Москва" }
}

/// One bank operation on one of the seller's accounts (a 1C document or a camt.053 entry).
struct BankOperation: Sendable {
    enum Direction: Sendable { case incoming, outgoing }

    /// The payment order's number (`Номер`, camt `EndToEndId`).
    let number: String
    let date: CivilDate
    let amount: Money
    let payer: Counterparty
    let payee: Counterparty
    /// The purpose, in the pieces it is written in (one piece, or `НазначениеПлатежа1…3` / several `Ustrd`).
    let purpose: [String]
    let direction: Direction
    /// camt.053 only: `BOOK` (final) or `PDNG`.
    var booked = true
    /// camt.053 only: the bank's reference of the entry (`AcctSvcrRef`).
    var reference = ""
    /// 1C only: whether `Сумма` is written without kopecks when whole (`5000`).
    var wholeRoublesWritten = false
    /// Which scenario produced it (for the summary and tests).
    let kind: Kind

    enum Kind: String, Sendable, CaseIterable {
        case exact, partial, over, multiBill = "multi-bill", unreferenced, postpaid, wrongBill = "wrong-bill"
        case unknownPayer = "unknown-payer", payout, outgoing, pending
    }

    /// The purpose as one line (how readers join the pieces).
    var purposeText: String { purpose.joined(separator: " ") }

    /// The account of ours this operation is on.
    var ourAccount: String { direction == .incoming ? payee.bank.account : payer.bank.account }
}
