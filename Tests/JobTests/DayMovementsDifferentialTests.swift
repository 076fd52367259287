import Domain
import Foundation
import Generator
import GRDB
@testable import Job
@testable import Ledger
import Reconcile
import Testing
import TestSupport

/// The day's movements and credit control (`DayMovements`) give exactly what the implementation before
/// it gave (kept here as `ReferenceMovements`: Row-based reads, the movements written one by one), on
/// the ledger of generated days (shipments, returns the next day, weighed goods, payments over days,
/// a rerun), for first runs of a day and for reruns.
@Suite("Day movements: same as before")
struct DayMovementsDifferentialTests {
    static let first = CivilDate(iso: "2026-11-25")!

    /// What a step's run left: every movement (with the business day that wrote it) and the facts.
    struct Outcome: Equatable {
        var movements: [String]
        var customersTouched: Set<String>
        var customerNames: [String: String]
        var creditLimits: [String: Money]
        var settlements: PrepaidSettlementReport?
        var ageing: [CustomerAgeing]
        var stopList: StopList?
    }

    struct RolledBack: Error { var outcome: Outcome }

    /// Every movement the ledger holds, as text, read through the public reads.
    static func movements(_ tx: LedgerTransaction, customers: Set<String>) throws -> [String] {
        var rows: [String] = []
        let all = customers.union(try tx.customerINNs())
        for inn in all.sorted() {
            let statement = try tx.statement(customerINN: inn, from: CivilDate(year: 2000, month: 1, day: 1)!,
                                             through: CivilDate(year: 2100, month: 1, day: 1)!)
            for entry in statement.entries {
                let written = try tx.movementHistory(base: entry.id).first { $0.movement.id == entry.id }
                rows.append("\(entry.id)|\(entry.customerINN)|\(entry.date)|\(entry.kind)|\(entry.amount.kopecks)|"
                            + "\(entry.orderID?.rawValue ?? "-")|\(entry.reference)|\(written?.businessDate.iso ?? "?")")
            }
        }
        return rows.sorted()
    }

    /// Runs the movements and credit steps of `day` (over every order the ledger holds, and every payment
    /// received by `day`) in a transaction that is rolled back, and returns what they left.
    /// `alter`: first change a shipment of an earlier day (as a later feed would).
    static func outcome(_ ledger: Ledger, day: CivilDate, reference: Bool, treatment: OverpaymentTreatment,
                        prefix: String, providerINN: String?, alter: Bool = false, creditBlock: Int = 7,
                        movementsKeptIn folder: URL? = nil) throws -> Outcome {
        do {
            _ = try ledger.write { tx -> Int in
                var orders = try tx.orders().map(\.order)
                if alter, let index = orders.firstIndex(where: { order in
                    order.status != .cancelled && order.shipments.contains { $0.date < day && !$0.lines.isEmpty }
                }), let shipment = orders[index].shipments.firstIndex(where: { $0.date < day && !$0.lines.isEmpty }) {
                    // The feed changed a shipment an earlier day described: its change is written as `@<day>`.
                    orders[index].shipments[shipment].lines[0].quantity = orders[index].shipments[shipment].lines[0].quantity
                        + ExactDecimal(1)
                    _ = try tx.upsertOrder(orders[index], businessDate: day)
                }
                var facts = DayFacts()
                let touched = try tx.payments(receivedFrom: CivilDate(year: 2000, month: 1, day: 1)!, through: day).map(\.id)
                // (In a file when given a folder, as the day keeps them, written a few at a time.)
                facts.touchedPayments = try folder.map {
                    try PaymentIDList(keeping: touched, in: $0, name: "touched", contents: "touched payments", block: 5)
                } ?? PaymentIDList(touched)
                if reference {
                    let steps = ReferenceMovements(day: day, prefix: prefix, providerINN: providerINN, weighedTreatment: treatment)
                    try steps.recordMovements(tx, orders: orders, facts: &facts)
                    try steps.creditControl(tx, facts: &facts)
                } else {
                    let steps = DayMovements(day: day, prefix: prefix, providerINN: providerINN, weighedTreatment: treatment)
                    // Blocks of the payments' movements worked out ahead (as while the documents render),
                    // the rest when the movements are recorded.
                    // (In a file, when given a folder: a block of payments' movements a record.)
                    let payments = PaymentMovements(
                        steps, payments: facts.touchedPayments, block: 7,
                        keptIn: try folder.map { try RecordSpill(directory: $0, name: "movements", contents: "movements") })
                    for _ in 0..<3 { try payments.advance(tx) }
                    try steps.record(tx, orders: DayOrders(orders), payments: payments, facts: &facts)
                    // Customers a few at a time: the ageing of blocks, one aged while the next is read.
                    try steps.creditControl(tx, facts: &facts, block: creditBlock)
                }
                throw RolledBack(outcome: Outcome(
                    movements: try movements(tx, customers: facts.customersTouched), customersTouched: facts.customersTouched,
                    customerNames: facts.customerNames, creditLimits: facts.creditLimits, settlements: facts.settlements,
                    ageing: facts.ageing, stopList: facts.stopList))
            }
        } catch let rolledBack as RolledBack {
            return rolledBack.outcome
        }
        Issue.record("the step's transaction was not rolled back")
        return Outcome(movements: [], customersTouched: [], customerNames: [:], creditLimits: [:], settlements: nil,
                       ageing: [], stopList: nil)
    }

    @Test("generated days, their rerun and a later day with returns: the same movements, ageing and stop list as before")
    func sameAsBefore() async throws {
        let folder = try Paths.temporaryDirectory("sverka-movements-diff")
        defer { try? FileManager.default.removeItem(at: folder) }
        _ = try Generator.write(GeneratorSettings(firstDay: Self.first, ordersPerDay: 120, seed: 7, days: 3), to: folder)
        let loaded = try ConfigurationLoader.load(path: folder.appendingPathComponent("sverka.yaml").path, environment: [:])
        try FileManager.default.createDirectory(at: loaded.outputDirectory, withIntermediateDirectories: true)
        let log = LogCapture()
        let ledger = try Ledger(path: loaded.ledgerPath.path)
        let runner = DayRunner(loaded: loaded, environment: testEnvironment(logger: log.logger()), ledger: ledger)
        let days = [Self.first, Self.first.adding(days: 1), Self.first.adding(days: 2)]
        let prefix = loaded.configuration.numbering.prefix ?? ""
        let providerINN = loaded.configuration.sources.invoicebox?.providerINN
        var compared = 0
        for (index, day) in days.enumerated() {
            // The step for the day just run (its movements there: a rerun of the step), and for the next
            // day before its run (a first run of the step, changes of earlier days' movements written as `@<day>`).
            let runs = index == 1 ? 2 : 1
            for _ in 0..<runs {
                let outcome = await runner.run(day: day, command: "differential test")
                #expect(outcome.exitStatus != .failure, "\(outcome.result.exceptions.map(\.message))")
            }
            for stepDay in [day, day.adding(days: 1)] {
                for (treatment, alter) in [(OverpaymentTreatment.refund, false), (.customerCredit, true)] {
                    let before = try Self.outcome(ledger, day: stepDay, reference: true, treatment: treatment, prefix: prefix,
                                                  providerINN: providerINN, alter: alter)
                    // (The payments' movements kept in a file in one of the two.)
                    let now = try Self.outcome(ledger, day: stepDay, reference: false, treatment: treatment, prefix: prefix,
                                               providerINN: providerINN, alter: alter, movementsKeptIn: alter ? folder : nil)
                    #expect(now.movements == before.movements, "\(stepDay) \(treatment)")
                    #expect(now == before, "\(stepDay) \(treatment)")
                    #expect(!before.movements.isEmpty && !before.ageing.isEmpty)
                    compared += 1
                }
            }
        }
        #expect(compared == 12)
        // The days had what the step describes: returns after delivery, corrections or changes, refunds.
        let final = try Self.outcome(ledger, day: days[2].adding(days: 1), reference: false, treatment: .refund, prefix: prefix,
                                     providerINN: providerINN, alter: true)
        #expect(final.movements.contains { $0.hasPrefix("return:") })
        #expect(final.movements.contains { $0.contains("@") })
        #expect(final.movements.contains { $0.hasPrefix("refund:") })
        #expect(final.movements.contains { $0.hasPrefix("payment:") })
        #expect(final.movements.contains { $0.contains("|УПД № ") })
        // Credit control reads and ages the customers a block at a time: any block gives the same
        // ageing and stop list (`final` took blocks of 7, more customers than that were aged).
        #expect(final.ageing.count > 7)
        let kept = try Self.outcome(ledger, day: days[2].adding(days: 1), reference: false, treatment: .refund, prefix: prefix,
                                    providerINN: providerINN, alter: true, movementsKeptIn: folder)
        #expect(kept == final, "the payments' movements kept in a file")
        for block in [1, 2, DayMovements.readBlock] {
            let other = try Self.outcome(ledger, day: days[2].adding(days: 1), reference: false, treatment: .refund, prefix: prefix,
                                         providerINN: providerINN, alter: true, creditBlock: block)
            #expect(other == final, "customers read \(block) at a time")
        }
    }
}

extension DayMovementsDifferentialTests {
    /// Credit control's ageing of `touched` as of `day`, customers read one at a time, in a transaction
    /// rolled back after `prepare`.
    static func ageing(_ ledger: Ledger, day: CivilDate, touched: Set<String>, reference: Bool,
                       prepare: (LedgerTransaction) throws -> Void) throws -> [CustomerAgeing] {
        do {
            _ = try ledger.write { tx -> Int in
                try prepare(tx)
                var facts = DayFacts()
                facts.customersTouched = touched
                if reference {
                    try ReferenceMovements(day: day, prefix: "", providerINN: nil, weighedTreatment: .refund)
                        .creditControl(tx, facts: &facts)
                } else {
                    try DayMovements(day: day, prefix: "", providerINN: nil, weighedTreatment: .refund)
                        .creditControl(tx, facts: &facts, block: 1)
                }
                throw RolledBack(outcome: Outcome(movements: [], customersTouched: [], customerNames: [:], creditLimits: [:],
                                                  settlements: nil, ageing: facts.ageing, stopList: facts.stopList))
            }
        } catch let rolledBack as RolledBack {
            return rolledBack.outcome.ageing
        }
        Issue.record("the step's transaction was not rolled back")
        return []
    }

    @Test("a shipment's deferral is its order's terms', whichever customer the order lists now, when that customer is the day's")
    func deferralOfAnOrderNowAnotherCustomers() async throws {
        let folder = try Paths.temporaryDirectory("sverka-movements-deferral")
        defer { try? FileManager.default.removeItem(at: folder) }
        _ = try Generator.write(GeneratorSettings(firstDay: Self.first, ordersPerDay: 120, seed: 7, days: 1), to: folder)
        let loaded = try ConfigurationLoader.load(path: folder.appendingPathComponent("sverka.yaml").path, environment: [:])
        try FileManager.default.createDirectory(at: loaded.outputDirectory, withIntermediateDirectories: true)
        let ledger = try Ledger(path: loaded.ledgerPath.path)
        let runner = DayRunner(loaded: loaded, environment: testEnvironment(logger: LogCapture().logger()), ledger: ledger)
        let outcome = await runner.run(day: Self.first, command: "deferral test")
        #expect(outcome.exitStatus != .failure)
        // A shipment of a postpaid order with a deferral, and another customer.
        let found = try ledger.read { reader -> (BalanceMovement, Int, String)? in
            for order in try reader.orders().map(\.order) where order.terms.payment == .postpaid && order.terms.deferralDays > 0 {
                let inn = order.customer.inn.value
                let movements = try reader.statement(customerINN: inn, from: Self.first.adding(days: -30), through: Self.first).entries
                guard let shipment = movements.first(where: { $0.kind == .shipment && $0.orderID == order.id }),
                      let other = try reader.orders().map(\.order.customer.inn.value).first(where: { $0 != inn }) else { continue }
                return (shipment, order.terms.deferralDays, other)
            }
            return nil
        }
        guard let (shipment, deferral, other) = found, let orderID = shipment.orderID else {
            Issue.record("the generated day has no shipment of a postpaid order with a deferral")
            return
        }
        let customer = shipment.customerINN
        // The order now lists `other`; every other movement of the customer is gone (the shipment stays
        // open), and the day is its due date: not overdue with the order's deferral, `deferral` days without.
        func prepare(_ tx: LedgerTransaction) throws {
            try tx.db.execute(sql: "UPDATE orders SET customer_inn = ? WHERE id = ?", arguments: [other, orderID.rawValue])
            try tx.db.execute(sql: "DELETE FROM balance_movements WHERE customer_inn = ? AND id <> ?",
                              arguments: [customer, shipment.id])
        }
        let due = shipment.date.adding(days: deferral)
        func overdue(_ ageing: [CustomerAgeing]) -> Int? { ageing.first { $0.customerINN == customer }?.maxDaysOverdue }
        for reference in [true, false] {
            // `other` is the day's (aged in another block): the order's deferral counts.
            let both = try Self.ageing(ledger, day: due, touched: [customer, other], reference: reference, prepare: prepare)
            #expect(overdue(both) == 0, "reference: \(reference)")
            // `other` is not: no deferral is known for the order.
            let alone = try Self.ageing(ledger, day: due, touched: [customer], reference: reference, prepare: prepare)
            #expect(overdue(alone) == deferral, "reference: \(reference)")
        }
    }
}

/// The movements and credit steps as they were before `DayMovements` (same inputs), for the comparison.
struct ReferenceMovements {
    let day: CivilDate
    let prefix: String
    let providerINN: String?
    let weighedTreatment: OverpaymentTreatment
    static let readBlock = 1_024

    static func value(of lines: [(lineNo: Int, quantity: ExactDecimal)], in order: Order) -> Money {
        lines.compactMap { item in
            order.line(item.lineNo).map {
                LineAmounts(quantity: item.quantity, unitPriceWithVAT: $0.price, rate: $0.vatRate).total
            }
        }.sum()
    }

    private func staged(_ histories: [String: [(movement: BalanceMovement, businessDate: CivilDate)]], base: String,
                        value: Money, customer: String, date: CivilDate,
                        kind: BalanceMovement.Kind, orderID: OrderID?, reference: String) -> BalanceMovement? {
        let history = histories[base] ?? []
        let earlier = history.filter { $0.businessDate < day }
        if earlier.isEmpty {
            return BalanceMovement(id: base, customerINN: customer, date: date, kind: kind, amount: value,
                                   orderID: orderID, reference: reference)
        }
        let delta = value - earlier.map(\.movement.amount).sum()
        let id = "\(base)@\(day.iso)"
        guard !delta.isZero || history.contains(where: { $0.movement.id == id }) else { return nil }
        return BalanceMovement(id: id, customerINN: customer, date: max(date, day), kind: kind, amount: delta,
                               orderID: orderID, reference: reference + " (изменение \(day.russian))")
    }

    private func documentAsOfDay(_ versions: [DocumentRecord], identity: String) -> DocumentRecord? {
        versions
            .filter { $0.identity == identity && $0.businessDate <= day }
            .max { $0.correctionNumber < $1.correctionNumber }
    }

    private func returnsAfterDelivery(of shipment: Shipment, in order: Order) -> [Return] {
        order.returns.sorted(by: { ($0.at, $0.id) < ($1.at, $1.id) })
            .filter { $0.shipmentID == shipment.id && $0.stage == .afterDelivery && $0.at.moscowDate <= day }
    }

    func recordMovements(_ tx: LedgerTransaction, orders: [Order], facts: inout DayFacts) throws {
        var movements: [BalanceMovement] = []
        var start = 0
        while start < orders.count {
            let block = orders[start..<min(orders.count, start + Self.readBlock)]
            start += block.count
            var bases: [String] = []
            var shipping: [OrderID] = []
            for order in block where order.status != .cancelled {
                let shipments = order.shipments.filter { $0.date <= day }
                if !shipments.isEmpty { shipping.append(order.id) }
                for shipment in shipments {
                    bases.append("shipment:\(shipment.id)")
                    bases += returnsAfterDelivery(of: shipment, in: order).map { "return:\($0.id)" }
                }
            }
            let versionsByOrder = try tx.documentVersions(orders: shipping, withDetails: false)
            let histories = try tx.movementHistories(bases: bases)
            for order in block where order.status != .cancelled {
                let inn = order.customer.inn.value
                facts.customersTouched.insert(inn)
                facts.customerNames[inn] = order.customer.name
                let versions = versionsByOrder[order.id] ?? []
                for shipment in order.shipments where shipment.date <= day {
                    let amount = Self.value(of: shipment.lines.map { ($0.lineNo, $0.quantity) }, in: order)
                    let document = documentAsOfDay(versions, identity: "UPD:\(shipment.id)")
                    var reference = "Отгрузка \(shipment.id) от \(shipment.date.russian)"
                    if let document, let number = document.number {
                        reference = "УПД № \(prefix)\(number) от \(document.date.russian)"
                            + (document.correctionNumber > 0 ? ", испр. \(document.correctionNumber)" : "")
                    }
                    if let movement = staged(histories, base: "shipment:\(shipment.id)", value: amount, customer: inn,
                                             date: shipment.date, kind: .shipment, orderID: order.id, reference: reference) {
                        movements.append(movement)
                    }
                    var current = Dictionary(shipment.lines.map { ($0.lineNo, $0.quantity) }, uniquingKeysWith: { a, _ in a })
                    for ret in returnsAfterDelivery(of: shipment, in: order) {
                        let before = Self.value(of: current.map { ($0.key, $0.value) }, in: order)
                        for line in ret.lines { current[line.lineNo] = (current[line.lineNo] ?? .zero) - line.quantity }
                        let after = Self.value(of: current.map { ($0.key, $0.value) }, in: order)
                        let ukd = documentAsOfDay(versions, identity: "UKD:\(ret.id)")
                        let reference = ukd?.number.map { "УКД № \(prefix)\($0) от \(ukd?.date.russian ?? "")" }
                            ?? "Возврат \(ret.id) от \(ret.at.moscowDate.russian)"
                        if let movement = staged(histories, base: "return:\(ret.id)", value: after - before, customer: inn,
                                                 date: ret.at.moscowDate, kind: .adjustment, orderID: order.id,
                                                 reference: reference) {
                            movements.append(movement)
                        }
                    }
                }
            }
        }
        let known = try tx.customerINNs()
        start = 0
        while start < facts.touchedPayments.count {
            let block = try facts.touchedPayments.ids(in: start..<min(facts.touchedPayments.count, start + Self.readBlock))
            start += block.count
            let payments = try tx.payments(ids: block)
            let allocationsByPayment = try tx.allocations(payments: block)
            let customerOfOrder = try tx.customerINNs(ofOrders: allocationsByPayment.values.flatMap { $0.map(\.allocation.orderID) })
            var planned: [(id: PaymentID, payment: Payment, reference: String, amounts: [(customer: String, amount: Money)])] = []
            for id in block {
                guard let payment = payments[id], !payment.isPayout(providerINN: providerINN) else { continue }
                var perCustomer: [String: Money] = [:]
                var allocated = Money.zero
                for record in allocationsByPayment[id] ?? [] {
                    let customer = customerOfOrder[record.allocation.orderID] ?? payment.payerINN ?? ""
                    perCustomer[customer, default: .zero] += record.allocation.amount
                    allocated += record.allocation.amount
                }
                let remainder = payment.amount - allocated
                if remainder.isPositive, let payer = payment.payerINN, known.contains(payer) {
                    perCustomer[payer, default: .zero] += remainder
                }
                let reference = payment.documentNumber.map { "Оплата (п/п № \($0) от \((payment.documentDate ?? payment.receivedOn).russian))" }
                    ?? "Оплата через ИнвойсБокс от \(payment.receivedOn.russian)"
                planned.append((id, payment, reference, perCustomer.sorted(by: { $0.key < $1.key })
                    .filter { !$0.key.isEmpty }.map { ($0.key, $0.value) }))
            }
            let histories = try tx.movementHistories(bases: planned.flatMap { item in
                item.amounts.map { "payment:\(item.id):\($0.customer)" }
            })
            for item in planned {
                for (customer, amount) in item.amounts {
                    facts.customersTouched.insert(customer)
                    if let movement = staged(histories, base: "payment:\(item.id):\(customer)", value: -amount, customer: customer,
                                             date: item.payment.receivedOn, kind: .payment, orderID: nil, reference: item.reference) {
                        movements.append(movement)
                    }
                }
            }
        }
        func isWeighedPrepaid(_ order: Order) -> Bool {
            order.status != .cancelled && order.terms.payment == .prepaid && order.lines.contains(where: \.weighed)
                && !order.shipments.isEmpty
        }
        var weighedIDs: [OrderID] = []
        for order in orders where isWeighedPrepaid(order) { weighedIDs.append(order.id) }
        let weighedAllocations = try tx.allocations(orders: weighedIDs)
        var settlements: [PrepaidSettlementInput] = []
        for order in orders where isWeighedPrepaid(order) {
            let shipped = order.shipments.map { shipment in
                Self.value(of: shipment.lines.map { ($0.lineNo, $0.quantity) }, in: order)
            }.sum()
            let paid = (weighedAllocations[order.id] ?? []).map(\.allocation.amount).sum()
            guard paid.isPositive else { continue }
            settlements.append(PrepaidSettlementInput(
                orderID: order.id, billNumber: order.bill.number, customerINN: order.customer.inn.value,
                ordered: order.bill.amount, paid: paid, shippedValue: shipped,
                settledOn: order.shipments.map(\.date).max() ?? day))
        }
        let report = WeighedGoods.settle(settlements, treatment: weighedTreatment)
        facts.settlements = report
        let settlementHistories = try tx.movementHistories(bases: report.movements.map(\.id))
        for movement in report.movements {
            if let staged = staged(settlementHistories, base: movement.id, value: movement.amount, customer: movement.customerINN,
                                   date: movement.date, kind: movement.kind, orderID: movement.orderID,
                                   reference: movement.reference) {
                movements.append(staged)
            }
        }
        // One by one (the Ledger's tests show the write of a batch is the write of its movements one by one).
        for movement in movements { _ = try tx.recordMovements([movement], businessDate: day) }
    }

    func creditControl(_ tx: LedgerTransaction, facts: inout DayFacts) throws {
        var deferral: [OrderID: Int] = [:]
        var accounts: [CreditAccount] = []
        var movements: [BalanceMovement] = []
        let customers = facts.customersTouched.sorted()
        for inn in customers {
            // One customer at a time, through the one-customer reads.
            let customerOrders = try tx.orderTerms(customerINN: inn)
            for record in customerOrders {
                deferral[record.orderID] = record.terms.payment == .postpaid ? record.terms.deferralDays : 0
            }
            if let latest = customerOrders.max(by: { ($0.createdAt, $0.orderID) < ($1.createdAt, $1.orderID) }) {
                facts.creditLimits[inn] = latest.terms.creditLimit
                if let name = try tx.order(latest.orderID)?.order.customer.name { facts.customerNames[inn] = name }
                if latest.terms.payment == .postpaid {
                    accounts.append(CreditAccount(customerINN: inn, creditLimit: latest.terms.creditLimit, openOrders: .zero))
                }
            } else if let customer = try tx.customer(inn: inn) {
                facts.customerNames[inn] = customer.party.name
            }
            movements += try tx.statement(customerINN: inn, from: CivilDate(year: 2000, month: 1, day: 1)!, through: day,
                                          knownOn: day).entries
        }
        // (The stop list from every open debit; the day keeps the ageing without them.)
        let aged = Receivables.age(movements, deferralDays: deferral, asOf: day)
        facts.stopList = CreditControl.stopList(ageing: aged, accounts: accounts, asOf: day)
        facts.ageing = aged.map(\.withoutOpenDebits)
    }
}
