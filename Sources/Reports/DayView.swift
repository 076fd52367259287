import Domain

// The day's report as the template sees it: every value already a string, every
// total summed from the rows. Templates read stored properties by name (mustache
// reflects them), so the names below are the template's vocabulary; docs/reports.md
// lists them for operators who write their own layout.

struct DayView {
    struct Card {
        let title: String
        let value: String
        let detail: String
        let alert: Bool
    }

    struct Source {
        let label: String
        let origin: String
        let state: String
        let read: Int
        let quarantined: Int
        let message: String
        let failed: Bool
    }

    struct AllocationLine {
        let bill: String
        let order: String
        let amount: String
        let rule: String
    }

    struct PaymentLine {
        let id: String
        let source: String
        let date: String
        let documentNumber: String?
        let payer: String
        let payerINN: String?
        let amount: String
        let purpose: String
        let allocations: [AllocationLine]
        let unallocated: String
        let hasUnallocated: Bool
        let status: String
        let unmatched: Bool

        init(_ payment: PaymentRow) {
            let m = screenMoney
            id = payment.id.rawValue
            source = payment.source.russianDescription
            date = payment.receivedOn.russian
            documentNumber = nonEmpty(payment.documentNumber)
            payer = payment.payerName ?? ""
            payerINN = nonEmpty(payment.payerINN)
            amount = m(payment.amount)
            purpose = payment.purpose
            allocations = payment.allocations.map {
                AllocationLine(bill: $0.billNumber.rawValue, order: $0.orderID.rawValue, amount: m($0.amount),
                               rule: $0.method.russianDescription)
            }
            unallocated = m(payment.unallocated)
            hasUnallocated = !payment.unallocated.isZero
            status = payment.status.russianDescription
            unmatched = payment.status == .unmatched
        }
    }

    struct ExceptionLine {
        let kind: String
        let reference: String
        let amount: String
        let message: String
        let candidates: [String]
    }

    struct DocumentLine {
        let kind: String
        let number: String
        let correction: String?
        let date: String
        let order: String?
        let buyer: String
        let buyerINN: String
        let withoutVAT: String
        let vat: String
        let total: String
        let file: String
        let paperOnly: Bool

        init(_ row: DocumentRow) {
            kind = row.kind.russianDescription
            number = row.number.rawValue
            correction = row.correctionNumber.map { "испр. \($0)" }
            date = row.date.russian
            order = row.orderID?.rawValue
            buyer = row.buyerName
            buyerINN = row.buyerINN
            withoutVAT = screenMoney(row.totalWithoutVAT)
            vat = screenMoney(row.vat)
            total = screenMoney(row.total)
            file = row.fileName
            paperOnly = row.paperOnly
        }
    }

    struct HeldLine {
        let kind: String
        let order: String
        let reference: String
        let buyer: String
        let buyerINN: String?
        let amount: String
        let reason: String
    }

    struct QuarantineLine {
        let source: String
        let record: String
        let field: String
        let message: String
        let raw: String
    }

    struct WeighedLine {
        let order: String
        let bill: String
        let customer: String
        let customerINN: String
        let billAmount: String
        let shippedValue: String
        let difference: String
        let treatment: String
    }

    struct ReturnLine {
        let order: String
        let returnID: String
        let stage: String
        let date: String
        let customer: String
        let reason: String
        let amount: String
        let document: String
        let file: String?
    }

    struct ReceivableLine {
        let customer: String
        let inn: String
        let creditLimit: String
        let balance: String
        let notDue: String
        let d1to30: String
        let d31to60: String
        let d61to90: String
        let over90: String
        let overdue: String
        let stopList: String
        let onStopList: Bool
        let overLimit: Bool
    }

    struct Totals {
        let moneyIn: String
        let allocated: String
        let unallocated: String
        let exceptionAmount: String
        let documentsWithoutVAT: String
        let documentsVAT: String
        let documentsTotal: String
        let heldAmount: String
        let weighedBillAmount: String
        let weighedShippedValue: String
        let weighedDifference: String
        let returnsAmount: String
        let creditLimit: String
        let balance: String
        let notDue: String
        let d1to30: String
        let d31to60: String
        let d61to90: String
        let over90: String
        let overdue: String
    }

    let title: String
    let date: String
    let generatedAt: String?
    let seller: String
    let sellerINN: String
    let sellerKPP: String?
    let outcome: String
    let outcomeClass: String
    let runTimes: String?
    let notes: [String]
    let hasNotes: Bool
    let cards: [Card]
    let sources: [Source]
    let hasSources: Bool
    let moneyChart: BarChart
    let ageingChart: BarChart
    let payments: LazyMapCollection<[PaymentRow], PaymentLine>
    let hasPayments: Bool
    let paymentCount: Int
    let exceptions: LazyMapCollection<[ExceptionRow], ExceptionLine>
    let hasExceptions: Bool
    let held: LazyMapCollection<[HeldRow], HeldLine>
    let hasHeld: Bool
    let quarantined: LazyMapCollection<[QuarantinedRecord], QuarantineLine>
    let hasQuarantined: Bool
    let nothingToResolve: Bool
    let exceptionCount: Int
    let documents: LazyMapCollection<[DocumentRow], DocumentLine>
    let hasDocuments: Bool
    let documentCount: Int
    let weighed: LazyMapCollection<[WeighedRow], WeighedLine>
    let hasWeighed: Bool
    let weighedCount: Int
    let returns: LazyMapCollection<[ReturnRow], ReturnLine>
    let hasReturns: Bool
    let returnCount: Int
    let receivables: LazyMapCollection<[ReceivableRow], ReceivableLine>
    let hasReceivables: Bool
    let receivableCount: Int
    let totals: Totals

    /// The payments register's size and the allocations card come from `sums` (which count a
    /// `PaymentRegister`'s rows when the payments are written apart from `input.payments`).
    ///
    /// - Parameter registeredDocuments: rows of the documents register written apart from
    ///   `input.documents` (a `DocumentRegister`'s), counted in the register's size.
    init(_ input: DayReportInput, totals sums: DayReportTotals, registeredDocuments: Int = 0) {
        let m = screenMoney
        let date = input.businessDate.russian
        title = "Отчёт за день \(date)"
        self.date = date
        generatedAt = input.generatedAt.map { "\($0.moscowDate.russian) \(moscowClock($0)) МСК" }
        seller = input.seller.name
        sellerINN = input.seller.inn
        sellerKPP = nonEmpty(input.seller.kpp)
        outcome = input.runStatus.outcome.russianDescription
        outcomeClass = input.runStatus.outcome.rawValue
        if let start = input.runStatus.startedAt, let finish = input.runStatus.finishedAt {
            runTimes = "\(moscowClock(start))–\(moscowClock(finish)) МСК"
        } else {
            runTimes = nil
        }
        notes = input.runStatus.notes
        hasNotes = !notes.isEmpty

        let kindCounts = DocumentKind.allCases.compactMap { kind -> String? in
            guard let count = sums.documentCountByKind[kind], count > 0 else { return nil }
            return "\(kind.russianDescription): \(count)"
        }
        let issuedCount = sums.documentCountByKind.values.reduce(0, +)
        cards = [
            Card(title: "Поступило", value: m(sums.moneyIn),
                 detail: "\(sums.paymentCount) \(AmountInWords.plural(UInt64(sums.paymentCount), "платёж", "платежа", "платежей"))",
                 alert: false),
            Card(title: "Разнесено по счетам", value: m(sums.allocated),
                 detail: "разнесений: \(sums.allocationCount)", alert: false),
            Card(title: "Не разнесено", value: m(sums.unmatchedAmount),
                 detail: "\(sums.unmatchedCount) \(AmountInWords.plural(UInt64(sums.unmatchedCount), "платёж", "платежа", "платежей")) без счёта",
                 alert: sums.unmatchedCount > 0),
            Card(title: "Переплаты в кредит", value: m(sums.credits),
                 detail: "платежи \(m(sums.overpaymentCredit)), весовой товар \(m(sums.weighedCredit))", alert: false),
            Card(title: "К возврату покупателям", value: m(sums.refunds),
                 detail: "платежи \(m(sums.overpaymentRefund)), весовой товар \(m(sums.weighedRefund))", alert: false),
            Card(title: "Документы выпущены", value: "\(issuedCount)",
                 detail: kindCounts.isEmpty ? "нет" : kindCounts.joined(separator: ", ")
                    + (sums.paperOnlyCount > 0 ? "; на бумаге: \(sums.paperOnlyCount)" : ""),
                 alert: false),
            Card(title: "Документы задержаны", value: "\(sums.heldCount)",
                 detail: sums.heldCount > 0 ? "на сумму \(m(sums.heldAmount))" : "нет", alert: sums.heldCount > 0),
            Card(title: "Весовой товар", value: "\(input.weighedCorrections.count)",
                 detail: "корректировок, разница \(m(sums.weighedDifference))", alert: false),
            Card(title: "Стоп-лист", value: "\(sums.stopListCount)",
                 detail: AmountInWords.plural(UInt64(sums.stopListCount), "покупатель", "покупателя", "покупателей"),
                 alert: sums.stopListCount > 0),
        ]

        sources = input.sources.map {
            Source(label: sourceLabel($0.source), origin: $0.origin, state: $0.state.russianDescription,
                   read: $0.recordsRead, quarantined: $0.recordsQuarantined, message: $0.message ?? "",
                   failed: $0.state == .failed)
        }
        hasSources = !sources.isEmpty

        let palette = ["#2f6db5", "#3f8f6b", "#8a63b8"]
        moneyChart = BarChart(title: "Поступления по источникам", items: sums.moneyInBySource.enumerated().map {
            (label: $0.element.source.russianDescription, amount: $0.element.amount, color: palette[$0.offset % palette.count])
        })
        ageingChart = BarChart(title: "Дебиторская задолженность по срокам", items: [
            (label: "Срок не наступил", amount: sums.notDue, color: "#3f8f6b"),
            (label: "1–30 дней", amount: sums.overdue1to30, color: "#d4a72c"),
            (label: "31–60 дней", amount: sums.overdue31to60, color: "#e07b24"),
            (label: "61–90 дней", amount: sums.overdue61to90, color: "#d1472f"),
            (label: "более 90 дней", amount: sums.overdueOver90, color: "#9b1c1c"),
        ])

        payments = input.payments.lazy.map(PaymentLine.init)
        paymentCount = sums.paymentCount
        hasPayments = paymentCount > 0

        exceptions = input.exceptions.lazy.map { row in
            ExceptionLine(kind: row.kind.russianDescription, reference: row.reference, amount: row.amount.map(m) ?? "",
                          message: row.message,
                          candidates: row.candidates.map { DayReport.candidateText($0, money: { $0.map(m) ?? "" }) })
        }
        hasExceptions = !exceptions.isEmpty
        held = input.held.lazy.map {
            HeldLine(kind: $0.kind.russianDescription, order: $0.orderID.rawValue, reference: $0.reference,
                     buyer: $0.buyerName ?? "", buyerINN: nonEmpty($0.buyerINN), amount: $0.amount.map(m) ?? "",
                     reason: $0.reason)
        }
        hasHeld = !held.isEmpty
        quarantined = input.quarantined.lazy.map {
            QuarantineLine(source: sourceLabel($0.diagnostic.source), record: $0.diagnostic.record,
                           field: $0.diagnostic.field ?? "", message: $0.diagnostic.message,
                           raw: String($0.raw.prefix(2000)))
        }
        hasQuarantined = !quarantined.isEmpty
        nothingToResolve = !hasExceptions && !hasHeld && !hasQuarantined
        exceptionCount = sums.exceptionCount

        documents = input.documents.lazy.map(DocumentLine.init)
        documentCount = documents.count + registeredDocuments
        hasDocuments = documentCount > 0

        weighed = input.weighedCorrections.lazy.map {
            WeighedLine(order: $0.orderID.rawValue, bill: $0.billNumber.rawValue, customer: $0.customerName,
                        customerINN: $0.customerINN, billAmount: m($0.billAmount), shippedValue: m($0.shippedValue),
                        difference: m($0.difference), treatment: $0.treatment.russianDescription)
        }
        hasWeighed = !weighed.isEmpty
        weighedCount = weighed.count

        returns = input.returns.lazy.map {
            ReturnLine(order: $0.orderID.rawValue, returnID: $0.returnID.rawValue, stage: $0.stage.russianDescription,
                       date: $0.date.russian, customer: $0.customerName, reason: $0.reason, amount: m($0.amount),
                       document: $0.document ?? ($0.stage == .beforeDeparture ? "не требуется" : "нет"),
                       file: nonEmpty($0.documentFile))
        }
        hasReturns = !returns.isEmpty
        returnCount = returns.count

        receivables = input.receivables.lazy.map {
            ReceivableLine(customer: $0.customerName, inn: $0.customerINN, creditLimit: m($0.creditLimit),
                           balance: m($0.balance), notDue: m($0.notDue), d1to30: m($0.overdue1to30),
                           d31to60: m($0.overdue31to60), d61to90: m($0.overdue61to90), over90: m($0.overdueOver90),
                           overdue: m($0.overdue), stopList: $0.stopListReason ?? "",
                           onStopList: $0.stopListReason != nil,
                           overLimit: $0.creditLimit.isPositive && $0.balance > $0.creditLimit)
        }
        hasReceivables = !receivables.isEmpty
        receivableCount = receivables.count

        totals = Totals(
            moneyIn: m(sums.moneyIn), allocated: m(sums.allocated), unallocated: m(sums.unallocated),
            exceptionAmount: m(sums.exceptionAmount), documentsWithoutVAT: m(sums.documentsWithoutVAT),
            documentsVAT: m(sums.documentsVAT), documentsTotal: m(sums.documentsTotal), heldAmount: m(sums.heldAmount),
            weighedBillAmount: m(sums.weighedBillAmount), weighedShippedValue: m(sums.weighedShippedValue),
            weighedDifference: m(sums.weighedDifference), returnsAmount: m(sums.returnsAmount),
            creditLimit: m(sums.creditLimit), balance: m(sums.balance), notDue: m(sums.notDue),
            d1to30: m(sums.overdue1to30), d31to60: m(sums.overdue31to60), d61to90: m(sums.overdue61to90),
            over90: m(sums.overdueOver90), overdue: m(sums.overdue))
    }
}

/// `nil` for a missing or empty string, so a template's `{{#field}}` section is skipped.
func nonEmpty(_ text: String?) -> String? {
    guard let text, !text.isEmpty else { return nil }
    return text
}
