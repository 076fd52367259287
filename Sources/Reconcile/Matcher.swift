import Domain

/// Allocates payments to open bills by sverka's rules, in this order:
///
/// 1. the accountant's pins; 2. provider payments by the provider's order id or
/// `merchantOrderId`; 3. the bill number quoted in the purpose; 4. payer ИНН and an
/// exact open amount; 5. payer ИНН and the smallest exact set of at most five bills;
/// 6. payer ИНН, oldest bills first; 7. otherwise unmatched, with candidates.
/// Then, when configured, a customer's credit pays their later bills.
///
/// No I/O of its own (the payments' source and the bills' store it may be given read files). The
/// result does not depend on the order of the input (payments are
/// taken by received date then id, bills by date then number). Every lookup is indexed
/// (by ИНН, by normalised bill number, by amount), so a run is O(n log n).
/// See docs/reconciliation.md.
public enum Matcher {
    /// Runs the rules over `input` and returns the decisions. The input is taken over: its bills and
    /// payments are let go once the matcher holds them in its own order (a caller that passes its only
    /// copy holds a day's bills and payments once, not twice, while the matcher runs).
    public static func match(_ input: consuming MatchingInput) -> MatchingResult {
        var engine = MatchingEngine(consume input)
        let all: (Range<Int>) throws(Never) -> [OpenPayment] = { _ in [] } // (the engine holds them all)
        engine.run(reading: all)
        return engine.takeResult(reading: all)
    }

    /// Runs the rules over `input`'s bills and the payments of `source` (`input.payments` must be
    /// empty), read a window of `window` payments at a time: the decisions are those of
    /// ``match(_:)`` given the same payments in an array, and no more than one window of them is held.
    ///
    /// The source is read once for what the order of the payments needs (dates and ids, let go
    /// before the rules run), then once for each pass of the rules in that order.
    /// - Throws: what `source` throws; nothing is decided then.
    public static func match(_ input: consuming MatchingInput, paymentsFrom source: some PaymentSource,
                             window: Int = 4_096) throws -> MatchingResult {
        precondition(input.payments.isEmpty, "the payments come from the source")
        let (plan, read) = try planned(source, window: window)
        var engine = MatchingEngine(consume input, plan: plan, window: window)
        try engine.run(reading: read)
        return try engine.takeResult(reading: read)
    }

    /// Runs the rules over `bills` (``MatcherBills``, already in their canonical order: `input.bills` and
    /// `input.compactBills` must be empty) and the payments of `source`, read as
    /// ``match(_:paymentsFrom:window:)`` reads them: the decisions are those of ``match(_:)`` given the
    /// same bills and payments in arrays.
    /// - Throws: what `source` throws, or why `bills` could not be read (``MatcherBills/failure``);
    ///   nothing is decided then.
    public static func match<Bills: MatcherBills>(_ input: consuming MatchingInput, bills: consuming Bills,
                                                  paymentsFrom source: some PaymentSource,
                                                  window: Int = 4_096) throws -> MatchingResult {
        precondition(input.payments.isEmpty, "the payments come from the source")
        precondition(input.bills.isEmpty && input.compactBills.isEmpty, "the bills come from the store")
        let (plan, read) = try planned(source, window: window)
        var engine = MatchingEngine(consume input, bills: bills, plan: plan, window: window)
        if let failure = engine.bills.failure { throw failure }
        try engine.run(reading: read)
        if let failure = engine.bills.failure { throw failure }
        let result = try engine.takeResult(reading: read)
        if let failure = engine.bills.failure { throw failure }
        return result
    }

    /// The plan of `source`'s payments, and how the rules read them a window at a time in its order
    /// (from the source arranged in that order, when it can be).
    private static func planned(_ source: some PaymentSource, window: Int) throws
        -> (PaymentPlan, (Range<Int>) throws -> [OpenPayment]) {
        precondition(window > 0, "a window holds at least one payment")
        let plan = try PaymentPlan(count: source.count, block: window) { range in
            try source.payments(at: Array(range))
        }
        if let arranged = try source.arranged(in: plan.order) {
            precondition(arranged.count == plan.count, "an arranged source holds every payment once")
            return (plan, { range in try arranged.payments(at: Array(range)) })
        }
        let order = plan.order
        return (plan, { range in try source.payments(at: order[range].map { Int($0) }) })
    }
}

/// The matcher's payments when the caller does not hold them all (the job keeps a day's in a file).
public protocol PaymentSource: Sendable {
    /// How many payments there are (positions `0..<count`).
    var count: Int { get }
    /// The payments at `positions`, in that order.
    func payments(at positions: [Int]) throws -> [OpenPayment]
    /// The same payments with `order[i]`'s at position `i`, when the source reads faster a window of
    /// neighbouring positions than one scattered over it (a file: the matcher reads every payment in
    /// this order several times); `nil` (the default): the matcher reads this source by position.
    func arranged(in order: [Int32]) throws -> (any PaymentSource)?
}

extension PaymentSource {
    public func arranged(in order: [Int32]) throws -> (any PaymentSource)? { nil }
}

/// What the matcher works out of its payments before the rules run: their canonical order (by date
/// received, id as UTF-8 bytes, then position), and what each starts with, by place in that order.
struct PaymentPlan {
    /// How many payments.
    var count: Int
    /// The position (in the input) of the payment at each place of the canonical order.
    var order: [Int32]
    /// What each payment has left to allocate: its amount less its earlier allocations.
    var remaining: [Int64]
    /// Whether each has a pinned allocation already.
    var pinned: [Bool]
    /// Whether each repeats the id of a payment earlier in the order (the first listing counts).
    var repeated: [Bool]
    /// How many provider payments quote each `merchantOrderId`.
    var merchantOrderUse: [String: Int]

    /// The plan of `count` payments read by `read` a block of positions at a time, in order.
    init<Failure: Error>(count: Int, block: Int,
                         read: (Range<Int>) throws(Failure) -> [OpenPayment]) throws(Failure) {
        self.count = count
        var dates: [CivilDate] = []
        var ids: [String] = []
        var remainingByPosition: [Int64] = []
        var pinnedByPosition: [Bool] = []
        dates.reserveCapacity(count)
        ids.reserveCapacity(count)
        remainingByPosition.reserveCapacity(count)
        pinnedByPosition.reserveCapacity(count)
        merchantOrderUse = [:]
        for start in stride(from: 0, to: count, by: block) {
            let payments = try read(start..<min(count, start + block))
            precondition(payments.count == min(count, start + block) - start, "a source gives one payment a position")
            for open in payments {
                let payment = open.payment
                dates.append(payment.receivedOn)
                ids.append(payment.id.rawValue)
                remainingByPosition.append(payment.amount.kopecks - open.allocated.kopecks)
                pinnedByPosition.append(open.existingAllocations.contains { $0.method == .pin })
                if payment.source == .invoicebox, let merchant = payment.merchantOrderID, !merchant.isEmpty {
                    merchantOrderUse[merchant, default: 0] += 1
                }
            }
        }
        let positions = ByteOrder.sortedPositions(count: count) { i, j in
            if dates[i] != dates[j] { return dates[i] < dates[j] }
            let byID = ByteOrder.compare(ids[i], ids[j])
            if byID != 0 { return byID < 0 }
            return i < j
        }
        dates = []
        order = positions.map { Int32($0) }
        remaining = positions.map { remainingByPosition[$0] }
        pinned = positions.map { pinnedByPosition[$0] }
        (remainingByPosition, pinnedByPosition) = ([], [])
        var seen = Set<String>(minimumCapacity: count)
        repeated = positions.map { !seen.insert(ids[$0]).inserted }
    }
}

struct MatchingEngine<Bills: MatcherBills> {
    let configuration: MatchingConfiguration
    let knownCustomers: Set<String>
    /// Whether `takeResult(reading:)` lists the payments' and bills' outcomes.
    let reportsOutcomes: Bool

    // Bills, canonical order; index = age rank. Their texts and fixed keys are read from `bills`.
    private(set) var bills: Bills
    var outstanding: [Int64]
    // What each bill had, got and had written off, and whether it was touched: for the outcomes only
    // (empty when they are not asked for).
    private(set) var allocatedBefore: [Int64]
    var allocatedNow: [Int64]
    var writtenOff: [Int64]
    var touched: [Bool]
    private(set) var billCustomer: [Int32]

    // Customers.
    var customerSlots: [String: Int32] = [:]
    var customerBillStart: [Int] = []
    var customerBills: [Int32] = []
    var firstOpen: [Int] = []

    // Indexes that change as bills are paid (those by fixed keys are `bills`' own).
    var byCustomerAmount: BillIndex<CustomerAmountKeys>
    var byAmount: BillIndex<AmountKeys>

    // Payments, canonical order: all of them (``Matcher/match(_:)``), or the window read from a source
    // (``Matcher/match(_:paymentsFrom:window:)``) that starts at place `windowStart`. Only the rules'
    // passes move the window (`hold`); a rule reads the payment it decides (`openPayment`), which is held.
    var payments: [OpenPayment] = []
    var windowStart = 0
    /// How many payments.
    let paymentCount: Int
    /// How many payments a window read from a source holds.
    let window: Int
    /// Whether each repeats the id of a payment before it (it is rejected: the first listing counts).
    var repeated: [Bool]
    /// How many provider payments of this input carry each `merchantOrderId`: the provider does not
    /// keep it unique, so one shared by several provider orders identifies none of them.
    var merchantOrderUse: [String: Int] = [:]
    var remaining: [Int64] = []
    var creditINN: [String?] = []
    var status: [PaymentOutcome.Status] = []
    var methods: [[AllocationMethod]] = []
    var allocatedNowByPayment: [Int64] = []
    var pinned: [Bool] = []
    var pinsByPayment: [PaymentID: [Pin]] = [:]

    // Output.
    /// The allocations made, in order, each payment by its place and each bill by its position: the
    /// `Allocation`s (with the payments' ids and the bills' texts) are made once, exactly as many, when
    /// the result is taken (24 bytes an allocation while matching, where an `Allocation` takes 64 and
    /// its payment's id a heap block, in an array that doubles as it grows).
    var made: [MadeAllocation] = []
    var writeOffs: [WriteOff] = []
    var exceptions: [ReconcileException] = []
    var payouts: [Payment] = []

    /// The engine of `input`, holding its payments (put in their canonical order where they are).
    init(_ input: consuming MatchingInput) where Bills == HeldBills {
        var held: [OpenPayment] = []
        swap(&held, &input.payments)
        let plan = PaymentPlan(count: held.count, block: 65_536) { range throws(Never) in Array(held[range]) }
        ByteOrder.arrange(&held, in: plan.order.map { Int($0) })
        self.init(consume input, plan: plan, window: held.count)
        payments = held
    }

    /// The engine of `input`'s bills (held in memory, put in their canonical order) and the payments
    /// `plan` was made of, read `window` at a time.
    init(_ input: consuming MatchingInput, plan: consuming PaymentPlan, window: Int) where Bills == HeldBills {
        // The input's compact bills, then those given as values (let go once copied), put in order once.
        var table = CompactBills()
        swap(&table, &input.compactBills)
        var given: [OpenBill] = []
        swap(&given, &input.bills)
        for bill in given { table.append(bill) }
        given = []
        self.init(consume input, bills: HeldBills(arranging: table), plan: plan, window: window)
    }

    /// The engine of `bills` (in their canonical order) and the payments `plan` was made of, read
    /// `window` at a time; `input`'s own bills are not read.
    init(_ input: consuming MatchingInput, bills: consuming Bills, plan: consuming PaymentPlan, window: Int) {
        configuration = input.configuration
        knownCustomers = input.knownCustomerINNs
        reportsOutcomes = input.reportsOutcomes

        self.bills = bills
        let count = self.bills.count
        let keepsOutcomes = input.reportsOutcomes
        var open: [Int64] = []
        var before: [Int64] = []
        var slots: [String: Int32] = [:] // (not reserved for every bill: a customer has many)
        var customerOf: [Int32] = []
        open.reserveCapacity(count)
        before.reserveCapacity(keepsOutcomes ? count : 0)
        customerOf.reserveCapacity(count)
        self.bills.forEachSummary { _, amount, allocated, inn in
            open.append(max(0, amount - allocated))
            if keepsOutcomes { before.append(allocated) }
            if let slot = slots[inn] {
                customerOf.append(slot)
            } else {
                let slot = Int32(slots.count)
                slots[inn] = slot
                customerOf.append(slot)
            }
        }
        precondition(open.count == count, "a summary for each bill")
        outstanding = open
        // (What each bill had and got, for the outcomes only: a caller that asks for none holds none.)
        let outcomes = keepsOutcomes ? count : 0
        allocatedBefore = before
        allocatedNow = Array(repeating: 0, count: outcomes)
        writtenOff = Array(repeating: 0, count: outcomes)
        touched = Array(repeating: false, count: outcomes)
        billCustomer = customerOf
        customerSlots = slots

        // Bills per customer, oldest first (a counting sort keeps the canonical order).
        var starts = Array(repeating: 0, count: slots.count + 1)
        for slot in customerOf { starts[Int(slot) + 1] += 1 }
        for index in 0..<slots.count { starts[index + 1] += starts[index] }
        var fill = starts
        var flat = Array(repeating: Int32(0), count: count)
        for (bill, slot) in customerOf.enumerated() {
            flat[fill[Int(slot)]] = Int32(bill)
            fill[Int(slot)] += 1
        }
        customerBillStart = starts
        customerBills = flat
        firstOpen = Array(starts.dropLast())

        // Built from the newest bill down, each put first in its group: the groups come out oldest first.
        var customerAmount = BillIndex<CustomerAmountKeys>(billCount: count)
        var amount = BillIndex<AmountKeys>(billCount: count)
        let customerAmountKeys = CustomerAmountKeys(outstanding: outstanding, customers: customerOf)
        let amountKeys = AmountKeys(outstanding: outstanding)
        for position in stride(from: count - 1, through: 0, by: -1) where outstanding[position] > 0 {
            let index = Int32(position)
            customerAmount.prepend(index, under: customerAmountKeys.key(of: index), keys: customerAmountKeys)
            amount.prepend(index, under: outstanding[position], keys: amountKeys)
        }
        byCustomerAmount = customerAmount
        byAmount = amount

        // Payments: what each starts with, in the plan's canonical order.
        paymentCount = plan.count
        self.window = window
        merchantOrderUse = plan.merchantOrderUse
        remaining = plan.remaining
        creditINN = Array(repeating: nil, count: paymentCount)
        status = Array(repeating: .unmatched, count: paymentCount)
        methods = Array(repeating: [], count: reportsOutcomes ? paymentCount : 0) // (for the outcomes only)
        allocatedNowByPayment = Array(repeating: 0, count: reportsOutcomes ? paymentCount : 0) // (for the outcomes only)
        pinned = plan.pinned
        repeated = plan.repeated
        for pin in input.pins { pinsByPayment[pin.paymentID, default: []].append(pin) }
    }

    // MARK: - Run

    /// Runs the rules; `read` gives the payments at a range of places when they are not held.
    mutating func run<Failure: Error>(reading read: (Range<Int>) throws(Failure) -> [OpenPayment]) throws(Failure) {
        var eligible = Array(repeating: false, count: paymentCount)
        for index in 0..<paymentCount {
            try hold(index, read)
            let payment = openPayment(index).payment
            if repeated[index] {
                status[index] = .rejected
                remaining[index] = 0
                exceptions.append(ReconcileException(
                    kind: .duplicatePayment, severity: .warning, paymentID: payment.id,
                    message: "payment \(payment.id) is given twice; the second copy is ignored"))
                continue
            }
            if isPayout(payment) {
                status[index] = .payout
                payouts.append(payment)
                continue
            }
            if payment.amount.kopecks <= 0 || remaining[index] < 0 {
                status[index] = .rejected
                let reason = payment.amount.kopecks <= 0
                    ? "amount \(payment.amount) is not positive"
                    : "earlier allocations \(openPayment(index).allocated) exceed the amount \(payment.amount)"
                remaining[index] = max(0, remaining[index])
                exceptions.append(ReconcileException(
                    kind: .invalidPayment, severity: .error, paymentID: payment.id,
                    message: "payment \(payment.id): \(reason); not allocated"))
                continue
            }
            eligible[index] = true
        }
        repeated = []
        // Rule 1: pins, before anything automatic.
        for index in 0..<paymentCount where eligible[index] && !pinsByPayment.isEmpty {
            try hold(index, read)
            applyPins(payment: index)
        }
        // Rules 2–7.
        for index in 0..<paymentCount where eligible[index] {
            try hold(index, read)
            if openPayment(index).existingAllocations.isEmpty && !pinned[index] {
                matchAutomatically(payment: index)
            } else {
                settleRemainderAsCredit(payment: index)
            }
        }
        if configuration.creditPaysLaterBills {
            for index in 0..<paymentCount where eligible[index] {
                try hold(index, read)
                applyCredit(payment: index)
            }
        }
    }

    /// Makes the payment at place `index` readable (``openPayment(_:)``): when it is not in the window,
    /// the window becomes the `window` payments from it on (the one before is let go first).
    @inline(__always)
    private mutating func hold<Failure: Error>(_ index: Int,
                                               _ read: (Range<Int>) throws(Failure) -> [OpenPayment]) throws(Failure) {
        guard index < windowStart || index >= windowStart + payments.count else { return }
        let range = index..<min(paymentCount, index + window)
        payments = []
        let block = try read(range)
        precondition(block.count == range.count, "a source gives one payment a position")
        payments = block
        windowStart = index
    }

    /// The payment at place `index`, held (``hold(_:_:)``).
    @inline(__always)
    private func openPayment(_ index: Int) -> OpenPayment { payments[index - windowStart] }

    private func isPayout(_ payment: Payment) -> Bool {
        payment.isPayout(providerINN: configuration.providerINN)
    }

    private func isKnownCustomer(_ inn: String) -> Bool {
        knownCustomers.contains(inn) || customerSlots[inn] != nil
    }

    /// The bills whose number's normalised form is `key`, oldest first.
    private mutating func bills(normalizedNumber key: String) -> [Int32] {
        bills.positions(normalizedNumber: key)
    }

    /// The bills with this exact number, oldest first.
    private mutating func bills(numbered number: BillNumber) -> [Int32] {
        bills.positions(numbered: number)
    }

    /// The bills whose order id or order number is `merchantOrderID`, oldest first.
    private mutating func bills(merchantOrderID: String) -> [Int32] {
        bills.positions(orderIDOrNumber: merchantOrderID)
    }

    // MARK: - Allocation primitives

    /// The keys of the changing indexes, read from the bills' arrays as they are now.
    private var customerAmountKeys: CustomerAmountKeys {
        CustomerAmountKeys(outstanding: outstanding, customers: billCustomer)
    }
    private var amountKeys: AmountKeys { AmountKeys(outstanding: outstanding) }

    private mutating func setOutstanding(_ bill: Int32, to value: Int64) {
        let position = Int(bill)
        let old = outstanding[position]
        guard old != value else { return }
        let customer = billCustomer[position]
        // (The keys read `outstanding` as it is at each call: the bill leaves under its old amount and
        // comes back under its new one; the copies of the arrays are let go before `outstanding` changes.)
        if old > 0 {
            byCustomerAmount.remove(bill, under: CustomerAmount(customer: customer, kopecks: old), keys: customerAmountKeys)
            byAmount.remove(bill, under: old, keys: amountKeys)
        }
        outstanding[position] = value
        if value > 0 {
            byCustomerAmount.insert(bill, under: CustomerAmount(customer: customer, kopecks: value), keys: customerAmountKeys)
            byAmount.insert(bill, under: value, keys: amountKeys)
        }
    }

    /// Moves `kopecks` of payment `payment` to `bill`; both must have that much.
    private mutating func allocate(payment: Int, bill: Int32, kopecks: Int64, method: AllocationMethod) {
        let position = Int(bill)
        precondition(kopecks > 0 && kopecks <= outstanding[position] && kopecks <= remaining[payment],
                     "allocation beyond a payment or a bill")
        setOutstanding(bill, to: outstanding[position] - kopecks)
        remaining[payment] -= kopecks
        if reportsOutcomes {
            allocatedNow[position] += kopecks
            touched[position] = true
            allocatedNowByPayment[payment] += kopecks
            if !methods[payment].contains(method) { methods[payment].append(method) }
        }
        made.append(MadeAllocation(payment: Int32(payment), bill: bill, kopecks: kopecks, method: method))
    }

    /// Closes the last `kopecks` of `bill` by the configured write-off.
    private mutating func writeOff(payment: Int, bill: Int32, kopecks: Int64, method: AllocationMethod) {
        let position = Int(bill)
        precondition(kopecks > 0 && kopecks <= configuration.writeOffLimit.kopecks && kopecks == outstanding[position],
                     "write-off beyond the limit")
        setOutstanding(bill, to: 0)
        if reportsOutcomes {
            writtenOff[position] += kopecks
            touched[position] = true
        }
        let target = bills.bill(at: position)
        let paymentID = openPayment(payment).payment.id
        let movement = BalanceMovement(
            id: "write-off:\(target.number):\(paymentID)", customerINN: target.customerINN,
            date: openPayment(payment).payment.receivedOn, kind: .writeOff, amount: Money(kopecks: -kopecks),
            orderID: target.orderID,
            reference: "write-off \(Money(kopecks: kopecks)) of bill \(target.number) after payment \(paymentID)")
        writeOffs.append(WriteOff(paymentID: paymentID, billNumber: target.number, orderID: target.orderID,
                                  customerINN: target.customerINN, amount: Money(kopecks: kopecks), method: method,
                                  movement: movement))
    }

    /// The customer's open bills, oldest first, at most `limit` (skips closed bills at the front for good).
    private mutating func openBills(ofCustomer slot: Int32, limit: Int) -> [Int32] {
        let end = customerBillStart[Int(slot) + 1]
        var cursor = firstOpen[Int(slot)]
        while cursor < end, outstanding[Int(customerBills[cursor])] == 0 { cursor += 1 }
        firstOpen[Int(slot)] = cursor
        var result: [Int32] = []
        while cursor < end, result.count < limit {
            let bill = customerBills[cursor]
            if outstanding[Int(bill)] > 0 { result.append(bill) }
            cursor += 1
        }
        return result
    }

    // MARK: - Rule 1: pins

    private mutating func applyPins(payment index: Int) {
        let payment = openPayment(index).payment
        guard let pins = pinsByPayment[payment.id] else { return }
        let ordered = pins.sorted { a, b in
            if a.billNumber != b.billNumber { return a.billNumber < b.billNumber }
            return (a.amount?.kopecks ?? -1) < (b.amount?.kopecks ?? -1)
        }
        for pin in ordered {
            if openPayment(index).existingAllocations.contains(where: { $0.method == .pin && $0.billNumber == pin.billNumber }) {
                continue  // applied by an earlier run; the ledger keeps it
            }
            pinned[index] = true
            let candidates = bills(numbered: pin.billNumber)
            guard candidates.count == 1, let bill = candidates.first else {
                exceptions.append(ReconcileException(
                    kind: .pinRejected, severity: .error, paymentID: payment.id, billNumbers: [pin.billNumber],
                    message: candidates.isEmpty
                        ? "pin of payment \(payment.id) to bill \(pin.billNumber): no open bill with this number"
                        : "pin of payment \(payment.id) to bill \(pin.billNumber): \(candidates.count) open bills have this number"))
                continue
            }
            let open = outstanding[Int(bill)]
            let wanted = pin.amount?.kopecks ?? open
            let given = min(wanted, open, remaining[index])
            guard given > 0 else {
                exceptions.append(ReconcileException(
                    kind: .pinRejected, severity: .error, paymentID: payment.id, billNumbers: [pin.billNumber],
                    message: "pin of payment \(payment.id) to bill \(pin.billNumber): nothing to allocate "
                        + "(bill open \(Money(kopecks: open)), payment left \(Money(kopecks: remaining[index])), "
                        + "asked \(Money(kopecks: max(0, wanted))))"))
                continue
            }
            if given < wanted {
                exceptions.append(ReconcileException(
                    kind: .pinCapped, severity: .warning, paymentID: payment.id, billNumbers: [pin.billNumber],
                    expected: Money(kopecks: wanted), actual: Money(kopecks: given),
                    message: "pin of payment \(payment.id) to bill \(pin.billNumber) asks \(Money(kopecks: wanted)); "
                        + "allocated \(Money(kopecks: given)) (bill open \(Money(kopecks: open)), "
                        + "payment left \(Money(kopecks: remaining[index])))"))
            }
            allocate(payment: index, bill: bill, kopecks: given, method: .pin)
            if creditINN[index] == nil { creditINN[index] = bills.customerINN(at: Int(bill)) }
        }
    }

    /// A payment already allocated (earlier, or by a pin): what is left is the customer's credit.
    private mutating func settleRemainderAsCredit(payment index: Int) {
        let payment = openPayment(index).payment
        if let payer = payment.payerKey, isKnownCustomer(payer) {
            creditINN[index] = payer
        }
        if remaining[index] > 0, creditINN[index] == nil {
            exceptions.append(ReconcileException(
                kind: .unmatchedPayment, severity: .warning, paymentID: payment.id,
                message: "payment \(payment.id): \(Money(kopecks: remaining[index])) left after earlier or pinned "
                    + "allocations, and the payer is no known customer"))
        }
    }

    // MARK: - Rules 2–7

    private mutating func matchAutomatically(payment index: Int) {
        let payment = openPayment(index).payment
        let payer = payment.payerKey
        if let payer, isKnownCustomer(payer) { creditINN[index] = payer }

        if payment.source == .invoicebox, matchProvider(payment: index, payer: payer) { return }
        if matchReference(payment: index, payer: payer) { return }
        guard let payer, let slot = customerSlots[payer] else {
            if creditINN[index] == nil { reportUnmatched(payment: index, payer: payer) }
            return
        }
        if matchExactAmount(payment: index, slot: slot) { return }
        if matchSubset(payment: index, slot: slot) { return }
        matchOldestFirst(payment: index, slot: slot)
    }

    /// Rule 2. Returns whether the payment was decided (allocated, or held as ambiguous/unknown).
    private mutating func matchProvider(payment index: Int, payer: String?) -> Bool {
        let payment = openPayment(index).payment
        var candidates: [Int32] = []
        var how = ""
        if let provider = payment.providerOrderID {
            candidates = bills.positions(providerOrderID: provider)
            how = "provider order id \(provider)"
        }
        if candidates.isEmpty, let merchant = payment.merchantOrderID, !merchant.isEmpty {
            candidates = bills(merchantOrderID: merchant)
            how = "merchantOrderId \(merchant)"
        }
        let hasIdentifiers = payment.providerOrderID != nil || !(payment.merchantOrderID ?? "").isEmpty
        if how.hasPrefix("merchantOrderId"), let merchant = payment.merchantOrderID, (merchantOrderUse[merchant] ?? 0) > 1 {
            creditINN[index] = nil  // held for the accountant, not credit
            exceptions.append(ReconcileException(
                kind: .ambiguousProviderID, severity: .error, paymentID: payment.id,
                billNumbers: candidates.map { bills.number(at: Int($0)) },
                quoted: [merchant],
                candidates: candidates.map { candidate($0, reason: "fits merchantOrderId \(merchant)") },
                message: "provider payment \(payment.id) (\(Money(kopecks: remaining[index]))): merchantOrderId \(merchant) "
                    + "is used by \(merchantOrderUse[merchant] ?? 0) provider orders, so it identifies none of them; not allocated"))
            return true
        }
        if candidates.isEmpty {
            guard hasIdentifiers else { return false }
            exceptions.append(ReconcileException(
                kind: .unknownProviderOrder, severity: .warning, paymentID: payment.id,
                quoted: [payment.providerOrderID?.rawValue, payment.merchantOrderID].compactMap { $0 },
                message: "provider payment \(payment.id) (\(Money(kopecks: remaining[index]))): no open bill for "
                    + "provider order id \(payment.providerOrderID?.rawValue ?? "—") or merchantOrderId "
                    + "\(payment.merchantOrderID ?? "—"); "
                    + (creditINN[index] != nil ? "left as the customer's credit" : "left unallocated")))
            return true
        }
        if candidates.count > 1 {
            creditINN[index] = nil  // held for the accountant, not credit
            exceptions.append(ReconcileException(
                kind: .ambiguousProviderID, severity: .error, paymentID: payment.id,
                billNumbers: candidates.map { bills.number(at: Int($0)) },
                candidates: candidates.map { candidate($0, reason: "also fits \(how)") },
                message: "provider payment \(payment.id): \(how) fits \(candidates.count) orders; not allocated"))
            return true
        }
        let bill = candidates[0]
        if creditINN[index] == nil { creditINN[index] = bills.customerINN(at: Int(bill)) }
        allocateIdentified(payment: index, bills: [bill], method: .provider, quoted: [])
        return true
    }

    /// Rule 3. Returns whether the purpose quoted a bill number (then rules 4–6 never apply).
    private mutating func matchReference(payment index: Int, payer: String?) -> Bool {
        let payment = openPayment(index).payment
        let quotes = BillReference.quotes(in: payment.purpose)
        guard !quotes.isEmpty else { return false }
        var resolved: [Int32] = []
        var unknown: [QuotedBillNumber] = []
        var ambiguous: [(QuotedBillNumber, [Int32])] = []
        var foreign: [Int32] = []
        for quote in quotes {
            let all = bills(normalizedNumber: quote.normalizedKey)
            guard !all.isEmpty else {
                unknown.append(quote)
                continue
            }
            var pool = all
            var isForeign = false
            if let payer {
                let own = all.filter { bills.customerINN(at: Int($0)) == payer }
                if own.isEmpty {
                    isForeign = true
                } else {
                    pool = own
                }
            }
            let exact = pool.filter { BillReference.exactKey(bills.number(at: Int($0)).rawValue) == quote.exactKey }
            if !exact.isEmpty { pool = exact }
            if pool.count > 1 {
                // Still several: an open one is no better a guess than a closed one.
                ambiguous.append((quote, pool))
                continue
            }
            if !resolved.contains(pool[0]) {
                resolved.append(pool[0])
                if isForeign { foreign.append(pool[0]) }
            }
        }
        let quotedTexts = quotes.map(\.text)
        if !ambiguous.isEmpty {
            creditINN[index] = nil  // held for the accountant
            let pools = ambiguous.flatMap(\.1)
            exceptions.append(ReconcileException(
                kind: .ambiguousReference, severity: .error, paymentID: payment.id,
                billNumbers: pools.map { bills.number(at: Int($0)) }, quoted: quotedTexts,
                candidates: pools.map { candidate($0, reason: "its number also fits the quoted one") },
                message: "payment \(payment.id): quoted "
                    + ambiguous.map { "\($0.0.text) fits \($0.1.count) bills" }.joined(separator: ", ")
                    + "; not allocated"))
            return true
        }
        if !unknown.isEmpty {
            let creditNote = creditINN[index] != nil ? "left as the customer's credit" : "left unallocated"
            exceptions.append(ReconcileException(
                kind: .unknownBillQuoted, severity: resolved.isEmpty ? .warning : .info, paymentID: payment.id,
                quoted: unknown.map(\.text),
                candidates: resolved.isEmpty ? sameAmountCandidates(payment: index, payer: payer) : [],
                message: "payment \(payment.id): quoted " + unknown.map { "\($0.text)" }.joined(separator: ", ")
                    + ", no such open bill"
                    + (resolved.isEmpty ? "; \(Money(kopecks: remaining[index])) \(creditNote)" : "")))
        }
        for bill in foreign {
            exceptions.append(ReconcileException(
                kind: .otherCustomerBill, severity: .warning, paymentID: payment.id,
                billNumbers: [bills.number(at: Int(bill))], quoted: quotedTexts,
                message: "payment \(payment.id) from ИНН \(payer ?? "—") quotes bill \(bills.number(at: Int(bill))) of "
                    + "customer \(bills.customerINN(at: Int(bill))); taken because no bill of the payer has that number"))
        }
        if resolved.isEmpty {
            if creditINN[index] == nil { reportUnmatched(payment: index, payer: payer, quoted: quotes) }
            return true
        }
        if creditINN[index] == nil { creditINN[index] = bills.customerINN(at: Int(resolved[0])) }
        allocateIdentified(payment: index, bills: resolved.sorted(), method: .reference, quoted: quotedTexts)
        return true
    }

    /// Rules 2 and 3 after the bills are known: each bill up to what it needs, oldest first;
    /// a shortfall within the write-off limit is written off; an excess is credit.
    private mutating func allocateIdentified(payment index: Int, bills targets: [Int32], method: AllocationMethod,
                                             quoted: [String]) {
        let paymentID = openPayment(index).payment.id
        var paid: [(bill: Int32, needed: Int64, given: Int64)] = []
        for bill in targets where remaining[index] > 0 && outstanding[Int(bill)] > 0 {
            let needed = outstanding[Int(bill)]
            let given = min(remaining[index], needed)
            allocate(payment: index, bill: bill, kopecks: given, method: method)
            paid.append((bill, needed, given))
        }
        let shortfall = targets.reduce(Int64(0)) { $0 + outstanding[Int($1)] }
        let limit = configuration.writeOffLimit.kopecks
        if shortfall > 0, shortfall <= limit, remaining[index] == 0, !paid.isEmpty {
            for bill in targets where outstanding[Int(bill)] > 0 {
                writeOff(payment: index, bill: bill, kopecks: outstanding[Int(bill)], method: method)
            }
        } else {
            for entry in paid where entry.given < entry.needed {
                let target = bills.bill(at: Int(entry.bill))
                let beyond = limit > 0 && entry.needed - entry.given > limit
                exceptions.append(ReconcileException(
                    kind: .partialPayment, severity: .info, paymentID: paymentID, billNumbers: [target.number],
                    quoted: quoted, expected: Money(kopecks: entry.needed), actual: Money(kopecks: entry.given),
                    message: "bill \(target.number) paid in part by \(paymentID): \(Money(kopecks: entry.given)) of "
                        + "\(Money(kopecks: entry.needed)); \(Money(kopecks: entry.needed - entry.given)) still open"
                        + (beyond ? " (more than the write-off limit \(configuration.writeOffLimit))" : "")))
            }
        }
        if remaining[index] > 0 {
            exceptions.append(ReconcileException(
                kind: .overpayment, severity: .info, paymentID: paymentID,
                billNumbers: targets.map { bills.number(at: Int($0)) }, quoted: quoted,
                message: "payment \(paymentID) exceeds what bill(s) "
                    + targets.map { bills.number(at: Int($0)).rawValue }.joined(separator: ", ")
                    + " needed; \(Money(kopecks: remaining[index])) "
                    + (creditINN[index] != nil ? "is the customer's credit" : "left unallocated")))
        }
    }

    /// Rule 4: an open bill of exactly the amount (or short by at most the write-off limit).
    private mutating func matchExactAmount(payment index: Int, slot: Int32) -> Bool {
        let amount = remaining[index]
        if let bill = byCustomerAmount.first(CustomerAmount(customer: slot, kopecks: amount), keys: customerAmountKeys) {
            allocate(payment: index, bill: bill, kopecks: amount, method: .innExactAmount)
            return true
        }
        let limit = configuration.writeOffLimit.kopecks
        guard limit > 0 else { return false }
        for shortBy in 1...limit {
            if let bill = byCustomerAmount.first(CustomerAmount(customer: slot, kopecks: amount + shortBy), keys: customerAmountKeys) {
                allocate(payment: index, bill: bill, kopecks: amount, method: .innExactAmount)
                writeOff(payment: index, bill: bill, kopecks: shortBy, method: .innExactAmount)
                return true
            }
        }
        return false
    }

    /// Rule 5: the smallest set (2…5) of the customer's oldest open bills summing exactly to the amount;
    /// among sets of that size, the one whose bills are oldest (lexicographically by age).
    private mutating func matchSubset(payment index: Int, slot: Int32) -> Bool {
        let open = openBills(ofCustomer: slot, limit: MatchingConfiguration.subsetSearchWidth)
        guard open.count >= 2 else { return false }
        let amounts = open.map { outstanding[Int($0)] }
        guard let chosen = MatchingEngine.smallestExactSubset(amounts, target: remaining[index], maximumSize: 5) else {
            return false
        }
        for position in chosen {
            let bill = open[position]
            allocate(payment: index, bill: bill, kopecks: outstanding[Int(bill)], method: .innSubset)
        }
        return true
    }

    /// Positions (ascending) of the lexicographically first subset of the smallest size 2…`maximumSize`
    /// whose positive `amounts` sum to `target`, or `nil`.
    static func smallestExactSubset(_ amounts: [Int64], target: Int64, maximumSize: Int) -> [Int]? {
        var positionsOf: [Int64: [Int]] = [:]
        for (position, amount) in amounts.enumerated() { positionsOf[amount, default: []].append(position) }
        guard maximumSize >= 2 else { return nil }
        for size in 2...min(maximumSize, amounts.count) {
            var picked: [Int] = []
            if search(amounts, positionsOf, target: target, size: size, from: 0, sum: 0, picked: &picked) {
                return picked
            }
        }
        return nil
    }

    private static func search(_ amounts: [Int64], _ positionsOf: [Int64: [Int]], target: Int64, size: Int,
                               from start: Int, sum: Int64, picked: inout [Int]) -> Bool {
        let left = size - picked.count
        if left == 1 {
            guard let positions = positionsOf[target - sum], let last = positions.first(where: { $0 >= start }) else {
                return false
            }
            picked.append(last)
            return true
        }
        guard start <= amounts.count - left else { return false }
        for position in start...(amounts.count - left) {
            let next = sum + amounts[position]
            // Each later pick adds at least one kopeck.
            guard next + Int64(left - 1) <= target else { continue }
            picked.append(position)
            if search(amounts, positionsOf, target: target, size: size, from: position + 1, sum: next, picked: &picked) {
                return true
            }
            picked.removeLast()
        }
        return false
    }

    /// Rule 6: the customer's bills oldest first, the last one partially; any excess is credit.
    private mutating func matchOldestFirst(payment index: Int, slot: Int32) {
        while remaining[index] > 0 {
            guard let bill = openBills(ofCustomer: slot, limit: 1).first else { break }
            allocate(payment: index, bill: bill, kopecks: min(remaining[index], outstanding[Int(bill)]),
                     method: .innOldestFirst)
        }
    }

    // MARK: - Rule 7 and credit

    private mutating func reportUnmatched(payment index: Int, payer: String?, quoted: [QuotedBillNumber] = []) {
        let payment = openPayment(index).payment
        let why: String
        if let payer {
            why = "payer ИНН \(payer) is no known customer"
        } else {
            why = "no payer ИНН"
        }
        exceptions.append(ReconcileException(
            kind: .unmatchedPayment, severity: .error, paymentID: payment.id, quoted: quoted.map(\.text),
            candidates: sameAmountCandidates(payment: index, payer: payer),
            message: "payment \(payment.id) of \(payment.amount) from \(payment.payerName ?? "an unnamed payer"): "
                + "\(why)\(quoted.isEmpty ? " and no bill number in the purpose" : ""); not allocated"))
    }

    private func sameAmountCandidates(payment index: Int, payer: String?) -> [ReconcileException.Candidate] {
        byAmount.all(remaining[index], limit: 5, keys: amountKeys).map { bill in
            let owner = bills.customerINN(at: Int(bill))
            let reason: String
            if let payer {
                reason = "same amount, but its customer is ИНН \(owner), not the payer \(payer)"
            } else {
                reason = "same amount, but the payment has no payer ИНН to confirm customer \(owner)"
            }
            return candidate(bill, reason: reason)
        }
    }

    private func candidate(_ bill: Int32, reason: String) -> ReconcileException.Candidate {
        let target = bills.bill(at: Int(bill))
        return ReconcileException.Candidate(billNumber: target.number, orderID: target.orderID,
                                            customerINN: target.customerINN,
                                            outstanding: Money(kopecks: outstanding[Int(bill)]), reason: reason)
    }

    /// Credit pays the customer's open bills dated on or after the day the money arrived, oldest first.
    private mutating func applyCredit(payment index: Int) {
        guard remaining[index] > 0, let inn = creditINN[index], let slot = customerSlots[inn] else { return }
        let since = openPayment(index).payment.receivedOn
        let end = customerBillStart[Int(slot) + 1]
        var cursor = firstOpen[Int(slot)]
        while cursor < end, remaining[index] > 0 {
            let bill = customerBills[cursor]
            cursor += 1
            guard outstanding[Int(bill)] > 0, bills.date(at: Int(bill)) >= since else { continue }
            allocate(payment: index, bill: bill, kopecks: min(remaining[index], outstanding[Int(bill)]),
                     method: .customerCredit)
        }
    }

    // MARK: - Result

    /// The decisions, taken out of the engine: the bills' side (the bills, their indexes) is let go once
    /// the bills' outcomes are made and before the payments' are, so the two are never held together
    /// with the outcomes (the end of a large day's matching is its highest point otherwise).
    /// The decisions (and outcomes, when asked for); `read` gives the payments at a range of places when
    /// they are not held.
    mutating func takeResult<Failure: Error>(reading read: (Range<Int>) throws(Failure) -> [OpenPayment]) throws(Failure) -> MatchingResult {
        var billOutcomes: [BillOutcome] = []
        for position in 0..<bills.count where reportsOutcomes && touched[position] {
            let bill = bills.bill(at: position)
            billOutcomes.append(BillOutcome(
                billNumber: bill.number, orderID: bill.orderID, customerINN: bill.customerINN, amount: bill.amount,
                allocatedBefore: Money(kopecks: allocatedBefore[position]),
                allocatedNow: Money(kopecks: allocatedNow[position]), writtenOff: Money(kopecks: writtenOff[position]),
                outstanding: Money(kopecks: outstanding[position])))
        }
        // The bills' numbers, customers and indexes go first: the allocations need only the bills' texts.
        (outstanding, allocatedBefore, allocatedNow, writtenOff, touched) = ([], [], [], [], [])
        (billCustomer, customerBills, customerBillStart, firstOpen, customerSlots) = ([], [], [], [], [:])
        byCustomerAmount = BillIndex(billCount: 0)
        byAmount = BillIndex(billCount: 0)
        bills.releaseLookups()
        // The ids of the payments that have allocations, read back in one pass over the payments in order
        // (the allocations were made in several): the matcher held no id for each allocation while matching.
        var paid = Array(repeating: false, count: paymentCount)
        for entry in made { paid[Int(entry.payment)] = true }
        var ids = [PaymentID?](repeating: nil, count: paymentCount)
        for index in 0..<paymentCount where paid[index] {
            try hold(index, read)
            ids[index] = openPayment(index).payment.id
        }
        paid = []
        var allocations: [Allocation] = []
        allocations.reserveCapacity(made.count)
        for entry in made {
            let position = Int(entry.bill)
            guard let paymentID = ids[Int(entry.payment)] else { preconditionFailure("an id read for each payment allocated") }
            let (number, orderID) = bills.numberAndOrderID(at: position)
            allocations.append(Allocation(paymentID: paymentID, orderID: orderID, billNumber: number,
                                          amount: Money(kopecks: entry.kopecks), method: entry.method))
        }
        made = []
        ids = []
        bills.release()

        var paymentOutcomes: [PaymentOutcome] = []
        paymentOutcomes.reserveCapacity(reportsOutcomes ? paymentCount : 0)
        for index in 0..<paymentCount where reportsOutcomes {
            try hold(index, read)
            let open = openPayment(index)
            var outcomeStatus = status[index]
            if outcomeStatus == .unmatched {
                if remaining[index] == 0 {
                    outcomeStatus = .allocated
                } else if creditINN[index] != nil {
                    outcomeStatus = .credit
                }
            }
            let before = open.allocated
            paymentOutcomes.append(PaymentOutcome(
                paymentID: open.payment.id, receivedOn: open.payment.receivedOn, amount: open.payment.amount,
                allocatedBefore: before, allocatedNow: Money(kopecks: allocatedNowByPayment[index]),
                unallocated: Money(kopecks: open.payment.amount.kopecks - before.kopecks - allocatedNowByPayment[index]),
                status: outcomeStatus, creditCustomerINN: outcomeStatus == .credit ? creditINN[index] : nil,
                methods: methods[index]))
        }
        payments = []
        return MatchingResult(allocations: allocations, writeOffs: writeOffs, payments: paymentOutcomes,
                              bills: billOutcomes, exceptions: exceptions, payouts: payouts)
    }
}

/// The order of strings by the bytes of their UTF-8 text (`utf8.lexicographicallyPrecedes`), compared
/// over contiguous bytes.
enum ByteOrder {
    /// Negative when `a` comes first, zero when the bytes are equal, positive when `b` comes first.
    static func compare(_ a: String, _ b: String) -> Int {
        let contiguous = a.utf8.withContiguousStorageIfAvailable { x in
            b.utf8.withContiguousStorageIfAvailable { y in
                let common = min(x.count, y.count)
                var index = 0
                while index < common {
                    if x[index] != y[index] { return Int(x[index]) - Int(y[index]) }
                    index += 1
                }
                return x.count - y.count
            }
        }
        if let contiguous, let result = contiguous { return result }
        // (Text not stored as contiguous UTF-8: the same order, a byte at a time.)
        if a.utf8.elementsEqual(b.utf8) { return 0 }
        return a.utf8.lexicographicallyPrecedes(b.utf8) ? -1 : 1
    }

    /// Puts `elements` in `order` where they are (`elements[k]` becomes what `elements[order[k]]` was;
    /// `order` is a permutation of the positions), following each cycle of the permutation: no second
    /// array of the elements is made, only one flag per position.
    static func arrange<Element>(_ elements: inout [Element], in order: [Int]) {
        precondition(order.count == elements.count, "an order for every element")
        var placed = Array(repeating: false, count: elements.count)
        for start in elements.indices where !placed[start] {
            placed[start] = true
            guard order[start] != start else { continue }
            let first = elements[start]
            var position = start
            while true {
                let source = order[position]
                if source == start {
                    elements[position] = first
                    break
                }
                precondition(!placed[source], "the order is not a permutation")
                elements[position] = elements[source]
                placed[source] = true
                position = source
            }
        }
    }

    /// `0..<count` sorted by `less` (a stable sort that breaks ties by position), or as it is when no
    /// position comes before the one ahead of it: what the stable sort gives such input.
    static func sortedPositions(count: Int, by less: (Int, Int) -> Bool) -> [Int] {
        var inOrder = true
        var position = 1
        while position < count {
            if less(position, position - 1) {
                inOrder = false
                break
            }
            position += 1
        }
        return inOrder ? Array(0..<count) : (0..<count).sorted(by: less)
    }
}

/// An allocation as the matcher keeps it until its result is taken: the payment by its place in the
/// matcher's order, the bill by its position among the matcher's bills.
struct MadeAllocation {
    /// The payment's place in the matcher's order (its id is read back with it when the result is taken).
    let payment: Int32
    let bill: Int32
    let kopecks: Int64
    let method: AllocationMethod
}
