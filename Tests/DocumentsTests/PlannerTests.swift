import Documents
import Domain
import Testing

@Suite("Planner")
struct PlannerTests {
    typealias F = Fixture

    func invoice(_ document: PlannedDocument) throws -> InvoiceDraft {
        guard case .invoice(let draft) = document.content else { throw PlannerTestError.notAnInvoice }
        return draft
    }

    func correction(_ document: PlannedDocument) throws -> CorrectionDraft {
        guard case .correction(let draft) = document.content else { throw PlannerTestError.notACorrection }
        return draft
    }

    enum PlannerTestError: Error { case notAnInvoice, notACorrection }

    @Test("one УПД per shipment, dated the shipment day, seller from configuration")
    func updPerShipment() throws {
        let plan = DocumentPlanner.plan(F.input("2026-11-27", orders: [F.order123()], payments: [F.payment123]))
        #expect(plan.holds.isEmpty)
        let document = try #require(plan.documents.first)
        #expect(plan.documents.count == 1)
        #expect(document.kind == .upd)
        #expect(document.identityKey == "UPD:SH-8830")
        #expect(document.requiredNumber == nil)
        let draft = try invoice(document)
        #expect(draft.function == .invoiceAndTransfer)
        #expect(draft.date == F.day("2026-11-27"))
        #expect(draft.seller.party == F.seller)
        #expect(draft.formationTime == "06.10.00")
        #expect(draft.transfer?.basis == DocumentReference(name: "Счет на оплату", number: "СЧ-000123", date: F.day("2026-11-26")))
        // A provider uuid longer than НомерПРД's 30 characters keeps its last 30.
        #expect(draft.paymentDocuments == [PaymentDocument(number: "4c-3b2a-4190-8f7e-6d5c4b3a2910", date: F.day("2026-11-27"),
                                                           amount: F.rub("2429.73"))])
    }

    @Test("weighed line: КолТов = actual weight, НадлОтп = ordered, amounts by Domain rounding")
    func weighedLine() throws {
        let plan = DocumentPlanner.plan(F.input("2026-11-27", orders: [F.order123()]))
        let draft = try invoice(try #require(plan.documents.first))
        let cheese = try #require(draft.lines.first?.goods)
        #expect(cheese.amounts.quantity == F.dec("1.436"))
        #expect(cheese.orderedQuantity == F.dec("1.500"))
        #expect(cheese.amounts.total == F.rub("947.62"))
        #expect(cheese.amounts.vat == F.rub("86.15"))
        #expect(cheese.amounts.totalWithoutVAT == F.rub("861.47"))
        #expect(draft.lines[1].goods?.orderedQuantity == nil)
        #expect(draft.total == F.rub("947.62") + F.rub("1439.88"))
        #expect(draft.lines[0].vsd == [F.vsdCheese])
    }

    @Test("two warehouses: two УПД for one order; the separate division's КПП on the shipper; paper-only buyer")
    func twoWarehouses() throws {
        let plan = DocumentPlanner.plan(F.input("2026-11-27", orders: [F.order124()]))
        #expect(plan.documents.map(\.identityKey) == ["UPD:SH-8841", "UPD:SH-8842"])
        let vnukovo = try invoice(plan.documents[0])
        let lobnya = try invoice(plan.documents[1])
        #expect(vnukovo.shipper?.kpp == "500345001")
        #expect(vnukovo.shipper?.address == F.vnukovo.address)
        #expect(vnukovo.shipper?.structuralUnit == "РЦ Внуково")
        #expect(lobnya.shipper?.kpp == "771401001")
        #expect(vnukovo.seller.kpp == "771401001")
        #expect(plan.documents.allSatisfy { $0.paperOnly })
        #expect(vnukovo.lines.map(\.orderLineNo) == [1, 2])
        #expect(lobnya.lines.map(\.orderLineNo) == [3])
        #expect(vnukovo.paymentDocuments.isEmpty)
    }

    @Test("before_departure return after the УПД was issued: corrected УПД, same number and date, НомИспр 1 then 2")
    func correctedUPD() throws {
        let first = DocumentPlanner.plan(F.input("2026-11-27", orders: [F.order119(reduced: true)], prior: [F.priorUPD119()]))
        let document = try #require(first.documents.first)
        #expect(document.kind == .updCorrection)
        #expect(document.requiredNumber == "УПД-000452")
        #expect(document.correctionNumber == 1)
        let draft = try invoice(document)
        #expect(draft.date == F.day("2026-11-26"))
        #expect(draft.correction == InvoiceDraft.Correction(number: 1, date: F.day("2026-11-27")))
        #expect(draft.formationDate == F.day("2026-11-27"))
        #expect(draft.lines[0].goods?.amounts.quantity == F.dec("4"))

        // Another change later: correction 2 on top of correction 1.
        var issued = F.priorUPD119(correction: 1)
        issued.lines = document.lineRecords
        var order = F.order119(reduced: true)
        order.shipments[0].lines[1].quantity = F.dec("9")
        let second = DocumentPlanner.plan(F.input("2026-11-28", orders: [order], prior: [F.priorUPD119(), issued]))
        let next = try #require(second.documents.first)
        #expect(next.correctionNumber == 2)
        #expect(try invoice(next).correction?.number == 2)
        #expect(next.requiredNumber == "УПД-000452")

        // Nothing changed since the last version: nothing planned.
        let rerun = DocumentPlanner.plan(F.input("2026-11-27", orders: [F.order119(reduced: true)], prior: [F.priorUPD119(), issued]))
        #expect(rerun.documents.isEmpty && rerun.holds.isEmpty)
    }

    @Test("before_departure return before any УПД: the ordinary УПД uses the reduced quantities")
    func reducedBeforeIssue() throws {
        let plan = DocumentPlanner.plan(F.input("2026-11-27", orders: [F.order119(reduced: true)]))
        let document = try #require(plan.documents.first)
        #expect(document.kind == .upd)
        #expect(try invoice(document).lines[0].goods?.amounts.quantity == F.dec("4"))
    }

    @Test("after_delivery return: УКД against the УПД with before, after and decrease")
    func ukd() throws {
        let plan = DocumentPlanner.plan(F.input("2026-11-27", orders: [F.order118(withReturn: true)], prior: [F.priorUPD118()]))
        #expect(plan.holds.isEmpty)
        let document = try #require(plan.documents.first)
        #expect(plan.documents.count == 1)
        #expect(document.kind == .ukd)
        #expect(document.identityKey == "UKD:RET-118-1")
        let draft = try correction(document)
        #expect(draft.date == F.day("2026-11-27"))
        #expect(draft.original == DocumentReference(name: "Универсальный передаточный документ", number: "УПД-000451", date: F.day("2026-11-26")))
        let line = try #require(draft.lines.first)
        #expect(line.originalLineNumber == 3)
        #expect(line.before.quantity == F.dec("12"))
        #expect(line.after.quantity == F.dec("10"))
        #expect(line.before.total == F.rub("1439.88"))
        #expect(line.after.total == F.rub("1199.90"))
        #expect(draft.totalDecrease == F.rub("239.98"))
        #expect(line.vatDecrease == line.before.vat - line.after.vat)
        #expect(draft.vatDecrease == LineAmounts.vat(includedIn: F.rub("1439.88"), rate: .standard22)
                - LineAmounts.vat(includedIn: F.rub("1199.90"), rate: .standard22))
        #expect(document.lineRecords == [DocumentLineRecord(lineNo: 3, amounts: line.after)])
        // Already issued: not planned again.
        let issued = PriorDocument(kind: .ukd, identityKey: "UKD:RET-118-1", orderID: "ORD-2026-000118", shipmentID: "SH-8801",
                                   number: "УКД-000012", date: F.day("2026-11-27"), status: .issued, lines: document.lineRecords)
        let rerun = DocumentPlanner.plan(F.input("2026-11-28", orders: [F.order118(withReturn: true)], prior: [F.priorUPD118(), issued]))
        #expect(rerun.documents.isEmpty)
    }

    @Test("a УКД waits for its УПД")
    func ukdWithoutUPD() {
        let plan = DocumentPlanner.plan(F.input("2026-11-27", orders: [F.order118(withReturn: true)]))
        #expect(plan.documents.map(\.kind) == [.upd])
        #expect(plan.holds.map(\.identityKey) == ["UKD:RET-118-1"])
    }

    @Test("a mercury line without ВСД holds its whole УПД with the reason")
    func missingVSD() {
        let plan = DocumentPlanner.plan(F.input("2026-11-27", orders: [F.order123(cheeseVSD: [])]))
        #expect(plan.documents.isEmpty)
        let hold = plan.holds.first
        #expect(hold?.identityKey == "UPD:SH-8830")
        #expect(hold?.reasons == ["строка 1 «Сыр «Российский» 50%, весовой»: нет ВСД ФГИС «Меркурий»"])
        #expect(hold?.diagnostic.kind == "held-document")
    }

    @Test("cancelled orders and future shipments plan nothing")
    func nothingToDo() {
        var cancelled = F.order123()
        cancelled.status = .cancelled
        #expect(DocumentPlanner.plan(F.input("2026-11-27", orders: [cancelled])).documents.isEmpty)
        #expect(DocumentPlanner.plan(F.input("2026-11-26", orders: [F.order123()])).documents.isEmpty)
    }

    @Test("advance split over rates in proportion to the bill's lines, remainder to the last")
    func advanceSplit() {
        let lines = F.order123().lines // 989.85 at 10%, 1439.88 at 22%
        let parts = DocumentPlanner.splitAdvance(F.rub("1000.00"), over: lines)
        #expect(parts.map(\.rate) == [.reduced10, .standard22])
        #expect(parts[0].amount == F.rub("407.39")) // 1000 × 989.85 / 2429.73 = 407.3910…
        #expect(parts[1].amount == F.rub("592.61"))
        #expect(parts.map(\.amount).sum() == F.rub("1000.00"))
    }

    @Test("advance deadline: five days, or the quarter's last day when earlier")
    func advanceDeadline() {
        #expect(DocumentPlanner.advanceDeadline(receivedOn: F.day("2026-11-26")) == F.day("2026-12-01"))
        #expect(DocumentPlanner.advanceDeadline(receivedOn: F.day("2026-12-29")) == F.day("2026-12-31"))
        #expect(DocumentPlanner.advanceDeadline(receivedOn: F.day("2026-09-30")) == F.day("2026-09-30"))
    }

    @Test("advance invoice across a quarter end: dated the quarter's last day, calculated rates, СвПРД")
    func advanceAcrossQuarter() throws {
        var order = F.order119(reduced: false)
        order.shipments = []
        let prepayment = Prepayment(paymentID: "bank-1c:2026-12-29:311", orderID: order.id, number: "311",
                                    receivedOn: F.day("2026-12-29"), amount: F.rub("5000.00"))
        #expect(DocumentPlanner.plan(F.input("2026-12-30", orders: [order], prepayments: [prepayment])).documents.isEmpty)
        let plan = DocumentPlanner.plan(F.input("2026-12-31", orders: [order], prepayments: [prepayment]))
        let document = try #require(plan.documents.first)
        #expect(document.kind == .advanceInvoice)
        #expect(document.identityKey == "ADV:bank-1c:2026-12-29:311:ORD-2026-000119")
        let draft = try invoice(document)
        #expect(draft.function == .invoice)
        #expect(draft.isAdvance)
        #expect(draft.date == F.day("2026-12-31"))
        #expect(draft.lines.map(\.rate) == [.calculated22, .calculated10])
        #expect(draft.total == F.rub("5000.00"))
        #expect(draft.lines.allSatisfy { $0.vat == LineAmounts.vat(includedIn: $0.total, rate: $0.rate) })
        #expect(draft.paymentDocuments == [PaymentDocument(number: "311", date: F.day("2026-12-29"), amount: F.rub("5000.00"))])
        #expect(draft.shipper == nil && draft.transfer == nil)
    }

    @Test("a shipment within five days in the same quarter absorbs the prepayment")
    func advanceAbsorbed() {
        let order = F.order119(reduced: false) // shipped on the 26th
        let prepayment = Prepayment(paymentID: "p1", orderID: order.id, number: "1", receivedOn: F.day("2026-11-24"),
                                    amount: F.rub("100.00"))
        #expect(DocumentPlanner.plan(F.input("2026-12-05", orders: [order], prepayments: [prepayment])).documents
            .allSatisfy { $0.kind != .advanceInvoice })
    }

    @Test("the plan is a pure function: same input, same plan")
    func deterministic() {
        let input = F.input("2026-11-27", orders: [F.order124(), F.order123(), F.order118(withReturn: true)],
                            prior: [F.priorUPD118()], payments: [F.payment123])
        #expect(DocumentPlanner.plan(input) == DocumentPlanner.plan(input))
    }
}
