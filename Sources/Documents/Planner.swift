import Domain

/// Decides which documents a business day issues: a pure function of `DocumentsInput`.
///
/// * one УПД per shipment that left a warehouse (dated the shipment day);
/// * a corrected УПД (same number and date, next `НомИспр`) when a УПД was issued and the
///   shipment's quantities changed since (a `before_departure` return recorded late);
/// * a УКД per `after_delivery` return (or agreed lower weight) against the shipment's УПД;
/// * an advance invoice per prepayment not followed by a shipment within five days or before
///   its quarter ended.
///
/// Documents already issued (same identity, same content) are not planned again.
/// Problems that make a document wrong (a mercury line without ВСД, a line the order does not
/// have) hold it back with reasons; nothing partial is planned.
public enum DocumentPlanner {
    /// Plans the day's documents and holds, in a stable order (orders by id, then shipments, returns, advances).
    public static func plan(_ input: DocumentsInput) -> DocumentPlan {
        var documents: [PlannedDocument] = []
        var holds: [DocumentHold] = []
        let orders = input.orders.sorted { $0.id < $1.id }
        // Looked up per order and per prepayment: indexed once (a day has 100 000 orders).
        var priorByOrder: [OrderID: [PriorDocument]] = [:]
        for document in input.priorDocuments where document.status != .held {
            priorByOrder[document.orderID, default: []].append(document)
        }
        var orderByID: [OrderID: Order] = [:]
        for order in input.orders where orderByID[order.id] == nil { orderByID[order.id] = order }
        var appliedByOrder: [OrderID: [AppliedPayment]] = [:]
        for payment in input.appliedPayments { appliedByOrder[payment.orderID, default: []].append(payment) }
        for order in orders where order.status != .cancelled {
            let prior = priorByOrder[order.id] ?? []
            // The order's own payments only: the same result as the whole list, without scanning it.
            var input = input
            input.appliedPayments = appliedByOrder[order.id] ?? []
            for shipment in order.shipments.sorted(by: { ($0.departedAt, $0.id) < ($1.departedAt, $1.id) })
            where shipment.date <= input.businessDay {
                switch planShipment(order: order, shipment: shipment, prior: prior, input: input) {
                case .document(let document): documents.append(document)
                case .hold(let hold): holds.append(hold)
                case .nothing: break
                }
            }
            var ukdLines: [ShipmentID: [Int: LineAmounts]] = [:]
            for ret in order.returns.sorted(by: { ($0.at, $0.id) < ($1.at, $1.id) })
            where ret.stage == .afterDelivery && ret.at.moscowDate <= input.businessDay {
                switch planReturn(order: order, ret: ret, prior: prior, input: input, inRun: &ukdLines) {
                case .document(let document): documents.append(document)
                case .hold(let hold): holds.append(hold)
                case .nothing: break
                }
            }
        }
        for prepayment in input.prepayments.sorted(by: { ($0.receivedOn, $0.paymentID, $0.orderID) < ($1.receivedOn, $1.paymentID, $1.orderID) }) {
            guard let order = orderByID[prepayment.orderID] else { continue }
            let prior = priorByOrder[order.id] ?? []
            switch planAdvance(order: order, prepayment: prepayment, prior: prior, input: input) {
            case .document(let document): documents.append(document)
            case .hold(let hold): holds.append(hold)
            case .nothing: break
            }
        }
        return DocumentPlan(documents: documents, holds: holds)
    }

    enum Outcome {
        case document(PlannedDocument)
        case hold(DocumentHold)
        case nothing
    }

    // MARK: Identity keys

    /// `UPD:<shipment id>`.
    public static func updKey(_ shipment: ShipmentID) -> String { "UPD:\(shipment)" }
    /// `UKD:<return id>`.
    public static func ukdKey(_ ret: ReturnID) -> String { "UKD:\(ret)" }
    /// `ADV:<payment id>:<order id>`.
    public static func advanceKey(payment: PaymentID, order: OrderID) -> String { "ADV:\(payment):\(order)" }

    // MARK: УПД and its corrections

    static func planShipment(order: Order, shipment: Shipment, prior: [PriorDocument], input: DocumentsInput) -> Outcome {
        let key = updKey(shipment.id)
        let issued = prior.filter { $0.identityKey == key }.max { $0.correctionNumber < $1.correctionNumber }
        let kind: Domain.DocumentKind = issued == nil ? .upd : .updCorrection
        var reasons: [String] = []
        var lines: [InvoiceLine] = []
        var records: [DocumentLineRecord] = []
        lines.reserveCapacity(shipment.lines.count)
        records.reserveCapacity(shipment.lines.count)
        for shipped in shipment.lines.sorted(by: { $0.lineNo < $1.lineNo }) where !shipped.quantity.isZero {
            guard let ordered = order.line(shipped.lineNo) else {
                reasons.append("отгрузка \(shipment.id): строки \(shipped.lineNo) нет в заказе")
                continue
            }
            guard shipped.quantity.isPositive else {
                reasons.append("строка \(shipped.lineNo) «\(ordered.name)»: отрицательное количество \(shipped.quantity)")
                continue
            }
            if ordered.mercury && shipped.vsd.isEmpty {
                reasons.append("строка \(shipped.lineNo) «\(ordered.name)»: нет ВСД ФГИС «Меркурий»")
            }
            let amounts = LineAmounts(quantity: shipped.quantity, unitPriceWithVAT: ordered.price, rate: ordered.vatRate)
            let orderedQuantity: ExactDecimal? = ordered.weighed || shipped.quantity != ordered.quantity ? ordered.quantity : nil
            lines.append(InvoiceLine(
                number: lines.count + 1, orderLineNo: ordered.lineNo, name: ordered.name, sku: ordered.sku, gtin: ordered.gtin,
                goods: .init(unit: ordered.unit, amounts: amounts, orderedQuantity: orderedQuantity),
                vsd: ordered.mercury ? shipped.vsd : []))
            records.append(DocumentLineRecord(lineNo: ordered.lineNo, amounts: amounts))
        }
        if let issued {
            // Nothing changed since the last version: nothing to issue.
            if sameQuantities(issued.lines, records) { return .nothing }
            if lines.isEmpty {
                reasons.append("отгрузка \(shipment.id): все строки сняты, исправленный УПД без строк невозможен — нужна аннулирование через оператора")
            }
        } else if lines.isEmpty {
            return .nothing
        }
        if !reasons.isEmpty {
            return .hold(DocumentHold(kind: kind, identityKey: key, orderID: order.id, reasons: reasons))
        }
        let config = input.configuration
        let correction = issued.map { InvoiceDraft.Correction(number: $0.correctionNumber + 1, date: input.businessDay) }
        let documentDate = issued?.date ?? shipment.date
        let draft = InvoiceDraft(
            function: .invoiceAndTransfer,
            date: documentDate,
            correction: correction,
            formationDate: correction?.date ?? shipment.date,
            formationTime: correction == nil ? shipment.departedAt.moscowTimeFNS : config.fixedFormationTime,
            seller: Participant(party: config.seller),
            shipper: shipperParticipant(config.seller, shipment.warehouse),
            consignee: Participant(party: order.receiver),
            buyer: Participant(party: order.customer),
            paymentDocuments: paymentDocuments(order: order, until: documentDate, input: input),
            isAdvance: false,
            lines: lines,
            transfer: .init(content: "Товары переданы", kind: "Продажа", date: shipment.date,
                            basis: billReference(order.bill)),
            signer: config.signer,
            information: orderInformation(order, shipment: shipment))
        return .document(PlannedDocument(
            kind: kind, identityKey: key, orderID: order.id, shipmentID: shipment.id,
            correctionNumber: correction?.number ?? 0, requiredNumber: issued?.number,
            paperOnly: order.customer.edoID == nil, content: .invoice(draft), lineRecords: records))
    }

    static func sameQuantities(_ a: [DocumentLineRecord], _ b: [DocumentLineRecord]) -> Bool {
        let left = Dictionary(a.map { ($0.lineNo, $0.amounts.quantity) }, uniquingKeysWith: { first, _ in first })
        let right = Dictionary(b.map { ($0.lineNo, $0.amounts.quantity) }, uniquingKeysWith: { first, _ in first })
        return left == right
    }

    /// The warehouse as shipper: the seller's organisation at the warehouse's address, with the
    /// warehouse's own КПП when it is a separate division.
    static func shipperParticipant(_ seller: Party, _ warehouse: Warehouse) -> Participant {
        Participant(party: seller, kpp: warehouse.kpp ?? seller.kpp, address: warehouse.address, structuralUnit: warehouse.name)
    }

    static func billReference(_ bill: Bill) -> DocumentReference {
        DocumentReference(name: "Счет на оплату", number: bill.number.rawValue, date: bill.date)
    }

    static func orderInformation(_ order: Order, shipment: Shipment?) -> [InformationField] {
        var fields = [InformationField(key: "НомерЗаказа", value: order.number),
                      InformationField(key: "ИдЗаказа", value: order.id.rawValue)]
        if let shipment { fields.append(InformationField(key: "ИдОтгрузки", value: shipment.id.rawValue)) }
        return fields
    }

    /// Payments applied to a prepaid order and received by the document date (`СвПРД`).
    static func paymentDocuments(order: Order, until date: CivilDate, input: DocumentsInput) -> [PaymentDocument] {
        guard order.terms.payment == .prepaid else { return [] }
        return input.appliedPayments
            .filter { $0.orderID == order.id && $0.date <= date && $0.amount.isPositive }
            .sorted { ($0.date, $0.paymentID) < ($1.date, $1.paymentID) }
            .map { PaymentDocument(number: paymentNumber($0.number), date: $0.date, amount: $0.amount) }
    }

    /// `НомерПРД` holds 1–30 characters: a longer reference keeps its last 30, an empty one is «б/н».
    static func paymentNumber(_ number: String) -> String {
        if number.isEmpty { return "б/н" }
        return number.count > 30 ? String(number.suffix(30)) : number
    }

    // MARK: УКД

    static func planReturn(order: Order, ret: Return, prior: [PriorDocument], input: DocumentsInput,
                           inRun: inout [ShipmentID: [Int: LineAmounts]]) -> Outcome {
        let key = ukdKey(ret.id)
        if prior.contains(where: { $0.identityKey == key }) { return .nothing }
        let updIdentity = updKey(ret.shipmentID)
        guard let upd = prior.filter({ $0.identityKey == updIdentity }).max(by: { $0.correctionNumber < $1.correctionNumber }) else {
            return .hold(DocumentHold(kind: .ukd, identityKey: key, orderID: order.id, reasons: [
                "возврат \(ret.id): УПД по отгрузке \(ret.shipmentID) ещё не выставлен — УКД будет выставлен после него"]))
        }
        // "Before" = the latest value of each line: the УПД, then earlier УКД in date order, then this run's.
        var current: [Int: LineAmounts] = [:]
        for line in upd.lines { current[line.lineNo] = line.amounts }
        let earlierUKD = prior.filter { $0.kind == .ukd && $0.shipmentID == ret.shipmentID }
            .sorted { ($0.date, $0.identityKey) < ($1.date, $1.identityKey) }
        for document in earlierUKD {
            for line in document.lines { current[line.lineNo] = line.amounts }
        }
        for (lineNo, amounts) in inRun[ret.shipmentID] ?? [:] { current[lineNo] = amounts }

        let uPDLineNumbers = Dictionary(upd.lines.enumerated().map { ($0.element.lineNo, $0.offset + 1) },
                                        uniquingKeysWith: { first, _ in first })
        var reasons: [String] = []
        var lines: [CorrectionLine] = []
        var records: [DocumentLineRecord] = []
        for returned in ret.lines.sorted(by: { $0.lineNo < $1.lineNo }) where !returned.quantity.isZero {
            guard let ordered = order.line(returned.lineNo), let before = current[returned.lineNo],
                  let originalNumber = uPDLineNumbers[returned.lineNo] else {
                reasons.append("возврат \(ret.id): строки \(returned.lineNo) нет в УПД № \(upd.number)")
                continue
            }
            let remaining = before.quantity - returned.quantity
            guard returned.quantity.isPositive, !remaining.isNegative else {
                reasons.append("строка \(returned.lineNo) «\(ordered.name)»: возвращено \(returned.quantity) при отгруженных \(before.quantity)")
                continue
            }
            let recomputed = LineAmounts(quantity: remaining, unitPriceWithVAT: before.unitPriceWithVAT, rate: before.rate)
            let after = remaining.isZero
                ? LineAmounts(quantity: remaining, unitPriceWithVAT: before.unitPriceWithVAT, rate: before.rate,
                              total: .zero, vat: .zero, totalWithoutVAT: .zero, unitPriceWithoutVAT: before.unitPriceWithoutVAT)
                : recomputed
            lines.append(CorrectionLine(number: lines.count + 1, originalLineNumber: originalNumber, orderLineNo: ordered.lineNo,
                                        name: ordered.name, unit: ordered.unit, before: before, after: after))
            records.append(DocumentLineRecord(lineNo: ordered.lineNo, amounts: after))
        }
        if lines.isEmpty && reasons.isEmpty { return .nothing }
        if !reasons.isEmpty {
            return .hold(DocumentHold(kind: .ukd, identityKey: key, orderID: order.id, reasons: reasons))
        }
        for record in records { inRun[ret.shipmentID, default: [:]][record.lineNo] = record.amounts }
        let config = input.configuration
        let returnDay = ret.at.moscowDate
        let draft = CorrectionDraft(
            date: returnDay, formationDate: returnDay, formationTime: ret.at.moscowTimeFNS,
            original: DocumentReference(name: "Универсальный передаточный документ", number: upd.number.rawValue, date: upd.date),
            originalCorrection: upd.correctionNumber > 0
                ? upd.correctionDate.map { InvoiceDraft.Correction(number: upd.correctionNumber, date: $0) } : nil,
            seller: Participant(party: config.seller),
            buyer: Participant(party: order.customer),
            lines: lines,
            basis: DocumentReference(name: "Акт о возврате товаров", number: ret.id.rawValue, date: returnDay),
            operation: "Изменение стоимости отгруженных товаров: " + ret.reason,
            signer: config.signer,
            information: orderInformation(order, shipment: nil) + [InformationField(key: "ИдВозврата", value: ret.id.rawValue)])
        return .document(PlannedDocument(
            kind: .ukd, identityKey: key, orderID: order.id, shipmentID: ret.shipmentID, correctionNumber: 0,
            requiredNumber: nil, paperOnly: order.customer.edoID == nil, content: .correction(draft), lineRecords: records))
    }

    // MARK: Advance invoices

    /// The day by which an advance invoice is due: five days after receipt, or the last day of
    /// the receipt's quarter when that comes first.
    public static func advanceDeadline(receivedOn: CivilDate) -> CivilDate {
        let fiveDays = receivedOn.adding(days: 5)
        let quarterEndMonth = receivedOn.quarter * 3
        let quarterEnd = CivilDate(year: receivedOn.year, month: quarterEndMonth,
                                   day: CivilDate.daysIn(month: quarterEndMonth, year: receivedOn.year)) ?? fiveDays
        return min(fiveDays, quarterEnd)
    }

    /// Splits an advance over the VAT rates of the bill's lines in proportion to their values
    /// (quantity × price with VAT, by Domain's rounding); the remainder goes to the last rate.
    /// Rates keep the order of their first line. 0% and without-VAT parts are dropped afterwards
    /// (no advance invoice for them), so their share is never charged VAT.
    public static func splitAdvance(_ amount: Money, over lines: [OrderLine]) -> [(rate: VATRate, amount: Money)] {
        var rates: [VATRate] = []
        var values: [VATRate: Money] = [:]
        for line in lines {
            let value = LineAmounts(quantity: line.quantity, unitPriceWithVAT: line.price, rate: line.vatRate).total
            if values[line.vatRate] == nil { rates.append(line.vatRate) }
            values[line.vatRate, default: .zero] += value
        }
        let whole = values.values.sum()
        guard whole.isPositive, !rates.isEmpty else { return [] }
        var parts: [(rate: VATRate, amount: Money)] = []
        var given = Money.zero
        for (index, rate) in rates.enumerated() {
            let share: Money
            if index == rates.count - 1 {
                share = amount - given
            } else {
                let numerator = Int128(amount.kopecks) * Int128(values[rate, default: .zero].kopecks)
                let denominator = Int128(whole.kopecks)
                var quotient = numerator / denominator
                if (numerator % denominator) * 2 >= denominator { quotient += 1 }
                share = Money(kopecks: Int64(quotient))
            }
            given += share
            parts.append((rate, share))
        }
        return parts
    }

    static func planAdvance(order: Order, prepayment: Prepayment, prior: [PriorDocument], input: DocumentsInput) -> Outcome {
        let key = advanceKey(payment: prepayment.paymentID, order: order.id)
        if prior.contains(where: { $0.identityKey == key }) { return .nothing }
        guard order.status != .cancelled, prepayment.amount.isPositive else { return .nothing }
        let deadline = advanceDeadline(receivedOn: prepayment.receivedOn)
        guard input.businessDay >= deadline else { return .nothing }
        // A shipment by the deadline (same quarter by construction) absorbs the prepayment.
        if order.shipments.contains(where: { $0.date >= prepayment.receivedOn && $0.date <= deadline }) { return .nothing }
        var lines: [InvoiceLine] = []
        for part in splitAdvance(prepayment.amount, over: order.lines) {
            guard let rate = part.rate.calculatedForAdvance, part.amount.isPositive else { continue }
            let vat = LineAmounts.vat(includedIn: part.amount, rate: rate)
            lines.append(InvoiceLine(
                number: lines.count + 1, orderLineNo: nil,
                name: "Предварительная оплата по счету на оплату № \(order.bill.number) от \(order.bill.date.russian) (товары, НДС \(part.rate.percent)%)",
                advance: .init(rate: rate, total: part.amount, vat: vat)))
        }
        if lines.isEmpty { return .nothing }
        let config = input.configuration
        let draft = InvoiceDraft(
            function: .invoice, date: deadline, correction: nil, formationDate: deadline,
            formationTime: config.fixedFormationTime,
            seller: Participant(party: config.seller), shipper: nil, consignee: nil,
            buyer: Participant(party: order.customer),
            paymentDocuments: [PaymentDocument(number: paymentNumber(prepayment.number), date: prepayment.receivedOn,
                                               amount: prepayment.amount)],
            isAdvance: true, lines: lines, transfer: nil, signer: config.signer,
            information: orderInformation(order, shipment: nil))
        return .document(PlannedDocument(
            kind: .advanceInvoice, identityKey: key, orderID: order.id, shipmentID: nil, correctionNumber: 0,
            requiredNumber: nil, paperOnly: order.customer.edoID == nil, content: .invoice(draft), lineRecords: []))
    }
}
