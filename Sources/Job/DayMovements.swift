import Domain
import Foundation
import Ledger
import Reconcile

extension DayComputation {
    /// The value of a set of quantities of an order's lines, by the ledger's rounding rules.
    static func value(of lines: [(lineNo: Int, quantity: ExactDecimal)], in order: Order) -> Money {
        lines.compactMap { item in
            order.line(item.lineNo).map {
                LineAmounts(quantity: item.quantity, unitPriceWithVAT: $0.price, rate: $0.vatRate).total
            }
        }.sum()
    }

    /// Step 4 of the day: the balance movements of the day's orders and touched payments, weighed goods
    /// (the payments' part as far as `payments` worked it out ahead, the rest now).
    func recordMovements(_ tx: LedgerTransaction, orders: DayOrders, payments: PaymentMovements, facts: inout DayFacts) throws {
        try dayMovements.record(tx, orders: orders, payments: payments, facts: &facts)
    }

    var dayMovements: DayMovements {
        DayMovements(day: day, prefix: prefix, providerINN: providerINN,
                     weighedTreatment: configuration.policies.weighedDifference == .refund ? .refund : .customerCredit)
    }

    /// Step 4 of the day: ageing and the stop list of the customers the day touched.
    func creditControl(_ tx: LedgerTransaction, facts: inout DayFacts) throws {
        try dayMovements.creditControl(tx, facts: &facts)
    }
}

/// The day's balance movements and credit control, from the ledger as the earlier steps of the day left it.
struct DayMovements {
    let day: CivilDate
    /// The documents' number prefix (references name `УПД № <prefix><number>`).
    let prefix: String
    /// The payment provider's ИНН: its payouts are no customer's payments.
    let providerINN: String?
    let weighedTreatment: OverpaymentTreatment

    /// How many orders' (or payments', customers') rows are read with one batch of queries.
    static let readBlock = DayComputation.readBlock

    /// A movement of `value` for something that may change on later days (a shipment whose
    /// document is corrected, a payment attributed anew): the first business day writes `base`;
    /// a later day that sees another value writes the difference as `base@<day>`, dated that day.
    /// Nothing a day recorded is ever rewritten by a later one, so each day's figures stay as they were.
    func staged(_ histories: [String: [(movement: BalanceMovement, businessDate: CivilDate)]], base: String,
                value: Money, customer: String, date: CivilDate,
                kind: BalanceMovement.Kind, orderID: OrderID?, reference: @autoclosure () -> String) -> BalanceMovement? {
        guard let history = histories[base], history.contains(where: { $0.businessDate < day }) else {
            return BalanceMovement(id: base, customerINN: customer, date: date, kind: kind, amount: value,
                                   orderID: orderID, reference: reference())
        }
        var earlier = Money.zero
        for entry in history where entry.businessDate < day { earlier += entry.movement.amount }
        let delta = value - earlier
        let id = "\(base)@\(day.iso)"
        guard !delta.isZero || history.contains(where: { $0.movement.id == id }) else { return nil }
        return BalanceMovement(id: id, customerINN: customer, date: max(date, day), kind: kind, amount: delta,
                               orderID: orderID, reference: reference() + " (изменение \(day.russian))")
    }

    /// The latest version of a document that this business day (or an earlier one) recorded: a rerun
    /// of an earlier day must not describe its movements with a later day's correction.
    /// `versions`: every version of the documents of the document's order, in recording order.
    func documentAsOfDay(_ versions: [DocumentStamp], identity: String) -> DocumentStamp? {
        var latest: DocumentStamp?
        for version in versions where version.businessDate <= day && version.identity == identity {
            // (The first of equal correction numbers, as `max(by:)` keeps it.)
            if latest.map({ $0.correctionNumber < version.correctionNumber }) ?? true { latest = version }
        }
        return latest
    }

    /// The value of a shipment's lines in `order` (``DayComputation/value(of:in:)`` of its lines), without
    /// copying the order's lines.
    static func value(of shipment: Shipment, in order: Order) -> Money {
        var total = Money.zero
        for line in shipment.lines {
            // (`Order.line(_:)`: the first line of that number.)
            guard let index = order.lines.firstIndex(where: { $0.lineNo == line.lineNo }) else { continue }
            total += LineAmounts(quantity: line.quantity, unitPriceWithVAT: order.lines[index].price,
                                 rate: order.lines[index].vatRate).total
        }
        return total
    }

    /// A shipment of an order that the day describes, valued, with its returns after delivery in the
    /// order they happened (what the ledger does not decide).
    struct PlannedShipment: Sendable {
        /// Its place in the order's shipments.
        var index: Int
        /// The id of its movement (or of the first one, when a later day changes it).
        var base: String
        var value: Money
        var returns: [PlannedReturn]
    }

    /// A return after delivery: how much it lowered the shipment's value.
    struct PlannedReturn: Sendable {
        var ret: Return
        var base: String
        var change: Money
    }

    /// A block of the day's orders as described without the ledger: each order not cancelled with its
    /// shipments of the day; the bases whose histories to read, the orders whose documents to read;
    /// its prepaid orders with weighed goods that shipped.
    struct PlannedBlock: Sendable {
        var orders: [(order: Order, shipments: [PlannedShipment])] = []
        var bases: [String] = []
        var shipping: [OrderID] = []
        var weighed: [WeighedShipped] = []
    }

    /// A prepaid order with weighed goods that shipped, with its shipped value: what its settlement
    /// needs besides what was paid.
    struct WeighedShipped: Sendable {
        var orderID: OrderID
        var billNumber: BillNumber
        var customerINN: String
        var ordered: Money
        var shipped: Money
        var settledOn: CivilDate
    }

    /// The orders of `block` planned (values computed), for ``record(_:orders:payments:facts:)``.
    func plan(_ block: [Order]) -> PlannedBlock {
        var planned = PlannedBlock()
        planned.orders.reserveCapacity(block.count)
        planned.bases.reserveCapacity(block.count * 2)
        for order in block where order.status != .cancelled {
            let shipments = plan(order, bases: &planned.bases)
            if !shipments.isEmpty { planned.shipping.append(order.id) }
            planned.orders.append((order, shipments))
            if let weighed = weighedPrepaid(order) { planned.weighed.append(weighed) }
        }
        return planned
    }

    /// The shipments of `order` that the day describes, valued, with their returns after delivery;
    /// their bases are added to `bases`.
    private func plan(_ order: Order, bases: inout [String]) -> [PlannedShipment] {
        // Returns after delivery lower the value on this day, in the order they happened.
        let afterDelivery = order.returns.isEmpty ? []
            : order.returns.sorted(by: { ($0.at, $0.id) < ($1.at, $1.id) })
                .filter { $0.stage == .afterDelivery && $0.at.moscowDate <= day }
        var shipments: [PlannedShipment] = []
        for index in order.shipments.indices where order.shipments[index].date <= day {
            let base = "shipment:\(order.shipments[index].id)"
            bases.append(base)
            var returns: [PlannedReturn] = []
            var current: [Int: ExactDecimal] = [:]
            for ret in afterDelivery where ret.shipmentID == order.shipments[index].id {
                if returns.isEmpty {
                    current = Dictionary(order.shipments[index].lines.map { ($0.lineNo, $0.quantity) },
                                         uniquingKeysWith: { a, _ in a })
                }
                // Line by line, in the order they happened.
                let before = DayComputation.value(of: current.map { ($0.key, $0.value) }, in: order)
                for line in ret.lines { current[line.lineNo] = (current[line.lineNo] ?? .zero) - line.quantity }
                let after = DayComputation.value(of: current.map { ($0.key, $0.value) }, in: order)
                let returnBase = "return:\(ret.id)"
                bases.append(returnBase)
                returns.append(PlannedReturn(ret: ret, base: returnBase, change: after - before))
            }
            shipments.append(PlannedShipment(index: index, base: base, value: Self.value(of: order.shipments[index], in: order),
                                             returns: returns))
        }
        return shipments
    }

    /// The movements of one order's planned shipments (and their returns), described by the documents the
    /// ledger holds and staged against the movements earlier days wrote.
    private func describe(_ order: Order, _ shipments: [PlannedShipment], versionsByOrder: [OrderID: [DocumentStamp]],
                          histories: [String: [(movement: BalanceMovement, businessDate: CivilDate)]],
                          into movements: inout [BalanceMovement], facts: inout DayFacts) {
        let inn = order.customer.inn.value
        facts.customersTouched.insert(inn)
        facts.customerNames[inn] = order.customer.name
        guard !shipments.isEmpty else { return }
        let versions = versionsByOrder[order.id] ?? []
        for planned in shipments {
            let shipment = order.shipments[planned.index]
            let document = documentAsOfDay(versions, identity: "UPD:\(shipment.id)")
            let reference: String
            if let document, let number = document.number {
                reference = "УПД № \(prefix)\(number) от \(document.date.russian)"
                    + (document.correctionNumber > 0 ? ", испр. \(document.correctionNumber)" : "")
            } else {
                reference = "Отгрузка \(shipment.id) от \(shipment.date.russian)"
            }
            if let movement = staged(histories, base: planned.base, value: planned.value, customer: inn,
                                     date: shipment.date, kind: .shipment, orderID: order.id, reference: reference) {
                movements.append(movement)
            }
            for item in planned.returns {
                let ret = item.ret
                let ukd = documentAsOfDay(versions, identity: "UKD:\(ret.id)")
                let reference = ukd?.number.map { "УКД № \(prefix)\($0) от \(ukd?.date.russian ?? "")" }
                    ?? "Возврат \(ret.id) от \(ret.at.moscowDate.russian)"
                if let movement = staged(histories, base: item.base, value: item.change, customer: inn,
                                         date: ret.at.moscowDate, kind: .adjustment, orderID: order.id,
                                         reference: reference) {
                    movements.append(movement)
                }
            }
        }
    }

    /// A prepaid order with weighed goods that shipped, with its shipped value (`nil` for another order).
    func weighedPrepaid(_ order: Order) -> WeighedShipped? {
        guard order.status != .cancelled && order.terms.payment == .prepaid && order.lines.contains(where: \.weighed)
            && !order.shipments.isEmpty else { return nil }
        var shipped = Money.zero
        for shipment in order.shipments { shipped += Self.value(of: shipment, in: order) }
        return WeighedShipped(orderID: order.id, billNumber: order.bill.number, customerINN: order.customer.inn.value,
                              ordered: order.bill.amount, shipped: shipped,
                              settledOn: order.shipments.map(\.date).max() ?? day)
    }

    func record(_ tx: LedgerTransaction, orders: DayOrders, payments: PaymentMovements, facts: inout DayFacts) throws {
        // A block of orders at a time: read back and described without the ledger on another core while
        // this thread reads the documents and movement histories of the block before it, and records its
        // movements (what one list of the day's movements would record, in the same order: no block
        // reads the movements of another's orders).
        let ranges = orders.blocks(of: Self.readBlock)
        func planning(_ position: Int) -> Background<Result<PlannedBlock, any Error>> {
            let range = ranges[position]
            return Background { [self] in Result { plan(try orders.orders(in: range)) } }
        }
        var weighed: [WeighedShipped] = []
        var next = ranges.isEmpty ? nil : planning(0)
        for position in ranges.indices {
            guard let current = next else { break }
            let block = try current.wait().get()
            next = position + 1 < ranges.count ? planning(position + 1) : nil
            let versionsByOrder = try tx.documentStamps(orders: block.shipping)
            let histories = try tx.movementHistories(bases: block.bases)
            var movements: [BalanceMovement] = []
            for (order, shipments) in block.orders {
                describe(order, shipments, versionsByOrder: versionsByOrder, histories: histories,
                         into: &movements, facts: &facts)
            }
            _ = try tx.recordMovements(movements, businessDate: day)
            weighed += block.weighed
        }
        // Payments: one movement per payment and customer it paid for; the rest is the payer's credit
        // (worked out ahead while the documents were rendered, as far as the writing thread waited).
        let paid = try payments.finish(tx)
        facts.customersTouched.formUnion(paid.customers)
        // The payments' movements, a block at a time (only one block is ever held as values), then
        // the settlements': the same rows in the same order as one list of both.
        try paid.movements.forEachBlock(of: Self.readBlock) { block in
            _ = try tx.recordMovements(block, businessDate: day)
        }
        var movements: [BalanceMovement] = []
        // Weighed goods: a prepaid order paid more than its shipped value.
        let weighedPaid = try tx.allocatedAmounts(orders: weighed.map(\.orderID))
        let settlements = weighed.compactMap { order -> PrepaidSettlementInput? in
            let paid = weighedPaid[order.orderID] ?? .zero
            guard paid.isPositive else { return nil }
            return PrepaidSettlementInput(
                orderID: order.orderID, billNumber: order.billNumber, customerINN: order.customerINN,
                ordered: order.ordered, paid: paid, shippedValue: order.shipped, settledOn: order.settledOn)
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
        _ = try tx.recordMovements(movements, businessDate: day)
    }

    /// Credit control of the customers the day touched: their limits, names and terms, then their
    /// receivables aged and the stop list.
    ///
    /// The customers' movements (every one since 2000: the ledger's history of each) are read a block
    /// of customers at a time with their orders' terms, and each block is aged on another core while the
    /// next is read, so only two blocks' movements are in memory at once. A shipment's deferral is its
    /// order's terms' when the customer the order lists now is one of the day's, whichever block's: the
    /// block's own orders give most; the few a block's movements name that another customer lists now are
    /// read by id. Every touched customer's orders' terms are never held at once (a dictionary of every
    /// order: ~20 MB at 300 000 orders).
    /// `block`: how many customers are read with one batch of queries (tests use tiny blocks).
    func creditControl(_ tx: LedgerTransaction, facts: inout DayFacts, block size: Int = Self.readBlock) throws {
        var accounts: [CreditAccount] = []
        let start2000 = CivilDate(year: 2000, month: 1, day: 1)!
        let customers = facts.customersTouched.sorted()
        let touched = facts.customersTouched
        let size = max(1, size)
        let day = self.day
        // `Receivables.age` ages each customer alone and lists them by ИНН: the blocks' ageing one
        // after the other (sorted blocks of sorted customers, each customer's movements in one block)
        // is the ageing of all of them.
        var ageing: [CustomerAgeing] = []
        var aged: Background<[CustomerAgeing]>?
        for start in stride(from: 0, to: customers.count, by: size) {
            let block = Array(customers[start..<min(customers.count, start + size)])
            // A block of customers at a time: their orders' terms and latest names read at once.
            let termsByCustomer = try tx.orderTerms(customerINNs: block)
            var latestByCustomer: [String: OrderTermsRecord] = [:]
            var deferralDays: [OrderID: Int] = [:]
            for (inn, records) in termsByCustomer {
                latestByCustomer[inn] = records.max(by: { ($0.createdAt, $0.orderID) < ($1.createdAt, $1.orderID) })
                for record in records {
                    deferralDays[record.orderID] = record.terms.payment == .postpaid ? record.terms.deferralDays : 0
                }
            }
            let names = try tx.customerNames(ofOrders: latestByCustomer.values.map(\.orderID))
            for inn in block {
                // Terms from the orders' columns; only the latest order's customer name is read from its content.
                if let latest = latestByCustomer[inn] {
                    facts.creditLimits[inn] = latest.terms.creditLimit
                    if let name = names[latest.orderID] { facts.customerNames[inn] = name }
                    if latest.terms.payment == .postpaid {
                        accounts.append(CreditAccount(customerINN: inn, creditLimit: latest.terms.creditLimit, openOrders: .zero))
                    }
                } else if let customer = try tx.customer(inn: inn) {
                    facts.customerNames[inn] = customer.party.name
                }
            }
            let entries = try tx.movements(customerINNs: block, from: start2000, through: day, knownOn: day)
            var movements: [BalanceMovement] = []
            for inn in block { movements += entries[inn] ?? [] }
            // Orders of shipments the block's customers no longer list: another customer's now.
            let elsewhere = Set(movements.lazy.filter { $0.kind == .shipment }.compactMap(\.orderID)
                .filter { deferralDays[$0] == nil })
            for (order, deferral) in try tx.deferrals(orders: Array(elsewhere)) where touched.contains(deferral.customerINN) {
                deferralDays[order] = deferral.days
            }
            if let aged { ageing += aged.wait() }
            // (The day keeps what the stop list and the report read, not every open debit of every customer.)
            aged = Background { [movements, deferralDays] in
                Receivables.age(movements, deferralDays: deferralDays, asOf: day).map(\.withoutOpenDebits)
            }
        }
        if let aged { ageing += aged.wait() }
        facts.ageing = ageing
        facts.stopList = CreditControl.stopList(ageing: facts.ageing, accounts: accounts, asOf: day)
    }
}

/// The movements of the payments a day touched, worked out a block of payments at a time: one
/// movement per payment and customer it paid for, the rest the payer's credit, each staged against
/// the movements earlier days wrote.
///
/// It reads only payments, allocations, customers and balance movements — rows the day's
/// documents step does not write — so the writing thread works blocks out whenever it would
/// otherwise wait for the documents being rendered (``advance(_:)``), and ``finish(_:)`` works out
/// the rest: the movements are the same, in the same order, however many blocks were done ahead.
final class PaymentMovements {
    private let movements: DayMovements
    private let payments: PaymentIDList
    private let block: Int
    private var next = 0
    private var known: Set<String>?
    /// The movements worked out so far, compact until step 4 records them (held while the documents
    /// render); with a file, only the block being worked out (each block goes to the file once done).
    private var planned = CompactMovements()
    /// Where each worked-out block goes (one record a block), and how many movements each holds.
    private let file: RecordSpill?
    private var counts: [Int] = []
    private var customers = Set<String>()

    /// - Parameters:
    ///   - payments: the payments the day touched, in the order their movements are written.
    ///   - file: where the movements worked out are kept until step 4 (`nil`: in memory).
    init(_ movements: DayMovements, payments: PaymentIDList, block: Int, keptIn file: RecordSpill? = nil) {
        self.movements = movements
        self.payments = payments
        self.block = max(1, block)
        self.file = file
    }

    /// Whether every block is worked out.
    var isComplete: Bool { next >= payments.count }

    /// Works out the next block of payments (nothing once complete).
    func advance(_ tx: LedgerTransaction) throws {
        guard !isComplete else { return }
        let known = try self.known ?? tx.customerINNs()
        self.known = known
        let providerINN = movements.providerINN
        let block = try payments.ids(in: next..<min(payments.count, next + self.block))
        next += block.count
        let payments = try tx.paymentsReadDirectly(ids: block, includingRecords: false)
        let sharesByPayment = try tx.allocatedShares(payments: block)
        var planned: [(id: PaymentID, payment: Payment, reference: String, amounts: [(customer: String, amount: Money)])] = []
        planned.reserveCapacity(block.count)
        for id in block {
            guard let payment = payments[id], !payment.isPayout(providerINN: providerINN) else { continue }
            var perCustomer: [String: Money] = [:]
            var allocated = Money.zero
            for share in sharesByPayment[id] ?? [] {
                let customer = share.customerINN ?? payment.payerINN ?? ""
                perCustomer[customer, default: .zero] += share.amount
                allocated += share.amount
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
        var bases: [[String]] = []
        bases.reserveCapacity(planned.count)
        for item in planned { bases.append(item.amounts.map { "payment:\(item.id):\($0.customer)" }) }
        let histories = try tx.movementHistories(bases: bases.flatMap { $0 })
        for (item, itemBases) in zip(planned, bases) {
            for ((customer, amount), base) in zip(item.amounts, itemBases) {
                customers.insert(customer)
                if let movement = movements.staged(histories, base: base, value: -amount, customer: customer,
                                                   date: item.payment.receivedOn, kind: .payment, orderID: nil,
                                                   reference: item.reference) {
                    self.planned.append(movement)
                }
            }
        }
        if let file, !self.planned.isEmpty {
            let bytes = self.planned.compactBytes
            try file.append(bytes, ends: [bytes.count])
            counts.append(self.planned.count)
            self.planned = CompactMovements()
        }
    }

    /// Works out what is left; the payments' movements in order and the customers they touched.
    func finish(_ tx: LedgerTransaction) throws -> (movements: KeptMovements, customers: Set<String>) {
        while !isComplete { try advance(tx) }
        if let file { return (.file(file, counts: counts), customers) }
        return (.memory(planned), customers)
    }
}

/// The payments' movements worked out ahead of step 4: in memory, or in a file a block of payments
/// to a record.
enum KeptMovements {
    case memory(CompactMovements)
    case file(RecordSpill, counts: [Int])

    /// The movements in the order they were worked out, at most `size` at a time (a block of the file
    /// is read back whole, then handed over `size` at a time).
    func forEachBlock(of size: Int, _ body: ([BalanceMovement]) throws -> Void) throws {
        switch self {
        case let .memory(movements):
            try movements.forEachBlock(of: size, body)
        case let .file(file, counts):
            for (position, count) in counts.enumerated() {
                let kept = CompactMovements(compactBytes: try file.records(position..<(position + 1)).bytes, count: count)
                try kept.forEachBlock(of: size, body)
            }
        }
    }
}
