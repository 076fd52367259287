import Domain
import Reconcile
import Reports

/// The exceptions of reconciliation in words an accountant reads (the day's report is in Russian;
/// `run.json` keeps the matcher's own message for machines and logs).
enum RussianMessages {
    static func payment(_ payment: Payment?) -> String {
        guard let payment else { return "Платёж" }
        var text = payment.source == .invoicebox ? "Платёж через ИнвойсБокс" : "Платёж"
        if let number = payment.documentNumber { text += " п/п № \(number)" }
        text += " от \((payment.documentDate ?? payment.receivedOn).russian) на \(payment.amount.formatted(grouping: " ")) ₽"
        if let name = payment.payerName { text += " от \(name)" }
        if let inn = payment.payerINN { text += " (ИНН \(inn))" }
        return text
    }

    static func message(for exception: ReconcileException, payment: Payment?) -> String {
        let who = self.payment(payment)
        let quoted = exception.quoted.joined(separator: ", ")
        let bills = exception.billNumbers.map(\.rawValue).joined(separator: ", ")
        func money(_ value: Money?) -> String { (value ?? .zero).formatted(grouping: " ") }
        switch exception.kind {
        case .unknownBillQuoted:
            return "\(who): в назначении указан счёт \(quoted), такого счёта нет. Деньги не разнесены по другим счетам "
                + "и ждут решения как аванс покупателя."
        case .unmatchedPayment:
            return "\(who): плательщик не найден среди покупателей или ни одно правило не подошло; платёж не разнесён."
        case .ambiguousProviderID:
            return "\(who): номер заказа \(quoted.isEmpty ? bills : quoted) у провайдера не уникален и не определяет "
                + "заказ однозначно; платёж не разнесён."
        case .unknownProviderOrder:
            return "\(who): заказ провайдера \(quoted) не найден среди открытых счетов; платёж не разнесён."
        case .ambiguousReference:
            return "\(who): номер счёта «\(quoted)» подходит к нескольким счетам (\(bills)); платёж не разнесён."
        case .otherCustomerBill:
            return "\(who): оплачен счёт другого покупателя (\(bills)); проверьте, что это оплата за третье лицо."
        case .overpayment:
            return "\(who): переплата по счёту \(bills) оставлена авансом покупателя."
        case .partialPayment:
            return "\(who): частичная оплата счёта \(bills)."
        case .pinRejected:
            return "\(who): указание бухгалтера отнести платёж на счёт \(bills) не выполнено: \(exception.message)"
        case .pinCapped:
            return "\(who): указание бухгалтера по счёту \(bills) выполнено не полностью (не больше суммы платежа и долга)."
        case .duplicatePayment:
            return "\(who): повтор уже учтённого платежа; второй раз не учтён."
        case .invalidPayment:
            return "\(who): сумма платежа не положительная; платёж не рассматривался."
        case .payoutDifference:
            return "Выплата ИнвойсБокс на \(money(exception.actual)) ₽: ожидалось \(money(exception.expected)) ₽ "
                + "за \(exception.coveredPayments.count) платеж(ей) за вычетом комиссии; расхождение "
                + "\(money(exception.difference)) ₽ — не списано, требует разбора."
        }
    }

    static func kind(_ kind: ReconcileException.Kind) -> ExceptionRow.Kind {
        switch kind {
        case .unmatchedPayment: .unmatchedPayment
        case .ambiguousProviderID: .ambiguousProviderID
        case .payoutDifference: .payoutDifference
        case .unknownBillQuoted: .unknownBill
        case .unknownProviderOrder: .unknownProviderOrder
        case .ambiguousReference: .ambiguousReference
        default: .other
        }
    }
}
