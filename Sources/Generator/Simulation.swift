import Domain

/// What to generate: `days` consecutive business days from `firstDay`, `ordersPerDay` new orders each.
public struct GeneratorSettings: Hashable, Sendable {
    public var firstDay: CivilDate
    public var ordersPerDay: Int
    public var seed: UInt64
    public var days: Int

    public init(firstDay: CivilDate, ordersPerDay: Int, seed: UInt64, days: Int = 1) {
        self.firstDay = firstDay
        self.ordersPerDay = ordersPerDay
        self.seed = seed
        self.days = days
    }
}

/// How many of each thing a generated day holds.
public struct DayCounts: Hashable, Sendable, Codable {
    /// New orders of the day (the feed also holds `reissuedOrders`).
    public var orders = 0
    /// Earlier orders that come back in the feed with a return recorded this day.
    public var reissuedOrders = 0
    public var lines = 0
    public var shipments = 0
    public var cancelled = 0
    public var prepaid = 0
    public var postpaid = 0
    public var beforeDepartureReturns = 0
    public var afterDeliveryReturns = 0
    public var mercuryWithoutVSD = 0
    /// Provider orders in `invoicebox.json`, and how many of them are completed payments of the day.
    public var providerRecords = 0
    public var providerPayments = 0
    /// Documents in the 1C statement: incoming payments and outgoing debits.
    public var bankIncoming = 0
    public var bankOutgoing = 0
    /// Entries in the camt.053 statement.
    public var camtEntries = 0
    /// Incoming payments (both accounts) by scenario: `exact`, `partial`, `over`, `multi-bill`, …
    public var paymentKinds: [String: Int] = [:]

    public init() {}
}

/// One generated business day: the bills it issued and its money, ready to write or to use in memory.
public struct GeneratedDay: Sendable {
    public let date: CivilDate
    /// 0 for the first day of the run.
    public let dayIndex: Int
    /// The bills of the day's new orders, in feed order.
    public let bills: [GeneratedBill]
    public let counts: DayCounts
    let plan: PaymentPlanner.Plan
    /// Opening balances of the main (1C) and second (camt.053) accounts.
    let mainOpening: Money
    let secondOpening: Money

    /// The day's payments as the readers would report them: completed provider orders paid on the
    /// day, incoming credits to the main account (1C) and booked credits to the second (camt.053).
    ///
    /// Ids follow the readers' rules (`invoicebox:<uuid>`, `bank:<account>:<date>:<number>:<payer account>:<amount>`
    /// for 1C, `bank:<account>:<AcctSvcrRef>` for camt.053). With `rawRecords` false, `raw` is left
    /// empty to save memory in large benchmarks; otherwise it is the record as written in the file.
    public func payments(rawRecords: Bool = true) -> [Payment] {
        var payments: [Payment] = []
        payments.reserveCapacity(plan.main.count + plan.second.count + plan.provider.count)
        for record in plan.provider where record.status == .completed {
            guard let paidAt = record.paidAt, paidAt.moscowDate == date else { continue }
            payments.append(Payment(
                id: PaymentID("invoicebox:\(record.id)"), source: .invoicebox, receivedOn: date, amount: record.amount,
                payerINN: record.customerINN, payerName: record.customerName, purpose: record.description,
                providerOrderID: ProviderOrderID(record.id), merchantOrderID: record.merchantOrderID,
                raw: rawRecords ? InvoiceboxWriter.json(record) : ""))
        }
        for operation in plan.main where operation.direction == .incoming {
            let account = operation.payee.bank.account
            payments.append(Payment(
                id: PaymentID("bank:\(account):\(operation.date.iso):\(operation.number):\(operation.payer.bank.account):\(operation.amount)"),
                source: .bank1C, receivedOn: date, amount: operation.amount, payerINN: operation.payer.inn,
                payerName: operation.payer.name, purpose: operation.purposeText, documentNumber: operation.number,
                documentDate: operation.date,
                raw: rawRecords ? ClientBankWriter.documentLines(operation).joined(separator: "\n") : ""))
        }
        for operation in plan.second where operation.direction == .incoming && operation.booked {
            payments.append(Payment(
                id: PaymentID("bank:\(operation.payee.bank.account):\(operation.reference)"), source: .camt053, receivedOn: date,
                amount: operation.amount, payerINN: operation.payer.inn, payerName: operation.payer.name,
                purpose: operation.purposeText, documentNumber: operation.number,
                raw: rawRecords ? Camt053Writer.entry(operation, indent: "") : ""))
        }
        return payments
    }
}

/// Generates consecutive business days of one run, one day at a time, with continuity: postpaid
/// bills are paid on later days, delivered orders come back with returns the next day, and the
/// provider pays out each day's payments the next day.
///
/// Everything is a function of the settings: the same settings give the same days.
public struct Simulation: Sendable {
    public let settings: GeneratorSettings
    let world: World
    let factory: OrderFactory
    let planner: PaymentPlanner
    /// The index of the next day to generate.
    public private(set) var dayIndex = 0
    private var duePostpaid: [Int: [GeneratedBill]] = [:]
    private var reissues: [(dayIndex: Int, ordinal: Int, sequence: Int)] = []
    private var previousProviderTotal = Money.zero
    /// Running balances of the two accounts (statement opening balances).
    var mainBalance: Money
    var secondBalance: Money

    public init(_ settings: GeneratorSettings) {
        self.settings = settings
        world = World(seed: settings.seed, ordersPerDay: settings.ordersPerDay)
        factory = OrderFactory(world: world, seed: settings.seed)
        planner = PaymentPlanner(world: world, seed: settings.seed)
        var random = SeededRandom(seed: settings.seed, stream: 0xBA1A)
        mainBalance = Money(rubles: Int64(random.int(800_000...1_500_000)), kopecks: Int64(random.int(0...99)))
        secondBalance = Money(rubles: Int64(random.int(50_000...150_000)))
    }

    /// The seller the days belong to.
    public var seller: SellerProfile { world.seller }
    /// The payment provider.
    public var provider: ProviderProfile { world.provider }
    /// The customer pool.
    public var customers: [Customer] { world.customers }

    /// The date of the next day to generate.
    public var nextDate: CivilDate { settings.firstDay.adding(days: dayIndex) }

    /// Generates the next day. Orders are handed to `emit` one by one, in feed order (earlier
    /// orders reissued with a return first, then the day's new orders), so a writer can stream them.
    public mutating func nextDay(emit: (Order) throws -> Void) rethrows -> GeneratedDay {
        let index = dayIndex
        let day = nextDate
        let count = settings.ordersPerDay
        var counts = DayCounts()

        for reissue in reissues {
            let originalDay = settings.firstDay.adding(days: reissue.dayIndex)
            if let order = factory.reissue(dayIndex: reissue.dayIndex, day: originalDay, ordinal: reissue.ordinal,
                                           sequence: reissue.sequence, on: day) {
                counts.reissuedOrders += 1
                counts.afterDeliveryReturns += 1
                try emit(order)
            }
        }
        reissues = []

        var bills: [GeneratedBill] = []
        bills.reserveCapacity(count)
        var dueToday = duePostpaid.removeValue(forKey: index) ?? []
        for ordinal in 0..<count {
            let sequence = index * count + ordinal + 1
            let (order, bill) = factory.make(dayIndex: index, day: day, ordinal: ordinal, sequence: sequence)
            Simulation.tally(order, into: &counts)
            try emit(order)
            bills.append(bill)
            if bill.returnsNextDay, index + 1 < settings.days {
                reissues.append((index, ordinal, sequence))
            }
            if bill.channel == .deferred, !bill.cancelled {
                var random = SeededRandom(seed: settings.seed, stream: UInt64(index), UInt64(ordinal), 3)
                let roll = Int(random.below(100))
                if roll < 5 {
                    dueToday.append(bill)
                } else if roll >= 95 {
                    // Not paid within the run.
                } else {
                    let offset = random.int(1...order.terms.deferralDays + 3)
                    if index + offset < settings.days { duePostpaid[index + offset, default: []].append(bill) }
                }
            }
        }
        counts.orders = count

        let plan = planner.plan(dayIndex: index, day: day, bills: bills, due: dueToday,
                                previousProviderTotal: previousProviderTotal)
        previousProviderTotal = plan.providerTotal
        counts.providerRecords = plan.provider.count
        counts.providerPayments = plan.provider.filter { $0.status == .completed }.count
        counts.bankIncoming = plan.main.filter { $0.direction == .incoming }.count
        counts.bankOutgoing = plan.main.count - counts.bankIncoming
        counts.camtEntries = plan.second.count
        for operation in plan.main + plan.second where operation.direction == .incoming {
            counts.paymentKinds[operation.kind.rawValue, default: 0] += 1
        }
        let mainOpening = mainBalance
        let secondOpening = secondBalance
        mainBalance = mainOpening + ClientBankWriter.credits(plan.main) - ClientBankWriter.debits(plan.main)
        secondBalance = secondOpening + ClientBankWriter.credits(plan.second.filter(\.booked))
            - ClientBankWriter.debits(plan.second.filter(\.booked))
        dayIndex += 1
        return GeneratedDay(date: day, dayIndex: index, bills: bills, counts: counts, plan: plan,
                            mainOpening: mainOpening, secondOpening: secondOpening)
    }

    static func tally(_ order: Order, into counts: inout DayCounts) {
        counts.lines += order.lines.count
        counts.shipments += order.shipments.count
        if order.status == .cancelled { counts.cancelled += 1 }
        if order.terms.payment == .prepaid { counts.prepaid += 1 } else { counts.postpaid += 1 }
        for back in order.returns {
            switch back.stage {
            case .beforeDeparture: counts.beforeDepartureReturns += 1
            case .afterDelivery: counts.afterDeliveryReturns += 1
            }
        }
        for shipment in order.shipments {
            for line in shipment.lines where line.vsd.isEmpty && line.quantity.isPositive {
                if order.line(line.lineNo)?.mercury == true { counts.mercuryWithoutVSD += 1 }
            }
        }
    }
}
