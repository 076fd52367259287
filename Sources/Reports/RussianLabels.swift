import Domain

// The words the reports print for the shared values. One place, so the HTML,
// the CSV and the tests agree.

extension AllocationMethod {
    /// The rule in Russian words, as the payments register prints it.
    public var russianDescription: String {
        switch self {
        case .pin: "закреплено бухгалтером"
        case .provider: "по номеру заказа ИнвойсБокс"
        case .reference: "по номеру счёта в назначении"
        case .innExactAmount: "ИНН и точная сумма"
        case .innSubset: "ИНН и набор счетов на точную сумму"
        case .innOldestFirst: "ИНН, сначала старые счета"
        case .customerCredit: "зачёт переплаты покупателя"
        }
    }
}

extension Payment.Source {
    /// The source for people.
    public var russianDescription: String {
        switch self {
        case .invoicebox: "ИнвойсБокс"
        case .bank1C: "Банк (1С)"
        case .camt053: "Банк (camt.053)"
        }
    }
}

extension DocumentKind {
    /// The document's short Russian name.
    public var russianDescription: String {
        switch self {
        case .upd: "УПД"
        case .updCorrection: "Исправленный УПД"
        case .ukd: "УКД"
        case .advanceInvoice: "Счёт-фактура на аванс"
        }
    }
}

extension PaymentStatus {
    /// The status for people.
    public var russianDescription: String {
        switch self {
        case .allocated: "разнесён"
        case .partial: "разнесён частично"
        case .credit: "переплата — в кредит покупателя"
        case .refund: "переплата — к возврату"
        case .unmatched: "не разнесён"
        case .payout: "выплата ИнвойсБокс — сверена с платежами"
        }
    }
}

extension ExceptionRow.Kind {
    /// The kind for people.
    public var russianDescription: String {
        switch self {
        case .unmatchedPayment: "Неразнесённый платёж"
        case .ambiguousProviderID: "Неоднозначный номер заказа ИнвойсБокс"
        case .payoutDifference: "Расхождение в выплате ИнвойсБокс"
        case .unknownPayer: "Неизвестный плательщик"
        case .unknownBill: "Счёт из назначения не найден"
        case .unknownProviderOrder: "Заказ ИнвойсБокс не найден"
        case .ambiguousReference: "Неоднозначный номер счёта"
        case .customerChanged: "Изменились реквизиты покупателя"
        case .other: "Прочее"
        }
    }
}

extension WeighedRow.Treatment {
    /// What is done with the difference, for people.
    public var russianDescription: String {
        switch self {
        case .credit: "в кредит покупателя"
        case .refund: "к возврату покупателю"
        case .surcharge: "к доплате покупателем"
        }
    }
}

extension Return.Stage {
    /// The stage for people.
    public var russianDescription: String {
        switch self {
        case .beforeDeparture: "снято до отгрузки"
        case .afterDelivery: "возврат после доставки"
        }
    }
}

extension SourceSummary.State {
    /// The state for people.
    public var russianDescription: String {
        switch self {
        case .ok: "прочитан"
        case .partial: "прочитан, есть карантин"
        case .failed: "не прочитан"
        case .empty: "нет данных"
        }
    }
}

extension RunStatus.Outcome {
    /// The outcome for people.
    public var russianDescription: String {
        switch self {
        case .completed: "Выполнено"
        case .completedWithProblems: "Выполнено с замечаниями"
        case .failed: "Прервано с ошибкой"
        }
    }
}

/// The label of a payment source key as `SourceSummary.source` gives it.
func sourceLabel(_ key: String) -> String {
    if let source = Payment.Source(rawValue: key) { return source.russianDescription }
    switch key {
    case "orders-feed": return "Заказы магазина"
    default: return key
    }
}

/// `12 345,67` for the screen (no-break spaces between groups).
func screenMoney(_ money: Money) -> String { money.formatted() }

/// `12345,67` or `12345.67`: no grouping, as spreadsheets read numbers.
func plainMoney(_ money: Money, decimalSeparator: String) -> String {
    money.formatted(grouping: "", decimalSeparator: decimalSeparator)
}

/// `ЧЧ:ММ` Moscow time of an instant.
func moscowClock(_ timestamp: Timestamp) -> String {
    String(timestamp.moscowTimeFNS.prefix(5)).replacingDots()
}

extension String {
    func replacingDots() -> String { String(map { $0 == "." ? ":" : $0 }) }
}
