import Domain
import Foundation
import Ledger
import Reports

/// The act of reconciliation (акт сверки взаиморасчётов) of one customer for a period, from the ledger.
public enum ActBuilder {
    /// Why an act cannot be made.
    public struct ActBuildError: Error, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    /// Builds the act: opening balance, every shipment (debit) and payment (credit) of the period with
    /// its document number and date, and the closing balance, exactly as the ledger has them.
    public static func build(ledger: Ledger, configuration: Configuration, customerINN: String, from: CivilDate,
                             to: CivilDate, date: CivilDate, customerOGRN: String?) throws -> ActOfReconciliation {
        guard from <= to else { throw ActBuildError(message: "--from \(from.iso) is after --to \(to.iso)") }
        return try ledger.read { reader in
            guard let customer = try reader.customer(inn: customerINN) else {
                throw ActBuildError(message: "no customer with ИНН \(customerINN) in the ledger")
            }
            let statement = try reader.statement(customerINN: customerINN, from: from, through: to)
            var entries: [ActOfReconciliation.Entry] = []
            for movement in statement.entries {
                entries.append(try entry(for: movement, reader: reader, prefix: configuration.numbering.prefix ?? ""))
            }
            let seller = configuration.seller
            let signer = configuration.signer
            let party = customer.party
            let actNumber = "\(customerINN)-\(to.compact)"
            return ActOfReconciliation(
                number: actNumber, date: date,
                seller: .init(kind: seller.inn.count == 12 ? .soleTrader : .legal, name: seller.name, inn: seller.inn,
                              kpp: seller.kpp, ogrn: seller.ogrn, email: seller.email, phone: seller.phone,
                              edoID: seller.edoID,
                              signer: .init(name: .init(surname: signer.surname, givenName: signer.name,
                                                        patronymic: signer.patronymic), position: signer.position)),
                customer: .init(kind: party.kind == .soleTrader ? .soleTrader : .legal, name: party.name, inn: party.inn.value,
                                kpp: party.kpp, ogrn: customerOGRN, person: soleTraderName(party), email: party.email,
                                edoID: party.edoID),
                periodFrom: from, periodTo: to, openingBalance: statement.opening, entries: entries)
        }
    }

    /// «ИП Смирнова Ольга Петровна» → the person's name, for a sole trader.
    static func soleTraderName(_ party: Party) -> ActOfReconciliation.PersonName? {
        guard party.kind == .soleTrader else { return nil }
        let words = party.name.replacingOccurrences(of: "ИП ", with: "").split(separator: " ").map(String.init)
        guard words.count >= 2 else { return nil }
        return .init(surname: words[0], givenName: words[1], patronymic: words.count > 2 ? words[2] : nil)
    }

    /// One line of the act, with the real document's number and date where the ledger has it.
    static func entry(for movement: BalanceMovement, reader: LedgerReader, prefix: String) throws -> ActOfReconciliation.Entry {
        let base = movement.id.split(separator: "@").first.map(String.init) ?? movement.id
        let parts = base.split(separator: ":", maxSplits: 1).map(String.init)
        let kind = parts.first ?? ""
        let key = parts.count > 1 ? parts[1] : ""
        switch kind {
        case "shipment":
            if let document = try reader.document(identity: "UPD:\(key)"), let number = document.number, document.status != .held {
                return .init(date: movement.date, kind: movement.id.contains("@") ? .correction : .sale,
                             documentNumber: prefix + String(number), documentDate: document.date, amount: movement.amount,
                             documentID: nil)
            }
            return .init(date: movement.date, kind: .other("Отгрузка без УПД (документ задержан)"), documentNumber: key,
                         documentDate: movement.date, amount: movement.amount)
        case "return":
            if let document = try reader.document(identity: "UKD:\(key)"), let number = document.number {
                return .init(date: movement.date, kind: .correction, documentNumber: prefix + String(number),
                             documentDate: document.date, amount: movement.amount, documentID: nil)
            }
        case "payment":
            let paymentID = PaymentID(String(key.split(separator: ":").dropLast().joined(separator: ":")))
            if let payment = try reader.payment(paymentID) {
                let number = payment.documentNumber ?? payment.providerOrderID.map { "ИБ-" + $0.rawValue.prefix(8) } ?? "—"
                return .init(date: movement.date, kind: .payment, documentNumber: number,
                             documentDate: payment.documentDate ?? payment.receivedOn, amount: movement.amount)
            }
        default:
            break
        }
        return .init(movement: movement)
    }
}
